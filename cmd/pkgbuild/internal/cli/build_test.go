package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

// The example package builds, and torch's own PackageImporter loads it: the
// pickle, the resources, every interned module, and the mocked training code.
func TestExampleLoadsInTorch(t *testing.T) {
	py := python3(t)
	out := filepath.Join(t.TempDir(), "tinynet.pt")
	build(t, "-m", example+"/pkgbuild.toml", "-o", out)

	var got struct {
		OK        []string          `json:"ok"`
		Failed    map[string]string `json:"failed"`
		Resources map[string]any    `json:"resources"`
	}
	pythonJSON(t, &got, "testdata/torch_load.py", out,
		"tinynet/config.pkl", "tinynet/assets/vocab.txt", "tinynet/assets/default.json")
	if len(got.Failed) > 0 {
		t.Errorf("modules failed to import in PackageImporter: %v", got.Failed)
	}
	for _, want := range []string{"tinynet", "tinynet.serve", "tinynet.model", "tinynet.training"} {
		if !contains(got.OK, want) {
			t.Errorf("module %s did not import; imported: %v", want, got.OK)
		}
	}
	for name, v := range got.Resources {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "error") {
			t.Errorf("resource %s: %s", name, s)
		}
	}

	cmd := exec.Command(py, example+"/load.py", out)
	text, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("examples/tinynet/load.py: %v\n%s", err, text)
	}
	for _, want := range []string{"predict('a great movie'):", "training is mocked: Object", "was mocked out"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("load.py output lacks %q:\n%s", want, text)
		}
	}
}

// The same inputs give the same bytes whatever the folder, file times,
// umask, time zone or locale; the folder output has the zip's digest.
func TestBuildIsReproducible(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "pkgbuild")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var digests []string
	var archives [][]byte
	for i, env := range [][]string{
		{"TZ=UTC", "LC_ALL=C", "UMASK=022"},
		{"TZ=Pacific/Kiritimati", "LC_ALL=tr_TR.UTF-8", "UMASK=077"},
	} {
		dir := filepath.Join(t.TempDir(), "work", strings.Repeat("x", i+1))
		copyTree(t, example, dir)
		stamp := time.Date(2001+i*20, 1, 1, 0, 0, 0, 0, time.UTC)
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			return os.Chtimes(p, stamp, stamp)
		})
		umask := strings.TrimPrefix(env[2], "UMASK=")
		cmd := exec.Command("sh", "-c", "umask "+umask+" && exec \"$0\" build -o out/tinynet.pt", bin)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env[:2]...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("build in %s: %v\n%s", dir, err, out)
		}
		m := digestLine.FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("no digest line:\n%s", out)
		}
		digests = append(digests, m[1])
		data, err := os.ReadFile(filepath.Join(dir, "out/tinynet.pt"))
		if err != nil {
			t.Fatal(err)
		}
		archives = append(archives, data)
	}
	if digests[0] != digests[1] || string(archives[0]) != string(archives[1]) {
		t.Errorf("two builds of the same inputs differ: %s vs %s", digests[0], digests[1])
	}

	dirOut := filepath.Join(t.TempDir(), "tinynet") + "/"
	if d := build(t, "-m", example+"/pkgbuild.toml", "-o", dirOut); d != digests[0] {
		t.Errorf("folder output digest %s, archive digest %s: they must agree", d, digests[0])
	}
	if _, err := os.Stat(filepath.Join(dirOut, ".data", "version")); err != nil {
		t.Errorf("folder output lacks .data/version: %v", err)
	}
}

// Exit codes are a contract: 0 ok, 1 packaging errors, 2 usage or manifest
// errors, 3 I/O errors. Nothing is written when a build fails.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("src/app/__init__.py", "")
	write("src/app/main.py", "import requests\n")
	good := write("good.toml", "roots = [\"src\"]\nmodules = [\"app\"]\n")
	bad := write("bad.toml", "roots = [\"src\"]\nmodules = [\"app.main\"]\n")
	broken := write("broken.toml", "roots = [\"src\"]\nmodles = [\"app\"]\n")
	out := filepath.Join(dir, "out", "app.pt")

	cases := []struct {
		name string
		args []string
		code int
		text string // in stderr, or stdout for 0
	}{
		{"help", []string{"help", "build"}, cli.ExitOK, "Exit codes:"},
		{"flag help", []string{"build", "--help"}, cli.ExitOK, "usage: pkgbuild build"},
		{"ok", []string{"build", "-m", good, "-o", out}, cli.ExitOK, "sha256:"},
		{"unknown command", []string{"biuld"}, cli.ExitUsage, `did you mean "build"`},
		{"unknown flag", []string{"build", "--frobnicate"}, cli.ExitUsage, "flag provided but not defined"},
		{"missing manifest", []string{"build", "-m", filepath.Join(dir, "nope.toml")}, cli.ExitUsage, "no such manifest"},
		{"manifest error", []string{"build", "-m", broken, "-o", out + ".2"}, cli.ExitUsage, `"modles"`},
		{"packaging error", []string{"build", "-m", bad, "-o", out + ".3"}, cli.ExitPackage, "requests"},
		{"unwritable output", []string{"build", "-m", good, "-o", "/proc/pkgbuild-test/app.pt"}, cli.ExitIO, "build:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := run(t, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, stdout, stderr)
			}
			text := stderr
			if c.code == cli.ExitOK {
				text = stdout
			}
			if !strings.Contains(text, c.text) {
				t.Errorf("output lacks %q:\n%s", c.text, text)
			}
		})
	}
	for _, suffix := range []string{".2", ".3"} {
		if _, err := os.Stat(out + suffix); err == nil {
			t.Errorf("a failed build left %s behind", out+suffix)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
