package resolver_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pkgbuild/pkgbuild/manifest"
	"github.com/pkgbuild/pkgbuild/resolver"
)

// [[from_package]] gives the resolver pickles and sources as bytes (Data),
// with File naming the record in its archive. An archive's module yields to
// a [[source]] and to the roots; the others are provided, scanned from
// Data, and never listed as inputs.
func TestFromArchive(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"app/__init__.py":  "",
		"app/tree.py":      "import json\n",
		"patches/local.py": "X = 1\n",
	})
	archive := filepath.Join(dir, "w.pt")
	rec := func(name string) string { return filepath.Join(archive, name) }
	glob, err := manifest.CompileGlob([]string{"app.**"}, nil, '.')
	if err != nil {
		t.Fatal(err)
	}
	cfg := &resolver.Config{
		Python: "3.11",
		Roots:  []string{dir},
		Rules:  []resolver.Rule{{Action: resolver.Intern, Match: glob, AllowEmpty: true}},
		Sources: []resolver.Source{
			{Module: "app.local", File: filepath.Join(dir, "patches/local.py")},
			{Module: "app.tree", File: rec("app/tree.py"), Data: []byte("import broken\n"), FromArchive: true},
			{Module: "app.local", File: rec("app/local.py"), Data: []byte("import broken\n"), FromArchive: true},
			{Module: "app.extra", File: rec("app/extra.py"), Data: []byte("import app.tree\n"), FromArchive: true},
			{Module: "app.bad", File: rec("app/bad.py"), Data: []byte("def (\n"), FromArchive: true},
		},
		Pickles: []resolver.Pickle{{Package: "model", Name: "m.pkl", File: rec("model/m.pkl"),
			Data: []byte("\x80\x03capp.extra\nThing\nq\x00.")}},
		Resources: []resolver.Resource{{Package: "app.assets", Name: "x.txt", File: rec("app/assets/x.txt"), FromArchive: true}},
	}
	g, err := resolver.Resolve(cfg, resolver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]struct {
		why, file string
		data      bool
	}{
		"app.local": {"[[source]]", filepath.Join(dir, "patches/local.py"), false},
		"app.tree":  {"rule 1", filepath.Join(dir, "app/tree.py"), false},
		"app.extra": {"[[from_package]]", rec("app/extra.py"), true},
		"app.bad":   {"[[from_package]]", rec("app/bad.py"), true},
	} {
		n := g.Nodes[name]
		if n == nil {
			t.Errorf("%s is not in the graph", name)
			continue
		}
		if n.Why != want.why || n.File != want.file || (n.Data != nil) != want.data {
			t.Errorf("%s: why %q file %q data %t; want %q %q %t", name, n.Why, n.File, n.Data != nil, want.why, want.file, want.data)
		}
	}
	if n := g.Nodes["<model.m.pkl>"]; n == nil || !slices.Equal(n.Deps, []string{"app.extra"}) {
		t.Errorf("pickle node %+v, want one depending on app.extra", n)
	}
	var problems []string
	for _, p := range g.Problems {
		problems = append(problems, p.Reason.String()+" "+p.Module+" "+strings.TrimPrefix(p.File, dir))
	}
	if want := []string{"Module is not valid Python, so its dependencies cannot be resolved. app.bad /w.pt/app/bad.py"}; !slices.Equal(problems, want) {
		t.Errorf("problems %q, want %q (nothing imports \"broken\": the archive's app.tree and app.local are not used)", problems, want)
	}
	for _, in := range g.Inputs {
		if strings.HasPrefix(in, archive) {
			t.Errorf("input %s is a record of an archive, not a file", in)
		}
	}
}
