package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pkgbuild/pkgbuild/scanner"
)

// The tests parse a toy language instead of Python, so that they do not
// depend on the scanner. One statement per line; # starts a comment:
//
//	import a.b        a Stmt of Kind Import
//	from m import x y a Stmt of Kind From with Names x, y
//	try import a      an Optional import
//	dynamic           a Finding
//	syntax error      a *scanner.SyntaxError (with the File so far)
//	relative          a *scanner.RelativeImportError
//	crash             an error of another type (never cached)
func toyParse(src []byte) (*scanner.File, error) {
	f := &scanner.File{}
	for i, line := range strings.Split(string(src), "\n") {
		n := i + 1
		w := strings.Fields(line)
		switch {
		case len(w) == 0 || strings.HasPrefix(w[0], "#"):
		case w[0] == "import" && len(w) == 2:
			f.Stmts = append(f.Stmts, scanner.Stmt{Kind: scanner.Import, Line: n, Col: 1, Module: w[1], Visit: len(f.Stmts)})
		case w[0] == "try" && len(w) == 3:
			f.Stmts = append(f.Stmts, scanner.Stmt{Kind: scanner.Import, Line: n, Col: 5, Module: w[2], Optional: true, Visit: len(f.Stmts)})
		case w[0] == "from" && len(w) >= 4 && w[2] == "import":
			f.Stmts = append(f.Stmts, scanner.Stmt{Kind: scanner.From, Line: n, Col: 1, Module: w[1], Names: w[3:], Visit: len(f.Stmts)})
		case w[0] == "dynamic":
			f.Findings = append(f.Findings, scanner.Finding{Line: n, Col: 1, Code: "dynamic-import", Message: "a dynamic import"})
		case line == "syntax error":
			return f, &scanner.SyntaxError{Line: n, Col: 8, Msg: "expected 'import'"}
		case w[0] == "relative":
			return nil, &scanner.RelativeImportError{Line: n}
		case w[0] == "crash":
			return nil, errors.New("toy parser crashed")
		default:
			return f, &scanner.SyntaxError{Line: n, Col: 1, Msg: "unknown statement"}
		}
	}
	return f, nil
}

// counter wraps a parse function and counts its calls: a call is a miss.
type counter struct {
	parse func([]byte) (*scanner.File, error)
	n     atomic.Int64
}

func countParses() *counter { return &counter{parse: toyParse} }

func (p *counter) Parse(src []byte) (*scanner.File, error) {
	p.n.Add(1)
	return p.parse(src)
}

// misses returns the calls since the last call of misses.
func (p *counter) misses() int { return int(p.n.Swap(0)) }

func openTest(t testing.TB) *Cache {
	t.Helper()
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// settle makes c see every file as last changed more than RacyWindow ago,
// as if the test had slept that long: the stat fast path trusts
// fingerprints from then on.
func settle(c *Cache) {
	c.now = func() time.Time { return time.Now().Add(time.Hour) }
}

// justChanged makes c see path as changed 10ms before every read, as if no
// time passed since it was written: its fingerprint stays racy however
// slowly the test runs.
func justChanged(t testing.TB, c *Cache, path string) {
	t.Helper()
	st, err := Fingerprint(path)
	if err != nil {
		t.Fatal(err)
	}
	last := time.Unix(0, max(st.ModTime, st.ChangeTime))
	c.now = func() time.Time { return last.Add(10 * time.Millisecond) }
}

// withoutCtime makes c fingerprint files by size, mtime and mode only, as on
// a system that reports no ctime or inode.
func withoutCtime(c *Cache) {
	c.fingerprint = func(fi os.FileInfo) FileStat {
		return FileStat{Size: fi.Size(), ModTime: fi.ModTime().UnixNano(), Mode: fi.Mode()}
	}
}

// reads returns the source files c read since the last call.
func (c *Cache) readsSince() int { return int(c.reads.Swap(0)) }

func write(t testing.TB, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o666); err != nil {
		t.Fatal(err)
	}
	return path
}

func setMtime(t testing.TB, path string, mtime time.Time) {
	t.Helper()
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func mtimeOf(t testing.TB, path string) time.Time {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}

// result is what a Scan function returned, comparable with cmp.
type result struct {
	File *scanner.File
	Err  error
}

var cmpResult = cmp.Options{
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b error) bool {
		return fmt.Sprintf("%T %+v", a, a) == fmt.Sprintf("%T %+v", b, b)
	}),
}

// expectScan scans path and checks the result is what toyParse says for
// want, the file's expected content.
func expectScan(t testing.TB, scan func(string) (*scanner.File, error), path, want string) {
	t.Helper()
	f, err := scan(path)
	wf, werr := toyParse([]byte(want))
	if diff := cmp.Diff(result{wf, werr}, result{f, err}, cmpResult); diff != "" {
		t.Errorf("scan %s (-want +got):\n%s", filepath.Base(path), diff)
	}
}

// entries lists c's entry files by kind.
func entries(t testing.TB, c *Cache) map[byte][]string {
	t.Helper()
	list, err := c.walk(false)
	if err != nil {
		t.Fatal(err)
	}
	m := map[byte][]string{}
	for _, e := range list {
		m[e.path[len(e.path)-1]] = append(m[e.path[len(e.path)-1]], e.path)
	}
	return m
}

// checkEntries verifies every entry file in c: header, checksum, key
// matching its name, and payload.
func checkEntries(t testing.TB, c *Cache) {
	t.Helper()
	list, err := c.walk(false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if err := verifyEntryFile(e.path); err != nil {
			t.Errorf("%s: %v", e.path, err)
		}
	}
}

func verifyEntryFile(path string) error {
	name := filepath.Base(path)
	var key [32]byte
	if n, err := hex.Decode(key[:], []byte(name[:64])); err != nil || n != 32 {
		return fmt.Errorf("bad entry name %s", name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	kind := name[65]
	payload, err := decodeEntry(data, kind, key)
	if err != nil {
		return err
	}
	switch kind {
	case kindScan:
		_, _, err = decodeScan(payload)
	case kindStat:
		_, _, _, _, err = decodeStat(payload)
	case kindAction:
		_, err = decodeAction(payload)
	case kindPack:
		_, err = decodePack(payload)
	case kindLayout:
		_, _, _, err = decodeLayout(payload)
	}
	return err
}

func sha256hex(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}
