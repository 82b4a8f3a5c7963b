package cli_test

import (
	"strings"
	"testing"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

func TestCatPrintsRawBytes(t *testing.T) {
	for _, tc := range []struct{ pkg, path, want string }{
		{"torch113.pt", "main/main", "my string"},
		{"torch113.pt", "main/main_binary", "\x00\x01binary"},
		{"torch113.pt", ".data/extern_modules", "json\ntorch._utils\ntorch\ncollections\n"},
		{"torch113.pt", ".data/version", "6\n"},
		// Records torch 2.x adds.
		{"torch2x.pt", "byteorder", "little"},
		{"torch2x.pt", ".data/serialization_id", "0000000000000000004200000000003735928559"},
	} {
		code, stdout, stderr := pkgbuildIn(t, "cat", tc.pkg, tc.path)
		if code != cli.ExitOK || stdout != tc.want || stderr != "" {
			t.Errorf("cat %s: exit %d, stdout %q, stderr %q; want %q", tc.path, code, stdout, stderr, tc.want)
		}
	}
}

func TestCatPickle(t *testing.T) {
	// Flags may follow the positional arguments.
	code, stdout, stderr := pkgbuildIn(t, "cat", "torch113.pt", "tensors/t.pkl", "--pickle")
	if code != cli.ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// The disassembly, then what the pickle imports and loads from outside.
	for _, want := range []string{
		"      13: GLOBAL             torch._utils _rebuild_tensor_v2\n",
		`# persistent ID ("storage", torch.FloatStorage, 0, "cpu", 6)`,
		"     156: end of pickle, protocol 3",
		"\nglobals (3):\n" +
			"  torch._utils._rebuild_tensor_v2  GLOBAL at offset 13  [extern]\n" +
			"  torch.FloatStorage  GLOBAL at offset 64  [extern]\n" +
			"  collections.OrderedDict  GLOBAL at offset 117  [extern]\n" +
			"persistent IDs (1):\n" +
			"  (\"storage\", torch.FloatStorage, 0, \"cpu\", 6)  BINPERSID at offset 103\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("cat --pickle: output lacks %q:\n%s", want, stdout)
		}
	}

	// A dangerous global is named as such; nothing runs.
	_, stdout, _ = pkgbuildIn(t, "cat", "--pickle", "evil.pt", "evil/shell.pkl")
	want := "  posix.system  STACK_GLOBAL at offset 28  [extern; dangerous: runs commands or replaces the process]\n"
	if !strings.Contains(stdout, want) {
		t.Errorf("cat --pickle evil/shell.pkl lacks %q:\n%s", want, stdout)
	}
}

func TestCatErrors(t *testing.T) {
	bad := hostileZip(t, append([][2]string{{"t/bad.pkl", "\x80\x04\x8c\x02os\x93."}}, minimal...)...)
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{[]string{"cat", "torch113.pt", "nope"}, cli.ExitIO, "", `has no record "nope"; 'pkgbuild ls torch113.pt' lists the records`},
		{[]string{"cat", "torch113.pt", "package_a"}, cli.ExitIO, "", `it is a folder; 'pkgbuild ls --include "package_a/**" torch113.pt' lists it`},
		{[]string{"cat", "torch113.pt"}, cli.ExitUsage, "", "want PKG and PATH"},
		{[]string{"cat", "--help"}, cli.ExitOK, "pkgbuild cat --pickle model.pt model/model.pkl", ""},
		// A malformed pickle is disassembled up to the fault.
		{[]string{"cat", "--pickle", bad, "bad.pkl"}, cli.ExitIO, "       6: error: STACK_GLOBAL: stack underflow", "bad.pkl: pickle: offset 6"},
	} {
		code, stdout, stderr := pkgbuildIn(t, tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.out) || !strings.Contains(stderr, tc.err) {
			t.Errorf("pkgbuild %s: exit %d, stdout %q, stderr %q; want exit %d, %q, %q", strings.Join(tc.args, " "), code, stdout, stderr, tc.code, tc.out, tc.err)
		}
	}
}
