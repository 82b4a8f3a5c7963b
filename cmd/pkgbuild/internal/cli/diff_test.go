package cli_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

func TestDiffOfTwoTorchPackages(t *testing.T) {
	code, stdout, stderr := pkgbuildIn(t, "diff", "torch113.pt", "torch113_changed.pt")
	// Top folders differ (torch113/, torch113_changed/): records compare
	// below them.
	want := `extern   - json
extern   + math
module   - _mock  (_mock.py)
module   - module_a  (module_a.py)
module   + module_b  (module_b.py)
module   ~ package_a.subpackage  (package_a/subpackage.py)
module   - package_m  (package_m/__init__.py)
resource ~ main/main  (9 -> 15 bytes)
pickle   ~ obj/obj.pkl  (56 -> 37 bytes; globals +package_a.subpackage.Other -package_a.subpackage.PackageASubpackageObject)

--- a/package_a/subpackage.py
+++ b/package_a/subpackage.py
@@ -1,13 +1,15 @@
-import json
+import math
 
-import package_m
+result = "package_a.subpackage, changed"
 
-result = "package_a.subpackage"
 
-
 class PackageASubpackageObject:
     pass
 
 
+class Other:
+    pass
+
+
 def leaf_function(a, b):
-    return a + b
+    return math.fsum([a, b])

--- a/main/main
+++ b/main/main
@@ -1 +1 @@
-my string
\ No newline at end of file
+my other string
\ No newline at end of file
`
	if code != cli.ExitPackage || stderr != "" {
		t.Errorf("exit %d, stderr %q; want 1", code, stderr)
	}
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDiffTorch2xLayout(t *testing.T) {
	// torch 2.x adds two records when it closes an archive.
	code, stdout, _ := pkgbuildIn(t, "diff", "torch113.pt", "torch2x.pt")
	want := "resource + .data/serialization_id  (40 bytes)\nresource + byteorder  (6 bytes)\n"
	if code != cli.ExitPackage || stdout != want {
		t.Errorf("exit %d, stdout %q; want 1 and %q", code, stdout, want)
	}
}

func TestDiffIdentical(t *testing.T) {
	code, stdout, stderr := pkgbuildIn(t, "diff", "evil.pt", "evil.pt")
	if code != cli.ExitOK || stdout != "" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and no output", code, stdout, stderr)
	}
	// The same records under another top folder, stored in another
	// order by another zip writer: identical.
	other := hostileZip(t,
		[2]string{"renamed/.data/version", "6\n"},
		[2]string{"renamed/evil/eval.pkl", catRecord(t, "evil.pt", "evil/eval.pkl")},
		[2]string{"renamed/evil/shell.pkl", catRecord(t, "evil.pt", "evil/shell.pkl")},
		[2]string{"renamed/.data/extern_modules", "posix\nbuiltins\n"},
		[2]string{"renamed/.data/python_version", "3.11.2"},
	)
	if code, stdout, _ := pkgbuildIn(t, "diff", other, "evil.pt"); code != cli.ExitOK {
		t.Errorf("same records, other top folder and order: exit %d\n%s", code, stdout)
	}
	// Externs compare as a set; another order is a change of the record.
	reordered := hostileZip(t,
		[2]string{"e/evil/shell.pkl", catRecord(t, "evil.pt", "evil/shell.pkl")},
		[2]string{"e/evil/eval.pkl", catRecord(t, "evil.pt", "evil/eval.pkl")},
		[2]string{"e/.data/extern_modules", "builtins\nposix\n"},
		[2]string{"e/.data/python_version", "3.11.2"},
		[2]string{"e/.data/version", "6\n"},
	)
	code, stdout, _ = pkgbuildIn(t, "diff", "evil.pt", reordered)
	want := "resource ~ .data/extern_modules  (the same modules in another order, or other blank lines)\n"
	if code != cli.ExitPackage || stdout != want {
		t.Errorf("reordered externs: exit %d, stdout %q; want %q", code, stdout, want)
	}
}

// diff --json says the same as the text, as data: each change with its
// kind, op, name, detail and unified diff, and whether the archives are
// the same. The exit codes do not change.
func TestDiffJSON(t *testing.T) {
	type change struct{ Kind, Op, Name, Detail, Diff string }
	type result struct {
		A, B    string
		Same    bool
		Changes []change
	}
	decode := func(stdout string) result {
		t.Helper()
		var r result
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("diff --json printed no JSON object: %v\n%s", err, stdout)
		}
		return r
	}

	code, stdout, stderr := pkgbuildIn(t, "diff", "--json", "torch113.pt", "torch113_changed.pt")
	if code != cli.ExitPackage || stderr != "" {
		t.Errorf("exit %d, stderr %q; want 1", code, stderr)
	}
	r := decode(stdout)
	_, text, _ := pkgbuildIn(t, "diff", "torch113.pt", "torch113_changed.pt")
	var lines []string
	for _, ch := range r.Changes {
		line := fmt.Sprintf("%-8s %s %s", ch.Kind, ch.Op, ch.Name)
		if ch.Detail != "" {
			line += "  (" + ch.Detail + ")"
		}
		lines = append(lines, line)
	}
	if diff := cmp.Diff(strings.Join(lines, "\n"), strings.Join(strings.Split(text, "\n")[:len(lines)], "\n")); diff != "" {
		t.Errorf("the JSON changes are not the text's lines (-json +text):\n%s", diff)
	}
	if r.A != "torch113.pt" || r.B != "torch113_changed.pt" || r.Same || len(r.Changes) != 9 {
		t.Errorf("a %q, b %q, same %v, %d changes; want the two paths, false and 9", r.A, r.B, r.Same, len(r.Changes))
	}
	for _, ch := range r.Changes {
		if ch.Name == "package_a.subpackage" && !strings.HasPrefix(ch.Diff, "--- a/package_a/subpackage.py\n") {
			t.Errorf("the changed module's diff is %q", ch.Diff)
		}
	}

	code, stdout, _ = pkgbuildIn(t, "diff", "--json", "evil.pt", "evil.pt")
	if r := decode(stdout); code != cli.ExitOK || !r.Same || r.Changes == nil || len(r.Changes) != 0 {
		t.Errorf("identical archives: exit %d, %+v; want 0, same, and an empty list of changes", code, r)
	}
}

func catRecord(t *testing.T, pkg, path string) string {
	t.Helper()
	code, stdout, stderr := pkgbuildIn(t, "cat", pkg, path)
	if code != cli.ExitOK {
		t.Fatalf("cat %s %s: %s", pkg, path, stderr)
	}
	return stdout
}

func TestDiffUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"diff", "evil.pt"}, cli.ExitUsage, "want two packages"},
		{[]string{"diff", "evil.pt", "missing.pt"}, cli.ExitIO, "missing.pt: no such file or folder"},
		{[]string{"diff", "--help"}, cli.ExitOK, "pkgbuild diff old/model.pt new/model.pt"},
	} {
		code, stdout, stderr := pkgbuildIn(t, tc.args...)
		if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("pkgbuild %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, stdout, stderr, tc.code, tc.want)
		}
	}
}
