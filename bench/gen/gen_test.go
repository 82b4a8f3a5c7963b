package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkgbuild/pkgbuild/manifest"
)

// readTree returns every file below dir by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if _, err := generate(d, 400, 7, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := generate(c, 400, 8, false); err != nil {
		t.Fatal(err)
	}
	fa, fb, fc := readTree(t, a), readTree(t, b), readTree(t, c)
	if len(fa) != len(fb) {
		t.Fatalf("same seed: %d files, then %d", len(fa), len(fb))
	}
	for p, x := range fa {
		if !bytes.Equal(x, fb[p]) {
			t.Fatalf("same seed, different %s", p)
		}
	}
	same := 0
	for p, x := range fa {
		if bytes.Equal(x, fc[p]) {
			same++
		}
	}
	if same > len(fa)/2 {
		t.Errorf("seeds 7 and 8 share %d of %d files", same, len(fa))
	}
}

func TestModuleCount(t *testing.T) {
	for _, n := range []int{1, 2, 17, 300, 2500} {
		dir := t.TempDir()
		st, err := generate(dir, n, 1, false)
		if err != nil {
			t.Fatal(err)
		}
		py, inits := 0, 0
		maxDepth := 0
		for p := range readTree(t, filepath.Join(dir, "src")) {
			if !strings.HasSuffix(p, ".py") {
				t.Errorf("n=%d: stray file %s", n, p)
			}
			py++
			if strings.HasSuffix(p, "/__init__.py") {
				inits++
				if d := strings.Count(p, "/"); d > maxDepth {
					maxDepth = d
				}
			}
		}
		if py != n || st.modules != n || inits != st.packages {
			t.Errorf("n=%d: %d .py files, %d packages (stats: %+v)", n, py, inits, st)
		}
		if maxDepth > maxPkgDepth {
			t.Errorf("n=%d: packages nested %d deep", n, maxDepth)
		}
		if n >= 2500 && (maxDepth < 4 || st.cycles < 2 || st.bytes/int64(n) < 8000 || st.bytes/int64(n) > 30000) {
			t.Errorf("n=%d: unrealistic tree: %v", n, st)
		}
		// The manifest is valid for pkgbuild and interns the whole tree.
		m, err := manifest.Load(filepath.Join(dir, "pkgbuild.toml"))
		if err != nil {
			t.Fatalf("n=%d: manifest: %v", n, err)
		}
		if len(m.Trees) != len(st.tops) || len(m.Roots) != 1 || m.Roots[0] != filepath.Join(dir, "src") {
			t.Errorf("n=%d: manifest trees %v roots %v, want %v", n, m.Trees, m.Roots, st.tops)
		}
	}
}

func TestExistingOutput(t *testing.T) {
	dir := t.TempDir()
	if _, err := generate(dir, 50, 1, false); err != nil {
		t.Fatal(err)
	}
	if _, err := generate(dir, 50, 1, false); err == nil {
		t.Error("second run without -force replaced src/")
	}
	if _, err := generate(dir, 20, 1, true); err != nil {
		t.Fatal(err)
	}
	if n := len(readTree(t, filepath.Join(dir, "src"))); n != 20 {
		t.Errorf("-force left %d files, want 20", n)
	}
}

// TestImportable imports every module of a tree with CPython and torch, in
// shuffled orders: torch.package imports them all, so they must run.
func TestImportable(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import torch").Run(); err != nil {
		if os.Getenv("PKGBUILD_REQUIRE_TORCH") == "1" {
			t.Fatalf("%s cannot import torch: %v", py, err)
		}
		t.Skipf("%s cannot import torch: %v", py, err)
	}
	dir := t.TempDir()
	if _, err := generate(dir, 250, 3, false); err != nil {
		t.Fatal(err)
	}
	script := `
import importlib, os, random, sys
root = sys.argv[1]
sys.path.insert(0, root)
mods = []
for d, _, fs in os.walk(root):
    for f in fs:
        rel = os.path.relpath(os.path.join(d, f), root)[:-3].replace(os.sep, ".")
        mods.append(rel[:-9] if rel.endswith(".__init__") else rel)
mods.sort()
random.Random(int(sys.argv[2])).shuffle(mods)
for m in mods:
    importlib.import_module(m)
print(len(mods))
`
	for _, order := range []string{"1", "2"} {
		cmd := exec.Command(py, "-B", "-c", script, filepath.Join(dir, "src"), order)
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "250" {
			t.Fatalf("import all (order %s): %v\n%s", order, err, out)
		}
	}
}
