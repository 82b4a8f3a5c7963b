package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkgbuild/pkgbuild/cache"
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

// An output written into a folder the build lists (beside the sources, or
// in the root itself) still gives no-op rebuilds: the folder is hashed as
// it is once the output is in place, not while the temporary file is.
func TestOutputInsideAListedFolder(t *testing.T) {
	for _, rel := range []string{"src/tinynet/model.pt", "src/model.pt"} {
		t.Run(rel, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, example, dir)
			out := filepath.Join(dir, rel)
			args := []string{"-m", filepath.Join(dir, "pkgbuild.toml"), "-o", out, "--cache-dir", t.TempDir()}
			first := build(t, args...)
			past := time.Now().Add(-time.Hour)
			filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
				return os.Chtimes(p, past, past)
			})
			build(t, args...) // the folder now lists the output; records the stats
			st, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if d := build(t, args...); d != first {
					t.Fatalf("rebuild %d printed %s, want %s", i, d, first)
				}
				now, err := os.Stat(out)
				if err != nil {
					t.Fatal(err)
				}
				if !now.ModTime().Equal(st.ModTime()) {
					t.Fatalf("rebuild %d rewrote the output: the folder holding it was hashed with something else in it", i)
				}
			}
		})
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

// A build whose changed sources scan exactly as before (same imports, at
// the same lines) writes the archive from the last build's layout without
// resolving: early cutoff. Any other change resolves again. Either way the
// archive is the one a build without a cache writes, and the warnings are
// printed every time.
func TestEarlyCutoff(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, example, dir)
	manifest := filepath.Join(dir, "pkgbuild.toml")
	out := filepath.Join(dir, "build", "tinynet.pt")
	args := []string{"build", "-m", manifest, "-o", out, "--cache-dir", filepath.Join(t.TempDir(), "cache"), "--explain"}
	src := filepath.Join(dir, "src", "tinynet", "layers.py")
	original, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// A module that warns, so that replayed warnings can be checked.
	warns := filepath.Join(dir, "src", "tinynet", "paths.py")
	os.WriteFile(warns, []byte("import os\nHERE = os.path.dirname(__file__)\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "src", "tinynet", "__init__.py"),
		append(readFile(t, filepath.Join(dir, "src", "tinynet", "__init__.py")), "from . import paths\n"...), 0o644)
	if code, _, stderr := run(t, args...); code != 0 {
		t.Fatalf("first build: exit %d\n%s", code, stderr)
	}

	for _, step := range []struct {
		name   string
		source string
		cutoff bool
	}{
		{"comment appended", string(original) + "\n# a comment\n", true},
		{"function body grown at the end", string(original) + "\n\ndef helper():\n    return 1\n", true},
		{"back to the original", string(original), true},
		{"import added", string(original) + "\nimport math\n", false},
		{"a line inserted above the imports", "# a header\n" + string(original), false},
		{"back again", string(original), false},
	} {
		t.Run(step.name, func(t *testing.T) {
			if err := os.WriteFile(src, []byte(step.source), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := run(t, args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if got := strings.Contains(stderr, "early cutoff"); got != step.cutoff {
				t.Errorf("early cutoff: %v, want %v\n%s", got, step.cutoff, stderr)
			}
			// The records before layers.py come from the last archive,
			// whether the build cut off or resolved the graph again.
			if copied := recordsCopied.FindStringSubmatch(stderr); copied == nil || copied[1] == "0" {
				t.Errorf("the archive was written whole; it should start from the last one\n%s", stderr)
			}
			if !strings.Contains(stderr, "paths.py:2") {
				t.Errorf("the warning about paths.py was not printed:\n%s", stderr)
			}
			fresh := filepath.Join(t.TempDir(), "tinynet.pt")
			if want := build(t, "-m", manifest, "-o", fresh, "--no-cache"); !strings.Contains(stdout, want) {
				t.Errorf("digest: %s, a build without the cache gives %s", stdout, want)
			}
			if !bytes.Equal(readFile(t, out), readFile(t, fresh)) {
				t.Errorf("the archive differs from the one a build without the cache writes")
			}
		})
	}

	// A deleted output is written again from the layout.
	os.Remove(out)
	if code, _, stderr := run(t, args...); code != 0 || !strings.Contains(stderr, "early cutoff: 0 changed") {
		t.Errorf("after deleting the output: exit %d, want an early cutoff\n%s", code, stderr)
	}
}

// A source touched without a change is read again by the next build,
// which records its new fingerprint (and the output's new time), so the
// builds after it read nothing: one stat per input, as before the touch.
func TestTouchedInputIsReadOnce(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, example, dir)
	out := filepath.Join(dir, "build", "tinynet.pt")
	args := []string{"build", "-m", filepath.Join(dir, "pkgbuild.toml"), "-o", out,
		"--cache-dir", filepath.Join(t.TempDir(), "cache"), "--explain"}
	noop := func(t *testing.T) (reread int) {
		t.Helper()
		code, _, stderr := run(t, args...)
		if code != 0 || !strings.Contains(stderr, "no-op: true") {
			t.Fatalf("exit %d, want a no-op\n%s", code, stderr)
		}
		_, line, _ := strings.Cut(stderr, "inputs read again: ")
		if _, err := fmt.Sscan(line, &reread); err != nil {
			t.Fatalf("no count of inputs read again:\n%s", stderr)
		}
		return reread
	}
	build(t, args[1:len(args)-1]...)
	src := filepath.Join(dir, "src", "tinynet", "layers.py")
	now := time.Now()
	os.Chtimes(src, now, now)
	// A file changed within the racy window of its hashing cannot be
	// vouched for by its stat: step out of it.
	time.Sleep(cache.RacyWindow + 100*time.Millisecond)

	if n := noop(t); n == 0 {
		t.Errorf("the build after a touch read no input again; it must read the touched one")
	}
	if st, err := os.Stat(out); err != nil || !st.ModTime().After(now) {
		t.Errorf("the output is not newer than the touched input (make would rebuild forever)")
	}
	if n := noop(t); n != 0 {
		t.Errorf("the build after that read %d inputs again, want 0", n)
	}
}

var recordsCopied = regexp.MustCompile(`pkgbuild: (\d+) of \d+ records copied from the last archive`)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The tool's identity in every cache key is the Go build ID the linker
// wrote into the executable, the one `go tool buildid` prints.
func TestToolVersionIsTheGoBuildID(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "pkgbuild")
	if out, err := exec.Command("go", "build", "-o", exe, "github.com/pkgbuild/pkgbuild/cmd/pkgbuild").CombinedOutput(); err != nil {
		t.Skipf("go build: %v\n%s", err, out)
	}
	want, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	cmd := exec.Command(exe, "build", "-m", filepath.Join(example, "pkgbuild.toml"), "-o", filepath.Join(t.TempDir(), "t.pt"),
		"--cache-dir", t.TempDir(), "--explain")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if id := strings.TrimSpace(string(want)); !strings.Contains(string(out), "buildid "+id) {
		t.Errorf("the action key does not name build ID %s:\n%s", id, out)
	}
}
