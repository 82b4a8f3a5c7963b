package cli_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const distPackages = "/usr/lib/python3/dist-packages"

// torchvisionManifest interns torchvision's resnet with the rules a user
// would write, reading the sources Debian's python3-torchvision installs.
// With parents = "intern" the package also holds torchvision/__init__.py,
// which imports every subpackage, so it needs more externs: modules that
// Debian does not install and that torch, in parents = "torch" mode, never
// reaches.
const torchvisionManifest = `output = "out/resnet.pt"
python = "%s"
roots = ["` + distPackages + `"]
modules = ["torchvision.models.resnet"]
parents = "%s"

[[rule]]
extern = ["sys", "numpy.**", "PIL.**", "scipy.**", "requests.**", "typing_extensions", "torchvision._C"%s]
[[rule]]
intern = "torchvision.**"
`

func torchvisionFor(parents string) string {
	extra := ""
	if parents == "intern" {
		extra = `, "io", "accimage", "av.**", "defusedxml.**", "h5py", "lmdb", "pycocotools.**"`
	}
	return fmt.Sprintf(torchvisionManifest, debianPython, parents, extra)
}

func writeManifest(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "pkgbuild.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readZip(t *testing.T, path string) (names []string, data map[string][]byte) {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	data = map[string][]byte{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		name := f.Name[strings.IndexByte(f.Name, '/')+1:]
		names = append(names, name)
		data[name] = b
	}
	return names, data
}

// debianPython is the version of Debian 12's /usr/bin/python3, which
// PackageExporter writes to .data/python_version.
const debianPython = "3.11.2"

// With parents = "torch" and python = "3.11.2", pkgbuild writes the very
// archive torch's own PackageExporter writes from the same tree and rules:
// the same bytes, record for record and in the whole file.
func TestTorchvisionMatchesPackageExporter(t *testing.T) {
	python3(t)
	if _, err := os.Stat(distPackages + "/torchvision/models/resnet.py"); err != nil {
		if os.Getenv("PKGBUILD_REQUIRE_TORCH") == "1" {
			t.Fatalf("Debian's python3-torchvision is required: %v", err)
		}
		t.Skip("python3-torchvision is not installed")
	}
	manifestPath := writeManifest(t, torchvisionFor("torch"))
	dir := filepath.Dir(manifestPath)
	ours := filepath.Join(dir, "ours", "resnet.pt")
	build(t, "-m", manifestPath, "-o", ours)

	theirs := filepath.Join(dir, "theirs", "resnet.pt")
	os.MkdirAll(filepath.Dir(theirs), 0o755)
	var torch struct {
		Interned []string `json:"interned"`
		Externed []string `json:"externed"`
		Records  []string `json:"records"`
		Externs  string   `json:"extern_modules"`
	}
	pythonJSON(t, &torch, "testdata/torch_export.py", manifestPath, theirs)

	names, ourData := readZip(t, ours)
	if diff := cmp.Diff(torch.Records, names); diff != "" {
		t.Errorf("records (in order) differ from PackageExporter's (-torch +pkgbuild):\n%s", diff)
	}
	if got := string(ourData[".data/extern_modules"]); got != torch.Externs {
		t.Errorf(".data/extern_modules:\n%s\nPackageExporter wrote:\n%s", got, torch.Externs)
	}
	_, theirData := readZip(t, theirs)
	for _, name := range torch.Records {
		if !bytes.Equal(ourData[name], theirData[name]) {
			t.Errorf("record %s differs from PackageExporter's", name)
		}
	}
	a, _ := os.ReadFile(ours)
	b, _ := os.ReadFile(theirs)
	if !bytes.Equal(a, b) {
		t.Errorf("the archives differ (%d and %d bytes) although every record is the same", len(a), len(b))
	}
	if len(torch.Interned) < 5 {
		t.Errorf("PackageExporter interned only %v: the fixture is not exercising much", torch.Interned)
	}
}

// With pkgbuild's default, parents = "intern", the same package imports in
// torch's PackageImporter and the packaged resnet18 computes exactly what
// the installed one computes with the same weights.
func TestTorchvisionResnetRunsFromPackage(t *testing.T) {
	py := python3(t)
	manifestPath := writeManifest(t, torchvisionFor("intern"))
	out := filepath.Join(filepath.Dir(manifestPath), "resnet.pt")
	build(t, "-m", manifestPath, "-o", out)
	script := `
import sys, torch, torchvision
from torch.package import PackageImporter
imp = PackageImporter(sys.argv[1])
packaged = imp.import_module("torchvision.models.resnet").resnet18()
original = torchvision.models.resnet.resnet18()
packaged.load_state_dict(original.state_dict())
packaged.eval(); original.eval()
x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
assert type(packaged).__module__ != type(original).__module__, "not loaded from the package"
assert torch.equal(packaged(x), original(x)), "outputs differ"
print("ok")
`
	out2, err := exec.Command(py, "-c", script, out).CombinedOutput()
	if err != nil || !strings.Contains(string(out2), "ok") {
		t.Fatalf("packaged resnet18: %v\n%s", err, out2)
	}
}

// torch.package leaves parent packages out; for Debian's mpmath that breaks
// `import mpmath`, because mpmath/functions/__init__.py fills the function
// registry. pkgbuild's default interns parents and the package works;
// parents = "torch" reproduces torch's broken package.
func TestParentPackagesMakeMpmathWork(t *testing.T) {
	py := python3(t)
	if _, err := os.Stat(distPackages + "/mpmath/__init__.py"); err != nil {
		t.Skip("python3-mpmath is not installed")
	}
	manifestPath := writeManifest(t, `roots = ["`+distPackages+`"]
modules = ["mpmath"]
[[rule]]
extern = ["sys", "gmpy2", "gmpy", "sage.**", "numpy.**", "matplotlib.**", "mpl_toolkits.**", "pylab", "IPython.**", "pytest", "py", "sympy.**"]
[[rule]]
intern = "mpmath.**"
`)
	dir := filepath.Dir(manifestPath)
	script := `
import sys
from torch.package import PackageImporter
m = PackageImporter(sys.argv[1]).import_module("mpmath")
print(m.zeta(3))
`
	for _, c := range []struct {
		parents string
		works   bool
	}{{"intern", true}, {"torch", false}} {
		out := filepath.Join(dir, c.parents+".pt")
		build(t, "-m", manifestPath, "-o", out, "--parents", c.parents)
		text, err := exec.Command(py, "-c", script, out).CombinedOutput()
		if works := err == nil && strings.Contains(string(text), "1.2020569"); works != c.works {
			t.Errorf("parents = %q: import mpmath works = %v, want %v\n%s", c.parents, works, c.works, text)
		}
	}
}
