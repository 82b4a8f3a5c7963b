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
// the cache may stand in front of it. The scan workers use it at the same
// time, so it must be safe for concurrent use.
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
//
// A finder is safe for concurrent use, as the scan workers look up the
// imports of the files they scan. Each folder is still read once, by the
// first goroutine that needs it, while the others wait for it. Goroutines
// that ask for the same new name at once may each look it up; they get the
// same answer, since the roots do not change during a build.
type finder struct {
	fs    FS
	roots []string

	mu      sync.Mutex
	folders map[string]*listing // guarded by mu; a listing guards itself

	foundMu sync.RWMutex
	found   map[string]Location // guarded by foundMu
}

// listing is one folder's entries, read by its first reader.
type listing struct {
	once    sync.Once
	ok      bool            // the folder exists and was listed
	entries map[string]bool // entry name -> is folder
	// exts maps a module stem to the extension module file that provides
	// it, the first in name order when there are several ("m" ->
	// "m.abi3.so" beside "m.cpython-311-x86_64-linux-gnu.so").
	exts map[string]string
}

func newFinder(fsys FS, roots []string) *finder {
	return &finder{fs: fsys, roots: roots, folders: map[string]*listing{}, found: map[string]Location{}}
}

// list returns the listing of dir, reading it on first use. A folder that
// cannot be read lists as empty.
func (f *finder) list(dir string) *listing {
	f.mu.Lock()
	l := f.folders[dir]
	if l == nil {
		l = &listing{}
		f.folders[dir] = l
	}
	f.mu.Unlock()
	l.once.Do(func() { l.read(f.fs, dir) })
	return l
}

func (l *listing) read(fsys FS, dir string) {
	des, err := fsys.ReadDir(dir)
	l.ok = err == nil
	if !l.ok {
		des = nil // what was read before the error is not trusted
	}
	l.entries = make(map[string]bool, len(des))
	for _, de := range des {
		isDir := de.IsDir()
		if de.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(filepath.Join(dir, de.Name())); err == nil {
				isDir = st.IsDir()
			}
		}
		l.entries[de.Name()] = isDir
	}
	for name, isDir := range l.entries {
		if isDir {
			continue
		}
		for _, stem := range extensionStems(name) {
			if cur, ok := l.exts[stem]; !ok || name < cur {
				if l.exts == nil {
					l.exts = map[string]string{}
				}
				l.exts[stem] = name
			}
		}
	}
}

// listed returns the folders that exist and were listed, sorted. It must
// not run while other goroutines use the finder.
func (f *finder) listed() []string {
	var out []string
	for dir, l := range f.folders {
		if l.ok {
			out = append(out, dir)
		}
	}
	sort.Strings(out)
	return out
}

// Find locates a dotted module name. A submodule is searched for only in
// the __path__ of its parent, so a.b is not found when a is a plain module.
func (f *finder) Find(name string) Location {
	f.foundMu.RLock()
	loc, ok := f.found[name]
	f.foundMu.RUnlock()
	if ok {
		return loc
	}
	if i := strings.LastIndexByte(name, '.'); i < 0 {
		loc = f.findIn(f.roots, name)
	} else if parent := f.Find(name[:i]); parent.Kind == Package || parent.Kind == Namespace {
		loc = f.findIn(parent.Dirs, name[i+1:])
	}
	f.foundMu.Lock()
	f.found[name] = loc
	f.foundMu.Unlock()
	return loc
}

// HasChild reports whether Find(parent + "." + name) finds anything, without
// building that name or remembering the answer.
func (f *finder) HasChild(parent, name string) bool {
	if strings.IndexByte(name, '.') >= 0 { // not a name Python imports; Find splits it
		return f.Find(parent+"."+name).Kind != NotFound
	}
	p := f.Find(parent)
	if p.Kind != Package && p.Kind != Namespace {
		return false
	}
	for _, dir := range p.Dirs {
		l := f.list(dir)
		if l.entries[name] { // a folder: a package, or a portion of a namespace package
			return true
		}
		if _, kind := l.pick(name); kind != NotFound {
			return true
		}
	}
	return false
}

func (f *finder) findIn(search []string, tail string) Location {
	var portions []string
	for _, dir := range search {
		l := f.list(dir)
		if l.entries[tail] {
			sub := filepath.Join(dir, tail)
			if init, kind := f.list(sub).pick("__init__"); kind != NotFound {
				return Location{Kind: packageKind(kind), File: filepath.Join(sub, init), Dirs: []string{sub}}
			}
			portions = append(portions, sub)
		}
		if file, kind := l.pick(tail); kind != NotFound {
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

// pick returns the file of the folder that provides module stem, in
// FileFinder's loader order: extension suffixes, then .py, then .pyc.
func (l *listing) pick(stem string) (string, Kind) {
	if file, ok := l.exts[stem]; ok {
		return file, Extension
	}
	if isDir, ok := l.entries[stem+".py"]; ok && !isDir {
		return stem + ".py", Module
	}
	if isDir, ok := l.entries[stem+".pyc"]; ok && !isDir {
		return stem + ".pyc", Bytecode
	}
	return "", NotFound
}

// extensionStems returns the stems of the modules a file provides as a
// compiled extension module: its name without ".so" or ".pyd" (m.so), and
// without a tag before that too when there is one, a tag being a single
// dotted word (m.abi3.so, m.cpython-311-x86_64-linux-gnu.so,
// m.cp311-win_amd64.pyd).
func extensionStems(name string) []string {
	for _, ext := range []string{".so", ".pyd"} {
		if base, ok := strings.CutSuffix(name, ext); ok {
			if i := strings.LastIndexByte(base, '.'); i >= 0 {
				return []string{base, base[:i]}
			}
			return []string{base}
		}
	}
	return nil
}

// walkPackage lists every .py file below the folders of a package, as
// torch's save_source_file does with a recursive glob, as (module, file,
// isPackage) in sorted order. Hidden folders and __pycache__ are skipped.
func (f *finder) walkPackage(name string, dirs []string) []treeFile {
	var out []treeFile
	seen := map[string]bool{}
	var walk func(mod, dir string)
	walk = func(mod, dir string) {
		entries := f.list(dir).entries
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
