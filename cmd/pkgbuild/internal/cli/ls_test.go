package cli_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

// The reading commands' tests run on the samples of package emit/reader
// (see its testdata/README): torch113.pt and torch113_changed.pt were
// written by torch 1.13's PackageExporter, evil.pt holds pickles that run
// code when loaded, torch2x.pt is torch113.pt in the layout torch 2.x
// writes. The tests change into that folder so PKG reads as a file name.
const readerSamples = "../../../../emit/reader/testdata"

// samplesDir is readerSamples made absolute before any test changes
// directory.
var samplesDir, _ = filepath.Abs(readerSamples)

// pkgbuildIn runs pkgbuild in-process in the samples folder and returns its
// exit code, stdout and stderr.
func pkgbuildIn(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	if wd, _ := os.Getwd(); wd != samplesDir {
		t.Chdir(samplesDir)
	}
	var out, errb bytes.Buffer
	code := cli.Run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// hostileZip writes a zip with the given records (names as stored) into a
// temporary folder and returns its absolute path.
func hostileZip(t *testing.T, records ...[2]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, r := range records {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: r[0], Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(r[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hostile.pt")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// minimal are the records torch's reader requires, in a top folder "t".
var minimal = [][2]string{{"t/.data/extern_modules", "\n"}, {"t/.data/version", "6\n"}}

func TestLsPrintsTorchsFileStructure(t *testing.T) {
	code, stdout, stderr := pkgbuildIn(t, "ls", "torch113.pt")
	// What str(PackageImporter("torch113.pt").file_structure()) returns:
	// folders first, then files, each sorted.
	want := `─── torch113.pt
    ├── .data
    │   ├── 0.storage
    │   ├── extern_modules
    │   ├── python_version
    │   └── version
    ├── main
    │   ├── main
    │   └── main_binary
    ├── obj
    │   └── obj.pkl
    ├── package_a
    │   ├── __init__.py
    │   └── subpackage.py
    ├── package_m
    │   └── __init__.py
    ├── tensors
    │   └── t.pkl
    ├── _mock.py
    └── module_a.py
`
	if code != cli.ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLsIncludeExclude(t *testing.T) {
	// Flags may come after the package, and repeat.
	code, stdout, _ := pkgbuildIn(t, "ls", "torch2x.pt", "--include", "**/*.py", "--include", "byteorder", "--exclude", "_mock.py")
	want := `─── torch2x.pt
    ├── package_a
    │   ├── __init__.py
    │   └── subpackage.py
    ├── package_m
    │   └── __init__.py
    ├── byteorder
    └── module_a.py
`
	if code != cli.ExitOK {
		t.Fatalf("exit %d", code)
	}
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// --has answers like file_structure().has_file(): folders count, and a
// module's name without ".py" does not.
func TestLsHas(t *testing.T) {
	for path, want := range map[string]int{
		"package_a":               cli.ExitOK,
		"package_a/subpackage.py": cli.ExitOK,
		".data/version":           cli.ExitOK,
		"package_a/subpackage":    cli.ExitPackage,
		"byteorder":               cli.ExitPackage, // torch 1.13 does not write it
	} {
		code, stdout, stderr := pkgbuildIn(t, "ls", "--has", path, "torch113.pt")
		if code != want || stdout != "" || stderr != "" {
			t.Errorf("ls --has %s: exit %d, stdout %q, stderr %q; want exit %d and no output", path, code, stdout, stderr, want)
		}
	}
	// --has sees the tree --include and --exclude leave.
	if code, _, _ := pkgbuildIn(t, "ls", "--has", "package_a", "--exclude", "package_a/**", "torch113.pt"); code != cli.ExitPackage {
		t.Errorf("ls --has package_a --exclude 'package_a/**': exit %d, want 1", code)
	}
}

func TestLsJSON(t *testing.T) {
	code, stdout, _ := pkgbuildIn(t, "ls", "--json", "--include", ".data/**", "torch2x.pt")
	if code != cli.ExitOK {
		t.Fatalf("exit %d", code)
	}
	var got struct {
		Path, Top, Version string
		PythonVersion      string `json:"python_version"`
		Externs            []string
		Records            []struct {
			Name string
			Size int64
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if got.Path != "torch2x.pt" || got.Top != "torch2x" || got.Version != "6" || got.PythonVersion != "3.11.2" {
		t.Errorf("path %q top %q version %q python %q", got.Path, got.Top, got.Version, got.PythonVersion)
	}
	if diff := cmp.Diff([]string{"json", "torch._utils", "torch", "collections"}, got.Externs); diff != "" {
		t.Errorf("externs (-want +got):\n%s", diff)
	}
	var names []string
	for _, r := range got.Records {
		names = append(names, r.Name)
		if r.Name == ".data/serialization_id" && r.Size != 40 {
			t.Errorf("serialization_id size %d, want 40", r.Size)
		}
	}
	want := []string{".data/0.storage", ".data/extern_modules", ".data/python_version", ".data/version", ".data/serialization_id"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("records, in archive order (-want +got):\n%s", diff)
	}
}

// An unzipped archive reads as its zip does, hidden .data included.
func TestLsFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "torch113")
	zr, err := zip.OpenReader(filepath.Join(samplesDir, "torch113.pt"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		out := filepath.Join(filepath.Dir(dir), filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(out), 0o755)
		rc, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		os.WriteFile(out, b.Bytes(), 0o644)
	}
	_, fromZip, _ := pkgbuildIn(t, "ls", "torch113.pt")
	code, fromDir, stderr := pkgbuildIn(t, "ls", dir)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if diff := cmp.Diff(strings.TrimPrefix(fromZip, "─── torch113.pt"), strings.TrimPrefix(fromDir, "─── "+dir)); diff != "" {
		t.Errorf("folder and zip trees differ (-zip +folder):\n%s", diff)
	}
}

// Hostile archives are refused with exit code 3 and an error that names
// the record, before anything is printed.
func TestLsRefusesHostileArchives(t *testing.T) {
	for _, tc := range []struct {
		name    string
		records [][2]string
		want    string
	}{
		{"path traversal", append([][2]string{{"t/../../etc/cron.d/x", "boom"}}, minimal...), `record "t/../../etc/cron.d/x": name has a ".." segment`},
		{"absolute", append([][2]string{{"/etc/passwd", ""}}, minimal...), `record "/etc/passwd": name is an absolute path`},
		{"backslash", append([][2]string{{`t\..\x.py`, ""}}, minimal...), `name contains a backslash`},
		{"duplicate", append([][2]string{{"t/a.py", "x = 1\n"}, {"t/a.py", "import os\n"}}, minimal...), `record "t/a.py": duplicate record`},
		{"two top folders", append(minimal, [2]string{"u/evil.py", ""}), `record "u/evil.py": file in archive is not in the top folder t/`},
		{"no top folder", append([][2]string{{"evil.py", ""}}, minimal...), `record "evil.py": file in archive is not in a subdirectory`},
		{"newline in a name", append([][2]string{{"t/a\n    └── fake.py", ""}}, minimal...), `control character U+000A`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := hostileZip(t, tc.records...)
			code, stdout, stderr := pkgbuildIn(t, "ls", path)
			if code != cli.ExitIO || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 3, no output and %q", code, stdout, stderr, tc.want)
			}
		})
	}
	// A zip whose declared sizes exceed the file: a bomb.
	path := hostileZip(t, append([][2]string{{"t/big", "x"}}, minimal...)...)
	b, _ := os.ReadFile(path)
	cd := bytes.LastIndex(b, []byte("PK\x01\x02t/big"))
	if cd < 0 {
		cd = bytes.Index(b, []byte("PK\x01\x02"))
	}
	copy(b[cd+20:], []byte{0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f}) // compressed, uncompressed size
	os.WriteFile(path, b, 0o644)
	code, _, stderr := pkgbuildIn(t, "ls", path)
	if code != cli.ExitIO || !strings.Contains(stderr, `record "t/big": record declares 2147483647 bytes, more than the`) {
		t.Errorf("size beyond the file: exit %d, stderr %q", code, stderr)
	}
}

func TestLsUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // in stdout for --help, stderr otherwise
	}{
		{[]string{"ls", "--help"}, cli.ExitOK, "Example"},
		{[]string{"help", "ls"}, cli.ExitOK, "pkgbuild ls --has .data/version model.pt"},
		{[]string{"ls"}, cli.ExitUsage, "want one PKG"},
		{[]string{"ls", "a.pt", "b.pt"}, cli.ExitUsage, "want one PKG"},
		{[]string{"ls", "--bogus", "torch113.pt"}, cli.ExitUsage, "flag provided but not defined"},
		{[]string{"ls", "--include", "a**", "torch113.pt"}, cli.ExitUsage, "**"},
		{[]string{"ls", "missing.pt"}, cli.ExitIO, "missing.pt: no such file or folder"},
		{[]string{"ls", "torch_reference.py"}, cli.ExitIO, "not a zip file"},
	} {
		code, stdout, stderr := pkgbuildIn(t, tc.args...)
		out := stderr
		if code == cli.ExitOK {
			out = stdout
		}
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("pkgbuild %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, stdout, stderr, tc.code, tc.want)
		}
	}
}
