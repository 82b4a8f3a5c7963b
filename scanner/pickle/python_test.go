package pickle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// findTorch returns a Python with torch 1.13: $PKGBUILD_PYTHON, else
// /usr/bin/python3 (Debian's python3-torch), else python3 on $PATH. When
// there is none the test is skipped, or fails if PKGBUILD_REQUIRE_TORCH=1.
func findTorch(t *testing.T) string {
	t.Helper()
	python := os.Getenv("PKGBUILD_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
		if _, err := os.Stat(python); err != nil {
			python = "python3"
		}
	}
	err := func() error {
		path, err := exec.LookPath(python)
		if err != nil {
			return fmt.Errorf("no python3: %v", err)
		}
		python = path
		out, err := exec.Command(python, "-c", "import torch; print(torch.__version__)").CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s cannot import torch: %v: %s", python, err, lastLine(out))
		}
		if v := strings.TrimSpace(string(out)); !strings.HasPrefix(v, "1.13") {
			return fmt.Errorf("%s has torch %s; the expectations are torch 1.13's", python, v)
		}
		return nil
	}()
	if err != nil {
		if os.Getenv("PKGBUILD_REQUIRE_TORCH") == "1" {
			t.Fatalf("PKGBUILD_REQUIRE_TORCH=1, but: %v", err)
		}
		t.Skipf("skipping: %v (PKGBUILD_REQUIRE_TORCH=1 makes this a failure)", err)
	}
	return python
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func runPython(t *testing.T, python string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(python, append([]string{filepath.Join("testdata", "gen_pickles.py")}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gen_pickles.py %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestPythonDifferential runs the generator script with the installed
// CPython and torch: on freshly made pickles, and on the committed ones, it
// compares Scan with pickletools.genops and Modules with torch 1.13's
// PackageExporter.save_pickle.
func TestPythonDifferential(t *testing.T) {
	python := findTorch(t)

	t.Run("fresh", func(t *testing.T) {
		dir := t.TempDir()
		runPython(t, python, "generate", dir)
		reports := readReports(t, dir)
		for _, name := range sortedKeys(reports) {
			t.Run(name, func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				checkAgainstPython(t, name, data, reports[name])
			})
		}
		checkArchive(t, filepath.Join(dir, "package.pt"), reports)
	})

	t.Run("committed", func(t *testing.T) {
		files, err := filepath.Glob(filepath.Join("testdata", "*.pkl"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no committed pickles: %v", err)
		}
		var reports map[string]*pythonReport
		if err := json.Unmarshal(runPython(t, python, append([]string{"analyze"}, files...)...), &reports); err != nil {
			t.Fatal(err)
		}
		for _, name := range sortedKeys(reports) {
			t.Run(name, func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join("testdata", name))
				if err != nil {
					t.Fatal(err)
				}
				checkAgainstPython(t, name, data, reports[name])
			})
		}
	})
}

// TestRewriteLoadsInPython loads rewritten pickles with CPython's
// pure-Python unpickler (torch.package's base), with a persistent_load and
// find_class that build nothing, and checks the persistent IDs it sees.
func TestRewriteLoadsInPython(t *testing.T) {
	python := findTorch(t)
	dir := t.TempDir()
	var files []string
	for _, tt := range rewriteCases {
		data, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		out, err := RewritePersistentIDs(data, renumber(map[string]string{"0": "300", "1": "7"}))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		f := filepath.Join(dir, tt.file)
		if err := os.WriteFile(f, out, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	var loaded map[string]struct {
		Error string  `json:"error"`
		PIDs  [][]any `json:"pids"`
	}
	if err := json.Unmarshal(runPython(t, python, append([]string{"persids"}, files...)...), &loaded); err != nil {
		t.Fatal(err)
	}
	for _, tt := range rewriteCases {
		got := loaded[tt.file]
		if got.Error != "" {
			t.Errorf("%s: Python cannot load the rewritten pickle: %s", tt.file, got.Error)
			continue
		}
		var keys []string
		for _, pid := range got.PIDs {
			keys = append(keys, fmt.Sprint(pid[2]))
		}
		if !slices.Equal(keys, tt.after) {
			t.Errorf("%s: Python loads keys %q, want %q", tt.file, keys, tt.after)
		}
	}
}
