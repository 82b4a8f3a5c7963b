package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

func TestAuditFlagsCodeExecution(t *testing.T) {
	code, stdout, stderr := pkgbuildIn(t, "audit", "evil.pt")
	// One line per finding: "PICKLE: module.name: reason".
	want := `evil/shell.pkl: posix.system: dangerous: runs commands or replaces the process
evil/eval.pkl: builtins.eval: dangerous: evaluates code, imports, opens files or reaches any attribute
`
	if code != cli.ExitPackage || stderr != "" {
		t.Errorf("exit %d, stderr %q; want 1", code, stderr)
	}
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// --allow suppresses one global at a time.
	code, stdout, _ = pkgbuildIn(t, "audit", "evil.pt", "--allow", "builtins.eval")
	if code != cli.ExitPackage || strings.Contains(stdout, "builtins.eval") || !strings.Contains(stdout, "posix.system") {
		t.Errorf("--allow builtins.eval: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = pkgbuildIn(t, "audit", "--allow", "builtins.eval", "--allow", "posix.system", "evil.pt")
	if code != cli.ExitOK || stdout != "" {
		t.Errorf("everything allowed: exit %d, stdout %q; want 0 and nothing", code, stdout)
	}
}

func TestAuditCleanPackages(t *testing.T) {
	for _, pkg := range []string{"torch113.pt", "torch113_changed.pt", "torch2x.pt"} {
		code, stdout, stderr := pkgbuildIn(t, "audit", pkg)
		if code != cli.ExitOK || stdout != "" || stderr != "" {
			t.Errorf("audit %s: exit %d, stdout %q, stderr %q; want 0 and nothing", pkg, code, stdout, stderr)
		}
	}
}

// Hand-made pickles hide their imports in ways a naive scan misses.
func TestAuditHostilePickles(t *testing.T) {
	pkg := hostileZip(t, append([][2]string{
		// STACK_GLOBAL whose operands come back from the memo after
		// being popped: "os" and "system" are never adjacent to it.
		{"t/memo.pkl", "\x80\x04\x8c\x02os\x94\x8c\x06system\x94" + "00" + "h\x00h\x01" + "\x93."},
		// Operands computed by REDUCE: unknowable without running it.
		{"t/computed.pkl", "\x80\x04cbuiltins\nstr\n\x8c\x02os\x85R\x8c\x06system\x93."},
		// Not named .pkl, but load_pickle would load it.
		{"t/weights.bin", "\x80\x02csubprocess\ncheck_output\n."},
		// A class from a module the package does not have.
		{"t/model.pkl", "\x80\x03cmymodel\nNet\n)\x81."},
	}, minimal...)...)
	code, stdout, _ := pkgbuildIn(t, "audit", pkg)
	want := `memo.pkl: os.system: dangerous: runs commands or replaces the process
memo.pkl: os.system: module os is neither in the package nor extern: PackageImporter cannot import it
computed.pkl: STACK_GLOBAL whose module and name are computed while loading: they cannot be known without running the pickle (offset 30)
weights.bin: subprocess.check_output: dangerous: runs commands or replaces the process
weights.bin: subprocess.check_output: module subprocess is neither in the package nor extern: PackageImporter cannot import it
model.pkl: mymodel.Net: module mymodel is neither in the package nor extern: PackageImporter cannot import it
`
	if code != cli.ExitPackage {
		t.Errorf("exit %d, want 1", code)
	}
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAuditReportsWhatPackageImporterRefuses(t *testing.T) {
	pkg := hostileZip(t, [2]string{"t/a.py", ""}, [2]string{"t/a/b.py", ""}, [2]string{"t/.data/version", "11\n"})
	code, stdout, _ := pkgbuildIn(t, "audit", pkg)
	want := `.data/extern_modules: missing: PackageImporter reads it on open (PytorchStreamReader failed locating file .data/extern_modules: file not found)
.data/version: version 11 is above the maximum supported version for reading, 10
a/b.py: inconsistent module structure: module a is not a package, but has submodules
`
	if code != cli.ExitPackage {
		t.Errorf("exit %d, want 1", code)
	}
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAuditJSON(t *testing.T) {
	code, stdout, _ := pkgbuildIn(t, "audit", "--json", "torch113.pt")
	if code != cli.ExitOK {
		t.Fatalf("exit %d", code)
	}
	var got struct {
		Path     string
		Findings []any
		Pickles  []struct {
			Record   string
			Protocol int
			Globals  []struct {
				Module, Name, Opcode, Origin, Dangerous string
				Offset                                  int
			}
			PersistentIDs []struct{ ID string } `json:"persistent_ids"`
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if got.Path != "torch113.pt" || got.Findings == nil || len(got.Findings) != 0 || len(got.Pickles) != 2 {
		t.Fatalf("path %q, findings %v, %d pickles", got.Path, got.Findings, len(got.Pickles))
	}
	obj, tensors := got.Pickles[0], got.Pickles[1]
	if obj.Record != "obj/obj.pkl" || obj.Globals[0].Module != "package_a.subpackage" || obj.Globals[0].Origin != "package" {
		t.Errorf("obj.pkl: %+v", obj)
	}
	if tensors.Protocol != 3 || len(tensors.Globals) != 3 || tensors.Globals[1].Name != "FloatStorage" || tensors.Globals[1].Origin != "extern" {
		t.Errorf("t.pkl: %+v", tensors)
	}
	if len(tensors.PersistentIDs) != 1 || tensors.PersistentIDs[0].ID != `("storage", torch.FloatStorage, 0, "cpu", 6)` {
		t.Errorf("t.pkl persistent IDs: %+v", tensors.PersistentIDs)
	}
}

func TestAuditUsage(t *testing.T) {
	code, stdout, _ := pkgbuildIn(t, "audit", "--help")
	if code != cli.ExitOK || !strings.Contains(stdout, "pkgbuild audit --allow builtins.getattr --json model.pt") {
		t.Errorf("--help: exit %d\n%s", code, stdout)
	}
	if code, _, _ := pkgbuildIn(t, "audit"); code != cli.ExitUsage {
		t.Errorf("no PKG: exit %d, want 2", code)
	}
}
