package reader

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// p builds a pickle from opcodes written out by hand.
func p(parts ...string) []byte {
	var b []byte
	for _, s := range parts {
		b = append(b, s...)
	}
	return b
}

// str is SHORT_BINUNICODE s.
func str(s string) string { return "\x8c" + string(rune(len(s))) + s }

func auditFindings(t *testing.T, recs []zipRec, allow ...string) []string {
	t.Helper()
	b, _ := makeZip(recs, true)
	a, err := openBytes(t, b)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Audit(a, allow)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.String())
	}
	return out
}

func TestAuditSamples(t *testing.T) {
	for _, sample := range []string{sample113, sample2x, sampleChanged} {
		rep, err := Audit(open(t, sample), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 0 || len(rep.Pickles) != 2 {
			t.Errorf("%s: %d pickles, findings %v; want 2 pickles and no findings", sample, len(rep.Pickles), rep.Findings)
		}
	}
	rep, err := Audit(open(t, sampleEvil), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.String())
	}
	want := []string{
		// __reduce__ returning os.system pickles as posix.system: a
		// STACK_GLOBAL in protocol 4, its operands memoized.
		"evil/shell.pkl: posix.system: dangerous: runs commands or replaces the process",
		"evil/eval.pkl: builtins.eval: dangerous: evaluates code, imports, opens files or reaches any attribute",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("evil.pt (-want +got):\n%s", diff)
	}
	// posix and builtins are extern (torch externs the standard library
	// implicitly), so neither is reported as missing.
	if o := rep.Pickles[0].Globals[0].Origin; o != Extern {
		t.Errorf("posix: origin %v, want extern", o)
	}
}

func TestAuditHandMadePickles(t *testing.T) {
	const stop = "."
	for _, tc := range []struct {
		name   string
		pickle []byte
		extra  []zipRec
		allow  []string
		want   []string
	}{
		{
			"STACK_GLOBAL through the memo",
			// "os" and "system" are memoized, popped, and fetched back
			// with BINGET just before STACK_GLOBAL.
			p("\x80\x04", str("os"), "\x94", str("system"), "\x94", "00", "h\x00h\x01", "\x93", stop),
			nil, nil,
			[]string{
				"x.pkl: os.system: dangerous: runs commands or replaces the process",
				"x.pkl: os.system: module os is neither in the package nor extern: PackageImporter cannot import it",
			},
		},
		{
			"allowed",
			p("\x80\x04", str("os"), str("system"), "\x93", stop),
			nil, []string{"os.system"},
			nil,
		},
		{
			"unresolvable STACK_GLOBAL",
			// The module name is built by REDUCE (str("os")).
			p("\x80\x04", "cbuiltins\nstr\n", str("os"), "\x85R", str("system"), "\x93", stop),
			nil, nil,
			[]string{"x.pkl: STACK_GLOBAL whose module and name are computed while loading: they cannot be known without running the pickle (offset 30)"},
		},
		{
			"INST, protocol 0",
			p("(S'echo'\n", "isubprocess\ncall\n", stop),
			nil, nil,
			[]string{
				"x.pkl: subprocess.call: dangerous: runs commands or replaces the process",
				"x.pkl: subprocess.call: module subprocess is neither in the package nor extern: PackageImporter cannot import it",
			},
		},
		{
			"Python 2 names, protocol 2",
			// The unpickler renames __builtin__ to builtins, which
			// PackageImporter allows implicitly.
			p("\x80\x02", "c__builtin__\ngetattr\n", stop),
			nil, nil,
			[]string{"x.pkl: builtins.getattr: dangerous: evaluates code, imports, opens files or reaches any attribute"},
		},
		{
			"a module of the package",
			p("\x80\x03", "cmodel\nNet\n", ")\x81", stop),
			[]zipRec{{name: "model.py", data: []byte("class Net: pass\n")}}, nil,
			nil,
		},
		{
			"a module nobody provides",
			p("\x80\x03", "cmodel\nNet\n", ")\x81", stop),
			nil, nil,
			[]string{"x.pkl: model.Net: module model is neither in the package nor extern: PackageImporter cannot import it"},
		},
		{
			"storage that is not there",
			p("\x80\x02", "(", str("storage"), "ctorch\nFloatStorage\n", "K\x07", str("cpu"), "K\x01", "t", "Q", stop),
			[]zipRec{{name: ".data/0.storage", data: make([]byte, 4)}}, nil,
			[]string{
				"x.pkl: torch.FloatStorage: module torch is neither in the package nor extern: PackageImporter cannot import it",
				`x.pkl: persistent ID ("storage", torch.FloatStorage, 7, "cpu", 1) at offset 42: the record .data/7.storage is missing`,
			},
		},
		{
			"unknown persistent ID",
			p("\x80\x02", str("what"), "\x85", "Q", stop),
			nil, nil,
			[]string{`x.pkl: persistent ID ("what",) at offset 9: unknown type "what" (PackageImporter knows storage and reduce_package)`},
		},
		{
			"malformed",
			p("\x80\x04", str("os"), "\x93", stop),
			nil, nil,
			[]string{"x.pkl: malformed pickle: pickle: offset 6: STACK_GLOBAL: stack underflow: needs 2 object(s), the stack has 1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := torchRecs("top", append([]zipRec{{name: "x.pkl", data: tc.pickle}}, tc.extra...)...)
			got := auditFindings(t, recs, tc.allow...)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A pickle does not need a .pkl name: load_pickle loads any record.
func TestAuditSniffsPickles(t *testing.T) {
	recs := torchRecs("top",
		zipRec{name: "model/weights.bin", data: p("\x80\x04", str("os"), str("system"), "\x93", ".")},
		zipRec{name: ".data/0.storage", data: p("\x80\x04", str("os"), str("system"), "\x93", ".")}, // tensor bytes
		zipRec{name: "blob", data: []byte("\x80\x04 not a pickle")},
		zipRec{name: ".data/ts_code/0/data.pkl", data: p("\x80\x02", "c__torch__\nNet\n", ")\x81", ".")},
	)
	want := []string{
		"model/weights.bin: os.system: dangerous: runs commands or replaces the process",
		"model/weights.bin: os.system: module os is neither in the package nor extern: PackageImporter cannot import it",
	}
	if diff := cmp.Diff(want, auditFindings(t, recs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAuditReportsCheck(t *testing.T) {
	recs := []zipRec{{name: "top/a.py"}, {name: "top/a/b.py"}, {name: "top/.data/version", data: []byte("6\n")}}
	want := []string{
		".data/extern_modules: missing: PackageImporter reads it on open (PytorchStreamReader failed locating file .data/extern_modules: file not found)",
		"a/b.py: inconsistent module structure: module a is not a package, but has submodules",
	}
	if diff := cmp.Diff(want, auditFindings(t, recs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDangerous(t *testing.T) {
	for _, tc := range []struct {
		module, name string
		dangerous    bool
	}{
		{"os", "system", true},
		{"os.path", "join", true}, // a whole module covers its submodules
		{"nt", "system", true},
		{"posix", "system", true},
		{"subprocess", "Popen", true},
		{"builtins", "eval", true},
		{"builtins", "exec", true},
		{"builtins", "__import__", true},
		{"builtins", "getattr", true},
		{"builtins", "set", false},
		{"builtins", "slice", false},
		{"pty", "spawn", true},
		{"runpy", "_run_code", true},
		{"importlib", "import_module", true},
		{"pickle", "loads", true},
		{"marshal", "loads", true},
		{"shutil", "rmtree", true},
		{"socket", "create_connection", true},
		{"webbrowser", "open", true},
		{"code", "InteractiveInterpreter.runcode", true},
		{"functools", "partial", true},
		{"functools", "lru_cache", false},
		{"operator", "attrgetter", true},
		{"operator", "add", false},
		{"torch", "load", true},
		{"torch", "FloatStorage", false},
		{"torch._utils", "_rebuild_tensor_v2", false},
		{"torch._dynamo.guards", "GuardBuilder.get", true},
		{"torch.nn.modules.linear", "Linear", false},
		{"collections", "OrderedDict", false},
		{"numpy.core.multiarray", "_reconstruct", false},
		{"ossify", "x", false}, // a prefix of the name is not the module
	} {
		if got := Dangerous(tc.module, tc.name) != ""; got != tc.dangerous {
			t.Errorf("Dangerous(%s, %s) = %v, want %v", tc.module, tc.name, got, tc.dangerous)
		}
	}
}
