//go:build darwin || freebsd || netbsd

package cache

import (
	"io/fs"
	"syscall"
	"time"
)

func sysStat(fi fs.FileInfo, s *FileStat) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.ChangeTime = st.Ctimespec.Nano()
		s.Inode = uint64(st.Ino)
		s.Device = uint64(st.Dev)
	}
}

func statMtime(st *syscall.Stat_t) time.Time { return time.Unix(0, st.Mtimespec.Nano()) }
