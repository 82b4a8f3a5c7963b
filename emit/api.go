package emit

import "io"

// Record is one file of a package, named by its path below the archive's
// top folder ("pkg/mod.py", ".data/version"). Exactly one of Data and Open is set.
type Record struct {
	Name string
	Data []byte
	// Open streams the record's bytes, so a large tree is never held in memory.
	Open func() (io.ReadCloser, error)
}
