package scanner

import (
	"unicode"
	"unicode/utf8"
)

// Identifier characters (PEP 3131). Python uses the XID_Start and
// XID_Continue properties; Go's unicode package has the pieces they are
// made of. The few characters NFKC closure removes from ID_Start and
// ID_Continue are listed in notXID.

func isXIDStart(r rune) bool {
	if r == '_' || r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '_'
	}
	if notXID(r) {
		return false
	}
	if unicode.Is(unicode.Pattern_Syntax, r) || unicode.Is(unicode.Pattern_White_Space, r) {
		return false
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_ID_Start, r)
}

func isXIDContinue(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_'
	}
	if isXIDStart(r) {
		return true
	}
	if notXID(r) {
		return r == 0x0E33 || r == 0x0EB3 || r == 0xFF9E || r == 0xFF9F // XID_Continue keeps these
	}
	if unicode.Is(unicode.Pattern_Syntax, r) || unicode.Is(unicode.Pattern_White_Space, r) {
		return false
	}
	return unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue)
}

// notXID lists the characters that are in ID_Start but not XID_Start.
func notXID(r rune) bool {
	switch r {
	case 0x037A, 0x0E33, 0x0EB3, 0x309B, 0x309C, 0xFDFA, 0xFDFB, 0xFF9E, 0xFF9F:
		return true
	}
	return 0xFC5E <= r && r <= 0xFC63 || 0xFE70 <= r && r <= 0xFE7E && r%2 == 0
}

// checkIdentifier reports the first character of an identifier (which
// contains non-ASCII bytes and is valid UTF-8) that Python rejects, and its
// offset; ok is true when there is none.
func checkIdentifier(b []byte) (bad rune, off int, ok bool) {
	first := true
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		var good bool
		if first {
			good = isXIDStart(r)
		} else {
			good = isXIDContinue(r)
		}
		if !good {
			return r, i, false
		}
		first = false
		i += n
	}
	return 0, 0, true
}
