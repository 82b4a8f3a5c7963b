package integration

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"
)

// pkgbuild is the pkgbuild binary built from this repository by TestMain.
var pkgbuild string

// repoRoot is this repository's root folder.
var repoRoot string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		root, err := filepath.Abs("..")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		repoRoot = root
		bin, err := os.MkdirTemp("", "pkgbuild-integration-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(bin)
		pkgbuild = filepath.Join(bin, "pkgbuild")
		cmd := exec.Command("go", "build", "-o", pkgbuild, "./cmd/pkgbuild")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build ./cmd/pkgbuild: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}())
}

// need returns the path of a command the test runs, or skips the test
// naming the Debian package that installs it (fails it when
// PKGBUILD_REQUIRE_TORCH=1, as `make test` sets after running .ci/deps).
func need(t *testing.T, command, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(command)
	if err != nil {
		if os.Getenv("PKGBUILD_REQUIRE_TORCH") == "1" {
			t.Fatalf("%s is required (PKGBUILD_REQUIRE_TORCH=1); .ci/deps installs Debian's %s", command, debianPackage)
		}
		t.Skipf("%s is not installed (Debian's %s; .ci/deps installs it)", command, debianPackage)
	}
	return path
}

// run runs a command in dir and returns its exit code and combined output.
// env entries ("K=V") are added to the test's environment. A command that
// cannot start fails the test.
func run(t *testing.T, dir string, env []string, name string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	}
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return 0, out.String()
}

// mustRun is run for commands that must succeed; it returns their output.
func mustRun(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	code, out := run(t, dir, env, name, args...)
	if code != 0 {
		t.Fatalf("%s %s (in %s): exit %d\n%s", name, strings.Join(args, " "), dir, code, out)
	}
	return out
}

var digestLine = regexp.MustCompile(`(?m)^sha256:([0-9a-f]{64})  .+$`)

// build runs `pkgbuild build` in dir and returns the digest it printed.
func build(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out := mustRun(t, dir, nil, pkgbuild, append([]string{"build"}, args...)...)
	m := digestLine.FindAllStringSubmatch(out, -1)
	if m == nil {
		t.Fatalf("pkgbuild build printed no digest line:\n%s", out)
	}
	return m[len(m)-1][1]
}

// sha256File returns the hex sha256 of a file's bytes.
func sha256File(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(data))
}

// extract writes the files of a txtar archive in testdata into dir.
func extract(t *testing.T, archive, dir string) {
	t.Helper()
	a, err := txtar.ParseFile(filepath.Join("testdata", archive))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range a.Files {
		writeFile(t, filepath.Join(dir, f.Name), string(f.Data))
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies the folder from to to, leaving out the paths (relative to
// from, with '/') that skip reports; symbolic links are left out.
func copyTree(t *testing.T, from, to string, skip func(rel string) bool) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel != "." && skip != nil && skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case d.Type()&os.ModeSymlink != 0:
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return copyFile(p, dst, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copy %s: %v", from, err)
	}
}

func copyFile(from, to string, perm os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// newerThan sets path's modification time just after ref's, so that make
// and ninja see path as changed since ref was written, whatever the
// resolution of the file system's clock.
func newerThan(t *testing.T, path, ref string) {
	t.Helper()
	info, err := os.Stat(ref)
	if err != nil {
		t.Fatal(err)
	}
	mtime := info.ModTime().Add(time.Millisecond)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}
