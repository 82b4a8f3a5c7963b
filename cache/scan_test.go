package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pkgbuild/pkgbuild/scanner"
)

const src = "import os\nfrom . import a b\ntry import yaml\ndynamic\n"

func TestScanMissThenHit(t *testing.T) {
	c := openTest(t)
	p := countParses()
	scan := c.Scanner(p.Parse, "v1")
	path := write(t, filepath.Join(t.TempDir(), "m.py"), src)

	expectScan(t, scan, path, src)
	if n := p.misses(); n != 1 {
		t.Errorf("first scan parsed %d times, want 1", n)
	}
	expectScan(t, scan, path, src)
	if n := p.misses(); n != 0 {
		t.Errorf("second scan parsed %d times, want 0 (a hit)", n)
	}

	// Another process: same directory, new Cache.
	c2, err := Open(c.Dir())
	if err != nil {
		t.Fatal(err)
	}
	expectScan(t, c2.Scanner(p.Parse, "v1"), path, src)
	if n := p.misses(); n != 0 {
		t.Errorf("scan in a new Cache parsed %d times, want 0", n)
	}
}

func TestScanKeyIsContentNotPath(t *testing.T) {
	c := openTest(t)
	p := countParses()
	scan := c.Scanner(p.Parse, "v1")
	dir := t.TempDir()
	expectScan(t, scan, write(t, filepath.Join(dir, "a.py"), src), src)
	expectScan(t, scan, write(t, filepath.Join(dir, "copy_of_a.py"), src), src)
	if n := p.misses(); n != 1 {
		t.Errorf("two files with the same bytes parsed %d times, want 1", n)
	}
	other := "import sys\n"
	expectScan(t, scan, write(t, filepath.Join(dir, "a.py"), other), other)
	if n := p.misses(); n != 1 {
		t.Errorf("changed file parsed %d times, want 1", n)
	}
}

func TestScanToolVersionIsPartOfTheKey(t *testing.T) {
	c := openTest(t)
	p := countParses()
	path := write(t, filepath.Join(t.TempDir(), "m.py"), src)
	expectScan(t, c.Scanner(p.Parse, "v1"), path, src)
	expectScan(t, c.Scanner(p.Parse, "v2"), path, src)
	if n := p.misses(); n != 2 {
		t.Errorf("two tool versions parsed %d times, want 2", n)
	}
	expectScan(t, c.Scanner(p.Parse, "v1"), path, src)
	if n := p.misses(); n != 0 {
		t.Errorf("back to v1 parsed %d times, want 0", n)
	}
}

// A cached failure prints the same diagnostic as a fresh one: the error
// keeps its type and fields, and the File returned beside it is kept too.
func TestScanErrorsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      error
	}{
		{"syntax", "import os\nsyntax error\n", &scanner.SyntaxError{Line: 2, Col: 8, Msg: "expected 'import'"}},
		{"relative", "import os\n\nrelative\n", &scanner.RelativeImportError{Line: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := openTest(t)
			p := countParses()
			path := write(t, filepath.Join(t.TempDir(), "m.py"), tc.src)
			fresh, freshErr := c.Scanner(p.Parse, "v1")(path)
			cached, cachedErr := c.Scanner(p.Parse, "v1")(path)
			if n := p.misses(); n != 1 {
				t.Fatalf("parsed %d times, want 1", n)
			}
			if diff := cmp.Diff(tc.want, cachedErr); diff != "" {
				t.Errorf("cached error (-want +got):\n%s", diff)
			}
			if cachedErr.Error() != freshErr.Error() {
				t.Errorf("cached error prints %q, fresh one %q", cachedErr, freshErr)
			}
			if diff := cmp.Diff(result{fresh, freshErr}, result{cached, cachedErr}, cmpResult); diff != "" {
				t.Errorf("cached result differs (-fresh +cached):\n%s", diff)
			}
		})
	}
}

// Only failures that are properties of the bytes are cached.
func TestScanOtherErrorsAreNotCached(t *testing.T) {
	c := openTest(t)
	p := countParses()
	scan := c.Scanner(p.Parse, "v1")
	path := write(t, filepath.Join(t.TempDir(), "m.py"), "crash\n")
	for range 2 {
		if _, err := scan(path); err == nil || err.Error() != "toy parser crashed" {
			t.Errorf("scan = %v, want the parser's error", err)
		}
	}
	if n := p.misses(); n != 2 {
		t.Errorf("parsed %d times, want 2 (not cached)", n)
	}
	if _, err := scan(filepath.Join(t.TempDir(), "missing.py")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("scan of a missing file = %v, want fs.ErrNotExist", err)
	}
	if _, err := scan(t.TempDir()); err == nil {
		t.Errorf("scan of a directory succeeded")
	}
}

// The encoding stores every field of the scanner's types: a field added to
// scanner.Stmt without a change here fails this test.
func TestScanEncodingCoversEveryField(t *testing.T) {
	f := &scanner.File{Stmts: make([]scanner.Stmt, 2), Findings: make([]scanner.Finding, 2)}
	seed := 1
	for i := range f.Stmts {
		fill(reflect.ValueOf(&f.Stmts[i]).Elem(), &seed)
		f.Stmts[i].Kind = scanner.DunderImport
	}
	for i := range f.Findings {
		fill(reflect.ValueOf(&f.Findings[i]).Elem(), &seed)
	}
	var syn scanner.SyntaxError
	fill(reflect.ValueOf(&syn).Elem(), &seed)
	var rel scanner.RelativeImportError
	fill(reflect.ValueOf(&rel).Elem(), &seed)
	for _, want := range []result{{f, nil}, {f, &syn}, {nil, &rel}, {nil, nil}} {
		gotF, gotErr, derr := decodeScan(encodeScan(want.File, want.Err))
		if derr != nil {
			t.Fatal(derr)
		}
		if diff := cmp.Diff(want, result{gotF, gotErr}); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

// fill sets every field of v to a distinct non-zero value.
func fill(v reflect.Value, seed *int) {
	*seed++
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), seed)
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*seed))
	case reflect.Uint8, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*seed))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.String:
		v.SetString("s" + string(rune('a'+*seed%26)))
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), seed)
		}
	default:
		panic("fill: add " + v.Kind().String())
	}
}

// The stat fast path: once a file's last change is more than RacyWindow
// old, a lookup is a stat call and two small entry reads, and the file is
// not read.
func TestStatFastPathSkipsReading(t *testing.T) {
	c := openTest(t)
	settle(c)
	p := countParses()
	scan := c.Scanner(p.Parse, "v1")
	path := write(t, filepath.Join(t.TempDir(), "m.py"), src)

	expectScan(t, scan, path, src)
	if r := c.readsSince(); r != 1 {
		t.Errorf("first scan read the file %d times, want 1", r)
	}
	expectScan(t, scan, path, src)
	if r, n := c.readsSince(), p.misses(); r != 0 || n != 1 {
		t.Errorf("second scan: %d reads and %d parses in all, want 0 and 1", r, n)
	}
	in, err := c.HashFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if r := c.readsSince(); r != 0 {
		t.Errorf("HashFile read the file %d times, want 0", r)
	}
	if want := fmt.Sprintf("%x", sha256.Sum256([]byte(src))); in.Sum != want {
		t.Errorf("HashFile sum = %s, want %s", in.Sum, want)
	}
}

// A build records the bytes it scanned: HashFile answers for a scanned
// file from the scan, with no stat call, even after the file changed; the
// next build's check then finds the change.
func TestHashFileAnswersFromTheScan(t *testing.T) {
	c := openTest(t)
	settle(c)
	scan := c.Scanner(countParses().Parse, "v1")
	path := write(t, filepath.Join(t.TempDir(), "m.py"), src)
	expectScan(t, scan, path, src)
	scanned, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	write(t, path, "import changed_after_the_scan\n")
	in, err := c.HashFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%x", sha256.Sum256([]byte(src))); in.Sum != want {
		t.Errorf("HashFile sum = %s, want the scanned bytes' %s", in.Sum, want)
	}
	if in.Stat.Size != scanned.Size() {
		t.Errorf("HashFile size = %d, want the scanned file's %d", in.Stat.Size, scanned.Size())
	}
	if c.InputsUnchanged(ActionResult{Inputs: []InputFile{in}}) {
		t.Error("a check of what the build scanned missed the change made after it")
	}
}

// A file changed within RacyWindow of being read may change again without
// its fingerprint changing, so it is read on every lookup until it settles;
// its bytes still hit the scan cache.
func TestRacyFileIsReread(t *testing.T) {
	c := openTest(t)
	p := countParses()
	scan := c.Scanner(p.Parse, "v1")
	path := write(t, filepath.Join(t.TempDir(), "m.py"), src)
	justChanged(t, c, path)
	for range 3 {
		expectScan(t, scan, path, src)
	}
	if r, n := c.readsSince(), p.misses(); r != 3 || n != 1 {
		t.Errorf("%d reads and %d parses, want 3 and 1", r, n)
	}
	if got := entries(t, c)[kindStat]; len(got) != 0 {
		t.Errorf("racy file has stat entries %v, want none", got)
	}
}

// A file rewritten in place with the same size and its old mtime restored
// (an editor that preserves timestamps, touch -r, a clock going back): the
// cache must see the new bytes.
func TestSameSizeSameMtimeChange(t *testing.T) {
	v1, v2 := "import aaa\n", "import bbb\n"
	old := time.Now().Add(-24 * time.Hour).Truncate(time.Second)

	t.Run("ctime catches it", func(t *testing.T) {
		c := openTest(t)
		settle(c)
		scan := c.Scanner(toyParse, "v1")
		path := write(t, filepath.Join(t.TempDir(), "m.py"), v1)
		setMtime(t, path, old)
		expectScan(t, scan, path, v1)     // records a stat entry
		time.Sleep(20 * time.Millisecond) // let the file system's clock tick
		write(t, path, v2)
		setMtime(t, path, old)
		expectScan(t, scan, path, v2) // ctime changed: the entry does not match
	})

	t.Run("racy stat catches it without ctime", func(t *testing.T) {
		c := openTest(t)
		withoutCtime(c)
		scan := c.Scanner(toyParse, "v1")
		path := write(t, filepath.Join(t.TempDir(), "m.py"), v1)
		now := mtimeOf(t, path)
		justChanged(t, c, path)
		expectScan(t, scan, path, v1) // racy: no stat entry recorded
		write(t, path, v2)
		setMtime(t, path, now)
		expectScan(t, scan, path, v2)
	})

	// What the fast path does not guarantee: where the system reports no
	// ctime, a same-size rewrite that restores an mtime older than
	// RacyWindow is not seen until the size or mtime changes.
	t.Run("without ctime an old mtime is trusted", func(t *testing.T) {
		c := openTest(t)
		withoutCtime(c)
		settle(c)
		scan := c.Scanner(toyParse, "v1")
		path := write(t, filepath.Join(t.TempDir(), "m.py"), v1)
		setMtime(t, path, old)
		expectScan(t, scan, path, v1)
		write(t, path, v2)
		setMtime(t, path, old)
		expectScan(t, scan, path, v1) // stale, as documented
		setMtime(t, path, old.Add(time.Second))
		expectScan(t, scan, path, v2)
	})
}

// A stat entry is trusted only if the file's fingerprint was not racy when
// it was hashed. Here a stat entry claims the file holds other bytes: with a
// hash time within RacyWindow of the file's last change it is ignored, an
// hour later it would be believed (which is why it is never written).
func TestRacyStatEntryIsNotTrusted(t *testing.T) {
	c := openTest(t)
	settle(c)
	p := countParses()
	scan := c.Scanner(p.Parse, "v1")
	dir := t.TempDir()
	path := write(t, filepath.Join(dir, "m.py"), src)
	lie := "import lie\n"
	expectScan(t, scan, write(t, filepath.Join(dir, "lie.py"), lie), lie)

	st, err := Fingerprint(path)
	if err != nil {
		t.Fatal(err)
	}
	lieIn, err := c.HashFile(filepath.Join(dir, "lie.py"))
	if err != nil {
		t.Fatal(err)
	}
	var lieSum [32]byte
	copy(lieSum[:], mustHex(t, lieIn.Sum))
	changed := time.Unix(0, max(st.ModTime, st.ChangeTime))
	plant := func(hashed time.Time) {
		abs := absPath(path)
		c.put(kindStat, statKey(abs, st), encodeStat(abs, st, hashed, lieSum))
	}

	plant(changed.Add(RacyWindow / 2))
	expectScan(t, scan, path, src)

	plant(changed.Add(RacyWindow + time.Millisecond))
	expectScan(t, scan, path, lie)
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad sum %q", s)
	}
	return b
}

// ScansTo tells an edit that cannot change the graph (a comment, a touch)
// from one that may (an import, a line moved, a new error), against the
// digest of the scan a build made (ScanSum), without the cache.
func TestScansTo(t *testing.T) {
	for _, tc := range []struct {
		name, now string
		want      bool
	}{
		{"same bytes", src, true},
		{"comment appended", src + "# a comment\n", true},
		{"import added", src + "import sys\n", false},
		{"line moved", "\n" + src, false},
		{"now a syntax error", src + "syntax error\n", false},
		{"now an error that is not cached", src + "crash\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := openTest(t)
			path := write(t, filepath.Join(t.TempDir(), "m.py"), src)
			expectScan(t, c.Scanner(toyParse, "v1"), path, src)
			before, ok := c.ScanSum(path)
			if !ok {
				t.Fatal("no ScanSum for a file the Scanner scanned")
			}
			write(t, path, tc.now)
			if got := ScansTo(path, before, toyParse); got != tc.want {
				t.Errorf("ScansTo = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("a scan from the cache has the same digest", func(t *testing.T) {
		dir := t.TempDir()
		path := write(t, filepath.Join(t.TempDir(), "m.py"), src)
		first, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		expectScan(t, first.Scanner(toyParse, "v1"), path, src)
		want, _ := first.ScanSum(path)
		first.Close()
		again, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		p := countParses()
		expectScan(t, again.Scanner(p.Parse, "v1"), path, src)
		if got, ok := again.ScanSum(path); !ok || got != want || p.misses() != 0 {
			t.Errorf("ScanSum of a cached scan = %x, %v (%d parses); want %x from the cache", got, ok, p.misses(), want)
		}
	})
	t.Run("a file it did not scan", func(t *testing.T) {
		c := openTest(t)
		if _, ok := c.ScanSum(filepath.Join(t.TempDir(), "m.py")); ok {
			t.Error("ScanSum of a file the Scanner never saw")
		}
	})
}
