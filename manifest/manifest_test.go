package manifest

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/*.txtar")

// TestFixtures loads each testdata/*.txtar: its files are written to a
// fresh folder, pkgbuild.toml is loaded from there, and the result (the
// manifest's summary or every error) must equal the want section. Run
// `go test ./manifest -update` to rewrite the want sections.
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.txtar")
	}
	for _, file := range files {
		abs, err := filepath.Abs(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(abs)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			want, hasWant := "", false
			for _, f := range ar.Files {
				if f.Name == "want" {
					want, hasWant = string(f.Data), true
					continue
				}
				name := filepath.Join(dir, filepath.FromSlash(f.Name))
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// Load a relative path, so messages read "pkgbuild.toml:3:1: ...".
			t.Chdir(dir)
			m, err := Load("pkgbuild.toml")
			got := strings.ReplaceAll(render(t, m, err), dir, "$DIR")

			if *update {
				setWant(ar, got)
				if err := os.WriteFile(abs, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !hasWant {
				t.Fatalf("%s has no want section; run go test -update", file)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: result differs from want (-want +got):\n%s", file, diff)
			}
		})
	}
}

func setWant(ar *txtar.Archive, got string) {
	for i := range ar.Files {
		if ar.Files[i].Name == "want" {
			ar.Files[i].Data = []byte(got)
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: "want", Data: []byte(got)})
}

// render prints a Load result for a want section: every error with its key
// and fix, or a summary of the manifest with the position of each entry.
func render(t *testing.T, m *Manifest, err error) string {
	var b strings.Builder
	if err != nil {
		var list List
		if !errors.As(err, &list) {
			t.Fatalf("Load error is %T, not a List: %v", err, err)
		}
		if m != nil {
			t.Errorf("Load returned a Manifest with errors")
		}
		for _, e := range list {
			fmt.Fprintln(&b, e.Error())
			if e.Key != "" {
				fmt.Fprintf(&b, "\tkey: %s\n", e.Key)
			}
			if e.Fix != "" {
				fmt.Fprintf(&b, "\tfix: %s\n", e.Fix)
			}
		}
		return b.String()
	}
	w := tabwriter.NewWriter(&b, 0, 8, 1, ' ', 0)
	line := func(pos Pos, kind, format string, args ...any) {
		where := "-"
		if pos.Line > 0 {
			where = pos.String()
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", where, kind, fmt.Sprintf(format, args...))
	}
	line(Pos{}, "path", "%s", m.Path)
	line(Pos{}, "dir", "%s", m.Dir)
	if m.Output != "" {
		line(m.OutputPos, "output", "%s", m.Output)
	}
	line(m.PythonPos, "python", "%s", m.Python)
	line(Pos{}, "parents", "%s", m.Parents)
	for _, r := range m.Roots {
		line(Pos{}, "root", "%s", r)
	}
	for _, mod := range m.Modules {
		line(mod.Pos, "module", "%s", mod.Name)
	}
	for _, mod := range m.Trees {
		line(mod.Pos, "tree", "%s", mod.Name)
	}
	for _, r := range m.Rules {
		line(r.Pos, "rule", "%s", r.String())
	}
	for _, r := range m.Resources {
		line(r.Pos, "resource", "%s <- %s", r.Path(), r.File)
	}
	for _, r := range m.Pickles {
		line(r.Pos, "pickle", "%s <- %s", r.Path(), r.File)
	}
	for _, s := range m.Sources {
		line(s.Pos, "source", "%s %s <- %s", s.Module, s.Path(), s.File)
	}
	for _, h := range m.Hidden {
		var names []string
		for _, n := range h.Imports {
			names = append(names, fmt.Sprintf("%s (line %d)", n.Name, n.Pos.Line))
		}
		line(h.Pos, "hidden", "%s imports %s", h.Module, strings.Join(names, ", "))
	}
	for _, ig := range m.Ignore {
		line(ig.Pos, "ignore", "%s -/-> %s", ig.Module, strings.Join(ig.Imports, ", "))
	}
	for _, fp := range m.FromPackages {
		var inc []string
		for i, s := range fp.Include {
			inc = append(inc, fmt.Sprintf("%s (line %d)", s, fp.IncludePos[i].Line))
		}
		line(fp.Pos, "from_package", "%s (line %d) include %s exclude %s sources=%t",
			fp.File, fp.FilePos.Line, strings.Join(inc, ", "), strings.Join(fp.Exclude, ", "), fp.Sources)
	}
	w.Flush()
	return b.String()
}

// expectErrors parses src as pkgbuild.toml in an empty folder and checks
// the error lines (without keys and fixes).
func expectErrors(t *testing.T, src string, want ...string) {
	t.Helper()
	_, err := parse("pkgbuild.toml", []byte(src), emptyFS{})
	var got []string
	var list List
	if errors.As(err, &list) {
		for _, e := range list {
			got = append(got, e.Error())
		}
	} else if err != nil {
		t.Fatalf("parse error is %T, not a List: %v", err, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors for\n%s\n(-want +got):\n%s", src, diff)
	}
}

// emptyFS is a file system holding only folders: every path with an
// extension does not exist.
type emptyFS struct{}

func (emptyFS) Stat(name string) (fs.FileInfo, error) {
	if filepath.Ext(name) != "" {
		return nil, fs.ErrNotExist
	}
	return dirInfo{}, nil
}

func (emptyFS) Glob(dir, pattern string) ([]string, error) { return nil, nil }

type dirInfo struct{ fs.FileInfo }

func (dirInfo) IsDir() bool { return true }

func TestPython(t *testing.T) {
	expectErrors(t, `python = "3.8"`)
	expectErrors(t, `python = "3.13"`)
	expectErrors(t, `python = "3.7"`, `pkgbuild.toml:1:10: error: python "3.7" is not supported; pkgbuild supports 3.8 to 3.13`)
	expectErrors(t, `python = "3.14"`, `pkgbuild.toml:1:10: error: python "3.14" is not supported; pkgbuild supports 3.8 to 3.13`)
	expectErrors(t, `python = "2.7"`, `pkgbuild.toml:1:10: error: python "2.7" is not supported; pkgbuild supports 3.8 to 3.13`)
	expectErrors(t, `python = "3.11.2"`) // names the interpreter exactly in .data/python_version
	expectErrors(t, `python = "3.11.2.1"`, `pkgbuild.toml:1:10: error: python must be a version like "3.11" or "3.11.2", not "3.11.2.1"`)
	expectErrors(t, `python = "3.08"`, `pkgbuild.toml:1:10: error: python must be a version like "3.11" or "3.11.2", not "3.08"`)
	expectErrors(t, `python = "three"`, `pkgbuild.toml:1:10: error: python must be a version like "3.11" or "3.11.2", not "three"`)
	expectErrors(t, `python = 3.11`, `pkgbuild.toml:1:10: error: python must be a string, not a float`)
}

func TestParents(t *testing.T) {
	expectErrors(t, `parents = "torch"`)
	expectErrors(t, `parents = "intern"`)
	expectErrors(t, `parents = "tourch"`, `pkgbuild.toml:1:11: error: parents must be "intern" or "torch", not "tourch"; did you mean "torch"?`)
	expectErrors(t, `parents = true`, `pkgbuild.toml:1:11: error: parents must be a string, not a boolean`)
}

func TestModuleNames(t *testing.T) {
	expectErrors(t, `modules = ["a", "a.b_c.d", "_x.Y9", "é.ü"]`)
	expectErrors(t, `modules = ["", "a..b", "a.", "1a", "a b", "my-model.x", "a.*"]`,
		`pkgbuild.toml:1:12: error: module name is empty`,
		`pkgbuild.toml:1:16: error: "a..b" is not a module name: it has an empty part`,
		`pkgbuild.toml:1:24: error: "a." is not a module name: it has an empty part`,
		`pkgbuild.toml:1:30: error: "1a" is not a module name: it is not a Python identifier`,
		`pkgbuild.toml:1:36: error: "a b" is not a module name: it is not a Python identifier`,
		`pkgbuild.toml:1:43: error: "my-model.x" is not a module name: "my-model" is not a Python identifier`,
		`pkgbuild.toml:1:57: error: "a.*" is not a module name: "*" is not a Python identifier`,
	)
}

func TestPatterns(t *testing.T) {
	ok := []string{"a", "a.**", "**", "**.b", "a.*.b", "torch*.**", "_*", "*_x"}
	for _, p := range ok {
		expectErrors(t, fmt.Sprintf("[[rule]]\nextern = %q", p))
	}
	for _, c := range []struct{ pattern, msg string }{
		{"", `pattern is empty; it matches no module`},
		{"a.**b", `pattern "a.**b": ** can only appear as an entire path segment`},
		{"a..b", `pattern "a..b" has an empty segment and can never match a module`},
		{".a", `pattern ".a" has an empty segment and can never match a module`},
		{"scikit-learn.**", `pattern "scikit-learn.**" can never match a module: "scikit-learn" is not a Python identifier`},
		{"1*", `pattern "1*" can never match a module: "1*" is not a Python identifier`},
	} {
		expectErrors(t, fmt.Sprintf("[[rule]]\nextern = %q", c.pattern), "pkgbuild.toml:2:10: error: "+c.msg)
	}
}

func TestDoubleStarFix(t *testing.T) {
	for pattern, want := range map[string]string{
		"a.**b":   `write "a.*b" to match within a segment, or "a.**.b" to match any number of segments`,
		"numpy**": `write "numpy*" to match within a segment, or "numpy.**" to match any number of segments`,
		"a.x**y":  `write "a.x*y" to match within a segment`,
		"***":     `write "*" to match within a segment`,
	} {
		if got := doubleStarFix(pattern); got != want {
			t.Errorf("doubleStarFix(%q) = %s, want %s", pattern, got, want)
		}
	}
}

func TestNearest(t *testing.T) {
	keys := []string{"intern", "extern", "mock", "deny", "exclude", "allow_empty"}
	for word, want := range map[string]string{
		"extren":     "extern", // a swap is one edit
		"Extern":     "extern",
		"exclud":     "exclude",
		"allowempty": "allow_empty",
		"mocks":      "mock",
		"moc":        "mock",
		"pattern":    "",
		"x":          "",
	} {
		if got := nearest(word, keys); got != want {
			t.Errorf("nearest(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	l := List{
		{File: "b.toml", Line: 1, Col: 1, Msg: "last file"},
		{File: "a.toml", Line: 9, Col: 2, Msg: "second"},
		{File: "a.toml", Line: 3, Col: 7, Msg: "first"},
	}
	l.sort()
	want := "a.toml:3:7: error: first\na.toml:9:2: error: second\nb.toml:1:1: error: last file"
	if got := l.Error(); got != want {
		t.Errorf("List.Error() =\n%s\nwant\n%s", got, want)
	}
	if List(nil).Err() != nil {
		t.Error("empty List.Err() is not nil")
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "pkgbuild.toml"))
	var list List
	if !errors.Is(err, fs.ErrNotExist) || errors.As(err, &list) {
		t.Errorf("Load of a missing file: error %v, want a wrapped fs.ErrNotExist", err)
	}
}

func TestRuleLookup(t *testing.T) {
	m, err := parse("pkgbuild.toml", []byte(`
[[rule]]
intern = "app.**"
exclude = "app.vendored.**"
[[rule]]
extern = ["app.vendored.**", "numpy"]
[[ignore]]
imports = "tensorflow.**"
`), emptyFS{})
	if err != nil {
		t.Fatal(err)
	}
	for module, want := range map[string]string{
		"app":               "intern",
		"app.models.resnet": "intern",
		"app.vendored.six":  "extern",
		"numpy":             "extern",
		"numpy.linalg":      "none",
	} {
		got := "none"
		if r := m.Rule(module); r != nil {
			got = r.Action.String()
		}
		if got != want {
			t.Errorf("Rule(%q) = %s, want %s", module, got, want)
		}
	}
	if !m.Ignore[0].Match("anything", "tensorflow.keras") || m.Ignore[0].Match("anything", "torch") {
		t.Error("[[ignore]] with the default module pattern does not match as expected")
	}
}

func TestDeepNesting(t *testing.T) {
	// The TOML decoder's time grows with the square of the nesting, so
	// Parse refuses deep nesting before decoding.
	expectErrors(t, "a = "+strings.Repeat("[", 40)+strings.Repeat("]", 40),
		"pkgbuild.toml:1:37: error: TOML nests deeper than 32 levels")
	expectErrors(t, strings.Repeat("a.", 40)+"b = 1",
		"pkgbuild.toml:1:65: error: TOML nests deeper than 32 levels")
}

func TestTableTypes(t *testing.T) {
	expectErrors(t, `rule = [{ extern = "a" }, 1]`, `pkgbuild.toml:1:27: error: rule[1] must be a table, not an integer`)
	expectErrors(t, `resource = "x"`, `pkgbuild.toml:1:12: error: resource must be an array of tables ([[resource]]), not a string`)
	expectErrors(t, "[source]\nmodule = \"a\"", `pkgbuild.toml:1:2: error: source must be an array of tables: write [[source]], not [source]`)
	expectErrors(t, "rule = []")
}

func TestNumberFixes(t *testing.T) {
	_, err := parse("pkgbuild.toml", []byte("python = 3.10 # not 3.1\noutput = 12"), emptyFS{})
	var list List
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("got %v, want two errors", err)
	}
	for i, want := range []string{`write python = "3.10"`, `write output = "12"`} {
		if list[i].Fix != want {
			t.Errorf("fix %d = %q, want %q", i, list[i].Fix, want)
		}
	}
}
