package manifest

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// BurntSushi/toml decodes a document but keeps no position for most keys, and
// none for the entries of an array of tables. positions therefore reads the
// text itself: a small scanner that knows TOML's lexical structure (strings
// of all four kinds, comments, arrays and inline tables spanning lines,
// dotted and quoted keys, table headers) and records where each key and each
// value starts. It diagnoses nothing: it must be right on text the decoder
// accepts, and on any other text it must merely not panic or loop. It runs
// before the decoder, to refuse nesting deep enough to make that slow.

// loc is a 1-based line and byte column.
type loc struct{ line, col int }

// path names a value in the document: keys and 0-based array indexes.
type path []pathElem

// pathElem is a key, or an array index when index >= 0.
type pathElem struct {
	key   string
	index int
}

func (p path) key(k string) path { return append(p[:len(p):len(p)], pathElem{key: k, index: -1}) }
func (p path) at(i int) path     { return append(p[:len(p):len(p)], pathElem{index: i}) }

// String renders p as TOML-ish text, as Error.Key shows it: rule[2].extern,
// with keys quoted when they are not bare keys.
func (p path) String() string {
	var b strings.Builder
	for i, e := range p {
		if e.index >= 0 {
			b.WriteString("[" + strconv.Itoa(e.index) + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		if isBareKey(e.key) {
			b.WriteString(e.key)
		} else {
			b.WriteString(strconv.Quote(e.key))
		}
	}
	return b.String()
}

func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// positions maps each path (by its String) to where its key and its value
// start. For an entry of an array of tables, both are its [[header]].
type positions struct {
	keys map[string]loc
	vals map[string]loc
	// tooDeep is where the text nests deeper than maxNesting, if it does;
	// the positions after it are not recorded.
	tooDeep *loc
}

// key returns where the key of p is written, or of its nearest ancestor that
// has a known position, or line 1.
func (ps *positions) key(p path) loc { return ps.find(ps.keys, p) }

// val returns where the value of p starts, falling back like key.
func (ps *positions) val(p path) loc { return ps.find(ps.vals, p) }

func (ps *positions) find(m map[string]loc, p path) loc {
	for n := len(p); n > 0; n-- {
		if l, ok := m[p[:n].String()]; ok {
			return l
		}
		if l, ok := ps.vals[p[:n].String()]; ok {
			return l
		}
	}
	return loc{1, 1}
}

// scanPositions records the positions of every key and value in src.
func scanPositions(src []byte) *positions {
	s := &posScanner{
		src:    src,
		line:   1,
		ps:     &positions{keys: map[string]loc{}, vals: map[string]loc{}},
		arrays: map[string]int{},
	}
	s.document()
	s.ps.tooDeep = s.tooDeep
	return s.ps
}

// stop ends the scan because the text nests too deeply at l.
func (s *posScanner) stop(l loc) {
	if s.tooDeep == nil {
		s.tooDeep = &l
	}
	s.i = len(s.src)
}

// maxNesting bounds the nesting of arrays and inline tables and the parts
// of a dotted key. A manifest needs four; the bound keeps the TOML decoder,
// whose cost grows with the square of the depth, fast on any input.
const maxNesting = 32

type posScanner struct {
	src       []byte
	depth     int  // arrays and inline tables open around the next byte
	tooDeep   *loc // where maxNesting was first exceeded
	i         int  // next byte
	line      int  // line of src[i]
	lineStart int  // offset of the first byte of line
	ps        *positions
	arrays    map[string]int // number of [[header]]s seen per array path
}

func (s *posScanner) eof() bool { return s.i >= len(s.src) }

// peek returns the byte k ahead of the next one, or 0 past the end.
func (s *posScanner) peek(k int) byte {
	if s.i+k < len(s.src) {
		return s.src[s.i+k]
	}
	return 0
}

func (s *posScanner) advance() {
	if s.eof() {
		return
	}
	if s.src[s.i] == '\n' {
		s.line++
		s.lineStart = s.i + 1
	}
	s.i++
}

func (s *posScanner) here() loc { return loc{s.line, s.i - s.lineStart + 1} }

// skipSpace skips blanks within a line.
func (s *posScanner) skipSpace() {
	for c := s.peek(0); !s.eof() && (c == ' ' || c == '\t' || c == '\r'); c = s.peek(0) {
		s.advance()
	}
}

// skipBlank skips blanks, newlines and comments.
func (s *posScanner) skipBlank() {
	for !s.eof() {
		switch s.peek(0) {
		case ' ', '\t', '\r', '\n':
			s.advance()
		case '#':
			s.skipLine()
		default:
			return
		}
	}
}

// skipLine skips to the end of the line, leaving the newline.
func (s *posScanner) skipLine() {
	for !s.eof() && s.peek(0) != '\n' {
		s.advance()
	}
}

func (s *posScanner) document() {
	var table path // the table that key/value lines belong to
	for {
		s.skipBlank()
		if s.eof() {
			return
		}
		start := s.here()
		if s.peek(0) != '[' {
			s.keyValue(table)
			s.skipLine()
			continue
		}
		array := s.peek(1) == '['
		s.advance()
		if array {
			s.advance()
		}
		keys, locs := s.keys()
		if len(keys) == 0 {
			s.skipLine()
			continue
		}
		parent := s.resolve(nil, keys[:len(keys)-1], locs)
		table = parent.key(keys[len(keys)-1])
		s.setKey(table, locs[len(locs)-1])
		if array {
			n := s.arrays[table.String()]
			s.arrays[table.String()] = n + 1
			table = table.at(n)
			s.setKey(table, start)
		}
		s.ps.vals[table.String()] = start
		s.skipLine()
	}
}

// resolve walks dotted header keys from base: a key naming an array of
// tables stands for its last entry, as in TOML.
func (s *posScanner) resolve(base path, keys []string, locs []loc) path {
	p := base
	for i, k := range keys {
		p = p.key(k)
		s.setKey(p, locs[i])
		if n, ok := s.arrays[p.String()]; ok && n > 0 {
			p = p.at(n - 1)
		}
	}
	return p
}

// setKey records the first place a key is written.
func (s *posScanner) setKey(p path, l loc) {
	if _, ok := s.ps.keys[p.String()]; !ok {
		s.ps.keys[p.String()] = l
	}
}

// keyValue reads `key = value` in table.
func (s *posScanner) keyValue(table path) {
	keys, locs := s.keys()
	if len(keys) == 0 {
		s.advance() // not a key: make progress
		return
	}
	p := table
	for i, k := range keys {
		p = p.key(k)
		s.setKey(p, locs[i])
	}
	s.skipSpace()
	if s.peek(0) == '=' {
		s.advance()
	}
	s.value(p)
}

// keys reads a dotted key and returns its parts and where each starts. It
// stops before '=', ']' or anything that cannot be part of a key.
func (s *posScanner) keys() ([]string, []loc) {
	var keys []string
	var locs []loc
	for {
		s.skipSpace()
		start := s.here()
		var k string
		switch c := s.peek(0); {
		case c == '"' || c == '\'':
			raw := s.stringToken()
			k = unquoteKey(raw)
		default:
			from := s.i
			for !s.eof() && !strings.ContainsRune(" \t\r\n=.[]#,{}\"'", rune(s.peek(0))) {
				s.advance()
			}
			if s.i == from {
				return keys, locs
			}
			k = string(s.src[from:s.i])
		}
		keys = append(keys, k)
		locs = append(locs, start)
		if len(keys) > maxNesting {
			s.stop(start)
			return nil, nil
		}
		s.skipSpace()
		if s.peek(0) != '.' {
			return keys, locs
		}
		s.advance()
	}
}

// value reads one value of p and records where it starts.
func (s *posScanner) value(p path) {
	s.skipSpace()
	s.ps.vals[p.String()] = s.here()
	if c := s.peek(0); c == '[' || c == '{' {
		if s.depth == maxNesting {
			s.stop(s.here())
			return
		}
		s.depth++
		defer func() { s.depth-- }()
	}
	switch s.peek(0) {
	case '"', '\'':
		s.stringToken()
	case '[':
		s.advance()
		for n := 0; ; {
			s.skipBlank()
			switch c := s.peek(0); {
			case s.eof():
				return
			case c == ']':
				s.advance()
				return
			case c == ',':
				s.advance()
			default:
				from := s.i
				s.value(p.at(n))
				n++
				if s.i == from {
					s.advance()
				}
			}
		}
	case '{':
		s.advance()
		for {
			s.skipBlank()
			switch c := s.peek(0); {
			case s.eof():
				return
			case c == '}':
				s.advance()
				return
			case c == ',':
				s.advance()
			default:
				s.keyValue(p)
			}
		}
	default:
		// A number, boolean or date-time (which may hold a space).
		for !s.eof() && !strings.ContainsRune(",]}#\n", rune(s.peek(0))) {
			s.advance()
		}
	}
}

// stringToken skips a string of any of TOML's four kinds starting at the
// next byte and returns its text, quotes included.
func (s *posScanner) stringToken() string {
	from := s.i
	q := s.peek(0)
	escapes := q == '"'
	if s.peek(1) == q && s.peek(2) == q {
		for range 3 {
			s.advance()
		}
		for !s.eof() {
			switch {
			case escapes && s.peek(0) == '\\':
				s.advance()
				s.advance()
			case s.peek(0) == q && s.peek(1) == q && s.peek(2) == q:
				for range 3 {
					s.advance()
				}
				// Up to two more quotes belong to the string: """a""""".
				for k := 0; k < 2 && s.peek(0) == q; k++ {
					s.advance()
				}
				return string(s.src[from:s.i])
			default:
				s.advance()
			}
		}
		return string(s.src[from:s.i])
	}
	s.advance()
	for !s.eof() && s.peek(0) != '\n' {
		c := s.peek(0)
		s.advance()
		if escapes && c == '\\' {
			s.advance()
		} else if c == q {
			break
		}
	}
	return string(s.src[from:s.i])
}

// unquoteKey returns the key a quoted key token stands for. Basic strings
// use TOML's escapes; anything unexpected is kept as written, which only
// costs a position.
func unquoteKey(tok string) string {
	if len(tok) < 2 {
		return tok
	}
	body := tok[1 : len(tok)-1]
	if tok[0] == '\'' || !strings.Contains(body, `\`) {
		return body
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case 'e':
			b.WriteByte(0x1b)
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[body[i]]
			if i+n >= len(body) {
				return body
			}
			r, err := strconv.ParseUint(body[i+1:i+1+n], 16, 32)
			if err != nil {
				return body
			}
			b.WriteRune(rune(r))
			i += n
		default:
			b.WriteByte(body[i])
		}
	}
	if !utf8.ValidString(b.String()) {
		return body
	}
	return b.String()
}
