package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pkgbuild/pkgbuild/emit"
	"github.com/pkgbuild/pkgbuild/manifest"
	"github.com/pkgbuild/pkgbuild/resolver"
)

func init() {
	register(&command{
		name:    "graph",
		summary: "print the dependency graph of a manifest or a package",
		usage: `usage: pkgbuild graph [-m MANIFEST | PKG] [--why MODULE | --rdeps MODULE] [--json]

Prints the dependency graph in Graphviz DOT, in the form of torch's
dependency_graph_string(): one edge per import, nodes in the order torch's
PackageExporter adds them. Pickles appear as "<package.name>".

With -m MANIFEST (the default is ./pkgbuild.toml) the manifest is resolved
as for build, without writing a package. With PKG, a torch.package archive
(a zip file or an unzipped archive folder, written by torch or by pkgbuild),
the graph is rebuilt from the archive alone, without running anything: each
packaged module depends on what its source imports ("from m import n" on
m.n when the archive holds m.n, else on m), each pickle on the modules its
globals import, and externs are leaves. An import the archive neither holds
nor externs is a node with action "none" (missing). Mocked modules and
_mock are not scanned, as torch does not scan them; parent packages are no
edges of their submodules, as in torch's graph.

--why MODULE prints every import path from an entry to MODULE, one per line
("a -> b -> c"), shortest first, like torch's all_paths(): entries are the
pickles, the manifest's modules, trees and [[source]]s, and every module
nothing imports. At most --max-paths paths are printed; the last line says
so when there are more. --rdeps MODULE prints the modules that import MODULE
directly, one per line, like get_rdeps(). For both, a MODULE that is not in
the graph is exit code 1.

--json prints one JSON object instead:
  graph:   {"source", "kind": "manifest"|"package", "entries": [...],
            "nodes": [{"name", "action", "why", "pickle", "file", "deps": [...]}, ...],
            "edges": [{"from", "to"}, ...]}
  --why:   {"module", "paths": [["a", "b", "c"], ...], "capped": false}
  --rdeps: {"module", "rdeps": [...]}
where action is "intern", "extern", "mock", "deny", "mock-module", "skip"
or "none", and nodes come in graph order.

Examples:
  pkgbuild graph -m examples/tinynet/pkgbuild.toml | dot -Tsvg > graph.svg
  pkgbuild graph --why regex build/tinynet.pt
  pkgbuild graph --rdeps tinynet.config -m examples/tinynet/pkgbuild.toml
`,
		run: runGraph,
	})
}

// defaultMaxPaths caps the paths --why prints.
const defaultMaxPaths = 100

func runGraph(e *env, args []string) int {
	c := lookup("graph")
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	var gf graphFlags
	gf.register(fs)
	why := fs.String("why", "", "print every import path from an entry to this module")
	rdeps := fs.String("rdeps", "", "print the modules that import this module directly")
	maxPaths := fs.Int("max-paths", defaultMaxPaths, "print at most this many paths for --why")
	asJSON := fs.Bool("json", false, "print JSON instead of DOT")
	pos, code, ok := parse(c, e, fs, args)
	if !ok {
		return code
	}
	gf.visit(fs)
	if *why != "" && *rdeps != "" {
		return e.report(fail(ExitUsage, "graph: --why and --rdeps cannot be used together"))
	}
	if *maxPaths < 1 {
		return e.report(fail(ExitUsage, "graph: --max-paths must be at least 1"))
	}
	src, err := loadGraph(e, "graph", gf, pos)
	if err != nil {
		return e.report(err)
	}
	g := src.graph
	switch {
	case *why != "":
		if err := src.known(*why); err != nil {
			return e.report(err)
		}
		paths, capped := whyPaths(g, src.entries, *why, *maxPaths)
		if len(paths) == 0 {
			// Every node is reachable from an entry; only the walk's
			// budget can leave it without a path.
			return e.report(fail(ExitPackage, "graph: found no path to %s within the search budget", *why))
		}
		if *asJSON {
			return e.report(writeJSON(e.stdout, whyJSON{Module: *why, Paths: paths, Capped: capped}))
		}
		for _, p := range paths {
			fmt.Fprintln(e.stdout, strings.Join(p, " -> "))
		}
		if capped {
			fmt.Fprintf(e.stdout, "(stopped after %d paths; raise --max-paths for more)\n", len(paths))
		}
	case *rdeps != "":
		if err := src.known(*rdeps); err != nil {
			return e.report(err)
		}
		list := g.RDeps(*rdeps)
		if *asJSON {
			if list == nil {
				list = []string{}
			}
			return e.report(writeJSON(e.stdout, rdepsJSON{Module: *rdeps, RDeps: list}))
		}
		for _, n := range list {
			fmt.Fprintln(e.stdout, n)
		}
	case *asJSON:
		return e.report(writeJSON(e.stdout, src.json()))
	default:
		fmt.Fprint(e.stdout, g.DOT())
	}
	return ExitOK
}

// graphFlags choose where a graph comes from: -m MANIFEST (with --parents),
// or a package given as the one argument.
type graphFlags struct {
	buildFlags
	manifestSet, parentsSet bool
}

func (f *graphFlags) register(fs *flag.FlagSet) {
	f.buildFlags.register(fs)
	fs.Lookup("m").Usage = "the manifest (default ./pkgbuild.toml when no PKG is given)"
}

// visit records which of the flags were given, after parsing.
func (f *graphFlags) visit(fs *flag.FlagSet) {
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "m":
			f.manifestSet = true
		case "parents":
			f.parentsSet = true
		}
	})
}

// graphSource is a dependency graph and where it came from.
type graphSource struct {
	path    string // the manifest or package, as given
	kind    string // "manifest" or "package"
	graph   *resolver.Graph
	entries []string         // see entries
	res     *resolution      // for a manifest
	sizes   map[string]int64 // bytes each node takes in the package; absent for externs
	externs []string         // the package's extern modules, in its order
	// python is the target interpreter (manifest) or the archive's
	// .data/python_version.
	python string
}

// loadGraph resolves the manifest or reads the package that the flags and
// positional arguments name. A package's unreadable sources and pickles are
// printed as warnings; a package that cannot be opened is ExitIO.
func loadGraph(e *env, cmd string, gf graphFlags, pos []string) (*graphSource, error) {
	switch {
	case len(pos) > 1:
		return nil, fail(ExitUsage, "%s: want at most one PKG, got %d arguments\nRun 'pkgbuild help %s' for usage.", cmd, len(pos), cmd)
	case len(pos) == 1 && gf.manifestSet:
		return nil, fail(ExitUsage, "%s: give a manifest (-m) or a package, not both", cmd)
	case len(pos) == 1 && gf.parentsSet:
		return nil, fail(ExitUsage, "%s: --parents applies to manifests, not to a package", cmd)
	case len(pos) == 1:
		return loadPackage(e, cmd, pos[0])
	}
	res, err := resolve(e, gf.buildFlags)
	if err != nil {
		return nil, err
	}
	src := &graphSource{path: gf.manifest, kind: "manifest", graph: res.graph, res: res,
		sizes: map[string]int64{}, externs: res.graph.Externs(), python: res.manifest.Python.String()}
	for name, n := range res.graph.Nodes {
		switch {
		case n.Action == resolver.Mock:
			src.sizes[name] = int64(len(emit.MockStub))
		case n.Action == resolver.Intern && n.File != "":
			if st, err := os.Stat(n.File); err == nil {
				src.sizes[name] = st.Size()
			}
		case n.Action == resolver.Intern:
			src.sizes[name] = 0 // a namespace package: nothing written
		}
	}
	src.entries = entries(res.graph)
	return src, nil
}

func loadPackage(e *env, cmd, path string) (*graphSource, error) {
	a, err := openArchive(path)
	if err != nil {
		if strings.HasSuffix(path, ".toml") {
			return nil, fail(ExitIO, "%v\n(to read a manifest, pass it with -m)", err)
		}
		return nil, err
	}
	defer a.Close()
	g, err := a.Graph()
	if err != nil {
		return nil, fail(ExitIO, "%s: %s: %v", cmd, path, err)
	}
	if len(g.Problems) > 0 {
		fmt.Fprintf(e.stderr, "pkgbuild: warnings (the graph leaves out what these would import):\n%s",
			g.Problems.Format(resolver.Error, nil))
	}
	src := &graphSource{path: path, kind: "package", graph: g, sizes: map[string]int64{},
		externs: a.Externs(), python: a.PythonVersion()}
	for name, n := range g.Nodes {
		if n.File != "" {
			if size, ok := a.Size(n.File); ok {
				src.sizes[name] = size
			}
		}
	}
	src.entries = entries(g)
	return src, nil
}

// known fails with ExitPackage when module is not a node of the graph,
// suggesting the nearest name.
func (s *graphSource) known(module string) error {
	if _, ok := s.graph.Nodes[module]; ok {
		return nil
	}
	hint := ""
	if best := manifest.Nearest(module, s.graph.Order); best != "" {
		hint = fmt.Sprintf("; did you mean %q?", best)
	}
	return fail(ExitPackage, "graph: %s is not in the graph of %s%s", module, s.path, hint)
}

// entries are where import paths start, in graph order: the starts of a
// build (pickles, [[source]]s, trees and entry modules), every node that
// nothing depends on, and for each group of nodes that import only each
// other (a cycle nothing else reaches) its first node in graph order. Every
// node is reachable from an entry.
func entries(g *resolver.Graph) []string {
	imported := map[string]bool{}
	for _, n := range g.Order {
		for _, d := range g.Nodes[n].Deps {
			imported[d] = true
		}
	}
	start := map[string]bool{}
	for _, s := range g.Starts() {
		start[s] = true
	}
	var out []string
	reached := map[string]bool{}
	add := func(n string) {
		out = append(out, n)
		stack := []string{n}
		reached[n] = true
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, d := range g.Nodes[top].Deps {
				if !reached[d] {
					reached[d] = true
					stack = append(stack, d)
				}
			}
		}
	}
	for _, n := range g.Order {
		if start[n] || !imported[n] {
			add(n)
		}
	}
	for _, n := range g.Order {
		if !reached[n] {
			add(n)
		}
	}
	return out
}

// pathBudget bounds the nodes whyPaths visits, so that a dense graph
// cannot make it run for ever; hitting it counts as capped.
const pathBudget = 2_000_000

// whyPaths lists the simple import paths from each entry to target,
// shortest first; paths of one length come in walk order (entries in
// order, each node's dependencies in order). It stops after max paths;
// capped says there may be more.
func whyPaths(g *resolver.Graph, entries []string, target string, max int) (paths [][]string, capped bool) {
	// dist is the number of edges from a node to target; only nodes with
	// one can be on a path.
	preds := map[string][]string{}
	for _, n := range g.Order {
		for _, d := range g.Nodes[n].Deps {
			preds[d] = append(preds[d], n)
		}
	}
	dist := map[string]int{target: 0}
	queue := []string{target}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, p := range preds[n] {
			if _, ok := dist[p]; !ok {
				dist[p] = dist[n] + 1
				queue = append(queue, p)
			}
		}
	}
	// Walk paths of exactly length edges, for growing length, until a
	// walk meets no longer path it had to leave out.
	budget := pathBudget
	onPath := map[string]bool{}
	var path []string
	var longer bool // a walk left out a path longer than length
	var walk func(n string, length int) bool
	walk = func(n string, length int) bool {
		if budget--; budget < 0 {
			capped = true
			return false
		}
		path = append(path, n)
		defer func() { path = path[:len(path)-1] }()
		if n == target {
			if len(path)-1 == length {
				if len(paths) == max {
					capped = true
					return false
				}
				paths = append(paths, append([]string(nil), path...))
			}
			return true
		}
		onPath[n] = true
		defer delete(onPath, n)
		for _, d := range g.Nodes[n].Deps {
			dd, ok := dist[d]
			switch {
			case !ok || onPath[d]:
			case len(path)+dd > length:
				longer = true
			default:
				if !walk(d, length) {
					return false
				}
			}
		}
		return true
	}
	for length := 0; length < len(dist); length++ {
		longer = false
		for _, e := range entries {
			if dd, ok := dist[e]; ok && dd <= length && !walk(e, length) {
				return paths, capped
			}
			if dd, ok := dist[e]; ok && dd > length {
				longer = true
			}
		}
		if !longer {
			break
		}
	}
	return paths, capped
}

// chains returns, for every node, a shortest chain of dependencies from an
// entry to it (both ends included): a breadth-first walk from all entries
// at once, in order.
func chains(g *resolver.Graph, entries []string) map[string][]string {
	prev := map[string]string{}
	seen := map[string]bool{}
	var queue []string
	for _, e := range entries {
		if !seen[e] {
			seen[e] = true
			queue = append(queue, e)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, d := range g.Nodes[n].Deps {
			if !seen[d] {
				seen[d] = true
				prev[d] = n
				queue = append(queue, d)
			}
		}
	}
	out := map[string][]string{}
	for n := range seen {
		var chain []string
		for c := n; ; {
			chain = append(chain, c)
			p, ok := prev[c]
			if !ok {
				break
			}
			c = p
		}
		for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
			chain[i], chain[j] = chain[j], chain[i]
		}
		out[n] = chain
	}
	return out
}

type graphJSON struct {
	Source  string          `json:"source"`
	Kind    string          `json:"kind"`
	Entries []string        `json:"entries"`
	Nodes   []graphNodeJSON `json:"nodes"`
	Edges   []graphEdgeJSON `json:"edges"`
}

type graphNodeJSON struct {
	Name   string   `json:"name"`
	Action string   `json:"action"`
	Why    string   `json:"why"`
	Pickle bool     `json:"pickle"`
	File   string   `json:"file"`
	Deps   []string `json:"deps"`
}

type graphEdgeJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type whyJSON struct {
	Module string     `json:"module"`
	Paths  [][]string `json:"paths"`
	Capped bool       `json:"capped"`
}

type rdepsJSON struct {
	Module string   `json:"module"`
	RDeps  []string `json:"rdeps"`
}

func (s *graphSource) json() graphJSON {
	out := graphJSON{Source: s.path, Kind: s.kind, Entries: s.entries,
		Nodes: []graphNodeJSON{}, Edges: []graphEdgeJSON{}}
	rel := relativizer()
	for _, name := range s.graph.Order {
		n := s.graph.Nodes[name]
		deps := append([]string{}, n.Deps...)
		out.Nodes = append(out.Nodes, graphNodeJSON{Name: name, Action: n.Action.String(),
			Why: s.why(n), Pickle: n.IsPickle, File: rel(n.File), Deps: deps})
		for _, d := range n.Deps {
			out.Edges = append(out.Edges, graphEdgeJSON{From: name, To: d})
		}
	}
	return out
}

// why says what decided a node's action; for a manifest's rule, with the
// rule itself: `rule 2: intern ["tinynet.**"] (pkgbuild.toml:9)`.
func (s *graphSource) why(n *resolver.Node) string {
	if s.res != nil && n.Rule >= 0 && n.Rule < len(s.res.manifest.Rules) {
		r := s.res.manifest.Rules[n.Rule]
		return fmt.Sprintf("rule %d: %s (%s:%d)", n.Rule+1, r.String(), relativizer()(r.Pos.File), r.Pos.Line)
	}
	return n.Why
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
