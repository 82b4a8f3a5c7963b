package integration

import (
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBazelReproducible builds examples/bazel's //:model with Bazel twice,
// from two copies of the workspace in different folders, each with its own
// --output_base and --disk_cache, so that the builds share nothing but their
// inputs, and runs pkgbuild in both. The archives are the same bytes, and
// the same bytes as `pkgbuild build` run by hand; and both builds stored
// the action under the same key, so a remote cache filled by one machine
// serves every other: the command line and inputs name no absolute path.
func TestBazelReproducible(t *testing.T) {
	bazel := need(t, "bazel", "bazel-bootstrap")
	tmp := t.TempDir()
	byHand := filepath.Join(tmp, "by hand", "model.pt")
	build(t, filepath.Join(repoRoot, "examples", "bazel"), "-o", byHand)
	want := readFile(t, byHand)

	var caches []string
	for _, name := range []string{"first", "second/build"} {
		dir := filepath.Join(tmp, filepath.FromSlash(name))
		ws := bazelWorkspace(t, filepath.Join(dir, "workspace"))
		cache := filepath.Join(dir, "disk-cache")
		out := mustBazelBuild(t, bazel, ws, filepath.Join(dir, "output-base"), "--disk_cache="+cache, "//:model")
		if !strings.Contains(out, "1 linux-sandbox") && !strings.Contains(out, "1 processwrapper-sandbox") {
			t.Errorf("%s build: pkgbuild did not run in a sandbox:\n%s", name, out)
		}
		if got := readFile(t, filepath.Join(ws, "bazel-bin", "model.pt")); got != want {
			t.Errorf("%s build: bazel-bin/model.pt (sha256 %s) differs from pkgbuild build's (sha256 %s)",
				name, sha256File(t, filepath.Join(ws, "bazel-bin", "model.pt")), sha256File(t, byHand))
		}
		caches = append(caches, cache)
	}
	first, second := cacheEntries(t, caches[0]), cacheEntries(t, caches[1])
	if len(first) == 0 {
		t.Errorf("the first build stored nothing in its disk cache")
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("disk cache entries of the two builds (-first +second):\n%s", diff)
	}
}

// TestBazelUndeclaredSource: the action reads only what the target
// declares. A source left out of srcs is not in the sandbox, so pkgbuild
// reports its module missing rather than reading it from the workspace
// behind Bazel's back (where a cache would not see it change).
func TestBazelUndeclaredSource(t *testing.T) {
	bazel := need(t, "bazel", "bazel-bootstrap")
	tmp := t.TempDir()
	ws := bazelWorkspace(t, filepath.Join(tmp, "workspace"))
	writeFile(t, filepath.Join(ws, "BUILD"), `load("//:pkgbuild.bzl", "pkgbuild_package")

pkgbuild_package(
    name = "model",
    manifest = "pkgbuild.toml",
    srcs = glob(["src/**"], exclude = ["src/greeter/words.py"]),
)
`)
	code, out := bazelBuild(t, bazel, ws, filepath.Join(tmp, "output-base"), "//:model")
	if code == 0 {
		t.Fatalf("bazel build with src/greeter/words.py undeclared succeeded:\n%s", out)
	}
	for _, want := range []string{"pkgbuild: 1 packaging error(s)", "greeter.words", "at: src/greeter/__init__.py:2"} {
		if !strings.Contains(out, want) {
			t.Errorf("bazel build output does not contain %q:\n%s", want, out)
		}
	}
}

// bazelWorkspace copies examples/bazel into dir, without the convenience
// symlinks a build there left, and puts the pkgbuild under test in
// tools/pkgbuild. It returns dir.
func bazelWorkspace(t *testing.T, dir string) string {
	t.Helper()
	copyTree(t, filepath.Join(repoRoot, "examples", "bazel"), dir, func(rel string) bool {
		return strings.HasPrefix(rel, "bazel-") || rel == "tools/pkgbuild"
	})
	if err := copyFile(pkgbuild, filepath.Join(dir, "tools", "pkgbuild"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// bazelBuild runs `bazel build` in workspace and returns its exit code and
// output. The flags are the ones examples/bazel/README.md explains:
//
//   - --batch: no Bazel server is left running after the test;
//   - --nohome_rc: the user's ~/.bazelrc does not change the build (Debian's
//     /etc/bazel/bazelrc stays: it sets the install base Debian's bazel needs);
//   - --output_user_root, --output_base: everything Bazel writes is in the
//     test's folders, and nothing is shared between builds;
//   - --nosandbox_debug: Debian's bazelrc turns sandbox_debug on, which
//     prints linux-sandbox's debug log for every action.
//
// When the machine allows it (root, or unprivileged user namespaces), Bazel
// runs in a network namespace of its own (unshare -n), which has no network:
// the build needs none.
func bazelBuild(t *testing.T, bazel, workspace, outputBase string, args ...string) (int, string) {
	t.Helper()
	argv := append([]string{
		"--batch", "--nohome_rc",
		"--output_user_root=" + outputBase + "-user-root",
		"--output_base=" + outputBase,
		"build", "--nosandbox_debug",
	}, args...)
	if unshare, err := exec.LookPath("unshare"); err == nil && exec.Command(unshare, "-n", "true").Run() == nil {
		return run(t, workspace, nil, unshare, append([]string{"-n", bazel}, argv...)...)
	}
	t.Logf("unshare -n is not allowed here: Bazel runs with the network (and uses none)")
	return run(t, workspace, nil, bazel, argv...)
}

func mustBazelBuild(t *testing.T, bazel, workspace, outputBase string, args ...string) string {
	t.Helper()
	code, out := bazelBuild(t, bazel, workspace, outputBase, args...)
	if code != 0 {
		t.Fatalf("bazel build %s (in %s): exit %d\n%s", strings.Join(args, " "), workspace, code, out)
	}
	return out
}

// cacheEntries lists a Bazel disk cache: "ac/<key>" for each action result,
// "cas/<digest>" for each blob (outputs, stdout and stderr), each with its
// size.
func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	var entries []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) > 0 && (parts[0] == "ac" || parts[0] == "cas") && !strings.HasPrefix(d.Name(), "tmp") {
			entries = append(entries, fmt.Sprintf("%s/%s %d bytes", parts[0], d.Name(), info.Size()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(entries)
	return entries
}
