package resolver

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/pkgbuild/pkgbuild/scanner"
	"github.com/pkgbuild/pkgbuild/scanner/pickle"
)

// Matcher matches dotted module names (manifest.Glob implements it). The
// scan workers call Match at the same time, so it must be safe for
// concurrent use.
type Matcher interface {
	Match(name string) bool
	String() string
}

// Pos is where a manifest entry was declared.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	if p.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Rule is one [[rule]]: the first rule whose Match accepts a module decides
// its action.
type Rule struct {
	Action     Action
	Match      Matcher
	AllowEmpty bool
	Pos        Pos
}

// Entry is a dotted module name from the manifest (modules, trees).
type Entry struct {
	Name string
	Pos  Pos
}

// Source provides a module's code from a file, like save_source_string.
type Source struct {
	Module    string
	File      string
	IsPackage bool
	Pos       Pos
	// Data, when not nil, is the code, and File only names where it came
	// from ("<archive>/<record>"): a module of a [[from_package]] archive.
	Data []byte
	// FromArchive marks a module of a [[from_package]] archive: it is only
	// used when no other Source and no root provides the module.
	FromArchive bool
}

// Pickle is a pickle made elsewhere, stored at Package/Name.
type Pickle struct {
	Package, Name, File string
	Pos                 Pos
	// Data, when not nil, is the pickle, and File only names where it came
	// from ("<archive>/<record>"): a [[from_package]] pickle.
	Data []byte
}

// Resource is a file stored at Package/Name.
type Resource struct {
	Package, Name, File string
	Pos                 Pos
	// FromArchive marks a [[from_package]] resource: File only names where
	// it came from ("<archive>/<record>"), and the caller writes it.
	FromArchive bool
}

// Edges adds (Hidden) or removes (Ignore) dependencies of the modules that
// From matches.
type Edges struct {
	From    Matcher
	Imports []string // Hidden: module names to add
	Match   Matcher  // Ignore: modules not to follow
	Pos     Pos
}

// Config is everything the resolver needs from the manifest, as plain values.
type Config struct {
	Python    string
	Roots     []string
	Modules   []Entry
	Trees     []Entry
	Rules     []Rule
	Sources   []Source
	Pickles   []Pickle
	Resources []Resource
	Hidden    []Edges
	Ignore    []Edges
	// TorchParents leaves parent packages of interned modules out, as
	// torch.package does, instead of interning them.
	TorchParents bool
}

// Options are the resolver's collaborators.
type Options struct {
	FS FS // default OSFS
	// Scan reads and scans one Python file; the default reads it through FS
	// and calls scanner.Parse. The cache supplies a memoizing one.
	Scan func(path string) (*scanner.File, error)
	// Jobs is the number of files scanned at once (default GOMAXPROCS).
	Jobs int
}

// disallowed are standard-library modules torch.package never externs
// implicitly, because of their system-level access: they need a rule.
var disallowed = map[string]bool{"sys": true, "io": true}

type resolver struct {
	cfg    *Config
	opts   Options
	find   *finder // safe for concurrent use
	stdlib map[string]bool
	// provided and resPkgs are filled in before explore starts the scan
	// workers, and only read after, by the workers too.
	provided map[string]provision
	resPkgs  map[string]bool
	// providedParents holds the parent package of each provided module,
	// so that hasSubmodule builds a dotted name only when it may be one.
	providedParents map[string]bool

	// The graph and what is learnt while building it belong to the
	// goroutine that runs Resolve: workers never touch them.
	nodes    map[string]*Node
	problems Problems
	ruleUsed []bool
	inputs   map[string]bool
	starts   []string
	// fresh are the interned nodes explore has not queued for scanning yet.
	fresh []*Node
}

type provision struct {
	file      string
	isPackage bool
	why       string
	data      []byte // the code, when it is not read from file
}

// Resolve builds the dependency graph of the package the configuration
// describes. It never stops at the first problem: every problem found is in
// Graph.Problems, and the graph is as complete as the inputs allow.
func Resolve(cfg *Config, opts Options) (*Graph, error) {
	if opts.FS == nil {
		opts.FS = OSFS{}
	}
	if opts.Scan == nil {
		fsys := opts.FS
		opts.Scan = func(path string) (*scanner.File, error) {
			data, err := fsys.ReadFile(path)
			if err != nil {
				return nil, err
			}
			return scanner.Parse(data)
		}
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.GOMAXPROCS(0)
	}
	std, err := Stdlib(cfg.Python)
	if err != nil {
		return nil, err
	}
	r := &resolver{
		cfg: cfg, opts: opts, stdlib: std,
		find:     newFinder(opts.FS, cfg.Roots),
		nodes:    map[string]*Node{},
		provided: map[string]provision{},
		ruleUsed: make([]bool, len(cfg.Rules)),
		resPkgs:  map[string]bool{},
		inputs:   map[string]bool{},
	}
	r.run()
	g := &Graph{Nodes: r.nodes, Problems: mergeSites(r.problems)}
	g.Order = order(r.nodes, r.starts)
	var chains shortestChains // one walk of the graph for every problem
	for _, p := range g.Problems {
		if p.Module != "" && len(p.Chain) == 0 {
			if chains == nil {
				chains = g.shortestChains("")
			}
			p.Chain = chains.to(g, p.Module)
		}
	}
	g.Problems.Sort()
	for f := range r.inputs {
		g.Inputs = append(g.Inputs, f)
	}
	sort.Strings(g.Inputs)
	g.Dirs = r.find.listed()
	return g, nil
}

func (r *resolver) problem(p *Problem) { r.problems = append(r.problems, p) }

func (r *resolver) run() {
	for _, res := range r.cfg.Resources {
		if !res.FromArchive {
			r.inputs[res.File] = true
		}
		for pkg := res.Package; pkg != ""; pkg = parentOf(pkg) {
			r.resPkgs[pkg] = true
		}
	}
	var sources []string
	for _, s := range r.cfg.Sources {
		why := "[[source]]"
		if s.FromArchive {
			// The manifest's sources and the roots come first.
			if _, ok := r.provided[s.Module]; ok || r.inRoots(s.Module) {
				continue
			}
			why = "[[from_package]]"
		}
		if _, ok := r.provided[s.Module]; !ok {
			sources = append(sources, s.Module)
		}
		r.provided[s.Module] = provision{file: s.File, isPackage: s.IsPackage, why: why, data: s.Data}
	}
	var treeMods []string
	for _, t := range r.cfg.Trees {
		loc := r.find.Find(t.Name)
		if loc.Kind != Package && loc.Kind != Namespace {
			r.problem(&Problem{Reason: EntryMissing, Module: t.Name, File: t.Pos.File, Line: t.Pos.Line,
				Context: fmt.Sprintf("trees needs a package; %s is %s", t.Name, loc.Kind),
				Fix:     "check the name and the roots, or list it under modules"})
			continue
		}
		for _, tf := range r.find.walkPackage(t.Name, loc.Dirs) {
			if _, ok := r.provided[tf.Module]; ok {
				continue
			}
			r.provided[tf.Module] = provision{file: tf.File, isPackage: tf.IsPackage, why: "tree " + t.Name}
			treeMods = append(treeMods, tf.Module)
		}
	}
	var entries []string
	for _, e := range r.cfg.Modules {
		if _, ok := r.provided[e.Name]; ok {
			entries = append(entries, e.Name)
			continue
		}
		loc := r.find.Find(e.Name)
		switch loc.Kind {
		case NotFound:
			r.problem(&Problem{Reason: EntryMissing, Module: e.Name, File: e.Pos.File, Line: e.Pos.Line,
				Fix: r.suggestEntry(e.Name)})
			continue
		case Extension, Bytecode:
			r.problem(r.unpackageable(e.Name, loc))
			continue
		}
		r.provided[e.Name] = provision{file: loc.File, isPackage: loc.Kind != Module, why: "entry module"}
		entries = append(entries, e.Name)
	}

	// Pickles come first, as torch writes them when save_pickle is called.
	for _, p := range r.cfg.Pickles {
		r.addPickle(p)
	}
	r.starts = append(r.starts, sources...)
	r.starts = append(r.starts, treeMods...)
	r.starts = append(r.starts, entries...)
	for _, s := range r.starts {
		r.require(s, "", 0)
	}
	r.explore()

	for i, rule := range r.cfg.Rules {
		if !rule.AllowEmpty && !r.ruleUsed[i] {
			r.problem(&Problem{Reason: EmptyMatch, File: rule.Pos.File, Line: rule.Pos.Line,
				Context: fmt.Sprintf("rule %d (%s %s) matched no module", i+1, rule.Action, rule.Match),
				Fix:     "fix the pattern, or remove allow_empty = false"})
		}
	}
	r.markMockPackages()
	r.checkStructure()
}

func (r *resolver) suggestEntry(name string) string {
	if i := strings.IndexByte(name, '.'); i > 0 {
		if r.find.Find(name[:i]).Kind == NotFound {
			return fmt.Sprintf("no root holds %s; add its folder to roots", name[:i])
		}
	}
	return "check the module name and the roots"
}

// decide is torch's add_dependency decision for a module that is not
// provided: SKIP, the mock module, implicit externs, then the first
// matching rule.
func (r *resolver) decide(name string) (Action, int, string) {
	if p, ok := r.provided[name]; ok {
		return Intern, -1, p.why
	}
	switch name {
	case "torch_package_importer":
		return Skip, -1, "provided by PackageImporter"
	case "_mock":
		return MockModule, -1, "the mock implementation"
	}
	top := topOf(name)
	if top == "torch" {
		return Extern, -1, "implicit: torch"
	}
	if r.stdlib[top] && !disallowed[top] {
		return Extern, -1, "implicit: stdlib"
	}
	for i, rule := range r.cfg.Rules {
		if rule.Match.Match(name) {
			return rule.Action, i, fmt.Sprintf("rule %d", i+1)
		}
	}
	return NoAction, -1, "no rule matched"
}

// require adds a module to the graph if it is not there yet, deciding its
// action, and queues its source for scanning when it is interned. from and
// line say which import asked for it, for diagnostics.
func (r *resolver) require(name, from string, line int) *Node {
	if n, ok := r.nodes[name]; ok {
		return n
	}
	action, rule, why := r.decide(name)
	n := &Node{Name: name, Action: action, Rule: rule, Why: why}
	r.nodes[name] = n
	if rule >= 0 {
		r.ruleUsed[rule] = true
	}
	fromFile := ""
	if from != "" {
		fromFile = r.nodes[from].File
	}
	switch action {
	case NoAction:
		r.problem(&Problem{Reason: NoRule, Module: name, File: fromFile, Line: line, Fix: r.fixFor(name)})
	case Deny:
		r.problem(&Problem{Reason: Denied, Module: name, File: fromFile, Line: line,
			Context: fmt.Sprintf("denied by rule %d at %s", rule+1, r.cfg.Rules[rule].Pos),
			Fix:     "remove the import, or change the rule"})
	case Intern:
		r.intern(n, fromFile, line)
	}
	return n
}

func (r *resolver) intern(n *Node, fromFile string, line int) {
	r.fresh = append(r.fresh, n)
	if p, ok := r.provided[n.Name]; ok {
		n.File, n.IsPackage, n.Data = p.file, p.isPackage, p.data
		if n.Data != nil {
			return // File only names where the code came from
		}
	} else {
		loc := r.find.Find(n.Name)
		switch loc.Kind {
		case NotFound:
			r.problem(&Problem{Reason: ImportNotFound, Module: n.Name, File: fromFile, Line: line,
				Context: fmt.Sprintf("%s interns it, but it is not in the roots", n.Why),
				Fix:     "add the folder that holds it to roots, or extern it"})
			return
		case Extension, Bytecode:
			r.problem(r.unpackageable(n.Name, loc))
			return
		}
		n.File, n.IsPackage = loc.File, loc.Kind != Module
	}
	if n.File != "" {
		r.inputs[n.File] = true
	}
}

func (r *resolver) unpackageable(name string, loc Location) *Problem {
	if loc.Kind == Extension {
		return &Problem{Reason: IsExtension, Module: name, File: loc.File,
			Fix: fmt.Sprintf("extern it: [[rule]] extern = %q", name)}
	}
	return &Problem{Reason: NoSource, Module: name, File: loc.File,
		Context: "only bytecode (.pyc) was found", Fix: fmt.Sprintf("provide its source, or extern it: [[rule]] extern = %q", name)}
}

// fixFor suggests a rule for a module no rule matched: a pattern for its
// top-level package.
func (r *resolver) fixFor(name string) string {
	top := topOf(name)
	if disallowed[top] {
		return fmt.Sprintf("%s has system-level access, so it is never externed implicitly; remove the import, or add [[rule]] extern = %q", top, top)
	}
	verb := "extern"
	if r.find.Find(top).Kind != NotFound {
		verb = "intern"
	}
	return fmt.Sprintf("add [[rule]] %s = %q (or extern/mock it)", verb, top+".**")
}

// module is what a scan worker knows of an interned module: a copy of its
// node's fields, so that workers never read the graph. seq is its place in
// the order modules were queued for scanning.
type module struct {
	seq       int
	name      string
	file      string
	isPackage bool
	data      []byte
}

// scanned is the part of resolving a module that depends only on its file,
// the configuration and the roots, never on the graph: its dependencies
// before its parent package, and the problems found on the way, in the
// order they were found. Scan workers make it; finish applies it.
type scanned struct {
	seq      int
	name     string
	deps     depList
	problems []*Problem
}

// depList is a module's dependencies in torch's order, each named once,
// with the line of the import that named it first (0 for [[hidden]]
// imports and the parent package). A module never depends on itself.
type depList struct {
	self  string
	names []string
	lines map[string]int
}

func (l *depList) add(d string, line int) {
	if _, ok := l.lines[d]; !ok && d != l.self {
		if l.lines == nil {
			l.lines = map[string]int{}
		}
		l.lines[d] = line
		l.names = append(l.names, d)
	}
}

// explore scans interned modules, in parallel, until no new module is
// required. Workers read and scan files and turn each scan into
// dependencies and problems (imports), which needs only the configuration
// and the roots; this goroutine alone changes the graph. It applies the
// workers' results in the order their modules were queued, whatever order
// they finish in, so the graph and its problems never depend on goroutine
// timing: they are the same with one worker or many.
func (r *resolver) explore() {
	r.providedParents = make(map[string]bool, len(r.provided))
	for name := range r.provided {
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			r.providedParents[name[:i]] = true
		}
	}
	// Buffered both ways, so that a worker neither waits for its next job
	// nor for its result to be taken while the coordinator applies others.
	jobs := make(chan module, 64)
	results := make(chan scanned, 64)
	var wg sync.WaitGroup
	for i := 0; i < r.opts.Jobs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range jobs {
				f, err := r.scan(m)
				results <- r.imports(m, f, err)
			}
		}()
	}
	queued := map[string]bool{}
	var pending []module // queued, not yet sent to a worker
	seq := 0             // modules queued so far
	collect := func() {
		for len(r.fresh) > 0 {
			batch := r.fresh
			r.fresh = nil
			for _, n := range batch {
				if n.Action != Intern || n.IsPickle || queued[n.Name] {
					continue
				}
				queued[n.Name] = true
				m := module{name: n.Name, file: n.File, isPackage: n.IsPackage, data: n.Data}
				if n.File == "" && n.Data == nil {
					r.finish(n, r.imports(m, nil, nil)) // a namespace package: nothing to scan
					continue
				}
				m.seq = seq
				seq++
				pending = append(pending, m)
			}
		}
	}
	collect()
	held := map[int]scanned{} // results that came before an earlier module's
	next := 0                 // the seq of the next result to apply
	for next < seq {
		var send chan module
		var first module
		if len(pending) > 0 {
			send, first = jobs, pending[0]
		}
		select {
		case send <- first:
			pending = pending[1:]
		case s := <-results:
			held[s.seq] = s
			for {
				s, ok := held[next]
				if !ok {
					break
				}
				delete(held, next)
				next++
				r.finish(r.nodes[s.name], s)
				collect()
			}
		}
	}
	close(jobs)
	wg.Wait()
}

// scan reads and scans a module's file, or its code when it came with it.
func (r *resolver) scan(m module) (*scanner.File, error) {
	if m.data != nil {
		return scanner.Parse(m.data)
	}
	return r.opts.Scan(m.file)
}

func scanProblem(m module, err error) *Problem {
	p := &Problem{Reason: BadPython, Module: m.name, File: m.file, Context: err.Error()}
	switch e := err.(type) {
	case *scanner.SyntaxError:
		p.Line = e.Line
		p.Fix = "fix the syntax error, or exclude the module from the package"
	case *scanner.RelativeImportError:
		p.Line = e.Line
		p.Fix = "a relative import cannot climb above the top-level package"
	default:
		p.Reason = NoSource
		p.Context = err.Error()
	}
	return p
}

// imports makes the scan of an interned module (f, or the error that
// scanning it gave; neither for a namespace package) into its
// dependencies, as torch's _get_dependencies does, followed by its
// [[hidden]] imports. It reads only the configuration and the roots, so
// the scan workers run it.
func (r *resolver) imports(m module, f *scanner.File, err error) scanned {
	s := scanned{seq: m.seq, name: m.name, deps: depList{self: m.name}}
	if err != nil {
		s.problems = append(s.problems, scanProblem(m, err))
		f = nil
	}
	if f != nil {
		refs, err := f.ModuleRefs(m.name, m.isPackage)
		if err != nil {
			s.problems = append(s.problems, scanProblem(m, err))
			refs = nil
		}
		s.deps.lines = make(map[string]int, len(refs))
		for _, ref := range refs {
			if r.ignored(m.name, ref.Module) {
				continue
			}
			if ref.HasName && r.hasSubmodule(ref.Module, ref.Name) {
				if sub := ref.Module + "." + ref.Name; !r.ignored(m.name, sub) {
					s.deps.add(sub, ref.Line)
				}
				continue
			}
			if ref.Module == "torch_package_importer" {
				continue
			}
			if r.exists(ref.Module) {
				s.deps.add(ref.Module, ref.Line)
				continue
			}
			if r.resPkgs[ref.Module] {
				continue // a package made of resources, present in the archive
			}
			reason := ImportNotFound
			if ref.Optional {
				reason = Optional
			}
			s.problems = append(s.problems, &Problem{Reason: reason, Module: ref.Module, File: m.file, Line: ref.Line,
				Context: fmt.Sprintf("imported by %s", m.name), Chain: nil, Fix: r.notFoundFix(ref.Module)})
		}
		for _, fd := range f.Findings {
			reason := CannotWork
			if fd.Code == "dynamic-import" {
				reason = DynamicImport
			}
			s.problems = append(s.problems, &Problem{Reason: reason, Module: m.name, File: m.file, Line: fd.Line, Context: fd.Message})
		}
	}
	for _, h := range r.cfg.Hidden {
		if h.From.Match(m.name) {
			for _, d := range h.Imports {
				s.deps.add(d, 0)
			}
		}
	}
	return s
}

// finish records the dependencies of an interned module from what imports
// made of its scan, adds its parent package, and requires them all.
func (r *resolver) finish(n *Node, s scanned) {
	r.problems = append(r.problems, s.problems...)
	deps := s.deps
	if !r.cfg.TorchParents {
		if p := parentOf(n.Name); p != "" {
			if r.internParent(p, n) {
				deps.add(p, 0)
			}
		}
	}
	n.Deps = deps.names
	for _, d := range deps.names {
		r.require(d, n.Name, deps.lines[d])
	}
}

// internParent decides whether the parent package p of the interned module
// child becomes a dependency. Python runs every parent's __init__.py before
// a submodule, so pkgbuild interns parents that have one; a rule that
// externs, mocks or denies such a parent is an error, since the package
// could not load.
func (r *resolver) internParent(p string, child *Node) bool {
	if n, ok := r.nodes[p]; ok {
		switch n.Action {
		case Intern:
			return true
		case NoAction:
			r.flipToParent(n, child)
			return true
		case Mock:
			r.mockedParent(n.Name, n.Rule, child)
		}
		return false // an extern above an interned module: checkStructure reports it
	}
	if _, ok := r.provided[p]; !ok {
		if loc := r.find.Find(p); loc.Kind != Package {
			return false // a namespace package, or a source-only module's missing parent: nothing to write
		}
	}
	action, rule, why := r.decide(p)
	switch action {
	case Intern, NoAction:
		n := &Node{Name: p, Action: Intern, Rule: rule, Why: why}
		if action == NoAction {
			n.Why = "parent of " + child.Name
		} else if rule >= 0 {
			r.ruleUsed[rule] = true
		}
		r.nodes[p] = n
		r.intern(n, child.File, 0)
		return true
	case Deny:
		return true // require reports the denial, with the chain through the child
	case Mock:
		r.mockedParent(p, rule, child)
	}
	return false
}

func (r *resolver) mockedParent(p string, rule int, child *Node) {
	r.problem(&Problem{Reason: BadStructure, Module: p, File: child.File,
		Context: fmt.Sprintf("it is the parent package of the interned %s, but rule %d mocks it; Python runs a parent's __init__.py before its submodules", child.Name, rule+1),
		Fix:     fmt.Sprintf("intern %s too (add exclude = [%q] to rule %d), or set parents = \"torch\"", p, p, rule+1)})
}

func (r *resolver) flipToParent(n *Node, child *Node) {
	n.Action, n.Why = Intern, "parent of "+child.Name
	kept := r.problems[:0]
	for _, p := range r.problems {
		if !(p.Reason == NoRule && p.Module == n.Name) {
			kept = append(kept, p)
		}
	}
	r.problems = kept
	r.intern(n, child.File, 0)
}

func (r *resolver) notFoundFix(name string) string {
	top := topOf(name)
	return fmt.Sprintf("add the folder that holds %s to roots, or add [[rule]] extern = %q, or [[ignore]] imports = [%q]", top, top+".**", name)
}

// inRoots reports whether the roots hold the module as a package or a
// module file (a namespace package provides no code).
func (r *resolver) inRoots(name string) bool {
	switch r.find.Find(name).Kind {
	case NotFound, Namespace:
		return false
	}
	return true
}

// hasSubmodule is existsInRoots(parent + "." + name) for the names of
// `from parent import name`, most of which are not modules: it asks the
// finder without building the dotted name, and the finder does not
// remember the answer.
func (r *resolver) hasSubmodule(parent, name string) bool {
	if r.providedParents[parent] {
		if _, ok := r.provided[parent+"."+name]; ok {
			return true
		}
	}
	return r.find.HasChild(parent, name)
}

// existsInRoots is torch's "is importable" for a submodule candidate of
// `from a import b`: only a module that is really there counts. Like exists
// and ignored, it reads only the configuration and the roots.
func (r *resolver) existsInRoots(name string) bool {
	if _, ok := r.provided[name]; ok {
		return true
	}
	return r.find.Find(name).Kind != NotFound
}

// exists is torch's "is importable" for an imported module: it is in the
// roots or the target's standard library (sys and io included), or a rule (or the implicit extern of torch and the standard
// library) says it comes from elsewhere.
func (r *resolver) exists(name string) bool {
	if r.existsInRoots(name) || r.stdlib[topOf(name)] {
		return true
	}
	switch a, _, _ := r.decide(name); a {
	case Extern, Mock, Deny, MockModule:
		return true
	}
	return false
}

func (r *resolver) ignored(from, name string) bool {
	for _, ig := range r.cfg.Ignore {
		if (ig.From == nil || ig.From.Match(from)) && ig.Match.Match(name) {
			return true
		}
	}
	return false
}

// addPickle scans a pickle for the modules its globals need and adds them
// as torch's save_pickle does; a global from a mocked module is an error.
func (r *resolver) addPickle(p Pickle) {
	name := fmt.Sprintf("<%s.%s>", p.Package, p.Name)
	n := &Node{Name: name, Action: Intern, Rule: -1, Why: "pickle", IsPickle: true, File: p.File}
	r.nodes[name] = n
	r.starts = append(r.starts, name)
	data, err := p.Data, error(nil)
	if data == nil {
		r.inputs[p.File] = true
		data, err = r.opts.FS.ReadFile(p.File)
	}
	var info *pickle.Info
	if err == nil {
		info, err = pickle.Scan(data)
	}
	if err != nil {
		entry := "[[pickle]]"
		if p.Data != nil {
			entry = "[[from_package]]"
		}
		r.problem(&Problem{Reason: BadPickle, Module: name, File: p.File, Context: err.Error(),
			Fix: "regenerate the pickle, or remove the " + entry + " entry at " + p.Pos.String()})
		return
	}
	fields := map[string][]string{}
	for _, g := range info.Globals {
		fields[g.Module] = append(fields[g.Module], g.Name)
	}
	for _, m := range info.Modules() {
		if r.ignored(name, m) {
			continue
		}
		n.Deps = append(n.Deps, m)
		if a, rule, _ := r.decide(m); a == Mock {
			if _, done := r.nodes[m]; !done {
				r.nodes[m] = &Node{Name: m, Action: Mock, Rule: rule, Why: fmt.Sprintf("rule %d", rule+1)}
				r.ruleUsed[rule] = true
			}
			r.problem(&Problem{Reason: MockedButUsed, Module: m, File: p.File,
				Context: fmt.Sprintf("pickle %s/%s uses %v from it", p.Package, p.Name, fields[m]),
				Fix:     fmt.Sprintf("intern or extern %s: a rule before rule %d", m, rule+1)})
			continue
		}
		r.require(m, "", 0)
	}
}

// markMockPackages decides whether each mocked module is written as a
// package (pkg/__init__.py) or a module (pkg.py): a package when the roots
// say so or when anything else in the archive lives below it.
func (r *resolver) markMockPackages() {
	for name, n := range r.nodes {
		if n.Action != Mock {
			continue
		}
		if k := r.find.Find(name).Kind; k == Package || k == Namespace {
			n.IsPackage = true
			continue
		}
		prefix := name + "."
		for other, o := range r.nodes {
			if strings.HasPrefix(other, prefix) && (o.Action == Intern || o.Action == Mock) && !o.IsPickle {
				n.IsPackage = true
				break
			}
		}
		for _, res := range r.cfg.Resources {
			if res.Package == name || strings.HasPrefix(res.Package, prefix) {
				n.IsPackage = true
			}
		}
	}
}

// checkStructure replays what PackageImporter does when it opens the
// archive (every extern first, then every record) and reports what it would
// reject: files below an extern, and modules that are not packages but have
// files below them.
func (r *resolver) checkStructure() {
	type tnode struct {
		kind     byte // 'p' package, 'm' module file, 'e' extern
		module   string
		children map[string]*tnode
	}
	root := &tnode{kind: 'p', children: map[string]*tnode{}}
	walk := func(atoms []string, what string, extern bool) (*tnode, bool) {
		cur := root
		for i, a := range atoms {
			nd := cur.children[a]
			if nd == nil {
				nd = &tnode{kind: 'p', children: map[string]*tnode{}, module: strings.Join(atoms[:i+1], ".")}
				cur.children[a] = nd
			}
			switch nd.kind {
			case 'e':
				if extern {
					return nil, false // the shorter extern covers this one
				}
				r.problem(&Problem{Reason: BadStructure, Module: what,
					Context: fmt.Sprintf("it is inside %s, which is externed, so PackageImporter cannot load it", nd.module),
					Fix:     fmt.Sprintf("intern %s instead, or do not extern %s (add exclude = [%q] to its rule)", nd.module, nd.module, nd.module)})
				return nil, false
			case 'm':
				r.problem(&Problem{Reason: BadStructure, Module: what,
					Context: fmt.Sprintf("it is below %s, a module file that is not a package", nd.module),
					Fix:     fmt.Sprintf("make %s a package, or move %s", nd.module, what)})
				return nil, false
			}
			cur = nd
		}
		return cur, true
	}
	for _, name := range sortedNames(r.nodes) {
		n := r.nodes[name]
		if n.Action != Extern {
			continue
		}
		atoms := strings.Split(name, ".")
		if pkg, ok := walk(atoms[:len(atoms)-1], name, true); ok {
			if pkg.children[atoms[len(atoms)-1]] == nil {
				pkg.children[atoms[len(atoms)-1]] = &tnode{kind: 'e', module: name, children: map[string]*tnode{}}
			}
		}
	}
	for _, name := range sortedNames(r.nodes) {
		n := r.nodes[name]
		if n.IsPickle || (n.Action != Intern && n.Action != Mock) || (n.Action == Intern && n.File == "") {
			continue
		}
		atoms := strings.Split(name, ".")
		if n.IsPackage {
			walk(atoms, name, false)
			continue
		}
		if pkg, ok := walk(atoms[:len(atoms)-1], name, false); ok {
			last := atoms[len(atoms)-1]
			if c := pkg.children[last]; c != nil && len(c.children) > 0 {
				r.problem(&Problem{Reason: BadStructure, Module: name,
					Context: "it is a module file, not a package, but the archive has files below it",
					Fix:     "make it a package (a folder with __init__.py)"})
				continue
			}
			pkg.children[last] = &tnode{kind: 'm', module: name, children: map[string]*tnode{}}
		}
	}
	for _, res := range r.cfg.Resources {
		walk(strings.Split(res.Package, "."), res.Package+"/"+res.Name, false)
	}
	for _, p := range r.cfg.Pickles {
		walk(strings.Split(p.Package, "."), p.Package+"/"+p.Name, false)
	}
}

func sortedNames(m map[string]*Node) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func parentOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i]
	}
	return ""
}

// topOf is a dotted name's first segment.
func topOf(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 {
		return name[:i]
	}
	return name
}

// mergeSites folds the problems about one missing import into one: a
// module imported from many places is reported once, at its first site
// (in path and line order), with the number of other places.
func mergeSites(ps Problems) Problems {
	type key struct {
		reason Reason
		module string
	}
	first := map[key]*Problem{}
	count := map[key]int{}
	var out Problems
	for _, p := range ps {
		if p.Reason != ImportNotFound && p.Reason != Optional {
			out = append(out, p)
			continue
		}
		k := key{p.Reason, p.Module}
		count[k]++
		f, ok := first[k]
		if !ok {
			first[k] = p
			out = append(out, p)
			continue
		}
		if p.File < f.File || (p.File == f.File && p.Line < f.Line) {
			*f = *p
		}
	}
	for k, p := range first {
		if n := count[k] - 1; n > 0 {
			p.Context += fmt.Sprintf(" (and from %d other place(s))", n)
		}
	}
	return out
}
