package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

// lock writes pkgbuild.lock; check passes while it is current, fails with
// exit 4 and a diff when a source changes, and with exit 2 when the lock
// was merged with conflict markers or comes from a newer pkgbuild.
func TestLockAndCheck(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, example, dir)
	m := filepath.Join(dir, "pkgbuild.toml")
	lockFile := filepath.Join(dir, "pkgbuild.lock")

	if code, _, stderr := run(t, "lock", "-m", m); code != cli.ExitOK {
		t.Fatalf("lock: exit %d\n%s", code, stderr)
	}
	lock, err := os.ReadFile(lockFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"module intern tinynet.serve sha256:", "module mock tinynet.training\n", "pickle tinynet/config.pkl sha256:", "resource tinynet/assets/vocab.txt sha256:"} {
		if !strings.Contains(string(lock), want) {
			t.Errorf("the lock lacks %q:\n%s", want, lock)
		}
	}
	if code, stdout, stderr := run(t, "check", "-m", m); code != cli.ExitOK {
		t.Fatalf("check of a current lock: exit %d\n%s%s", code, stdout, stderr)
	}

	src := filepath.Join(dir, "src", "tinynet", "layers.py")
	data, _ := os.ReadFile(src)
	os.WriteFile(src, append(data, "\n# tuned\n"...), 0o644)
	code, stdout, stderr := run(t, "check", "-m", m)
	if code != cli.ExitOutdated || !strings.Contains(stdout, "-module intern tinynet.layers sha256:") || !strings.Contains(stderr, "pkgbuild lock") {
		t.Errorf("check of a stale lock: exit %d, want 4 with a diff\n%s%s", code, stdout, stderr)
	}

	for name, edit := range map[string]string{
		"conflict markers": strings.Replace(string(lock), "module extern", "<<<<<<< ours\nmodule extern", 1),
		"newer version":    strings.Replace(string(lock), "version 1", "version 2", 1),
	} {
		os.WriteFile(lockFile, []byte(edit), 0o644)
		if code, _, stderr := run(t, "check", "-m", m); code != cli.ExitUsage || !strings.Contains(stderr, "pkgbuild.lock:") {
			t.Errorf("%s: exit %d, want 2 naming the lock's line\n%s", name, code, stderr)
		}
	}
}
