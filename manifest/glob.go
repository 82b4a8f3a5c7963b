package manifest

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// errDoubleStar is torch's message for a "**" that is not a whole segment.
var errDoubleStar = errors.New("** can only appear as an entire path segment")

// Glob is a compiled torch.package GlobGroup: a set of include and exclude
// patterns that candidate names are matched against. It is immutable and safe
// for concurrent use.
//
// A pattern is a list of segments separated by the separator byte ('.' for
// module names, '/' for paths). A segment is
//   - "**", which matches zero or more whole segments, each non-empty;
//   - a segment containing "*", which matches one segment, with each "*"
//     matching any run of bytes other than the separator (including none);
//   - anything else, which matches one segment literally. There are no other
//     metacharacters: "?", "[", "+" and "\" are literal.
//
// A "**" anywhere else in a segment ("a**", "**b") is an error. A candidate
// matches the Glob if it matches any include pattern and no exclude pattern.
// A pattern must match the whole candidate. Candidate segments may be empty:
// "" is one empty segment, so it matches the pattern "" and "*" but not "**".
//
// Glob agrees with torch/package/glob_group.py (unchanged from torch 1.13 to
// today), which compiles each pattern to a regular expression; Glob matches
// segment by segment instead, without backtracking or allocation.
type Glob struct {
	include, exclude []globPattern
	rawInclude       []string
	rawExclude       []string
	sep              byte
}

// globPattern is one compiled pattern: its segments, and whether any of them
// is "**" (without one, a match needs exactly one candidate segment per
// pattern segment).
type globPattern struct {
	segs       []globSeg
	doubleStar bool
}

// globSeg is one pattern segment. A "**" segment has doubleStar set. Otherwise
// parts are the literal pieces between the "*"s: one part means no "*".
type globSeg struct {
	doubleStar bool
	parts      []string
}

// CompileGlob compiles include and exclude patterns with the given segment
// separator, which must be an ASCII byte ('.' for module names, '/' for
// paths). The only pattern error is a "**" that is not a whole segment; the
// error names the first such pattern.
func CompileGlob(include, exclude []string, sep byte) (*Glob, error) {
	if sep >= 0x80 {
		return nil, fmt.Errorf("glob separator %q is not an ASCII byte", sep)
	}
	g := &Glob{
		rawInclude: append([]string(nil), include...),
		rawExclude: append([]string(nil), exclude...),
		sep:        sep,
	}
	var err error
	if g.include, err = compilePatterns(include, sep); err != nil {
		return nil, err
	}
	if g.exclude, err = compilePatterns(exclude, sep); err != nil {
		return nil, err
	}
	return g, nil
}

func compilePatterns(patterns []string, sep byte) ([]globPattern, error) {
	out := make([]globPattern, 0, len(patterns))
	for _, p := range patterns {
		cp, err := compilePattern(p, sep)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", p, err)
		}
		out = append(out, cp)
	}
	return out, nil
}

func compilePattern(pattern string, sep byte) (globPattern, error) {
	var p globPattern
	for seg := range strings.SplitSeq(pattern, string(sep)) {
		switch {
		case seg == "**":
			p.segs = append(p.segs, globSeg{doubleStar: true})
			p.doubleStar = true
		case strings.Contains(seg, "**"):
			return globPattern{}, errDoubleStar
		default:
			p.segs = append(p.segs, globSeg{parts: strings.Split(seg, "*")})
		}
	}
	return p, nil
}

// Match reports whether name matches any include pattern and no exclude
// pattern.
func (g *Glob) Match(name string) bool {
	return g.matchAny(g.include, name) && !g.matchAny(g.exclude, name)
}

func (g *Glob) matchAny(patterns []globPattern, name string) bool {
	for i := range patterns {
		if patterns[i].match(name, g.sep) {
			return true
		}
	}
	return false
}

// String renders the Glob as torch renders a GlobGroup built from lists:
// GlobGroup(include=['a.**'], exclude=()), with exclude=() when there are no
// exclude patterns.
func (g *Glob) String() string {
	var b strings.Builder
	b.WriteString("GlobGroup(include=")
	writePyList(&b, g.rawInclude)
	b.WriteString(", exclude=")
	if len(g.rawExclude) == 0 {
		b.WriteString("()")
	} else {
		writePyList(&b, g.rawExclude)
	}
	b.WriteString(")")
	return b.String()
}

// Include returns a copy of the include patterns.
func (g *Glob) Include() []string { return append([]string(nil), g.rawInclude...) }

// Exclude returns a copy of the exclude patterns.
func (g *Glob) Exclude() []string { return append([]string(nil), g.rawExclude...) }

// match runs the pattern over the candidate's segments, which are the
// candidate split at every separator (so there is always at least one).
func (p *globPattern) match(name string, sep byte) bool {
	if !p.doubleStar {
		return p.matchFixed(name, sep)
	}
	if len(p.segs) < 64 {
		return p.matchBits(name, sep)
	}
	return p.matchSlice(name, sep)
}

// matchFixed matches a pattern without "**": segment i of the candidate
// against segment i of the pattern, with equal counts.
func (p *globPattern) matchFixed(name string, sep byte) bool {
	rest := name
	for i := range p.segs {
		seg, tail, more := strings.Cut(rest, string(sep))
		if !p.segs[i].match(seg) {
			return false
		}
		last := i == len(p.segs)-1
		if more == last {
			return false // candidate has more segments than the pattern, or fewer
		}
		rest = tail
	}
	return true
}

// matchBits simulates the pattern as an automaton whose state i means "the
// first i pattern segments have matched"; bit i of the state set is state i.
// A "**" at i can stay at i on a non-empty segment, or move to i+1 without
// consuming one.
func (p *globPattern) matchBits(name string, sep byte) bool {
	n := len(p.segs)
	states := p.closeBits(1)
	rest := name
	for {
		seg, tail, more := strings.Cut(rest, string(sep))
		var next uint64
		for i := range n {
			if states&(1<<i) == 0 {
				continue
			}
			s := &p.segs[i]
			if s.doubleStar {
				if seg != "" {
					next |= 1 << i
				}
			} else if s.match(seg) {
				next |= 1 << (i + 1)
			}
		}
		states = p.closeBits(next)
		if states == 0 {
			return false
		}
		if !more {
			return states&(1<<n) != 0
		}
		rest = tail
	}
}

// closeBits adds the states reachable by letting "**" segments match nothing.
func (p *globPattern) closeBits(states uint64) uint64 {
	for i := range p.segs {
		if p.segs[i].doubleStar && states&(1<<i) != 0 {
			states |= 1 << (i + 1)
		}
	}
	return states
}

// matchSlice is matchBits for patterns of 64 segments or more.
func (p *globPattern) matchSlice(name string, sep byte) bool {
	n := len(p.segs)
	states := make([]bool, n+1)
	next := make([]bool, n+1)
	states[0] = true
	p.closeSlice(states)
	rest := name
	for {
		seg, tail, more := strings.Cut(rest, string(sep))
		clear(next)
		alive := false
		for i := range n {
			if !states[i] {
				continue
			}
			s := &p.segs[i]
			if s.doubleStar {
				if seg != "" {
					next[i] = true
					alive = true
				}
			} else if s.match(seg) {
				next[i+1] = true
				alive = true
			}
		}
		if !alive {
			return false
		}
		p.closeSlice(next)
		states, next = next, states
		if !more {
			return states[n]
		}
		rest = tail
	}
}

func (p *globPattern) closeSlice(states []bool) {
	for i := range p.segs {
		if p.segs[i].doubleStar && states[i] {
			states[i+1] = true
		}
	}
}

// match matches one candidate segment against a segment that is not "**".
// Each "*" matches any bytes; the segment holds no separator.
func (s *globSeg) match(seg string) bool {
	parts := s.parts
	if len(parts) == 1 {
		return seg == parts[0]
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(seg) < len(first)+len(last) || !strings.HasPrefix(seg, first) || !strings.HasSuffix(seg, last) {
		return false
	}
	// The middle parts must appear in order between the prefix and the
	// suffix; taking each at its leftmost position is optimal.
	mid := seg[len(first) : len(seg)-len(last)]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(mid, part)
		if i < 0 {
			return false
		}
		mid = mid[i+len(part):]
	}
	return true
}

// writePyList writes a list of strings as Python's repr would.
func writePyList(b *strings.Builder, list []string) {
	b.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pyRepr(s))
	}
	b.WriteByte(']')
}

// pyRepr quotes s as Python's repr(str) does for printable text: single
// quotes unless s contains a single quote and no double quote, with
// backslash escapes for the quote, the backslash and characters that are
// not printable (Go's unicode.IsPrint and Python's str.isprintable agree).
func pyRepr(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}
