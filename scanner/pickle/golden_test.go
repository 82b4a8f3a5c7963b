package pickle

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// pythonReport is what testdata/gen_pickles.py says about one pickle: see
// the script's docstring.
type pythonReport struct {
	Description   string       `json:"description"`
	Error         string       `json:"error"`
	Ops           []pyOp       `json:"ops"`
	Protocol      int          `json:"protocol"`
	Globals       []pyGlobal   `json:"globals"`
	PersistentIDs []pyPersID   `json:"persistent_ids"`
	Torch         *torchReport `json:"torch"`
}

// pyOp is [offset, name, [type, text] or null].
type pyOp struct {
	Pos  int
	Name string
	Arg  *[2]string
}

func (o *pyOp) UnmarshalJSON(b []byte) error {
	var raw [3]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if err := json.Unmarshal(raw[0], &o.Pos); err != nil {
		return err
	}
	if err := json.Unmarshal(raw[1], &o.Name); err != nil {
		return err
	}
	return json.Unmarshal(raw[2], &o.Arg)
}

// pyGlobal is [opcode, offset, module, name, unresolved].
type pyGlobal Global

func (g *pyGlobal) UnmarshalJSON(b []byte) error {
	var raw [5]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for i, dst := range []any{&g.Opcode, &g.Offset, &g.Module, &g.Name, &g.Unresolved} {
		if err := json.Unmarshal(raw[i], dst); err != nil {
			return err
		}
	}
	return nil
}

type pyPersID struct {
	Offset     int         `json:"offset"`
	Opcode     string      `json:"opcode"`
	Tuple      [][2]string `json:"tuple"`
	Unresolved bool        `json:"unresolved"`
}

type torchReport struct {
	Protocol int      `json:"protocol"`
	Modules  []string `json:"modules"`
	Error    string   `json:"error"`
}

// torchQuirks are the committed pickles on which Info.Modules deliberately
// differs from torch 1.13's PackageExporter.save_pickle, and why. The
// package documentation lists the same cases.
var torchQuirks = map[string]string{
	"quirk_long_binget_p4.pkl": "torch looks for an opcode named BINGET_LONG (it is LONG_BINGET), so a module name " +
		"fetched from memo index 256 or above is missed and the previous string, a dict key, is taken instead",
	"quirk_binunicode_p4.pkl": "torch follows only SHORT_BINUNICODE and BINUNICODE8 strings, so a class name of " +
		"more than 255 bytes (BINUNICODE) is missed and the string before the module name is taken as the module",
	"quirk_decoy_p4.pkl": "torch takes the last two strings seen as STACK_GLOBAL's operands; a POP in between " +
		"makes it report 'system' where the unpickler imports os",
	"quirk_unresolved_p4.pkl": "torch skips GLOBAL in protocol 4 and guesses a STACK_GLOBAL whose operands are " +
		"computed; we report the GLOBAL (builtins) and mark the STACK_GLOBAL unresolved",
	"quirk_global_p4.pkl": "torch skips GLOBAL opcodes in a protocol 4 stream; the unpickler still imports them",
}

func readReports(t *testing.T, dir string) map[string]*pythonReport {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	reports := make(map[string]*pythonReport)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r pythonReport
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		reports[strings.TrimSuffix(filepath.Base(f), ".json")+".pkl"] = &r
	}
	if len(reports) == 0 {
		t.Fatalf("no reports in %s", dir)
	}
	return reports
}

// TestCommittedPickles checks Scan against what Python said about each
// committed pickle when it was generated. It needs no Python.
func TestCommittedPickles(t *testing.T) {
	reports := readReports(t, "testdata")
	names := sortedKeys(reports)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			checkAgainstPython(t, name, data, reports[name])
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkAgainstPython compares Scan, and the instruction decoder under it,
// with pickletools and torch on one pickle.
func checkAgainstPython(t *testing.T, name string, data []byte, want *pythonReport) {
	t.Helper()
	info, err := Scan(data)
	if want.Error != "" {
		if err == nil {
			t.Fatalf("Scan succeeded; pickletools says %s", want.Error)
		}
		return
	}
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}

	// Every opcode and argument, as pickletools.genops decodes them.
	if diff := cmp.Diff(want.Ops, decodeOps(t, data), cmp.Comparer(sameArg)); diff != "" {
		t.Errorf("opcodes differ from pickletools.genops (-python +go):\n%s", diff)
	}
	if info.Protocol != want.Protocol {
		t.Errorf("Protocol = %d, pickletools says %d", info.Protocol, want.Protocol)
	}
	wantGlobals := make([]Global, len(want.Globals))
	for i, g := range want.Globals {
		wantGlobals[i] = Global(g)
	}
	if diff := cmp.Diff(wantGlobals, info.Globals, cmpEmpty); diff != "" {
		t.Errorf("Globals differ from the pickletools stack simulation (-python +go):\n%s", diff)
	}
	if diff := cmp.Diff(want.PersistentIDs, persIDsAsPython(info.PersistentIDs), cmpEmpty); diff != "" {
		t.Errorf("PersistentIDs differ (-python +go):\n%s", diff)
	}

	// The modules torch 1.13 records for the pickle.
	if want.Torch == nil {
		return
	}
	why, quirk := torchQuirks[name]
	got := info.Modules()
	switch {
	case want.Torch.Error != "" && !quirk:
		t.Errorf("torch's scan failed with %s; Modules() = %q", want.Torch.Error, got)
	case quirk:
		if cmp.Equal(want.Torch.Modules, got, cmpEmpty) {
			t.Errorf("expected a documented difference from torch (%s), but both say %q", why, got)
		}
		t.Logf("torch 1.13 says %q, we say %q: %s", want.Torch.Modules, got, why)
	default:
		if diff := cmp.Diff(want.Torch.Modules, got, cmpEmpty); diff != "" {
			t.Errorf("Modules() differs from torch 1.13's save_pickle (-torch +go):\n%s", diff)
		}
	}
}

var cmpEmpty = cmpopts.EquateEmpty()

func persIDsAsPython(ps []PersistentID) []pyPersID {
	out := make([]pyPersID, 0, len(ps))
	for _, p := range ps {
		q := pyPersID{Offset: p.Offset, Opcode: p.Opcode, Unresolved: p.Unresolved}
		for i, s := range p.Tuple {
			if p.Kinds[i] == KindBytes {
				s = hex.EncodeToString([]byte(s))
			}
			q.Tuple = append(q.Tuple, [2]string{p.Kinds[i].String(), s})
		}
		out = append(out, q)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// sameArg compares arguments, floats by value.
func sameArg(a, b *[2]string) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a[0] == "float" && b[0] == "float" {
		x, err1 := strconv.ParseFloat(a[1], 64)
		y, err2 := strconv.ParseFloat(b[1], 64)
		return err1 == nil && err2 == nil && (x == y || math.IsNaN(x) && math.IsNaN(y))
	}
	return *a == *b
}

// decodeOps lists the instructions of data in the shape of gen_pickles.py's
// "ops": what pickletools.genops yields.
func decodeOps(t *testing.T, data []byte) []pyOp {
	t.Helper()
	m := newMachine(data, false)
	var out []pyOp
	for {
		in, err := m.r.next()
		if err != nil {
			t.Fatalf("decoding: %v", err)
		}
		out = append(out, pyOp{Pos: in.pos, Name: in.op.name, Arg: m.argAsPython(in)})
		stop, err := m.step(in)
		if err != nil {
			t.Fatalf("decoding: %v", err)
		}
		if stop {
			return out
		}
	}
}

func (m *machine) argAsPython(in instr) *[2]string {
	arg := m.data[in.a:in.b]
	tag := func(typ, s string) *[2]string { return &[2]string{typ, s} }
	switch in.op.arg {
	case argNone:
		return nil
	case argUint1, argUint2, argInt4, argUint4:
		return tag("int", strconv.FormatInt(in.n, 10))
	case argUint8:
		return tag("int", strconv.FormatUint(uint64(in.n), 10))
	case argFloat8:
		return tag("float", strconv.FormatFloat(float8(arg), 'g', -1, 64))
	case argFloatnl:
		f, _ := parsePyFloat(arg)
		return tag("float", strconv.FormatFloat(f, 'g', -1, 64))
	case argDecimalnlShort:
		switch string(arg) {
		case "00":
			return tag("bool", "False")
		case "01":
			return tag("bool", "True")
		}
		return tag("int", m.int(in.pos).String())
	case argDecimalnlLong, argLong1, argLong4:
		return tag("int", m.int(in.pos).String())
	case argMemoIndexnl:
		v, _ := parsePyInt(arg, false)
		return tag("int", v.String())
	case argStringnlNoescape:
		return tag("str", string(arg))
	case argStringnlPair:
		return tag("str", string(arg)+" "+string(m.data[in.c:in.d]))
	case argStringnl, argUnicodestringnl, argString1, argString4, argUnicodestring1, argUnicodestring4, argUnicodestring8:
		return tag("str", m.str(in.pos))
	case argBytes1, argBytes4, argBytes8:
		return tag("bytes", hex.EncodeToString(arg))
	}
	panic(fmt.Sprintf("no Python form for %s", in.op.name))
}
