package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

// TestMain gives the tests a cache of their own, so they neither read nor
// fill the user's.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pkgbuild-test-cache")
	if err != nil {
		panic(err)
	}
	os.Setenv("PKGBUILD_CACHE", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs pkgbuild in-process and returns its exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// python3 returns Debian's interpreter with torch 1.13, or skips the test
// (fails it when PKGBUILD_REQUIRE_TORCH=1, as `make test` sets).
func python3(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import torch.package").Run(); err != nil {
		if os.Getenv("PKGBUILD_REQUIRE_TORCH") == "1" {
			t.Fatalf("Debian's python3-torch is required (PKGBUILD_REQUIRE_TORCH=1): %v", err)
		}
		t.Skip("Debian's python3-torch is not installed")
	}
	return py
}

// pythonJSON runs a Python script and decodes its last stdout line as JSON.
func pythonJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	cmd := exec.Command(python3(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), v); err != nil {
		t.Fatalf("python3 %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

var digestLine = regexp.MustCompile(`(?m)^sha256:([0-9a-f]{64})  (.+)\n$`)

// build runs `pkgbuild build` and returns the digest it printed.
func build(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := run(t, append([]string{"build"}, args...)...)
	if code != cli.ExitOK {
		t.Fatalf("pkgbuild build %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	m := digestLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("last line of build output is not a digest:\n%s", stdout)
	}
	return m[1]
}

// copyTree copies a folder, for tests that must not write into the repo.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if info.IsDir() {
			if info.Name() == "build" {
				return filepath.SkipDir
			}
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

const example = "../../../../examples/tinynet"
