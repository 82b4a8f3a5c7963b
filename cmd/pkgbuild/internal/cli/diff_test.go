package cli_test

import (
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
