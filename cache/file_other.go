//go:build !(linux || openbsd || darwin || freebsd || netbsd)

package cache

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Input is a file opened for reading. (On Unix systems it is opened with the
// system calls alone.)
type Input = os.File

// OpenInput opens path for reading.
func OpenInput(path string) (*Input, error) { return os.Open(path) }

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
