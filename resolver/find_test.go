package resolver

import (
	"io/fs"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// findTree is two roots, laid out to exercise FileFinder's order.
var findTree = fstest.MapFS{
	"r/ext.py":                              {},
	"r/ext.cpython-311-x86_64-linux-gnu.so": {},
	"r/ext.abi3.so":                         {},
	"r/win.cp311-win_amd64.pyd":             {},
	"r/src.py":                              {},
	"r/src.pyc":                             {},
	"r/old.pyc":                             {},
	"r/pkg/__init__.py":                     {},
	"r/pkg.py":                              {},
	"r/cpkg/__init__.cpython-311-x86_64-linux-gnu.so": {},
	"r/ns/here.py":      {},
	"r2/ns/there.py":    {},
	"r/tag.anything.so": {},
	"r/many.a.b.so":     {},
	"r/dir.so/file.txt": {},
}

// Find answers as CPython's PathFinder would: a package before a module
// file, an extension module before a .py before a .pyc, and folders without
// __init__ in any root make a namespace package.
func TestFind(t *testing.T) {
	f := newFinder(findTree, []string{"r", "r2", "missing"})
	for name, want := range map[string]Location{
		"ext":       {Kind: Extension, File: "r/ext.abi3.so"},
		"win":       {Kind: Extension, File: "r/win.cp311-win_amd64.pyd"},
		"src":       {Kind: Module, File: "r/src.py"},
		"old":       {Kind: Bytecode, File: "r/old.pyc"},
		"pkg":       {Kind: Package, File: "r/pkg/__init__.py", Dirs: []string{"r/pkg"}},
		"cpkg":      {Kind: Extension, File: "r/cpkg/__init__.cpython-311-x86_64-linux-gnu.so", Dirs: []string{"r/cpkg"}},
		"ns":        {Kind: Namespace, Dirs: []string{"r/ns", "r2/ns"}},
		"ns.there":  {Kind: Module, File: "r2/ns/there.py"},
		"src.sub":   {}, // a module file is not a package
		"tag":       {Kind: Extension, File: "r/tag.anything.so"},
		"many":      {}, // a tag has no dots
		"dir":       {}, // dir.so is a folder
		"elsewhere": {},
	} {
		if diff := cmp.Diff(want, f.Find(name)); diff != "" {
			t.Errorf("Find(%q) (-want +got):\n%s", name, diff)
		}
	}
	want := []string{"r", "r/cpkg", "r/ns", "r/pkg", "r2", "r2/ns"}
	if diff := cmp.Diff(want, f.listed()); diff != "" {
		t.Errorf("listed folders (-want +got):\n%s", diff)
	}
}

// countingFS counts the listings of each folder.
type countingFS struct {
	fstest.MapFS
	mu    sync.Mutex
	reads map[string]int
}

func (c *countingFS) ReadDir(dir string) ([]fs.DirEntry, error) {
	c.mu.Lock()
	c.reads[dir]++
	c.mu.Unlock()
	return c.MapFS.ReadDir(dir)
}

// A finder is shared by the scan workers: however many goroutines look
// names up at once, each folder is listed once and every answer is the one
// a single goroutine gets.
func TestFindConcurrent(t *testing.T) {
	names := []string{"ext", "win", "src", "old", "pkg", "cpkg", "ns", "ns.there", "ns.here", "pkg.x", "src.sub", "tag", "many", "dir"}
	fsys := &countingFS{MapFS: findTree, reads: map[string]int{}}
	f := newFinder(fsys, []string{"r", "r2"})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, name := range names {
				f.Find(name)
			}
		}()
	}
	wg.Wait()
	for dir, n := range fsys.reads {
		if n != 1 {
			t.Errorf("%s was listed %d times", dir, n)
		}
	}
	alone := newFinder(findTree, []string{"r", "r2"})
	for _, name := range names {
		if diff := cmp.Diff(alone.Find(name), f.Find(name)); diff != "" {
			t.Errorf("Find(%q) differs from one goroutine's (-want +got):\n%s", name, diff)
		}
	}
}

// HasChild(p, c) answers what Find(p + "." + c) finds, for children that
// are packages, modules, namespace portions, extension and bytecode-only
// modules, folders beside files, and names that are no module at all.
func TestHasChildIsFind(t *testing.T) {
	tree := fstest.MapFS{
		"r/pkg/__init__.py":                 {},
		"r/pkg/mod.py":                      {},
		"r/pkg/sub/__init__.py":             {},
		"r/pkg/sub/leaf.py":                 {},
		"r/pkg/portion/x.py":                {},
		"r/pkg/fast.abi3.so":                {},
		"r/pkg/old.pyc":                     {},
		"r/pkg/data.txt":                    {},
		"r/pkg/cext/__init__.abi3.so":       {},
		"r/ns/a.py":                         {},
		"r2/ns/b/__init__.py":               {},
		"r/plain.py":                        {},
		"r/pkg/both/__init__.py":            {},
		"r/pkg/both.py":                     {},
		"r/pkg/weird.name.py":               {},
		"r/pkg/__pycache__/mod.cpython.pyc": {},
	}
	f := newFinder(tree, []string{"r", "r2"})
	fresh := newFinder(tree, []string{"r", "r2"})
	parents := []string{"pkg", "pkg.sub", "pkg.portion", "ns", "plain", "missing", "pkg.mod"}
	children := []string{"mod", "sub", "leaf", "portion", "x", "fast", "old", "data", "data.txt", "cext", "a", "b", "both",
		"weird", "weird.name", "__pycache__", "Symbol", "missing", ""}
	for _, p := range parents {
		for _, c := range children {
			want := fresh.Find(p+"."+c).Kind != NotFound
			if got := f.HasChild(p, c); got != want {
				t.Errorf("HasChild(%q, %q) = %v; Find(%q) found %v", p, c, got, p+"."+c, want)
			}
		}
	}
}
