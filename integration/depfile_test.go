package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMakeDepfile: GNU make, with `-include model.pt.d` (testdata/shop.txtar's
// Makefile), reruns `pkgbuild build --depfile` exactly when a file the
// package was made from changes.
func TestMakeDepfile(t *testing.T) {
	gnuMake := need(t, "make", "make")
	testRebuilds(t, buildTool{
		build: func(t *testing.T, dir string) {
			mustRun(t, dir, withPkgbuild(), gnuMake)
		},
		upToDate: func(t *testing.T, dir string) (bool, string) {
			code, out := run(t, dir, withPkgbuild(), gnuMake, "-q") // exit 0: nothing to do
			return code == 0, out
		},
		afterFirstBuild: func(t *testing.T, dir string) {
			// The depfile names every input relative to the folder make runs
			// in, escaped for make, then an empty rule per input (as gcc -MP
			// writes) so that deleting an input rebuilds instead of stopping
			// make with "No rule to make target". README.md and unused.py,
			// which the package does not contain, are not inputs.
			want := `model.pt: \
  pkgbuild.toml \
  data/price\ list\ \#1\ $$USD.txt \
  py\ src/shop/__init__.py \
  py\ src/shop/prices.py \
  py\ src/shop/serve.py

pkgbuild.toml:

data/price\ list\ \#1\ $$USD.txt:

py\ src/shop/__init__.py:

py\ src/shop/prices.py:

py\ src/shop/serve.py:
`
			got, err := os.ReadFile(filepath.Join(dir, "model.pt.d"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, string(got)); diff != "" {
				t.Errorf("model.pt.d (-want +got):\n%s", diff)
			}
		},
	})
}

// TestNinjaDepfile: ninja, with `depfile = $out.d` and `deps = gcc`
// (testdata/shop.txtar's build.ninja), reruns `pkgbuild build --depfile`
// exactly when a file the package was made from changes.
func TestNinjaDepfile(t *testing.T) {
	ninja := need(t, "ninja", "ninja-build")
	testRebuilds(t, buildTool{
		build: func(t *testing.T, dir string) {
			mustRun(t, dir, withPkgbuild(), ninja)
		},
		upToDate: func(t *testing.T, dir string) (bool, string) {
			out := mustRun(t, dir, withPkgbuild(), ninja, "-n", "-d", "explain")
			return strings.Contains(out, "ninja: no work to do."), out
		},
		afterFirstBuild: func(t *testing.T, dir string) {
			// ninja read the depfile into .ninja_deps (and deleted it),
			// undoing the escapes: the names are the files' real names.
			out := mustRun(t, dir, nil, ninja, "-t", "deps", "model.pt")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			var got []string
			for _, l := range lines[1:] { // lines[0]: "model.pt: #deps 5, deps mtime ... (VALID)"
				got = append(got, strings.TrimSpace(l))
			}
			want := []string{
				"pkgbuild.toml",
				"data/price list #1 $USD.txt",
				"py src/shop/__init__.py",
				"py src/shop/prices.py",
				"py src/shop/serve.py",
			}
			if diff := cmp.Diff(want, got); diff != "" || !strings.Contains(lines[0], "(VALID)") {
				t.Errorf("ninja -t deps model.pt (-want +got):\n%s\n%s", diff, out)
			}
		},
	})
}

// buildTool is a build system that runs pkgbuild in a copy of
// testdata/shop.txtar.
type buildTool struct {
	// build builds model.pt, failing the test when the build fails.
	build func(t *testing.T, dir string)
	// upToDate asks, without building, whether model.pt is up to date; it
	// also returns the tool's output, to explain a wrong answer.
	upToDate func(t *testing.T, dir string) (bool, string)
	// afterFirstBuild checks what the first build recorded.
	afterFirstBuild func(t *testing.T, dir string)
}

// testRebuilds builds the shop project with tool, then changes one file at
// a time and checks that the tool reruns pkgbuild (which counts its runs in
// builds.log) exactly when the file is one the package was made from, and
// that a build leaves nothing to do. The project's folder has a space in its
// name, and so have its source root and its resource.
func testRebuilds(t *testing.T, tool buildTool) {
	dir := filepath.Join(t.TempDir(), "my project")
	extract(t, "shop.txtar", dir)
	at := func(name string) string { return filepath.Join(dir, filepath.FromSlash(name)) }
	builds := func() int {
		data, err := os.ReadFile(at("builds.log"))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return strings.Count(string(data), "built\n")
	}
	// edit rewrites a file and dates it just after model.pt.
	edit := func(name, data string) func() {
		return func() {
			writeFile(t, at(name), data)
			newerThan(t, at(name), at("model.pt"))
		}
	}

	tool.build(t, dir)
	if n := builds(); n != 1 {
		t.Fatalf("first build: pkgbuild ran %d times, want 1", n)
	}
	tool.afterFirstBuild(t, dir)

	steps := []struct {
		change  string
		do      func()
		rebuild bool
	}{
		{"nothing", func() {}, false},
		{"README.md, not in the package", edit("README.md", "The shop package, changed.\n"), false},
		{"py src/shop/unused.py, a module nothing imports", edit("py src/shop/unused.py", "X = 2\n"), false},
		{"py src/shop/prices.py, an interned module", edit("py src/shop/prices.py", "PRICES = {\"apple\": 2}\n"), true},
		{"data/price list #1 $USD.txt, a resource", edit("data/price list #1 $USD.txt", "apple 2\n"), true},
		{"pkgbuild.toml", edit("pkgbuild.toml", "# changed\n"+readFile(t, at("pkgbuild.toml"))), true},
		{"py src/shop/prices.py deleted, with its import", func() {
			if err := os.Remove(at("py src/shop/prices.py")); err != nil {
				t.Fatal(err)
			}
			edit("py src/shop/serve.py", "def price(item):\n    return 1\n")()
		}, true},
	}
	for _, s := range steps {
		before := builds()
		s.do()
		if upToDate, out := tool.upToDate(t, dir); upToDate == s.rebuild {
			t.Errorf("changed %s: up to date = %v, want %v\n%s", s.change, upToDate, !s.rebuild, out)
		}
		tool.build(t, dir)
		want := 0
		if s.rebuild {
			want = 1
		}
		if n := builds() - before; n != want {
			t.Errorf("changed %s: pkgbuild ran %d times, want %d", s.change, n, want)
		}
		if upToDate, out := tool.upToDate(t, dir); !upToDate {
			t.Errorf("changed %s, then built: not up to date\n%s", s.change, out)
		}
	}
}

// withPkgbuild puts the pkgbuild under test first on PATH, for the
// Makefile's and build.ninja's `pkgbuild build`.
func withPkgbuild() []string {
	return []string{"PATH=" + filepath.Dir(pkgbuild) + string(os.PathListSeparator) + os.Getenv("PATH")}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
