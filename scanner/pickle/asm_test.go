package pickle

import (
	"encoding/binary"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// asm assembles a pickle from one instruction per line, named as in
// pickletools, so that tests show the stream they feed to Scan:
//
//	PROTO 4
//	SHORT_BINUNICODE "os"     counted strings and bytes: a Go string literal
//	GLOBAL "os" "system"      GLOBAL and INST: module and name
//	INT "42"                  line arguments: the line, without its newline
//	LONG1 -300                LONG1, LONG4: the integer
//	raw "\x8d\xff"            raw bytes, for streams no pickler writes
//
// Blank lines and text after "//" are ignored.
func asm(t testing.TB, src string) []byte {
	t.Helper()
	var out []byte
	for n, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(stripComment(line))
		if line == "" {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		b, err := asmLine(name, rest)
		if err != "" {
			t.Fatalf("asm line %d %q: %s", n+1, line, err)
		}
		out = append(out, b...)
	}
	return out
}

// stripComment cuts a line at "//" outside string literals.
func stripComment(line string) string {
	inQuote := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && strings.HasPrefix(line[i:], "//"):
			return line[:i]
		}
	}
	return line
}

func asmLine(name, rest string) ([]byte, string) {
	if name == "raw" {
		s, err := strconv.Unquote(rest)
		if err != nil {
			return nil, "raw needs a quoted string"
		}
		return []byte(s), ""
	}
	var op *opInfo
	for i := range opTable {
		if opTable[i].name == name {
			op = &opTable[i]
		}
	}
	if op == nil {
		return nil, "unknown opcode"
	}
	out := []byte{op.code}
	quoted := func() ([]string, string) {
		var strs []string
		for r := rest; r != ""; r = strings.TrimSpace(r) {
			q, err := strconv.QuotedPrefix(r)
			if err != nil {
				return nil, "want quoted strings"
			}
			s, _ := strconv.Unquote(q)
			strs = append(strs, s)
			r = r[len(q):]
		}
		return strs, ""
	}
	counted := func(size int, s string) []byte {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		return append(append(out, n[:size]...), s...)
	}
	switch op.arg {
	case argNone:
		return out, ""
	case argUint1, argUint2, argInt4, argUint4, argUint8:
		v, err := strconv.ParseInt(rest, 0, 64)
		if err != nil {
			u, err2 := strconv.ParseUint(rest, 0, 64)
			if err2 != nil {
				return nil, "want an integer"
			}
			v = int64(u)
		}
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(v))
		size := map[argKind]int{argUint1: 1, argUint2: 2, argInt4: 4, argUint4: 4, argUint8: 8}[op.arg]
		return append(out, n[:size]...), ""
	case argFloat8:
		f, err := strconv.ParseFloat(rest, 64)
		if err != nil {
			return nil, "want a float"
		}
		return binary.BigEndian.AppendUint64(out, math.Float64bits(f)), ""
	case argLong1, argLong4:
		v, ok := new(big.Int).SetString(rest, 0)
		if !ok {
			return nil, "want an integer"
		}
		b := encodeLong(v)
		if op.arg == argLong1 {
			return append(append(out, byte(len(b))), b...), ""
		}
		return append(binary.LittleEndian.AppendUint32(out, uint32(len(b))), b...), ""
	}
	strs, err := quoted()
	if err != "" {
		return nil, err
	}
	want := 1
	if op.arg == argStringnlPair {
		want = 2
	}
	if len(strs) != want {
		return nil, "wrong number of quoted strings"
	}
	switch op.arg {
	case argString1, argBytes1, argUnicodestring1:
		return counted(1, strs[0]), ""
	case argString4, argBytes4, argUnicodestring4:
		return counted(4, strs[0]), ""
	case argBytes8, argUnicodestring8:
		return counted(8, strs[0]), ""
	}
	for _, s := range strs {
		out = append(append(out, s...), '\n')
	}
	return out, ""
}

func TestAsm(t *testing.T) {
	got := asm(t, `
		PROTO 2
		SHORT_BINUNICODE "a"   // a comment
		GLOBAL "m" "n"
		LONG1 -1
		LONG1 255
		STOP`)
	want := "\x80\x02\x8c\x01acm\nn\n\x8a\x01\xff\x8a\x02\xff\x00."
	if string(got) != want {
		t.Errorf("asm = %q, want %q", got, want)
	}
}
