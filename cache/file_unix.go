//go:build linux || openbsd || darwin || freebsd || netbsd

package cache

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Input is a regular file opened for reading with the system calls alone:
// os.Open registers every file with the network poller, which costs five
// more system calls per open, and a cold build opens each source twice (to
// scan it, then to store it). Its Stat returns the fs.FileInfo os.Stat
// would.
type Input struct {
	fd   int
	name string
	info *fileInfo // taken when it was opened
}

// OpenInput opens path for reading. Anything but a regular file is an
// error (see errNotRegular): it is opened without blocking, so that a named
// pipe fails instead of hanging the build.
func OpenInput(path string) (*Input, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := &Input{fd: fd, name: path}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &os.PathError{Op: "open", Path: path, Err: notRegular(fi.Mode())}
	}
	if err != nil {
		syscall.Close(fd)
		return nil, err
	}
	f.info = fi.(*fileInfo)
	return f, nil
}

// Info returns what Stat returned when the file was opened.
func (f *Input) Info() fs.FileInfo { return f.info }

// Size is the file's size when it was opened.
func (f *Input) Size() int64 { return f.info.Size() }

// Read reads up to len(p) bytes; at the end of the file it returns io.EOF.
func (f *Input) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(f.fd, p)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, &os.PathError{Op: "read", Path: f.name, Err: err}
		}
		if n == 0 && len(p) > 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

// Stat returns the open file's information.
func (f *Input) Stat() (fs.FileInfo, error) {
	fi := &fileInfo{path: f.name}
	for {
		err := syscall.Fstat(f.fd, &fi.st)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "stat", Path: f.name, Err: err}
		}
		return fi, nil
	}
}

// Close closes the file.
func (f *Input) Close() error {
	if f.fd < 0 {
		// Closing again must not close another file that got the number.
		return &os.PathError{Op: "close", Path: f.name, Err: os.ErrClosed}
	}
	fd := f.fd
	f.fd = -1
	if err := syscall.Close(fd); err != nil {
		return &os.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

// statInto stats path, following symbolic links, into fi. Unlike os.Stat it
// allocates nothing when fi is reused: a no-op build stats every input.
func statInto(path string, fi *fileInfo) error {
	fi.path = path
	for {
		err := syscall.Stat(path, &fi.st)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "stat", Path: path, Err: err}
		}
		return nil
	}
}

// fileInfo is what os.Stat makes of a stat buffer.
type fileInfo struct {
	path string
	st   syscall.Stat_t
}

func (fi *fileInfo) Name() string       { return filepath.Base(fi.path) }
func (fi *fileInfo) Size() int64        { return fi.st.Size }
func (fi *fileInfo) ModTime() time.Time { return statMtime(&fi.st) }
func (fi *fileInfo) IsDir() bool        { return fi.Mode().IsDir() }
func (fi *fileInfo) Sys() any           { return &fi.st }

func (fi *fileInfo) Mode() fs.FileMode {
	m := fs.FileMode(fi.st.Mode & 0o777)
	switch fi.st.Mode & syscall.S_IFMT {
	case syscall.S_IFBLK:
		m |= fs.ModeDevice
	case syscall.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFDIR:
		m |= fs.ModeDir
	case syscall.S_IFIFO:
		m |= fs.ModeNamedPipe
	case syscall.S_IFLNK:
		m |= fs.ModeSymlink
	case syscall.S_IFSOCK:
		m |= fs.ModeSocket
	}
	if fi.st.Mode&syscall.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if fi.st.Mode&syscall.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if fi.st.Mode&syscall.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
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
