package scanner

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
)

// Parse reads Python source without running it and returns its import
// statements and findings. See the package documentation for what is
// extracted and how the input is checked. Parse never panics; for input
// that is not valid Python it returns a *SyntaxError.
func Parse(src []byte) (f *File, err error) {
	if len(src) >= maxSource {
		return nil, &SyntaxError{Line: 1, Col: 1, Msg: "source file too large (2 GiB or more)"}
	}
	text, serr := prepare(src)
	if serr != nil {
		return nil, serr
	}
	if len(text) >= maxSource { // a single-byte encoding grew in UTF-8
		return nil, &SyntaxError{Line: 1, Col: 1, Msg: "source file too large (2 GiB or more)"}
	}
	p := parserPool.Get().(*parser)
	defer parserPool.Put(p)
	if !p.run(text) {
		e := *p.err
		p.release()
		return nil, &e
	}
	f = p.result()
	p.release()
	return f, nil
}

// maxSource keeps byte offsets within the int32 fields of tokens (with
// room for the few bytes prepare may add).
const maxSource = 1<<31 - 16

var parserPool = sync.Pool{New: func() any { return new(parser) }}

// bailout is the panic value that unwinds the parser at the first error.
type bailout struct{}

// maxDepth bounds the recursion of the expression parser; CPython gives up
// on such input too ("too many nested parentheses" or a stack overflow).
const maxDepth = 600

// event is a Stmt in the making, with what the parser needs to finish it.
type event struct {
	stmt Stmt
	fn   int32 // the def or lambda whose body holds the statement (0: none)
	off  int32 // source offset of the statement, for source order
}

// parser checks the grammar of Python 3.12 (a superset of what CPython
// 3.8-3.11 accept) with one token of lookahead, backtracking only for the
// `match` soft keyword and parenthesized with-items, as CPython's PEG
// parser does. It does not build a syntax tree: each expression function
// returns an expr summary, which is enough to validate assignment targets
// and to recognise the calls and subscripts pkgbuild reports.
type parser struct {
	lx     lexer
	src    []byte
	toks   []token // a window on the token stream (see more)
	i      int     // index of tok in toks; toks[i-1] is the last consumed token
	tok    token
	lexErr *SyntaxError

	// The token window (see more): toks[avail] is the first token that
	// cannot be the current one before the window moves on, since peek
	// needs the one after it; once the lexer has produced its last token,
	// the window holds the rest of the stream and avail is past its end.
	// base is the stream index of toks[0].
	avail     int
	base      int
	stopDepth int // see lexer.tokenize
	pins      int // attempts in progress
	pin       int // stream index of the earliest token an attempt may return to

	// Lines are counted on demand: lnOff is an offset whose line is lnNum.
	lnOff, lnNum int32

	err      *SyntaxError
	events   []event // in torch's visiting order
	findings []Finding

	depth     int
	callDepth int   // > 0 inside the arguments of a call (torch does not look there)
	fileCtx   int   // > 0 inside the arguments of open(), os.path.*(), Path(), ...
	fn        int32 // current function (see event.fn)
	nfn       int32

	importModuleName bool // saw `from importlib import import_module`
	suppressName     bool // saw `from contextlib import suppress`
	// suppressEnd is where the last suppress(...) call that suppresses
	// ImportError ends (-1: none yet), for withItem.
	suppressEnd int32

	// Used by sub-parsers that extract the elements of a display.
	collect bool
	elts    []expr

	dargs []argInfo // arguments of the __import__ call being read
	segs  []segment // a stack of segments for reorder (see dictRest)
	sub   *parser   // the sub-parser of elements, kept for reuse

	scratch  []byte // for building the strings of import statements
	nameEnds []int
}

// window is the number of tokens lexed at a time: enough to make the
// lexer's setup cost nothing, few enough that the tokens are still in the
// cache when the parser reads them, and that a big file needs no big
// buffer.
const window = 1024

func (p *parser) reset(src []byte) {
	p.src = src
	p.lx.init(src)
	p.lnOff, p.lnNum = 0, 1
	p.clear(0, false)
	p.start(0)
}

// clear forgets what the parser learnt from the last source it read (or,
// for a sub-parser, the last display): events, findings, scratch stacks,
// depths and the names imported so far. A sub-parser starts at callDepth 1
// (torch does not look inside it) and with collect set.
func (p *parser) clear(callDepth int, collect bool) {
	p.err = nil
	p.events = p.events[:0]
	p.findings = p.findings[:0]
	p.depth, p.callDepth, p.fileCtx = 0, callDepth, 0
	p.fn, p.nfn = 0, 0
	p.importModuleName = false
	p.suppressName, p.suppressEnd = false, -1
	p.collect = collect
	p.elts = p.elts[:0]
	p.dargs = p.dargs[:0]
	p.segs = p.segs[:0]
}

// start lexes the first window of tokens from the lexer's position and
// makes the first of them current.
func (p *parser) start(stopDepth int) {
	if need := window + maxIndent + 16; cap(p.toks) < need {
		// Room for a window, the DEDENTs that may end it, the tokens kept
		// from the window before and the padding after the last one.
		p.toks = make([]token, 0, need)
	}
	// Before the first token, one that ends at offset 0 stands for the
	// last consumed one (see prevEnd).
	p.toks = append(p.toks[:0], token{})
	p.base = 0
	p.stopDepth = stopDepth
	p.pins = 0
	p.lex()
	p.i = 1
	p.tok = p.toks[1]
}

// lex appends a window of tokens to p.toks.
func (p *parser) lex() {
	p.toks = p.lx.tokenize(p.toks, len(p.toks)+window, p.stopDepth)
	p.lexErr = p.lx.err
	last := p.toks[len(p.toks)-1]
	if last.kind != tEOF && last.kind != tError {
		p.avail = len(p.toks) - 1
		return
	}
	p.avail = math.MaxInt
	for k := 0; k < 8; k++ {
		// Padding, so that peeking (and a few steps too far after an
		// error) stays inside the slice.
		p.toks = append(p.toks, last)
	}
}

// more moves the window on when the current token is its last one: it
// keeps the current token and the one before it, or every token from the
// one before the earliest one an attempt in progress may return to, and
// lexes the next window after them. The tokens are never all in memory at
// once.
func (p *parser) more() {
	keep := p.i - 1
	if p.pins > 0 && p.pin-1-p.base < keep {
		keep = p.pin - 1 - p.base
	}
	n := copy(p.toks, p.toks[keep:])
	p.toks = p.toks[:n]
	p.base += keep
	p.i -= keep
	p.lex()
}

func (p *parser) release() {
	p.src = nil
	p.lx.src = nil
	for i := range p.events {
		p.events[i] = event{}
	}
	for i := range p.findings {
		p.findings[i] = Finding{}
	}
}

// run parses the whole file and reports whether it is valid.
func (p *parser) run(src []byte) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(bailout); !is {
				// A bug in the parser; report it as an error rather than
				// crash the build.
				p.err = &SyntaxError{Line: int(p.line(p.tok.s)), Col: int(p.col(p.tok.s)) + 1,
					Msg: fmt.Sprintf("internal error in the Python parser: %v", r)}
			}
			ok = false
		}
	}()
	p.reset(src)
	for p.tok.kind != tEOF {
		p.statement()
	}
	return true
}

func (p *parser) bail(line, col int, msg string) {
	if p.err == nil {
		if p.tok.kind == tError && p.lexErr != nil {
			// The parser ran into the place where the lexer gave up.
			p.err = p.lexErr
		} else {
			p.err = &SyntaxError{Line: line, Col: col, Msg: msg}
		}
	}
	panic(bailout{})
}

// fail reports an error at the current token.
func (p *parser) fail(msg string) {
	p.bail(int(p.line(p.tok.s)), int(p.col(p.tok.s))+1, msg)
}

func (p *parser) failf(format string, args ...any) {
	p.fail(fmt.Sprintf(format, args...))
}

// failAt reports an error at the start of x.
func (p *parser) failAt(x expr, msg string) {
	line, col := lineCol(p.src, int(x.s))
	p.bail(line, col, msg)
}

// syntaxError reports the current token as unexpected.
func (p *parser) syntaxError() {
	switch p.tok.kind {
	case tIndent:
		p.fail("unexpected indent")
	case tDedent:
		p.fail("unindent does not match any outer indentation level")
	case tEOF:
		p.fail("unexpected EOF while parsing")
	}
	p.fail("invalid syntax")
}

func (p *parser) next() {
	p.i++
	if p.i >= p.avail {
		p.more()
	}
	p.tok = p.toks[p.i]
}

// prevEnd returns the end offset of the last consumed token.
func (p *parser) prevEnd() int32 {
	return p.toks[p.i-1].e
}

// peek returns the token after the current one.
func (p *parser) peek() *token {
	return &p.toks[p.i+1]
}

func (p *parser) expect(k tokKind) {
	if p.tok.kind != k {
		p.expected(k)
	}
	p.next()
}

func (p *parser) expected(k tokKind) {
	{
		switch k {
		case tColon:
			p.fail("expected ':'")
		case tIndent:
			p.fail("expected an indented block")
		case tRParen:
			p.fail("expected ')'")
		case tLParen:
			p.fail("expected '('")
		case tNewline:
			p.syntaxError()
		case kwImport:
			p.fail("expected 'import'")
		case tIn:
			p.fail("expected 'in'")
		}
		p.syntaxError()
	}
}

// name consumes a NAME token (soft keywords included) and returns it.
func (p *parser) name() token {
	if p.tok.kind != tName {
		p.notName()
	}
	t := p.tok
	p.next()
	return t
}

func (p *parser) notName() {
	if p.tok.kind >= kwFalse && p.tok.kind <= kwYield || p.tok.kind >= tOr && p.tok.kind <= tIs {
		p.failf("invalid syntax: %q is a keyword", p.text(p.tok))
	}
	p.syntaxError()
}

// line returns the 1-based line of a source offset. It counts the lines
// between off and the offset asked about last, which is never far: the
// offsets asked about follow the parse, so a file costs one pass at most.
func (p *parser) line(off int32) int32 {
	if int(off) > len(p.src) {
		off = int32(len(p.src))
	}
	if off >= p.lnOff {
		p.lnNum += int32(bytes.Count(p.src[p.lnOff:off], newlineByte))
	} else {
		p.lnNum -= int32(bytes.Count(p.src[off:p.lnOff], newlineByte))
	}
	p.lnOff = off
	return p.lnNum
}

// col returns the 0-based byte column of a source offset.
func (p *parser) col(off int32) int32 {
	if int(off) > len(p.src) {
		off = int32(len(p.src))
	}
	return off - int32(bytes.LastIndexByte(p.src[:off], '\n')+1)
}

func (p *parser) text(t token) string { return string(p.src[t.s:t.e]) }

func (p *parser) isName(s string) bool {
	return p.tok.kind == tName && string(p.src[p.tok.s:p.tok.e]) == s
}

// atStmtEnd reports whether the current token ends a simple statement.
func (p *parser) atStmtEnd() bool {
	return p.tok.kind == tNewline || p.tok.kind == tSemi
}

// ---- events ----

func (p *parser) addEvent(s Stmt, off int32) {
	p.events = append(p.events, event{stmt: s, fn: p.fn, off: off})
}

func (p *parser) addFinding(line, col int32, code, msg string) {
	p.findings = append(p.findings, Finding{Line: int(line), Col: int(col) + 1, Code: code, Message: msg})
}

// segment is a run of events produced by one part of a construct.
type segment struct {
	cat  int // position of the part in torch's visiting order
	s, e int
}

// reorder puts the events of the given segments (which are adjacent, in
// source order, and together cover events[segs[0].s:segs[len-1].e]) into
// the order of their categories, keeping source order within a category.
// torch's ast.NodeVisitor visits a FunctionDef's arguments before its
// decorators, a Dict's keys before its values, and so on.
func (p *parser) reorder(segs []segment) {
	n := 0
	sorted := true
	for i, sg := range segs {
		if sg.e > sg.s {
			n++
		}
		if i > 0 && sg.cat < segs[i-1].cat && sg.e > sg.s {
			sorted = false
		}
	}
	if n < 2 || sorted {
		return
	}
	lo, hi := segs[0].s, segs[len(segs)-1].e
	tmp := make([]event, 0, hi-lo)
	order := make([]segment, len(segs))
	copy(order, segs)
	sort.SliceStable(order, func(i, j int) bool { return order[i].cat < order[j].cat })
	for _, sg := range order {
		tmp = append(tmp, p.events[sg.s:sg.e]...)
	}
	copy(p.events[lo:hi], tmp)
}

// hideEvents turns the __import__ calls found since ev0 into findings:
// they turned out to be inside a call, where torch does not look.
func (p *parser) hideEvents(ev0 int) {
	for _, ev := range p.events[ev0:] {
		if ev.stmt.Kind == DunderImport {
			p.addFinding(int32(ev.stmt.Line), int32(ev.stmt.Col-1), "unseen-import",
				fmt.Sprintf("__import__(%q) is part of a larger call; torch.package does not look inside calls, so it will not package %q unless it is imported elsewhere", ev.stmt.Module, ev.stmt.Module))
		}
	}
	p.events = p.events[:ev0]
}

func (p *parser) result() *File {
	f := &File{}
	if len(p.events) > 0 {
		f.Stmts = make([]Stmt, len(p.events))
		sorted := true
		for i, ev := range p.events {
			ev.stmt.Visit = i
			f.Stmts[i] = ev.stmt
			if i > 0 && ev.off < p.events[i-1].off {
				sorted = false
			}
		}
		if !sorted {
			// The events are in visiting order; Stmts are in source order.
			idx := make([]int, len(f.Stmts))
			for i := range idx {
				idx[i] = i
			}
			slices.SortStableFunc(idx, func(i, j int) int { return cmp.Compare(p.events[i].off, p.events[j].off) })
			out := make([]Stmt, len(idx))
			for i, k := range idx {
				out[i] = f.Stmts[k]
			}
			f.Stmts = out
		}
	}
	if len(p.findings) > 0 {
		f.Findings = slices.Clone(p.findings)
		slices.SortStableFunc(f.Findings, func(a, b Finding) int {
			if a.Line != b.Line {
				return cmp.Compare(a.Line, b.Line)
			}
			return cmp.Compare(a.Col, b.Col)
		})
	}
	return f
}

// ---- backtracking ----

type snapshot struct {
	i                         int // stream index of the current token
	tok                       token
	nev, nfind, nsegs         int
	depth, callDepth, fileCtx int
	fn, nfn                   int32
	importModuleName, collect bool
	suppressName              bool
	suppressEnd               int32
}

func (p *parser) save(s *snapshot) {
	s.i, s.tok = p.base+p.i, p.tok
	s.nev, s.nfind, s.nsegs = len(p.events), len(p.findings), len(p.segs)
	s.depth, s.callDepth, s.fileCtx = p.depth, p.callDepth, p.fileCtx
	s.fn, s.nfn = p.fn, p.nfn
	s.importModuleName, s.collect = p.importModuleName, p.collect
	s.suppressName, s.suppressEnd = p.suppressName, p.suppressEnd
}

func (p *parser) restore(s *snapshot) {
	p.i, p.tok = s.i-p.base, s.tok
	p.events = p.events[:s.nev]
	p.findings = p.findings[:s.nfind]
	p.segs = p.segs[:s.nsegs]
	p.depth, p.callDepth, p.fileCtx = s.depth, s.callDepth, s.fileCtx
	p.fn, p.nfn = s.fn, s.nfn
	p.importModuleName, p.collect = s.importModuleName, s.collect
	p.suppressName, p.suppressEnd = s.suppressName, s.suppressEnd
	p.err = nil
}

// attempt runs f and reports whether it parsed without error. On failure
// the parser is back where it was.
func (p *parser) attempt(f func()) (ok bool) {
	var s snapshot
	p.save(&s)
	// Keep the tokens from here in the window until f is done.
	if p.pins == 0 {
		p.pin = s.i
	}
	p.pins++
	defer func() {
		p.pins--
		if r := recover(); r != nil {
			if _, is := r.(bailout); !is {
				panic(r)
			}
			p.restore(&s)
			ok = false
		}
	}()
	f()
	return true
}

// ---- statements ----

func (p *parser) statement() {
	switch p.tok.kind {
	case kwDef:
		p.funcDef(len(p.events))
	case kwClass:
		p.classDef(len(p.events))
	case kwIf:
		p.ifStmt()
	case kwWhile:
		p.next()
		p.namedExpression()
		p.expect(tColon)
		p.block()
		p.elseBlock()
	case kwFor:
		p.forStmt()
	case kwTry:
		p.tryStmt()
	case kwWith:
		p.withStmt()
	case kwAsync:
		switch p.peek().kind {
		case kwDef:
			p.next()
			p.funcDef(len(p.events))
		case kwFor:
			p.next()
			p.forStmt()
		case kwWith:
			p.next()
			p.withStmt()
		default:
			p.next()
			p.syntaxError()
		}
	case tAt:
		p.decorated()
	case tIndent:
		p.fail("unexpected indent")
	case tName:
		if p.isName("match") && p.matchStmt() {
			return
		}
		p.simpleStmts()
	default:
		p.simpleStmts()
	}
}

// block reads the body of a compound statement after its colon.
func (p *parser) block() {
	if p.tok.kind != tNewline {
		p.simpleStmts()
		return
	}
	p.next()
	if p.tok.kind != tIndent {
		p.fail("expected an indented block")
	}
	p.next()
	for p.tok.kind != tDedent && p.tok.kind != tEOF {
		p.statement()
	}
	p.next()
}

func (p *parser) elseBlock() {
	if p.tok.kind == kwElse {
		p.next()
		p.expect(tColon)
		p.block()
	}
}

// simpleStmts reads the simple statements of a line (one switch on the
// first token for each, in the loop, to save a call per statement).
func (p *parser) simpleStmts() {
	for {
		switch p.tok.kind {
		case kwImport:
			p.importName()
		case kwFrom:
			p.importFrom()
		case kwPass, kwBreak, kwContinue:
			p.next()
		case kwReturn:
			p.next()
			if !p.atStmtEnd() {
				p.starExpressions()
			}
		case kwRaise:
			p.next()
			if !p.atStmtEnd() {
				p.expression()
				if p.tok.kind == kwFrom {
					p.next()
					p.expression()
				}
			}
		case kwGlobal, kwNonlocal:
			p.next()
			p.name()
			for p.tok.kind == tComma {
				p.next()
				p.name()
			}
		case kwDel:
			p.next()
			x := p.starExpressions()
			if x.flags&fDel == 0 {
				p.failAt(x, "cannot delete "+x.describe())
			}
			if !p.atStmtEnd() {
				p.syntaxError()
			}
		case kwAssert:
			p.next()
			p.expression()
			if p.tok.kind == tComma {
				p.next()
				p.expression()
			}
		case tName:
			if p.isName("type") && p.peek().kind == tName {
				p.typeAlias()
			} else {
				p.exprStmt()
			}
		default:
			p.exprStmt()
		}
		if p.tok.kind != tSemi {
			break
		}
		p.next()
		if p.tok.kind == tNewline {
			break
		}
	}
	if p.tok.kind != tNewline { // p.expect(tNewline), written out
		p.expected(tNewline)
	}
	p.next()
}

// rhs reads the right-hand side of an assignment.
func (p *parser) rhs() expr {
	if p.tok.kind == kwYield {
		return p.yieldExpr()
	}
	return p.starExpressions()
}

func (p *parser) exprStmt() {
	var x expr
	if p.tok.kind == kwYield {
		x = p.yieldExpr()
	} else {
		x = p.starExpressions()
	}
	switch p.tok.kind {
	case tEqual:
		for p.tok.kind == tEqual {
			if x.flags&fTarget == 0 {
				p.failAt(x, "cannot assign to "+x.describe())
			}
			p.next()
			if p.tok.kind == kwYield { // p.rhs(), written out
				x = p.yieldExpr()
			} else {
				x = p.starExpressions()
			}
		}
	case tAugAssign:
		if !x.single() {
			p.failAt(x, "'"+x.describe()+"' is an illegal expression for augmented assignment")
		}
		p.next()
		p.rhs()
	case tColon:
		if !x.single() {
			if x.kind == eTuple {
				p.failAt(x, "only single target (not tuple) can be annotated")
			}
			p.failAt(x, "illegal target for annotation")
		}
		p.next()
		p.expression()
		if p.tok.kind == tEqual {
			p.next()
			p.rhs()
		}
	}
}

func (p *parser) typeAlias() {
	p.next() // type
	p.name()
	if p.tok.kind == tLBrack {
		p.typeParams()
	}
	p.expect(tEqual)
	p.expression()
}

// typeParams reads PEP 695 type parameters (with PEP 696 defaults).
func (p *parser) typeParams() {
	p.next() // [
	for {
		switch p.tok.kind {
		case tStar, tDoubleStar:
			p.next()
			p.name()
		default:
			p.name()
			if p.tok.kind == tColon {
				p.next()
				p.expression()
			}
		}
		if p.tok.kind == tEqual {
			p.next()
			if p.tok.kind == tStar {
				p.next()
				p.binary(precBitOr)
			} else {
				p.expression()
			}
		}
		if p.tok.kind != tComma {
			break
		}
		p.next()
		if p.tok.kind == tRBrack {
			break
		}
	}
	if p.tok.kind != tRBrack {
		p.syntaxError()
	}
	p.next()
}

func (p *parser) importName() {
	line, col, off := p.line(p.tok.s), p.col(p.tok.s), p.tok.s
	p.next()
	for {
		mod := p.dottedName()
		if p.tok.kind == kwAs {
			p.next()
			p.name()
		}
		p.addEvent(Stmt{Kind: Import, Line: int(line), Col: int(col) + 1, Module: mod}, off)
		if p.tok.kind != tComma {
			return
		}
		p.next()
	}
}

// dottedName reads a dotted name and returns it without the spaces and
// line continuations it may be written with.
func (p *parser) dottedName() string {
	t := p.name()
	if p.tok.kind != tDot {
		return p.text(t)
	}
	b := append(p.scratch[:0], p.src[t.s:t.e]...)
	for p.tok.kind == tDot {
		p.next()
		t = p.name()
		b = append(b, '.')
		b = append(b, p.src[t.s:t.e]...)
	}
	p.scratch = b
	return string(b)
}

func (p *parser) importFrom() {
	line, col, off := p.line(p.tok.s), p.col(p.tok.s), p.tok.s
	p.next()
	level := 0
	for {
		if p.tok.kind == tDot {
			level++
		} else if p.tok.kind == tEllipsis {
			level += 3
		} else {
			break
		}
		p.next()
	}
	mod := ""
	if p.tok.kind == tName || level == 0 {
		mod = p.dottedName()
	}
	p.expect(kwImport)
	var names []string
	switch p.tok.kind {
	case tStar:
		p.next()
		names = []string{"*"}
	case tLParen:
		p.next()
		names = p.importAsNames(true)
		p.expect(tRParen)
	default:
		names = p.importAsNames(false)
	}
	if level == 0 && mod == "importlib" {
		for _, n := range names {
			if n == "import_module" {
				p.importModuleName = true
			}
		}
	}
	if level == 0 && mod == "contextlib" {
		for _, n := range names {
			if n == "suppress" {
				p.suppressName = true
			}
		}
	}
	p.addEvent(Stmt{Kind: From, Line: int(line), Col: int(col) + 1, Module: mod, Level: level, Names: names}, off)
}

// importAsNames reads the names a from-import imports. They share one
// string, so that a statement costs two allocations however many names it
// has.
func (p *parser) importAsNames(paren bool) []string {
	b, ends := p.scratch[:0], p.nameEnds[:0]
	for {
		t := p.name()
		b = append(b, p.src[t.s:t.e]...)
		ends = append(ends, len(b))
		if p.tok.kind == kwAs {
			p.next()
			p.name()
		}
		if p.tok.kind != tComma {
			break
		}
		p.next()
		if paren && p.tok.kind == tRParen {
			break
		}
		if !paren && p.tok.kind != tName {
			p.fail("trailing comma not allowed without surrounding parentheses")
		}
	}
	p.scratch, p.nameEnds = b, ends
	all := string(b)
	names := make([]string, len(ends))
	start := 0
	for i, e := range ends {
		names[i] = all[start:e]
		start = e
	}
	return names
}

func (p *parser) ifStmt() {
	p.next()
	p.namedExpression()
	p.expect(tColon)
	p.block()
	for p.tok.kind == kwElif {
		p.next()
		p.namedExpression()
		p.expect(tColon)
		p.block()
	}
	p.elseBlock()
}

func (p *parser) forStmt() {
	p.next() // for
	p.targetList()
	p.expect(tIn)
	p.starExpressions()
	p.expect(tColon)
	p.block()
	p.elseBlock()
}

func (p *parser) withStmt() {
	p.next() // with

	// Whether an item is suppress(ImportError, ...).
	optional := false
	if p.tok.kind == tLParen {
		// `with (a as b, c):` or an expression that starts with a paren;
		// CPython tries the first reading, then the second.
		if p.attempt(func() {
			p.next()
			for {
				if p.withItem() {
					optional = true
				}
				if p.tok.kind != tComma {
					break
				}
				p.next()
				if p.tok.kind == tRParen {
					break
				}
			}
			p.expect(tRParen)
			if p.tok.kind != tColon {
				p.syntaxError()
			}
		}) {
			p.next()
			p.optionalBlock(optional)
			return
		}
		optional = false
	}
	for {
		if p.withItem() {
			optional = true
		}
		if p.tok.kind != tComma {
			break
		}
		p.next()
	}
	p.expect(tColon)
	p.optionalBlock(optional)
}

// optionalBlock reads a block; with optional, the imports in it (outside
// nested functions) are optional, as in a try body whose handler catches
// ImportError.
func (p *parser) optionalBlock(optional bool) {
	b0 := len(p.events)
	p.block()
	if optional {
		p.markOptional(b0, len(p.events))
	}
}

// markOptional makes the imports of events[b0:b1] that belong to the
// current function (or module) optional.
func (p *parser) markOptional(b0, b1 int) {
	for i := b0; i < b1; i++ {
		if p.events[i].fn == p.fn {
			p.events[i].stmt.Optional = true
		}
	}
}

// withItem reads one item of a with statement and reports whether it is a
// call of contextlib.suppress that suppresses ImportError (or a base of
// it), which makes the imports of the with body optional.
func (p *parser) withItem() bool {
	x := p.expression()
	suppresses := x.kind == eCall && p.suppressEnd == x.e
	if p.tok.kind == kwAs {
		p.next()
		x := p.targetElem()
		if x.flags&fTarget == 0 {
			p.failAt(x, "cannot assign to "+x.describe())
		}
		switch p.tok.kind {
		case tComma, tRParen, tColon:
		default:
			p.syntaxError()
		}
	}
	return suppresses
}

// importErrors are the exception names whose handlers make the imports
// of a try body optional.
func isImportErrorCatcher(name string) bool {
	switch name {
	case "ImportError", "ModuleNotFoundError", "Exception", "BaseException":
		return true
	}
	return false
}

func (p *parser) tryStmt() {
	p.next() // try
	p.expect(tColon)
	b0 := len(p.events)
	p.block()
	b1 := len(p.events)
	catches := false
	handlers := 0
	star := -1
	for p.tok.kind == kwExcept {
		p.next()
		isStar := 0
		if p.tok.kind == tStar {
			isStar = 1
			p.next()
		}
		if star >= 0 && star != isStar {
			p.fail("cannot have both 'except' and 'except*' on the same 'try'")
		}
		star = isStar
		if p.tok.kind == tColon {
			if isStar == 1 {
				p.fail("expected one or more exception types")
			}
			catches = true
		} else {
			x := p.expression()
			if p.catchesImportError(x) {
				catches = true
			}
			if p.tok.kind == tComma {
				p.fail("multiple exception types must be parenthesized")
			}
			if p.tok.kind == kwAs {
				p.next()
				p.name()
			}
		}
		p.expect(tColon)
		p.block()
		handlers++
	}
	if p.tok.kind == kwElse {
		if handlers == 0 {
			p.fail("expected 'except' or 'finally' block")
		}
		p.elseBlock()
	}
	if p.tok.kind == kwFinally {
		p.next()
		p.expect(tColon)
		p.block()
	} else if handlers == 0 {
		p.fail("expected 'except' or 'finally' block")
	}
	if catches {
		p.markOptional(b0, b1)
	}
}

// catchesImportError reports whether an except clause's expression names
// ImportError or one of its bases, alone or in a tuple.
func (p *parser) catchesImportError(x expr) bool {
	switch x.kind {
	case eName:
		return isImportErrorCatcher(string(p.src[x.s:x.e]))
	case eTuple:
		elts, ok := p.elements(x)
		if !ok {
			return false
		}
		for _, el := range elts {
			if p.catchesImportError(el) {
				return true
			}
		}
	}
	return false
}

func (p *parser) decorated() {
	d0 := len(p.events)
	for p.tok.kind == tAt {
		p.next()
		p.namedExpression()
		p.expect(tNewline)
	}
	switch p.tok.kind {
	case kwDef:
		p.funcDef(d0)
	case kwClass:
		p.classDef(d0)
	case kwAsync:
		if p.peek().kind == kwDef {
			p.next()
			p.funcDef(d0)
			return
		}
		p.syntaxError()
	default:
		p.syntaxError()
	}
}

// funcDef reads a def statement whose decorators produced events[d0:].
func (p *parser) funcDef(d0 int) {
	p.next() // def
	p.name()
	t0 := len(p.events)
	if p.tok.kind == tLBrack {
		p.typeParams()
	}
	p.expect(tLParen)
	a0 := len(p.events)
	p.params(tRParen, true)
	p.expect(tRParen)
	r0 := len(p.events)
	if p.tok.kind == tArrow {
		p.next()
		p.expression()
	}
	p.expect(tColon)
	b0 := len(p.events)
	outer := p.fn
	p.nfn++
	p.fn = p.nfn
	p.block()
	p.fn = outer
	end := len(p.events)
	// ast.FunctionDef's fields: args, body, decorator_list, returns
	// (type_params since 3.12).
	p.reorder([]segment{{2, d0, t0}, {4, t0, a0}, {0, a0, r0}, {3, r0, b0}, {1, b0, end}})
}

func (p *parser) classDef(d0 int) {
	p.next() // class
	p.name()
	t0 := len(p.events)
	if p.tok.kind == tLBrack {
		p.typeParams()
	}
	k0 := len(p.events)
	if p.tok.kind == tLParen {
		p.next()
		p.args(argsClass, false)
		p.expect(tRParen)
	}
	p.expect(tColon)
	b0 := len(p.events)
	p.block()
	end := len(p.events)
	// ast.ClassDef's fields: bases, keywords, body, decorator_list
	// (type_params since 3.12).
	p.reorder([]segment{{2, d0, t0}, {3, t0, k0}, {0, k0, b0}, {1, b0, end}})
}

// Categories of parameter parts, in the order torch visits them
// (ast.arguments: posonlyargs, args, vararg, kwonlyargs, kw_defaults,
// kwarg, defaults).
const (
	catArgAnn = iota
	catVarargAnn
	catKwonlyAnn
	catKwDefault
	catKwargAnn
	catDefault
)

// params reads a parameter list up to (not including) closing: tRParen
// for def (annotations allowed), tColon for lambda.
func (p *parser) params(closing tokKind, def bool) {
	sb := len(p.segs)
	part := func(cat int, f func()) {
		s := len(p.events)
		f()
		if e := len(p.events); e > s {
			p.segs = append(p.segs, segment{cat, s, e})
		}
	}
	sawSlash, sawStar, bareStar, sawDefault, sawKwargs := false, false, false, false, false
	nParams, nKwonly := 0, 0
	for p.tok.kind != closing {
		if sawKwargs {
			p.fail("arguments cannot follow var-keyword argument")
		}
		switch p.tok.kind {
		case tSlash:
			if nParams == 0 {
				p.fail("at least one argument must precede /")
			}
			if sawSlash {
				p.fail("/ may appear only once")
			}
			if sawStar {
				p.fail("/ must be ahead of *")
			}
			sawSlash = true
			p.next()
		case tStar:
			if sawStar {
				p.fail("* argument may appear only once")
			}
			sawStar = true
			p.next()
			if p.tok.kind == tComma || p.tok.kind == closing {
				bareStar = true
				break
			}
			p.name()
			if def && p.tok.kind == tColon {
				p.next()
				part(catVarargAnn, func() {
					if p.tok.kind == tStar {
						p.next()
						p.binary(precBitOr)
					} else {
						p.expression()
					}
				})
			}
			if p.tok.kind == tEqual {
				p.fail("var-positional argument cannot have default value")
			}
		case tDoubleStar:
			p.next()
			p.name()
			if def && p.tok.kind == tColon {
				p.next()
				part(catKwargAnn, func() { p.expression() })
			}
			if p.tok.kind == tEqual {
				p.fail("var-keyword argument cannot have default value")
			}
			sawKwargs = true
		default:
			p.name()
			nParams++
			if sawStar {
				nKwonly++
			}
			if def && p.tok.kind == tColon {
				p.next()
				cat := catArgAnn
				if sawStar {
					cat = catKwonlyAnn
				}
				part(cat, func() { p.expression() })
			}
			if p.tok.kind == tEqual {
				p.next()
				cat := catDefault
				if sawStar {
					cat = catKwDefault
				} else {
					sawDefault = true
				}
				part(cat, func() { p.expression() })
			} else if sawDefault && !sawStar {
				p.fail("non-default argument follows default argument")
			}
		}
		if p.tok.kind != tComma {
			break
		}
		p.next()
	}
	if bareStar && nKwonly == 0 {
		p.fail("named arguments must follow bare *")
	}
	if len(p.segs)-sb > 1 {
		p.reorder(fillGaps(p.segs[sb:]))
	}
	p.segs = p.segs[:sb]
}

// matchStmt reads a match statement, or returns false (having consumed
// nothing) when `match` is an ordinary name here.
func (p *parser) matchStmt() bool {
	switch p.peek().kind {
	case tName, tNumber, tString, tFStart, tLBrace, tTilde, tNot, kwLambda, kwAwait,
		kwTrue, kwFalse, kwNone, tEllipsis:
		// Only a match statement can continue like this.
		p.next()
		p.subject()
		p.expect(tColon)
	case tLParen, tLBrack, tMinus, tPlus, tStar:
		// match(x) or match[x] or match - x could be expressions.
		if !p.attempt(func() {
			p.next()
			p.subject()
			if p.tok.kind != tColon {
				p.syntaxError()
			}
		}) {
			return false
		}
		p.next() // :
	default:
		return false
	}
	p.expect(tNewline)
	p.expect(tIndent)
	for p.tok.kind != tDedent {
		if !p.isName("case") {
			p.fail("expected 'case' block")
		}
		p.next()
		p.patterns()
		if p.tok.kind == kwIf {
			p.next()
			p.namedExpression()
		}
		p.expect(tColon)
		p.block()
	}
	p.next()
	return true
}

func (p *parser) subject() {
	x := p.starNamedExpression()
	if p.tok.kind == tComma {
		for p.tok.kind == tComma {
			p.next()
			if !startsExpr[p.tok.kind] {
				break
			}
			p.starNamedExpression()
		}
	} else if x.kind == eStarred {
		p.failAt(x, "cannot use starred expression here")
	}
}
