package reader

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Offsets of fields in zip headers, for corrupting them.
const (
	cenFlags  = 8
	cenMethod = 10
	cenCRC    = 16
	cenCSize  = 20
	cenUSize  = 24
	cenDisk   = 34
	cenOffset = 42
	locMethod = 8
	locName   = 30
	endDisk   = 4
	endCount  = 8 // entries on this disk, then total entries
	end64Cnt  = 24
	locatorAt = 8
)

// hostile is an archive Open must refuse with an error naming record.
type hostile struct {
	name   string
	zip    func() []byte
	record string // the record the error names ("" for the whole archive)
	msg    string // part of the error
}

func pkg(extra ...zipRec) []byte {
	b, _ := makeZip(torchRecs("top", extra...), true)
	return b
}

func withLayout(extra []zipRec, edit func(b []byte, l zipLayout)) func() []byte {
	return func() []byte {
		b, l := makeZip(torchRecs("top", extra...), true)
		edit(b, l)
		return b
	}
}

var hostiles = []hostile{
	{"parent segment", func() []byte { return pkg(zipRec{name: "../evil.py"}) }, "top/../evil.py", `".." segment`},
	{"dot segment", func() []byte { return pkg(zipRec{name: "a/./b"}) }, "top/a/./b", `"." segment`},
	{"empty segment", func() []byte { return pkg(zipRec{name: "a//b"}) }, "top/a//b", "empty segment"},
	{"absolute", func() []byte {
		b, _ := makeZip([]zipRec{{name: "/etc/passwd"}}, true)
		return b
	}, "/etc/passwd", "absolute"},
	{"backslash", func() []byte { return pkg(zipRec{name: `..\evil.py`}) }, `top/..\evil.py`, "backslash"},
	{"NUL", func() []byte { return pkg(zipRec{name: "a.py\x00.txt"}) }, "top/a.py\x00.txt", "NUL"},
	{"newline", func() []byte { return pkg(zipRec{name: "a\n├── fake"}) }, "top/a\n├── fake", "control character"},
	{"terminal escape", func() []byte { return pkg(zipRec{name: "a\x1b[2J"}) }, "top/a\x1b[2J", "control character"},
	{"bidi override", func() []byte { return pkg(zipRec{name: "evil\u202eyp.txt"}) }, "top/evil\u202eyp.txt", "bidirectional control character U+202E"},
	{"not UTF-8", func() []byte { return pkg(zipRec{name: "caf\xe9"}) }, "top/caf\xe9", "UTF-8"},
	{"duplicate", func() []byte {
		return pkg(zipRec{name: "a.py", data: []byte("x = 1\n")}, zipRec{name: "a.py", data: []byte("import os\n")})
	}, "top/a.py", "duplicate"},
	{"outside the top folder", func() []byte {
		recs := append(torchRecs("top"), zipRec{name: "other/evil.py"})
		b, _ := makeZip(recs, true)
		return b
	}, "other/evil.py", "not in the top folder top/"},
	{"first record not in a folder", func() []byte {
		b, _ := makeZip(append([]zipRec{{name: "evil.py"}}, torchRecs("top")...), true)
		return b
	}, "evil.py", "not in a subdirectory"},
	{"record in the way of a folder", func() []byte {
		return pkg(zipRec{name: "a", data: []byte("x")}, zipRec{name: "a/b.py"})
	}, "top/a/b.py", `"a" is in the way`},
	{"size beyond the file", withLayout([]zipRec{{name: "big", data: []byte("x")}}, func(b []byte, l zipLayout) {
		put32(b, l.central[0]+cenCSize, 1<<30)
		put32(b, l.central[0]+cenUSize, 1<<30)
	}), "top/big", "more than the"},
	{"stored sizes differ", withLayout([]zipRec{{name: "a", data: []byte("xy")}}, func(b []byte, l zipLayout) {
		put32(b, l.central[0]+cenUSize, 1)
	}), "top/a", "stored record declares 2 bytes compressed but 1"},
	{"deflate bomb", withLayout([]zipRec{{name: "bomb", data: make([]byte, 1<<16), deflate: true}}, func(b []byte, l zipLayout) {
		put32(b, l.central[0]+cenUSize, 1<<31)
	}), "top/bomb", "more than deflate can produce"},
	{"overlapping records", withLayout([]zipRec{{name: "a", data: []byte("x")}, {name: "b", data: []byte("y")}}, func(b []byte, l zipLayout) {
		// a's data now runs over b's local header: the overlapping-entry
		// bomb (many central entries sharing bytes).
		n := uint32(l.local[1] - l.local[0])
		put32(b, l.central[0]+cenCSize, n)
		put32(b, l.central[0]+cenUSize, n)
	}), "top/b", `overlaps the data of record "top/a"`},
	{"data runs into the central directory", withLayout(nil, func(b []byte, l zipLayout) {
		last := len(l.central) - 1
		put32(b, l.central[last]+cenCSize, 100)
		put32(b, l.central[last]+cenUSize, 100)
	}), "top/.data/version", "runs into the central directory"},
	{"local header names another record", withLayout([]zipRec{{name: "a.py"}}, func(b []byte, l zipLayout) {
		b[l.local[0]+locName+len("top/")] = 'b'
	}), "top/a.py", `names "top/b.py" instead`},
	{"no local header", withLayout([]zipRec{{name: "a"}}, func(b []byte, l zipLayout) {
		put32(b, l.central[0]+cenOffset, uint32(l.local[1]+1))
	}), "top/a", "no local header"},
	{"unsupported compression", withLayout([]zipRec{{name: "a", data: []byte("x")}}, func(b []byte, l zipLayout) {
		put16(b, l.central[0]+cenMethod, 12) // bzip2
		put16(b, l.local[0]+locMethod, 12)
	}), "top/a", "unsupported compression method 12"},
	{"local and central methods differ", withLayout([]zipRec{{name: "a", data: []byte("x")}}, func(b []byte, l zipLayout) {
		put16(b, l.local[0]+locMethod, 8)
	}), "top/a", "compression method 8, central directory 0"},
	{"encrypted", withLayout([]zipRec{{name: "a", data: []byte("x")}}, func(b []byte, l zipLayout) {
		put16(b, l.central[0]+cenFlags, 0x0809)
	}), "top/a", "encrypted"},
	{"second disk", withLayout([]zipRec{{name: "a"}}, func(b []byte, l zipLayout) {
		put16(b, l.central[0]+cenDisk, 1)
	}), "top/a", "disk 1"},
	{"zip64 values without the extra field", withLayout([]zipRec{{name: "a"}}, func(b []byte, l zipLayout) {
		put32(b, l.central[0]+cenOffset, 0xffffffff)
	}), "top/a", "no zip64 extra field"},
	{"truncated file", func() []byte { b := pkg(); return b[:len(b)-1] }, "", "no end of central directory record"},
	{"truncated central directory", withLayout(nil, func(b []byte, l zipLayout) {
		put64(b, l.end64+end64Cnt, 4)
		put64(b, l.end64+end64Cnt+8, 4)
		put16(b, l.end+endCount, 4)
		put16(b, l.end+endCount+2, 4)
	}), "", "central directory is truncated at record 3"},
	{"too many records for the directory", withLayout(nil, func(b []byte, l zipLayout) {
		put64(b, l.end64+end64Cnt, 1<<40)
		put64(b, l.end64+end64Cnt+8, 1<<40)
		put16(b, l.end+endCount, 0xffff)
		put16(b, l.end+endCount+2, 0xffff)
	}), "", "holds at most"},
	{"fewer records than the directory holds", withLayout(nil, func(b []byte, l zipLayout) {
		put64(b, l.end64+end64Cnt, 2)
		put64(b, l.end64+end64Cnt+8, 2)
		put16(b, l.end+endCount, 2)
		put16(b, l.end+endCount+2, 2)
	}), "", "bytes after its 2 declared records"},
	{"central directory past its end", withLayout(nil, func(b []byte, l zipLayout) {
		put64(b, l.end64+48, uint64(l.cdOff+8)) // zip64 cd offset
		put32(b, l.end+16, uint32(l.cdOff+8))
	}), "", "runs past its end record"},
	{"end records disagree", withLayout(nil, func(b []byte, l zipLayout) {
		put16(b, l.end+endCount, 2)
		put16(b, l.end+endCount+2, 2)
	}), "", "zip64 and classic end records disagree"},
	{"zip64 locator points nowhere", withLayout(nil, func(b []byte, l zipLayout) {
		put64(b, l.locator+locatorAt, uint64(l.end64-8))
	}), "", "no zip64 end of central directory record"},
	{"zip64 locator beyond the file", withLayout(nil, func(b []byte, l zipLayout) {
		put64(b, l.locator+locatorAt, 1<<62)
	}), "", "zip64 locator points at offset"},
	{"zip64 values without a locator", func() []byte {
		b, l := makeZip(torchRecs("top"), false)
		put16(b, l.end+endCount, 0xffff)
		put16(b, l.end+endCount+2, 0xffff)
		return b
	}, "", "no zip64 locator"},
	{"several disks", func() []byte {
		b, l := makeZip(torchRecs("top"), false)
		put16(b, l.end+endDisk, 1)
		return b
	}, "", "multi-disk"},
	{"preview release", func() []byte { return append([]byte("PYTORCH1"), make([]byte, 100)...) }, "", "preview release"},
	{"too short", func() []byte { return []byte("PK\x05\x06") }, "", "too short"},
	{"no records", func() []byte { b, _ := makeZip(nil, true); return b }, "", "does not contain any files"},
	{"only folders", func() []byte { b, _ := makeZip([]zipRec{{name: "top/"}}, true); return b }, "", "only folders"},
	{"not a zip", func() []byte { return bytes.Repeat([]byte("not a zip "), 10) }, "", "not a zip file"},
}

// TestOpenRefusesHostileArchives checks that each hostile archive is
// refused with an *Error that names the record at fault.
func TestOpenRefusesHostileArchives(t *testing.T) {
	for _, h := range hostiles {
		t.Run(h.name, func(t *testing.T) {
			_, err := openBytes(t, h.zip())
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("err = %v (%T), want an *Error", err, err)
			}
			if re.Record != h.record || !strings.Contains(re.Msg, h.msg) {
				t.Errorf("err = %v\nwant record %q and a message containing %q", err, h.record, h.msg)
			}
		})
	}
}

// Reading a record checks its bytes against what the archive declares.
func TestReadChecksBytes(t *testing.T) {
	data := bytes.Repeat([]byte("torch.package "), 100)
	for _, tc := range []struct {
		name string
		edit func(b []byte, l zipLayout)
		msg  string
	}{
		{"stored, bad CRC", func(b []byte, l zipLayout) { b[l.central[0]+cenCRC] ^= 1 }, "CRC-32 is"},
		{"deflated, bad CRC", func(b []byte, l zipLayout) { b[l.central[1]+cenCRC] ^= 1 }, "CRC-32 is"},
		{"deflated, declared too short", func(b []byte, l zipLayout) { put32(b, l.central[1]+cenUSize, 100) }, "more than its declared 100 bytes"},
		{"deflated, declared too long", func(b []byte, l zipLayout) { put32(b, l.central[1]+cenUSize, 1500) }, "ends after 1400 of its 1500 bytes"},
		{"deflated, corrupt stream", func(b []byte, l zipLayout) {
			for i := l.local[1] + 64; i < l.local[1]+80; i++ {
				b[i] = 0xff
			}
		}, "top/z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, l := makeZip(torchRecs("top", zipRec{name: "s", data: data}, zipRec{name: "z", data: data, deflate: true}), true)
			tc.edit(b, l)
			a, err := openBytes(t, b)
			if err != nil {
				t.Fatal(err)
			}
			name := "s"
			if strings.Contains(tc.name, "deflated") {
				name = "z"
			}
			got, err := a.Read(name)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Read(%s) = %d bytes, %v; want an error containing %q", name, len(got), err, tc.msg)
			}
		})
	}
}

// TestOtherWriters reads archives torch did not write: archive/zip's
// (deflate, data descriptors, no zip64), one with zip64 extra fields in
// the central directory, and one with directory entries as zip -r makes.
func TestOtherWriters(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, r := range torchRecs("mymodel", zipRec{name: "pkg/__init__.py", data: bytes.Repeat([]byte("x = 1\n"), 100)}) {
		w, err := zw.Create(r.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(r.data)
	}
	zw.Close()
	a, err := openBytes(t, buf.Bytes())
	if err != nil {
		t.Fatalf("archive/zip's zip: %v", err)
	}
	if a.Top() != "mymodel" || len(a.Modules()) != 1 {
		t.Errorf("Top %q, Modules %v", a.Top(), a.Modules())
	}
	if b, err := a.Read("pkg/__init__.py"); err != nil || len(b) != 600 {
		t.Errorf("Read deflated record: %d bytes, %v", len(b), err)
	}

	recs := torchRecs("top", zipRec{name: "a", data: []byte("zip64"), zip64: true})
	b, _ := makeZip(recs, true)
	a, err = openBytes(t, b)
	if err != nil {
		t.Fatalf("zip64 extra fields: %v", err)
	}
	if got, err := a.Read("a"); string(got) != "zip64" || err != nil {
		t.Errorf("Read(a) = %q, %v", got, err)
	}

	recs = append([]zipRec{{name: "top/"}, {name: "top/sub/"}}, torchRecs("top", zipRec{name: "sub/x"})...)
	b, _ = makeZip(recs, false)
	a, err = openBytes(t, b)
	if err != nil {
		t.Fatalf("directory entries: %v", err)
	}
	want := []string{"sub/x", ".data/extern_modules", ".data/python_version", ".data/version"}
	if diff := cmp.Diff(want, a.Records()); diff != "" {
		t.Errorf("directory entries are not records (-want +got):\n%s", diff)
	}
}

// TestCheck lists what PackageImporter would refuse in archives that are
// well-formed zips.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		recs []zipRec
		want []string
	}{
		{"torch's minimum", torchRecs("top"), nil},
		{"no extern_modules", []zipRec{{name: "top/.data/version", data: []byte("6\n")}},
			[]string{`record ".data/extern_modules": missing`}},
		{"no version", []zipRec{{name: "top/.data/extern_modules", data: []byte("\n")}},
			[]string{`record ".data/version": missing`}},
		{"root version", []zipRec{{name: "top/.data/extern_modules"}, {name: "top/version", data: []byte("3\n")}}, nil},
		{"version 11", []zipRec{{name: "top/.data/extern_modules"}, {name: "top/.data/version", data: []byte("11\n")}},
			[]string{`record ".data/version": version 11 is above the maximum`}},
		{"version 0", []zipRec{{name: "top/.data/extern_modules"}, {name: "top/.data/version", data: []byte("0")}},
			[]string{`record ".data/version": version 0 is below the minimum`}},
		{"version abc", []zipRec{{name: "top/.data/extern_modules"}, {name: "top/.data/version", data: []byte("abc")}},
			[]string{`record ".data/version": couldn't parse the version "abc"`}},
		{"module under an extern", []zipRec{
			{name: "top/a/x.py"}, {name: "top/.data/extern_modules", data: []byte("a\n")}, {name: "top/.data/version", data: []byte("6\n")},
		},
			[]string{`record "a/x.py": inconsistent module structure: package contains a module file a/x.py that is a subpackage of a module marked external`}},
		{"module with submodules", torchRecs("top", zipRec{name: "a.py"}, zipRec{name: "a/x.py"}),
			[]string{`record "a/x.py": inconsistent module structure: module a is not a package, but has submodules`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := makeZip(tc.recs, true)
			a, err := openBytes(t, b)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range a.Check() {
				got = append(got, p.Error())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Check = %q, want %q", got, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("Check[%d] = %q, want %q...", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestExternLines(t *testing.T) {
	// PackageImporter decodes .data/extern_modules and calls splitlines().
	b, _ := makeZip([]zipRec{
		{name: "t/.data/extern_modules", data: []byte("a\r\nb\rc\n\nd\u2028e")},
		{name: "t/.data/version", data: []byte("6\n")},
	}, true)
	a, err := openBytes(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e"}, a.Externs()); diff != "" {
		t.Errorf("Externs (-want +got):\n%s", diff)
	}
}

func TestResolve(t *testing.T) {
	a := open(t, sample113)
	for module, want := range map[string]Origin{
		"package_a":              Packaged,
		"package_a.subpackage":   Packaged,
		"package_m":              Packaged, // mocked: the stub is in the package
		"obj":                    Packaged, // a resource folder is an empty package
		"module_a.x":             Missing,  // module_a is not a package
		"torch":                  Extern,
		"torch.nn.modules":       Extern, // below an extern
		"collections":            Extern,
		"os":                     Missing,
		"numpy.core":             Allowed,
		"builtins":               Allowed,
		"torch_package_importer": Importer,
		"":                       Missing,
	} {
		if got := a.Resolve(module); got != want {
			t.Errorf("Resolve(%q) = %v, want %v", module, got, want)
		}
	}
}
