package resolver

import "github.com/pkgbuild/pkgbuild/manifest"

// ConfigFrom turns a validated manifest into the resolver's plain input.
func ConfigFrom(m *manifest.Manifest) *Config {
	pos := func(p manifest.Pos) Pos { return Pos{File: p.File, Line: p.Line} }
	cfg := &Config{
		Python:       m.Python.MajorMinor(),
		Roots:        m.Roots,
		TorchParents: m.Parents == manifest.ParentsTorch,
	}
	for _, x := range m.Modules {
		cfg.Modules = append(cfg.Modules, Entry{Name: x.Name, Pos: pos(x.Pos)})
	}
	for _, x := range m.Trees {
		cfg.Trees = append(cfg.Trees, Entry{Name: x.Name, Pos: pos(x.Pos)})
	}
	actions := map[manifest.Action]Action{
		manifest.Intern: Intern, manifest.Extern: Extern,
		manifest.Mock: Mock, manifest.Deny: Deny,
	}
	for _, r := range m.Rules {
		cfg.Rules = append(cfg.Rules, Rule{Action: actions[r.Action], Match: r.Glob, AllowEmpty: r.AllowEmpty, Pos: pos(r.Pos)})
	}
	for _, s := range m.Sources {
		cfg.Sources = append(cfg.Sources, Source{Module: s.Module, File: s.File, IsPackage: s.Package, Pos: pos(s.Pos)})
	}
	for _, p := range m.Pickles {
		cfg.Pickles = append(cfg.Pickles, Pickle{Package: p.Package, Name: p.Name, File: p.File, Pos: pos(p.Pos)})
	}
	for _, r := range m.Resources {
		cfg.Resources = append(cfg.Resources, Resource{Package: r.Package, Name: r.Name, File: r.File, Pos: pos(r.Pos)})
	}
	for _, h := range m.Hidden {
		var imports []string
		for _, x := range h.Imports {
			imports = append(imports, x.Name)
		}
		cfg.Hidden = append(cfg.Hidden, Edges{From: h.Importers, Imports: imports, Pos: pos(h.Pos)})
	}
	for _, ig := range m.Ignore {
		cfg.Ignore = append(cfg.Ignore, Edges{From: ig.Importers, Match: ig.Imported, Pos: pos(ig.Pos)})
	}
	return cfg
}
