package scanner

import (
	"sort"
	"strings"
)

// ModuleRefs returns Refs for the file as the source of module, with the
// package argument torch's PackageExporter._get_dependencies passes: the
// module itself when it is a package, else module.rsplit(".", 1)[0], which
// is the module's own name at the top level.
func (f *File) ModuleRefs(module string, isPackage bool) ([]Ref, error) {
	pkg := module
	if !isPackage {
		if i := strings.LastIndexByte(module, '.'); i >= 0 {
			pkg = module[:i]
		}
	}
	return f.Refs(pkg)
}

// Refs returns the (module, name) references torch.package 1.13's
// find_files_source_depends_on(src, pkg) returns for the file, in the same
// order and deduplicated the same way. pkg is the package argument torch's
// PackageExporter passes: the module's own name for a package's
// __init__.py, else the name of the package that contains it.
//
// It fails with a *RelativeImportError when a `from ... import` reaches
// above the top of pkg (torch raises ValueError there). Relative
// __import__ calls that reach above the top are dropped silently, as torch
// drops them.
func (f *File) Refs(pkg string) ([]Ref, error) {
	order := make([]*Stmt, len(f.Stmts))
	direct := true
	for i := range f.Stmts {
		v := f.Stmts[i].Visit
		if v < 0 || v >= len(order) || order[v] != nil {
			direct = false
			break
		}
		order[v] = &f.Stmts[i]
	}
	if !direct {
		for i := range f.Stmts {
			order[i] = &f.Stmts[i]
		}
		sort.SliceStable(order, func(i, j int) bool { return order[i].Visit < order[j].Visit })
	}

	type key struct {
		module, name string
		hasName      bool
	}
	n := 0 // about how many refs there will be
	for i := range f.Stmts {
		n += max(len(f.Stmts[i].Names), 1)
	}
	refs := make([]Ref, 0, n)
	seen := make(map[key]int, n)
	add := func(module, name string, hasName bool, st *Stmt) {
		k := key{module, name, hasName}
		if i, ok := seen[k]; ok {
			refs[i].Optional = refs[i].Optional && st.Optional
			return
		}
		seen[k] = len(refs)
		refs = append(refs, Ref{Module: module, Name: name, HasName: hasName, Line: st.Line, Optional: st.Optional})
	}
	addNames := func(module string, names []string, st *Stmt) {
		for _, n := range names {
			if n == "*" {
				add(module, "", false, st)
			} else {
				add(module, n, true, st)
			}
		}
	}
	for _, st := range order {
		switch st.Kind {
		case Import:
			add(st.Module, "", false, st)
		case From:
			module, ok := absModule(st.Module, pkg, st.Level)
			if !ok {
				return nil, &RelativeImportError{Line: st.Line}
			}
			addNames(module, st.Names, st)
		case DunderImport:
			if len(st.Names) == 0 {
				// Without a fromlist, __import__ returns the top-level
				// package; torch records the name as written, unresolved,
				// and its parent resolved with the level.
				add(st.Module, "", false, st)
				parent := st.Module
				if i := strings.LastIndexByte(parent, '.'); i >= 0 {
					parent = parent[:i]
				}
				if parent != st.Module {
					if module, ok := absModule(parent, pkg, st.Level); ok {
						add(module, "", false, st)
					}
				}
				continue
			}
			if module, ok := absModule(st.Module, pkg, st.Level); ok {
				addNames(module, st.Names, st)
			}
		}
	}
	return refs, nil
}

// absModule resolves a module name relative to pkg the way importlib's
// _resolve_name does (and torch's copy of it): level 1 is pkg itself, each
// further level drops one trailing component of pkg; it fails when pkg has
// fewer components than level.
func absModule(name, pkg string, level int) (string, bool) {
	if level <= 0 {
		return name, true
	}
	base := pkg
	for splits := 0; splits < level-1; splits++ {
		i := strings.LastIndexByte(base, '.')
		if i < 0 {
			return "", false
		}
		base = base[:i]
	}
	if name == "" {
		return base, true
	}
	return base + "." + name, true
}
