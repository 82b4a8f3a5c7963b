//go:build !(linux || openbsd || darwin || freebsd || netbsd)

package cache

import (
	"io"
	"os"
	"time"
)

// readEntryFile reads an entry file whole and returns its mtime.
func readEntryFile(path string, maxPayload int64) ([]byte, time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	if fi.Size() < headerSize || fi.Size() > headerSize+maxPayload {
		return nil, time.Time{}, errBadSize
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, time.Time{}, err
	}
	return data, fi.ModTime(), nil
}
