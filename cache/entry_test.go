package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkgbuild/pkgbuild/scanner"
)

// damages are the ways an entry file can go wrong: a crash mid-write on a
// file system that reorders writes, a disk error, another program's file,
// another version of pkgbuild.
var damages = []struct {
	name   string
	damage func(entry, other []byte) []byte
}{
	{"empty", func(e, _ []byte) []byte { return nil }},
	{"truncated header", func(e, _ []byte) []byte { return e[:headerSize-1] }},
	{"truncated payload", func(e, _ []byte) []byte { return e[:len(e)-1] }},
	{"trailing bytes", func(e, _ []byte) []byte { return append(e, 0) }},
	{"flipped payload bit", func(e, _ []byte) []byte { e[len(e)-1] ^= 1; return e }},
	{"flipped checksum bit", func(e, _ []byte) []byte { e[50] ^= 1; return e }},
	{"garbage", func(e, _ []byte) []byte { return bytes.Repeat([]byte("garbage!"), 20) }},
	{"other format version", func(e, _ []byte) []byte { binary.LittleEndian.PutUint16(e[8:], FormatVersion+1); return e }},
	{"unknown kind", func(e, _ []byte) []byte { e[10] = 'z'; return e }},
	{"huge length", func(e, _ []byte) []byte { binary.LittleEndian.PutUint32(e[12:], 1<<31); return e }},
	{"foreign: another entry's bytes", func(_, o []byte) []byte { return o }},
	{"valid header, payload not an encoding", func(e, _ []byte) []byte {
		var key [32]byte
		copy(key[:], e[16:48])
		return encodeEntry(e[10], key, []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	}},
}

// A damaged scan entry is a miss: the file is parsed again, the right
// result comes back, and the entry is rewritten.
func TestDamagedScanEntryIsAMiss(t *testing.T) {
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			c := openTest(t)
			p := countParses()
			scan := c.Scanner(p.Parse, "v1")
			dir := t.TempDir()
			path := write(t, filepath.Join(dir, "m.py"), src)
			other := "import other\n"
			expectScan(t, scan, write(t, filepath.Join(dir, "other.py"), other), other)
			expectScan(t, scan, path, src)
			p.misses()

			entry := scanEntryPath(t, c, src)
			damageFile(t, entry, d.damage(readFile(t, entry), readFile(t, scanEntryPath(t, c, other))))
			expectScan(t, scan, path, src)
			if n := p.misses(); n != 1 {
				t.Errorf("parsed %d times after damage, want 1", n)
			}
			if err := verifyEntryFile(entry); err != nil {
				t.Errorf("entry not rewritten: %v", err)
			}
			expectScan(t, scan, path, src)
			if n := p.misses(); n != 0 {
				t.Errorf("parsed %d times after the rewrite, want 0", n)
			}
		})
	}
}

// A damaged stat entry is a miss: the file is read.
func TestDamagedStatEntryIsAMiss(t *testing.T) {
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			c := openTest(t)
			settle(c)
			dir := t.TempDir()
			path := write(t, filepath.Join(dir, "m.py"), src)
			write(t, filepath.Join(dir, "other.py"), "import other\n")
			want, _ := c.HashFile(path)
			c.HashFile(filepath.Join(dir, "other.py"))
			stats := entries(t, c)[kindStat]
			if len(stats) != 2 {
				t.Fatalf("%d stat entries, want 2", len(stats))
			}
			data := [][]byte{readFile(t, stats[0]), readFile(t, stats[1])}
			for i, e := range stats {
				damageFile(t, e, d.damage(data[i], data[1-i]))
			}
			c.readsSince()
			got, err := c.HashFile(path)
			if err != nil || got.Sum != want.Sum {
				t.Errorf("HashFile = %v, %v; want sum %s", got.Sum, err, want.Sum)
			}
			if r := c.readsSince(); r != 1 {
				t.Errorf("%d reads, want 1", r)
			}
		})
	}
}

// A damaged action entry is a miss.
func TestDamagedActionEntryIsAMiss(t *testing.T) {
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			c := openTest(t)
			k1, k2 := ActionKey{Output: "a.pt"}, ActionKey{Output: "b.pt"}
			c.PutAction(k1, ActionResult{OutputSum: "aa", OutputSize: 1})
			c.PutAction(k2, ActionResult{OutputSum: "bb", OutputSize: 2})
			path := c.entryPath(k1.id(), kindAction)
			damageFile(t, path, d.damage(readFile(t, path), readFile(t, c.entryPath(k2.id(), kindAction))))
			if res, ok := c.GetAction(k1); ok {
				t.Errorf("GetAction = %+v, want a miss", res)
			}
		})
	}
}

func scanEntryPath(t *testing.T, c *Cache, content string) string {
	t.Helper()
	var sum [32]byte
	copy(sum[:], mustHex(t, sha256hex(content)))
	return c.entryPath(scanKey(scanPrefix("v1"), sum), kindScan)
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// damageFile replaces an entry's bytes keeping its mtime, so that nothing
// but the content tells the reader.
func damageFile(t testing.TB, path string, data []byte) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o666); err != nil {
		t.Fatal(err)
	}
	setMtime(t, path, fi.ModTime())
}

// FuzzDecode feeds arbitrary bytes to every decoder: none may panic or
// allocate without bound, and whatever decodes must encode back to the same
// bytes (so the decoders accept exactly what the encoders write).
func FuzzDecode(f *testing.F) {
	file, err := toyParse([]byte(src))
	if err != nil {
		f.Fatal(err)
	}
	var key [32]byte
	f.Add(encodeScan(file, nil))
	f.Add(encodeScan(file, &scanner.SyntaxError{Line: 1, Col: 2, Msg: "m"}))
	f.Add(encodeScan(nil, &scanner.RelativeImportError{Line: 3}))
	f.Add(encodeStat("/a/b.py", FileStat{Size: 1, ModTime: 2, ChangeTime: 3, Inode: 4, Device: 5, Mode: 0o644}, time.Unix(0, 6), key))
	f.Add(encodeAction(ActionResult{OutputSum: "ab", OutputSize: 7, Inputs: []InputFile{{Path: "x", Sum: "cd", Hashed: time.Unix(0, 8)}}}))
	f.Add(encodeEntry(kindScan, key, encodeScan(file, nil)))
	f.Fuzz(func(t *testing.T, b []byte) {
		if f, err, derr := decodeScan(b); derr == nil {
			if again := encodeScan(f, err); !bytes.Equal(again, b) {
				t.Errorf("scan payload %x decodes and re-encodes as %x", b, again)
			}
		}
		if abs, st, hashed, sum, err := decodeStat(b); err == nil {
			if again := encodeStat(abs, st, hashed, sum); !bytes.Equal(again, b) {
				t.Errorf("stat payload %x decodes and re-encodes as %x", b, again)
			}
		}
		if res, err := decodeAction(b); err == nil {
			if again := encodeAction(res); !bytes.Equal(again, b) {
				t.Errorf("action payload %x decodes and re-encodes as %x", b, again)
			}
		}
		for _, kind := range []byte{kindScan, kindStat, kindAction} {
			if payload, err := decodeEntry(b, kind, key); err == nil {
				if again := encodeEntry(kind, key, payload); !bytes.Equal(again, b) {
					t.Errorf("entry %x decodes and re-encodes as %x", b, again)
				}
			}
		}
	})
}

// The decoders bound list lengths by the bytes left divided by the size of
// the shortest element; these must not exceed the true sizes.
func TestMinimumElementSizes(t *testing.T) {
	empty := len(encodeScan(&scanner.File{}, nil))
	if n := len(encodeScan(&scanner.File{Stmts: []scanner.Stmt{{Kind: scanner.Import}}}, nil)) - empty; n != minStmtSize {
		t.Errorf("shortest Stmt is %d bytes, minStmtSize is %d", n, minStmtSize)
	}
	if n := len(encodeScan(&scanner.File{Findings: []scanner.Finding{{}}}, nil)) - empty; n != minFindingSize {
		t.Errorf("shortest Finding is %d bytes, minFindingSize is %d", n, minFindingSize)
	}
	if n := len(encodeAction(ActionResult{Inputs: []InputFile{{}}})) - len(encodeAction(ActionResult{})); n != minInputSize {
		t.Errorf("shortest InputFile is %d bytes, minInputSize is %d", n, minInputSize)
	}
	if n := len(encodeLayout("", []OutputRecord{{}}, nil)) - len(encodeLayout("", nil, nil)); n != minRecordSize {
		t.Errorf("shortest OutputRecord is %d bytes, minRecordSize is %d", n, minRecordSize)
	}
}

// The keys are hashes of the lines the package comment documents.
func TestKeyLines(t *testing.T) {
	st := FileStat{Size: 1, ModTime: -2, ChangeTime: 3, Inode: 4, Device: 5, Mode: 0o644}
	want := fmt.Sprintf("pkgbuild stat v%d\npath %q\nstat %s\n", FormatVersion, "/a \"b\".py", st)
	if got := string(statLines("/a \"b\".py", st)); got != want {
		t.Errorf("stat lines = %q, want %q", got, want)
	}
	var sum [32]byte
	sum[0] = 0xab
	lines := fmt.Sprintf("pkgbuild scan v%d\ntool %q\nschema %s\ncontent %x\n", FormatVersion, "v1", scanSchema(), sum)
	if scanKey(scanPrefix("v1"), sum) != sha256.Sum256([]byte(lines)) {
		t.Errorf("scan key is not the hash of %q", lines)
	}
	if !strings.HasPrefix(scanSchema(), "File{Stmts []scanner.Stmt;Findings []scanner.Finding;} Stmt{Kind scanner.Kind;") {
		t.Errorf("schema = %q", scanSchema())
	}
}

// The decoder reads exactly the varints binary.AppendUvarint writes.
func TestVarints(t *testing.T) {
	for _, x := range []uint64{0, 1, 127, 128, 300, 1<<63 - 1, 1 << 63, math.MaxUint64} {
		d := newDecoder(binary.AppendUvarint(nil, x))
		if got := d.uvarint(); got != x || d.finish() != nil {
			t.Errorf("uvarint(%d) = %d, %v", x, got, d.finish())
		}
	}
	for _, x := range []int64{0, -1, 1, -64, 64, math.MinInt64, math.MaxInt64} {
		d := newDecoder(binary.AppendVarint(nil, x))
		if got := d.varint(); got != x || d.finish() != nil {
			t.Errorf("varint(%d) = %d, %v", x, got, d.finish())
		}
	}
	for _, bad := range [][]byte{
		{},
		{0x80},
		{0x80, 0x00},       // 0, not in the shortest form
		{0xff, 0x80, 0x00}, // 127, likewise
		bytes.Repeat([]byte{0xff}, 10),
		append(bytes.Repeat([]byte{0xff}, 9), 0x02), // overflows 64 bits
	} {
		d := newDecoder(bad)
		if x := d.uvarint(); d.err == nil {
			t.Errorf("uvarint(%x) = %d, want an error", bad, x)
		}
	}
}
