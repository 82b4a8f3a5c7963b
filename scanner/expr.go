package scanner

import "fmt"

// ekind is the kind of AST node an expression would become. torch's
// visitor reads `.value` and `.elts` of __import__'s arguments, so the
// kinds that have those attributes are told apart.
type ekind uint8

const (
	eOther ekind = iota
	eName
	eAttr
	eSubscript
	eStarred
	eNamed // :=
	eAwait
	eYield // yield and yield from
	eStr
	eBytes
	eInt
	eFloat
	eComplex
	eTrue
	eFalse
	eNone
	eEllipsis
	eFString
	eTuple
	eList
	eSet
	eDict
	eCall
	eComp // comprehension or generator expression
	eLambda
	eIfExp
	eBinOp // also comparisons and boolean operators
	eUnary // also not
)

// Expression flags.
const (
	fParen  = 1 << iota // the expression was wrapped in parentheses
	fTarget             // valid assignment target (star_target)
	fDel                // valid del target
)

// expr summarises a parsed expression: its kind, flags and extent.
type expr struct {
	kind  ekind
	flags uint8
	s, e  int32
}

// hasValue reports whether the AST node has a `value` attribute.
func (x expr) hasValue() bool {
	switch x.kind {
	case eAttr, eSubscript, eStarred, eNamed, eAwait, eYield,
		eStr, eBytes, eInt, eFloat, eComplex, eTrue, eFalse, eNone, eEllipsis:
		return true
	}
	return false
}

// single reports whether x can be the target of an augmented or annotated
// assignment.
func (x expr) single() bool {
	return x.kind == eName || x.kind == eAttr || x.kind == eSubscript
}

func (x expr) describe() string {
	switch x.kind {
	case eName:
		return "name"
	case eAttr:
		return "attribute"
	case eSubscript:
		return "subscript"
	case eStarred:
		return "starred"
	case eNamed:
		return "named expression"
	case eAwait:
		return "await expression"
	case eYield:
		return "yield expression"
	case eStr, eBytes, eInt, eFloat, eComplex, eEllipsis:
		return "literal"
	case eTrue:
		return "True"
	case eFalse:
		return "False"
	case eNone:
		return "None"
	case eFString:
		return "f-string expression"
	case eTuple:
		return "tuple"
	case eList:
		return "list"
	case eSet:
		return "set display"
	case eDict:
		return "dict literal"
	case eCall:
		return "function call"
	case eComp:
		return "comprehension"
	case eLambda:
		return "lambda"
	case eIfExp:
		return "conditional expression"
	}
	return "expression"
}

// Operator precedence, loosest first.
const (
	precNone = iota
	precOr
	precAnd
	precNot
	precCmp
	precBitOr
	precXor
	precBitAnd
	precShift
	precArith
	precTerm
	precUnary
	precPower
)

var binPrec = func() (t [256]uint8) {
	t[tOr] = precOr
	t[tAnd] = precAnd
	for _, k := range []tokKind{tNot, tIn, tIs, tLess, tGreater, tEqEqual, tNotEqual, tLessEqual, tGreaterEqual} {
		t[k] = precCmp
	}
	t[tVBar] = precBitOr
	t[tCircumflex] = precXor
	t[tAmp] = precBitAnd
	t[tLShift], t[tRShift] = precShift, precShift
	t[tPlus], t[tMinus] = precArith, precArith
	for _, k := range []tokKind{tStar, tSlash, tDoubleSlash, tPercent, tAt} {
		t[k] = precTerm
	}
	t[tDoubleStar] = precPower
	return
}()

// ends marks the tokens that can follow an expression but cannot continue
// it: after a name or number, they mean the expression is complete.
var ends = func() (t [256]bool) {
	for _, k := range []tokKind{tComma, tRParen, tRBrack, tRBrace, tColon, tEqual, tNewline, tSemi,
		tAugAssign, tColonEq, tExclaim, kwFor, kwAsync, kwAs, kwFrom, kwElse} {
		t[k] = true
	}
	return
}()

// startsExpr marks the tokens an expression can start with.
var startsExpr = func() (t [256]bool) {
	for _, k := range []tokKind{tName, tNumber, tString, tFStart, tLParen, tLBrack, tLBrace,
		tMinus, tPlus, tTilde, tStar, tNot, kwLambda, kwAwait, kwTrue, kwFalse, kwNone, tEllipsis} {
		t[k] = true
	}
	return
}()

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail("too many nested expressions")
	}
}

// expression: disjunction ['if' disjunction 'else' expression] | lambdef
func (p *parser) expression() expr {
	if ends[p.toks[p.i+1].kind] {
		// A lone name or number: skip the precedence levels.
		switch t := p.tok; t.kind {
		case tName:
			if p.fileCtx == 0 {
				p.next()
				return expr{kind: eName, flags: fTarget | fDel, s: t.s, e: t.e}
			}
		case tNumber:
			p.next()
			return expr{kind: numberKind(p.src[t.s:t.e]), s: t.s, e: t.e}
		}
	}
	ev0 := len(p.events)
	var x expr
	switch p.tok.kind {
	case kwLambda:
		return p.lambda()
	case tName, tLParen, tLBrack, tLBrace, tString, tFStart:
		// Most expressions start with a primary: read it directly, and
		// climb the precedence levels only if an operator follows.
		x = p.primary()
		if ends[p.tok.kind] {
			return x
		}
		x = p.binaryFrom(x, precOr)
	default:
		x = p.binary(precOr)
	}
	if p.tok.kind != kwIf {
		return x
	}
	p.enter()
	ev1 := len(p.events)
	p.next()
	p.binary(precOr)
	ev2 := len(p.events)
	if p.tok.kind != kwElse {
		p.fail("expected 'else' after 'if' expression")
	}
	p.next()
	z := p.expression()
	p.depth--
	// ast.IfExp's fields: test, body, orelse.
	p.reorder([]segment{{1, ev0, ev1}, {0, ev1, ev2}})
	return expr{kind: eIfExp, s: x.s, e: z.e}
}

func (p *parser) namedExpression() expr {
	x := p.expression()
	if p.tok.kind != tColonEq {
		return x
	}
	return p.walrus(x)
}

// walrus reads `:= expression` after the target x.
func (p *parser) walrus(x expr) expr {
	if x.kind != eName || x.flags&fParen != 0 {
		p.failAt(x, "cannot use assignment expressions with "+x.describe())
	}
	p.next()
	y := p.expression()
	return expr{kind: eNamed, s: x.s, e: y.e}
}

func (p *parser) starred() expr {
	s := p.tok.s
	p.next()
	y := p.binary(precBitOr)
	x := expr{kind: eStarred, s: s, e: y.e}
	if y.flags&fTarget != 0 && y.kind != eStarred {
		x.flags = fTarget
	}
	return x
}

// star_expression: '*' bitwise_or | expression
func (p *parser) starExpression() expr {
	if p.tok.kind == tStar {
		return p.starred()
	}
	return p.expression()
}

// star_named_expression: '*' bitwise_or | named_expression
func (p *parser) starNamedExpression() expr {
	if p.tok.kind == tStar {
		return p.starred()
	}
	// namedExpression, written out.
	x := p.expression()
	if p.tok.kind != tColonEq {
		return x
	}
	return p.walrus(x)
}

// star_expressions: a star_expression, or a tuple of them.
func (p *parser) starExpressions() expr {
	var x expr
	if p.tok.kind == tStar {
		x = p.starred()
	} else {
		x = p.expression()
	}
	if p.tok.kind != tComma {
		return x
	}
	flags := x.flags & (fTarget | fDel)
	if x.kind == eStarred {
		flags &^= fDel
	}
	t := expr{kind: eTuple, s: x.s, e: x.e}
	for p.tok.kind == tComma {
		p.next()
		if !startsExpr[p.tok.kind] {
			break
		}
		y := p.starExpression()
		flags &= y.flags
		t.e = y.e
	}
	t.flags = flags
	return t
}

// targetList reads the targets of a for loop or comprehension.
func (p *parser) targetList() expr {
	x := p.targetElem()
	if p.tok.kind == tComma {
		flags := x.flags
		for p.tok.kind == tComma {
			p.next()
			if !startsExpr[p.tok.kind] {
				break
			}
			y := p.targetElem()
			flags &= y.flags
			x.e = y.e
		}
		x.kind = eTuple
		x.flags = flags
	}
	if x.flags&fTarget == 0 {
		p.failAt(x, "cannot assign to "+x.describe())
	}
	return x
}

func (p *parser) targetElem() expr {
	if p.tok.kind == tStar {
		return p.starred()
	}
	return p.binary(precBitOr)
}

func (p *parser) yieldExpr() expr {
	s := p.tok.s
	p.next()
	if p.tok.kind == kwFrom {
		p.next()
		y := p.expression()
		return expr{kind: eYield, s: s, e: y.e}
	}
	e := p.prevEnd()
	if startsExpr[p.tok.kind] {
		e = p.starExpressions().e
	}
	return expr{kind: eYield, s: s, e: e}
}

// binary parses operators of precedence min and tighter.
func (p *parser) binary(min int) expr {
	p.enter()
	var x expr
	if unaryStart[p.tok.kind] {
		x = p.unary(min)
	} else {
		x = p.primary()
	}
	if int(binPrec[p.tok.kind]) >= min { // else binaryFrom returns x
		x = p.binaryFrom(x, min)
	}
	p.depth--
	return x
}

// unaryStart marks the tokens unary handles itself rather than leave to
// primary.
var unaryStart = [256]bool{tNot: true, tMinus: true, tPlus: true, tTilde: true, kwAwait: true}

// operand is binary(min) for the operand of an operator, with a shortcut
// for the most common one: a name or number that neither a trailer nor an
// operator of precedence min or tighter follows.
func (p *parser) operand(min int) expr {
	t := p.tok
	if t.kind == tName && p.fileCtx == 0 || t.kind == tNumber {
		if k := p.toks[p.i+1].kind; !trailer[k] && int(binPrec[k]) < min {
			if p.depth >= maxDepth {
				p.enter() // fails as binary would
			}
			p.next()
			if t.kind == tName {
				return expr{kind: eName, flags: fTarget | fDel, s: t.s, e: t.e}
			}
			return expr{kind: numberKind(p.src[t.s:t.e]), s: t.s, e: t.e}
		}
	}
	return p.binary(min)
}

// trailer marks the tokens that continue a primary.
var trailer = [256]bool{tDot: true, tLParen: true, tLBrack: true}

// binaryFrom continues an expression whose first operand x has been read.
func (p *parser) binaryFrom(x expr, min int) expr {
	for {
		k := p.tok.kind
		prec := int(binPrec[k])
		if prec == 0 || prec < min {
			return x
		}
		switch k {
		case tNot:
			if p.peek().kind != tIn {
				return x
			}
			p.next()
		case tIs:
			if p.peek().kind == tNot {
				p.next()
			}
		}
		p.next()
		right := prec + 1
		if k == tDoubleStar {
			right = precUnary // the right operand of ** may be a unary -x
		}
		y := p.operand(right)
		x = expr{kind: eBinOp, s: x.s, e: y.e}
	}
}

func (p *parser) unary(min int) expr {
	switch p.tok.kind {
	case tNot:
		if min > precNot {
			p.syntaxError()
		}
		s := p.tok.s
		p.next()
		y := p.operand(precNot)
		return expr{kind: eUnary, s: s, e: y.e}
	case tMinus, tPlus, tTilde:
		s := p.tok.s
		p.next()
		y := p.operand(precUnary)
		return expr{kind: eUnary, s: s, e: y.e}
	case kwAwait:
		s := p.tok.s
		p.next()
		y := p.primary()
		return expr{kind: eAwait, s: s, e: y.e}
	}
	return p.primary()
}

// Callee classes: calls pkgbuild looks at.
const (
	calleeOther = iota
	calleeDunder
	calleeImportModule
	calleeAttrImport // builtins.__import__ and friends
	calleeFileish
	calleeSuppress // contextlib.suppress
)

// primary: atom followed by .name, (args) and [slices] trailers.
func (p *parser) primary() expr {
	ev0 := len(p.events)
	var x expr
	// The dotted name the trailers spell so far, as offsets of its first,
	// second and last components; chain is 0 once it is not a dotted name.
	chain := 0
	var c1s, c1e, c2s, c2e, cls, cle int32
	s0 := p.tok.s // findings report the line of the primary's first token
	if p.tok.kind == tName {
		x = expr{kind: eName, flags: fTarget | fDel, s: p.tok.s, e: p.tok.e}
		if p.fileCtx > 0 && p.src[x.s] == '_' && string(p.src[x.s:x.e]) == "__file__" {
			p.addFinding(p.line(s0), p.col(s0), "file-relative",
				"__file__ is used to find files next to the module; inside a torch.package archive there are no such files: use importlib.resources or the archive's resource API instead")
		}
		p.next()
	} else {
		x = p.atom()
	}
	if x.kind == eName {
		chain = 1
		c1s, c1e, cls, cle = x.s, x.e, x.s, x.e
	}
	for {
		switch p.tok.kind {
		case tDot:
			p.next()
			// p.name(), written out: attributes are common.
			if p.tok.kind != tName {
				p.notName()
			}
			t := p.tok
			p.next()
			x = expr{kind: eAttr, flags: fTarget | fDel, s: x.s, e: t.e}
			if chain > 0 {
				chain++
				if chain == 2 {
					c2s, c2e = t.s, t.e
				}
				cls, cle = t.s, t.e
			}
		case tLParen:
			if len(p.events) > ev0 {
				// Whatever torch would have seen so far is now inside a
				// Call node, which its visitor does not enter.
				p.hideEvents(ev0)
			}
			class := calleeOther
			if chain > 0 && (interesting[p.src[c1s]] || p.src[cls] == '_' || p.suppressName && p.src[c1s] == 's') {
				class = p.classify(chain, p.src[c1s:c1e], p.src[c2s:c2e], p.src[cls:cle])
			}
			p.call(class, s0, x.s)
			x = expr{kind: eCall, s: x.s, e: p.prevEnd()}
			chain = 0
		case tLBrack:
			sysModules := chain == 2 && p.src[c1s] == 's' && string(p.src[c1s:c1e]) == "sys" && string(p.src[cls:cle]) == "modules"
			p.subscript(sysModules, s0)
			x = expr{kind: eSubscript, flags: fTarget | fDel, s: x.s, e: p.prevEnd()}
			chain = 0
		default:
			return x
		}
	}
}

// interesting marks the first letters of the callees classify knows, so
// that most calls skip it.
var interesting = func() (t [256]bool) {
	for _, c := range "_iopPWbc" {
		t[c] = true
	}
	return
}()

// classify recognises the callees pkgbuild reports on.
func (p *parser) classify(chain int, first, second, last []byte) int {
	switch chain {
	case 1:
		switch string(first) {
		case "__import__":
			return calleeDunder
		case "import_module":
			if p.importModuleName {
				return calleeImportModule
			}
		case "open", "Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath":
			return calleeFileish
		case "suppress":
			if p.suppressName {
				return calleeSuppress
			}
		}
	default:
		f, l := string(first), string(last)
		switch {
		case chain == 2 && f == "importlib" && l == "import_module":
			return calleeImportModule
		case chain == 2 && f == "contextlib" && l == "suppress":
			return calleeSuppress
		case chain == 2 && l == "__import__":
			return calleeAttrImport
		case chain == 2 && (f == "io" || f == "codecs" || f == "builtins") && l == "open",
			chain == 2 && f == "pathlib",
			f == "os" && (chain == 2 || string(second) == "path"),
			f == "osp", f == "path" && chain == 2:
			return calleeFileish
		}
	}
	return calleeOther
}

// subscript reads [slices]; the primary before it, which starts at off, is
// sys.modules when sysModules is set.
func (p *parser) subscript(sysModules bool, off int32) {
	p.next() // [
	x := p.sliceItem()
	n := 1
	for p.tok.kind == tComma {
		p.next()
		if p.tok.kind == tRBrack {
			break
		}
		p.sliceItem()
		n++
	}
	if p.tok.kind != tRBrack {
		p.syntaxError()
	}
	p.next()
	if sysModules && n == 1 {
		line, col := p.line(off), p.col(off)
		switch {
		case x.kind == eName && string(p.src[x.s:x.e]) == "__name__":
			p.addFinding(line, col, "sys-modules-name",
				"sys.modules[__name__] finds the running module by name; under torch.package the name is mangled and the module is not in sys.modules")
		case x.kind == eAttr && x.e-x.s > 10 && string(p.src[x.e-10:x.e]) == "__module__":
			p.addFinding(line, col, "sys-modules-module",
				"sys.modules[...__module__] looks up a module by the __module__ of an object; modules imported from a torch.package archive are not in sys.modules")
		}
	}
}

// sliceItem: slice | starred_expression, where
// slice: [expression] ':' [expression] [':' [expression]] | named_expression
func (p *parser) sliceItem() expr {
	var x expr
	switch p.tok.kind {
	case tColon:
		x = expr{kind: eOther, s: p.tok.s}
	case tStar:
		s := p.tok.s
		p.next()
		y := p.expression()
		return expr{kind: eStarred, s: s, e: y.e}
	default:
		x = p.namedExpression()
		if p.tok.kind != tColon {
			return x
		}
		if x.kind == eNamed {
			p.syntaxError()
		}
	}
	p.next() // :
	if startsExpr[p.tok.kind] && p.tok.kind != tStar {
		p.expression()
	}
	if p.tok.kind == tColon {
		p.next()
		if startsExpr[p.tok.kind] && p.tok.kind != tStar {
			p.expression()
		}
	}
	return expr{kind: eOther, s: x.s, e: p.prevEnd()}
}

// argInfo is one argument of an __import__ or suppress call.
type argInfo struct {
	kw     int8 // 0 positional, 1 keyword, 2 **
	ks, ke int32
	val    expr
}

const (
	argsCall = iota
	argsClass
)

// call reads (arguments) after a callee of the given class, which starts
// at off; findings take their line from lineOff, the start of the primary.
func (p *parser) call(class int, lineOff, off int32) {
	visible := p.callDepth == 0
	collect := (class == calleeDunder || class == calleeSuppress) && visible
	p.next() // (
	p.callDepth++
	if class == calleeFileish {
		p.fileCtx++
	}
	if collect {
		p.dargs = p.dargs[:0]
	}
	first, hasFirst := p.args(argsCall, collect)
	if p.tok.kind != tRParen { // p.expect(tRParen), written out
		p.expected(tRParen)
	}
	p.next()
	p.callDepth--
	if class == calleeFileish {
		p.fileCtx--
	}
	if class == calleeSuppress {
		if collect && p.suppressesImportError() {
			p.suppressEnd = p.prevEnd()
		}
		return
	}
	if class == calleeOther || class == calleeFileish {
		return
	}
	line, col := p.line(lineOff), p.col(off)
	switch class {
	case calleeDunder:
		if collect {
			p.dunderImport(line, col, off)
			return
		}
		if hasFirst && first.kind == eStr {
			name := p.strValue(first)
			p.addFinding(line, col, "unseen-import",
				fmt.Sprintf("__import__(%q) is part of a larger call; torch.package does not look inside calls, so it will not package %q unless it is imported elsewhere", name, name))
		} else {
			p.addFinding(line, col, "dynamic-import",
				"__import__ with a module name computed at run time; torch.package cannot see which module it imports")
		}
	case calleeImportModule, calleeAttrImport:
		what := "importlib.import_module"
		if class == calleeAttrImport {
			what = "__import__ called through an attribute"
		}
		if hasFirst && first.kind == eStr {
			name := p.strValue(first)
			p.addFinding(line, col, "dynamic-import",
				fmt.Sprintf("%s(%q): torch.package does not follow this import; intern or extern %q explicitly", what, name, name))
		} else {
			p.addFinding(line, col, "dynamic-import",
				what+" with a module name computed at run time; torch.package cannot see which module it imports")
		}
	}
}

// suppressesImportError reports whether the positional arguments of the
// suppress call just read (in p.dargs) name ImportError or a base of it.
func (p *parser) suppressesImportError() bool {
	for _, a := range p.dargs {
		if a.kw == 0 && p.catchesImportError(a.val) {
			return true
		}
	}
	return false
}

// args reads call or class arguments up to the closing parenthesis and
// returns the first positional argument. With collect set, every argument
// is recorded in p.dargs.
func (p *parser) args(kind int, rec bool) (first expr, hasFirst bool) {
	sb := len(p.segs)
	sawKw, sawDStar := false, false
	n := 0
	for p.tok.kind != tRParen {
		if t := p.tok; (t.kind == tName && p.fileCtx == 0 || t.kind == tNumber) &&
			argEnd[p.toks[p.i+1].kind] && !sawKw && !sawDStar {
			// The most common argument, a lone name or number, without the
			// call to expression (as the default case below reads it).
			x := expr{kind: eName, flags: fTarget | fDel, s: t.s, e: t.e}
			if t.kind == tNumber {
				x = expr{kind: numberKind(p.src[t.s:t.e]), s: t.s, e: t.e}
			}
			p.next()
			if n == 0 {
				first, hasFirst = x, true
			}
			if rec {
				p.dargs = append(p.dargs, argInfo{val: x})
			}
			n++
			if p.tok.kind != tComma {
				break
			}
			p.next()
			continue
		}
		ev0 := len(p.events)
		cat := 0
		switch p.tok.kind {
		case tStar:
			if sawDStar {
				p.fail("iterable argument unpacking follows keyword argument unpacking")
			}
			s := p.tok.s
			p.next()
			y := p.expression()
			v := expr{kind: eStarred, s: s, e: y.e}
			if !hasFirst && !sawKw && !sawDStar && n == 0 {
				first, hasFirst = v, true
			}
			if rec {
				p.dargs = append(p.dargs, argInfo{val: v})
			}
		case tDoubleStar:
			p.next()
			y := p.expression()
			sawDStar = true
			cat = 1
			if rec {
				p.dargs = append(p.dargs, argInfo{kw: 2, val: y})
			}
		default:
			x := p.expression()
			if p.tok.kind == tColonEq {
				x = p.walrus(x)
			}
			switch {
			case p.tok.kind == tEqual:
				if x.kind != eName || x.flags&fParen != 0 {
					p.failAt(x, `expression cannot contain assignment, perhaps you meant "=="?`)
				}
				p.next()
				y := p.expression()
				sawKw = true
				cat = 1
				if rec {
					p.dargs = append(p.dargs, argInfo{kw: 1, ks: x.s, ke: x.e, val: y})
				}
			case p.tok.kind == kwFor || p.tok.kind == kwAsync:
				if n > 0 || kind == argsClass {
					p.failAt(x, "Generator expression must be parenthesized")
				}
				p.comprehension()
				if p.tok.kind != tRParen {
					p.failAt(x, "Generator expression must be parenthesized")
				}
				x = expr{kind: eComp, s: x.s, e: p.prevEnd()}
				fallthrough
			default:
				if sawDStar {
					p.failAt(x, "positional argument follows keyword argument unpacking")
				}
				if sawKw {
					p.failAt(x, "positional argument follows keyword argument")
				}
				if n == 0 {
					first, hasFirst = x, true
				}
				if rec {
					p.dargs = append(p.dargs, argInfo{val: x})
				}
			}
		}
		if kind == argsClass && len(p.events) > ev0 {
			p.segs = append(p.segs, segment{cat, ev0, len(p.events)})
		}
		n++
		if p.tok.kind != tComma {
			break
		}
		p.next()
	}
	if len(p.segs)-sb > 1 {
		// ast.ClassDef keeps bases and keywords in separate lists.
		p.reorder(fillGaps(p.segs[sb:]))
	}
	p.segs = p.segs[:sb]
	return first, hasFirst
}

// argEnd marks the tokens that end an argument.
var argEnd = [256]bool{tComma: true, tRParen: true}

// fillGaps inserts empty segments between non-adjacent ones.
func fillGaps(segs []segment) []segment {
	out := make([]segment, 0, 2*len(segs))
	for i, sg := range segs {
		if i > 0 && sg.s > out[len(out)-1].e {
			out = append(out, segment{-1, out[len(out)-1].e, sg.s})
		}
		out = append(out, sg)
	}
	return out
}

func (p *parser) lambda() expr {
	p.enter()
	s := p.tok.s
	p.next()
	p.params(tColon, false)
	p.expect(tColon)
	outer := p.fn
	p.nfn++
	p.fn = p.nfn
	y := p.expression()
	p.fn = outer
	p.depth--
	return expr{kind: eLambda, s: s, e: y.e}
}

func (p *parser) comprehension() {
	for {
		switch p.tok.kind {
		case kwAsync:
			p.next()
			if p.tok.kind != kwFor {
				p.syntaxError()
			}
			p.next()
		case kwFor:
			p.next()
		default:
			return
		}
		p.targetList()
		p.expect(tIn)
		p.binary(precOr)
		for p.tok.kind == kwIf {
			p.next()
			p.binary(precOr)
		}
	}
}

func (p *parser) atom() expr {
	t := p.tok
	switch t.kind {
	case tNumber:
		p.next()
		return expr{kind: numberKind(p.src[t.s:t.e]), s: t.s, e: t.e}
	case tString, tFStart:
		if k := p.toks[p.i+1].kind; t.kind == tString && k != tString && k != tFStart {
			// One string literal: strings, without the loop.
			p.next()
			if t.flags&strBytes != 0 {
				return expr{kind: eBytes, s: t.s, e: t.e}
			}
			return expr{kind: eStr, s: t.s, e: t.e}
		}
		return p.strings()
	case kwTrue:
		p.next()
		return expr{kind: eTrue, s: t.s, e: t.e}
	case kwFalse:
		p.next()
		return expr{kind: eFalse, s: t.s, e: t.e}
	case kwNone:
		p.next()
		return expr{kind: eNone, s: t.s, e: t.e}
	case tEllipsis:
		p.next()
		return expr{kind: eEllipsis, s: t.s, e: t.e}
	case tLParen:
		return p.parenAtom()
	case tLBrack:
		return p.listAtom()
	case tLBrace:
		return p.braceAtom()
	case tName:
		p.next()
		return expr{kind: eName, flags: fTarget | fDel, s: t.s, e: t.e}
	case tStar:
		p.fail("cannot use starred expression here")
	case kwYield:
		p.fail("'yield' outside of parentheses")
	}
	p.syntaxError()
	return expr{}
}

func numberKind(b []byte) ekind {
	last := b[len(b)-1] | 0x20
	if last == 'j' {
		return eComplex
	}
	if len(b) > 1 && b[0] == '0' && (b[1]|0x20 == 'x' || b[1]|0x20 == 'o' || b[1]|0x20 == 'b') {
		return eInt
	}
	for _, c := range b {
		if c == '.' || c|0x20 == 'e' {
			return eFloat
		}
	}
	return eInt
}

// strings reads adjacent string literals (implicit concatenation).
func (p *parser) strings() expr {
	s := p.tok.s
	sawBytes, sawStr, sawF := false, false, false
	for {
		switch p.tok.kind {
		case tString:
			if p.tok.flags&strBytes != 0 {
				sawBytes = true
			} else {
				sawStr = true
			}
			p.next()
			continue
		case tFStart:
			sawStr, sawF = true, true
			p.fstring()
			continue
		}
		break
	}
	if sawBytes && sawStr {
		line, col := lineCol(p.src, int(s))
		p.bail(line, col, "cannot mix bytes and nonbytes literals")
	}
	x := expr{kind: eStr, s: s, e: p.prevEnd()}
	if sawBytes {
		x.kind = eBytes
	} else if sawF {
		x.kind = eFString
	}
	return x
}

// fstring reads an f-string from its tFStart token to its tFEnd.
func (p *parser) fstring() {
	p.enter()
	p.next()
	for p.tok.kind != tFEnd {
		if p.tok.kind != tLBrace {
			p.syntaxError()
		}
		p.replacementField()
	}
	p.next()
	p.depth--
}

func (p *parser) replacementField() {
	p.next() // {
	switch p.tok.kind {
	case tRBrace, tExclaim, tColon, tEqual:
		p.fail("f-string: empty expression not allowed")
	case kwYield:
		p.yieldExpr()
	default:
		x := p.starExpressions()
		if x.kind == eStarred {
			p.failAt(x, "f-string: cannot use starred expression here")
		}
		if x.kind == eLambda && x.flags&fParen == 0 {
			p.failAt(x, "f-string: lambda expressions are not allowed without parentheses")
		}
	}
	if p.tok.kind == tEqual {
		p.next()
	}
	if p.tok.kind == tExclaim {
		p.next()
		if p.tok.kind != tName || p.tok.s != p.prevEnd() {
			p.fail("f-string: invalid conversion character: expected 's', 'r', or 'a'")
		}
		if c := p.text(p.tok); c != "s" && c != "r" && c != "a" {
			p.fail("f-string: invalid conversion character: expected 's', 'r', or 'a'")
		}
		p.next()
	}
	if p.tok.kind == tColon {
		p.next()
		for p.tok.kind == tLBrace {
			p.replacementField()
		}
	}
	if p.tok.kind != tRBrace {
		p.fail("f-string: expecting '}'")
	}
	p.next()
}

func (p *parser) parenAtom() expr {
	p.enter()
	defer func() { p.depth-- }()
	open := p.tok
	p.next()
	collecting := p.collect
	p.collect = false
	switch p.tok.kind {
	case tRParen:
		p.next()
		return expr{kind: eTuple, flags: fTarget | fDel, s: open.s, e: p.prevEnd()}
	case kwYield:
		y := p.yieldExpr()
		p.expect(tRParen)
		y.flags |= fParen
		return y
	}
	x := p.starNamedExpression()
	switch p.tok.kind {
	case kwFor, kwAsync:
		if x.kind == eStarred {
			p.failAt(x, "iterable unpacking cannot be used in comprehension")
		}
		p.comprehension()
		p.expect(tRParen)
		return expr{kind: eComp, s: open.s, e: p.prevEnd()}
	case tRParen:
		if x.kind == eStarred {
			p.failAt(x, "cannot use starred expression here")
		}
		p.next()
		x.flags |= fParen
		return x
	case tComma:
	default:
		p.expect(tRParen)
	}
	flags := p.displayTail(x, tRParen, collecting)
	p.expect(tRParen)
	return expr{kind: eTuple, flags: flags, s: open.s, e: p.prevEnd()}
}

// displayTail parses the rest of a tuple or list display after its first
// element x, up to (not including) the closing token, appending every
// element to p.elts when the display is a fromlist being collected. It
// returns the target flags all elements share: a display is a valid
// target only if each element is, and a starred element is never a del
// target.
func (p *parser) displayTail(x expr, closing tokKind, collecting bool) uint8 {
	flags := x.flags & (fTarget | fDel)
	for first := true; ; first = false {
		if !first {
			if p.tok.kind != tComma {
				return flags
			}
			p.next()
			if p.tok.kind == closing {
				return flags
			}
			x = p.starNamedExpression()
			flags &= x.flags
		}
		if x.kind == eStarred {
			flags &^= fDel
		}
		if collecting {
			p.elts = append(p.elts, x)
		}
	}
}

func (p *parser) listAtom() expr {
	p.enter()
	defer func() { p.depth-- }()
	open := p.tok
	p.next()
	collecting := p.collect
	p.collect = false
	if p.tok.kind == tRBrack {
		p.next()
		return expr{kind: eList, flags: fTarget | fDel, s: open.s, e: p.prevEnd()}
	}
	x := p.starNamedExpression()
	if p.tok.kind == kwFor || p.tok.kind == kwAsync {
		if x.kind == eStarred {
			p.failAt(x, "iterable unpacking cannot be used in comprehension")
		}
		p.comprehension()
		if p.tok.kind != tRBrack {
			p.syntaxError()
		}
		p.next()
		return expr{kind: eComp, s: open.s, e: p.prevEnd()}
	}
	flags := p.displayTail(x, tRBrack, collecting)
	if p.tok.kind != tRBrack {
		p.syntaxError()
	}
	p.next()
	return expr{kind: eList, flags: flags, s: open.s, e: p.prevEnd()}
}

func (p *parser) braceAtom() expr {
	p.enter()
	defer func() { p.depth-- }()
	open := p.tok
	p.next()
	collecting := p.collect
	p.collect = false
	switch p.tok.kind {
	case tRBrace:
		p.next()
		return expr{kind: eDict, s: open.s, e: p.prevEnd()}
	case tDoubleStar:
		p.dictRest(len(p.events), true)
		return expr{kind: eDict, s: open.s, e: p.prevEnd()}
	}
	ev0 := len(p.events)
	x := p.starNamedExpression()
	if p.tok.kind == tColon {
		if x.kind == eStarred {
			p.failAt(x, "cannot use a starred expression in a dictionary key")
		}
		if x.kind == eNamed && x.flags&fParen == 0 {
			p.syntaxError()
		}
		p.next()
		ev1 := len(p.events)
		p.expression()
		if p.tok.kind == kwFor || p.tok.kind == kwAsync {
			p.comprehension()
			if p.tok.kind != tRBrace {
				p.syntaxError()
			}
			p.next()
			return expr{kind: eComp, s: open.s, e: p.prevEnd()}
		}
		p.dictRest(ev0, false, segment{0, ev0, ev1}, segment{1, ev1, len(p.events)})
		return expr{kind: eDict, s: open.s, e: p.prevEnd()}
	}
	if p.tok.kind == kwFor || p.tok.kind == kwAsync {
		if x.kind == eStarred {
			p.failAt(x, "iterable unpacking cannot be used in comprehension")
		}
		p.comprehension()
		if p.tok.kind != tRBrace {
			p.syntaxError()
		}
		p.next()
		return expr{kind: eComp, s: open.s, e: p.prevEnd()}
	}
	if collecting {
		p.elts = append(p.elts, x)
	}
	for p.tok.kind == tComma {
		p.next()
		if p.tok.kind == tRBrace {
			break
		}
		y := p.starNamedExpression()
		if collecting {
			p.elts = append(p.elts, y)
		}
	}
	if p.tok.kind != tRBrace {
		p.syntaxError()
	}
	p.next()
	return expr{kind: eSet, s: open.s, e: p.prevEnd()}
}

// dictRest reads the remaining items of a dict display. start tells
// whether the current token begins an item (true) or a comma does.
// torch visits all keys of a Dict before its values. segs are the
// segments of the first item, if it was read already.
func (p *parser) dictRest(ev0 int, start bool, segs ...segment) {
	sb := len(p.segs)
	p.segs = append(p.segs, segs...)
	for {
		if !start {
			if p.tok.kind != tComma {
				break
			}
			p.next()
			if p.tok.kind == tRBrace {
				break
			}
		}
		start = false
		s := len(p.events)
		if p.tok.kind == tDoubleStar {
			p.next()
			p.binary(precBitOr)
			p.segs = append(p.segs, segment{1, s, len(p.events)})
			continue
		}
		p.expression()
		m := len(p.events)
		if p.tok.kind != tColon {
			p.fail("':' expected after dictionary key")
		}
		p.next()
		p.expression()
		p.segs = append(p.segs, segment{0, s, m}, segment{1, m, len(p.events)})
	}
	if p.tok.kind != tRBrace {
		p.syntaxError()
	}
	p.next()
	if len(p.events) > ev0 {
		p.reorder(p.segs[sb:])
	}
	p.segs = p.segs[:sb]
}
