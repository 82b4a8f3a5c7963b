package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pkgbuild/pkgbuild/scanner"
)

// Scanner returns a function with the signature of resolver.Options.Scan
// that reads the file at path and returns parse's result for its bytes,
// from the cache when it can.
//
// A result is found by the sha256 of the file's bytes, under a key that
// also holds toolVersion and FormatVersion: toolVersion must change
// whenever parse may return something else for the same bytes. The stat
// fast path finds the hash without reading the file when the file's
// fingerprint vouches for it (see the package comment).
//
// A nil error, a *scanner.SyntaxError and a *scanner.RelativeImportError
// are cached with the File parse returned beside them, and come back with
// their types and fields. Any other error is returned but not cached, and
// errors reading the file are returned as they are.
//
// Each call returns a File of its own, which the caller may modify. Files
// are read from the operating system's file system (the stat fast path needs
// it), so use it with resolver.OSFS. The returned function is safe for
// concurrent use.
func (c *Cache) Scanner(parse func([]byte) (*scanner.File, error), toolVersion string) func(path string) (*scanner.File, error) {
	prefix := scanPrefix(toolVersion)
	return func(path string) (*scanner.File, error) {
		if c.disabled() {
			data, err := readInput(path)
			c.reads.Add(1)
			if err != nil {
				return nil, err
			}
			return parse(data)
		}
		in, sum, statHit := c.lookupStat(path)
		if statHit && in.Stat.Mode.IsRegular() {
			if f, err, scan, ok := c.getScan(scanKey(prefix, sum)); ok {
				c.rememberScanned(in, scan)
				return f, err
			}
		}
		// A stat hit with no scan entry (a new tool version) needs the
		// bytes, but its stat entry need not be written again.
		buf := sourceBufs.Get().(*[]byte)
		defer sourceBufs.Put(buf)
		data, in, sum, err := c.readFile(path, false, !statHit, *buf)
		if err != nil {
			return nil, err
		}
		*buf = data[:0]
		key := scanKey(prefix, sum)
		if f, err, scan, ok := c.getScan(key); ok {
			c.rememberScanned(in, scan)
			return f, err
		}
		f, err := parse(data) // what it returns holds no part of data
		var scan [32]byte
		if cacheable(err) {
			payload := encodeScan(f, err)
			scan = sha256.Sum256(payload)
			c.put(kindScan, key, payload)
		}
		c.rememberScanned(in, scan)
		return f, err
	}
}

// ScanSum returns the digest of what this Cache's Scanner found in the
// file at path (the SHA-256 of the scan result's encoding: its statements,
// lines and columns, findings and error), or false if it did not scan it
// or the result was an error the cache does not keep. A build keeps it
// with each source, for ScansTo.
func (c *Cache) ScanSum(path string) ([32]byte, bool) {
	c.scannedMu.Lock()
	s, ok := c.scanned[path]
	c.scannedMu.Unlock()
	return s.scan, ok && s.scan != [32]byte{}
}

// ScansTo reports whether the file at path scans now, with parse, to the
// result whose ScanSum is want: the same statements at the same lines and
// columns, the same findings, the same error. It reads and parses the file
// and touches no cache entry.
//
// A build whose only changed inputs are sources that scan as before
// resolves to the same graph, so it can lay its output out as before and
// skip resolving (what build systems call early cutoff).
func ScansTo(path string, want [32]byte, parse func([]byte) (*scanner.File, error)) bool {
	data, err := readInput(path)
	if err != nil {
		return false
	}
	f, err := parse(data)
	return cacheable(err) && sha256.Sum256(encodeScan(f, err)) == want
}

// InputFile is a file a build read: its path, the sha256 of its bytes and
// its fingerprint when they were read.
type InputFile struct {
	Path string
	Sum  string   // sha256 of the bytes, 64 lowercase hex digits
	Stat FileStat // fingerprint taken just before the bytes were read
	// Hashed is when Stat was taken. A fingerprint vouches for the bytes
	// only if the file's last change is more than RacyWindow before it.
	Hashed time.Time
}

// HashFile returns the sha256 and fingerprint of the file at path. It reads
// the file only when no stat entry vouches for the fingerprint, and then
// records one if the fingerprint is not racy, so that the next HashFile
// does not read it. Use it for a build's inputs and output, to fill an
// ActionResult.
//
// For a directory, Sum is the sha256 of its listing: one line "d name" or
// "f name" per entry, sorted by name. Recording the directories a build
// listed makes a new file that would shadow a module a change.
//
// A file this Cache's Scanner scanned is answered from that scan, with no
// stat call: the bytes the build used, even if the file changed since (the
// next build then sees the change).
func (c *Cache) HashFile(path string) (InputFile, error) {
	c.scannedMu.Lock()
	s, ok := c.scanned[path]
	c.scannedMu.Unlock()
	if ok {
		return s.in, nil
	}
	if in, _, ok := c.lookupStat(path); ok {
		return in, nil
	}
	_, in, _, err := c.readFile(path, true, true, nil)
	return in, err
}

// sourceBufs holds the buffers Scanner reads sources into. Reusing them
// spares a cold build a page fault per 4 KiB of source: memory the process
// has not touched before costs more to fill than the read itself.
var sourceBufs = sync.Pool{New: func() any { return new([]byte) }}

// scanned is what Scanner found a file to be: its bytes' hash and
// fingerprint (for HashFile) and its scan's digest (ScanSum; zero for an
// error the cache does not keep).
type scanned struct {
	in   InputFile
	scan [32]byte
}

func (c *Cache) rememberScanned(in InputFile, scan [32]byte) {
	c.scannedMu.Lock()
	if c.scanned == nil {
		c.scanned = make(map[string]scanned)
	}
	c.scanned[in.Path] = scanned{in, scan}
	c.scannedMu.Unlock()
}

// lookupStat is the stat fast path: one stat call and one small entry read.
func (c *Cache) lookupStat(path string) (InputFile, [32]byte, bool) {
	if c.disabled() {
		return InputFile{}, [32]byte{}, false
	}
	fi, err := os.Stat(path)
	if err != nil || !(fi.Mode().IsRegular() || fi.IsDir()) {
		return InputFile{}, [32]byte{}, false
	}
	st := c.fingerprint(fi)
	abs := absPath(path)
	payload, ok := c.get(kindStat, statKey(abs, st))
	if !ok {
		return InputFile{}, [32]byte{}, false
	}
	gotPath, gotStat, hashed, sum, err := decodeStat(payload)
	if err != nil || gotPath != abs || gotStat != st || racy(st, hashed) {
		return InputFile{}, [32]byte{}, false
	}
	return InputFile{Path: path, Sum: hex.EncodeToString(sum[:]), Stat: st, Hashed: hashed}, sum, true
}

// readFile reads path whole, into buf if it is large enough, and hashes it;
// with dirs, a directory's bytes are its listing. With record, if the
// file's fingerprint was the same before and after the read and is not
// racy, it records a stat entry.
func (c *Cache) readFile(path string, dirs, record bool, buf []byte) ([]byte, InputFile, [32]byte, error) {
	t := c.now()
	var f interface {
		io.ReadCloser
		Stat() (fs.FileInfo, error)
	}
	var before fs.FileInfo
	if dirs {
		// Opened without blocking, so that a named pipe is refused below
		// instead of waiting for a writer here.
		d, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return nil, InputFile{}, [32]byte{}, err
		}
		defer d.Close()
		if before, err = d.Stat(); err != nil {
			return nil, InputFile{}, [32]byte{}, err
		}
		if !before.IsDir() && !before.Mode().IsRegular() {
			return nil, InputFile{}, [32]byte{}, &os.PathError{Op: "open", Path: path, Err: notRegular(before.Mode())}
		}
		f = d
	} else {
		in, err := OpenInput(path)
		if err != nil {
			return nil, InputFile{}, [32]byte{}, err
		}
		defer in.Close()
		before, f = in.Info(), in
	}
	c.reads.Add(1)
	var data []byte
	var err error
	if before.IsDir() {
		data, err = listing(f.(*os.File))
	} else {
		data, err = readAll(f, before.Size(), buf)
	}
	if err != nil {
		return nil, InputFile{}, [32]byte{}, err
	}
	after, err := f.Stat()
	if err != nil {
		return nil, InputFile{}, [32]byte{}, err
	}
	sum := sha256.Sum256(data)
	st := c.fingerprint(before)
	in := InputFile{Path: path, Sum: hex.EncodeToString(sum[:]), Stat: st, Hashed: t}
	if st != c.fingerprint(after) || before.Mode().IsRegular() && st.Size != int64(len(data)) {
		// It changed while we read it: no fingerprint vouches for these bytes.
		in.Hashed = time.Time{}
	} else if record && !racy(st, t) && !c.disabled() {
		abs := absPath(path)
		c.put(kindStat, statKey(abs, st), encodeStat(abs, st, t, sum))
	}
	return data, in, sum, nil
}

// readInput reads the regular file at path whole.
func readInput(path string) ([]byte, error) {
	f, err := OpenInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f, f.Size(), nil)
}

// readAll reads r, expecting size bytes, as os.ReadFile does, into buf if
// it is large enough.
func readAll(r io.Reader, size int64, buf []byte) ([]byte, error) {
	n := 512
	if size > 0 && size < 1<<40 {
		n = int(size) + 1 // one more, to see EOF without growing
	}
	data := buf[:0]
	if cap(data) < n {
		data = make([]byte, 0, n)
	}
	for {
		m, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+m]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// listing is what HashFile hashes for a directory.
func listing(dir *os.File) ([]byte, error) {
	ents, err := dir.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	var b []byte
	for _, e := range ents {
		t := byte('f')
		if e.IsDir() {
			t = 'd'
		}
		b = append(b, t, ' ')
		b = append(b, e.Name()...)
		b = append(b, '\n')
	}
	return b, nil
}

// absPath names a file in stat keys. A stat entry holds for one path.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// scanKey is the hash of the lines
//
//	pkgbuild scan v<FormatVersion>
//	tool <toolVersion, quoted>
//	schema <scanSchema>
//	content <sha256 of the file, hex>
//
// The first three lines are scanPrefix, computed once per Scanner.
func scanKey(prefix []byte, sum [32]byte) [32]byte {
	b := make([]byte, 0, len(prefix)+8+64+1)
	b = append(b, prefix...)
	b = append(b, "content "...)
	b = hex.AppendEncode(b, sum[:])
	b = append(b, '\n')
	return sha256.Sum256(b)
}

func scanPrefix(toolVersion string) []byte {
	return fmt.Appendf(nil, "pkgbuild scan v%d\ntool %q\nschema %s\n", FormatVersion, toolVersion, scanSchema())
}

// scanSchema describes the scanner's result types, field by field, so that
// a change to them changes every scan key even if FormatVersion and the
// tool version stay the same (a development build).
// It is worked out on first use: a no-op build never needs it.
var scanSchema = sync.OnceValue(func() string {
	return schema(reflect.TypeFor[scanner.File](),
		reflect.TypeFor[scanner.SyntaxError](), reflect.TypeFor[scanner.RelativeImportError]())
})

func schema(types ...reflect.Type) string {
	var b strings.Builder
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Slice, reflect.Pointer, reflect.Array:
			walk(t.Elem())
		case reflect.Struct:
			if seen[t] {
				return
			}
			seen[t] = true
			fmt.Fprintf(&b, "%s{", t.Name())
			for i := range t.NumField() {
				f := t.Field(i)
				fmt.Fprintf(&b, "%s %s;", f.Name, f.Type)
			}
			b.WriteString("} ")
			for i := range t.NumField() {
				walk(t.Field(i).Type)
			}
		}
	}
	for _, t := range types {
		walk(t)
	}
	return strings.TrimSpace(b.String())
}

// statKey is the hash of statLines.
func statKey(abs string, st FileStat) [32]byte { return sha256.Sum256(statLines(abs, st)) }

// statLines are
//
//	pkgbuild stat v<FormatVersion>
//	path <abs, quoted>
//	stat <st.String()>
//
// written without fmt: a warm lookup computes one per file.
func statLines(abs string, st FileStat) []byte {
	b := make([]byte, 0, 160+len(abs))
	b = append(b, "pkgbuild stat v"...)
	b = strconv.AppendInt(b, FormatVersion, 10)
	b = append(b, "\npath "...)
	b = strconv.AppendQuote(b, abs)
	b = append(b, "\nstat size="...)
	b = strconv.AppendInt(b, st.Size, 10)
	b = append(b, " mtime="...)
	b = strconv.AppendInt(b, st.ModTime, 10)
	b = append(b, " ctime="...)
	b = strconv.AppendInt(b, st.ChangeTime, 10)
	b = append(b, " ino="...)
	b = strconv.AppendUint(b, st.Inode, 10)
	b = append(b, " dev="...)
	b = strconv.AppendUint(b, st.Device, 10)
	b = append(b, " mode="...)
	b = strconv.AppendUint(b, uint64(st.Mode), 8)
	b = append(b, '\n')
	return b
}

// getScan returns a stored scan result and the SHA-256 of its encoding.
func (c *Cache) getScan(key [32]byte) (*scanner.File, error, [32]byte, bool) {
	payload, ok := c.get(kindScan, key)
	if !ok {
		return nil, nil, [32]byte{}, false
	}
	f, err, derr := decodeScan(payload)
	if derr != nil {
		return nil, nil, [32]byte{}, false
	}
	return f, err, sha256.Sum256(payload), true
}

// cacheable reports whether a parse error is a property of the bytes, with
// a type the cache can store.
func cacheable(err error) bool {
	switch err.(type) {
	case nil, *scanner.SyntaxError, *scanner.RelativeImportError:
		return true
	}
	return false
}

// Scan payload:
//
//	hasFile bool
//	if hasFile: count stmts, each: kind byte, line int, col int,
//	            module string, level int, count names, each name string,
//	            flags byte (1 HasFromlist, 2 Optional), visit int;
//	            count findings, each: line int, col int, code, message string
//	error byte: 0 none; 1 SyntaxError: line int, col int, msg string;
//	            2 RelativeImportError: line int
const (
	minStmtSize    = 8 // bytes of the shortest encoded Stmt
	minFindingSize = 4
)

const (
	errNone byte = iota
	errSyntax
	errRelative
)

func encodeScan(f *scanner.File, err error) []byte {
	var e encoder
	e.bool(f != nil)
	if f != nil {
		e.uvarint(uint64(len(f.Stmts)))
		for _, s := range f.Stmts {
			e.byte(byte(s.Kind))
			e.int(s.Line)
			e.int(s.Col)
			e.string(s.Module)
			e.int(s.Level)
			e.uvarint(uint64(len(s.Names)))
			for _, n := range s.Names {
				e.string(n)
			}
			var flags byte
			if s.HasFromlist {
				flags |= 1
			}
			if s.Optional {
				flags |= 2
			}
			e.byte(flags)
			e.int(s.Visit)
		}
		e.uvarint(uint64(len(f.Findings)))
		for _, x := range f.Findings {
			e.int(x.Line)
			e.int(x.Col)
			e.string(x.Code)
			e.string(x.Message)
		}
	}
	switch err := err.(type) {
	case *scanner.SyntaxError:
		e.byte(errSyntax)
		e.int(err.Line)
		e.int(err.Col)
		e.string(err.Msg)
	case *scanner.RelativeImportError:
		e.byte(errRelative)
		e.int(err.Line)
	default:
		e.byte(errNone)
	}
	return e.b
}

// decodeScan returns the File and error encodeScan stored, or derr if the
// payload is not one encodeScan writes.
func decodeScan(b []byte) (f *scanner.File, err error, derr error) {
	d := newDecoder(b)
	if d.bool() {
		f = new(scanner.File)
		if n := d.count(minStmtSize); n > 0 {
			f.Stmts = make([]scanner.Stmt, n)
			for i := range f.Stmts {
				s := &f.Stmts[i]
				s.Kind = scanner.Kind(d.byte())
				if s.Kind < scanner.Import || s.Kind > scanner.DunderImport {
					d.fail("unknown statement kind %d", s.Kind)
				}
				s.Line = d.int()
				s.Col = d.int()
				s.Module = d.string()
				s.Level = d.int()
				if m := d.count(1); m > 0 {
					s.Names = make([]string, m)
					for j := range s.Names {
						s.Names[j] = d.string()
					}
				}
				flags := d.byte()
				if flags&^3 != 0 {
					d.fail("unknown statement flags %#x", flags)
				}
				s.HasFromlist = flags&1 != 0
				s.Optional = flags&2 != 0
				s.Visit = d.int()
			}
		}
		if n := d.count(minFindingSize); n > 0 {
			f.Findings = make([]scanner.Finding, n)
			for i := range f.Findings {
				x := &f.Findings[i]
				x.Line = d.int()
				x.Col = d.int()
				x.Code = d.string()
				x.Message = d.string()
			}
		}
	}
	switch k := d.byte(); k {
	case errNone:
	case errSyntax:
		e := &scanner.SyntaxError{}
		e.Line = d.int()
		e.Col = d.int()
		e.Msg = d.string()
		err = e
	case errRelative:
		err = &scanner.RelativeImportError{Line: d.int()}
	default:
		d.fail("unknown error kind %d", k)
	}
	if derr := d.finish(); derr != nil {
		return nil, nil, derr
	}
	return f, err, nil
}

// Stat payload: path string, the FileStat, hashed (ns since the epoch), sum.
func encodeStat(abs string, st FileStat, hashed time.Time, sum [32]byte) []byte {
	var e encoder
	e.string(abs)
	encodeFileStat(&e, st)
	encodeTime(&e, hashed)
	e.sum(sum)
	return e.b
}

func decodeStat(b []byte) (abs string, st FileStat, hashed time.Time, sum [32]byte, err error) {
	d := newDecoder(b)
	abs = d.string()
	st = decodeFileStat(d)
	hashed = decodeTime(d)
	sum = d.sum()
	return abs, st, hashed, sum, d.finish()
}

func encodeFileStat(e *encoder, st FileStat) {
	e.varint(st.Size)
	e.varint(st.ModTime)
	e.varint(st.ChangeTime)
	e.uvarint(st.Inode)
	e.uvarint(st.Device)
	e.uvarint(uint64(st.Mode))
}

func decodeFileStat(d *decoder) FileStat {
	var st FileStat
	st.Size = d.varint()
	st.ModTime = d.varint()
	st.ChangeTime = d.varint()
	st.Inode = d.uvarint()
	st.Device = d.uvarint()
	mode := d.uvarint()
	if mode > 1<<32-1 {
		d.fail("bad file mode %#x", mode)
	}
	st.Mode = os.FileMode(mode)
	return st
}

// Times are stored as ns since the epoch; 0 is the zero Time.
func encodeTime(e *encoder, t time.Time) {
	if t.IsZero() {
		e.varint(0)
		return
	}
	e.varint(t.UnixNano())
}

func decodeTime(d *decoder) time.Time {
	ns := d.varint()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
