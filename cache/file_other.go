//go:build !(linux || openbsd || darwin || freebsd || netbsd)

package cache

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Input is a regular file opened for reading. (On Unix systems it is
// opened with the system calls alone.)
type Input struct {
	*os.File
	info fs.FileInfo // taken when it was opened
}

// OpenInput opens path for reading. Anything but a regular file is an
// error (see errNotRegular).
func OpenInput(path string) (*Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &os.PathError{Op: "open", Path: path, Err: notRegular(fi.Mode())}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Input{f, fi}, nil
}

// Info returns what Stat returned when the file was opened.
func (f *Input) Info() fs.FileInfo { return f.info }

// Size is the file's size when it was opened.
func (f *Input) Size() int64 { return f.info.Size() }

// fileInfo is a file's information, for statInto to fill.
type fileInfo struct{ fs.FileInfo }

// statInto stats path, following symbolic links, into fi.
func statInto(path string, fi *fileInfo) error {
	st, err := os.Stat(path)
	fi.FileInfo = st
	return err
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
