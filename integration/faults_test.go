package integration

import (
	"bytes"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// sympyManifest interns all of Debian's sympy: about 1,500 modules and a
// 30 MB archive, big enough for a build to be caught half-way.
func sympyManifest(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/lib/python3/dist-packages/sympy/__init__.py"); err != nil {
		if os.Getenv("PKGBUILD_REQUIRE_TORCH") == "1" {
			t.Fatalf("python3-sympy is required: %v", err)
		}
		t.Skip("python3-sympy is not installed")
	}
	return filepath.Join(repoRoot, "cmd/pkgbuild/internal/cli/testdata/bench/sympy.toml")
}

// Builds killed at random moments (SIGKILL and SIGINT; with a cold cache,
// without a cache, or with a warm cache and the output deleted) leave the
// previous output or none, never a partial one, and the cache they shared
// still gives right answers afterwards.
func TestKilledBuildsLeaveNoPartialOutput(t *testing.T) {
	manifest := sympyManifest(t)
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref", "sympy.pt")
	start := time.Now()
	want := build(t, dir, "-m", manifest, "-o", ref, "--no-cache")
	// Kills land anywhere in a build that takes as long as this one did.
	span := time.Since(start) + 50*time.Millisecond
	wantBytes, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "out", "sympy.pt")
	cacheDir := filepath.Join(dir, "cache")
	rng := rand.New(rand.NewSource(1))
	killed := 0
	for i := 0; i < 12; i++ {
		args := []string{"build", "-m", manifest, "-o", out, "--cache-dir", cacheDir}
		switch i % 3 {
		case 0:
			os.RemoveAll(cacheDir) // a cold build; the last output, if any, stays
		case 1:
			args = append(args, "--no-cache") // a full build over the last output
		case 2:
			os.Remove(out) // a warm build that writes the output again
		}
		cmd := exec.Command(pkgbuild, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int63n(int64(span))))
		sig := syscall.SIGKILL
		if i%2 == 1 {
			sig = syscall.SIGINT
		}
		cmd.Process.Signal(sig)
		if err := cmd.Wait(); err != nil {
			killed++
		}
		if got, err := os.ReadFile(out); err == nil && !bytes.Equal(got, wantBytes) {
			t.Fatalf("round %d: after %v the output is %d bytes and differs from a good build: a partial output", i, sig, len(got))
		}
	}
	if killed == 0 {
		t.Fatalf("no build was interrupted: the test proved nothing")
	}
	if got := build(t, dir, "-m", manifest, "-o", out, "--cache-dir", cacheDir); got != want {
		t.Errorf("after %d interrupted builds the cache gives %s, want %s", killed, got, want)
	}
	if got := build(t, dir, "-m", manifest, "-o", out, "--cache-dir", cacheDir); got != want {
		t.Errorf("no-op build after interrupted builds gives %s, want %s", got, want)
	}
	t.Logf("%d of 12 builds were interrupted", killed)
}

// Builds killed while they write an archive from the last one (an edit
// that takes the early cutoff, or one that resolves again, both copying
// the records before the edited module from the last archive) leave the
// last archive or the new one, never a mix, and the cache still gives
// right answers afterwards.
func TestKilledEditsLeaveOldOrNewOutput(t *testing.T) {
	manifest := sympyManifest(t)
	dir := t.TempDir()
	tree := filepath.Join(dir, "src")
	if err := os.MkdirAll(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-r", "/usr/lib/python3/dist-packages/sympy", tree).CombinedOutput(); err != nil {
		t.Fatalf("copying sympy: %v\n%s", err, out)
	}
	text, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	own := filepath.Join(dir, "pkgbuild.toml")
	os.WriteFile(own, bytes.Replace(text, []byte(`roots = ["/usr/lib/python3/dist-packages"]`), []byte(`roots = ["src"]`), 1), 0o644)
	edited := filepath.Join(tree, "sympy", "plotting", "pygletplot", "plot_axes.py")

	out := filepath.Join(dir, "out", "sympy.pt")
	cacheDir := filepath.Join(dir, "cache")
	ref := func() []byte { // the archive of the tree as it is now
		p := filepath.Join(t.TempDir(), "sympy.pt")
		build(t, dir, "-m", own, "-o", p, "--no-cache")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	editOf := func(i int) string {
		if i%2 == 1 {
			return "\nimport os  # an import: the graph is resolved again\n"
		}
		return "\n# edit " + string(rune('a'+i)) + "\n"
	}
	// Kills land anywhere in a build that takes as long as an edit of the
	// same kind did, uninterrupted.
	build(t, dir, "-m", own, "-o", out, "--cache-dir", cacheDir)
	var span [2]time.Duration
	for i := range span {
		appendFile(t, edited, editOf(i))
		start := time.Now()
		build(t, dir, "-m", own, "-o", out, "--cache-dir", cacheDir)
		span[i] = time.Since(start)
	}
	rng := rand.New(rand.NewSource(2))
	killed := 0
	for i := 0; i < 8; i++ {
		build(t, dir, "-m", own, "-o", out, "--cache-dir", cacheDir) // the last archive, complete
		before, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		appendFile(t, edited, editOf(i))
		after := ref()

		cmd := exec.Command(pkgbuild, "build", "-m", own, "-o", out, "--cache-dir", cacheDir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int63n(int64(span[i%2]))))
		cmd.Process.Signal(syscall.SIGKILL)
		if cmd.Wait() != nil {
			killed++
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("round %d: the output is gone: %v", i, err)
		}
		if !bytes.Equal(got, before) && !bytes.Equal(got, after) {
			t.Fatalf("round %d: the output (%d bytes) is neither the last archive nor the new one", i, len(got))
		}
		if readFile(t, out) != string(after) {
			build(t, dir, "-m", own, "-o", out, "--cache-dir", cacheDir)
			if readFile(t, out) != string(after) {
				t.Fatalf("round %d: the build after the killed one wrote a wrong archive", i)
			}
		}
	}
	if killed == 0 {
		t.Fatalf("no build was interrupted: the test proved nothing")
	}
	t.Logf("%d of 8 builds were interrupted", killed)
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// Eight builds of the same manifest at once, sharing one cache and one
// output path, all succeed with the same digest, the right one.
func TestConcurrentBuildsShareCache(t *testing.T) {
	manifest := sympyManifest(t)
	dir := t.TempDir()
	want := build(t, dir, "-m", manifest, "-o", filepath.Join(dir, "ref", "sympy.pt"), "--no-cache")
	out := filepath.Join(dir, "shared", "sympy.pt")
	cacheDir := filepath.Join(dir, "cache")
	var wg sync.WaitGroup
	digests := make([]string, 8)
	for i := range digests {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			digests[i] = build(t, dir, "-m", manifest, "-o", out, "--cache-dir", cacheDir)
		}(i)
	}
	wg.Wait()
	for i, d := range digests {
		if d != want {
			t.Errorf("build %d: %s, want %s", i, d, want)
		}
	}
	if got := sha256File(t, out); got != want {
		t.Errorf("the shared output's sha256 is %s, want %s", got, want)
	}
}
