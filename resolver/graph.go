package resolver

import (
	"fmt"
	"sort"
	"strings"
)

// Action is what the package does with a module, as torch.package's
// _ModuleProviderAction.
type Action uint8

const (
	NoAction   Action = iota // no rule matched: an error
	Intern                   // its source goes into the package
	Extern                   // imported from the loading environment
	Mock                     // replaced by a stub whose every attribute is a MockedObject
	Deny                     // its use is an error
	Skip                     // torch_package_importer: provided by PackageImporter itself
	MockModule               // _mock: the mock implementation, written once
)

func (a Action) String() string {
	return [...]string{"none", "intern", "extern", "mock", "deny", "skip", "mock-module"}[a]
}

// Node is one module (or pickle) of the dependency graph.
type Node struct {
	Name   string
	Action Action
	// Why says what decided Action: "entry module", "tree mymodel",
	// "[[source]]", "rule 2", "implicit: stdlib", "implicit: torch",
	// "parent of a.b", "pickle".
	Why string
	// Rule is the index of the deciding [[rule]] in Config.Rules, or -1.
	Rule      int
	IsPackage bool
	IsPickle  bool
	// File is the source to write for an interned module ("" for a
	// namespace package, which needs none) or the pickle's file.
	File string
	// Data, when not nil, is the source to write instead of File's: a
	// module from a [[from_package]] archive (File then names it as
	// "<archive>/<record>").
	Data []byte
	// Deps are the modules this one depends on, in torch's order: scanned
	// imports first, then the parent package when parents are interned.
	Deps []string
}

// Graph is the resolved dependency graph of a package.
type Graph struct {
	Nodes map[string]*Node
	// Order is the order in which torch's PackageExporter would have
	// inserted the nodes: a depth-first walk from the pickles, [[source]]
	// modules, trees and entry modules, in manifest order. It decides the
	// order of records in the archive and of .data/extern_modules.
	Order    []string
	Problems Problems
	// Inputs lists every file the resolution read (sources, pickles,
	// resources), sorted; the manifest is not included.
	Inputs []string
	// Dirs lists every folder whose listing decided where a module is, so
	// that a new file shadowing a module (a.py next to a/) is noticed.
	Dirs []string
}

// Externs lists the externed modules in graph order, as torch writes
// .data/extern_modules.
func (g *Graph) Externs() []string { return g.withAction(Extern) }

// Mocked lists the mocked modules in graph order.
func (g *Graph) Mocked() []string { return g.withAction(Mock) }

// Interned lists the interned modules (not pickles) in graph order.
func (g *Graph) Interned() []string {
	var out []string
	for _, n := range g.Order {
		if nd := g.Nodes[n]; nd.Action == Intern && !nd.IsPickle {
			out = append(out, n)
		}
	}
	return out
}

func (g *Graph) withAction(a Action) []string {
	var out []string
	for _, n := range g.Order {
		if g.Nodes[n].Action == a {
			out = append(out, n)
		}
	}
	return out
}

// DOT renders the graph as torch's dependency_graph_string() does: edges
// in node order, then in each node's dependency order.
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph G {\nrankdir = LR;\nnode [shape=box];\n")
	var edges []string
	for _, n := range g.Order {
		for _, d := range g.Nodes[n].Deps {
			edges = append(edges, fmt.Sprintf("%q -> %q;", n, d))
		}
	}
	b.WriteString(strings.Join(edges, "\n"))
	b.WriteString("\n}\n")
	return b.String()
}

// RDeps lists the nodes that depend directly on name, in graph order, like
// PackageExporter.get_rdeps.
func (g *Graph) RDeps(name string) []string {
	var out []string
	for _, n := range g.Order {
		for _, d := range g.Nodes[n].Deps {
			if d == name {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// Chain returns a shortest chain of dependencies from a starting node (a
// pickle, a [[source]], a tree module or an entry module) to name,
// including both ends, or nil when name is not reachable.
func (g *Graph) Chain(name string) []string {
	if _, ok := g.Nodes[name]; !ok {
		return nil
	}
	return g.shortestChains(name).to(g, name)
}

// shortestChains records a breadth-first walk from the starts: each node
// reached maps to the node it was first reached from, and a start to "".
// Following it back from a node gives a shortest chain to the node, the
// same one whether or not the walk went on past it.
type shortestChains map[string]string

// shortestChains walks the graph from its starts, in order, until it
// reaches stop, or everywhere when stop is "".
func (g *Graph) shortestChains(stop string) shortestChains {
	from := shortestChains{}
	if stop == "" {
		from = make(shortestChains, len(g.Nodes))
	}
	var queue []string
	for _, r := range g.starts() {
		if _, seen := from[r]; !seen {
			from[r] = ""
			queue = append(queue, r)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n == stop {
			break
		}
		for _, d := range g.Nodes[n].Deps {
			if _, seen := from[d]; !seen {
				from[d] = n
				queue = append(queue, d)
			}
		}
	}
	return from
}

// to returns the chain to name, from a start to name, or nil when the
// walk did not reach it or it is not a node of g.
func (c shortestChains) to(g *Graph, name string) []string {
	if _, ok := g.Nodes[name]; !ok {
		return nil
	}
	if _, ok := c[name]; !ok {
		return nil
	}
	var chain []string
	for n := name; n != ""; n = c[n] {
		chain = append(chain, n)
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain
}

// AllPaths returns every edge that lies on some path from src to dst, in
// graph order, like PackageExporter.all_paths.
func (g *Graph) AllPaths(src, dst string) [][2]string {
	forward := g.reach(src, func(n string) []string { return g.Nodes[n].Deps })
	preds := map[string][]string{}
	for _, n := range g.Order {
		for _, d := range g.Nodes[n].Deps {
			preds[d] = append(preds[d], n)
		}
	}
	backward := g.reach(dst, func(n string) []string { return preds[n] })
	var out [][2]string
	for _, n := range g.Order {
		if !forward[n] || !backward[n] {
			continue
		}
		for _, d := range g.Nodes[n].Deps {
			if forward[d] && backward[d] {
				out = append(out, [2]string{n, d})
			}
		}
	}
	return out
}

func (g *Graph) reach(from string, next func(string) []string) map[string]bool {
	seen := map[string]bool{}
	if _, ok := g.Nodes[from]; !ok {
		return seen
	}
	stack := []string{from}
	seen[from] = true
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range next(n) {
			if !seen[d] {
				seen[d] = true
				stack = append(stack, d)
			}
		}
	}
	return seen
}

// starts are the nodes a build begins from, in order: those with a Why of
// pickle, [[source]], tree or entry module.
func (g *Graph) starts() []string {
	var out []string
	for _, n := range g.Order {
		if isStart(g.Nodes[n].Why) {
			out = append(out, n)
		}
	}
	return out
}

func isStart(why string) bool {
	return why == "pickle" || why == "[[source]]" || why == "entry module" || strings.HasPrefix(why, "tree ")
}

// order computes torch's insertion order: a depth-first walk from each
// start in turn, where a node is inserted when it is first named as a
// dependency (torch's add_edge adds both ends) and walked right after.
func order(nodes map[string]*Node, starts []string) []string {
	var out []string
	placed := make(map[string]bool, len(nodes))
	walked := make(map[string]bool, len(nodes))
	place := func(n string) {
		if !placed[n] {
			placed[n] = true
			out = append(out, n)
		}
	}
	type frame struct {
		name string
		next int
	}
	for _, s := range starts {
		if walked[s] {
			continue
		}
		place(s)
		walked[s] = true
		stack := []frame{{name: s}}
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			deps := nodes[top.name].Deps
			if top.next >= len(deps) {
				stack = stack[:len(stack)-1]
				continue
			}
			d := deps[top.next]
			top.next++
			place(d)
			if !walked[d] {
				walked[d] = true
				stack = append(stack, frame{name: d})
			}
		}
	}
	var rest []string
	for n := range nodes {
		if !placed[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}
