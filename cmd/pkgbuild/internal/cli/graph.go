package cli

import (
	"flag"
	"fmt"
)

func init() {
	register(&command{
		name:    "graph",
		summary: "print the resolved dependency graph in DOT",
		usage: `usage: pkgbuild graph [-m MANIFEST]

Resolves the manifest (without writing a package) and prints the dependency
graph in Graphviz DOT, in the form of torch's dependency_graph_string():
one edge per import, nodes in the order torch's PackageExporter adds them.
Pickles appear as "<package.name>".

Example:
  pkgbuild graph -m examples/tinynet/pkgbuild.toml | dot -Tsvg > graph.svg
`,
		run: runGraph,
	})
}

func runGraph(e *env, args []string) int {
	c := lookup("graph")
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	var bf buildFlags
	bf.register(fs)
	pos, code, ok := parse(c, e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return e.report(fail(ExitUsage, "graph: unexpected argument %q", pos[0]))
	}
	res, err := resolve(e, bf)
	if err != nil {
		return e.report(err)
	}
	fmt.Fprint(e.stdout, res.graph.DOT())
	return ExitOK
}
