package pickle

import (
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// This file decodes opcode arguments into values with the rules of CPython
// 3.11's pure-Python unpickler (Lib/pickle.py, the one torch.package's
// PackageUnpickler extends). The decoders append to a caller's buffer, so a
// scan can validate an argument without keeping it.

// maxStrDigits is sys.int_info.default_max_str_digits: CPython refuses to
// convert longer decimal strings to int.
const maxStrDigits = 4300

// escapeDecode appends codecs.escape_decode(src) to dst: the backslash
// escapes of a Python 2 str literal, as the STRING opcode uses them.
func escapeDecode(dst, src []byte) ([]byte, error) {
	for i := 0; i < len(src); {
		c := src[i]
		i++
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		if i == len(src) {
			return dst, errors.New(`trailing \ in string`)
		}
		c = src[i]
		i++
		switch c {
		case '\n':
		case '\\', '\'', '"':
			dst = append(dst, c)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 't':
			dst = append(dst, '\t')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 'v':
			dst = append(dst, '\v')
		case 'a':
			dst = append(dst, '\a')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for k := 0; k < 2 && i < len(src) && '0' <= src[i] && src[i] <= '7'; k++ {
				v = v<<3 + int(src[i]-'0')
				i++
			}
			dst = append(dst, byte(v)) // CPython keeps the low byte of \400 to \777
		case 'x':
			if i+1 < len(src) && hexVal(src[i]) < 16 && hexVal(src[i+1]) < 16 {
				dst = append(dst, hexVal(src[i])<<4|hexVal(src[i+1]))
				i += 2
				break
			}
			return dst, errors.New(`invalid \x escape`)
		default:
			dst = append(dst, '\\') // unknown escapes stay as written
			i--
		}
	}
	return dst, nil
}

func hexVal(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 255
}

// rawUnicodeEscapeDecode appends the UTF-8 form of
// str(src, "raw-unicode-escape"), the UNICODE opcode's encoding: bytes are
// Latin-1 code points, except \uXXXX and \UXXXXXXXX.
func rawUnicodeEscapeDecode(dst, src []byte) ([]byte, error) {
	for i := 0; i < len(src); {
		c := src[i]
		i++
		if c != '\\' || i == len(src) {
			dst = appendRune(dst, rune(c))
			continue
		}
		c = src[i]
		i++
		var count int
		switch c {
		case 'u':
			count = 4
		case 'U':
			count = 8
		default:
			dst = append(dst, '\\')
			dst = appendRune(dst, rune(c))
			continue
		}
		var r rune
		for ; count > 0; count-- {
			if i == len(src) {
				return dst, errors.New(`truncated \uXXXX escape`)
			}
			h := hexVal(src[i])
			if h >= 16 {
				return dst, errors.New(`truncated \uXXXX escape`)
			}
			r = r<<4 | rune(h)
			i++
		}
		if r > utf8.MaxRune || r < 0 {
			return dst, errors.New(`\Uxxxxxxxx out of range`)
		}
		dst = appendRune(dst, r)
	}
	return dst, nil
}

// appendRune is utf8.AppendRune, except that surrogate code points are
// encoded as themselves (as Python's "surrogatepass" does) rather than
// replaced: Python strings may hold lone surrogates.
func appendRune(dst []byte, r rune) []byte {
	if 0xD800 <= r && r <= 0xDFFF {
		return append(dst, byte(0xE0|r>>12), byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
	}
	return utf8.AppendRune(dst, r)
}

// validUTF8 reports whether b decodes with Python's
// str(b, "utf-8", "surrogatepass"), as the BINUNICODE opcodes require.
func validUTF8(b []byte, surrogates bool) bool {
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			// An encoded surrogate: ED A0..BF 80..BF.
			if surrogates && len(b) >= 3 && b[0] == 0xED && 0xA0 <= b[1] && b[1] <= 0xBF && 0x80 <= b[2] && b[2] <= 0xBF {
				b = b[3:]
				continue
			}
			return false
		}
		b = b[n:]
	}
	return true
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// appendLatin1 appends b, read as Latin-1, in UTF-8. Python 3 reads the
// Python 2 string opcodes (STRING, BINSTRING, SHORT_BINSTRING) as str with
// the unpickler's encoding; pickletools uses Latin-1, and so do we, which is
// the identity for ASCII.
func appendLatin1(dst, b []byte) []byte {
	for _, c := range b {
		dst = utf8.AppendRune(dst, rune(c))
	}
	return dst
}

func isPySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func trimPySpace(s []byte) []byte {
	for len(s) > 0 && isPySpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isPySpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// parsePyInt is Python's int(s) (base0 false) or int(s, 0) (base0 true)
// for a bytes argument: surrounding whitespace, a sign, a 0x/0o/0b prefix
// with base 0, and single underscores between digits.
func parsePyInt(s []byte, base0 bool) (*big.Int, error) {
	s = trimPySpace(s)
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10
	if base0 && len(s) >= 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 10 {
			s = s[2:]
			if len(s) > 0 && s[0] == '_' {
				s = s[1:]
			}
		}
	}
	digits := make([]byte, 0, len(s))
	under := true // an underscore is not allowed first
	for _, c := range s {
		if c == '_' {
			if under {
				return nil, errors.New("invalid literal for int()")
			}
			under = true
			continue
		}
		if int(hexVal(c)) >= base {
			return nil, errors.New("invalid literal for int()")
		}
		digits = append(digits, c)
		under = false
	}
	if len(digits) == 0 || under {
		return nil, errors.New("invalid literal for int()")
	}
	if base0 && base == 10 && digits[0] == '0' {
		for _, c := range digits {
			if c != '0' {
				return nil, errors.New("invalid literal for int() with base 0 (leading zeros)")
			}
		}
	}
	if base == 10 && len(digits) > maxStrDigits {
		return nil, errors.New("exceeds the limit (4300 digits) for integer string conversion")
	}
	v, ok := new(big.Int).SetString(string(digits), base)
	if !ok {
		return nil, errors.New("invalid literal for int()")
	}
	if neg {
		v.Neg(v)
	}
	return v, nil
}

// parsePyFloat is Python's float(s) for a FLOAT line, near enough: Go's
// ParseFloat after removing PEP 515 underscores. Overflow is infinity.
func parsePyFloat(s []byte) (float64, error) {
	s = trimPySpace(s)
	clean := make([]byte, 0, len(s))
	for i, c := range s {
		if c == '_' {
			if i == 0 || i == len(s)-1 || !isDigit(s[i-1]) || !isDigit(s[i+1]) {
				return 0, errors.New("could not convert string to float")
			}
			continue
		}
		clean = append(clean, c)
	}
	f, err := strconv.ParseFloat(string(clean), 64)
	var ne *strconv.NumError
	if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
		err = nil
	}
	if err != nil || len(clean) > 1 && clean[0] == '0' && (clean[1] == 'x' || clean[1] == 'X') {
		return 0, errors.New("could not convert string to float")
	}
	return f, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// decodeLong is pickle.decode_long: little-endian two's complement.
func decodeLong(b []byte) *big.Int {
	be := make([]byte, len(b))
	for i, c := range b {
		be[len(b)-1-i] = c
	}
	v := new(big.Int).SetBytes(be)
	if len(b) > 0 && b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

// float8 is the BINFLOAT argument.
func float8(b []byte) float64 {
	return math.Float64frombits(binary.BigEndian.Uint64(b))
}

// stripQuotes returns the inside of a STRING line, which must be quoted
// with the same quote at both ends.
func stripQuotes(line []byte) ([]byte, bool) {
	if len(line) >= 2 && line[0] == line[len(line)-1] && (line[0] == '"' || line[0] == '\'') {
		return line[1 : len(line)-1], true
	}
	return nil, false
}
