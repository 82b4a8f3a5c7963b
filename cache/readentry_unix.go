//go:build linux || openbsd || darwin || freebsd || netbsd

package cache

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// readEntryFile reads an entry file whole and returns its mtime. It uses
// the system calls directly: os.Open registers every file with the
// network poller, which costs five more system calls per open, and a warm
// lookup opens two entries.
func readEntryFile(path string, maxPayload int64) ([]byte, time.Time, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, time.Time{}, err
	}
	if st.Size < headerSize || st.Size > headerSize+maxPayload {
		return nil, time.Time{}, errBadSize
	}
	data := make([]byte, st.Size)
	for off := 0; off < len(data); {
		n, err := syscall.Read(fd, data[off:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, time.Time{}, err
		}
		if n == 0 {
			return nil, time.Time{}, errors.New("entry shrank while read")
		}
		off += n
	}
	return data, statMtime(&st), nil
}

// writable reports whether files can be created in dir: access(2) answers
// for the permissions and for a read-only mount in one call, without
// creating a file on every run.
func writable(dir string) error {
	if err := syscall.Access(dir, 2 /* W_OK */); err != nil {
		return &os.PathError{Op: "access", Path: dir, Err: err}
	}
	return nil
}
