package reader

import (
	"compress/flate"
	"errors"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// zipFile reads records from a zip.
type zipFile struct {
	path   string
	r      io.ReaderAt
	size   int64
	closer io.Closer
}

func newZip(path string, r io.ReaderAt, size int64, closer io.Closer) (*Archive, error) {
	z := &zipFile{path: path, r: r, size: size, closer: closer}
	entries, err := readZip(z)
	if err != nil {
		return nil, err
	}
	a := &Archive{path: path, src: z}
	// Names first, in archive order, so the first bad one is reported.
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if msg := nameProblem(e.name); msg != "" {
			return nil, z.errf(e.name, "%s", msg)
		}
		if seen[e.name] {
			return nil, z.errf(e.name, "duplicate record: the name appears twice in the central directory")
		}
		seen[e.name] = true
	}
	// The top folder is the first record's (torch's PyTorchStreamReader
	// takes it from the first entry); every record must be in it.
	first := entries[0].name
	i := strings.IndexByte(first, '/')
	if i < 0 {
		return nil, z.errf(first, "file in archive is not in a subdirectory: a torch.package archive keeps every record in one top folder")
	}
	a.top = first[:i]
	prefix := a.top + "/"
	for _, e := range entries {
		rel, ok := strings.CutPrefix(e.name, prefix)
		if !ok {
			return nil, z.errf(e.name, "file in archive is not in the top folder %s/ that the first record is in", a.top)
		}
		if e.dir {
			continue
		}
		a.records = append(a.records, &record{name: rel, size: int64(e.usize), zip: e})
	}
	if len(a.records) == 0 {
		return nil, z.errf("", "archive does not contain any files, only folders")
	}
	if err := a.finish(); err != nil {
		return nil, err
	}
	return a, nil
}

func (z *zipFile) close() error {
	if z.closer == nil {
		return nil
	}
	return z.closer.Close()
}

func (z *zipFile) open(a *Archive, r *record) (io.ReadCloser, error) {
	e := r.zip
	var src io.Reader = io.NewSectionReader(z.r, e.data, int64(e.csize))
	var closer io.Closer
	if e.method == methodDeflate {
		fr := flate.NewReader(src)
		src, closer = fr, fr
	}
	return &checked{
		a: a, rec: e.name, r: src, closer: closer,
		want: e.usize, crc: crc32.NewIEEE(), wantCRC: e.crc,
		checkCRC: e.crc != 0 || e.usize == 0,
		stream:   e.method == methodDeflate,
	}, nil
}

// checked reads a record and fails unless it ends after exactly want bytes
// with the declared CRC-32. A CRC of 0 on a non-empty record means none
// was recorded (torch can be told not to compute it) and is not checked.
type checked struct {
	a        *Archive
	rec      string
	r        io.Reader
	closer   io.Closer
	n, want  uint64
	crc      hash.Hash32
	wantCRC  uint32
	checkCRC bool
	stream   bool // r may hold more than want bytes (deflate)
	err      error
}

func (c *checked) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.n == c.want {
		c.err = c.finish()
		return 0, c.err
	}
	if left := c.want - c.n; uint64(len(p)) > left {
		p = p[:left]
	}
	n, err := c.r.Read(p)
	c.n += uint64(n)
	c.crc.Write(p[:n])
	switch {
	case err == io.EOF:
		if c.n < c.want {
			c.err = c.a.errf(c.rec, "record ends after %d of its %d bytes", c.n, c.want)
			return n, c.err
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		c.err = c.a.errf(c.rec, "compressed data ends early, after %d of %d bytes", c.n, c.want)
		return n, c.err
	case err != nil:
		c.err = c.a.errf(c.rec, "read: %v", err)
		return n, c.err
	}
	return n, nil
}

// finish runs once all declared bytes are read.
func (c *checked) finish() error {
	if c.stream {
		// The deflate stream must end here.
		var one [1]byte
		for {
			n, err := c.r.Read(one[:])
			if n > 0 {
				return c.a.errf(c.rec, "record holds more than its declared %d bytes", c.want)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return c.a.errf(c.rec, "after %d bytes: %v", c.n, err)
			}
		}
	}
	if c.checkCRC && c.crc.Sum32() != c.wantCRC {
		return c.a.errf(c.rec, "CRC-32 is %08x, but the archive declares %08x", c.crc.Sum32(), c.wantCRC)
	}
	return io.EOF
}

func (c *checked) Close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}

// folder reads records from an unzipped archive through an os.Root, so
// that no name, and no symbolic link swapped in after Open, reaches
// outside it.
type folder struct {
	root *os.Root
}

func openDir(dir string) (*Archive, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	a := &Archive{path: dir, top: filepath.Base(abs)}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if msg := nameProblem(rel); msg != "" {
			return a.errf(rel, "%s", msg)
		}
		switch t := d.Type(); {
		case t.IsDir():
			return nil
		case t&fs.ModeSymlink != 0:
			return a.errf(rel, "is a symbolic link: an archive folder holds regular files only")
		case !t.IsRegular():
			return a.errf(rel, "is not a regular file (%v)", t)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		a.records = append(a.records, &record{name: rel, size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(a.records) == 0 {
		return nil, a.errf("", "archive does not contain any files")
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	a.src = &folder{root: root}
	if err := a.finish(); err != nil {
		root.Close()
		return nil, err
	}
	return a, nil
}

func (f *folder) close() error { return f.root.Close() }

func (f *folder) open(a *Archive, r *record) (io.ReadCloser, error) {
	st, err := f.root.Lstat(filepath.FromSlash(r.name))
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, a.errf(r.name, "is no longer a regular file")
	}
	file, err := f.root.Open(filepath.FromSlash(r.name))
	if err != nil {
		return nil, err
	}
	st, err = file.Stat()
	if err == nil && (!st.Mode().IsRegular() || st.Size() != r.size) {
		err = a.errf(r.name, "changed since the archive was opened (%d bytes then, %d now)", r.size, st.Size())
	}
	if err != nil {
		file.Close()
		return nil, err
	}
	return &checked{
		a: a, rec: r.name, r: file, closer: file,
		want: uint64(r.size), crc: crc32.NewIEEE(), stream: true,
	}, nil
}
