package cli

import (
	"bytes"
	"flag"
	"fmt"
	"html/template"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pkgbuild/pkgbuild/resolver"
)

func init() {
	register(&command{
		name:    "report",
		summary: "write a self-contained HTML page about a manifest or a package",
		usage: `usage: pkgbuild report [-m MANIFEST | PKG] --html OUT.html

Writes one HTML page about the package a manifest resolves to (-m, default
./pkgbuild.toml) or about a torch.package archive PKG, read as untrusted
data as "pkgbuild graph PKG" reads it. The page has:

  - a summary: how many modules, interned, extern, mocked, pickles, the
    bytes the modules and pickles take, and the extern modules;
  - the dependency graph, laid out in columns from the entries (pickles
    and modules nothing imports, on the left) to what they import, coloured
    by action (intern, extern, mock, deny, mock module, missing), pickles
    drawn apart; back edges of import cycles are dashed. Click a node for
    its imports, importers and why-path; hover to see its edges;
  - a table of every module: action, size in bytes and why (the manifest
    rule that decided it, or what the archive says);
  - for every extern and mock, a shortest import chain from an entry;
  - the warnings the graph has (dynamic imports, unreadable sources).

The page needs no network and loads nothing: its CSS, script and SVG are
inline, and its Content-Security-Policy forbids any other source. Every
name is escaped. OUT is written atomically (a temporary file, then
renamed), and is the same for the same input.

Example:
  pkgbuild report -m examples/tinynet/pkgbuild.toml --html tinynet.html
  pkgbuild report build/tinynet.pt --html tinynet.html
`,
		run: runReport,
	})
}

func runReport(e *env, args []string) int {
	c := lookup("report")
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var gf graphFlags
	gf.register(fs)
	out := fs.String("html", "", "write the HTML page to this file (required)")
	pos, code, ok := parse(c, e, fs, args)
	if !ok {
		return code
	}
	gf.visit(fs)
	if *out == "" {
		return e.report(fail(ExitUsage, "report: --html OUT.html is required\nRun 'pkgbuild help report' for usage."))
	}
	src, err := loadGraph(e, "report", gf, pos)
	if err != nil {
		return e.report(err)
	}
	page := newReportPage(src)
	var buf bytes.Buffer
	if err := reportTemplate().Execute(&buf, page); err != nil {
		return e.report(fail(ExitIO, "report: %v", err))
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		return e.report(fail(ExitIO, "report: %v", err))
	}
	fmt.Fprintf(e.stdout, "%s: %d modules, %d pickles\n", *out, page.moduleCount, page.pickleCount)
	return ExitOK
}

// reportPage is everything the template shows.
type reportPage struct {
	Title, Kind, Source, Python, Version string
	Stats                                []reportStat
	Externs                              []string
	Rows                                 []reportRow
	Whys                                 []reportWhy
	Entries                              []reportLink
	Problems                             []reportProblem
	Graph                                *svgGraph
	Legend                               []reportStat
	Data                                 pageData
	CSS                                  template.CSS
	Script                               template.JS

	moduleCount, pickleCount int
}

type reportStat struct {
	Label, Value, Class string
}

type reportRow struct {
	ID, Name, Action, Class, Why, File, Size string
	SizeSort                                 int64
	Imports, ImportedBy                      int
}

type reportWhy struct {
	ID, Name, Action, Class, Why string
	Chain                        []reportLink
}

type reportLink struct{ ID, Name string }

type reportProblem struct {
	Severity, Reason, Module, Where, Context string
}

// pageData is what the page's script knows about the graph: node i is
// Nodes[i], the node with id "n<i>".
type pageData struct {
	Nodes   []pageNode `json:"nodes"`
	Entries []int      `json:"entries"`
}

type pageNode struct {
	Name   string `json:"name"`
	Action string `json:"action"` // the CSS class: intern, extern, mock, ..., pickle
	Label  string `json:"label"`  // the action as the page shows it
	Why    string `json:"why"`
	File   string `json:"file"`
	Size   int64  `json:"size"` // -1: nothing stored
	Deps   []int  `json:"deps"`
	RDeps  []int  `json:"rdeps"`
	Chain  []int  `json:"chain"`
}

// actionClass is a node's CSS class and the label the page gives it.
func actionClass(n *resolver.Node) (class, label string) {
	if n.IsPickle {
		return "pickle", "pickle"
	}
	switch n.Action {
	case resolver.NoAction:
		return "none", "missing"
	case resolver.MockModule:
		return "mock-module", "mock module"
	}
	s := n.Action.String()
	return s, s
}

func newReportPage(src *graphSource) *reportPage {
	g := src.graph
	rel := relativizer()
	p := &reportPage{Kind: src.kind, Source: src.path, Python: src.python, Version: Version,
		CSS: reportCSS, Script: reportJS}
	switch src.kind {
	case "package":
		p.Title = strings.TrimSuffix(filepath.Base(src.path), filepath.Ext(src.path))
	default:
		p.Title = filepath.Base(filepath.Dir(absPath(src.path)))
		if out := src.res.manifest.Output; out != "" {
			p.Title = strings.TrimSuffix(filepath.Base(strings.TrimSuffix(out, "/")), filepath.Ext(out))
		}
	}

	index := map[string]int{}
	for i, name := range g.Order {
		index[name] = i
	}
	chain := chains(g, src.entries)
	counts := map[string]int{}
	var total int64
	for _, name := range g.Order {
		n := g.Nodes[name]
		class, label := actionClass(n)
		counts[class]++
		size, hasSize := src.sizes[name]
		if !hasSize {
			size = -1
		} else {
			total += size
		}
		pn := pageNode{Name: name, Action: class, Label: label, Why: src.why(n), File: rel(n.File),
			Size: size, Deps: []int{}, RDeps: []int{}, Chain: []int{}}
		for _, d := range n.Deps {
			pn.Deps = append(pn.Deps, index[d])
		}
		for _, c := range chain[name] {
			pn.Chain = append(pn.Chain, index[c])
		}
		p.Data.Nodes = append(p.Data.Nodes, pn)
	}
	for i, n := range p.Data.Nodes {
		for _, d := range n.Deps {
			p.Data.Nodes[d].RDeps = append(p.Data.Nodes[d].RDeps, i)
		}
	}
	p.Data.Entries = []int{}
	for _, e := range src.entries {
		p.Data.Entries = append(p.Data.Entries, index[e])
		p.Entries = append(p.Entries, reportLink{ID: nodeID(index[e]), Name: e})
	}

	// The table, by name.
	for i, pn := range p.Data.Nodes {
		row := reportRow{ID: nodeID(i), Name: pn.Name, Action: pn.Label, Class: pn.Action, Why: pn.Why,
			File: pn.File, SizeSort: pn.Size, Imports: len(pn.Deps), ImportedBy: len(pn.RDeps)}
		if pn.Size >= 0 {
			row.Size = groupDigits(pn.Size)
		}
		p.Rows = append(p.Rows, row)
	}
	sort.SliceStable(p.Rows, func(i, j int) bool { return p.Rows[i].Name < p.Rows[j].Name })

	// Why each extern and mock is here.
	for i, pn := range p.Data.Nodes {
		if pn.Action != "extern" && pn.Action != "mock" {
			continue
		}
		w := reportWhy{ID: nodeID(i), Name: pn.Name, Action: pn.Label, Class: pn.Action, Why: pn.Why}
		for _, c := range pn.Chain {
			w.Chain = append(w.Chain, reportLink{ID: nodeID(c), Name: p.Data.Nodes[c].Name})
		}
		p.Whys = append(p.Whys, w)
	}
	sort.SliceStable(p.Whys, func(i, j int) bool {
		if p.Whys[i].Class != p.Whys[j].Class {
			return p.Whys[i].Class < p.Whys[j].Class
		}
		return p.Whys[i].Name < p.Whys[j].Name
	})

	p.pickleCount = counts["pickle"]
	p.moduleCount = len(g.Order) - p.pickleCount
	p.Stats = []reportStat{
		{"modules", strconv.Itoa(p.moduleCount), "total"},
		{"interned", strconv.Itoa(counts["intern"]), "intern"},
		{"extern", strconv.Itoa(counts["extern"]), "extern"},
		{"mocked", strconv.Itoa(counts["mock"]), "mock"},
		{"pickles", strconv.Itoa(p.pickleCount), "pickle"},
		{"bytes stored", groupDigits(total), "size"},
	}
	if counts["deny"] > 0 {
		p.Stats = append(p.Stats, reportStat{"denied", strconv.Itoa(counts["deny"]), "deny"})
	}
	if counts["none"] > 0 {
		p.Stats = append(p.Stats, reportStat{"missing", strconv.Itoa(counts["none"]), "none"})
	}
	p.Externs = append([]string(nil), src.externs...)
	for _, c := range []struct{ class, label string }{
		{"intern", "intern"}, {"extern", "extern"}, {"mock", "mock"}, {"mock-module", "mock module"},
		{"deny", "deny"}, {"none", "missing"}, {"pickle", "pickle"},
	} {
		p.Legend = append(p.Legend, reportStat{Label: c.label, Value: strconv.Itoa(counts[c.class]), Class: c.class})
	}

	for _, pr := range g.Problems {
		rp := reportProblem{Severity: pr.Severity().String(), Reason: pr.Reason.String(), Module: pr.Module, Context: pr.Context}
		if src.kind == "package" {
			rp.Severity = "warning" // the archive was read; the graph misses what these import
		}
		if pr.File != "" {
			rp.Where = rel(pr.File)
			if pr.Line > 0 {
				rp.Where += ":" + strconv.Itoa(pr.Line)
			}
		}
		p.Problems = append(p.Problems, rp)
	}

	p.Graph = layoutSVG(p.Data)
	return p
}

func nodeID(i int) string { return "n" + strconv.Itoa(i) }

// groupDigits writes n with thin spaces between groups of three digits.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && c != '-' && s[i-1] != '-' {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	return b.String()
}

// The graph picture: a layered layout in the manner of Sugiyama, left to
// right like Graphviz's rankdir=LR: break cycles by reversing the back edges
// of a depth-first walk from the entries, put each node one column right of
// its furthest predecessor, route long edges through placeholder nodes,
// order each column by the barycentre of its neighbours (keeping the order
// with the fewest crossings), then place each column's nodes as near the
// mean of their neighbours as the spacing allows.

type svgGraph struct {
	Width, Height string
	HasBack       bool // some edge closes an import cycle
	Nodes         []svgNode
	Edges         []svgEdge
}

type svgNode struct {
	ID, Name, Label, Class string
	X, Y, W, H, TX, TY     string
}

type svgEdge struct {
	From, To, D, Class string
}

const (
	nodeH     = 26.0
	charW     = 7.25 // 12px monospace
	padX      = 10.0
	gapX      = 72.0
	gapY      = 10.0
	gapDummy  = 6.0
	margin    = 16.0
	maxLabel  = 60
	maxDummys = 6000
)

func labelOf(name string) string {
	if utf8.RuneCountInString(name) <= maxLabel {
		return name
	}
	r := []rune(name)
	return string(r[:maxLabel-1]) + "…"
}

func layoutSVG(d pageData) *svgGraph {
	n := len(d.Nodes)
	widths := make([]float64, n)
	labels := make([]string, n)
	for i, nd := range d.Nodes {
		labels[i] = labelOf(nd.Name)
		widths[i] = math.Ceil(float64(utf8.RuneCountInString(labels[i]))*charW + 2*padX)
		if nd.Action == "pickle" {
			widths[i] += 8
		}
	}

	// Break cycles: a back edge of a depth-first walk is drawn reversed.
	state := make([]uint8, n)
	disc := make([]int, n)
	next := 0
	back := map[[2]int]bool{}
	var dfs func(u int)
	dfs = func(u int) {
		state[u] = 1
		disc[u] = next
		next++
		for _, v := range d.Nodes[u].Deps {
			switch state[v] {
			case 0:
				dfs(v)
			case 1:
				back[[2]int{u, v}] = true
			}
		}
		state[u] = 2
	}
	for _, e := range d.Entries {
		if state[e] == 0 {
			dfs(e)
		}
	}
	for u := 0; u < n; u++ {
		if state[u] == 0 {
			dfs(u)
		}
	}
	dagKey := func(u, v int) [2]int {
		if back[[2]int{u, v}] {
			return [2]int{v, u}
		}
		return [2]int{u, v}
	}
	succ := make([][]int, n)
	pred := make([][]int, n)
	seenEdge := map[[2]int]bool{}
	for u := 0; u < n; u++ {
		for _, v := range d.Nodes[u].Deps {
			k := dagKey(u, v)
			if !seenEdge[k] {
				seenEdge[k] = true
				succ[k[0]] = append(succ[k[0]], k[1])
				pred[k[1]] = append(pred[k[1]], k[0])
			}
		}
	}

	// Columns: longest path from the sources (Kahn's order), then sources
	// pulled right next to their nearest successor.
	layer := make([]int, n)
	indeg := make([]int, n)
	for u := range pred {
		indeg[u] = len(pred[u])
	}
	var queue []int
	for u := 0; u < n; u++ {
		if indeg[u] == 0 {
			queue = append(queue, u)
		}
	}
	sort.Slice(queue, func(i, j int) bool { return disc[queue[i]] < disc[queue[j]] })
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, v := range succ[u] {
			layer[v] = max(layer[v], layer[u]+1)
			if indeg[v]--; indeg[v] == 0 {
				queue = append(queue, v)
			}
		}
	}
	for u := 0; u < n; u++ {
		if len(pred[u]) == 0 && len(succ[u]) > 0 && d.Nodes[u].Action != "pickle" {
			m := math.MaxInt
			for _, v := range succ[u] {
				m = min(m, layer[v])
			}
			layer[u] = m - 1
		}
	}
	nl := 0
	for u := 0; u < n; u++ {
		nl = max(nl, layer[u]+1)
	}

	// Layout nodes: the graph's, then placeholders for long edges.
	type lnode struct {
		layer        int
		h            float64
		key          float64
		preds, succs []int
	}
	ln := make([]lnode, n)
	for u := 0; u < n; u++ {
		ln[u] = lnode{layer: layer[u], h: nodeH, key: float64(disc[u])}
	}
	dummies := 0
	for u := 0; u < n; u++ {
		for _, v := range succ[u] {
			dummies += layer[v] - layer[u] - 1
		}
	}
	useDummies := dummies <= maxDummys
	route := map[[2]int][]int{}
	for u := 0; u < n; u++ {
		for k, v := range succ[u] {
			ids := []int{u}
			if useDummies {
				for l := layer[u] + 1; l < layer[v]; l++ {
					ln = append(ln, lnode{layer: l, key: float64(disc[u]) + float64(k+1)/float64(len(succ[u])+1)})
					ids = append(ids, len(ln)-1)
				}
			}
			ids = append(ids, v)
			for i := 1; i < len(ids); i++ {
				ln[ids[i-1]].succs = append(ln[ids[i-1]].succs, ids[i])
				ln[ids[i]].preds = append(ln[ids[i]].preds, ids[i-1])
			}
			route[[2]int{u, v}] = ids
		}
	}

	// Order within columns.
	layers := make([][]int, nl)
	for id := range ln {
		layers[ln[id].layer] = append(layers[ln[id].layer], id)
	}
	pos := make([]int, len(ln))
	for l := range layers {
		ids := layers[l]
		sort.SliceStable(ids, func(i, j int) bool { return ln[ids[i]].key < ln[ids[j]].key })
		for i, id := range ids {
			pos[id] = i
		}
	}
	crossings := func() int {
		total := 0
		for l := 0; l+1 < nl; l++ {
			var es [][2]int
			for _, a := range layers[l] {
				for _, b := range ln[a].succs {
					if ln[b].layer == l+1 {
						es = append(es, [2]int{pos[a], pos[b]})
					}
				}
			}
			sort.Slice(es, func(i, j int) bool {
				if es[i][0] != es[j][0] {
					return es[i][0] < es[j][0]
				}
				return es[i][1] < es[j][1]
			})
			tree := make([]int, len(layers[l+1])+1) // Fenwick: count of seen ends
			seen := 0
			for _, e := range es {
				le := 0 // seen ends <= e[1]
				for i := e[1] + 1; i > 0; i -= i & -i {
					le += tree[i]
				}
				total += seen - le
				for i := e[1] + 1; i < len(tree); i += i & -i {
					tree[i]++
				}
				seen++
			}
		}
		return total
	}
	reorder := func(l int, nb func(id int) []int) {
		ids := layers[l]
		bary := make(map[int]float64, len(ids))
		for _, id := range ids {
			sum, cnt := 0.0, 0
			for _, o := range nb(id) {
				sum += float64(pos[o])
				cnt++
			}
			if cnt == 0 {
				bary[id] = float64(pos[id])
			} else {
				bary[id] = sum / float64(cnt)
			}
		}
		sort.SliceStable(ids, func(i, j int) bool { return bary[ids[i]] < bary[ids[j]] })
		for i, id := range ids {
			pos[id] = i
		}
	}
	best := crossings()
	bestPos := append([]int(nil), pos...)
	for it := 0; it < 24 && best > 0; it++ {
		if it%2 == 0 {
			for l := 1; l < nl; l++ {
				reorder(l, func(id int) []int { return ln[id].preds })
			}
		} else {
			for l := nl - 2; l >= 0; l-- {
				reorder(l, func(id int) []int { return ln[id].succs })
			}
		}
		if c := crossings(); c < best {
			best = c
			copy(bestPos, pos)
		}
	}
	copy(pos, bestPos)
	for l := range layers {
		ids := layers[l]
		sort.Slice(ids, func(i, j int) bool { return pos[ids[i]] < pos[ids[j]] })
	}

	// Columns' x, then each column's y: start stacked, then pull each node
	// towards the mean of its neighbours, keeping order and spacing (an
	// isotonic regression per column), sweeping right and left in turn.
	colW := make([]float64, nl)
	for u := 0; u < n; u++ {
		colW[layer[u]] = max(colW[layer[u]], widths[u])
	}
	colX := make([]float64, nl)
	x := margin
	for l := 0; l < nl; l++ {
		colX[l] = x
		x += colW[l] + gapX
	}
	width := x - gapX + margin
	y := make([]float64, len(ln))
	sep := func(a, b int) float64 {
		g := gapDummy
		if a < n && b < n {
			g = gapY
		}
		return (ln[a].h+ln[b].h)/2 + g
	}
	for _, ids := range layers {
		cur := 0.0
		for i, id := range ids {
			if i > 0 {
				cur += sep(ids[i-1], id)
			}
			y[id] = cur
		}
	}
	// Centre the columns on the tallest one before pulling.
	tall := 0.0
	for _, ids := range layers {
		if len(ids) > 0 {
			tall = max(tall, y[ids[len(ids)-1]])
		}
	}
	for _, ids := range layers {
		if len(ids) > 0 {
			shift := (tall - y[ids[len(ids)-1]]) / 2
			for _, id := range ids {
				y[id] += shift
			}
		}
	}
	for it := 0; it < 16; it++ {
		right := it%2 == 0
		for k := 0; k < nl; k++ {
			l := k
			if !right {
				l = nl - 1 - k
			}
			ids := layers[l]
			want := make([]float64, len(ids))
			seps := make([]float64, len(ids))
			for i, id := range ids {
				nb := ln[id].preds
				if !right {
					nb = ln[id].succs
				}
				if len(nb) == 0 {
					nb = append(ln[id].preds, ln[id].succs...)
				}
				want[i] = y[id]
				if len(nb) > 0 {
					s := 0.0
					for _, o := range nb {
						s += y[o]
					}
					want[i] = s / float64(len(nb))
				}
				if i > 0 {
					seps[i] = sep(ids[i-1], id)
				}
			}
			for i, v := range isotonic(want, seps) {
				y[ids[i]] = v
			}
		}
	}
	top, bottom := math.Inf(1), math.Inf(-1)
	for id := range ln {
		top = min(top, y[id]-ln[id].h/2)
		bottom = max(bottom, y[id]+ln[id].h/2)
	}
	if n == 0 {
		top, bottom = 0, 0
	}
	for id := range y {
		y[id] += margin - top
	}
	height := bottom - top + 2*margin

	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	out := &svgGraph{Width: f(width), Height: f(height)}
	for u := 0; u < n; u++ {
		nd := d.Nodes[u]
		tx := colX[layer[u]] + padX
		if nd.Action == "pickle" {
			tx += 4
		}
		out.Nodes = append(out.Nodes, svgNode{ID: nodeID(u), Name: nd.Name, Label: labels[u], Class: nd.Action,
			X: f(colX[layer[u]]), Y: f(y[u] - nodeH/2), W: f(widths[u]), H: f(nodeH),
			TX: f(tx), TY: f(y[u] + 4)})
	}
	for u := 0; u < n; u++ {
		for _, v := range d.Nodes[u].Deps {
			k := dagKey(u, v)
			ids := route[k]
			var pts [][2]float64
			for i, id := range ids {
				switch {
				case id < n && i == 0:
					pts = append(pts, [2]float64{colX[layer[id]] + widths[id], y[id]})
				case id < n:
					pts = append(pts, [2]float64{colX[layer[id]], y[id]})
				default:
					l := ln[id].layer
					pts = append(pts, [2]float64{colX[l], y[id]}, [2]float64{colX[l] + colW[l], y[id]})
				}
			}
			class := "edge"
			if k[0] != u {
				class += " back"
				out.HasBack = true
				for i := range pts {
					pts[i][1] += 4
				}
				for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
					pts[i], pts[j] = pts[j], pts[i]
				}
			}
			var b strings.Builder
			fmt.Fprintf(&b, "M%s %s", f(pts[0][0]), f(pts[0][1]))
			for i := 1; i < len(pts); i++ {
				p, q := pts[i-1], pts[i]
				if p[1] == q[1] {
					fmt.Fprintf(&b, " L%s %s", f(q[0]), f(q[1]))
					continue
				}
				cx := (p[0] + q[0]) / 2
				fmt.Fprintf(&b, " C%s %s %s %s %s %s", f(cx), f(p[1]), f(cx), f(q[1]), f(q[0]), f(q[1]))
			}
			out.Edges = append(out.Edges, svgEdge{From: nodeID(u), To: nodeID(v), D: b.String(), Class: class})
		}
	}
	return out
}

// isotonic returns the positions nearest to want (least squares) that keep
// their order with out[i] >= out[i-1] + seps[i]: pool-adjacent-violators on
// want less the cumulative spacing.
func isotonic(want, seps []float64) []float64 {
	type block struct {
		sum   float64
		count int
	}
	off := make([]float64, len(want))
	for i := 1; i < len(want); i++ {
		off[i] = off[i-1] + seps[i]
	}
	var blocks []block
	for i, w := range want {
		blocks = append(blocks, block{w - off[i], 1})
		for len(blocks) > 1 {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sum/float64(a.count) <= b.sum/float64(b.count) {
				break
			}
			blocks = append(blocks[:len(blocks)-2], block{a.sum + b.sum, a.count + b.count})
		}
	}
	out := make([]float64, 0, len(want))
	for _, b := range blocks {
		for range b.count {
			out = append(out, b.sum/float64(b.count)+off[len(out)])
		}
	}
	return out
}

// reportTemplate is parsed on first use, not at start-up: every other
// command would pay for it.
var reportTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pkgbuild {{.Version}}">
<title>{{.Title}} · pkgbuild report</title>
<style>{{.CSS}}</style>
</head>
<body>
<header class="top">
  <div class="wrap">
    <div class="brand">pkgbuild report</div>
    <h1>{{.Title}}</h1>
    <p class="meta"><span>{{.Kind}}</span> <code>{{.Source}}</code>{{if .Python}} <span class="dot">·</span> Python {{.Python}}{{end}} <span class="dot">·</span> pkgbuild {{.Version}} <span class="dot">·</span> nothing in the package was run</p>
  </div>
</header>
<main class="wrap">
<section id="summary" aria-label="Summary">
  <div class="stats">
  {{- range .Stats}}
    <div class="stat s-{{.Class}}"><div class="value">{{.Value}}</div><div class="label">{{.Label}}</div></div>
  {{- end}}
  </div>
  <p class="externs"><span class="k">extern modules</span>
  {{- range .Externs}} <code class="chip a-extern">{{.}}</code>{{else}} <em>none</em>{{end}}</p>
</section>

<section id="graph-section" class="card">
  <div class="card-head">
    <h2>Dependency graph</h2>
    <div class="legend">
    {{- range .Legend}}{{if ne .Value "0"}}<span class="key a-{{.Class}}"><i></i>{{.Label}}</span>{{end}}{{end}}
      {{- if .Graph.HasBack}}<span class="key back"><i></i>import cycle (drawn backwards)</span>{{end}}
    </div>
    <div class="tools">
      <button type="button" data-zoom="out" title="Zoom out">−</button>
      <button type="button" data-zoom="fit" title="Fit to width">fit</button>
      <button type="button" data-zoom="one" title="Actual size">1:1</button>
      <button type="button" data-zoom="in" title="Zoom in">+</button>
    </div>
  </div>
  <div class="graph-body">
    <div class="viewport" id="viewport">
      <svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{{.Graph.Width}}" height="{{.Graph.Height}}" viewBox="0 0 {{.Graph.Width}} {{.Graph.Height}}" data-width="{{.Graph.Width}}" data-height="{{.Graph.Height}}" role="img" aria-label="dependency graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#94a3b8"/></marker>
          <marker id="arrow-hi" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#0f172a"/></marker>
        </defs>
        <g class="edges">
        {{- range .Graph.Edges}}
          <path class="{{.Class}}" data-from="{{.From}}" data-to="{{.To}}" d="{{.D}}"/>
        {{- end}}
        </g>
        <g class="nodes">
        {{- range .Graph.Nodes}}
          <g class="node a-{{.Class}}" id="{{.ID}}" data-name="{{.Name}}" tabindex="0"><title>{{.Name}}</title><rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" rx="{{if eq .Class "pickle"}}13{{else}}5{{end}}"/><text x="{{.TX}}" y="{{.TY}}">{{.Label}}</text></g>
        {{- end}}
        </g>
      </svg>
    </div>
    <aside class="detail" id="detail" aria-live="polite">
      <p class="hint">Click a node (or a row below) to see what it imports, what imports it, and the chain of imports that brings it in.</p>
      <h4>Entries ({{len .Entries}})</h4>
      <ul>{{range .Entries}}<li><a href="#{{.ID}}" data-id="{{.ID}}">{{.Name}}</a></li>{{end}}</ul>
    </aside>
  </div>
</section>

<section id="modules" class="card">
  <div class="card-head">
    <h2>Modules</h2>
    <div class="filters">
      <input type="search" id="filter" placeholder="Filter by name, action or why" aria-label="Filter modules">
      <span class="count" id="shown">{{len .Rows}} rows</span>
    </div>
  </div>
  <table id="module-table">
    <thead><tr>
      <th data-sort="name" aria-sort="ascending">Module</th>
      <th data-sort="action">Action</th>
      <th data-sort="size" class="num">Size (bytes)</th>
      <th data-sort="imports" class="num">Imports</th>
      <th data-sort="importers" class="num">Imported by</th>
      <th data-sort="why">Why</th>
    </tr></thead>
    <tbody>
    {{- range .Rows}}
      <tr data-id="{{.ID}}" data-name="{{.Name}}" data-action="{{.Action}}" data-size="{{.SizeSort}}" data-imports="{{.Imports}}" data-importers="{{.ImportedBy}}" data-why="{{.Why}}">
        <td class="name"><code>{{.Name}}</code>{{if .File}}<div class="file">{{.File}}</div>{{end}}</td>
        <td><span class="badge a-{{.Class}}">{{.Action}}</span></td>
        <td class="num">{{if .Size}}{{.Size}}{{else}}<span class="muted">—</span>{{end}}</td>
        <td class="num">{{.Imports}}</td>
        <td class="num">{{.ImportedBy}}</td>
        <td class="why">{{.Why}}</td>
      </tr>
    {{- end}}
    </tbody>
  </table>
</section>

<section id="whys" class="card">
  <div class="card-head"><h2>Why each extern and mock is here</h2></div>
  {{- if .Whys}}
  <ul class="chains">
  {{- range .Whys}}
    <li data-id="{{.ID}}"><span class="badge a-{{.Class}}">{{.Action}}</span> <code class="target">{{.Name}}</code> <span class="muted">{{.Why}}</span>
      <div class="chain">{{range $i, $c := .Chain}}{{if $i}}<span class="arrow">→</span>{{end}}<a href="#{{$c.ID}}" data-id="{{$c.ID}}"><code>{{$c.Name}}</code></a>{{end}}{{if eq (len .Chain) 1}} <span class="muted">(nothing imports it)</span>{{end}}</div>
    </li>
  {{- end}}
  </ul>
  {{- else}}
  <p class="muted pad">The package has no extern or mocked modules.</p>
  {{- end}}
</section>

{{- if .Problems}}
<section id="problems" class="card">
  <div class="card-head"><h2>Warnings</h2></div>
  <ul class="problems">
  {{- range .Problems}}
    <li><span class="sev sev-{{.Severity}}">{{.Severity}}</span> <code>{{.Module}}</code>{{if .Where}} <span class="muted">{{.Where}}</span>{{end}}<div>{{.Reason}}{{if .Context}} <span class="muted">{{.Context}}</span>{{end}}</div></li>
  {{- end}}
  </ul>
</section>
{{- end}}
</main>
<footer class="wrap">Made by pkgbuild {{.Version}} without running anything in the package. Module names are data from the package, shown as text.</footer>
<script type="application/json" id="pkgbuild-data">{{.Data}}</script>
<script>{{.Script}}</script>
</body>
</html>
`))
})

const reportCSS = `
:root {
  --bg: #f6f7f9; --card: #fff; --ink: #1e293b; --muted: #64748b; --line: #e2e8f0;
  --intern: #2563eb; --intern-bg: #dbeafe;
  --extern: #475569; --extern-bg: #e2e8f0;
  --mock: #b45309; --mock-bg: #fef3c7;
  --mockmod: #a16207; --mockmod-bg: #fefce8;
  --deny: #b91c1c; --deny-bg: #fee2e2;
  --none: #dc2626; --none-bg: #fff1f2;
  --pickle: #7c3aed; --pickle-bg: #ede9fe;
  --skip: #64748b; --skip-bg: #f1f5f9;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 var(--sans); }
code { font-family: var(--mono); font-size: 12.5px; }
.wrap { max-width: 1240px; margin: 0 auto; padding: 0 20px; }
header.top { background: #0f172a; color: #e2e8f0; padding: 18px 0 16px; margin-bottom: 18px; }
header .brand { font-size: 12px; letter-spacing: .08em; text-transform: uppercase; color: #94a3b8; }
header h1 { margin: 2px 0 4px; font-size: 26px; font-weight: 650; color: #fff; word-break: break-all; }
header .meta { margin: 0; color: #cbd5e1; font-size: 13px; }
header .meta code { color: #fff; background: rgba(255,255,255,.08); padding: 1px 5px; border-radius: 4px; word-break: break-all; }
header .dot { color: #64748b; margin: 0 4px; }
section { margin-bottom: 18px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; box-shadow: 0 1px 2px rgba(15,23,42,.04); overflow: hidden; }
.card-head { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; padding: 12px 16px; border-bottom: 1px solid var(--line); }
.card-head h2 { margin: 0; font-size: 15px; font-weight: 650; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; border-top: 3px solid var(--ink); }
.stat .value { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
.stat .label { color: var(--muted); font-size: 12.5px; text-transform: lowercase; }
.s-intern { border-top-color: var(--intern); } .s-extern { border-top-color: var(--extern); }
.s-mock { border-top-color: var(--mock); } .s-pickle { border-top-color: var(--pickle); }
.s-size { border-top-color: #0d9488; } .s-deny, .s-none { border-top-color: var(--deny); }
.externs { margin: 10px 0 0; line-height: 2; }
.externs .k { color: var(--muted); margin-right: 4px; font-size: 12.5px; }
.chip { display: inline-block; padding: 0 7px; border-radius: 999px; line-height: 20px; border: 1px solid; margin-right: 2px; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 12.5px; color: var(--muted); flex: 1; }
.key i { display: inline-block; width: 14px; height: 11px; border-radius: 3px; border: 1.5px solid; vertical-align: -1px; margin-right: 5px; }
.key.back i { border: none; border-top: 2px dashed #94a3b8; height: 0; border-radius: 0; vertical-align: 3px; }
.key.a-pickle i { border-radius: 6px; }
.tools { display: flex; gap: 4px; }
.tools button { font: 12.5px var(--sans); min-width: 32px; height: 28px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); cursor: pointer; }
.tools button:hover { background: var(--bg); }
.graph-body { display: flex; min-height: 220px; }
.viewport { flex: 1; overflow: auto; max-height: 72vh; background-color: #fbfcfe; background-image: radial-gradient(#e2e8f0 1px, transparent 1px); background-size: 18px 18px; }
#graph { display: block; }
#graph text { font: 12px var(--mono); fill: var(--ink); pointer-events: none; }
#graph .node { cursor: pointer; }
#graph .node rect { stroke-width: 1.5; }
#graph .node:hover rect, #graph .node:focus rect { stroke-width: 2.5; }
#graph .node:focus { outline: none; }
#graph .edge { fill: none; stroke: #94a3b8; stroke-width: 1.2; marker-end: url(#arrow); }
#graph .edge.back { stroke-dasharray: 4 3; }
#graph.focus .node { opacity: .25; } #graph.focus .edge { opacity: .12; }
#graph.focus .node.hi { opacity: 1; } #graph.focus .edge.hi { opacity: 1; stroke: #0f172a; stroke-width: 1.8; marker-end: url(#arrow-hi); }
#graph .node.sel rect { stroke-width: 3; filter: drop-shadow(0 1px 3px rgba(15,23,42,.35)); }
.a-intern rect, .a-intern i, .badge.a-intern, .chip.a-intern { fill: var(--intern-bg); stroke: var(--intern); background: var(--intern-bg); border-color: var(--intern); color: #1e3a8a; }
.a-extern rect, .a-extern i, .badge.a-extern, .chip.a-extern { fill: var(--extern-bg); stroke: var(--extern); background: var(--extern-bg); border-color: var(--extern); color: #1e293b; }
.a-mock rect, .a-mock i, .badge.a-mock { fill: var(--mock-bg); stroke: var(--mock); background: var(--mock-bg); border-color: var(--mock); color: #78350f; }
.a-mock-module rect, .a-mock-module i, .badge.a-mock-module { fill: var(--mockmod-bg); stroke: var(--mockmod); background: var(--mockmod-bg); border-color: var(--mockmod); color: #713f12; }
.a-deny rect, .a-deny i, .badge.a-deny { fill: var(--deny-bg); stroke: var(--deny); background: var(--deny-bg); border-color: var(--deny); color: #7f1d1d; }
.a-none rect, .a-none i, .badge.a-none { fill: var(--none-bg); stroke: var(--none); stroke-dasharray: 4 2; background: var(--none-bg); border-color: var(--none); border-style: dashed; color: #7f1d1d; }
.a-pickle rect, .a-pickle i, .badge.a-pickle { fill: var(--pickle-bg); stroke: var(--pickle); background: var(--pickle-bg); border-color: var(--pickle); color: #4c1d95; }
.a-skip rect, .a-skip i, .badge.a-skip { fill: var(--skip-bg); stroke: var(--skip); background: var(--skip-bg); border-color: var(--skip); color: #334155; }
.badge { display: inline-block; font-size: 11.5px; font-weight: 600; line-height: 18px; padding: 0 7px; border-radius: 999px; border: 1px solid; white-space: nowrap; }
.detail { width: 320px; flex: none; border-left: 1px solid var(--line); padding: 14px 16px; overflow: auto; overflow-x: hidden; max-height: 72vh; font-size: 13px; overflow-wrap: anywhere; }
.detail .hint { color: var(--muted); margin: 0; }
.detail h3 { margin: 8px 0 6px; font: 600 13px var(--mono); word-break: break-all; }
.detail h4 { margin: 14px 0 4px; font-size: 11.5px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.detail ul { list-style: none; margin: 0; padding: 0; }
.detail li { margin: 2px 0; word-break: break-all; }
.detail .chain li + li::before { content: "↳ "; color: var(--muted); }
.detail a, .chains a { color: inherit; text-decoration: none; border-bottom: 1px dotted #94a3b8; cursor: pointer; }
.detail a:hover, .chains a:hover { color: var(--intern); }
.filters { display: flex; align-items: center; gap: 10px; margin-left: auto; }
.filters input { font: 13px var(--sans); width: 260px; padding: 5px 9px; border: 1px solid var(--line); border-radius: 6px; }
.count { color: var(--muted); font-size: 12.5px; font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 7px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: #fafbfc; cursor: pointer; user-select: none; white-space: nowrap; position: sticky; top: 0; }
th[aria-sort=ascending]::after { content: " ▲"; font-size: 9px; } th[aria-sort=descending]::after { content: " ▼"; font-size: 9px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.name { word-break: break-all; width: 34%; }
td.why { width: 30%; }
td.name .file { color: var(--muted); font-size: 11.5px; font-family: var(--mono); }
td.why { color: #334155; font-size: 13px; word-break: break-word; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: #f8fafc; }
tbody tr.sel { background: #eff6ff; }
.muted { color: var(--muted); }
.pad { padding: 0 16px; }
ul.chains, ul.problems { list-style: none; margin: 0; padding: 4px 0; }
ul.chains li, ul.problems li { padding: 8px 16px; border-bottom: 1px solid var(--line); word-break: break-all; }
ul.chains li:last-child, ul.problems li:last-child { border-bottom: none; }
.chain { margin-top: 3px; font-size: 12.5px; }
.chain .arrow { color: var(--muted); margin: 0 6px; }
.target { font-weight: 600; }
.sev { font-size: 11px; font-weight: 700; text-transform: uppercase; padding: 1px 6px; border-radius: 4px; background: #fef3c7; color: #92400e; }
.sev-error { background: #fee2e2; color: #991b1b; } .sev-note { background: #e0f2fe; color: #075985; }
footer { color: var(--muted); font-size: 12px; padding: 8px 20px 28px; }
@media (max-width: 900px) { .graph-body { flex-direction: column; } .detail { width: auto; border-left: none; border-top: 1px solid var(--line); } }
`

const reportJS = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("pkgbuild-data").textContent);
  var nodes = data.nodes;
  var svg = document.getElementById("graph");
  var viewport = document.getElementById("viewport");
  var detail = document.getElementById("detail");
  var edgeEls = Array.prototype.slice.call(svg.querySelectorAll("path.edge"));
  var nodeEls = nodes.map(function (_, i) { return document.getElementById("n" + i); });
  var rows = Array.prototype.slice.call(document.querySelectorAll("#module-table tbody tr"));
  var selected = -1;

  function idx(id) { return parseInt(String(id).slice(1), 10); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Highlighting: a set of nodes, and the edges between them that match.
  function highlight(set, edgeOk) {
    nodeEls.forEach(function (n, i) { n.classList.toggle("hi", set.has(i)); });
    edgeEls.forEach(function (p) {
      p.classList.toggle("hi", edgeOk(idx(p.getAttribute("data-from")), idx(p.getAttribute("data-to"))));
    });
    svg.classList.toggle("focus", set.size > 0);
  }
  function neighbourhood(i) {
    var s = new Set([i]);
    nodes[i].deps.forEach(function (d) { s.add(d); });
    nodes[i].rdeps.forEach(function (d) { s.add(d); });
    highlight(s, function (a, b) { return a === i || b === i; });
  }
  function chainOf(i) {
    var c = nodes[i].chain, s = new Set(c), steps = new Set();
    for (var k = 1; k < c.length; k++) steps.add(c[k - 1] + ">" + c[k]);
    highlight(s, function (a, b) { return steps.has(a + ">" + b); });
  }
  function restore() {
    if (selected >= 0) chainOf(selected); else highlight(new Set(), function () { return false; });
  }

  function link(i) {
    var a = el("a", null, nodes[i].name);
    a.href = "#n" + i;
    a.addEventListener("click", function (ev) { ev.preventDefault(); select(i, true); });
    return a;
  }
  function list(title, items) {
    detail.appendChild(el("h4", null, title + " (" + items.length + ")"));
    var ul = el("ul");
    if (items.length === 0) ul.appendChild(el("li", "muted", "none"));
    items.forEach(function (i) { var li = el("li"); li.appendChild(link(i)); ul.appendChild(li); });
    detail.appendChild(ul);
  }
  function select(i, scroll) {
    selected = i;
    nodeEls.forEach(function (n, k) { n.classList.toggle("sel", k === i); });
    rows.forEach(function (r) { r.classList.toggle("sel", idx(r.getAttribute("data-id")) === i); });
    var n = nodes[i];
    detail.textContent = "";
    detail.appendChild(el("span", "badge a-" + n.action, n.label));
    detail.appendChild(el("h3", null, n.name));
    detail.appendChild(el("div", "muted", n.why));
    if (n.file) detail.appendChild(el("div", "muted", n.file));
    if (n.size >= 0) detail.appendChild(el("div", "muted", n.size + " bytes"));
    detail.appendChild(el("h4", null, "Why it is here"));
    var ul = el("ul", "chain");
    n.chain.forEach(function (c) { var li = el("li"); li.appendChild(link(c)); ul.appendChild(li); });
    detail.appendChild(ul);
    list("Imports", n.deps);
    list("Imported by", n.rdeps);
    chainOf(i);
    if (scroll) {
      var box = nodeEls[i].getBBox(), s = scale;
      viewport.scrollTo({ left: box.x * s - viewport.clientWidth / 3, top: box.y * s - viewport.clientHeight / 2, behavior: "smooth" });
    }
  }
  nodeEls.forEach(function (n, i) {
    n.addEventListener("mouseenter", function () { neighbourhood(i); });
    n.addEventListener("mouseleave", restore);
    n.addEventListener("click", function () { select(i, false); });
    n.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(i, false); } });
  });
  document.querySelectorAll(".chains a[data-id], #detail a[data-id]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      select(idx(a.getAttribute("data-id")), true);
      document.getElementById("graph-section").scrollIntoView({ behavior: "smooth" });
    });
  });

  // Zoom.
  var natW = parseFloat(svg.getAttribute("data-width")), natH = parseFloat(svg.getAttribute("data-height"));
  var scale = 1;
  function zoom(s) {
    scale = Math.max(0.1, Math.min(4, s));
    svg.setAttribute("width", (natW * scale).toFixed(1));
    svg.setAttribute("height", (natH * scale).toFixed(1));
  }
  function fit() { return Math.min(1, (viewport.clientWidth - 2) / natW); }
  document.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var z = b.getAttribute("data-zoom");
      zoom(z === "in" ? scale * 1.25 : z === "out" ? scale / 1.25 : z === "fit" ? fit() : 1);
    });
  });
  zoom(Math.max(fit(), 0.6));

  // The table: filter, sort, select.
  var filter = document.getElementById("filter"), shown = document.getElementById("shown");
  function applyFilter() {
    var q = filter.value.trim().toLowerCase(), count = 0;
    rows.forEach(function (r) {
      var hay = (r.getAttribute("data-name") + " " + r.getAttribute("data-action") + " " + r.getAttribute("data-why")).toLowerCase();
      var ok = q === "" || hay.indexOf(q) >= 0;
      r.hidden = !ok;
      if (ok) count++;
    });
    shown.textContent = count + " of " + rows.length + " shown";
  }
  filter.addEventListener("input", applyFilter);
  var tbody = document.querySelector("#module-table tbody");
  document.querySelectorAll("#module-table th").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-sort");
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      document.querySelectorAll("#module-table th").forEach(function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
      var numeric = key === "size" || key === "imports" || key === "importers";
      rows.sort(function (a, b) {
        var x = a.getAttribute("data-" + key), y = b.getAttribute("data-" + key), c;
        c = numeric ? parseFloat(x) - parseFloat(y) : (x < y ? -1 : x > y ? 1 : 0);
        if (c === 0) c = a.getAttribute("data-name") < b.getAttribute("data-name") ? -1 : 1;
        return c * dir;
      });
      rows.forEach(function (r) { tbody.appendChild(r); });
    });
  });
  rows.forEach(function (r) {
    r.addEventListener("click", function () {
      select(idx(r.getAttribute("data-id")), true);
      document.getElementById("graph-section").scrollIntoView({ behavior: "smooth" });
    });
  });
  applyFilter();

  // A link to "report.html#module=NAME" opens with that module selected.
  var m = /^#module=(.*)$/.exec(location.hash);
  if (m) {
    var want = decodeURIComponent(m[1]);
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].name === want) { select(i, true); break; }
    }
  }
  document.documentElement.setAttribute("data-ready", "true");
})();
`
