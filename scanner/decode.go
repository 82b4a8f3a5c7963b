package scanner

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// prepare turns the bytes of a source file into what the lexer reads:
// UTF-8 without a byte order mark, every line ending in "\n" (CPython turns
// "\r\n" and "\r" into "\n" and adds a final newline), decoded from the
// PEP 263 encoding when the file declares one. It rejects what CPython
// rejects before tokenizing: null bytes, bytes the encoding cannot decode,
// unknown encodings, a BOM that contradicts the declaration. It also rejects
// encodings that are not ASCII-compatible single-byte or UTF-8 encodings
// (UTF-16, Shift-JIS, ...), which CPython would accept.
//
// The result aliases src when no change is needed.
func prepare(src []byte) ([]byte, *SyntaxError) {
	bom := false
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		bom = true
		src = src[3:]
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		line, col := lineCol(src, i)
		return nil, &SyntaxError{Line: line, Col: col, Msg: "source code cannot contain null bytes"}
	}
	codec, err := codingSpec(src, bom)
	if err != nil {
		return nil, err
	}
	switch codec {
	case "", "utf_8", "utf_8_sig":
		if !utf8.Valid(src) {
			i := firstInvalidUTF8(src)
			line, col := lineCol(src, i)
			return nil, &SyntaxError{Line: line, Col: col,
				Msg: "(unicode error) 'utf-8' codec can't decode byte 0x" + hex2(src[i])}
		}
	default:
		dec, err := transcode(src, codec)
		if err != nil {
			return nil, err
		}
		src = dec
	}
	return normalizeNewlines(src), nil
}

// normalizeNewlines converts "\r\n" and "\r" to "\n" and makes sure the
// text ends with a newline, copying only when something changes.
func normalizeNewlines(src []byte) []byte {
	hasCR := bytes.IndexByte(src, '\r') >= 0
	endsNL := len(src) > 0 && src[len(src)-1] == '\n'
	if !hasCR && endsNL {
		return src
	}
	if !hasCR {
		out := make([]byte, len(src)+1)
		copy(out, src)
		out[len(src)] = '\n'
		return out
	}
	out := make([]byte, 0, len(src)+1)
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\r' {
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			c = '\n'
		}
		out = append(out, c)
	}
	if len(out) == 0 || out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return out
}

// codingSpec finds the PEP 263 declaration the way CPython's tokenizer does
// for source given as bytes: on line 1, or on line 2 when line 1 holds only
// a comment or whitespace; both lines must end in a newline (CPython
// appends one before looking, so the last line always qualifies). It
// returns the codec name ("" for none) after alias resolution.
func codingSpec(src []byte, bom bool) (string, *SyntaxError) {
	line1, rest, ok := cutLine(src)
	spec, code := specOnLine(line1)
	if spec == "" && !code && ok {
		line2, _, _ := cutLine(rest)
		spec, _ = specOnLine(line2)
	}
	if spec == "" {
		if bom {
			return "utf_8", nil
		}
		return "", nil
	}
	normal := normalName(spec)
	if bom {
		if normal != "utf-8" {
			return "", &SyntaxError{Line: 1, Col: 1, Msg: "encoding problem: " + normal + " with BOM"}
		}
		return "utf_8", nil
	}
	if normal == "utf-8" {
		return "utf_8", nil
	}
	key := normEncoding(normal)
	codec, known := codecAliases[key]
	if !known {
		codec, known = codecAliases[strings.ReplaceAll(key, ".", "_")]
	}
	if !known {
		if unsupportedCodecs[key] {
			return "", &SyntaxError{Line: 1, Col: 1,
				Msg: "encoding " + spec + " is not supported: only UTF-8 and ASCII-compatible single-byte encodings are"}
		}
		return "", &SyntaxError{Line: 1, Col: 1, Msg: "unknown encoding: " + normal}
	}
	return codec, nil
}

// cutLine splits off the first line (without its newline, "\r\n" or "\r").
// ok reports whether the line ended with a line break.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	for i, c := range b {
		if c == '\n' {
			return b[:i], b[i+1:], true
		}
		if c == '\r' {
			if i+1 < len(b) && b[i+1] == '\n' {
				return b[:i], b[i+2:], true
			}
			return b[:i], b[i+1:], true
		}
	}
	// CPython appends a newline to the source before looking.
	return b, nil, len(b) > 0
}

// specOnLine returns the encoding named by a coding comment on line, and
// whether the line holds anything besides whitespace and a comment (which
// stops the search).
func specOnLine(line []byte) (spec string, code bool) {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f') {
		i++
	}
	if i == len(line) {
		return "", false
	}
	if line[i] != '#' {
		return "", true
	}
	// CPython stops 6 bytes before the end of the line, so "coding" must be
	// followed by at least one more byte.
	for j := i; j < len(line)-6; j++ {
		if string(line[j:j+6]) != "coding" {
			continue
		}
		k := j + 6
		if line[k] != ':' && line[k] != '=' {
			continue
		}
		k++
		for k < len(line) && (line[k] == ' ' || line[k] == '\t') {
			k++
		}
		b := k
		for k < len(line) && (isAlnum(line[k]) || line[k] == '-' || line[k] == '_' || line[k] == '.') {
			k++
		}
		if k > b {
			return string(line[b:k]), false
		}
	}
	return "", false
}

// normalName is CPython's get_normal_name: it recognises spellings of
// UTF-8 and Latin-1 by their first 12 bytes.
func normalName(s string) string {
	n := len(s)
	if n > 12 {
		n = 12
	}
	buf := make([]byte, n)
	for i := 0; i < n; i++ {
		c := s[i]
		if c == '_' {
			c = '-'
		} else if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	b := string(buf)
	switch {
	case b == "utf-8" || strings.HasPrefix(b, "utf-8-"):
		return "utf-8"
	case b == "latin-1" || b == "iso-8859-1" || b == "iso-latin-1" ||
		strings.HasPrefix(b, "latin-1-") || strings.HasPrefix(b, "iso-8859-1-") || strings.HasPrefix(b, "iso-latin-1-"):
		return "iso-8859-1"
	}
	return s
}

// normEncoding is Python's encodings.normalize_encoding after the codec
// registry lower-cased the name: runs of characters other than letters,
// digits and '.' become one '_', leading and trailing ones vanish.
func normEncoding(s string) string {
	var b strings.Builder
	punct := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if isAlnum(c) || c == '.' {
			if punct && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteByte(c)
			punct = false
		} else {
			punct = true
		}
	}
	return b.String()
}

// transcode decodes src from a single-byte codec into UTF-8.
func transcode(src []byte, codec string) ([]byte, *SyntaxError) {
	var table *[128]rune
	switch codec {
	case "latin_1", "ascii":
	default:
		table = charmaps()[codec]
		if table == nil {
			// An alias of a codec this table does not cover (should not happen).
			return nil, &SyntaxError{Line: 1, Col: 1, Msg: "encoding " + codec + " is not supported"}
		}
	}
	n := 0
	for _, c := range src {
		if c >= 0x80 {
			n++
		}
	}
	if n == 0 {
		return src, nil
	}
	out := make([]byte, 0, len(src)+2*n)
	for i, c := range src {
		if c < 0x80 {
			out = append(out, c)
			continue
		}
		var r rune
		switch codec {
		case "latin_1":
			r = rune(c)
		case "ascii":
			r = 0xFFFE
		default:
			r = table[c-0x80]
		}
		if r == 0xFFFE {
			line, col := lineCol(src, i)
			return nil, &SyntaxError{Line: line, Col: col,
				Msg: "'" + codec + "' codec can't decode byte 0x" + hex2(c)}
		}
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// lineCol converts a byte offset into a 1-based line and byte column.
func lineCol(src []byte, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + bytes.Count(src[:off], []byte{'\n'})
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	return line, off - start + 1
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
