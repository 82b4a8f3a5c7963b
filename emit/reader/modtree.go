package reader

import (
	"sort"
	"strings"
)

// The module tree PackageImporter builds when it opens an archive
// (torch/package/package_importer.py, _add_extern and _add_file, the same
// in 1.13 and today): externs first, then every record in archive order.

type nodeKind uint8

const (
	packageNode nodeKind = iota // a folder; source is its __init__.py, or ""
	moduleNode                  // a .py file
	externNode                  // a module listed in .data/extern_modules
)

type node struct {
	kind     nodeKind
	source   string
	children map[string]*node
}

func newPackage() *node { return &node{kind: packageNode, children: map[string]*node{}} }

// buildTree builds a.tree, a.modules and the tree's problems.
func (a *Archive) buildTree() {
	a.tree = newPackage()
	for _, ext := range a.externLines {
		atoms := strings.Split(ext, ".")
		pkg, _ := a.tree.getOrCreate(atoms[:len(atoms)-1])
		if pkg == nil || pkg.kind == externNode {
			continue // a shorter extern covers it
		}
		pkg.children[atoms[len(atoms)-1]] = &node{kind: externNode}
	}
	for _, r := range a.records {
		parts := strings.Split(r.name, "/")
		prefix, last := parts[:len(parts)-1], parts[len(parts)-1]
		if len(prefix) > 1 && prefix[0] == ".data" {
			continue
		}
		pkg, notPackage := a.tree.getOrCreate(prefix)
		if pkg == nil {
			a.problems = append(a.problems, a.errf(r.name,
				"inconsistent module structure: module %s is not a package, but has submodules", notPackage))
			continue
		}
		if pkg.kind == externNode {
			a.problems = append(a.problems, a.errf(r.name,
				"inconsistent module structure: package contains a module file %s that is a subpackage of a module marked external", r.name))
			continue
		}
		if last == "__init__.py" {
			pkg.source = r.name
		} else if stem, ok := strings.CutSuffix(last, ".py"); ok {
			pkg.children[stem] = &node{kind: moduleNode, source: r.name}
		}
	}
	a.tree.collect("", &a.modules)
	sort.Slice(a.modules, func(i, j int) bool { return a.modules[i].Name < a.modules[j].Name })
}

// getOrCreate walks to the package at atoms, creating packages on the way,
// as _get_or_create_package does. It stops at an extern, which it returns.
// When a module is in the way it returns nil and the module's name.
func (n *node) getOrCreate(atoms []string) (*node, string) {
	cur := n
	for i, atom := range atoms {
		next := cur.children[atom]
		if next == nil {
			next = newPackage()
			cur.children[atom] = next
		}
		switch next.kind {
		case externNode:
			return next, ""
		case moduleNode:
			// torch's message names atoms[:i], one short; this names the module.
			return nil, strings.Join(atoms[:i+1], ".")
		}
		cur = next
	}
	return cur, ""
}

// collect appends the modules below n, whose dotted name is name.
func (n *node) collect(name string, out *[]Module) {
	if n.kind == packageNode && n.source != "" && name != "" {
		*out = append(*out, Module{Name: name, Path: n.source, IsPackage: true})
	}
	for atom, c := range n.children {
		if atom == "" || strings.Contains(atom, ".") {
			continue // no import can name it
		}
		full := atom
		if name != "" {
			full = name + "." + atom
		}
		switch c.kind {
		case moduleNode:
			*out = append(*out, Module{Name: full, Path: c.source})
		case packageNode:
			c.collect(full, out)
		}
	}
}

// Origin says where PackageImporter would import a module from.
type Origin uint8

const (
	// Missing: PackageImporter raises ModuleNotFoundError.
	Missing Origin = iota
	// Packaged: a module or package of the archive, or a folder of it
	// (an implicit, empty package).
	Packaged
	// Extern: the module or a parent is in .data/extern_modules; it is
	// imported from the loading environment.
	Extern
	// Allowed: not in the archive, but in PackageImporter's
	// IMPLICIT_IMPORT_ALLOWLIST (numpy, numpy.core,
	// numpy.core._multiarray_umath; "builtins" since torch 2.x).
	Allowed
	// Importer: torch_package_importer, the PackageImporter itself.
	Importer
)

var originNames = [...]string{"missing", "package", "extern", "allowlist", "importer"}

func (o Origin) String() string { return originNames[o] }

// implicitAllowlist is IMPLICIT_IMPORT_ALLOWLIST of torch's
// package_importer.py: 1.13 lists the numpy modules, newer versions add
// builtins.
var implicitAllowlist = map[string]bool{
	"numpy":                        true,
	"numpy.core":                   true,
	"numpy.core._multiarray_umath": true,
	"builtins":                     true,
}

// Resolve says where PackageImporter.import_module(module) would find
// module, walking the module tree as _load_module does.
func (a *Archive) Resolve(module string) Origin {
	switch module {
	case "torch_package_importer":
		return Importer
	case "":
		return Missing // ValueError: Empty module name
	}
	cur := a.tree
	for _, atom := range strings.Split(module, ".") {
		next := cur.children[atom]
		if cur.kind != packageNode || next == nil {
			if implicitAllowlist[module] {
				return Allowed
			}
			return Missing
		}
		if next.kind == externNode {
			return Extern
		}
		cur = next
	}
	return Packaged
}
