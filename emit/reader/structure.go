package reader

import (
	"sort"
	"strings"

	"github.com/pkgbuild/pkgbuild/manifest"
)

// Directory is torch.package's file structure representation
// (torch/package/file_structure_representation.py, the same in 1.13 and
// today): a tree of folders and files built from record names.
type Directory struct {
	name     string
	isDir    bool
	children map[string]*Directory
}

// NewDirectory builds the tree of the names that match include and not
// exclude, as PackageImporter.file_structure(include=..., exclude=...)
// does: the patterns are torch GlobGroup patterns with "/" as separator.
// A nil or empty include means torch's default, "**".
func NewDirectory(names []string, include, exclude []string) (*Directory, error) {
	names, err := Filter(names, include, exclude)
	if err != nil {
		return nil, err
	}
	top := &Directory{isDir: true, children: map[string]*Directory{}}
	for _, name := range names {
		top.addFile(name)
	}
	return top, nil
}

// Filter returns, in their order, the names that file_structure(include=
// include, exclude=exclude) keeps: those that match an include pattern and
// no exclude pattern. A nil or empty include means "**". The only error is
// a pattern torch refuses (a "**" that is not a whole segment).
func Filter(names []string, include, exclude []string) ([]string, error) {
	if len(include) == 0 {
		include = []string{"**"}
	}
	g, err := manifest.CompileGlob(include, exclude, '/')
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range names {
		if g.Match(name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// addFile is Directory._add_file: every segment but the last is a folder,
// created if missing (and descended into even when it is a file); the last
// replaces whatever had its name.
func (d *Directory) addFile(name string) {
	parts := strings.Split(name, "/")
	cur := d
	for _, dir := range parts[:len(parts)-1] {
		next := cur.children[dir]
		if next == nil {
			next = &Directory{name: dir, isDir: true, children: map[string]*Directory{}}
			cur.children[dir] = next
		}
		cur = next
	}
	file := parts[len(parts)-1]
	cur.children[file] = &Directory{name: file, children: map[string]*Directory{}}
}

// HasFile is Directory.has_file: whether path names a file or a folder of
// the tree ("pkg", "pkg/mod.py"; not "pkg/mod").
func (d *Directory) HasFile(path string) bool {
	child, rest, more := strings.Cut(path, "/")
	c := d.children[child]
	if c == nil {
		return false
	}
	if !more {
		return true
	}
	return c.HasFile(rest)
}

// Format prints the tree as str(Directory) does, with root as the name
// of the top line.
func (d *Directory) Format(root string) string {
	var b strings.Builder
	top := *d
	top.name = root
	top.stringify(&b, "", "─── ")
	return b.String()
}

const (
	treeSpace  = "    "
	treeBranch = "│   "
	treeTee    = "├── "
	treeLast   = "└── "
)

// stringify is Directory._stringify_tree: this line, then the folders
// sorted, then the files sorted; the last folder gets "└── " only when
// there are no files.
func (d *Directory) stringify(b *strings.Builder, preamble, ptr string) {
	b.WriteString(preamble + ptr + d.name + "\n")
	if ptr == treeTee {
		preamble += treeBranch
	} else {
		preamble += treeSpace
	}
	var dirs, files []string
	for k, c := range d.children {
		if c.isDir {
			dirs = append(dirs, k)
		} else {
			files = append(files, k)
		}
	}
	// Go orders strings by bytes, which for UTF-8 is code point order,
	// Python's order for str.
	sort.Strings(dirs)
	sort.Strings(files)
	for i, k := range dirs {
		p := treeTee
		if i == len(dirs)-1 && len(files) == 0 {
			p = treeLast
		}
		d.children[k].stringify(b, preamble, p)
	}
	for i, k := range files {
		p := treeTee
		if i == len(files)-1 {
			p = treeLast
		}
		b.WriteString(preamble + p + k + "\n")
	}
}

// FileStructure returns exactly what
// str(PackageImporter(root).file_structure(include=include, exclude=exclude))
// returns for an archive whose records are names: a tree whose first line
// is "─── " + root. A nil or empty include means "**".
func FileStructure(names []string, root string, include, exclude []string) (string, error) {
	d, err := NewDirectory(names, include, exclude)
	if err != nil {
		return "", err
	}
	return d.Format(root), nil
}

// HasFile reports what PackageImporter.file_structure().has_file(path)
// reports for an archive whose records are names: true for a record and
// for a folder of one.
func HasFile(names []string, path string) bool {
	d, err := NewDirectory(names, nil, nil)
	if err != nil {
		panic(err) // "**" always compiles
	}
	return d.HasFile(path)
}
