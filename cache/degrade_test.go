package cache

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// build is what a pkgbuild run does with its cache: scan files twice, look
// up and store an action, trim at the end. Every result must be right
// whatever state the cache is in.
func build(t *testing.T, c *Cache, files map[string]string) {
	t.Helper()
	p := countParses()
	scan := c.Scanner(p.Parse, "v1")
	for range 2 {
		for path, content := range files {
			expectScan(t, scan, path, content)
		}
	}
	key := ActionKey{ToolVersion: "v1", Output: "out.pt"}
	c.GetAction(key)
	c.PutAction(key, ActionResult{OutputSum: sha256hex("out"), OutputSize: 3})
	c.GetAction(key)
	c.Close()
}

func someFiles(t *testing.T, n int) map[string]string {
	dir := t.TempDir()
	files := map[string]string{}
	for i := range n {
		content := strings.Repeat("import os\n", i+1)
		files[write(t, filepath.Join(dir, "m"+string(rune('a'+i))+".py"), content)] = content
	}
	return files
}

// expectOneWarning checks that warn holds exactly one line, mentioning want.
func expectOneWarning(t *testing.T, warn *bytes.Buffer, want string) {
	t.Helper()
	got := warn.String()
	if strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") {
		t.Fatalf("warnings = %q, want exactly one line", got)
	}
	if !strings.HasPrefix(got, "pkgbuild: warning: ") || !strings.Contains(got, want) {
		t.Errorf("warning = %q, want it to mention %q", got, want)
	}
}

// A cache directory that cannot be created (here its parent is a file; a
// read-only HOME gives the same) costs one line of warning, and the build
// goes on uncached.
func TestUncreatableDirWarnsOnceAndBuildGoesOn(t *testing.T) {
	notADir := write(t, filepath.Join(t.TempDir(), "file"), "")
	var warn bytes.Buffer
	c := OpenOrDisable(filepath.Join(notADir, "cache"), &warn)
	if c.Dir() != "" {
		t.Errorf("Dir() = %q, want disabled", c.Dir())
	}
	build(t, c, someFiles(t, 5))
	expectOneWarning(t, &warn, "not a directory")
	if _, ok := c.GetAction(ActionKey{ToolVersion: "v1", Output: "out.pt"}); ok {
		t.Errorf("disabled cache returned an action")
	}
}

// A directory that exists but cannot be written (a read-only mount in a
// Bazel sandbox) is found out when the cache is opened.
func TestReadOnlyDirWarnsOnce(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write to read-only directories")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	var warn bytes.Buffer
	c := OpenOrDisable(dir, &warn)
	build(t, c, someFiles(t, 5))
	expectOneWarning(t, &warn, "permission denied")
}

// A cache that breaks during the build (deleted and replaced by a file, a
// full disk) stops being written after the first failure, says so once,
// and the build's results stay right.
func TestFailingWritesWarnOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	var warn bytes.Buffer
	c := OpenOrDisable(dir, &warn)
	if c.Dir() == "" {
		t.Fatalf("cache disabled: %s", warn.String())
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "not a cache")
	build(t, c, someFiles(t, 10))
	expectOneWarning(t, &warn, "cannot write to the cache")
}

// Without PKGBUILD_CACHE, XDG_CACHE_HOME and HOME there is no cache
// directory: one warning.
func TestNoHomeWarnsOnce(t *testing.T) {
	t.Setenv("PKGBUILD_CACHE", "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	var warn bytes.Buffer
	c := OpenOrDisable("", &warn)
	build(t, c, someFiles(t, 3))
	expectOneWarning(t, &warn, "set PKGBUILD_CACHE")
}

// PKGBUILD_CACHE=off is a choice, not a problem: no warning.
func TestCacheOffIsSilent(t *testing.T) {
	t.Setenv("PKGBUILD_CACHE", "off")
	var warn bytes.Buffer
	c := OpenOrDisable("", &warn)
	build(t, c, someFiles(t, 3))
	if c.Dir() != "" || warn.Len() != 0 {
		t.Errorf("Dir() = %q, warnings %q; want disabled and silent", c.Dir(), warn.String())
	}
}

func TestDefaultDir(t *testing.T) {
	for _, tc := range []struct {
		cache, xdg, home string
		want             string
		err              error
	}{
		{cache: "/c", xdg: "/x", home: "/h", want: "/c"},
		{xdg: "/x", home: "/h", want: "/x/pkgbuild"},
		{xdg: "relative", home: "/h", want: "/h/.cache/pkgbuild"},
		{home: "/h", want: "/h/.cache/pkgbuild"},
		{cache: "off", home: "/h", err: ErrOff},
		{cache: "relative", home: "/h", err: errors.New(`PKGBUILD_CACHE="relative" is not an absolute path`)},
		{err: errors.New("no cache directory: set PKGBUILD_CACHE, XDG_CACHE_HOME or HOME")},
	} {
		t.Setenv("PKGBUILD_CACHE", tc.cache)
		t.Setenv("XDG_CACHE_HOME", tc.xdg)
		t.Setenv("HOME", tc.home)
		got, err := DefaultDir()
		if tc.err != nil {
			if err == nil || err.Error() != tc.err.Error() {
				t.Errorf("%+v: DefaultDir() = %q, %v; want error %v", tc, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != filepath.FromSlash(tc.want) {
			t.Errorf("%+v: DefaultDir() = %q, %v; want %q", tc, got, err, tc.want)
		}
	}
}

// Open writes a README and a CACHEDIR.TAG, so that people and backup tools
// know what the directory is.
func TestOpenExplainsTheDirectory(t *testing.T) {
	c := openTest(t)
	for _, name := range []string{"README", "CACHEDIR.TAG"} {
		if _, err := os.Stat(filepath.Join(c.Dir(), name)); err != nil {
			t.Error(err)
		}
	}
	if got := string(readFile(t, filepath.Join(c.Dir(), "CACHEDIR.TAG"))); !strings.HasPrefix(got, "Signature: 8a477f597d28d172789f06886806bc55") {
		t.Errorf("CACHEDIR.TAG = %q", got)
	}
}
