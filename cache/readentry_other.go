//go:build !(linux || openbsd || darwin || freebsd || netbsd)

package cache

import (
	"io"
	"os"
	"path/filepath"
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

// writable reports whether files can be created in dir, by creating one.
func writable(dir string) error {
	probe := filepath.Join(dir, tempName())
	f, err := os.OpenFile(probe, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(probe)
}
