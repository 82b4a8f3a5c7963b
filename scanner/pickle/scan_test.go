package pickle

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// globals renders Info.Globals as "OPCODE module name", or "OPCODE ?" when
// unresolved.
func globals(info *Info) []string {
	var out []string
	for _, g := range info.Globals {
		if g.Unresolved {
			out = append(out, g.Opcode+" ?")
			continue
		}
		out = append(out, g.Opcode+" "+g.Module+" "+g.Name)
	}
	return out
}

// expectGlobals scans the assembled pickle and compares its globals.
func expectGlobals(t *testing.T, src string, want ...string) {
	t.Helper()
	info, err := Scan(asm(t, src))
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if diff := cmp.Diff(want, globals(info), cmpEmpty); diff != "" {
		t.Errorf("globals (-want +got):\n%s", diff)
	}
}

func TestGlobalOpcodes(t *testing.T) {
	t.Run("GLOBAL names module and name on two lines", func(t *testing.T) {
		expectGlobals(t, `
			GLOBAL "torch._utils" "_rebuild_tensor_v2"
			STOP`,
			"GLOBAL torch._utils _rebuild_tensor_v2")
	})
	t.Run("INST imports too, and pops to its MARK", func(t *testing.T) {
		expectGlobals(t, `
			MARK
			INT "1"
			INST "zoo.animals" "Cat"
			STOP`,
			"INST zoo.animals Cat")
	})
	t.Run("STACK_GLOBAL takes the two strings under it", func(t *testing.T) {
		expectGlobals(t, `
			PROTO 4
			SHORT_BINUNICODE "collections"
			SHORT_BINUNICODE "OrderedDict"
			STACK_GLOBAL
			STOP`,
			"STACK_GLOBAL collections OrderedDict")
	})
	t.Run("every string opcode can feed STACK_GLOBAL", func(t *testing.T) {
		expectGlobals(t, `
			PROTO 4
			BINUNICODE "a"
			BINUNICODE8 "b"
			STACK_GLOBAL
			UNICODE "c\\u00e9"
			STRING "'d\\x41'"
			STACK_GLOBAL
			SHORT_BINSTRING "e"
			BINSTRING "f"
			STACK_GLOBAL
			TUPLE3
			STOP`,
			"STACK_GLOBAL a b", "STACK_GLOBAL cé dA", "STACK_GLOBAL e f")
	})
	t.Run("strings recalled from the memo by every GET form", func(t *testing.T) {
		expectGlobals(t, `
			PROTO 4
			SHORT_BINUNICODE "zoo.animals"
			MEMOIZE                       // memo[0]
			BINPUT 7
			LONG_BINPUT 300
			PUT "12"
			SHORT_BINUNICODE "Cat"
			STACK_GLOBAL
			BINGET 0
			SHORT_BINUNICODE "Dog"
			STACK_GLOBAL
			BINGET 7
			SHORT_BINUNICODE "Cow"
			STACK_GLOBAL
			LONG_BINGET 300
			SHORT_BINUNICODE "Pig"
			STACK_GLOBAL
			GET "12"
			SHORT_BINUNICODE "Hen"
			STACK_GLOBAL
			STOP`,
			"STACK_GLOBAL zoo.animals Cat", "STACK_GLOBAL zoo.animals Dog", "STACK_GLOBAL zoo.animals Cow",
			"STACK_GLOBAL zoo.animals Pig", "STACK_GLOBAL zoo.animals Hen")
	})
	t.Run("MEMOIZE's key is the memo's size, whatever PUT used", func(t *testing.T) {
		// pickle.py: memo[len(memo)] = stack[-1]. After PUT 5 the memo
		// has one entry, so MEMOIZE stores at 1.
		expectGlobals(t, `
			PROTO 4
			SHORT_BINUNICODE "first"
			PUT "5"
			SHORT_BINUNICODE "os"
			MEMOIZE                       // memo[1]
			POP
			POP
			BINGET 1
			SHORT_BINUNICODE "getcwd"
			STACK_GLOBAL
			STOP`,
			"STACK_GLOBAL os getcwd")
	})
	t.Run("DUP copies a string", func(t *testing.T) {
		expectGlobals(t, `
			PROTO 4
			SHORT_BINUNICODE "x"
			DUP
			STACK_GLOBAL
			STOP`,
			"STACK_GLOBAL x x")
	})
	t.Run("strings that are not the operands are not taken", func(t *testing.T) {
		// torch 1.13 would say module "system", name "decoy".
		expectGlobals(t, `
			PROTO 4
			SHORT_BINUNICODE "os"
			SHORT_BINUNICODE "system"
			SHORT_BINUNICODE "decoy"
			POP
			STACK_GLOBAL
			STOP`,
			"STACK_GLOBAL os system")
	})
	t.Run("POP on an empty stretch removes the MARK", func(t *testing.T) {
		expectGlobals(t, `
			PROTO 4
			SHORT_BINUNICODE "os"
			MARK
			POP
			SHORT_BINUNICODE "sep"
			STACK_GLOBAL
			STOP`,
			"STACK_GLOBAL os sep")
	})
}

func TestUnresolvedGlobals(t *testing.T) {
	t.Run("operands computed by REDUCE", func(t *testing.T) {
		expectGlobals(t, `
			PROTO 4
			GLOBAL "builtins" "str"
			SHORT_BINUNICODE "os"
			TUPLE1
			REDUCE                        // str("os"), unknown to a static reader
			SHORT_BINUNICODE "system"
			STACK_GLOBAL
			STOP`,
			"GLOBAL builtins str", "STACK_GLOBAL ?")
	})
	t.Run("a global used as a module name", func(t *testing.T) {
		expectGlobals(t, `
			PROTO 4
			GLOBAL "os" "name"
			SHORT_BINUNICODE "x"
			STACK_GLOBAL
			STOP`,
			"GLOBAL os name", "STACK_GLOBAL ?")
	})
	t.Run("extension registry codes", func(t *testing.T) {
		expectGlobals(t, `
			PROTO 2
			EXT1 1
			EXT2 513
			EXT4 70000
			TUPLE3
			STOP`,
			"EXT1 ?", "EXT2 ?", "EXT4 ?")
	})
}

func TestModules(t *testing.T) {
	info, err := Scan(asm(t, `
		PROTO 4
		SHORT_BINUNICODE "torch._utils"
		MEMOIZE
		SHORT_BINUNICODE "_rebuild_tensor_v2"
		STACK_GLOBAL
		GLOBAL "collections" "OrderedDict"
		BINGET 0
		SHORT_BINUNICODE "_rebuild_parameter"
		STACK_GLOBAL
		GLOBAL "builtins" "str"
		SHORT_BINUNICODE "x"
		STACK_GLOBAL                      // unresolved: adds no module
		TUPLE3
		TUPLE2
		STOP`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"torch._utils", "collections", "builtins"}
	if diff := cmp.Diff(want, info.Modules()); diff != "" {
		t.Errorf("Modules() (-want +got):\n%s", diff)
	}
}

func TestPersistentIDs(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []PersistentID
	}{{
		name: "a torch.package storage",
		src: `
			PROTO 4
			MARK
			SHORT_BINUNICODE "storage"
			MEMOIZE
			SHORT_BINUNICODE "torch"
			SHORT_BINUNICODE "FloatStorage"
			STACK_GLOBAL
			MEMOIZE
			BININT1 0
			SHORT_BINUNICODE "cpu"
			MEMOIZE
			BININT1 6
			TUPLE
			BINPERSID
			MARK
			BINGET 0                      // the same strings, from the memo
			BINGET 1
			BININT1 1
			BINGET 2
			BININT2 300
			TUPLE
			BINPERSID
			TUPLE2
			STOP`,
		want: []PersistentID{{
			Offset: 47, Opcode: "BINPERSID",
			Tuple: []string{"storage", "torch.FloatStorage", "0", "cpu", "6"},
			Kinds: []Kind{KindString, KindGlobal, KindInt, KindString, KindInt},
		}, {
			Offset: 61, Opcode: "BINPERSID",
			Tuple: []string{"storage", "torch.FloatStorage", "1", "cpu", "300"},
			Kinds: []Kind{KindString, KindGlobal, KindInt, KindString, KindInt},
		}},
	}, {
		name: "a torch.save storage: the key is a str",
		src: `
			PROTO 2
			SHORT_BINSTRING "storage"
			GLOBAL "torch" "LongStorage"
			BINUNICODE "0"
			BINUNICODE "cuda:1"
			LONG1 12345678901234567890
			raw "\x87\x86\x85"           // TUPLE3 TUPLE2 TUPLE1, hand-nested ...
			STOP`,
		want: nil, // ... and never persisted
	}, {
		name: "PERSID's line is the ID",
		src: `
			PERSID "storage 0 cpu"
			STOP`,
		want: []PersistentID{{Offset: 0, Opcode: "PERSID", Tuple: []string{"storage 0 cpu"}, Kinds: []Kind{KindString}}},
	}, {
		name: "a single constant, other constants, and things not followed",
		src: `
			PROTO 2
			BINUNICODE "key"
			BINPERSID
			MARK
			NONE
			NEWTRUE
			INT "00"
			SHORT_BINBYTES "\x00\xff"
			LONG "-12L"
			EMPTY_LIST
			EMPTY_TUPLE
			BINFLOAT 1.5
			TUPLE
			BINPERSID
			EMPTY_DICT
			BINPERSID
			TUPLE3
			STOP`,
		want: []PersistentID{{
			Offset: 10, Opcode: "BINPERSID", Tuple: []string{"key"}, Kinds: []Kind{KindString},
		}, {
			Offset: 40, Opcode: "BINPERSID",
			Tuple: []string{"None", "True", "False", "\x00\xff", "-12", "", "", ""},
			Kinds: []Kind{KindNone, KindBool, KindBool, KindBytes, KindInt, KindOther, KindOther, KindOther},
		}, {
			Offset: 42, Opcode: "BINPERSID", Unresolved: true,
		}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Scan(asm(t, tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, info.PersistentIDs, cmpEmpty); diff != "" {
				t.Errorf("PersistentIDs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProtocolAndEnd(t *testing.T) {
	info, err := Scan([]byte("\x80\x03N.trailing"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Protocol != 3 || info.End != 4 {
		t.Errorf("Protocol, End = %d, %d; want 3, 4", info.Protocol, info.End)
	}
	info, err = Scan([]byte("N."))
	if err != nil || info.Protocol != 0 || info.End != 2 {
		t.Errorf("protocol 0: got %+v, %v", info, err)
	}
}

func TestDeepNesting(t *testing.T) {
	// A million nested tuples, built two ways; nothing recurses.
	const depth = 1 << 20
	var b strings.Builder
	b.WriteString("\x80\x02")
	b.WriteString(strings.Repeat("(", depth))
	b.WriteString("N")
	b.WriteString(strings.Repeat("t", depth))
	b.WriteString("N")
	b.WriteString(strings.Repeat("\x85", depth))
	b.WriteString("\x86.")
	if _, err := Scan([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
}
