package emit

// Differential tests against the real torch (Debian's torch 1.13 under
// /usr/bin/python3). Without python3 or torch they skip, unless
// PKGBUILD_REQUIRE_TORCH=1 makes that a failure.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite "+goldenPath+" with torch's writer")

// torchWrite has torch's PyTorchFileWriter write recs (in memory) to
// dir/x.pt, after set_min_version(minVersion) if minVersion > 0, and returns
// the path. Records with a nil Data and a non-nil Open are not supported.
func torchWrite(t *testing.T, python, dir string, minVersion int, recs []Record) string {
	t.Helper()
	type rec struct {
		Name  string `json:"name"`
		File  string `json:"file,omitempty"`
		Zeros int64  `json:"zeros,omitempty"`
	}
	manifest := struct {
		MinVersion int   `json:"min_version,omitempty"`
		Records    []rec `json:"records"`
	}{MinVersion: minVersion}
	for i, r := range recs {
		if z, ok := zerosOf(r); ok {
			manifest.Records = append(manifest.Records, rec{Name: r.Name, Zeros: z})
			continue
		}
		p := filepath.Join(dir, fmt.Sprintf("rec%d", i))
		if err := os.WriteFile(p, r.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		manifest.Records = append(manifest.Records, rec{Name: r.Name, File: p})
	}
	mf := filepath.Join(dir, "manifest.json")
	j, _ := json.Marshal(manifest)
	if err := os.WriteFile(mf, j, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "x.pt")
	var got struct {
		ArchiveName string `json:"archive_name"`
	}
	if err := json.Unmarshal(run(t, python, "testdata/torch_write.py", mf, out), &got); err != nil {
		t.Fatal(err)
	}
	if got.ArchiveName != "x" {
		t.Fatalf("torch chose top folder %q for %s, want x", got.ArchiveName, out)
	}
	return out
}

// zerosOf reports whether r streams zeros (a zip64 test record), and how many.
func zerosOf(r Record) (int64, bool) {
	if r.Open == nil {
		return 0, false
	}
	rc, err := r.Open()
	if err != nil {
		return 0, false
	}
	defer rc.Close()
	if z, ok := rc.(*zeroReader); ok {
		return z.size, true
	}
	return 0, false
}

// torchVersionRecord is the record torch's writer appends at the end:
// "version" below format version 6, ".data/version" from 6 on.
func torchVersionRecord(minVersion int) Record {
	v := max(3, minVersion) // kMinProducedFileFormatVersion is 3
	name := ".data/version"
	if v < 6 {
		name = "version"
	}
	return Record{Name: name, Data: fmt.Appendf(nil, "%d\n", v)}
}

// needTorch113 is needTorch, also requiring the 1.13 writer whose bytes
// emit reproduces.
func needTorch113(t *testing.T) string {
	python := needTorch(t)
	if !strings.HasPrefix(torchVer, "1.13.") {
		missing(t, fmt.Errorf("byte-exactness is pinned to torch 1.13, found torch %s", torchVer))
	}
	return python
}

// sampleRecords: an empty record, 1 byte, 63/64/65 bytes around the
// alignment, long and unicode names, and a record of about 1 MiB.
func sampleRecords() []Record {
	long := strings.Repeat("very_long_folder_name/", 9) + strings.Repeat("n", 100) + ".py"
	return []Record{
		{Name: "empty.txt"},
		{Name: "one", Data: []byte("1")},
		{Name: "pkg/b63", Data: pattern(63, 1)},
		{Name: "pkg/b64", Data: pattern(64, 2)},
		{Name: "pkg/b65", Data: pattern(65, 3)},
		{Name: long, Data: []byte("# a long name\n")},
		{Name: "unicodé/模块/π.py", Data: []byte("π = 3.14159\n")},
		{Name: "data/blob.bin", Data: pattern(1<<20+17, 4)},
	}
}

// everyPadding: records whose data starts at every residue mod 64 before
// alignment, from name lengths and sizes that vary.
func everyPadding() []Record {
	var recs []Record
	sizes := pattern(200, 99)
	for i := range 200 {
		name := fmt.Sprintf("p/%s%d", strings.Repeat("m", i%67), i)
		recs = append(recs, Record{Name: name, Data: pattern(int(sizes[i])%150, uint64(i))})
	}
	return recs
}

// TestWriteZipMatchesTorch writes the same records with torch's own writer
// and with WriteZip, from memory and streamed from files, and compares the
// bytes. Torch appends its version record itself; the Go list includes it.
func TestWriteZipMatchesTorch(t *testing.T) {
	python := needTorch113(t)
	cases := []struct {
		name       string
		minVersion int
		recs       []Record
	}{
		{"plain writer", 0, sampleRecords()},
		{"PackageExporter", 6, append(sampleRecords(), DataRecords([]string{"math", "numpy"}, "3.11.2")[:2]...)},
		{"every padding", 6, everyPadding()},
		{"golden", 6, goldenRecords()[:len(goldenRecords())-1]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, err := os.ReadFile(torchWrite(t, python, t.TempDir(), tc.minVersion, tc.recs))
			if err != nil {
				t.Fatal(err)
			}
			recs := append(tc.recs[:len(tc.recs):len(tc.recs)], torchVersionRecord(tc.minVersion))
			sameBytes(t, "from memory", zipBytes(t, "x", recs), want)
			sameBytes(t, "streamed from files", zipBytes(t, "x", streamed(t, recs, "file")), want)
			if tc.name == "golden" && *update {
				if err := os.WriteFile(goldenPath, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestWriteZipMatchesTorchZip64 compares a 4 GiB archive with torch's. It
// needs about 8 GiB of memory and 8 GiB of disk, so it runs only with
// PKGBUILD_TORCH_HUGE=1.
func TestWriteZipMatchesTorchZip64(t *testing.T) {
	if os.Getenv("PKGBUILD_TORCH_HUGE") != "1" {
		t.Skip("set PKGBUILD_TORCH_HUGE=1 to compare a 4 GiB archive with torch's")
	}
	python := needTorch113(t)
	recs := zip64Records()
	f, err := os.Open(torchWrite(t, python, t.TempDir(), 6, recs))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &comparer{r: bufio.NewReaderSize(f, 1<<20)}
	if err := WriteZip(c, "x", append(recs, torchVersionRecord(6))); err != nil {
		t.Fatalf("at offset %d: %v", c.off, err)
	}
	if n, _ := c.r.Read(make([]byte, 1)); n != 0 {
		t.Fatalf("torch's archive is longer than %d bytes", c.off)
	}
}

// comparer is a writer that checks what it is given against r.
type comparer struct {
	r   io.Reader
	off int64
	buf []byte
}

func (c *comparer) Write(p []byte) (int, error) {
	if cap(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	want := c.buf[:len(p)]
	if _, err := io.ReadFull(c.r, want); err != nil {
		return 0, fmt.Errorf("torch's archive ends early: %w", err)
	}
	if i := firstDiff(p, want); i >= 0 {
		return 0, fmt.Errorf("first difference at offset %d: got % x, want % x", c.off+int64(i), p[i:min(len(p), i+16)], want[i:min(len(p), i+16)])
	}
	c.off += int64(len(p))
	return len(p), nil
}

func firstDiff(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}

// loadRecords is a small package as pkgbuild would emit it, in torch's order:
// resources (saved immediately), modules in graph order with _mock.py before
// the first mocked module, then the data records.
func loadRecords() []Record {
	recs := []Record{
		{Name: "mymod/data.txt", Data: []byte("hello from data.txt\n")},
		{Name: "mymod/__init__.py", Data: []byte("import math\nimport mymod.sub\n\n\ndef area(r):\n    return math.pi * r * r\n")},
		{Name: "mymod/sub.py", Data: []byte("VALUE = 42\n")},
		{Name: MockModulePath, Data: MockModule},
		{Name: "mocked/__init__.py", Data: []byte(MockStub)},
	}
	return append(recs, DataRecords([]string{"math"}, "3.11.2")...)
}

// TestTorchLoads has torch.package's PackageImporter load what Write writes,
// as a zip file and as an unzipped folder.
func TestTorchLoads(t *testing.T) {
	python := needTorch(t)
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "mypkg.pt")
	treePath := filepath.Join(dir, "mypkg") + "/"
	zipSum, err := Write(zipPath, loadRecords())
	if err != nil {
		t.Fatal(err)
	}
	treeSum, err := Write(treePath, loadRecords())
	if err != nil {
		t.Fatal(err)
	}
	if zipSum != treeSum {
		t.Errorf("digests differ: zip %x, tree %x", zipSum, treeSum)
	}

	// What the loader reports (see testdata/torch_load.py).
	want := map[string]any{
		"mymod.area(2)":       12.566370614359172,
		"mymod.sub.VALUE":     42.0,
		"mymod.math is math":  true,
		"load_text":           "hello from data.txt\n",
		"extern_modules":      []any{"math"},
		"python_version":      "3.11.2",
		"repr(mocked.result)": "MockedObject(mocked.result)",
		"mocked.result()":     "NotImplementedError: Object 'mocked.result' was mocked out during packaging but it is being used in __call__",
		"file_structure":      []any{".data/extern_modules", ".data/python_version", ".data/version", "_mock.py", "mocked/__init__.py", "mymod/__init__.py", "mymod/data.txt", "mymod/sub.py"},
	}
	// The folder is opened without its trailing slash: torch 1.13's
	// DirectoryReader cuts len(folder)+1 bytes off the paths glob returns,
	// one too many when the folder ends with a slash.
	for _, path := range []string{zipPath, strings.TrimSuffix(treePath, "/")} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var got map[string]any
			if err := json.Unmarshal(run(t, python, "testdata/torch_load.py", path), &got); err != nil {
				t.Fatal(err)
			}
			want := want
			if path != zipPath {
				// DirectoryReader lists files with glob, which skips hidden
				// ones, so .data/ is missing from the folder's file structure.
				want = cloneMap(want)
				want["file_structure"] = want["file_structure"].([]any)[3:]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("PackageImporter(%q) (-want +got):\n%s", path, diff)
			}
		})
	}
}

func cloneMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// mockCheck compares MockModule's MockedObject with torch's, special method
// by special method. It prints one line per difference.
const mockCheck = `
import importlib.util, sys
import torch.package._mock as theirs
spec = importlib.util.spec_from_file_location("_mock", sys.argv[1])
ours = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ours)

def outcome(cls, method):
    obj = cls("pkg.thing", _suppress_err=True)
    try:
        getattr(cls, method)(obj)
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    return "no error"

for method in sorted(set(theirs._magic_methods) | set(dir(ours.MockedObject))):
    if not method.startswith("__") or method in ("__new__", "__init__", "__repr__", "__dict__", "__weakref__", "__module__", "__doc__", "__annotations__"):
        continue
    a, b = outcome(theirs.MockedObject, method), outcome(ours.MockedObject, method)
    if a != b:
        print(f"{method}: torch {a!r}, ours {b!r}")
for cls in (theirs.MockedObject, ours.MockedObject):
    obj = cls("pkg.thing", _suppress_err=True)
    if repr(obj) != "MockedObject(pkg.thing)":
        print(f"{cls.__module__}: repr {obj!r}")
    try:
        type(obj).__new__(obj)  # what unpickling an object of a mocked class does
        print(f"{cls.__module__}: __new__ did not fail")
    except NotImplementedError as e:
        if not str(e).startswith("Object 'pkg.thing' was mocked out during packaging but it is being used in '__new__'."):
            print(f"{cls.__module__}: __new__ says {e}")
`

// TestMockModuleMatchesTorch: every special method of our MockedObject
// behaves as torch's does, with the same message.
func TestMockModuleMatchesTorch(t *testing.T) {
	python := needTorch(t)
	p := filepath.Join(t.TempDir(), "_mock.py")
	if err := os.WriteFile(p, MockModule, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := run(t, python, "-c", mockCheck, p); len(out) > 0 {
		t.Errorf("MockModule differs from torch's _mock.py:\n%s", out)
	}
}
