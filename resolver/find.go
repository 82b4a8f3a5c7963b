package resolver

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// FS is the file system a build reads. The default, OSFS, is the real one;
// the cache may stand in front of it.
type FS interface {
	ReadFile(path string) ([]byte, error)
	ReadDir(path string) ([]fs.DirEntry, error)
}

// OSFS reads the operating system's file system.
type OSFS struct{}

func (OSFS) ReadFile(path string) ([]byte, error)       { return os.ReadFile(path) }
func (OSFS) ReadDir(path string) ([]fs.DirEntry, error) { return os.ReadDir(path) }

// Kind is what a module name was found to be in the roots.
type Kind uint8

const (
	NotFound  Kind = iota
	Package        // a folder with __init__.py
	Module         // a .py file
	Namespace      // folders without __init__.py, in one or more roots (PEP 420)
	Extension      // a compiled extension module (.so, .pyd): cannot be interned
	Bytecode       // a .pyc without source: cannot be interned
)

func (k Kind) String() string {
	return [...]string{"not found", "package", "module", "namespace package", "extension module", "bytecode-only module"}[k]
}

// Location is where a module lives in the roots.
type Location struct {
	Kind Kind
	File string   // __init__.py, the .py, the .so or the .pyc; "" for a namespace package
	Dirs []string // the package's __path__ (Package and Namespace)
}

// finder finds modules in the roots as CPython's PathFinder and FileFinder
// would: in each folder of the search path, a package (a sub-folder with an
// __init__ file) wins over a module file, an extension module wins over a .py,
// which wins over a .pyc, and folders without __init__ become portions of a
// namespace package only when nothing else matches in any folder. Directory
// listings are read once and cached, so a tree of N modules costs one
// ReadDir per folder.
type finder struct {
	fs    FS
	roots []string

	mu     sync.Mutex
	dirs   map[string]map[string]bool // folder -> entry name -> is folder
	listed map[string]bool            // folders that exist and were listed
	found  map[string]Location
}

func newFinder(fsys FS, roots []string) *finder {
	return &finder{fs: fsys, roots: roots, dirs: map[string]map[string]bool{}, listed: map[string]bool{}, found: map[string]Location{}}
}

func (f *finder) list(dir string) map[string]bool {
	f.mu.Lock()
	entries, ok := f.dirs[dir]
	f.mu.Unlock()
	if ok {
		return entries
	}
	des, err := f.fs.ReadDir(dir)
	entries = make(map[string]bool, len(des))
	if err == nil {
		for _, de := range des {
			isDir := de.IsDir()
			if de.Type()&fs.ModeSymlink != 0 {
				if st, err := os.Stat(filepath.Join(dir, de.Name())); err == nil {
					isDir = st.IsDir()
				}
			}
			entries[de.Name()] = isDir
		}
	}
	f.mu.Lock()
	f.dirs[dir] = entries
	if err == nil {
		f.listed[dir] = true
	}
	f.mu.Unlock()
	return entries
}

// Find locates a dotted module name. A submodule is searched for only in
// the __path__ of its parent, so a.b is not found when a is a plain module.
func (f *finder) Find(name string) Location {
	f.mu.Lock()
	loc, ok := f.found[name]
	f.mu.Unlock()
	if ok {
		return loc
	}
	search := f.roots
	tail := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		parent := f.Find(name[:i])
		if parent.Kind != Package && parent.Kind != Namespace {
			loc = Location{}
			f.remember(name, loc)
			return loc
		}
		search, tail = parent.Dirs, name[i+1:]
	}
	loc = f.findIn(search, tail)
	f.remember(name, loc)
	return loc
}

func (f *finder) remember(name string, loc Location) {
	f.mu.Lock()
	f.found[name] = loc
	f.mu.Unlock()
}

func (f *finder) findIn(search []string, tail string) Location {
	var portions []string
	for _, dir := range search {
		entries := f.list(dir)
		if entries[tail] {
			sub := filepath.Join(dir, tail)
			if init, kind := pickFile(f.list(sub), "__init__"); kind != NotFound {
				return Location{Kind: packageKind(kind), File: filepath.Join(sub, init), Dirs: []string{sub}}
			}
			portions = append(portions, sub)
		}
		if file, kind := pickFile(entries, tail); kind != NotFound {
			return Location{Kind: kind, File: filepath.Join(dir, file)}
		}
	}
	if len(portions) > 0 {
		return Location{Kind: Namespace, Dirs: portions}
	}
	return Location{}
}

// packageKind maps the kind of an __init__ file to the kind of its package:
// an __init__.py makes a Package; a compiled __init__ keeps its own kind,
// which the resolver reports as not internable.
func packageKind(k Kind) Kind {
	if k == Module {
		return Package
	}
	return k
}

// pickFile returns the file in a folder listing that provides module stem,
// in FileFinder's loader order: extension suffixes, then .py, then .pyc.
func pickFile(entries map[string]bool, stem string) (string, Kind) {
	var exts []string
	for name, isDir := range entries {
		if isDir || !strings.HasPrefix(name, stem+".") {
			continue
		}
		suffix := name[len(stem):]
		if isExtensionSuffix(suffix) {
			exts = append(exts, name)
		}
	}
	if len(exts) > 0 {
		sort.Strings(exts)
		return exts[0], Extension
	}
	if isDir, ok := entries[stem+".py"]; ok && !isDir {
		return stem + ".py", Module
	}
	if isDir, ok := entries[stem+".pyc"]; ok && !isDir {
		return stem + ".pyc", Bytecode
	}
	return "", NotFound
}

// isExtensionSuffix reports whether suffix (".so", ".cpython-311-x86_64-linux-gnu.so",
// ".abi3.so", ".pyd", ".cp311-win_amd64.pyd") names a compiled extension module.
func isExtensionSuffix(suffix string) bool {
	for _, ext := range []string{".so", ".pyd"} {
		if !strings.HasSuffix(suffix, ext) {
			continue
		}
		mid := strings.TrimSuffix(suffix, ext)
		return mid == "" || (strings.Count(mid, ".") == 1 && strings.HasPrefix(mid, "."))
	}
	return false
}

// walkPackage lists every .py file below the folders of a package, as
// torch's save_source_file does with a recursive glob, as (module, file,
// isPackage) in sorted order. Hidden folders and __pycache__ are skipped.
func (f *finder) walkPackage(name string, dirs []string) []treeFile {
	var out []treeFile
	seen := map[string]bool{}
	var walk func(mod, dir string)
	walk = func(mod, dir string) {
		entries := f.list(dir)
		names := make([]string, 0, len(entries))
		for n := range entries {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if entries[n] {
				if strings.HasPrefix(n, ".") || n == "__pycache__" {
					continue
				}
				walk(mod+"."+n, filepath.Join(dir, n))
				continue
			}
			if !strings.HasSuffix(n, ".py") {
				continue
			}
			tf := treeFile{Module: mod + "." + strings.TrimSuffix(n, ".py"), File: filepath.Join(dir, n)}
			if n == "__init__.py" {
				tf.Module, tf.IsPackage = mod, true
			}
			if !seen[tf.Module] {
				seen[tf.Module] = true
				out = append(out, tf)
			}
		}
	}
	for _, d := range dirs {
		walk(name, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Module < out[j].Module })
	return out
}

type treeFile struct {
	Module    string
	File      string
	IsPackage bool
}
