package scanner

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// dunderImport turns an `__import__(...)` call that torch's visitor sees
// (its arguments are in p.dargs) into a DunderImport statement, reading the
// arguments exactly as torch 1.13's _ExtractModuleReferences.visit_Call
// does. Where torch gives up silently, pkgbuild records a finding instead.
func (p *parser) dunderImport(line, col, off int32) {
	var pos, kws []argInfo
	for _, a := range p.dargs {
		switch a.kw {
		case 0:
			pos = append(pos, a)
		case 1:
			kws = append(kws, a)
		}
	}
	if len(pos) == 0 || pos[0].val.kind != eStr {
		// torch skips the call (no argument, or one without `.value`), or
		// records the argument's AST node or non-string value as a module
		// (pytorch#57193). Either way nothing importable can be named.
		p.addFinding(line, col, "dynamic-import",
			"__import__ with a module name computed at run time; torch.package cannot see which module it imports")
		return
	}
	name := p.strValue(pos[0].val)
	var names []string
	hasFromlist, ok := false, true
	if len(pos) > 3 {
		hasFromlist = true
		names, ok = p.fromlist(pos[3].val)
	} else {
		for _, k := range kws {
			if string(p.src[k.ks:k.ke]) == "fromlist" {
				hasFromlist = true
				n, good := p.fromlist(k.val)
				names = append(names, n...)
				ok = ok && good
			}
		}
	}
	level := 0
	if ok {
		if len(pos) > 4 {
			level, ok = p.levelOf(pos[4].val)
		} else {
			for _, k := range kws {
				if string(p.src[k.ks:k.ke]) == "level" {
					l, good := p.levelOf(k.val)
					ok = ok && good
					level = l
				}
			}
		}
	}
	if !ok {
		p.addFinding(line, col, "dynamic-import",
			fmt.Sprintf("__import__(%q) has a fromlist or level torch.package cannot read, so it ignores the call; %q is not packaged unless it is imported elsewhere", name, name))
		return
	}
	if len(names) == 0 {
		names = nil
	}
	p.addEvent(Stmt{Kind: DunderImport, Line: int(line), Col: int(col) + 1, Module: name,
		Level: level, Names: names, HasFromlist: hasFromlist}, off)
}

// fromlist reads a fromlist argument the way torch does: it must have
// `.elts` (a list, tuple or set display) whose elements all have `.value`.
// String elements are names; any other value (torch records it as the
// name, which can never be imported as a submodule) is recorded as "*",
// which yields the same reference to the module alone.
func (p *parser) fromlist(x expr) ([]string, bool) {
	switch x.kind {
	case eList, eTuple, eSet:
	default:
		return nil, false
	}
	elts, ok := p.elements(x)
	if !ok {
		return nil, false
	}
	names := make([]string, 0, len(elts))
	for _, el := range elts {
		switch {
		case el.kind == eStr:
			names = append(names, p.strValue(el))
		case el.hasValue():
			names = append(names, "*")
		default:
			return nil, false
		}
	}
	return names, true
}

// UnresolvableLevel is the Level of a DunderImport whose level argument is
// a literal torch accepts but cannot use as a number of package levels: a
// positive float, a string, None, ... (it fails when resolving, which torch
// silently ignores). It is larger than the depth of any package, so
// resolving it always fails the same way.
const UnresolvableLevel = 1 << 30

// levelOf reads a level argument the way torch uses it: `node.value` must
// exist, and the value is compared with 0 and used as a count.
func (p *parser) levelOf(x expr) (int, bool) {
	text := string(p.src[x.s:x.e])
	switch x.kind {
	case eInt:
		v, err := strconv.ParseUint(strings.ReplaceAll(text, "_", ""), 0, 64)
		if err != nil || v >= UnresolvableLevel {
			return UnresolvableLevel, true
		}
		return int(v), true
	case eTrue:
		return 1, true
	case eFalse:
		return 0, true
	case eFloat:
		f, _ := strconv.ParseFloat(strings.ReplaceAll(text, "_", ""), 64)
		if f > 0 {
			return UnresolvableLevel, true // rsplit() rejects a float count
		}
		return 0, true
	}
	if x.hasValue() {
		return UnresolvableLevel, true // comparing it with 0 raises TypeError
	}
	return 0, false
}

// elements returns the elements of a list, tuple or set display by parsing
// it again with a parser that records them (p.sub, reused from call to
// call).
func (p *parser) elements(x expr) (elts []expr, ok bool) {
	if p.sub == nil {
		p.sub = new(parser)
	}
	sub := p.sub
	sub.src = p.src
	sub.lx.init(p.src)
	start := int(x.s)
	sub.lx.pos = start
	sub.lx.atBOL = false
	sub.lx.lineStart = bytes.LastIndexByte(p.src[:start], '\n') + 1
	sub.lx.line = p.line(x.s)
	sub.lnOff, sub.lnNum = x.s, sub.lx.line
	// Pretend to be inside brackets, so line breaks mean nothing, and stop
	// after the display's closing bracket.
	sub.lx.parens = append(sub.lx.parens, paren{'(', sub.lx.line, 0})
	sub.clear(1, true)
	sub.start(2)
	defer func() {
		if r := recover(); r != nil {
			elts, ok = nil, false
		}
		sub.src, sub.lx.src = nil, nil
	}()
	sub.atom()
	// A copy: catchesImportError asks for the elements of nested tuples
	// while it goes through these.
	return append([]expr(nil), sub.elts...), true
}

// strValue decodes the string literal(s) of a str constant.
func (p *parser) strValue(x expr) string {
	b := p.src[x.s:x.e]
	var out []byte
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == '(' || c == ')':
			i++
			continue
		case c == '\\': // line continuation between literals
			i += 2
			continue
		case c == '#':
			for i < len(b) && b[i] != '\n' {
				i++
			}
			continue
		}
		raw := false
		for i < len(b) && b[i] != '"' && b[i] != '\'' {
			if b[i]|0x20 == 'r' {
				raw = true
			}
			i++
		}
		if i >= len(b) {
			break
		}
		q := b[i]
		size := 1
		if i+2 < len(b) && b[i+1] == q && b[i+2] == q {
			size = 3
		}
		i += size
		for i < len(b) {
			c := b[i]
			if c == q && (size == 1 || i+2 < len(b) && b[i+1] == q && b[i+2] == q) {
				i += size
				break
			}
			if c != '\\' || i+1 >= len(b) {
				out = append(out, c)
				i++
				continue
			}
			if raw {
				out = append(out, c, b[i+1])
				i += 2
				continue
			}
			var n int
			out, n = unescape(out, b[i:])
			i += n
		}
	}
	return string(out)
}

// unescape decodes the escape sequence at the start of b (a backslash) and
// returns the output and the number of bytes consumed.
func unescape(out, b []byte) ([]byte, int) {
	c := b[1]
	switch c {
	case '\n':
		return out, 2
	case '\\', '\'', '"':
		return append(out, c), 2
	case 'a':
		return append(out, '\a'), 2
	case 'b':
		return append(out, '\b'), 2
	case 'f':
		return append(out, '\f'), 2
	case 'n':
		return append(out, '\n'), 2
	case 'r':
		return append(out, '\r'), 2
	case 't':
		return append(out, '\t'), 2
	case 'v':
		return append(out, '\v'), 2
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		if len(b) < 2+n {
			return append(out, b...), len(b)
		}
		v := 0
		for _, h := range b[2 : 2+n] {
			v = v<<4 | hexVal(h)
		}
		return utf8.AppendRune(out, rune(v)), 2 + n
	case 'N':
		// Character names are not looked up; the replacement character
		// stands in for the named one.
		end := bytes.IndexByte(b, '}')
		if end < 0 {
			return append(out, b...), len(b)
		}
		return utf8.AppendRune(out, utf8.RuneError), end + 1
	}
	if '0' <= c && c <= '7' {
		v, n := 0, 1
		for n <= 3 && n < len(b) && '0' <= b[n] && b[n] <= '7' {
			v = v<<3 | int(b[n]-'0')
			n++
		}
		return utf8.AppendRune(out, rune(v)), n
	}
	return append(out, '\\', c), 2
}
