package resolver

// NewGraph makes a Graph of nodes decided elsewhere, such as the graph
// package reader rebuilds from an archive. Order is computed as Resolve
// computes it, a depth-first walk from each of starts in turn, with the
// nodes no start reaches appended in name order. Every name in a node's
// Deps must be a key of nodes. Problems and Inputs are left empty.
func NewGraph(nodes map[string]*Node, starts []string) *Graph {
	return &Graph{Nodes: nodes, Order: order(nodes, starts)}
}

// Starts lists the nodes a build begins from, in graph order: pickles,
// [[source]] modules, tree modules and entry modules (those whose Why says
// so). Chain walks from them.
func (g *Graph) Starts() []string { return g.starts() }
