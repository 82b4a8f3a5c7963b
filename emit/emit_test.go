package emit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pattern returns n reproducible bytes, different for each seed.
func pattern(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// zipBytes is WriteZip into memory.
func zipBytes(t testing.TB, top string, recs []Record) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteZip(&b, top, recs); err != nil {
		t.Fatalf("WriteZip: %v", err)
	}
	return b.Bytes()
}

// sameBytes fails with the first differing offset and the bytes around it.
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-16)
	around := func(b []byte) string { return fmt.Sprintf("% x", b[lo:min(len(b), i+16)]) }
	t.Fatalf("%s: first difference at offset %d (0x%x); got %d bytes, want %d\n got [%#x:] %s\nwant [%#x:] %s",
		what, i, i, len(got), len(want), lo, around(got), lo, around(want))
}

// python and torch discovery, shared by the differential tests.

var (
	pythonOnce sync.Once
	pythonPath string
	pythonErr  error
	torchVer   string
	torchErr   error
)

// findPython looks for $PKGBUILD_PYTHON, else /usr/bin/python3 (where
// Debian's torch 1.13 is), else python3 on $PATH, and for torch in it.
func findPython() {
	pythonPath = os.Getenv("PKGBUILD_PYTHON")
	if pythonPath == "" {
		pythonPath = "/usr/bin/python3"
		if _, err := os.Stat(pythonPath); err != nil {
			pythonPath = "python3"
		}
	}
	if p, err := exec.LookPath(pythonPath); err != nil {
		pythonErr = fmt.Errorf("no python3: %v", err)
		torchErr = pythonErr
		return
	} else {
		pythonPath = p
	}
	out, err := exec.Command(pythonPath, "-c", "import torch; print(torch.__version__)").CombinedOutput()
	if err != nil {
		torchErr = fmt.Errorf("%s cannot import torch: %v: %s", pythonPath, err, lastLine(out))
		return
	}
	torchVer = strings.TrimSpace(string(out))
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// missing skips the test, or fails it when PKGBUILD_REQUIRE_TORCH=1.
func missing(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("PKGBUILD_REQUIRE_TORCH") == "1" {
		t.Fatalf("PKGBUILD_REQUIRE_TORCH=1, but: %v", err)
	}
	t.Skipf("skipping: %v (PKGBUILD_REQUIRE_TORCH=1 makes this a failure)", err)
}

// needPython returns a python3, or skips (see missing).
func needPython(t *testing.T) string {
	t.Helper()
	pythonOnce.Do(findPython)
	if pythonErr != nil {
		missing(t, pythonErr)
	}
	return pythonPath
}

// needTorch returns a python3 that imports torch, or skips (see missing).
func needTorch(t *testing.T) string {
	t.Helper()
	pythonOnce.Do(findPython)
	if torchErr != nil {
		missing(t, torchErr)
	}
	return pythonPath
}

// run runs python with args and returns its standard output.
func run(t *testing.T, python string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(python, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", python, strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

func TestTopFolder(t *testing.T) {
	for _, tc := range []struct{ out, want string }{
		{"model.pt", "model"},
		{"out/my.model.pt", "my.model"},
		{"noext", "noext"},
		{"x.", "x"},
		{`C:\models\net.pt`, "net"},
		{"a.b/c", "c"},
		{"a/b\\c.zip", "c"},
		{"/abs/path/π.pt", "π"},
	} {
		got, err := TopFolder(tc.out)
		if err != nil || got != tc.want {
			t.Errorf("TopFolder(%q) = %q, %v; want %q", tc.out, got, err, tc.want)
		}
	}
	// Torch refuses an empty top folder; pkgbuild also refuses "." and "..".
	for _, out := range []string{".hidden", "dir/", "", "a/.pt", "..pt", "...", `dir\`} {
		if got, err := TopFolder(out); err == nil {
			t.Errorf("TopFolder(%q) = %q, want an error", out, got)
		}
	}
}

func TestBadNamesAreAllReported(t *testing.T) {
	recs := []Record{
		{Name: "ok.py"},
		{Name: ""},
		{Name: "/abs.py"},
		{Name: "a/../b.py"},
		{Name: "./a.py"},
		{Name: `win\path.py`},
		{Name: "nul\x00.py"},
		{Name: "a//b.py"},
		{Name: "dir/"},
		{Name: "bad\xff.py"},
		{Name: "ok.py"},
		{Name: "both.py", Data: []byte("x"), Open: func() (io.ReadCloser, error) { return nil, nil }},
	}
	err := WriteZip(io.Discard, "x", recs)
	if err == nil {
		t.Fatal("WriteZip accepted bad names")
	}
	var got []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ne *RecordError
		if !errors.As(e, &ne) {
			t.Fatalf("error %v is not a *RecordError", e)
		}
		got = append(got, ne.Index)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, got); diff != "" {
		t.Errorf("records reported (-want +got):\n%s\nerror:\n%v", diff, err)
	}
	for _, want := range []string{`record 10 "ok.py": duplicate name; record 0 has it already`, "backslash", "NUL", `".." path segment`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestBadTopFolder(t *testing.T) {
	for _, top := range []string{"", ".", "..", "a/b", `a\b`} {
		if err := WriteZip(io.Discard, top, []Record{{Name: "a"}}); err == nil {
			t.Errorf("WriteZip with top %q succeeded", top)
		}
	}
}

func TestNameTooLong(t *testing.T) {
	name := strings.Repeat("n", 0xFFFF-2) // with "x/", one byte too many
	if err := WriteZip(io.Discard, "xy", []Record{{Name: name}}); err == nil {
		t.Error("WriteZip accepted a full name of 65536 bytes")
	}
	zipBytes(t, "x", []Record{{Name: name}}) // exactly 65535: fine
}

func TestDataRecords(t *testing.T) {
	str := func(recs []Record) []string {
		var s []string
		for _, r := range recs {
			s = append(s, fmt.Sprintf("%s=%q", r.Name, r.Data))
		}
		return s
	}
	for _, tc := range []struct {
		externs []string
		want    []string
	}{
		{nil, []string{`.data/extern_modules="\n"`, `.data/python_version="3.11.2"`, `.data/version="6\n"`}},
		{[]string{"math", "numpy.linalg"}, []string{`.data/extern_modules="math\nnumpy.linalg\n"`, `.data/python_version="3.11.2"`, `.data/version="6\n"`}},
	} {
		if diff := cmp.Diff(tc.want, str(DataRecords(tc.externs, "3.11.2"))); diff != "" {
			t.Errorf("DataRecords(%q) (-want +got):\n%s", tc.externs, diff)
		}
	}
}

func TestMockStubIsTorchs(t *testing.T) {
	// The exact bytes torch's PackageExporter writes for a mocked module.
	want := "from _mock import MockedObject\ndef __getattr__(attr: str):\n    return MockedObject(__name__ + '.' + attr, _suppress_err=True)\n"
	if MockStub != want {
		t.Errorf("MockStub = %q, want %q", MockStub, want)
	}
}
