package reader

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"unicode/utf8"
)

// Error is a problem with an archive: a malformed zip, a hostile record
// name, a record whose bytes do not match what the archive declares, or
// something PackageImporter would refuse (see [Archive.Check]).
type Error struct {
	Archive string // the path given to Open; "" for NewReader
	// Record is the record at fault, "" for the whole archive: as the zip
	// stores it (with the top folder) in errors from Open, below the top
	// folder in Check's.
	Record string
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Archive != "" {
		b.WriteString(e.Archive)
		b.WriteString(": ")
	}
	if e.Record != "" {
		fmt.Fprintf(&b, "record %q: ", e.Record)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Archive is an opened torch.package archive. Its methods are safe for
// concurrent use. Close it when done.
type Archive struct {
	path    string
	top     string
	records []*record
	byName  map[string]*record
	src     source

	externs       []string // non-empty lines of .data/extern_modules
	externLines   []string // every line, as PackageImporter splits them
	hasExterns    bool
	version       string
	hasVersion    bool
	versionRecord string
	pythonVersion string

	tree     *node
	modules  []Module
	problems []*Error
}

// record is one file of the archive.
type record struct {
	name string // below the top folder
	size int64  // uncompressed size
	zip  *entry // nil in a folder
}

// source reads records: a zip file or a folder.
type source interface {
	open(a *Archive, r *record) (io.ReadCloser, error)
	close() error
}

// Module is a Python module of the package, as PackageImporter finds it.
type Module struct {
	Name      string // dotted name: "pkg.sub"
	Path      string // its record: "pkg/sub.py" or "pkg/sub/__init__.py"
	IsPackage bool   // Path is an __init__.py
}

// Open opens the archive at path: a zip file, or a folder laid out as
// torch's DirectoryReader expects (the folder stands for the top folder).
// It checks the whole archive first; see the package documentation for
// what it refuses.
func Open(path string) (*Archive, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return openDir(path)
	}
	// Opening a pipe would block, and a device has no size to check.
	if !st.Mode().IsRegular() {
		return nil, &Error{Archive: path, Msg: "not a regular file or a folder"}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, err
	}
	a, err := newZip(path, f, st.Size(), f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

// NewReader reads the zip archive held by r, which has the given size.
// The Archive reads r until Close (which does not close r).
func NewReader(r io.ReaderAt, size int64) (*Archive, error) {
	return newZip("", r, size, nil)
}

// Close releases the file or folder the Archive reads.
func (a *Archive) Close() error { return a.src.close() }

// Path is the path the archive was opened with.
func (a *Archive) Path() string { return a.path }

// Top is the archive's top folder: the folder every zip record is in, or a
// folder archive's base name.
func (a *Archive) Top() string { return a.top }

// Records returns the names of the records below the top folder, in archive
// order (a folder's in lexical order).
func (a *Archive) Records() []string {
	names := make([]string, len(a.records))
	for i, r := range a.records {
		names[i] = r.name
	}
	return names
}

// Has reports whether name is a record.
func (a *Archive) Has(name string) bool { return a.byName[name] != nil }

// Size returns the size of the record name, and whether there is one.
func (a *Archive) Size(name string) (int64, bool) {
	r := a.byName[name]
	if r == nil {
		return 0, false
	}
	return r.size, true
}

// Open opens the record name for streaming. Reading it fails if its bytes
// do not match the size and CRC-32 the archive declares.
func (a *Archive) Open(name string) (io.ReadCloser, error) {
	r := a.byName[name]
	if r == nil {
		return nil, a.notFound(name)
	}
	return a.src.open(a, r)
}

// Read returns the bytes of the record name. The allocation is bounded by
// the record's size, which Open checked against the file.
func (a *Archive) Read(name string) ([]byte, error) {
	r := a.byName[name]
	if r == nil {
		return nil, a.notFound(name)
	}
	rc, err := a.src.open(a, r)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// Stored and folder records are exactly r.size bytes, at most the
	// file's size; a deflated record grows as it really inflates.
	prealloc := r.size
	if r.zip != nil && r.zip.method == methodDeflate {
		prealloc = min(r.size, int64(r.zip.csize)*4+512)
	}
	buf := make([]byte, 0, prealloc)
	for {
		if len(buf) == cap(buf) {
			// Full: usually the end, which a one-byte read confirms
			// without growing the buffer; if not, append grows it.
			var one [1]byte
			n, err := rc.Read(one[:])
			buf = append(buf, one[:n]...)
			if err == io.EOF {
				return buf, nil
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		n, err := rc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (a *Archive) notFound(name string) error {
	return &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// Externs returns the modules .data/extern_modules lists, in its order,
// without the blank lines PackageImporter also reads (an archive with no
// extern modules has one).
func (a *Archive) Externs() []string { return append([]string(nil), a.externs...) }

// Version returns the archive format version (".data/version", or the
// root "version" of older archives), without surrounding white space; ""
// when there is none.
func (a *Archive) Version() string { return a.version }

// PythonVersion returns .data/python_version without surrounding white
// space, as PackageImporter.python_version() does; "" when there is none.
func (a *Archive) PythonVersion() string { return a.pythonVersion }

// Modules returns the package's Python modules as PackageImporter's module
// tree holds them, sorted by name: every *.py record except those in a
// subfolder of .data, "__init__.py" making its folder a package. A record
// that a later record replaces in the tree (pkg/__init__.py, then pkg.py),
// or that no import can reach (a name with a "." such as "a.b.py"), is not
// a module.
func (a *Archive) Modules() []Module { return append([]Module(nil), a.modules...) }

// Pickles returns the records whose name ends in ".pkl", in archive order.
func (a *Archive) Pickles() []string {
	var out []string
	for _, r := range a.records {
		if strings.HasSuffix(r.name, ".pkl") {
			out = append(out, r.name)
		}
	}
	return out
}

// Check returns what torch's PackageImporter would refuse in this archive,
// in archive order: no version record, a version it cannot parse or does
// not support (1 to 10), no .data/extern_modules or one that is not UTF-8,
// and module files that contradict each other or the externs
// ("inconsistent module structure"). An empty result means
// PackageImporter(path) would open the archive.
func (a *Archive) Check() []*Error { return append([]*Error(nil), a.problems...) }

// errf makes an *Error about this archive.
func (a *Archive) errf(record, format string, args ...any) *Error {
	return &Error{Archive: a.path, Record: record, Msg: fmt.Sprintf(format, args...)}
}

// nameProblem says what is wrong with a record name, or "".
func nameProblem(name string) string {
	if name == "" {
		return "empty name"
	}
	if !utf8.ValidString(name) {
		return "name is not valid UTF-8"
	}
	for _, c := range name {
		switch {
		case c == 0:
			return "name contains a NUL byte"
		case c == '\\':
			return "name contains a backslash"
		case c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0):
			return fmt.Sprintf("name contains the control character %U", c)
		case (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f:
			// They reorder what a terminal shows, so a listing could lie.
			return fmt.Sprintf("name contains the bidirectional control character %U", c)
		}
	}
	if name[0] == '/' {
		return "name is an absolute path"
	}
	for _, seg := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		switch seg {
		case "":
			return "name has an empty segment"
		case ".", "..":
			return fmt.Sprintf("name has a %q segment", seg)
		}
	}
	return ""
}

// finish checks the records' names against each other, reads the .data
// records and builds the module tree: what PackageImporter would see.
func (a *Archive) finish() error {
	a.byName = make(map[string]*record, len(a.records))
	for _, r := range a.records {
		a.byName[r.name] = r
	}
	// A record cannot also be a folder of another record.
	for _, r := range a.records {
		for dir := path.Dir(r.name); dir != "."; dir = path.Dir(dir) {
			if a.byName[dir] != nil {
				return a.errf(a.stored(r), "the record %q is in the way: it would have to be a folder", dir)
			}
		}
	}
	if err := a.readData(); err != nil {
		return err
	}
	a.buildTree()
	return nil
}

// stored is r's name as the archive stores it.
func (a *Archive) stored(r *record) string {
	if r.zip != nil {
		return r.zip.name
	}
	return r.name
}

// readData reads the .data records PackageImporter reads when it opens an
// archive, and notes what it would refuse.
func (a *Archive) readData() error {
	if a.Has(".data/extern_modules") {
		b, err := a.Read(".data/extern_modules")
		if err != nil {
			return err
		}
		a.hasExterns = true
		if !utf8.Valid(b) {
			a.problems = append(a.problems, a.errf(".data/extern_modules", "not valid UTF-8: PackageImporter cannot decode it"))
		}
		a.externLines = splitLines(string(b))
		for _, l := range a.externLines {
			if l != "" {
				a.externs = append(a.externs, l)
			}
		}
	} else {
		a.problems = append(a.problems, a.errf(".data/extern_modules", "missing: PackageImporter reads it on open (PytorchStreamReader failed locating file .data/extern_modules: file not found)"))
	}
	for _, name := range []string{".data/version", "version"} {
		if !a.Has(name) {
			continue
		}
		b, err := a.Read(name)
		if err != nil {
			return err
		}
		a.hasVersion, a.versionRecord = true, name
		a.version = strings.TrimSpace(string(b))
		break
	}
	if !a.hasVersion {
		a.problems = append(a.problems, a.errf(".data/version", "missing: torch's reader requires .data/version or version"))
	} else if msg := versionProblem(a.version); msg != "" {
		a.problems = append(a.problems, a.errf(a.versionRecord, "%s", msg))
	}
	if a.Has(".data/python_version") {
		b, err := a.Read(".data/python_version")
		if err != nil {
			return err
		}
		a.pythonVersion = strings.TrimSpace(string(b))
	}
	return nil
}

// versionProblem checks a format version as torch's reader does: it
// parses the leading digits (std::stoull) and accepts 1 to 10
// (kMinSupportedFileFormatVersion to kMaxSupportedFileFormatVersion, the
// same in 1.13 and today).
func versionProblem(v string) string {
	digits := 0
	for digits < len(v) && '0' <= v[digits] && v[digits] <= '9' {
		digits++
	}
	if digits == 0 {
		return fmt.Sprintf("couldn't parse the version %q", v)
	}
	n := uint64(0)
	for _, c := range v[:digits] {
		n = n*10 + uint64(c-'0')
		if n > 10 {
			break
		}
	}
	switch {
	case n < 1:
		return fmt.Sprintf("version %s is below the minimum supported version for reading, 1", v)
	case n > 10:
		return fmt.Sprintf("version %s is above the maximum supported version for reading, 10", v)
	}
	return ""
}

// splitLines splits s as Python's str.splitlines() does: at \n, \r, \r\n,
// \v, \f, \x1c, \x1d, \x1e, \x85, U+2028 and U+2029, with no empty last
// element for a trailing line break.
func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		c, n := utf8.DecodeRuneInString(s[i:])
		brk := false
		switch c {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			brk = true
		case '\r':
			brk = true
			if i+1 < len(s) && s[i+1] == '\n' {
				n = 2
			}
		}
		if brk {
			out = append(out, s[start:i])
			start = i + n
		}
		i += n
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
