package integration

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// TestPreCommitHooks runs the real pre-commit with this repository's
// .pre-commit-hooks.yaml, as a project that commits a pkgbuild.lock uses it:
// a commit whose lock is current passes both hooks; a commit that changes
// an interned source without updating the lock is refused, with the lock's
// diff and the command that fixes it, and the pkgbuild-lock hook has
// already rewritten the lock, so adding it makes the commit pass.
//
// pre-commit installs the hooks as it would from GitHub: it clones the hook
// repository (here, a git repository made from this working tree) at a rev
// and builds it with `go install ./...` (language: golang). The Go module
// cache is the machine's own, so the build needs no network when the
// modules are already there.
func TestPreCommitHooks(t *testing.T) {
	preCommit := need(t, "pre-commit", "pre-commit")
	git := need(t, "git", "git")
	tmp := t.TempDir()
	writeFile(t, filepath.Join(tmp, "gitconfig"), "[user]\n\tname = pkgbuild test\n\temail = test@example.invalid\n[init]\n\tdefaultBranch = main\n")
	env := []string{
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + filepath.Join(tmp, "gitconfig"),
		"PRE_COMMIT_HOME=" + filepath.Join(tmp, "pre-commit-home"),
		"PRE_COMMIT_COLOR=never",
		"GOMODCACHE=" + strings.TrimSpace(mustRun(t, repoRoot, nil, "go", "env", "GOMODCACHE")),
		// The hook repository is in a new folder each time; -trimpath keeps
		// it out of the build cache's keys, so `go install` reuses the cache.
		"GOFLAGS=" + strings.TrimSpace(os.Getenv("GOFLAGS")+" -trimpath"),
	}

	// The hook repository: this working tree (without build outputs), committed.
	hooks := filepath.Join(tmp, "pkgbuild")
	copyTree(t, repoRoot, hooks, func(rel string) bool {
		for _, pattern := range []string{".git", "bin", "examples/*/build", "examples/bazel/tools/pkgbuild"} {
			if ok, _ := path.Match(pattern, rel); ok {
				return true
			}
		}
		return false
	})
	mustRun(t, hooks, env, git, "init", "-q")
	mustRun(t, hooks, env, git, "add", "-A")
	mustRun(t, hooks, env, git, "commit", "-q", "-m", "pkgbuild")
	rev := strings.TrimSpace(mustRun(t, hooks, env, git, "rev-parse", "HEAD"))

	// The project: examples/tinynet in model/, with both hooks for its manifest.
	app := filepath.Join(tmp, "app")
	copyTree(t, filepath.Join(repoRoot, "examples", "tinynet"), filepath.Join(app, "model"), func(rel string) bool {
		return rel == "build"
	})
	writeFile(t, filepath.Join(app, ".pre-commit-config.yaml"), `repos:
  - repo: `+hooks+`
    rev: `+rev+`
    hooks:
      - id: pkgbuild-check
        args: [-m, model/pkgbuild.toml]
      - id: pkgbuild-lock
        args: [-m, model/pkgbuild.toml]
`)
	mustRun(t, app, env, git, "init", "-q")
	mustRun(t, app, env, preCommit, "install")
	commits := func() string { return strings.TrimSpace(mustRun(t, app, env, git, "rev-list", "--count", "HEAD")) }

	// A commit with a current lock passes.
	mustRun(t, app, nil, pkgbuild, "lock", "-m", "model/pkgbuild.toml")
	mustRun(t, app, env, git, "add", "-A")
	out := mustRun(t, app, env, git, "commit", "-m", "model and its lock")
	expectHook(t, out, "pkgbuild check", "Passed")
	expectHook(t, out, "pkgbuild lock", "Passed")

	// A commit that changes an interned module and not the lock is refused.
	layers := filepath.Join(app, "model", "src", "tinynet", "layers.py")
	writeFile(t, layers, readFile(t, layers)+"\nDEFAULT_DIM = 8\n")
	mustRun(t, app, env, git, "add", "-A")
	code, out := run(t, app, env, git, "commit", "-m", "layers: a default")
	if code == 0 {
		t.Fatalf("git commit with a stale pkgbuild.lock succeeded:\n%s", out)
	}
	t.Logf("the refused commit:\n%s", out)
	if n := commits(); n != "1" {
		t.Errorf("commits after the refused commit: %s, want 1", n)
	}
	expectHook(t, out, "pkgbuild check", "Failed")
	expectHook(t, out, "pkgbuild lock", "Failed")
	for _, want := range []string{
		"- exit code: 4", // pkgbuild check: out of date
		"-module intern tinynet.layers sha256:",
		"+module intern tinynet.layers sha256:",
		"run 'pkgbuild lock -m model/pkgbuild.toml' to update it",
		"- files were modified by this hook", // pkgbuild lock rewrote the lock
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the refused commit's output does not contain %q:\n%s", want, out)
		}
	}

	// The rewritten lock is current: adding it makes the commit pass.
	if code, out := run(t, app, nil, pkgbuild, "check", "-m", "model/pkgbuild.toml"); code != 0 {
		t.Errorf("pkgbuild check after the pkgbuild-lock hook: exit %d\n%s", code, out)
	}
	mustRun(t, app, env, git, "add", "-A")
	out = mustRun(t, app, env, git, "commit", "-m", "layers: a default, with the lock")
	expectHook(t, out, "pkgbuild check", "Passed")
	if n := commits(); n != "2" {
		t.Errorf("commits: %s, want 2", n)
	}
}

// expectHook checks pre-commit's result line for a hook, like
// "pkgbuild check...........Passed".
func expectHook(t *testing.T, out, name, result string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, name+".") {
			if !strings.HasSuffix(strings.TrimSpace(line), result) {
				t.Errorf("hook %q: %q, want %s\n%s", name, line, result, out)
			}
			return
		}
	}
	t.Errorf("hook %q did not run:\n%s", name, out)
}
