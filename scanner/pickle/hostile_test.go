package pickle

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// expectError scans a pickle that must be rejected, and checks where and
// why.
func expectError(t *testing.T, data []byte, offset int, op, msg string) {
	t.Helper()
	info, err := Scan(data)
	if info == nil {
		t.Fatal("Scan returned a nil Info")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Scan error = %v, want an *Error", err)
	}
	if e.Offset != offset || e.Op != op || !strings.Contains(e.Msg, msg) {
		t.Errorf("Scan error = %q\nwant offset %d, op %q, message containing %q", err, offset, op, msg)
	}
}

func TestHostileLengths(t *testing.T) {
	// Each declared length is checked against the rest of the input before
	// anything is read or allocated.
	tests := []struct {
		name, src   string
		op, message string
	}{
		{"BINUNICODE8 of 2^62 bytes", `raw "\x8d\x00\x00\x00\x00\x00\x00\x00\x40abc"`,
			"BINUNICODE8", "declared length 4611686018427387904 exceeds the 3 bytes remaining"},
		{"BINBYTES8 beyond sys.maxsize", `raw "\x8e\xff\xff\xff\xff\xff\xff\xff\xffabc"`,
			"BINBYTES8", "byte count 18446744073709551615 exceeds sys.maxsize"},
		{"BYTEARRAY8", `raw "\x96\x00\x00\x00\x00\x01\x00\x00\x00"`, "BYTEARRAY8", "declared length 4294967296 exceeds the 0 bytes remaining"},
		{"BINUNICODE of 4 GiB", `raw "X\xff\xff\xff\xffabc"`, "BINUNICODE", "declared length 4294967295"},
		{"BINBYTES", `raw "B\x00\x00\x01\x00"`, "BINBYTES", "declared length 65536"},
		{"BINSTRING with a negative length", `raw "T\xff\xff\xff\xff"`, "BINSTRING", "negative byte count -1"},
		{"LONG4 with a negative length", `raw "\x8b\x00\x00\x00\x80"`, "LONG4", "negative byte count -2147483648"},
		{"SHORT_BINUNICODE", `raw "\x8c\x05abc"`, "SHORT_BINUNICODE", "declared length 5 exceeds the 3 bytes remaining"},
		{"FRAME longer than the input", `raw "\x95\x00\x00\x00\x00\x00\x00\x00\x01N."`,
			"FRAME", "declared frame length 72057594037927936 exceeds the 2 bytes remaining"},
		{"FRAME beyond sys.maxsize", `raw "\x95\xff\xff\xff\xff\xff\xff\xff\xffN."`, "FRAME", "frame size > sys.maxsize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectError(t, asm(t, tt.src), 0, tt.op, tt.message)
		})
	}
}

func TestHostileStreams(t *testing.T) {
	tests := []struct {
		name, src   string
		offset      int
		op, message string
	}{
		// Structure.
		{"empty input", ``, 0, "", "pickle exhausted before STOP"},
		{"no STOP", `NONE`, 1, "", "pickle exhausted before STOP"},
		{"unknown opcode", `raw "N\xff."`, 1, "", "unknown opcode 0xff"},
		{"unsupported protocol", `PROTO 6`, 0, "PROTO", "unsupported pickle protocol: 6"},
		{"line without newline", `raw "cos\nsystem"`, 0, "GLOBAL", "no newline found"},

		// Frames, as pickle.py's _Unframer enforces them.
		{"opcode crossing the end of its frame", `
			FRAME 2
			raw "\x8c\x03a"
			raw "bc."`, 9, "SHORT_BINUNICODE", "crosses the end of the FRAME at offset 11"},
		{"line crossing the end of its frame", `
			FRAME 3
			raw "I12"
			raw "\n."`, 9, "INT", "crosses the end of the FRAME at offset 12"},
		{"new frame inside a frame", `
			FRAME 11
			FRAME 1
			NONE
			raw "."`, 9, "FRAME", "beginning of a new frame before end of current frame"},

		// The stack.
		{"STOP on an empty stack", `STOP`, 0, "STOP", "stack underflow: needs 1 object(s), the stack has 0"},
		{"STACK_GLOBAL with one string", `
			SHORT_BINUNICODE "os"
			STACK_GLOBAL
			STOP`, 4, "STACK_GLOBAL", "needs 2 object(s), the stack has 1"},
		{"items under a MARK are out of reach", `
			NONE
			MARK
			TUPLE1`, 2, "TUPLE1", "needs 1 object(s) above the MARK at offset 1, has 0"},
		{"TUPLE without MARK", `NONE
			TUPLE`, 1, "TUPLE", "no MARK on the stack"},
		{"POP of nothing", `POP`, 0, "POP", "no MARK on the stack"},
		{"APPEND without a list", `
			NONE
			APPEND`, 1, "APPEND", "stack underflow"},
		{"odd SETITEMS", `
			EMPTY_DICT
			MARK
			NONE
			SETITEMS`, 3, "SETITEMS", "odd number of items (1)"},
		{"OBJ without a class", `
			MARK
			OBJ`, 1, "OBJ", "no class object after the MARK"},
		{"STACK_GLOBAL of an int", `
			BININT1 1
			SHORT_BINUNICODE "x"
			STACK_GLOBAL`, 5, "STACK_GLOBAL", "STACK_GLOBAL requires str"},
		{"INST without MARK", `INST "os" "system"`, 0, "INST", "no MARK on the stack"},

		// The memo.
		{"GET of a missing memo entry", `GET "3"`, 0, "GET", "memo value not found at index 3"},
		{"BINGET of a missing memo entry", `
			NONE
			BINPUT 1
			BINGET 2`, 3, "BINGET", "memo value not found at index 2"},
		{"LONG_BINGET far out", `LONG_BINGET 4294967295`, 0, "LONG_BINGET", "memo value not found at index 4294967295"},
		{"PUT of a negative index", `
			NONE
			PUT "-1"`, 1, "PUT", "negative PUT argument"},
		{"PUT beyond int64", `
			NONE
			PUT "99999999999999999999999"`, 1, "PUT", "memo index \"99999999999999999999999\" out of range"},
		{"GET that is not a number", `GET "one"`, 0, "GET", "invalid literal for int()"},
		{"MEMOIZE on an empty stack", `MEMOIZE`, 0, "MEMOIZE", "stack underflow"},
		{"PUT under a MARK", `
			NONE
			MARK
			BINPUT 0`, 2, "BINPUT", "stack underflow"},

		// Arguments the unpickler would reject.
		{"INT that is not a number", `INT "12a"`, 0, "INT", "invalid literal for int()"},
		{"INT with leading zeros", `INT "012"`, 0, "INT", "leading zeros"},
		{"INT over 4300 digits", `INT "` + strings.Repeat("9", 4301) + `"`, 0, "INT", "exceeds the limit (4300 digits)"},
		{"FLOAT", `FLOAT "1.2.3"`, 0, "FLOAT", "could not convert string to float"},
		{"unquoted STRING", `STRING "abc"`, 0, "STRING", "must be quoted"},
		{"STRING with a bad escape", `STRING "'\\x4'"`, 0, "STRING", `invalid \x escape`},
		{"UNICODE with a short escape", `UNICODE "\\u12"`, 0, "UNICODE", `truncated \uXXXX escape`},
		{"UNICODE beyond U+10FFFF", `UNICODE "\\U00110000"`, 0, "UNICODE", "out of range"},
		{"BINUNICODE that is not UTF-8", `BINUNICODE "\xff"`, 0, "BINUNICODE", "can't decode"},
		{"GLOBAL that is not UTF-8", `GLOBAL "\xff" "x"`, 0, "GLOBAL", "must be UTF-8"},
		{"INST that is not ASCII", `
			MARK
			INST "caf\u00e9" "x"`, 1, "INST", "must be ASCII"},
		{"PERSID that is not ASCII", `PERSID "\u00e9"`, 0, "PERSID", "must be ASCII"},
		{"EXT code 0", `EXT1 0`, 0, "EXT1", "EXT specifies code <= 0"},
		{"EXT4 negative", `EXT4 -5`, 0, "EXT4", "EXT specifies code <= 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectError(t, asm(t, tt.src), tt.offset, tt.op, tt.message)
		})
	}
}

func TestErrorKeepsWhatCameBefore(t *testing.T) {
	// An unpickler imports os before it trips over the bad opcode; so
	// does Scan report it.
	info, err := Scan(asm(t, `
		GLOBAL "os" "system"
		raw "\xff"`))
	if err == nil {
		t.Fatal("Scan succeeded")
	}
	if got := globals(info); len(got) != 1 || got[0] != "GLOBAL os system" {
		t.Errorf("globals before the error = %q", got)
	}
}

func TestEveryTruncationFails(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.pkl")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		info, err := Scan(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for n := 0; n < info.End; n++ {
			_, err := Scan(data[:n])
			var e *Error
			if !errors.As(err, &e) || e.Offset > n {
				t.Fatalf("%s cut to %d bytes: error %v", f, n, err)
			}
		}
	}
}

// allocBytes measures the bytes allocated by f.
func allocBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// maxAllocPerByte is the documented bound: Scan allocates at most this
// many bytes per input byte, plus a constant.
const maxAllocPerByte = 48

func TestAllocationIsLinear(t *testing.T) {
	const n = 1 << 18
	rep := func(prefix, unit, suffix string) []byte {
		return []byte(prefix + strings.Repeat(unit, n/len(unit)) + suffix)
	}
	inputs := map[string][]byte{
		"a stack of lists":       rep("\x80\x04", "]", "."),
		"memoized Nones":         rep("\x80\x04N", "\x94", "."),
		"sparse memo keys":       longBinputs(n),
		"nested tuples":          rep("\x80\x04N", "\x85", "."),
		"flat tuple":             rep("\x80\x04(", "N", "t."),
		"empty strings":          rep("\x80\x04", "\x8c\x00", "."),
		"marks":                  rep("\x80\x04", "(", "N."),
		"DUPs":                   rep("\x80\x04N", "2", "."),
		"a huge declared length": []byte("\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f" + strings.Repeat("x", n)),
		"one long UNICODE line":  rep("V", `\u00e9`, "\n."),
		"many persistent IDs":    rep("\x80\x04N", "NQ0", "."),
		"many STACK_GLOBALs":     rep("\x80\x04\x8c\x01a\x94", "h\x00h\x00\x93", "."),
		"EXT1 globals":           rep("\x80\x04", "\x82\x01", "."),
		"short GLOBALs":          rep("\x80\x04", "c\n\n", "."),
		"1-tuple persistent IDs": rep("\x80\x04N", "N\x85Q0", "."),
		"a long name, recalled":  rep("\x80\x04\x8c\xff"+strings.Repeat("m", 255)+"\x94", "h\x00h\x00\x93", "."),
		"a long key, recalled":   rep("\x80\x04\x8c\xff"+strings.Repeat("k", 255)+"\x94(", "h\x00", "tQ."),
	}
	for _, name := range sortedKeys(inputs) {
		data := inputs[name]
		got := allocBytes(func() { Scan(data) })
		limit := uint64(maxAllocPerByte*len(data) + 1<<16)
		t.Logf("%-26s %8d bytes in, %9d allocated (%.1f per byte)", name, len(data), got, float64(got)/float64(len(data)))
		if got > limit {
			t.Errorf("%s: Scan of %d bytes allocated %d, over the bound %d", name, len(data), got, limit)
		}
	}
}

// longBinputs memoizes one value under n/5 distinct large keys.
func longBinputs(n int) []byte {
	b := []byte("\x80\x04N")
	for k := uint32(1 << 20); len(b) < n; k++ {
		b = append(b, 'r', byte(k), byte(k>>8), byte(k>>16), byte(k>>24))
	}
	return append(b, '.')
}
