package reader

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTorch113Sample(t *testing.T) {
	a := open(t, sample113)
	if a.Top() != "torch113" {
		t.Errorf("Top = %q, want torch113 (the file's base name, as torch's writer names it)", a.Top())
	}
	wantRecords := []string{
		"obj/obj.pkl", ".data/0.storage", "tensors/t.pkl", "main/main", "main/main_binary",
		"module_a.py", "package_a/__init__.py", "package_a/subpackage.py", "_mock.py",
		"package_m/__init__.py", ".data/extern_modules", ".data/python_version", ".data/version",
	}
	if diff := cmp.Diff(wantRecords, a.Records()); diff != "" {
		t.Errorf("Records, in archive order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"json", "torch._utils", "torch", "collections"}, a.Externs()); diff != "" {
		t.Errorf("Externs (-want +got):\n%s", diff)
	}
	if a.Version() != "6" || a.PythonVersion() != "3.11.2" {
		t.Errorf("Version, PythonVersion = %q, %q; want 6, 3.11.2", a.Version(), a.PythonVersion())
	}
	wantModules := []Module{
		{"_mock", "_mock.py", false},
		{"module_a", "module_a.py", false},
		{"package_a", "package_a/__init__.py", true},
		{"package_a.subpackage", "package_a/subpackage.py", false},
		{"package_m", "package_m/__init__.py", true}, // the mock stub
	}
	if diff := cmp.Diff(wantModules, a.Modules()); diff != "" {
		t.Errorf("Modules (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"obj/obj.pkl", "tensors/t.pkl"}, a.Pickles()); diff != "" {
		t.Errorf("Pickles (-want +got):\n%s", diff)
	}
	if p := a.Check(); len(p) != 0 {
		t.Errorf("Check = %v, want nothing: torch made this archive", p)
	}
	b, err := a.Read("main/main")
	if err != nil || string(b) != "my string" {
		t.Errorf(`Read("main/main") = %q, %v; want "my string"`, b, err)
	}
	if n, ok := a.Size(".data/0.storage"); !ok || n != 24 {
		t.Errorf("Size(.data/0.storage) = %d, %v; want 24 (six float32s)", n, ok)
	}
	if !a.Has("_mock.py") || a.Has("package_m") || a.Has("torch113/_mock.py") {
		t.Error("Has: want records only, named below the top folder")
	}
	if _, err := a.Read("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Read(nope) = %v, want fs.ErrNotExist", err)
	}
}

// TestTorch2xSample checks the hand-made sample in the layout torch 2.x
// writes: the records of torch113.pt, then .data/version, byteorder (at the
// root) and .data/serialization_id, as newer writeEndOfFile adds them. With
// -update it writes the sample.
func TestTorch2xSample(t *testing.T) {
	src := open(t, sample113)
	var recs []zipRec
	for _, name := range src.Records() {
		if name == ".data/version" {
			continue
		}
		b, err := src.Read(name)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, zipRec{name: "torch2x/" + name, data: b})
	}
	recs = append(recs,
		zipRec{name: "torch2x/.data/version", data: []byte("6\n")},
		zipRec{name: "torch2x/byteorder", data: []byte("little")},
		// Two 20-digit numbers: a hash of the names and a combined CRC-32.
		zipRec{name: "torch2x/.data/serialization_id", data: []byte("0000000000000000004200000000003735928559")},
	)
	want, _ := makeZip(recs, true)
	if *update {
		if err := os.WriteFile(sample2x, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(sample2x)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what the test makes; run go test -run TestTorch2xSample -update", sample2x)
	}

	a := open(t, sample2x)
	records := a.Records()
	if diff := cmp.Diff([]string{".data/version", "byteorder", ".data/serialization_id"}, records[len(records)-3:]); diff != "" {
		t.Errorf("last records (-want +got):\n%s", diff)
	}
	if a.Version() != "6" || len(a.Check()) != 0 || len(a.Modules()) != 5 {
		t.Errorf("Version %q, Check %v, %d modules; want 6, nothing, 5", a.Version(), a.Check(), len(a.Modules()))
	}
	// byteorder is a file at the root, not a module or a package.
	if o := a.Resolve("byteorder"); o != Missing {
		t.Errorf("Resolve(byteorder) = %v, want missing", o)
	}
}

// TestFolderArchive opens an unzipped archive, the layout torch's
// DirectoryReader loads, and finds the same records as in the zip.
func TestFolderArchive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "torch113")
	unzip(t, sample113, filepath.Dir(dir))
	a := open(t, dir)
	z := open(t, sample113)
	if a.Top() != "torch113" {
		t.Errorf("Top = %q, want the folder's name", a.Top())
	}
	want := append([]string(nil), z.Records()...)
	sortStrings(want)
	if diff := cmp.Diff(want, a.Records()); diff != "" {
		t.Errorf("Records, in lexical order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(z.Modules(), a.Modules()); diff != "" {
		t.Errorf("Modules differ from the zip's (-zip +folder):\n%s", diff)
	}
	for _, name := range want {
		zb, _ := z.Read(name)
		fb, err := a.Read(name)
		if err != nil || !bytes.Equal(zb, fb) {
			t.Errorf("Read(%s) = %v; differs from the zip", name, err)
		}
	}

	// A record that changes after Open is an error, not a longer read.
	if err := os.WriteFile(filepath.Join(dir, "main", "main"), []byte("a longer string"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Read("main/main"); err == nil || !strings.Contains(err.Error(), "changed since") {
		t.Errorf("Read after the file grew: %v, want a changed-since-Open error", err)
	}
}

func TestFolderRefusesLinks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pkg")
	if err := os.MkdirAll(filepath.Join(dir, ".data"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, ".data", "version"), []byte("6\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".data", "extern_modules"), []byte("\n"), 0o644)
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "passwd")); err != nil {
		t.Skip(err)
	}
	_, err := Open(dir)
	var re *Error
	if !errors.As(err, &re) || re.Record != "passwd" || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Open(folder with a symlink) = %v, want an error naming passwd", err)
	}
}

func unzip(t *testing.T, zipPath, into string) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		out := filepath.Join(into, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// A named pipe would block a reader that opened it; Open refuses it first.
func TestOpenRefusesPipes(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "model.pt")
	if err := mkfifo(fifo); err != nil {
		t.Skip(err)
	}
	if _, err := Open(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Open(fifo) = %v, want not a regular file", err)
	}
}

// Read allocates a stored record's size once, not twice.
func TestReadAllocatesOnce(t *testing.T) {
	data := bytes.Repeat([]byte{7}, 1<<20)
	b, _ := makeZip(torchRecs("top", zipRec{name: "big", data: data}), true)
	a, err := openBytes(t, b)
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(5, func() {
		got, err := a.Read("big")
		if err != nil || len(got) != len(data) || cap(got) != len(data) {
			t.Fatalf("Read: %d bytes (cap %d), %v", len(got), cap(got), err)
		}
	})
	if allocs > 10 {
		t.Errorf("Read made %v allocations", allocs)
	}
}
