package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
	"github.com/pkgbuild/pkgbuild/emit/reader"
	"github.com/pkgbuild/pkgbuild/scanner/pickle"
)

// repackManifest rebuilds weights saved by torch's PackageExporter with the
// model code from the source tree.
const repackManifest = `output = "out/model.pt"
roots = ["src"]
modules = ["mymodel.net"]

[[rule]]
%s = "mymodel.**"

[[from_package]]
file = "weights.pt"
`

const repackSecond = `
[[from_package]]
file = "weights2.pt"
`

// archiveRecords returns an archive's record names and the bytes of each.
func archiveRecords(t *testing.T, path string) ([]string, map[string][]byte) {
	t.Helper()
	a, err := reader.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	data := map[string][]byte{}
	for _, name := range a.Records() {
		if data[name], err = a.Read(name); err != nil {
			t.Fatal(err)
		}
	}
	return a.Records(), data
}

func storageKeys(t *testing.T, data []byte) []string {
	t.Helper()
	info, err := pickle.Scan(data)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range info.PersistentIDs {
		keys = append(keys, p.Tuple[2])
	}
	return keys
}

// The acceptance test of [[from_package]]: weights saved by torch's
// PackageExporter plus model code from a source tree give a package whose
// load_pickle returns a model computing exactly what the original did, in
// torch; merging two weight archives renumbers the second's storage keys
// and both models still compute; the mocked-but-used check, the lock and
// the depfile see the archives.
func TestRepackageWeightsInTorch(t *testing.T) {
	dir := t.TempDir()
	var made map[string][]string
	pythonJSON(t, &made, "testdata/repackage.py", "make", dir)
	write := func(text string) string {
		p := filepath.Join(dir, "pkgbuild.toml")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	check := func(t *testing.T, out string, pickles ...string) {
		t.Helper()
		var got map[string]string
		pythonJSON(t, &got, append([]string{"testdata/repackage.py", "check", out, dir}, pickles...)...)
		for _, p := range pickles {
			if got[p] != "ok" {
				t.Errorf("torch: %s: %s", p, got[p])
			}
		}
	}
	_, orig := archiveRecords(t, filepath.Join(dir, "weights.pt"))

	t.Run("one archive keeps its names", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "model.pt")
		build(t, "-m", write(fmt.Sprintf(repackManifest, "intern")), "-o", out)
		names, data := archiveRecords(t, out)
		var storages []string
		for _, n := range made["weights.pt"] {
			if strings.HasSuffix(n, ".storage") {
				storages = append(storages, n)
				if string(data[n]) != string(orig[n]) {
					t.Errorf("%s differs from the original's", n)
				}
			}
		}
		if len(storages) < 5 {
			t.Fatalf("the sample has only %d storages: %v", len(storages), made["weights.pt"])
		}
		want := append(storages, "model/model.pkl", "mymodel/net.py", "mymodel/__init__.py",
			".data/extern_modules", ".data/python_version", ".data/version")
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("records (-want +got):\n%s", diff)
		}
		if string(data["model/model.pkl"]) != string(orig["model/model.pkl"]) {
			t.Errorf("model/model.pkl was rewritten, though no key clashed")
		}
		check(t, out, "model/model.pkl")
	})

	t.Run("two archives are renumbered", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "model.pt")
		build(t, "-m", write(fmt.Sprintf(repackManifest, "intern")+repackSecond), "-o", out)
		names, data := archiveRecords(t, out)
		var first, second int
		for _, n := range made["weights.pt"] {
			if strings.HasSuffix(n, ".storage") {
				first++
			}
		}
		var wantKeys []string
		for _, n := range made["weights2.pt"] {
			if strings.HasSuffix(n, ".storage") {
				wantKeys = append(wantKeys, fmt.Sprint(first+second))
				second++
			}
		}
		for i := range first + second {
			if !slices.Contains(names, fmt.Sprintf(".data/%d.storage", i)) {
				t.Errorf("no .data/%d.storage in %v", i, names)
			}
		}
		if diff := cmp.Diff(wantKeys, storageKeys(t, data["model/other.pkl"])); diff != "" {
			t.Errorf("keys of other.pkl (-want +got):\n%s", diff)
		}
		check(t, out, "model/model.pkl", "model/other.pkl")
	})

	t.Run("mocked but used", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "model.pt")
		text := strings.Replace(fmt.Sprintf(repackManifest, "mock"), "modules = [\"mymodel.net\"]\n", "", 1)
		code, _, stderr := run(t, "build", "-m", write(text), "-o", out)
		if code != cli.ExitPackage {
			t.Fatalf("exit %d, want %d\n%s", code, cli.ExitPackage, stderr)
		}
		for _, want := range []string{"mocked out, but is still being used by a pickle", "mymodel.net", "pickle model/model.pkl uses [Net]", "weights.pt"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
	})

	t.Run("lock and depfile", func(t *testing.T) {
		m := write(fmt.Sprintf(repackManifest, "intern") + repackSecond)
		code, stdout, stderr := run(t, "lock", "-m", m)
		if code != cli.ExitOK {
			t.Fatalf("lock: exit %d\n%s%s", code, stdout, stderr)
		}
		lock, err := os.ReadFile(filepath.Join(dir, "pkgbuild.lock"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"pickle model/model.pkl sha256:", "pickle model/other.pkl sha256:", "resource .data/0.storage sha256:", "module intern mymodel.net sha256:"} {
			if !strings.Contains(string(lock), want) {
				t.Errorf("lock lacks %q:\n%s", want, lock)
			}
		}
		if code, stdout, stderr := run(t, "check", "-m", m); code != cli.ExitOK {
			t.Errorf("check: exit %d\n%s%s", code, stdout, stderr)
		}
		dep := filepath.Join(t.TempDir(), "model.d")
		build(t, "-m", m, "-o", filepath.Join(t.TempDir(), "model.pt"), "--depfile", dep)
		text, err := os.ReadFile(dep)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"weights.pt", "weights2.pt", "net.py"} {
			if !strings.Contains(string(text), want) {
				t.Errorf("depfile lacks %s:\n%s", want, text)
			}
		}
	})
}

// An archive in torch 2.x's layout is a source like any other: its
// bookkeeping (byteorder, .data/serialization_id) is not copied, and with
// sources = true its modules and its mocked module come along; torch loads
// the result.
func TestRepackageTorch2x(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../../../emit/reader/testdata/torch2x.pt")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "torch2x.pt"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	m := writeManifestIn(t, dir, "[[from_package]]\nfile = \"torch2x.pt\"\nsources = true\n")
	out := filepath.Join(dir, "out", "rebuilt.pt")
	os.MkdirAll(filepath.Dir(out), 0o755)
	build(t, "-m", m, "-o", out)
	names, got := archiveRecords(t, out)
	want := []string{
		"obj/obj.pkl", ".data/0.storage", "tensors/t.pkl", "main/main", "main/main_binary",
		"package_a/subpackage.py", "_mock.py", "package_m.py", "package_a/__init__.py", "module_a.py",
		".data/extern_modules", ".data/python_version", ".data/version",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(got["package_m.py"]), "MockedObject") {
		t.Errorf("package_m is not a mock stub:\n%s", got["package_m.py"])
	}

	t.Run("torch", func(t *testing.T) {
		python3(t)
		var res struct {
			OK        []string          `json:"ok"`
			Failed    map[string]string `json:"failed"`
			Resources map[string]any    `json:"resources"`
		}
		pythonJSON(t, &res, "testdata/torch_load.py", out, "tensors/t.pkl", "obj/obj.pkl", "main/main_binary")
		if len(res.Failed) > 0 {
			t.Errorf("modules failed to import: %v", res.Failed)
		}
		for name, want := range map[string]string{
			"tensors/t.pkl": "tensor([0., 1., 2., 3., 4., 5.])",
			"obj/obj.pkl":   "package_a.subpackage.PackageASubpackageObject object",
		} {
			if s, _ := res.Resources[name].(string); !strings.Contains(s, want) {
				t.Errorf("load_pickle %s = %v, want %q in it", name, res.Resources[name], want)
			}
		}
	})
}

// Problems with a [[from_package]] are reported at its line: the
// manifest's with exit code 2, an archive's with 1.
func TestRepackageErrors(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../../../emit/reader/testdata/torch113.pt")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "w.pt"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "bad.pt"), data[:len(data)/2], 0o644)
	for _, c := range []struct {
		name, toml, want string
		code             int
	}{
		{"missing", "[[from_package]]\nfile = \"nope.pt\"\n", `pkgbuild.toml:2:8: error: archive "nope.pt" does not exist`, cli.ExitUsage},
		{"no match", "[[from_package]]\nfile = \"w.pt\"\ninclude = \"model/*.pkl\"\n", `pkgbuild.toml:3:1: error: include "model/*.pkl" matches no record of w.pt`, cli.ExitUsage},
		{"clash", "[[from_package]]\nfile = \"w.pt\"\n[[from_package]]\nfile = \"w.pt\"\ninclude = \"obj/*\"\n",
			`pkgbuild.toml:3:1: error: [[from_package]] writes "obj/obj.pkl" (from w.pt), which the [[from_package]] at line 1 writes too`, cli.ExitUsage},
		{"malformed", "[[from_package]]\nfile = \"bad.pt\"\n", `pkgbuild.toml:2:1: error: archive bad.pt: malformed:`, cli.ExitPackage},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(dir)
			os.WriteFile("pkgbuild.toml", []byte(c.toml), 0o644)
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(c.name, " ", "-")+".pt")
			code, _, stderr := run(t, "build", "-o", out)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s", code, c.code, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr lacks %q:\n%s", c.want, stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a failed build wrote %s", out)
			}
		})
	}
}

func writeManifestIn(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "pkgbuild.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
