// Command gen writes a synthetic Python project for pkgbuild's benchmark:
//
//	go run ./bench/gen -n 50000 -o DIR [-seed 1]
//
// DIR/src holds N modules (every .py file, __init__.py included) in nested
// packages (depth 1 to 5, uneven fan-out), with file sizes drawn from a
// lognormal fit of CPython's own library (mean about 17 KB), absolute and
// relative imports (`import a.b`, `import a.b as c`, `from . import x`,
// `from ..a import b`, `from a.b import Name`), imports inside functions,
// optional imports in try/except ImportError, `if TYPE_CHECKING:` imports,
// references to the standard library and to torch, and a few import
// cycles. Every module can be imported by CPython (torch.package imports
// them all), and the output is the same for the same -n and -seed.
//
// Next to src it writes pkgbuild.toml, which interns the whole tree, and
// export_torch.py, the same export done with torch.package's
// PackageExporter.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

func main() {
	n := flag.Int("n", 1000, "number of modules (.py files) to write")
	out := flag.String("o", "", "output folder (required); its src/ is replaced when -force is given")
	seed := flag.Uint64("seed", 1, "random seed: the same -n and -seed write the same files")
	force := flag.Bool("force", false, "replace DIR/src if it exists")
	flag.Parse()
	if *out == "" || *n < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench/gen -n N -o DIR [-seed S] [-force]")
		os.Exit(2)
	}
	st, err := generate(*out, *n, *seed, *force)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Println(st)
}

// stats summarizes a generated tree.
type stats struct {
	modules, packages, maxDepth, cycles int
	bytes                               int64
	tops                                []string
}

func (s stats) String() string {
	return fmt.Sprintf("%d modules (%d packages, depth <= %d, %d import cycles), %.1f MB, mean %.1f KB; top packages: %s",
		s.modules, s.packages, s.maxDepth, s.cycles, float64(s.bytes)/1e6, float64(s.bytes)/float64(s.modules)/1e3, strings.Join(s.tops, " "))
}

// generate writes the tree, the manifest and the torch script into dir.
func generate(dir string, n int, seed uint64, force bool) (stats, error) {
	var st stats
	src := filepath.Join(dir, "src")
	if _, err := os.Stat(src); err == nil {
		if !force {
			return st, fmt.Errorf("%s exists; pass -force to replace it", src)
		}
		if err := os.RemoveAll(src); err != nil {
			return st, err
		}
	}
	t := buildTree(n, seed)
	// Folders first, in order, then files in parallel.
	for i, m := range t.mods {
		if m.isPkg {
			st.packages++
			if err := os.MkdirAll(filepath.Join(src, filepath.FromSlash(strings.ReplaceAll(m.name, ".", "/"))), 0o755); err != nil {
				return st, err
			}
		}
		if d := t.mods[i].depth; d > st.maxDepth {
			st.maxDepth = d
		}
	}
	// maxDepth above is module depth; report package depth.
	st.maxDepth--
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		errs  []error
		total int64
	)
	jobs := make(chan int, 256)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sum int64
			for i := range jobs {
				b := t.source(i)
				sum += int64(len(b))
				if err := os.WriteFile(filepath.Join(src, filepath.FromSlash(t.path(i))), b, 0o644); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
			mu.Lock()
			total += sum
			mu.Unlock()
		}()
	}
	for i := range t.mods {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if len(errs) > 0 {
		return st, errors.Join(errs...)
	}
	st.modules = len(t.mods)
	st.bytes = total
	st.cycles = t.cycles
	for _, i := range t.tops {
		st.tops = append(st.tops, t.mods[i].name)
	}
	if err := os.WriteFile(filepath.Join(dir, "pkgbuild.toml"), []byte(t.manifest(n, seed)), 0o644); err != nil {
		return st, err
	}
	if err := os.WriteFile(filepath.Join(dir, "export_torch.py"), []byte(t.torchScript(n, seed)), 0o755); err != nil {
		return st, err
	}
	return st, nil
}

func (t *tree) topNames() []string {
	var out []string
	for _, i := range t.tops {
		out = append(out, t.mods[i].name)
	}
	return out
}

func tomlList(list []string) string {
	return "[" + quoteList(list) + "]"
}

// manifest returns pkgbuild.toml for the tree.
func (t *tree) manifest(n int, seed uint64) string {
	tops := t.topNames()
	var globs []string
	for _, p := range tops {
		globs = append(globs, p+".**")
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# Written by bench/gen -n %d -seed %d: a synthetic project of %d modules.
# export_torch.py does the same export with torch.package's PackageExporter.
output = "build/gen.pt"
python = "3.11"
roots = ["src"]
trees = %s

[[rule]]
extern = ["sys", "io"]  # torch.package never externs these two implicitly

[[rule]]
extern = %s  # optional speed-ups, imported in try/except ImportError

[[rule]]
intern = %s
`, n, seed, len(t.mods), tomlList(tops), tomlList(optionalGlobs()), tomlList(globs))
	return b.String()
}

// torchScript returns export_torch.py: the manifest's export done with
// torch.package, for comparison.
func (t *tree) torchScript(n int, seed uint64) string {
	tops := t.topNames()
	var globs []string
	for _, p := range tops {
		globs = append(globs, p+".**")
	}
	return fmt.Sprintf(`#!/usr/bin/python3
"""Written by bench/gen -n %d -seed %d: pkgbuild.toml's export, done by torch.package.

usage: /usr/bin/python3 export_torch.py [OUT]   (default: build/gen-torch.pt)
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "src"))

from torch.package import PackageExporter

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "build", "gen-torch.pt")
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
with PackageExporter(out) as exporter:
    exporter.extern(["sys", "io"])
    exporter.extern(%s)
    exporter.intern(%s)
    for top in %s:
        exporter.save_source_file(top, os.path.join(here, "src", top))
print(out)
`, n, seed, pyList(optionalGlobs()), pyList(globs), pyList(tops))
}

func pyList(list []string) string { return "[" + quoteList(list) + "]" }
