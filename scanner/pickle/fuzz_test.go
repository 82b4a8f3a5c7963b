package pickle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzScan feeds Scan, Disassemble and RewritePersistentIDs arbitrary
// bytes, starting from the committed pickles (protocols 0 to 5, torch's)
// and the hostile ones of the unit tests. They must not panic, must agree
// with each other, and must report errors as *Error inside the input.
func FuzzScan(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pkl"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		"\x8d\x00\x00\x00\x00\x00\x00\x00\x40abc",                       // huge declared length
		"\x95\x02\x00\x00\x00\x00\x00\x00\x00\x8c\x03abc.",              // opcode across a frame
		"\x80\x04\x8c\x02os\x8c\x06system\x8c\x01x0\x93.",               // decoy strings
		"(((((((((((N\x85\x85\x85tttttttttt.",                           // nesting
		"\x80\x04N\x94\x94r\x00\x00\x01\x00h\x00j\x00\x00\x01\x00\x94.", // memo forms
		"(S'storage'\ncz\nFloat\nS'0'\nS'cpu'\nI6\ntQ.",                 // a text-form persistent ID
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Scan(data)
		if info == nil {
			t.Fatal("nil Info")
		}
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Offset < 0 || e.Offset > len(data)) {
			t.Fatalf("error %v is not an *Error within the input", err)
		}
		if err == nil && (info.End < 1 || info.End > len(data)) {
			t.Fatalf("End = %d for %d bytes", info.End, len(data))
		}

		derr := Disassemble(io.Discard, data)
		var de *Error
		if (err == nil) != (derr == nil) || err != nil && (!errors.As(derr, &de) || *de != *e) {
			t.Fatalf("Scan error %v, Disassemble error %v", err, derr)
		}
		if err != nil {
			return
		}

		// Keeping every persistent ID keeps the bytes.
		out, err := RewritePersistentIDs(data, func([]string) ([]string, bool) { return nil, false })
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("identity rewrite: %v", err)
		}
		// Changing every int and string element either works, and shows, or
		// fails cleanly.
		out, err = RewritePersistentIDs(data, func(old []string) ([]string, bool) {
			nu := slices.Clone(old)
			for i := range nu {
				nu[i] = "7"
			}
			return nu, true
		})
		if err != nil {
			if !errors.As(err, &e) {
				t.Fatalf("rewrite error %v is not an *Error", err)
			}
			return
		}
		if _, err := Scan(out); err != nil {
			t.Fatalf("rewritten pickle does not scan: %v", err)
		}
	})
}
