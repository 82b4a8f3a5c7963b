package resolver_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/pkgbuild/pkgbuild/manifest"
	"github.com/pkgbuild/pkgbuild/resolver"
	"github.com/pkgbuild/pkgbuild/scanner"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/*.txtar")

// TestFixtures resolves each testdata/*.txtar: its files are written to a
// temporary folder, its pkgbuild.toml is loaded and resolved, and a summary
// (every node with its action and why, the DOT graph, every problem) must
// equal the archive's "want" section. Run with -update to rewrite them.
func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var want string
			for _, f := range ar.Files {
				if f.Name == "want" {
					want = string(f.Data)
					continue
				}
				p := filepath.Join(dir, f.Name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := resolveSummary(t, dir)
			if *update {
				for i := range ar.Files {
					if ar.Files[i].Name == "want" {
						ar.Files[i].Data = []byte(got)
					}
				}
				if want == "" && got != "" {
					ar.Files = append(ar.Files, txtar.File{Name: "want", Data: []byte(got)})
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("resolution differs from the want section (-want +got):\n%s", diff)
			}
		})
	}
}

func resolveSummary(t *testing.T, dir string) string {
	t.Helper()
	m, err := manifest.Load(filepath.Join(dir, "pkgbuild.toml"))
	if err != nil {
		return "manifest error:\n" + strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "") + "\n"
	}
	g, err := resolver.Resolve(resolver.ConfigFrom(m), resolver.Options{})
	if err != nil {
		return "resolve error: " + err.Error() + "\n"
	}
	rel := func(p string) string {
		if r, err := filepath.Rel(dir, p); err == nil {
			return filepath.ToSlash(r)
		}
		return p
	}
	var b strings.Builder
	for _, name := range g.Order {
		n := g.Nodes[name]
		kind := ""
		if n.IsPackage {
			kind = " (package)"
		}
		file := ""
		if n.File != "" {
			file = " " + rel(n.File)
		}
		fmt.Fprintf(&b, "%-6s %s%s [%s]%s\n", n.Action, name, kind, n.Why, file)
	}
	b.WriteString(g.DOT())
	for _, sev := range []resolver.Severity{resolver.Error, resolver.Warning, resolver.Note} {
		if text := g.Problems.Format(sev, rel); text != "" {
			fmt.Fprintf(&b, "%ss:\n%s", sev, strings.ReplaceAll(text, dir+string(filepath.Separator), ""))
		}
	}
	return b.String()
}

// The graph and its problems never depend on the order in which scan
// workers finish. Here p.a and p.b both import x, which no rule matches,
// and both make p, which no rule matches either, a parent package: the
// problem is reported at the first import of x in queue order, and p is the
// parent of p.a, whichever file is scanned first. Each run makes one file's
// scan wait until the other's is done, and a little longer, so that the
// other's result comes first; the graph must equal that of one worker.
func TestScanOrderIndependent(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"p/__init__.py": "",
		"p/a.py":        "import x\n",
		"p/b.py":        "\n\nimport x\n",
		"x.py":          "",
	})
	cfg := func() *resolver.Config {
		return &resolver.Config{Python: "3.11", Roots: []string{dir},
			Modules: []resolver.Entry{{Name: "p.a"}, {Name: "p.b"}}}
	}
	want, err := resolver.Resolve(cfg(), resolver.Options{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p := want.Nodes["p"]; p == nil || p.Why != "parent of p.a" {
		t.Fatalf("p = %+v, want the parent of p.a", p)
	}
	for _, slow := range []string{"a.py", "b.py"} {
		fast := map[string]string{"a.py": "b.py", "b.py": "a.py"}[slow]
		fastDone := make(chan struct{})
		scan := func(path string) (*scanner.File, error) {
			switch filepath.Base(path) {
			case slow:
				<-fastDone
				time.Sleep(20 * time.Millisecond)
			case fast:
				defer close(fastDone)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			return scanner.Parse(data)
		}
		got, err := resolver.Resolve(cfg(), resolver.Options{Scan: scan, Jobs: 2})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("with %s scanned last, the graph differs from one worker's (-want +got):\n%s", slow, diff)
		}
	}
}

// writeFiles writes files (slash path -> content) below dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
