//go:build !(linux || openbsd || darwin || freebsd || netbsd)

package cache

import "io/fs"

// sysStat adds nothing where the system reports no ctime and inode (Windows,
// Plan 9, ...): the fingerprint is size, mtime and mode. See the package
// comment for what that does not catch.
func sysStat(fi fs.FileInfo, s *FileStat) {}
