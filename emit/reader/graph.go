package reader

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/pkgbuild/pkgbuild/resolver"
	"github.com/pkgbuild/pkgbuild/scanner"
	"github.com/pkgbuild/pkgbuild/scanner/pickle"
)

// mockStub is the source torch's PackageExporter (_MOCK_IMPL) and
// pkgbuild (emit.MockStub) write for every mocked module.
const mockStub = "from _mock import MockedObject\n" +
	"def __getattr__(attr: str):\n" +
	"    return MockedObject(__name__ + '.' + attr, _suppress_err=True)\n"

// Why texts of the nodes Graph makes.
const (
	whyPackaged   = "packaged source"
	whyMockStub   = "mock stub"
	whyMockModule = "the mock implementation"
	whyFolder     = "folder without __init__.py (empty package)"
	whyExtern     = "listed in .data/extern_modules"
	whyAllowlist  = "PackageImporter's implicit allowlist"
	whyMissing    = "missing: neither packaged nor extern"
)

// Graph rebuilds the package's dependency graph from the archive alone,
// as torch's PackageExporter recorded it, without running anything:
//
//   - every module of [Archive.Modules] is a node: Intern, or Mock when its
//     source is the mock stub, or MockModule for _mock; File is its record;
//   - an interned module depends on what its source imports: each
//     (module, name) reference of scanner's File.Refs is a dependency on
//     module.name when the archive holds that module (or folder), else on
//     module when the archive holds it or it is extern, else on module as
//     a node with no action (NoAction, Why "missing: neither packaged nor extern"). Mock stubs and
//     _mock are not scanned, as torch does not scan them;
//   - every pickle (a *.pkl record outside .data) is a node
//     "<package.name>" (IsPickle, Why "pickle") that depends on the modules
//     its globals import (pickle.Info.Modules), decided the same way;
//   - every module of .data/extern_modules is an Extern leaf, and so is
//     anything an extern covers ("numpy.linalg" below "numpy");
//   - torch_package_importer, which PackageImporter provides itself, is no
//     dependency.
//
// Parent packages are no dependencies of their submodules (torch's graph
// has no such edges either). Order walks from the pickles and the modules
// nothing depends on, in archive order. A source that is not valid Python
// or a pickle that cannot be read adds a Problem (BadPython, BadPickle)
// and what could be read of it; Graph fails only when a record cannot be
// read.
func (a *Archive) Graph() (*resolver.Graph, error) {
	nodes := map[string]*resolver.Node{}
	var problems resolver.Problems
	for _, m := range a.modules {
		n := &resolver.Node{Name: m.Name, Action: resolver.Intern, Why: whyPackaged, Rule: -1,
			IsPackage: m.IsPackage, File: m.Path}
		nodes[m.Name] = n
		src, err := a.Read(m.Path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", m.Path, err)
		}
		switch {
		case m.Name == "_mock":
			n.Action, n.Why = resolver.MockModule, whyMockModule
		case string(src) == mockStub:
			n.Action, n.Why = resolver.Mock, whyMockStub
		default:
			if p := a.sourceDeps(n, src); p != nil {
				problems = append(problems, p)
			}
		}
	}
	for _, ext := range a.externs {
		if nodes[ext] == nil {
			nodes[ext] = &resolver.Node{Name: ext, Action: resolver.Extern, Why: whyExtern, Rule: -1}
		}
	}
	var pickles []string
	for _, rec := range a.Pickles() {
		if strings.HasPrefix(rec, ".data/") {
			continue
		}
		dir, file := path.Split(rec)
		name := fmt.Sprintf("<%s.%s>", strings.ReplaceAll(strings.TrimSuffix(dir, "/"), "/", "."), file)
		n := &resolver.Node{Name: name, Action: resolver.Intern, Why: "pickle", Rule: -1, IsPickle: true, File: rec}
		nodes[name] = n
		pickles = append(pickles, name)
		data, err := a.Read(rec)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", rec, err)
		}
		info, err := pickle.Scan(data)
		if err != nil {
			problems = append(problems, &resolver.Problem{Reason: resolver.BadPickle, Module: name, File: rec, Context: err.Error()})
		}
		for _, m := range info.Modules() {
			if d, ok := a.depOn(m); ok && !contains(n.Deps, d) {
				n.Deps = append(n.Deps, d)
			}
		}
	}
	// Add the nodes the dependencies name that are not modules or externs.
	for _, n := range sortedNodes(nodes) {
		for _, d := range n.Deps {
			if nodes[d] == nil {
				nodes[d] = a.otherNode(d)
			}
		}
	}
	imported := map[string]bool{}
	for _, n := range nodes {
		for _, d := range n.Deps {
			imported[d] = true
		}
	}
	rank := map[string]int{}
	for i, r := range a.records {
		rank[r.name] = i
	}
	starts := append([]string(nil), pickles...)
	var roots []*resolver.Node
	for _, n := range nodes {
		if !imported[n.Name] && !n.IsPickle && n.File != "" {
			roots = append(roots, n)
		}
	}
	sort.Slice(roots, func(i, j int) bool { return rank[roots[i].File] < rank[roots[j].File] })
	for _, n := range roots {
		starts = append(starts, n.Name)
	}
	g := resolver.NewGraph(nodes, starts)
	problems.Sort()
	g.Problems = problems
	return g, nil
}

// sourceDeps sets n.Deps from the imports of the module's source.
func (a *Archive) sourceDeps(n *resolver.Node, src []byte) *resolver.Problem {
	bad := func(err error, line int) *resolver.Problem {
		return &resolver.Problem{Reason: resolver.BadPython, Module: n.Name, File: n.File, Line: line, Context: err.Error()}
	}
	f, err := scanner.Parse(src)
	if err != nil {
		line := 0
		if se, ok := err.(*scanner.SyntaxError); ok {
			line = se.Line
		}
		return bad(err, line)
	}
	refs, err := f.ModuleRefs(n.Name, n.IsPackage)
	var p *resolver.Problem
	if err != nil {
		line := 0
		if re, ok := err.(*scanner.RelativeImportError); ok {
			line = re.Line
		}
		p = bad(err, line)
	}
	for _, ref := range refs {
		d, ok := "", false
		if ref.HasName {
			if sub := ref.Module + "." + ref.Name; a.Resolve(sub) == Packaged {
				d, ok = sub, true
			}
		}
		if !ok {
			d, ok = a.depOn(ref.Module)
		}
		if ok && d != n.Name && !contains(n.Deps, d) {
			n.Deps = append(n.Deps, d)
		}
	}
	return p
}

// depOn is the dependency a reference to module makes: module itself,
// except torch_package_importer and the empty name, which make none.
func (a *Archive) depOn(module string) (string, bool) {
	switch a.Resolve(module) {
	case Importer:
		return "", false
	case Missing:
		if module == "" {
			return "", false
		}
	}
	return module, true
}

// otherNode is the node of a dependency that is neither a module of the
// archive nor an extern it lists.
func (a *Archive) otherNode(name string) *resolver.Node {
	n := &resolver.Node{Name: name, Rule: -1}
	switch a.Resolve(name) {
	case Packaged:
		n.Action, n.Why, n.IsPackage = resolver.Intern, whyFolder, true
	case Extern:
		n.Action, n.Why = resolver.Extern, whyExtern
		for _, ext := range a.externs {
			if strings.HasPrefix(name, ext+".") {
				n.Why = "below extern " + ext
				break
			}
		}
	case Allowed:
		n.Action, n.Why = resolver.Extern, whyAllowlist
	default:
		n.Action, n.Why = resolver.NoAction, whyMissing
	}
	return n
}

func sortedNodes(nodes map[string]*resolver.Node) []*resolver.Node {
	out := make([]*resolver.Node, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
