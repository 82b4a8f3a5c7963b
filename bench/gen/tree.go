package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// maxPkgDepth is the deepest package nesting: top.a.b.c.d holds modules at
// most, as in real projects (sympy, torchvision and the stdlib stay within 5).
const maxPkgDepth = 5

// mod is one generated module: a package (__init__.py) or a plain .py file.
type mod struct {
	name     string // dotted
	short    string // last component
	parent   int    // index of the containing package, -1 for a top package
	isPkg    bool
	depth    int   // 1 for a top package, 2 for its children, ...
	children []int // packages: direct children, in post order
	lo       int   // packages: index of the first module of the subtree (post order)
	size     int   // target file size in bytes
	classes  []string
	funcs    []string
	cycle    []int // top-level imports that close an import cycle
	cyclic   bool
}

// tree is the whole generated project, modules in post order: every
// package comes right after its subtree, so a package's subtree is the
// index interval [lo, index].
type tree struct {
	seed   uint64
	mods   []mod
	tops   []int
	cycles int
}

var topWords = []string{"atlaskit", "helixlib", "quasarnet", "nimbusml", "vertexai_gen", "zephyrflow", "orionvision", "lumenio", "corvidtrain", "pyxisdata", "tesserakt", "kestrelops"}

var pkgWords = []string{
	"models", "data", "ops", "utils", "backends", "io", "transforms", "datasets", "layers",
	"training", "serving", "optim", "metrics", "losses", "modules", "blocks", "heads", "encoders",
	"decoders", "vision", "text", "audio", "tokenizers", "kernels", "runtime", "compat", "quantization",
	"distributed", "parallel", "export", "tools", "cli", "plugins", "registry", "configs", "schedulers",
	"callbacks", "loggers", "storage", "cache", "pipelines", "features", "sampling", "augment", "graph",
	"sparse", "linalg", "fft", "signal", "geometry", "detection", "segmentation", "tracking", "retrieval",
	"embeddings", "attention", "experimental", "internal", "contrib", "legacy", "testing", "benchmarks",
	"core", "common", "base", "impl", "api", "engine", "hub", "checkpoint", "profiling", "native",
}

var leafWords = []string{
	"utils", "config", "base", "core", "functional", "ops", "registry", "loss", "metrics", "layers",
	"conv", "linear", "norm", "activation", "pooling", "dropout", "embedding", "attention", "transformer",
	"resnet", "vit", "mlp", "rnn", "lstm", "gru", "init", "helpers", "types", "constants", "errors",
	"exceptions", "logging_utils", "io_utils", "file_utils", "download", "hub", "checkpoint", "serialization",
	"trainer", "optimizer", "scheduler", "callbacks", "hooks", "events", "dispatch", "builder", "factory",
	"loader", "dataset", "sampler", "collate", "transforms", "augment", "tokenizer", "vocab", "encoding",
	"decoding", "beam_search", "generation", "sampling", "evaluation", "inference", "predictor", "export",
	"tracing", "scripting", "quantize", "prune", "fuse", "graph", "node", "passes", "rewriter", "lowering",
	"codegen", "kernels", "cuda", "cpu", "mps", "memory", "profiler", "timer", "distributed", "comm",
	"sharding", "fsdp", "ddp", "rpc", "pipeline", "stage", "tensor_ops", "shape", "dtype", "device",
	"random", "seed", "parser", "cli", "main", "version", "compat", "deprecation", "warnings_utils",
	"decorators", "context", "state", "cache", "lru", "hashing", "paths", "env", "platform_utils",
	"image", "video", "audio", "text", "boxes", "masks", "keypoints", "anchors", "matcher", "coder",
	"heads", "necks", "backbone", "fpn", "roi_align", "nms", "detection", "segmentation", "classification",
	"regression", "ranking", "retrieval", "index", "search", "store", "schema", "validation", "typing_utils",
	"_impl", "_private", "_compat", "_utils", "_ops", "_registry", "_internal", "_version", "_meta",
}

var classWords = []string{"Config", "Builder", "Registry", "Module", "Block", "Layer", "Encoder", "Decoder",
	"Head", "Loss", "Metric", "Trainer", "Optimizer", "Scheduler", "Callback", "Hook", "Loader", "Dataset",
	"Sampler", "Transform", "Tokenizer", "Vocab", "Predictor", "Exporter", "Tracer", "Pass", "Node", "Graph",
	"Kernel", "Buffer", "Cache", "State", "Context", "Manager", "Handler", "Dispatcher", "Factory", "Wrapper",
	"Adapter", "Mixin", "Spec", "Schema", "Record", "Result", "Error", "Warning", "Policy", "Strategy"}

var adjWords = []string{"Base", "Simple", "Fast", "Lazy", "Fused", "Sparse", "Dense", "Masked", "Cached",
	"Async", "Distributed", "Local", "Remote", "Default", "Custom", "Generic", "Abstract", "Dynamic", "Static",
	"Conv", "Linear", "Residual", "Gated", "Multi", "Cross", "Self", "Deep", "Shallow", "Quantized", "Scaled"}

var verbWords = []string{"build", "load", "save", "make", "get", "set", "create", "compute", "apply", "convert",
	"parse", "format", "resolve", "register", "lookup", "normalize", "validate", "check", "init", "reset",
	"update", "merge", "split", "flatten", "gather", "scatter", "reduce", "encode", "decode", "pack", "unpack",
	"prepare", "run", "evaluate", "predict", "train", "fit", "transform", "collate", "sample", "shuffle"}

var nounWords = []string{"config", "state", "weights", "params", "batch", "tensor", "shape", "mask", "index",
	"cache", "graph", "node", "module", "layer", "model", "output", "input", "loss", "metric", "path", "file",
	"device", "dtype", "seed", "vocab", "tokens", "ids", "boxes", "scores", "labels", "features", "logits",
	"hidden", "kernel", "stride", "padding", "groups", "buffer", "stats", "options", "spec", "schema", "key"}

func lognormal(r *rand.Rand, mu, sigma float64) float64 {
	return math.Exp(mu + sigma*r.NormFloat64())
}

// node is the tree before it is laid out in post order.
type node struct {
	short    string
	isPkg    bool
	budget   int // modules in the subtree, the package's own __init__ included
	children []*node
}

// buildTree lays out n modules in nested packages.
func buildTree(n int, seed uint64) *tree {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	t := &tree{seed: seed}
	ntops := 1 + n/10000
	if ntops > len(topWords) {
		ntops = len(topWords)
	}
	// Split n among the top packages, unevenly, each at least 1.
	budgets := split(r, n, ntops)
	var roots []*node
	for i, b := range budgets {
		roots = append(roots, grow(r, topWords[i], b, 1))
	}
	for _, root := range roots {
		t.tops = append(t.tops, t.layout(root, -1, "", 1))
	}
	t.assignSizes()
	t.assignExports()
	t.makeCycles(r, n)
	return t
}

// split divides total into k parts of at least 1, with lognormal weights
// (real packages are uneven: a few big subpackages and many small ones).
func split(r *rand.Rand, total, k int) []int {
	if k > total {
		k = total
	}
	out := make([]int, k)
	w := make([]float64, k)
	sum := 0.0
	for i := range w {
		w[i] = lognormal(r, 0, 0.9)
		sum += w[i]
	}
	left := total - k
	used := 0
	for i := range out {
		share := int(float64(left) * w[i] / sum)
		out[i] = 1 + share
		used += share
	}
	for i := 0; used < left; i = (i + 1) % k {
		out[i]++
		used++
	}
	return out
}

// grow makes a package node of the given budget at the given depth.
func grow(r *rand.Rand, short string, budget, depth int) *node {
	p := &node{short: short, isPkg: true, budget: budget}
	rest := budget - 1
	if rest <= 0 {
		return p
	}
	leaves := int(lognormal(r, math.Log(7), 0.7))
	if leaves < 1 {
		leaves = 1
	}
	if leaves > rest || depth == maxPkgDepth || rest-leaves < 4 {
		leaves = rest
	}
	subBudget := rest - leaves
	used := map[string]bool{}
	pick := func(words []string) string {
		w := words[r.IntN(len(words))]
		name := w
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s_%d", w, i)
		}
		used[name] = true
		return name
	}
	var subs []*node
	if subBudget > 0 {
		k := int(math.Ceil(math.Sqrt(float64(subBudget)/8) * (0.6 + 0.8*r.Float64())))
		if k < 1 {
			k = 1
		}
		if k > 16 {
			k = 16
		}
		for _, b := range split(r, subBudget, k) {
			subs = append(subs, grow(r, pick(pkgWords), b, depth+1))
		}
	}
	var leafNodes []*node
	for i := 0; i < leaves; i++ {
		leafNodes = append(leafNodes, &node{short: pick(leafWords), budget: 1})
	}
	// Interleave leaves and subpackages in name order, as a directory
	// listing would show them.
	p.children = append(leafNodes, subs...)
	sortNodes(p.children)
	return p
}

func sortNodes(ns []*node) {
	for i := 1; i < len(ns); i++ {
		for j := i; j > 0 && ns[j].short < ns[j-1].short; j-- {
			ns[j], ns[j-1] = ns[j-1], ns[j]
		}
	}
}

// layout appends the subtree in post order and returns the node's index.
func (t *tree) layout(nd *node, parent int, prefix string, depth int) int {
	name := nd.short
	if prefix != "" {
		name = prefix + "." + nd.short
	}
	if !nd.isPkg {
		t.mods = append(t.mods, mod{name: name, short: nd.short, parent: parent, depth: depth})
		return len(t.mods) - 1
	}
	lo := len(t.mods)
	// The package's index is only known after its subtree: lay out the
	// children with a placeholder parent, then patch it.
	var kids []int
	for _, c := range nd.children {
		kids = append(kids, t.layout(c, -2, name, depth+1))
	}
	idx := len(t.mods)
	t.mods = append(t.mods, mod{name: name, short: nd.short, parent: parent, isPkg: true, depth: depth, children: kids, lo: lo})
	for _, k := range kids {
		t.mods[k].parent = idx
	}
	return idx
}

// assignSizes draws each file's size. Plain modules follow a lognormal fit
// of CPython 3.11's own library (non-test .py files: median 8.5 KB, mean
// 17 KB, p10 0.8 KB, p90 37 KB); __init__ files are small and a third of
// them hold little more than a docstring.
func (t *tree) assignSizes() {
	for i := range t.mods {
		r := t.rng(i, 1)
		m := &t.mods[i]
		if m.isPkg {
			if r.Float64() < 0.35 {
				m.size = 40 + r.IntN(160)
			} else {
				m.size = clamp(int(lognormal(r, math.Log(1400), 1.1)), 250, 40000)
			}
			continue
		}
		m.size = clamp(int(lognormal(r, 9.0, 1.3)), 300, 150000)
	}
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// assignExports names the public classes and functions of each plain
// module, so that importers can say `from a.b import Name`.
func (t *tree) assignExports() {
	for i := range t.mods {
		m := &t.mods[i]
		if m.isPkg {
			continue
		}
		r := t.rng(i, 2)
		used := map[string]bool{}
		nc := 1 + r.IntN(3)
		for j := 0; j < nc; j++ {
			name := adjWords[r.IntN(len(adjWords))] + classWords[r.IntN(len(classWords))]
			if used[name] {
				continue
			}
			used[name] = true
			m.classes = append(m.classes, name)
		}
		nf := 1 + r.IntN(3)
		for j := 0; j < nf; j++ {
			name := verbWords[r.IntN(len(verbWords))] + "_" + nounWords[r.IntN(len(nounWords))]
			if used[name] {
				continue
			}
			used[name] = true
			m.funcs = append(m.funcs, name)
		}
	}
}

// makeCycles links a few groups of 2 or 3 sibling modules in a ring of
// top-level `import a.b.c` statements. Ring members import nothing else of
// the project at top level, which keeps the ring importable from any
// member: the only code that runs while a member is half-initialized is
// the other members' plain imports.
func (t *tree) makeCycles(r *rand.Rand, n int) {
	want := 2 + n/2000
	var pkgs []int
	for i, m := range t.mods {
		if m.isPkg {
			pkgs = append(pkgs, i)
		}
	}
	for tries := 0; t.cycles < want && tries < 50*want; tries++ {
		p := pkgs[r.IntN(len(pkgs))]
		var free []int
		for _, c := range t.mods[p].children {
			if !t.mods[c].isPkg && !t.mods[c].cyclic {
				free = append(free, c)
			}
		}
		k := 2 + r.IntN(2)
		if len(free) < k {
			continue
		}
		r.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
		ring := free[:k]
		for j, a := range ring {
			t.mods[a].cyclic = true
			t.mods[a].cycle = append(t.mods[a].cycle, ring[(j+1)%k])
		}
		t.cycles++
	}
}

// rng returns the random stream of module i for one purpose, so that
// modules can be written in parallel and still come out the same.
func (t *tree) rng(i, purpose int) *rand.Rand {
	return rand.New(rand.NewPCG(t.seed^uint64(purpose)<<56, uint64(i)*0x2545f4914f6cdd1d+1))
}

// path returns the module's file path below the root, "/"-separated.
func (t *tree) path(i int) string {
	m := &t.mods[i]
	p := strings.ReplaceAll(m.name, ".", "/")
	if m.isPkg {
		return p + "/__init__.py"
	}
	return p + ".py"
}

// pkgOf returns the package that relative imports in module i start from:
// the module itself for a package, else its parent.
func (t *tree) pkgOf(i int) int {
	if t.mods[i].isPkg {
		return i
	}
	return t.mods[i].parent
}
