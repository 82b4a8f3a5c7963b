package pickle

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// renumber is the rewrite pkgbuild does when it merges packages: torch
// storage keys move to new numbers.
func renumber(keys map[string]string) func([]string) ([]string, bool) {
	return func(old []string) ([]string, bool) {
		if len(old) != 5 || old[0] != "storage" {
			return nil, false
		}
		nu := slices.Clone(old)
		nu[2] = keys[old[2]]
		return nu, true
	}
}

// keysOf lists the storage keys of a scan.
func keysOf(info *Info) []string {
	var keys []string
	for _, p := range info.PersistentIDs {
		keys = append(keys, p.Tuple[2])
	}
	return keys
}

// rewriteCases are committed pickles and the keys they hold, before and
// after renumbering with {"0": "300", "1": "7"}.
var rewriteCases = []struct {
	file      string
	before    []string
	after     []string
	whatMoves string
}{
	{"package_tensors_p4.pkl", []string{"0", "1", "0"}, []string{"300", "7", "300"},
		"BININT1 keys in a FRAME; 300 needs BININT2, so the frame grows"},
	{"package_tensors_p3.pkl", []string{"0", "1", "0"}, []string{"300", "7", "300"},
		"protocol 3, no frames"},
	{"torchsave_p2.pkl", []string{"0", "1", "0"}, []string{"300", "7", "300"},
		"torch.save's str keys; the repeated key is a BINGET of the memo"},
	{"torchsave_p5.pkl", []string{"0", "1", "0"}, []string{"300", "7", "300"},
		"str keys in a FRAME, as SHORT_BINUNICODE"},
}

func TestRewriteStorageKeys(t *testing.T) {
	for _, tt := range rewriteCases {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			before, err := Scan(data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.before, keysOf(before)); diff != "" {
				t.Fatalf("keys before (-want +got):\n%s", diff)
			}
			out, err := RewritePersistentIDs(data, renumber(map[string]string{"0": "300", "1": "7"}))
			if err != nil {
				t.Fatal(err)
			}
			after, err := Scan(out)
			if err != nil {
				t.Fatalf("rewritten pickle: %v", err)
			}
			if diff := cmp.Diff(tt.after, keysOf(after)); diff != "" {
				t.Errorf("keys after (-want +got):\n%s", diff)
			}
			// Nothing else changes: the kinds, the other elements, the globals.
			for i, p := range after.PersistentIDs {
				q := before.PersistentIDs[i]
				if !slices.Equal(p.Kinds, q.Kinds) || !slices.Equal(p.Tuple[:2], q.Tuple[:2]) || !slices.Equal(p.Tuple[3:], q.Tuple[3:]) {
					t.Errorf("persistent ID %d: %v became %v", i, q, p)
				}
			}
			if diff := cmp.Diff(names(before.Globals), names(after.Globals)); diff != "" {
				t.Errorf("globals changed (-before +after):\n%s", diff)
			}
		})
	}
}

func names(gs []Global) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Opcode+" "+g.Module+" "+g.Name)
	}
	return out
}

func TestRewritePERSID(t *testing.T) {
	data, err := os.ReadFile("testdata/text_p0.pkl")
	if err != nil {
		t.Fatal(err)
	}
	out, err := RewritePersistentIDs(data, func(old []string) ([]string, bool) {
		return []string{strings.Replace(old[0], "7", "12", 1)}, true
	})
	if err != nil {
		t.Fatal(err)
	}
	info, err := Scan(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.PersistentIDs[0].Tuple; !slices.Equal(got, []string{"storage 12 cpu"}) {
		t.Errorf("PERSID = %q", got)
	}
}

func TestRewriteUnchanged(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.pkl")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		out, err := RewritePersistentIDs(data, func(old []string) ([]string, bool) {
			calls++
			return old, calls%2 == 0 // the same tuple, or no answer: both keep the bytes
		})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !bytes.Equal(out, data) {
			t.Errorf("%s: unchanged persistent IDs changed the bytes", f)
		}
	}
}

func TestRewriteErrors(t *testing.T) {
	torchPackage := `
		PROTO 2
		MARK
		BINUNICODE "storage"
		GLOBAL "torch" "FloatStorage"
		BININT1 0
		BINUNICODE "cpu"
		SHORT_BINBYTES "raw"
		TUPLE
		BINPERSID                         // offset 36
		STOP`
	tests := []struct {
		name    string
		src     string
		newID   []string
		message string
	}{
		{"a global", torchPackage, []string{"storage", "torch.HalfStorage", "0", "cpu", "raw"},
			"element 1: a global cannot be rewritten"},
		{"a shorter tuple", torchPackage, []string{"storage"},
			"the new persistent ID has 1 elements, the old one 5"},
		{"an int that is not decimal", torchPackage, []string{"storage", "torch.FloatStorage", "0x10", "cpu", "raw"},
			`element 2: "0x10" is not a decimal integer`},
		{"None", `
			PROTO 2
			NONE
			TUPLE1
			BINPERSID
			STOP`, []string{"0"}, "element 0: a none cannot be rewritten"},
		{"a string that is not UTF-8", torchPackage, []string{"\xff", "torch.FloatStorage", "0", "cpu", "raw"},
			`element 0: "\xff" is not UTF-8`},
		{"a PERSID with a newline", `PERSID "0"
			STOP`, []string{"1\n"}, "a PERSID must be ASCII without newlines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := asm(t, tt.src)
			_, err := RewritePersistentIDs(data, func([]string) ([]string, bool) { return tt.newID, true })
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, tt.message) {
				t.Errorf("error = %v, want one containing %q", err, tt.message)
			}
		})
	}
}

func TestRewriteConflict(t *testing.T) {
	// One tuple, recalled from the memo for a second BINPERSID: its key
	// cannot become two different numbers.
	data := asm(t, `
		PROTO 4
		MARK
		SHORT_BINUNICODE "storage"
		SHORT_BINUNICODE "k"
		TUPLE
		MEMOIZE
		BINPERSID
		BINGET 0
		BINPERSID
		TUPLE2
		STOP`)
	n := 0
	_, err := RewritePersistentIDs(data, func(old []string) ([]string, bool) {
		n++
		return []string{"storage", strings.Repeat("x", n)}, true
	})
	if err == nil || !strings.Contains(err.Error(), "rewritten twice, differently") {
		t.Errorf("error = %v", err)
	}
}
