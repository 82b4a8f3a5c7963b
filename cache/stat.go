package cache

import (
	"fmt"
	"io/fs"
	"os"
	"time"
)

// RacyWindow is how close to the moment a file was read its last change may
// be for its fingerprint to still vouch for its bytes. It covers the
// coarsest common timestamp granularity (2s on FAT; ext4, APFS and tmpfs
// update timestamps from a clock that ticks every few milliseconds) and a
// little clock skew. A file changed less than RacyWindow before it was read
// is re-read on the next lookup.
const RacyWindow = 2 * time.Second

// FileStat is a file's fingerprint: what one stat call says about it.
// Two equal FileStats of one path, taken RacyWindow after the file's last
// change, mean its bytes did not change in between (see the package comment
// for what that relies on).
type FileStat struct {
	Size       int64
	ModTime    int64 // mtime, in nanoseconds since the Unix epoch
	ChangeTime int64 // ctime (last change of bytes or metadata), in ns; 0 where the system has none
	Inode      uint64
	Device     uint64
	Mode       fs.FileMode
}

func (s FileStat) String() string {
	return fmt.Sprintf("size=%d mtime=%d ctime=%d ino=%d dev=%d mode=%o",
		s.Size, s.ModTime, s.ChangeTime, s.Inode, s.Device, uint32(s.Mode))
}

// Fingerprint stats path (following symbolic links) and returns its
// fingerprint.
func Fingerprint(path string) (FileStat, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return FileStat{}, err
	}
	return fileStat(fi), nil
}

// fileStat is the fingerprint of fi: size, mtime and mode everywhere, and
// ctime, inode and device where the system reports them (sysStat).
func fileStat(fi fs.FileInfo) FileStat {
	s := FileStat{Size: fi.Size(), ModTime: fi.ModTime().UnixNano(), Mode: fi.Mode()}
	sysStat(fi, &s)
	return s
}

// racy reports whether s cannot vouch for the bytes read at time read: the
// file changed within RacyWindow of it, so it may change again without its
// fingerprint changing.
func racy(s FileStat, read time.Time) bool {
	if read.IsZero() {
		return true
	}
	last := max(s.ModTime, s.ChangeTime)
	return last >= read.UnixNano()-int64(RacyWindow)
}
