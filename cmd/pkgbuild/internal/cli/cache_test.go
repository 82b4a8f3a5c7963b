package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A rebuild of an unchanged tree is a no-op: the same digest, and the
// output is not rewritten (its modification time stays). Touching an input
// without changing it moves the output's time forward, so make and ninja
// see it as current; changing an input rebuilds; a damaged cache is
// ignored.
func TestNoOpRebuild(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, example, dir)
	manifest := filepath.Join(dir, "pkgbuild.toml")
	out := filepath.Join(dir, "build", "tinynet.pt")
	cacheDir := filepath.Join(t.TempDir(), "cache")
	args := []string{"-m", manifest, "-o", out, "--cache-dir", cacheDir}

	first := build(t, args...)
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(out, past, past); err != nil {
		t.Fatal(err)
	}
	// Inputs and the output must be older than the cache's racy window for
	// a stat to vouch for them; set them all an hour back.
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		return os.Chtimes(p, past.Add(-time.Minute), past.Add(-time.Minute))
	})
	os.Chtimes(out, past, past)
	build(t, args...) // records the stats

	mtime := func() time.Time {
		st, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		return st.ModTime()
	}
	before := mtime()
	if d := build(t, args...); d != first {
		t.Fatalf("no-op rebuild printed %s, want %s", d, first)
	}
	if !mtime().Equal(before) {
		t.Errorf("a no-op rebuild changed the output's modification time")
	}

	src := filepath.Join(dir, "src", "tinynet", "layers.py")
	now := time.Now()
	os.Chtimes(src, now, now)
	if d := build(t, args...); d != first {
		t.Fatalf("touching a source changed the digest: %s", d)
	}
	if !mtime().After(before) {
		t.Errorf("touching a source did not move the output's time forward (make would rebuild forever)")
	}

	data, _ := os.ReadFile(src)
	os.WriteFile(src, append(data, []byte("\n# changed\n")...), 0o644)
	if d := build(t, args...); d == first {
		t.Errorf("changing a source did not change the digest")
	}

	// Damage every cache entry: the build must still be right.
	filepath.Walk(cacheDir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && !strings.HasSuffix(p, ".txt") && !strings.HasSuffix(p, "CACHEDIR.TAG") && !strings.HasSuffix(p, "README") {
			os.WriteFile(p, []byte("garbage"), 0o644)
		}
		return nil
	})
	os.WriteFile(src, data, 0o644)
	if d := build(t, args...); d != first {
		t.Errorf("with a damaged cache the build gave %s, want %s", d, first)
	}
}

// A cache that cannot be written (a read-only HOME, a Bazel sandbox) is a
// one-line warning, never a failure.
func TestUnwritableCacheWarns(t *testing.T) {
	out := filepath.Join(t.TempDir(), "t.pt")
	code, stdout, stderr := run(t, "build", "-m", example+"/pkgbuild.toml", "-o", out, "--cache-dir", "/proc/no-such-cache")
	if code != 0 || !strings.Contains(stdout, "sha256:") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "cache") {
		t.Errorf("want one warning line about the cache, got:\n%s", stderr)
	}
}
