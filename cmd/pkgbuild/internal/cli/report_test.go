package cli_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

// report runs `pkgbuild report ARGS --html OUT` and returns the page.
func report(t *testing.T, out string, args ...string) string {
	t.Helper()
	code, _, stderr := run(t, append([]string{"report", "--html", out}, args...)...)
	if code != cli.ExitOK {
		t.Fatalf("pkgbuild report %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(page)
}

// mustContain fails for each of want that text does not hold.
func mustContain(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s has no %q", what, w)
		}
	}
}

// The page about the example: the summary's counts, a node of the graph
// per module, the table with each module's action, size and the rule that
// decided it, and the import chain of each extern and mock.
func TestReportOfTheExample(t *testing.T) {
	dir := t.TempDir()
	page := report(t, filepath.Join(dir, "manifest.html"), "-m", example+"/pkgbuild.toml")
	mustContain(t, "the manifest's page", page,
		`<div class="stat s-total"><div class="value">14</div><div class="label">modules</div></div>`,
		`<div class="stat s-intern"><div class="value">7</div><div class="label">interned</div></div>`,
		`<div class="stat s-extern"><div class="value">6</div><div class="label">extern</div></div>`,
		`<div class="stat s-mock"><div class="value">1</div><div class="label">mocked</div></div>`,
		`<div class="stat s-pickle"><div class="value">1</div><div class="label">pickles</div></div>`,
		`<code class="chip a-extern">regex</code>`,
		`data-name="tinynet.serve" tabindex="0"><title>tinynet.serve</title>`,
		`<g class="node a-pickle"`,
		`<span class="badge a-mock">mock</span>`,
		// regex is extern by the manifest's third rule.
		`rule 3: extern [&#34;regex&#34;] (`,
		`<code>tinynet.serve</code></a><span class="arrow">→</span><a href="#n`,
	)
	// The chain of each extern and mock, from an entry.
	chain := regexp.MustCompile(`<code class="target">regex</code>[^\n]*\n\s*<div class="chain">(.*)</div>`).FindStringSubmatch(page)
	if chain == nil || stripTags(chain[1]) != "tinynet.serve→tinynet.tokenizer→regex" {
		t.Errorf("regex's chain: %q", chain)
	}

	// The built package says the same, from the archive alone, plus _mock.
	pkgPage := report(t, filepath.Join(dir, "package.html"), builtTinynet(t))
	mustContain(t, "the package's page", pkgPage,
		`<div class="value">15</div><div class="label">modules</div>`,
		`data-name="tinynet.serve"`,
		`<span class="badge a-mock-module">mock module</span>`,
		`<td class="why">listed in .data/extern_modules</td>`,
	)
}

var tags = regexp.MustCompile(`<[^>]*>|\s+`)

func stripTags(html string) string { return tags.ReplaceAllString(html, "") }

// The page is the same for the same input, and written atomically: over
// an existing page, with no temporary file left behind.
func TestReportIsReproducibleAndAtomic(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.html")
	os.WriteFile(out, []byte("old"), 0o644)
	first := report(t, out, "-m", example+"/pkgbuild.toml")
	second := report(t, out, "-m", example+"/pkgbuild.toml")
	if first != second {
		t.Error("two reports of the same manifest differ")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the folder holds %d files, want only report.html", len(entries))
	}

	// A page that cannot be written is exit code 3, and writes nothing.
	code, _, stderr := run(t, "report", "-m", example+"/pkgbuild.toml", "--html", filepath.Join(dir, "no", "such", "r.html"))
	if code != cli.ExitIO {
		t.Errorf("report into a missing folder: exit %d\n%s", code, stderr)
	}
}

// Module names come from untrusted archives: every one is shown as text.
// The hostile archive names a module, an extern and a pickle with markup.
func TestReportEscapesNamesFromTheArchive(t *testing.T) {
	pkg := hostileZip(t,
		[2]string{"t/.data/extern_modules", "</script><script>alert(1)</script>\n"},
		[2]string{"t/.data/version", "6\n"},
		[2]string{"t/<img src=x onerror=alert(1)>.py", "import os\n"},
		[2]string{"t/x/\"onmouseover=alert(1) \".pkl", "\x80\x02}q\x00."},
	)
	out := filepath.Join(t.TempDir(), "r.html")
	page := report(t, out, pkg)
	for _, bad := range []string{"<img", "<script>alert"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	// A quote could end an attribute: only the JSON data may hold one,
	// escaped as \".
	if regexp.MustCompile(`[^\\]"onmouseover`).MatchString(page) {
		t.Errorf("the page holds a quote before onmouseover unescaped")
	}
	mustContain(t, "the page", page,
		`<code>&lt;img src=x onerror=alert(1)&gt;</code>`,
		`\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e`,
	)
	if dom := browse(t, out); dom != "" {
		if strings.Contains(dom, "<img") {
			t.Errorf("the browser made an <img> element of a module name")
		}
		mustContain(t, "the DOM", dom, `data-ready="true"`, `<code>&lt;img src=x onerror=alert(1)&gt;</code>`)
	}
}

// Usage: --html is required; a manifest with packaging errors is exit 1.
func TestReportExitCodes(t *testing.T) {
	code, _, stderr := run(t, "report", "-m", example+"/pkgbuild.toml")
	if code != cli.ExitUsage || !strings.Contains(stderr, "--html OUT.html is required") {
		t.Errorf("report without --html: exit %d\n%s", code, stderr)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pkgbuild.toml"), []byte("roots = [\".\"]\nmodules = [\"app\"]\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "app.py"), []byte("import yaml\n"), 0o644)
	out := filepath.Join(dir, "r.html")
	code, _, stderr = run(t, "report", "-m", filepath.Join(dir, "pkgbuild.toml"), "--html", out)
	if code != cli.ExitPackage || exists(out) {
		t.Errorf("report of a manifest with errors: exit %d, page written: %v\n%s", code, exists(out), stderr)
	}
	code, stdout, _ := run(t, "help", "report")
	if code != cli.ExitOK || !strings.Contains(stdout, "pkgbuild report build/tinynet.pt --html tinynet.html") ||
		!strings.Contains(stdout, "Exit codes:") {
		t.Errorf("help report: exit %d\n%s", code, stdout)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// chromium returns Debian's Chromium, or skips the test (fails it when
// PKGBUILD_REQUIRE_TORCH=1, as `make test` sets; .ci/deps installs it).
func chromium(t *testing.T) string {
	t.Helper()
	const path = "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("PKGBUILD_REQUIRE_TORCH") == "1" {
			t.Fatalf("Debian's chromium is required (PKGBUILD_REQUIRE_TORCH=1): %v", err)
		}
		t.Skip("Debian's chromium is not installed")
	}
	return path
}

// headless runs Chromium without a window, the network or a profile, on
// the page at url, with the given extra flags, and returns its stdout.
func headless(t *testing.T, url string, flags ...string) []byte {
	t.Helper()
	profile, err := os.MkdirTemp("", "pkgbuild-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	// Chromium's helpers may outlive it for a moment; a profile left
	// behind is not the test's failure.
	t.Cleanup(func() { os.RemoveAll(profile) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile, "--window-size=1280,900"}, flags...)
	cmd := exec.CommandContext(ctx, chromium(t), append(args, url)...)
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(flags, " "), err, stderr.String())
	}
	return out
}

// browse returns the page's DOM after its script ran, or "" when there is
// no Chromium (and the test may go on without it).
func browse(t *testing.T, page string) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err != nil && os.Getenv("PKGBUILD_REQUIRE_TORCH") != "1" {
		return ""
	}
	return string(headless(t, "file://"+page, "--dump-dom"))
}

// The page in a browser: its script ran (the table's count and the ready
// mark are its work), the summary and the graph show, a link to
// #module=NAME selects the module and shows why it is in the package, and
// a screenshot is a real picture.
func TestReportInChromium(t *testing.T) {
	chromium(t)
	dir := t.TempDir()
	out, _ := filepath.Abs(filepath.Join(dir, "tinynet.html"))
	report(t, out, "-m", example+"/pkgbuild.toml")

	dom := string(headless(t, "file://"+out, "--dump-dom"))
	mustContain(t, "the DOM", dom,
		`data-ready="true"`,
		`<span class="count" id="shown">15 of 15 shown</span>`,
		`<div class="value">14</div><div class="label">modules</div>`,
		`data-name="tinynet.serve"`,
	)
	if !regexp.MustCompile(`<svg id="graph"[^>]* width="[0-9.]+"`).MatchString(dom) {
		t.Error("the DOM has no graph")
	}

	dom = string(headless(t, "file://"+out+"#module=regex", "--dump-dom"))
	detail := regexp.MustCompile(`(?s)<aside class="detail" id="detail"[^>]*>(.*?)</aside>`).FindStringSubmatch(dom)
	if detail == nil {
		t.Fatal("no detail panel")
	}
	mustContain(t, "the detail panel of regex", detail[1],
		`<h3>regex</h3>`, `<h4>Why it is here</h4>`, `>tinynet.serve</a>`, `>tinynet.tokenizer</a>`, `<h4>Imported by (1)</h4>`)
	if !strings.Contains(dom, `class="node a-extern hi sel" id="`) && !strings.Contains(dom, `class="node a-extern sel hi" id="`) {
		t.Error("regex is not selected in the graph")
	}

	shot := filepath.Join(dir, "tinynet.png")
	headless(t, "file://"+out, "--screenshot="+shot)
	checkScreenshot(t, shot)
}

// checkScreenshot fails unless the file is a 1280x900 PNG with a picture
// on it: many colours, not one blank page.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b != image.Rect(0, 0, 1280, 900) {
		t.Errorf("screenshot is %v, want 1280x900", b)
	}
	colours := map[[3]uint32]bool{}
	dark := 0
	for y := 0; y < 900; y += 3 {
		for x := 0; x < 1280; x += 3 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
			if r>>8 < 64 && g>>8 < 64 && b>>8 < 64 {
				dark++
			}
		}
	}
	if len(colours) < 100 || dark == 0 {
		t.Errorf("screenshot looks blank: %d colours, %d dark pixels", len(colours), dark)
	}
}
