package scanner

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"
)

// tokKind is the type of a token. Every operator and keyword has its own
// kind so the parser can switch on it without looking at the text.
type tokKind uint8

const (
	tEOF tokKind = iota
	tNewline
	tIndent
	tDedent
	tName
	tNumber
	tString // a complete string or bytes literal
	tFStart // f"... up to the first replacement field or the end
	tFEnd   // the closing quote(s) of an f-string

	tLParen
	tRParen
	tLBrack
	tRBrack
	tLBrace
	tRBrace
	tColon
	tComma
	tSemi
	tDot
	tEllipsis
	tArrow
	tColonEq
	tExclaim
	tEqual
	tAugAssign // += -= *= /= //= %= @= &= |= ^= >>= <<= **=

	// Binary and unary operators; binPrec gives their precedence.
	tOr // keyword, listed here so precedence tables cover it
	tAnd
	tNot
	tIn
	tIs
	tLess
	tGreater
	tEqEqual
	tNotEqual
	tLessEqual
	tGreaterEqual
	tVBar
	tCircumflex
	tAmp
	tLShift
	tRShift
	tPlus
	tMinus
	tStar
	tSlash
	tDoubleSlash
	tPercent
	tAt
	tTilde
	tDoubleStar

	// Keywords other than and/or/not/in/is.
	kwFalse
	kwNone
	kwTrue
	kwAs
	kwAssert
	kwAsync
	kwAwait
	kwBreak
	kwClass
	kwContinue
	kwDef
	kwDel
	kwElif
	kwElse
	kwExcept
	kwFinally
	kwFor
	kwFrom
	kwGlobal
	kwIf
	kwImport
	kwLambda
	kwNonlocal
	kwPass
	kwRaise
	kwReturn
	kwTry
	kwWhile
	kwWith
	kwYield

	tBad   // a character CPython turns into a token no rule accepts ($, ?, `)
	tError // where the lexer found an error (see parser.lexErr)
)

// token is one token: its kind and where it is. Tokens carry no text; the
// parser slices the source when it needs it, so lexing does not allocate.
// Nor do they carry a line: the parser counts lines only where it reports
// one (see parser.line), which keeps a token at 12 bytes.
type token struct {
	kind  tokKind
	flags uint8 // of a tString: strBytes for a bytes literal (else undefined)
	s, e  int32 // byte offsets of the token in the source
}

const strBytes = 1

// Limits CPython enforces.
const (
	maxIndent       = 100 // MAXINDENT
	maxParenLevel   = 200 // MAXLEVEL
	maxFStringLevel = 150 // MAXFSTRINGLEVEL
	maxExprNesting  = 3   // MAX_EXPR_NESTING: replacement fields inside format specs
	tabSize         = 8
)

type paren struct {
	ch        byte
	line, col int32
}

// fmode is the state of one f-string being lexed (CPython's tokenizer_mode).
// While regular is false the lexer reads literal text; a replacement field
// switches it to regular tokens until its closing brace.
type fmode struct {
	quote     byte
	quoteSize uint8
	raw       bool
	regular   bool
	inSpec    bool
	curly     int32 // brackets opened inside this f-string and not yet closed
	exprStart int32 // value of curly at the start of the innermost field, -1 outside fields
	start     int32 // offset of the f-string's prefix, for errors
	line, col int32
}

// lexer turns prepared source (see prepare) into tokens, following
// CPython 3.12's tokenizer, including PEP 701 f-strings. tokenize reads
// as many tokens as it is asked for: a tight loop (fast) handles names,
// brackets, commas, operators, integers and lines that keep their
// indentation, and next handles everything else (strings, other numbers,
// indentation changes, comments, f-strings).
type lexer struct {
	src       []byte
	pos       int
	line      int32
	lineStart int
	atBOL     bool
	pendin    int  // >0: INDENTs to emit, <0: DEDENTs to emit
	special   bool // atBOL || pendin != 0 || len(modes) > 0: next must look
	indents   []int32
	alts      []int32
	parens    []paren
	modes     []fmode
	err       *SyntaxError
	pending   []token // the tokens tokenize has read, while it calls out
}

func (lx *lexer) init(src []byte) {
	lx.src = src
	lx.pos = 0
	lx.line = 1
	lx.lineStart = 0
	lx.atBOL = true
	lx.special = true
	lx.pendin = 0
	lx.indents = append(lx.indents[:0], 0)
	lx.alts = append(lx.alts[:0], 0)
	if cap(lx.parens) < maxParenLevel {
		lx.parens = make([]paren, 0, maxParenLevel) // see fast
	}
	lx.parens = lx.parens[:0]
	lx.modes = lx.modes[:0]
	lx.err = nil
}

// bail records an error and unwinds to tokenize.
func (lx *lexer) bail(line, col int, msg string) {
	lx.err = &SyntaxError{Line: line, Col: col, Msg: msg}
	panic(bailout{})
}

// tokenize appends tokens of the rest of the source to buf until buf holds
// limit tokens or more (a NEWLINE and the INDENT or DEDENT tokens after it
// are appended together), or up to and including tEOF, or up to a tError
// token when the source is invalid (the error is in lx.err). With
// stopDepth > 0 it stops (with a tEOF) as soon as fewer than stopDepth
// brackets are open. Called again, it continues where it stopped.
func (lx *lexer) tokenize(buf []token, limit, stopDepth int) (out []token) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			// Errors only come from calls out of the loops, which leave
			// the tokens read so far in lx.pending.
			out = append(lx.pending, token{kind: tError, s: int32(lx.pos), e: int32(lx.pos)})
		}
		lx.pending = nil
	}()
	// Room for everything the loop may append (see put): it stops once
	// limit is reached, and no step appends more than a NEWLINE and the
	// DEDENTs after it, or a closing bracket and a tEOF.
	if need := limit + maxIndent + 2; cap(buf) < need {
		buf = slices.Grow(buf, need-len(buf))
	}
	for len(buf) < limit {
		if !lx.special && stopDepth == 0 {
			var newline bool
			buf, newline = lx.fast(buf, limit)
			if newline {
				// The start of a logical line: measure its indentation
				// here, and stay on the fast path when no INDENT or DEDENT
				// is due.
				lx.pending = buf
				lx.indentation()
				for ; lx.pendin > 0; lx.pendin-- {
					buf = put(buf, tIndent, lx.pos, lx.pos)
				}
				for ; lx.pendin < 0; lx.pendin++ {
					buf = put(buf, tDedent, lx.pos, lx.pos)
				}
				continue
			}
			if len(buf) >= limit {
				break
			}
		}
		// Everything else, one token at a time.
		n := len(buf)
		buf = put(buf, 0, 0, 0)
		t := &buf[n]
		lx.pending = buf[:n]
		if lx.special {
			lx.next(t)
		} else {
			lx.scan(t)
		}
		if t.kind == tEOF {
			return buf
		}
		if stopDepth > 0 && t.kind >= tRParen && t.kind <= tRBrace && len(lx.parens) < stopDepth {
			return put(buf, tEOF, int(t.e), int(t.e))
		}
	}
	return buf
}

// fast is tokenize's fast path, for the common tokens outside f-strings
// and away from the start of a line and the end of the source, when no
// stopDepth is given (a display read again by parser.elements goes
// through scan, which lexes everything fast does the same way). It appends
// tokens to buf until buf holds limit tokens, or up to a token it leaves
// to next or scan (with lx.pos at it), or up to a NEWLINE, after which it
// reports that the indentation of the next line is due. It is a function
// of its own, and calls nothing, so that its variables stay in registers.
func (lx *lexer) fast(buf []token, limit int) (_ []token, newline bool) {
	src := lx.src
	pos := lx.pos
loop:
	for len(buf) < limit {
		start := pos
		if start+16 > len(src) {
			break
		}
		// Most tokens follow zero or one space: step over one without a
		// branch (and without a table lookup, which would make the way
		// from one token to the next longer).
		sp := 0
		if src[start] == ' ' {
			sp = 1
		}
		p := start + sp
		c := src[p]
		pos = p
		switch charClass[c] {
		case ccSpace:
			p = skipSpaces(src, p)
			pos = p
			continue
		case ccIdent:
			// The name ends where the identifier bytes from start+1 do,
			// whether or not start holds a space: that way its end does
			// not wait for sp.
			e := start + 1
			var next byte // the byte after the name
			for {
				if e+8 > len(src) {
					break loop // a long name at the end: leave it to scan
				}
				w := binary.LittleEndian.Uint64(src[e:])
				n := identRun(w)
				e += n
				if n < 8 {
					next = byte(w >> (8 * n & 63))
					break
				}
			}
			if plainNameEnd[next] {
				// The lookup of keyword, written out.
				k := tName
				if n := e - p; kwLengths[c]>>uint(n&15)&1 != 0 && n <= 8 {
					ent := &kwTable[kwHash(c, src[e-1], n, kwMulA, kwMulB)]
					if ent.n == n && binary.LittleEndian.Uint64(src[p:])&kwMask[n] == ent.w {
						k = ent.k
					}
				}
				buf = put(buf, k, p, e)
				pos = e
				// The commonest tokens right after a name, without the way
				// round the loop.
				switch next {
				case ',':
					if len(buf) < limit {
						buf = put(buf, tComma, e, e+1)
						pos = e + 1
					}
				case '(':
					if n := len(lx.parens); n < maxParenLevel && len(buf) < limit {
						lx.parens = lx.parens[:n+1] // init made room
						lx.parens[n] = paren{'(', lx.line, int32(e - lx.lineStart)}
						buf = put(buf, tLParen, e, e+1)
						pos = e + 1
					}
				case ')':
					if n := len(lx.parens); n > 0 && lx.parens[n-1].ch == '(' && len(buf) < limit {
						lx.parens = lx.parens[:n-1]
						buf = put(buf, tRParen, e, e+1)
						pos = e + 1
					}
				case '.':
					if e+1 < len(src) && src[e+1] != '.' && !isDigit(src[e+1]) && len(buf) < limit {
						buf = put(buf, tDot, e, e+1)
						pos = e + 1
					}
				}
				continue
			}
		case ccSingle:
			buf = put(buf, singleKind[c], p, p+1)
			pos = p + 1
			continue
		case ccOpen:
			if n := len(lx.parens); n < maxParenLevel {
				lx.parens = lx.parens[:n+1] // init made room
				lx.parens[n] = paren{c, lx.line, int32(p - lx.lineStart)}
				buf = put(buf, singleKind[c], p, p+1)
				pos = p + 1
				continue
			}
		case ccClose:
			if n := len(lx.parens); n > 0 && lx.parens[n-1].ch == closerOf[c] {
				lx.parens = lx.parens[:n-1]
				buf = put(buf, singleKind[c], p, p+1)
				pos = p + 1
				continue
			}
		case ccNewline:
			pos = p + 1
			lx.newline(p)
			if len(lx.parens) > 0 {
				continue
			}
			buf = put(buf, tNewline, p, p+1)
			// The start of a logical line. Most lines are indented with
			// spaces exactly as the block they continue, and start a
			// token: then there is no INDENT or DEDENT to emit, and the
			// loop goes on. Blank and comment-only lines before them are
			// stepped over as indentation would. Everything else is left
			// to indentation, from the start of the line at hand.
			bol := pos // the start of the line at hand
			q := pos
			for q+8 <= len(src) {
				n := spaceRun(binary.LittleEndian.Uint64(src[q:]))
				q += n
				if n == 8 {
					continue
				}
				switch c := src[q]; {
				case c == '#':
					for q+8 <= len(src) {
						n := newlineRun(binary.LittleEndian.Uint64(src[q:]))
						q += n
						if n < 8 {
							break
						}
					}
					if q+8 > len(src) {
						break
					}
					fallthrough
				case c == '\n':
					lx.newline(q)
					q++
					bol = q
					continue
				case tokenStart[c]:
					if col, top := int32(q-bol), len(lx.indents)-1; col == lx.indents[top] && col == lx.alts[top] {
						pos = q
						continue loop
					}
				}
				break
			}
			pos = bol
			newline = true
		case ccDot:
			if src[p+1] != '.' && !isDigit(src[p+1]) {
				buf = put(buf, tDot, p, p+1)
				pos = p + 1
				continue
			}
		case ccPunct:
			// Operators of one character, and ** and == (no f-string is
			// open on this path, so ':' is a colon).
			if k := opKind[c]; k != 0 {
				c1 := src[p+1]
				if !opSecond[c1] {
					buf = put(buf, k, p, p+1)
					pos = p + 1
					continue
				}
				if c1 == c && (c == '=' || c == '*' && src[p+2] != '=') {
					buf = put(buf, opDouble[c], p, p+2)
					pos = p + 2
					continue
				}
			}
		case ccDigit:
			// A decimal integer without underscores, followed by neither
			// a fraction, an exponent, a suffix nor a name. (Its digits
			// are counted from start+1, as a name's are.)
			e := start + 1
			for e < len(src) && isDigit(src[e]) {
				e++
			}
			if e < len(src) && !identChar[src[e]] && src[e] != '.' && (c != '0' || e == p+1) {
				buf = put(buf, tNumber, p, e)
				pos = e
				continue
			}
		case ccHash, ccQuote, ccBackslash:
			// Listed so that the switch compiles to a jump table.
		}
		break
	}
	lx.pos = pos
	return buf, newline
}

// put appends the token (k, s, e) to buf, which must have room for it. It
// is append(buf, token{...}) written out, so that the compiler stores the
// fields straight into the buffer (append builds the token on the stack
// and copies it with one wide load, which then waits for the narrow stores
// before it: a failed store forward on every token) and so that there is
// no call to grow the buffer, around which the fast path would have to
// keep its variables in memory. It leaves flags alone: put makes no
// tString.
func put(buf []token, k tokKind, s, e int) []token {
	n := len(buf)
	buf = buf[:n+1]
	t := &buf[n]
	t.kind, t.s, t.e = k, int32(s), int32(e)
	return buf
}

// tokenStart marks the bytes that can start a token at the start of a
// line: everything but whitespace, comments, line continuations and the
// end of the line.
var tokenStart = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		switch charClass[c] {
		case ccSpace, ccHash, ccNewline, ccBackslash:
		default:
			t[c] = true
		}
	}
	return
}()

// opKind is the kind of an operator character on its own: when the next
// character is not in opSecond (which holds every second character of the
// operators of two or three characters). opDouble is the kind of the
// operator of the character twice (** and == are the common ones).
var opKind = [256]tokKind{
	'+': tPlus, '-': tMinus, '*': tStar, '/': tSlash, '%': tPercent, '@': tAt,
	'&': tAmp, '|': tVBar, '^': tCircumflex, '<': tLess, '>': tGreater,
	'=': tEqual, ':': tColon, '!': tExclaim,
}
var opSecond = [256]bool{'=': true, '*': true, '/': true, '<': true, '>': true}
var opDouble = [256]tokKind{'=': tEqEqual, '*': tDoubleStar}

// closerOf maps a closing bracket to its opening one.
var closerOf = [256]byte{')': '(', ']': '[', '}': '{'}

func (lx *lexer) failAt(off int, format string, args ...any) {
	line, col := lx.line, off-lx.lineStart
	if off < lx.lineStart { // the offset is on an earlier line
		l, c := lineCol(lx.src, off)
		line, col = int32(l), c-1
	}
	lx.bail(int(line), col+1, fmt.Sprintf(format, args...))
}

func (lx *lexer) newline(at int) {
	lx.line++
	lx.lineStart = at + 1
}

// identChar marks the bytes that can continue an identifier (bytes >= 0x80
// are checked later, as CPython does).
var identChar = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c >= 0x80
	}
	return
}()

// Character classes for the lexer's first dispatch.
const (
	ccPunct = iota
	ccSpace
	ccIdent
	ccDigit
	ccNewline
	ccHash
	ccDot
	ccQuote
	ccBackslash
	ccOpen   // ( [ {
	ccClose  // ) ] }
	ccSingle // , ; ~ : no two-character token starts with them
)

// singleKind is the token kind of a ccOpen, ccClose or ccSingle byte.
var singleKind = func() (t [256]tokKind) {
	t['('], t['['], t['{'] = tLParen, tLBrack, tLBrace
	t[')'], t[']'], t['}'] = tRParen, tRBrack, tRBrace
	t[','], t[';'], t['~'] = tComma, tSemi, tTilde
	return
}()

var charClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c == ' ' || c == '\t' || c == '\f':
			t[c] = ccSpace
		case '0' <= c && c <= '9':
			t[c] = ccDigit
		case identChar[c]:
			t[c] = ccIdent
		case c == '\n':
			t[c] = ccNewline
		case c == '#':
			t[c] = ccHash
		case c == '.':
			t[c] = ccDot
		case c == '"' || c == '\'':
			t[c] = ccQuote
		case c == '\\':
			t[c] = ccBackslash
		case c == '(' || c == '[' || c == '{':
			t[c] = ccOpen
		case c == ')' || c == ']' || c == '}':
			t[c] = ccClose
		case c == ',' || c == ';' || c == '~':
			t[c] = ccSingle
		}
	}
	return
}()

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// identRun returns the number of identifier bytes (ASCII letters, digits,
// underscore) at the start of the 8-byte little-endian word w, using SWAR
// arithmetic instead of a loop with an unpredictable exit.
func identRun(w uint64) int {
	hi := w & msb
	x := w &^ msb
	y := x | 0x20*lsb
	letters := (y + (0x80-'a')*lsb) &^ (y + (0x7f-'z')*lsb)
	digits := (x + (0x80-'0')*lsb) &^ (x + (0x7f-'9')*lsb)
	under := ^((x ^ '_'*lsb) + 0x7f*lsb)
	not := (^(letters | digits | under) & msb) | hi
	return bits.TrailingZeros64(not) >> 3
}

// zeroBytes marks the zero bytes of x with their high bit; the lowest mark
// is always right (higher ones may be spurious), which is all the callers
// use.
func zeroBytes(x uint64) uint64 { return (x - lsb) &^ x & msb }

// strRun returns the number of bytes at the start of w that need no
// attention inside a string literal (see strPlain).
func strRun(w uint64, isBytes bool) int {
	stop := zeroBytes(w^'\''*lsb) | zeroBytes(w^'"'*lsb) | zeroBytes(w^'\\'*lsb) | zeroBytes(w^'\n'*lsb)
	if isBytes {
		stop |= w & msb
	}
	return bits.TrailingZeros64(stop) >> 3
}

// newlineRun returns the number of bytes before the first newline in w
// (8 if there is none).
func newlineRun(w uint64) int {
	return bits.TrailingZeros64(zeroBytes(w^'\n'*lsb)) >> 3
}

// spaceRun returns the number of spaces at the start of w.
func spaceRun(w uint64) int {
	z := w ^ ' '*lsb
	not := (((z &^ msb) + 0x7f*lsb) | z) & msb
	return bits.TrailingZeros64(not) >> 3
}

var newlineByte = []byte{'\n'}

// oneSpace is 1 for a space, tab or form feed.
var oneSpace = func() (t [256]uint8) {
	t[' '], t['\t'], t['\f'] = 1, 1, 1
	return
}()

// plainNameEnd marks the bytes after which a name is an ordinary name:
// not a string prefix (a quote follows) and not part of a non-ASCII name.
var plainNameEnd = func() (t [256]bool) {
	for c := 0; c < 0x80; c++ {
		t[c] = c != '"' && c != '\''
	}
	return
}()

// asciiIdent marks the ASCII bytes that can continue an identifier.
var asciiIdent = func() (t [256]bool) {
	for c := 0; c < 128; c++ {
		t[c] = identChar[c]
	}
	return
}()

// strPlain marks the bytes that need no attention inside a string literal:
// not a quote, backslash or newline. strPlainBytes also stops at non-ASCII
// bytes, which bytes literals reject.
var strPlain, strPlainBytes = func() (t, b [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c != '\'' && c != '"' && c != '\\' && c != '\n'
		b[c] = t[c] && c < 0x80
	}
	return
}()

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isXDigit(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

// at returns the byte at i, or 0 past the end (the source never
// contains a null byte, so 0 means end of input).
func (lx *lexer) at(i int) byte {
	if i < len(lx.src) {
		return lx.src[i]
	}
	return 0
}

// next reads the next token into t.
func (lx *lexer) next(t *token) {
	if n := len(lx.modes); n > 0 && !lx.modes[n-1].regular {
		if lx.fstringText(t, &lx.modes[n-1]) {
			return
		}
	}
	if lx.atBOL {
		lx.atBOL = false
		lx.indentation()
	}
	if lx.pendin != 0 {
		if lx.pendin < 0 {
			lx.pendin++
			lx.emit(t, tDedent, lx.pos, lx.pos)
		} else {
			lx.pendin--
			lx.emit(t, tIndent, lx.pos, lx.pos)
		}
		lx.special = lx.pendin != 0 || len(lx.modes) > 0
		return
	}
	lx.special = len(lx.modes) > 0
	lx.scan(t)
}

func (lx *lexer) emit(t *token, k tokKind, s, e int) {
	t.kind = k
	t.flags = 0
	t.s = int32(s)
	t.e = int32(e)
}

// indentation runs at the start of a logical line (outside brackets): it
// skips lines holding only whitespace and comments, measures the
// indentation of the next line as CPython does (tabs to multiples of 8,
// and again with tabs as 1 to catch inconsistent use) and queues the
// INDENT or DEDENT tokens.
func (lx *lexer) indentation() {
	src := lx.src
	for {
		col, alt, contCol := int32(0), int32(0), int32(0)
		p := lx.pos
		for p+8 <= len(src) {
			n := spaceRun(binary.LittleEndian.Uint64(src[p:]))
			p += n
			col += int32(n)
			alt += int32(n)
			if n < 8 {
				break
			}
		}
	indent:
		for p < len(src) {
			switch src[p] {
			case ' ':
				col++
				alt++
			case '\t':
				col = (col/tabSize + 1) * tabSize
				alt++
			case '\f':
				col, alt = 0, 0
			case '\\':
				// Indentation continued on the next line counts from the
				// first backslash.
				if contCol == 0 {
					contCol = col
				}
				p = lx.continuation(p)
				continue
			default:
				break indent
			}
			p++
		}
		if c := lx.at(p); c == '#' || c == '\n' {
			// A blank or comment-only line: no NEWLINE, no indentation.
			if i := bytes.IndexByte(src[p:], '\n'); i >= 0 {
				p += i
			} else {
				p = len(src)
			}
			if p >= len(src) {
				lx.pos = p
				continue
			}
			lx.newline(p)
			lx.pos = p + 1
			continue
		}
		lx.pos = p
		if contCol != 0 {
			col, alt = contCol, contCol
		}
		top := len(lx.indents) - 1
		switch {
		case col == lx.indents[top]:
			if alt != lx.alts[top] {
				lx.failAt(p, "inconsistent use of tabs and spaces in indentation")
			}
		case col > lx.indents[top]:
			if top+1 >= maxIndent {
				lx.failAt(p, "too many levels of indentation")
			}
			if alt <= lx.alts[top] {
				lx.failAt(p, "inconsistent use of tabs and spaces in indentation")
			}
			lx.pendin++
			lx.indents = append(lx.indents, col)
			lx.alts = append(lx.alts, alt)
		default:
			for top > 0 && col < lx.indents[top] {
				lx.pendin--
				top--
			}
			lx.indents = lx.indents[:top+1]
			lx.alts = lx.alts[:top+1]
			if col != lx.indents[top] {
				lx.failAt(p, "unindent does not match any outer indentation level")
			}
			if alt != lx.alts[top] {
				lx.failAt(p, "inconsistent use of tabs and spaces in indentation")
			}
		}
		return
	}
}

// scan reads a token that is not INDENT or DEDENT.
func (lx *lexer) scan(t *token) {
	src := lx.src
again:
	p := lx.pos
	if p < len(src) {
		// Most tokens follow zero or one space: step over one without a
		// branch, then loop for the rare longer runs.
		p += int(oneSpace[src[p]])
	}
	if p < len(src) && charClass[src[p]] == ccSpace {
		p = skipSpaces(src, p)
	}
	if p >= len(src) {
		lx.pos = p
		lx.eof(t)
		return
	}
	c := src[p]
	switch charClass[c] {
	case ccIdent:
		// The most common token, inlined: an ASCII identifier or keyword
		// not followed by a quote.
		e := p + 1
		for e+8 <= len(src) {
			n := identRun(binary.LittleEndian.Uint64(src[e:]))
			e += n
			if n < 8 {
				break
			}
		}
		for e < len(src) && asciiIdent[src[e]] {
			e++
		}
		if e < len(src) && charClass[src[e]] != ccQuote && src[e] < 0x80 {
			lx.pos = e
			t.kind = keyword(src, p, e)
			t.flags = 0
			t.s = int32(p)
			t.e = int32(e)
			return
		}
		lx.name(t, p)
		return
	case ccHash:
		i := bytes.IndexByte(src[p:], '\n')
		if i < 0 {
			lx.pos = len(src)
			lx.eof(t)
			return
		}
		p += i
		fallthrough
	case ccNewline:
		lx.pos = p + 1
		if len(lx.parens) > 0 {
			lx.newline(p)
			goto again
		}
		lx.emit(t, tNewline, p, p+1)
		lx.newline(p)
		lx.atBOL = true
		lx.special = true
		return
	case ccDigit:
		lx.number(t, p)
		return
	case ccDot:
		if isDigit(lx.at(p + 1)) {
			lx.number(t, p)
			return
		}
		if lx.at(p+1) == '.' && lx.at(p+2) == '.' {
			lx.pos = p + 3
			lx.emit(t, tEllipsis, p, p+3)
			return
		}
		lx.pos = p + 1
		lx.emit(t, tDot, p, p+1)
		return
	case ccQuote:
		lx.str(t, p, p, false, false)
		return
	case ccBackslash:
		lx.pos = lx.continuation(p)
		goto again
	}
	lx.punct(t, p, c)
}

// continuation consumes a backslash-newline at p and returns the offset
// after it.
func (lx *lexer) continuation(p int) int {
	if lx.at(p+1) != '\n' {
		lx.failAt(p+1, "unexpected character after line continuation character")
	}
	lx.newline(p + 1)
	if p+2 >= len(lx.src) {
		lx.failAt(p+2, "unexpected EOF while parsing")
	}
	return p + 2
}

func (lx *lexer) eof(t *token) {
	if n := len(lx.modes); n > 0 {
		m := lx.modes[n-1]
		lx.bail(int(m.line), int(m.col)+1, "unterminated f-string literal")
	}
	if n := len(lx.parens); n > 0 {
		pr := lx.parens[n-1]
		lx.bail(int(pr.line), int(pr.col)+1, fmt.Sprintf("'%c' was never closed", pr.ch))
	}
	lx.emit(t, tEOF, len(lx.src), len(lx.src))
}

// name lexes an identifier, keyword or prefixed string starting at p.
func (lx *lexer) name(t *token, p int) {
	src := lx.src
	e := p
	for _, c := range src[p:] {
		if !asciiIdent[c] {
			break
		}
		e++
	}
	switch c := lx.at(e); {
	case c == '"' || c == '\'':
		// String prefixes: any case of b, r, u, f, br, rb, fr, rf.
		var raw, isBytes, f bool
		valid := e-p <= 2
		for _, c := range src[p:e] {
			switch c | 0x20 {
			case 'b':
				valid = valid && !isBytes && !f
				isBytes = true
			case 'r':
				valid = valid && !raw
				raw = true
			case 'f':
				valid = valid && !isBytes && !f
				f = true
			case 'u':
				valid = valid && e-p == 1
			default:
				valid = false
			}
		}
		if valid {
			if f {
				lx.fstringStart(t, p, e, raw)
			} else {
				lx.str(t, p, e, raw, isBytes)
			}
			return
		}
	case c >= 0x80:
		// Non-ASCII identifier: CPython takes every byte >= 0x80 and
		// checks the result against PEP 3131.
		for e < len(src) && identChar[src[e]] {
			e++
		}
		lx.pos = e
		lx.emit(t, tName, p, e)
		if r, off, ok := checkIdentifier(src[p:e]); !ok {
			if unicode.IsPrint(r) {
				lx.failAt(p+off, "invalid character '%c' (U+%04X)", r, r)
			}
			lx.failAt(p+off, "invalid non-printable character U+%04X", r)
		}
		return
	}
	lx.pos = e
	lx.emit(t, keyword(src, p, e), p, e)
}

// keywords are Python's hard keywords, found by a perfect hash of their
// first and last bytes and length.
var keywords = []struct {
	s string
	k tokKind
}{
	{"False", kwFalse}, {"None", kwNone}, {"True", kwTrue}, {"and", tAnd}, {"as", kwAs},
	{"assert", kwAssert}, {"async", kwAsync}, {"await", kwAwait}, {"break", kwBreak},
	{"class", kwClass}, {"continue", kwContinue}, {"def", kwDef}, {"del", kwDel},
	{"elif", kwElif}, {"else", kwElse}, {"except", kwExcept}, {"finally", kwFinally},
	{"for", kwFor}, {"from", kwFrom}, {"global", kwGlobal}, {"if", kwIf},
	{"import", kwImport}, {"in", tIn}, {"is", tIs}, {"lambda", kwLambda},
	{"nonlocal", kwNonlocal}, {"not", tNot}, {"or", tOr}, {"pass", kwPass},
	{"raise", kwRaise}, {"return", kwReturn}, {"try", kwTry}, {"while", kwWhile},
	{"with", kwWith}, {"yield", kwYield},
}

type kwEntry struct {
	w uint64 // the keyword's bytes, little-endian, zero-padded
	n int
	k tokKind
}

var kwTable [128]kwEntry

// kwLengths[c] has bit n set when a keyword of length n starts with c.
var kwLengths = func() (t [256]uint16) {
	for _, kw := range keywords {
		t[kw.s[0]] |= 1 << len(kw.s)
	}
	return
}()
var kwMulA, kwMulB uint

// kwMask[n] keeps the first n bytes of a little-endian word.
var kwMask = func() (m [9]uint64) {
	for n := 1; n <= 8; n++ {
		m[n] = 1<<(8*uint(n)) - 1
	}
	m[8] = ^uint64(0)
	return
}()

func kwHash(first, last byte, n int, a, b uint) uint {
	return (uint(first)*a + uint(last)*b + uint(n)) & 127
}

func init() {
	for a := uint(1); a < 64; a++ {
	search:
		for b := uint(1); b < 64; b++ {
			var t [128]kwEntry
			for _, kw := range keywords {
				h := kwHash(kw.s[0], kw.s[len(kw.s)-1], len(kw.s), a, b)
				if t[h].n != 0 {
					continue search
				}
				var w uint64
				for i := len(kw.s) - 1; i >= 0; i-- {
					w = w<<8 | uint64(kw.s[i])
				}
				t[h] = kwEntry{w, len(kw.s), kw.k}
			}
			kwTable, kwMulA, kwMulB = t, a, b
			return
		}
	}
	panic("scanner: no perfect hash for the keywords")
}

// keyword returns the kind of the keyword src[p:e], or tName.
func keyword(src []byte, p, e int) tokKind {
	n := e - p
	if kwLengths[src[p]]>>uint(n&15)&1 == 0 || n > 8 {
		return tName
	}
	ent := &kwTable[kwHash(src[p], src[e-1], n, kwMulA, kwMulB)]
	if ent.n != n {
		return tName
	}
	var w uint64
	if p+8 <= len(src) {
		w = binary.LittleEndian.Uint64(src[p:]) & kwMask[n]
	} else {
		for i := e - 1; i >= p; i-- {
			w = w<<8 | uint64(src[i])
		}
	}
	if w == ent.w {
		return ent.k
	}
	return tName
}

// number lexes a numeric literal starting at p (CPython's rules, including
// underscores, the ban on leading zeros and the check of what follows).
func (lx *lexer) number(t *token, p int) {
	i := p
	c := lx.at(i)
	if c == '0' {
		switch lx.at(i+1) | 0x20 {
		case 'x':
			lx.radix(t, p, 16, "hexadecimal")
			return
		case 'o':
			lx.radix(t, p, 8, "octal")
			return
		case 'b':
			lx.radix(t, p, 2, "binary")
			return
		}
	}
	if c == '.' {
		i = lx.decimalTail(i + 1)
		lx.exponent(t, p, i)
		return
	}
	if c == '0' {
		// Zeros, then maybe an old-style octal, which is an error unless a
		// fraction, exponent or imaginary suffix makes it a float.
		for {
			if lx.at(i) == '_' {
				i++
				if !isDigit(lx.at(i)) {
					lx.failAt(i, "invalid decimal literal")
				}
			}
			if lx.at(i) != '0' {
				break
			}
			i++
		}
		nonzero := false
		if isDigit(lx.at(i)) {
			nonzero = true
			i = lx.decimalTail(i)
		}
		switch lx.at(i) {
		case '.':
			i = lx.fraction(i + 1)
			lx.exponent(t, p, i)
			return
		case 'e', 'E', 'j', 'J':
			lx.exponent(t, p, i)
			return
		}
		if nonzero {
			lx.failAt(p, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers")
		}
		lx.endNumber(t, p, i, "decimal")
		return
	}
	i = lx.decimalTail(i)
	if lx.at(i) == '.' {
		i = lx.fraction(i + 1)
	}
	lx.exponent(t, p, i)
}

// fraction consumes the digits after a decimal point, if any: "1." is a
// float, and "1._5" is not one.
func (lx *lexer) fraction(i int) int {
	if isDigit(lx.at(i)) {
		return lx.decimalTail(i)
	}
	return i
}

// radix lexes a 0x, 0o or 0b literal at p.
func (lx *lexer) radix(t *token, p int, base int, name string) {
	valid := func(c byte) bool {
		switch base {
		case 16:
			return isXDigit(c)
		case 8:
			return '0' <= c && c <= '7'
		}
		return c == '0' || c == '1'
	}
	i := p + 2
	for {
		if lx.at(i) == '_' {
			i++
		}
		if !valid(lx.at(i)) {
			if base != 16 && isDigit(lx.at(i)) {
				lx.failAt(i, "invalid digit '%c' in %s literal", lx.at(i), name)
			}
			lx.failAt(i, "invalid %s literal", name)
		}
		for valid(lx.at(i)) {
			i++
		}
		if lx.at(i) != '_' {
			break
		}
	}
	if base != 16 && isDigit(lx.at(i)) {
		lx.failAt(i, "invalid digit '%c' in %s literal", lx.at(i), name)
	}
	lx.endNumber(t, p, i, name)
}

// decimalTail consumes digits with single underscores between them,
// starting at i (which may hold no digit at all).
func (lx *lexer) decimalTail(i int) int {
	for {
		for isDigit(lx.at(i)) {
			i++
		}
		if lx.at(i) != '_' {
			return i
		}
		i++
		if !isDigit(lx.at(i)) {
			lx.failAt(i, "invalid decimal literal")
		}
	}
}

// exponent finishes a decimal number at i: an optional exponent, then an
// optional imaginary suffix.
func (lx *lexer) exponent(t *token, p, i int) {
	if c := lx.at(i); c == 'e' || c == 'E' {
		j := i + 1
		if s := lx.at(j); s == '+' || s == '-' {
			j++
			if !isDigit(lx.at(j)) {
				lx.failAt(j, "invalid decimal literal")
			}
		} else if !isDigit(s) {
			// "1else": the number ends before the e.
			lx.verifyEnd(i, "decimal")
			lx.pos = i
			lx.emit(t, tNumber, p, i)
			return
		}
		i = lx.decimalTail(j)
	}
	if c := lx.at(i); c == 'j' || c == 'J' {
		lx.endNumber(t, p, i+1, "imaginary")
		return
	}
	lx.endNumber(t, p, i, "decimal")
}

func (lx *lexer) endNumber(t *token, p, i int, kind string) {
	lx.verifyEnd(i, kind)
	lx.pos = i
	lx.emit(t, tNumber, p, i)
}

// verifyEnd is CPython's verify_end_of_number: a number may run into one
// of the keywords and, else, for, if, in, is, not, or (with a warning), but
// not into any other identifier character.
func (lx *lexer) verifyEnd(i int, kind string) {
	c := lx.at(i)
	if c >= 0x80 || !identChar[c] {
		return
	}
	rest := lx.src[i:]
	kwOK := func(kw string) bool {
		return len(rest) >= len(kw) && string(rest[:len(kw)]) == kw &&
			(len(rest) == len(kw) || !identChar[rest[len(kw)]])
	}
	switch c {
	case 'a':
		if kwOK("and") {
			return
		}
	case 'e':
		if kwOK("else") {
			return
		}
	case 'f':
		if kwOK("for") {
			return
		}
	case 'i':
		if n := lx.at(i + 1); n == 'f' || n == 'n' || n == 's' {
			return
		}
	case 'o':
		if kwOK("or") {
			return
		}
	case 'n':
		if kwOK("not") {
			return
		}
	}
	lx.failAt(i, "invalid %s literal", kind)
}

// str lexes a string or bytes literal whose prefix is src[p:q] and whose
// opening quote is at q.
func (lx *lexer) str(t *token, p, q int, raw, isBytes bool) {
	src := lx.src
	quote := src[q]
	startLine, startCol := lx.line, q-lx.lineStart
	i := q + 1
	size := 1
	if lx.at(i) == quote {
		if lx.at(i+1) == quote {
			size = 3
			i += 2
		} else { // empty string
			lx.pos = i + 1
			lx.emit(t, tString, p, i+1)
			if isBytes {
				t.flags = strBytes
			}
			return
		}
	}
	escapedQuote := false
	plain := &strPlain
	if isBytes {
		plain = &strPlainBytes
	}
	for {
		if size == 3 && !isBytes {
			// Long strings (docstrings): jump to the next quote or
			// backslash with the vectorised search, counting the lines
			// jumped over.
			j := bytes.IndexByte(src[i:], quote)
			if j < 0 {
				j = len(src) - i
			}
			if k := bytes.IndexByte(src[i:i+j], '\\'); k >= 0 {
				j = k
			}
			region := src[i : i+j]
			if nl := bytes.Count(region, newlineByte); nl > 0 {
				lx.line += int32(nl)
				lx.lineStart = i + bytes.LastIndexByte(region, '\n') + 1
			}
			i += j
		}
		for i+8 <= len(src) {
			n := strRun(binary.LittleEndian.Uint64(src[i:]), isBytes)
			i += n
			if n < 8 {
				break
			}
		}
		for i < len(src) && plain[src[i]] {
			i++
		}
		if i >= len(src) {
			lx.unterminated(startLine, startCol, size, escapedQuote)
		}
		c := src[i]
		switch {
		case c == quote:
			if size == 1 {
				i++
				goto done
			}
			if lx.at(i+1) == quote && lx.at(i+2) == quote {
				i += 3
				goto done
			}
			i++
		case c == '\\':
			n := lx.at(i + 1)
			if n == '\n' {
				lx.newline(i + 1)
				i += 2
				continue
			}
			if n == quote {
				escapedQuote = true
			}
			if !raw {
				lx.escape(i, isBytes)
			}
			if n >= 0x80 {
				if isBytes {
					lx.failAt(i+1, "bytes can only contain ASCII literal characters")
				}
				_, w := utf8.DecodeRune(src[i+1:])
				i += 1 + w
				continue
			}
			i += 2
		case c == '\n':
			if size == 1 {
				lx.unterminated(startLine, startCol, size, escapedQuote)
			}
			lx.newline(i)
			i++
		case c >= 0x80 && isBytes:
			lx.failAt(i, "bytes can only contain ASCII literal characters")
		default:
			i++
		}
	}
done:
	lx.pos = i
	t.kind = tString
	t.flags = 0
	if isBytes {
		t.flags = strBytes
	}
	t.s, t.e = int32(p), int32(i)
}

func (lx *lexer) unterminated(line int32, col, size int, escapedQuote bool) {
	switch {
	case size == 3:
		lx.bail(int(line), col+1, fmt.Sprintf("unterminated triple-quoted string literal (detected at line %d)", lx.line))
	case escapedQuote:
		lx.bail(int(line), col+1, fmt.Sprintf("unterminated string literal (detected at line %d); perhaps you escaped the end quote?", lx.line))
	}
	lx.bail(int(line), col+1, fmt.Sprintf("unterminated string literal (detected at line %d)", lx.line))
}

// escape checks the escape sequence at i (a backslash) in a non-raw
// literal: the ones CPython rejects outright are truncated \x, \u, \U and
// \N escapes and \U escapes beyond U+10FFFF. Unknown escapes are only
// warnings in CPython, and \N{...} names are not looked up here.
func (lx *lexer) escape(i int, isBytes bool) {
	hex := func(n int) bool {
		for k := 0; k < n; k++ {
			if !isXDigit(lx.at(i + 2 + k)) {
				return false
			}
		}
		return true
	}
	switch lx.at(i + 1) {
	case 'x':
		if !hex(2) {
			if isBytes {
				lx.failAt(i, "(value error) invalid \\x escape")
			}
			lx.failAt(i, "(unicode error) truncated \\xXX escape")
		}
	case 'u':
		if !isBytes && !hex(4) {
			lx.failAt(i, "(unicode error) truncated \\uXXXX escape")
		}
	case 'U':
		if !isBytes {
			if !hex(8) {
				lx.failAt(i, "(unicode error) truncated \\UXXXXXXXX escape")
			}
			v := 0
			for k := 0; k < 8; k++ {
				v = v<<4 | hexVal(lx.at(i+2+k))
			}
			if v > unicode.MaxRune {
				lx.failAt(i, "(unicode error) illegal Unicode character")
			}
		}
	case 'N':
		if !isBytes {
			j := i + 2
			if lx.at(j) != '{' {
				lx.failAt(i, "(unicode error) malformed \\N character escape")
			}
			j++
			k := j
			for k < len(lx.src) && lx.src[k] != '}' && lx.src[k] != '\n' && lx.src[k] != '"' && lx.src[k] != '\'' {
				k++
			}
			if k == j || lx.at(k) != '}' {
				lx.failAt(i, "(unicode error) malformed \\N character escape")
			}
		}
	}
}

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case 'a' <= c|0x20 && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return 0
}

// fstringStart lexes the prefix and opening quote of an f-string at p
// (quote at q) and enters f-string mode.
func (lx *lexer) fstringStart(t *token, p, q int, raw bool) {
	quote := lx.src[q]
	size := 1
	i := q + 1
	if lx.at(i) == quote && lx.at(i+1) == quote {
		size = 3
		i += 2
	}
	if len(lx.modes)+1 >= maxFStringLevel {
		lx.failAt(p, "too many nested f-strings")
	}
	lx.special = true
	lx.modes = append(lx.modes, fmode{
		quote: quote, quoteSize: uint8(size), raw: raw,
		exprStart: -1, start: int32(p), line: lx.line, col: int32(p - lx.lineStart),
	})
	lx.pos = i
	lx.emit(t, tFStart, p, i)
}

// fstringText consumes literal text of the f-string m. It returns true
// with t set to tFEnd at the closing quote, or false when a replacement
// field starts (or ends) and regular lexing must take over. Literal text
// produces no token: nothing in the grammar depends on it.
func (lx *lexer) fstringText(t *token, m *fmode) bool {
	src := lx.src
	i := lx.pos
	inSpec := m.inSpec && m.exprStart >= 0
	unicodeEscape := false
	for {
		if i >= len(src) {
			lx.bail(int(m.line), int(m.col)+1, "unterminated f-string literal")
		}
		c := src[i]
		switch c {
		case m.quote:
			if m.quoteSize == 1 || (lx.at(i+1) == c && lx.at(i+2) == c) {
				e := i + int(m.quoteSize)
				lx.pos = e
				lx.emit(t, tFEnd, i, e)
				lx.modes = lx.modes[:len(lx.modes)-1]
				return true
			}
			i++
		case '\n':
			if inSpec && m.quoteSize == 1 {
				// CPython ends a format spec at a newline and lets the
				// regular lexer report what follows.
				lx.pos = i
				m.regular = true
				m.inSpec = false
				return false
			}
			if m.quoteSize == 1 {
				lx.bail(int(m.line), int(m.col)+1, fmt.Sprintf("unterminated f-string literal (detected at line %d)", lx.line))
			}
			lx.newline(i)
			i++
		case '{':
			if lx.at(i+1) == '{' && !inSpec {
				i += 2
				continue
			}
			m.exprStart++
			if m.exprStart >= maxExprNesting {
				lx.failAt(i, "f-string: expressions nested too deeply")
			}
			lx.pos = i
			m.regular = true
			m.inSpec = false
			return false
		case '}':
			if unicodeEscape {
				unicodeEscape = false
				i++
				continue
			}
			if lx.at(i+1) == '}' && !inSpec && m.curly == 0 {
				i += 2
				continue
			}
			lx.pos = i
			m.regular = true
			m.inSpec = false
			return false
		case '\\':
			n := lx.at(i + 1)
			if n == '{' || n == '}' {
				i++
				continue
			}
			if !m.raw {
				if n == 'N' && lx.at(i+2) == '{' {
					unicodeEscape = true
					lx.escape(i, false)
					i += 3
					continue
				}
				lx.escape(i, false)
			}
			if n == '\n' {
				lx.newline(i + 1)
			}
			if n == 0 || n >= 0x80 {
				i++
				continue
			}
			i += 2
		default:
			i++
		}
	}
}

// punct lexes an operator or bracket at p.
func (lx *lexer) punct(t *token, p int, c byte) {
	c1 := lx.at(p + 1)
	c2 := lx.at(p + 2)
	k, n := tBad, 1
	switch c {
	case '(':
		k = tLParen
	case ')':
		k = tRParen
	case '[':
		k = tLBrack
	case ']':
		k = tRBrack
	case '{':
		k = tLBrace
	case '}':
		k = tRBrace
	case ',':
		k = tComma
	case ';':
		k = tSemi
	case ':':
		if nm := len(lx.modes); nm > 0 {
			m := &lx.modes[nm-1]
			if m.exprStart >= 0 && m.curly-1 == m.exprStart {
				// The colon that starts a format spec.
				m.regular = false
				m.inSpec = true
				lx.pos = p + 1
				lx.emit(t, tColon, p, p+1)
				return
			}
		}
		k = tColon
		if c1 == '=' {
			k, n = tColonEq, 2
		}
	case '=':
		k = tEqual
		if c1 == '=' {
			k, n = tEqEqual, 2
		}
	case '!':
		k = tExclaim
		if c1 == '=' {
			k, n = tNotEqual, 2
		}
	case '<':
		switch c1 {
		case '=':
			k, n = tLessEqual, 2
		case '<':
			k, n = tLShift, 2
			if c2 == '=' {
				k, n = tAugAssign, 3
			}
		case '>':
			k, n = tBad, 2 // "<>" is only valid under barry_as_FLUFL
		default:
			k = tLess
		}
	case '>':
		switch c1 {
		case '=':
			k, n = tGreaterEqual, 2
		case '>':
			k, n = tRShift, 2
			if c2 == '=' {
				k, n = tAugAssign, 3
			}
		default:
			k = tGreater
		}
	case '-':
		k = tMinus
		if c1 == '=' {
			k, n = tAugAssign, 2
		} else if c1 == '>' {
			k, n = tArrow, 2
		}
	case '*':
		k = tStar
		if c1 == '*' {
			k, n = tDoubleStar, 2
			if c2 == '=' {
				k, n = tAugAssign, 3
			}
		} else if c1 == '=' {
			k, n = tAugAssign, 2
		}
	case '/':
		k = tSlash
		if c1 == '/' {
			k, n = tDoubleSlash, 2
			if c2 == '=' {
				k, n = tAugAssign, 3
			}
		} else if c1 == '=' {
			k, n = tAugAssign, 2
		}
	case '+', '%', '@', '&', '|', '^':
		switch c {
		case '+':
			k = tPlus
		case '%':
			k = tPercent
		case '@':
			k = tAt
		case '&':
			k = tAmp
		case '|':
			k = tVBar
		case '^':
			k = tCircumflex
		}
		if c1 == '=' {
			k, n = tAugAssign, 2
		}
	case '~':
		k = tTilde
	default:
		if c < ' ' || c == 0x7f {
			lx.failAt(p, "invalid non-printable character U+%04X", c)
		}
	}
	switch k {
	case tLParen, tLBrack, tLBrace:
		if len(lx.parens) >= maxParenLevel {
			lx.failAt(p, "too many nested parentheses")
		}
		lx.parens = append(lx.parens, paren{c, lx.line, int32(p - lx.lineStart)})
		if nm := len(lx.modes); nm > 0 {
			lx.modes[nm-1].curly++
		}
	case tRParen, tRBrack, tRBrace:
		var m *fmode
		if nm := len(lx.modes); nm > 0 {
			m = &lx.modes[nm-1]
		}
		if m != nil && m.curly == 0 && c == '}' {
			lx.failAt(p, "f-string: single '}' is not allowed")
		}
		np := len(lx.parens)
		if np == 0 {
			lx.failAt(p, "unmatched '%c'", c)
		}
		open := lx.parens[np-1]
		lx.parens = lx.parens[:np-1]
		if !(open.ch == '(' && c == ')' || open.ch == '[' && c == ']' || open.ch == '{' && c == '}') {
			if m != nil && open.ch == '{' && m.curly-1 == m.exprStart {
				lx.failAt(p, "f-string: unmatched '%c'", c)
			}
			if open.line != lx.line {
				lx.failAt(p, "closing parenthesis '%c' does not match opening parenthesis '%c' on line %d", c, open.ch, open.line)
			}
			lx.failAt(p, "closing parenthesis '%c' does not match opening parenthesis '%c'", c, open.ch)
		}
		if m != nil {
			m.curly--
			if m.curly < 0 {
				lx.failAt(p, "f-string: unmatched '%c'", c)
			}
			if c == '}' && m.curly == m.exprStart {
				m.exprStart--
				m.regular = false
				m.inSpec = false
			}
		}
	}
	lx.pos = p + n
	lx.emit(t, k, p, p+n)
}

// skipSpaces returns the end of the run of spaces, tabs and form feeds at
// src[p:], eight bytes at a time. It is small enough to be inlined into
// the lexer's fast path, which must call nothing.
func skipSpaces(src []byte, p int) int {
	for p+8 <= len(src) {
		n := spaceRun(binary.LittleEndian.Uint64(src[p:]))
		p += n
		if n < 8 {
			break
		}
	}
	for p < len(src) && charClass[src[p]] == ccSpace {
		p++
	}
	return p
}
