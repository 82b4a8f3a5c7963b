package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

// torch113DOT is what torch 1.13's PackageExporter.dependency_graph_string()
// returns for torch113.pt (see TestGraphOfAPackageIsTorchsGraph).
const torch113DOT = `digraph G {
rankdir = LR;
node [shape=box];
"<obj.obj.pkl>" -> "package_a.subpackage";
"package_a.subpackage" -> "json";
"package_a.subpackage" -> "package_m";
"<tensors.t.pkl>" -> "torch._utils";
"<tensors.t.pkl>" -> "torch";
"<tensors.t.pkl>" -> "collections";
}
`

// A package's graph is rebuilt from the archive alone, and it is the graph
// torch's exporter had when it wrote the archive.
func TestGraphOfAPackage(t *testing.T) {
	code, stdout, stderr := pkgbuildIn(t, "graph", "torch113.pt")
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if diff := cmp.Diff(torch113DOT, stdout); diff != "" {
		t.Errorf("graph torch113.pt (-want +got):\n%s", diff)
	}
}

// exportGraph re-runs the export that made torch113.pt (torch_reference.py
// make) and prints the exporter's dependency_graph_string().
const exportGraph = `
import os, sys, tempfile
sys.path.insert(0, sys.argv[1])
import torch
from torch.package import PackageExporter
import torch_reference as ref
with tempfile.TemporaryDirectory() as src:
    ref.write_tree(src, ref.SOURCES)
    ref.fresh_imports(src)
    with PackageExporter(os.path.join(src, "out.pt")) as pe:
        ref.export_sample(pe)
        sys.stdout.write(pe.dependency_graph_string())
`

// The differential test behind torch113DOT: torch prints the same graph.
func TestGraphOfAPackageIsTorchsGraph(t *testing.T) {
	cmd := exec.Command(python3(t), "-c", exportGraph, samplesDir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	if diff := cmp.Diff(torch113DOT, string(out)); diff != "" {
		t.Errorf("torch's dependency_graph_string() (-pinned +torch):\n%s", diff)
	}
}

// builtTinynet builds examples/tinynet into a temporary folder and returns
// the archive's path.
func builtTinynet(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "tinynet.pt")
	build(t, "-m", example+"/pkgbuild.toml", "-o", out)
	return out
}

// graphJSON runs `pkgbuild graph --json` and decodes it.
type graphNode struct {
	Name   string   `json:"name"`
	Action string   `json:"action"`
	Why    string   `json:"why"`
	Pickle bool     `json:"pickle"`
	File   string   `json:"file"`
	Deps   []string `json:"deps"`
}

type graphOut struct {
	Source  string      `json:"source"`
	Kind    string      `json:"kind"`
	Entries []string    `json:"entries"`
	Nodes   []graphNode `json:"nodes"`
	Edges   []struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"edges"`
}

func graphJSON(t *testing.T, args ...string) graphOut {
	t.Helper()
	code, stdout, stderr := run(t, append([]string{"graph", "--json"}, args...)...)
	if code != cli.ExitOK {
		t.Fatalf("graph --json %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	var g graphOut
	if err := json.Unmarshal([]byte(stdout), &g); err != nil {
		t.Fatalf("graph --json: %v\n%s", err, stdout)
	}
	return g
}

// The graph of the built example agrees with the graph of its manifest:
// the same modules with the same actions, and the same edges, except that
// the manifest's graph also has each interned module's parent package (which
// pkgbuild interns, see the README), and the archive's has _mock.
func TestGraphOfBuiltExampleAgreesWithItsManifest(t *testing.T) {
	pkg := builtTinynet(t)
	fromManifest := graphJSON(t, "-m", example+"/pkgbuild.toml")
	fromPackage := graphJSON(t, pkg)
	if fromManifest.Kind != "manifest" || fromPackage.Kind != "package" {
		t.Errorf("kinds: %q, %q", fromManifest.Kind, fromPackage.Kind)
	}

	actions := func(g graphOut) map[string]string {
		m := map[string]string{}
		for _, n := range g.Nodes {
			m[n.Name] = n.Action
		}
		return m
	}
	wantActions := actions(fromManifest)
	wantActions["_mock"] = "mock-module"
	if diff := cmp.Diff(wantActions, actions(fromPackage)); diff != "" {
		t.Errorf("actions (-manifest +package):\n%s", diff)
	}

	edges := func(g graphOut) map[string]bool {
		m := map[string]bool{}
		for _, e := range g.Edges {
			m[e.From+" -> "+e.To] = true
		}
		return m
	}
	inPackage := edges(fromPackage)
	for e := range edges(fromManifest) {
		from, to, _ := strings.Cut(e, " -> ")
		if !inPackage[e] && !strings.HasPrefix(from, to+".") {
			t.Errorf("manifest edge %s is not in the package's graph, and not a parent edge", e)
		}
		delete(inPackage, e)
	}
	for e := range inPackage {
		t.Errorf("package edge %s is not in the manifest's graph", e)
	}
}

// --why prints every import path from an entry (a pickle, or a module
// nothing imports) to a module, shortest first, like torch's all_paths.
func TestGraphWhy(t *testing.T) {
	pkg := builtTinynet(t)
	code, stdout, stderr := run(t, "graph", "--why", "regex", pkg)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	want := `tinynet.serve -> tinynet.tokenizer -> regex
tinynet.serve -> tinynet -> tinynet.tokenizer -> regex
`
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("graph --why regex PKG (-want +got):\n%s", diff)
	}

	// The manifest's graph has the parent edges too, so more paths.
	code, stdout, _ = run(t, "graph", "-m", example+"/pkgbuild.toml", "--why", "tinynet.layers")
	want = `tinynet.serve -> tinynet -> tinynet.model -> tinynet.layers
<tinynet.config.pkl> -> tinynet.config -> tinynet -> tinynet.model -> tinynet.layers
tinynet.serve -> tinynet.tokenizer -> tinynet -> tinynet.model -> tinynet.layers
tinynet.serve -> tinynet.tokenizer -> tinynet.assets -> tinynet -> tinynet.model -> tinynet.layers
`
	if diff := cmp.Diff(want, stdout); code != cli.ExitOK || diff != "" {
		t.Errorf("graph --why tinynet.layers: exit %d (-want +got):\n%s", code, diff)
	}

	// An entry is its own path.
	code, stdout, _ = run(t, "graph", "--why", "<tinynet.config.pkl>", pkg)
	if code != cli.ExitOK || stdout != "<tinynet.config.pkl>\n" {
		t.Errorf("graph --why of an entry: exit %d, %q", code, stdout)
	}
}

// --max-paths caps --why, and the output says so.
func TestGraphWhyIsCapped(t *testing.T) {
	code, stdout, _ := run(t, "graph", "-m", example+"/pkgbuild.toml", "--why", "torch", "--max-paths", "2")
	want := `tinynet.serve -> torch
tinynet.serve -> tinynet -> tinynet.model -> torch
(stopped after 2 paths; raise --max-paths for more)
`
	if diff := cmp.Diff(want, stdout); code != cli.ExitOK || diff != "" {
		t.Errorf("exit %d (-want +got):\n%s", code, diff)
	}

	code, stdout, _ = run(t, "graph", "-m", example+"/pkgbuild.toml", "--why", "torch", "--max-paths", "2", "--json")
	var got struct {
		Module string     `json:"module"`
		Paths  [][]string `json:"paths"`
		Capped bool       `json:"capped"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); code != cli.ExitOK || err != nil {
		t.Fatalf("exit %d, %v\n%s", code, err, stdout)
	}
	if got.Module != "torch" || len(got.Paths) != 2 || !got.Capped {
		t.Errorf("--why --json: %+v", got)
	}
}

// --rdeps lists the modules that import a module directly, like
// get_rdeps, in graph order.
func TestGraphRdeps(t *testing.T) {
	pkg := builtTinynet(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--rdeps", "torch", pkg}, "tinynet.serve\ntinynet.model\ntinynet.layers\n"},
		{[]string{"--rdeps", "torch", "-m", example + "/pkgbuild.toml"}, "tinynet.model\ntinynet.layers\ntinynet.serve\n"},
		{[]string{"--rdeps", "tinynet.serve", pkg}, ""},
		{[]string{"--rdeps", "package_m", filepath.Join(samplesDir, "torch113.pt")}, "package_a.subpackage\n"},
	} {
		code, stdout, stderr := run(t, append([]string{"graph"}, tc.args...)...)
		if code != cli.ExitOK || stdout != tc.want {
			t.Errorf("graph %s: exit %d, %q, want %q\n%s", strings.Join(tc.args, " "), code, stdout, tc.want, stderr)
		}
	}
	code, stdout, _ := run(t, "graph", "--json", "--rdeps", "tinynet.serve", pkg)
	if code != cli.ExitOK || !strings.Contains(stdout, `"rdeps": []`) {
		t.Errorf("--rdeps --json of a module nothing imports: exit %d\n%s", code, stdout)
	}
}

// --json has every node with its action, why and dependencies, in graph
// order, and the edges.
func TestGraphJSON(t *testing.T) {
	g := graphJSON(t, filepath.Join(samplesDir, "torch113.pt"))
	var nodes []string
	for _, n := range g.Nodes {
		nodes = append(nodes, strings.Join([]string{n.Name, n.Action, n.Why, n.File, strings.Join(n.Deps, ",")}, " | "))
	}
	// Graph order: a walk from the entries, in archive order.
	want := []string{
		"<obj.obj.pkl> | intern | pickle | obj/obj.pkl | package_a.subpackage",
		"package_a.subpackage | intern | packaged source | package_a/subpackage.py | json,package_m",
		"json | extern | listed in .data/extern_modules |  | ",
		"package_m | mock | mock stub | package_m/__init__.py | ",
		"<tensors.t.pkl> | intern | pickle | tensors/t.pkl | torch._utils,torch,collections",
		"torch._utils | extern | listed in .data/extern_modules |  | ",
		"torch | extern | listed in .data/extern_modules |  | ",
		"collections | extern | listed in .data/extern_modules |  | ",
		"module_a | intern | packaged source | module_a.py | ",
		"package_a | intern | packaged source | package_a/__init__.py | ",
		"_mock | mock-module | the mock implementation | _mock.py | ",
	}
	if diff := cmp.Diff(want, nodes); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"<obj.obj.pkl>", "<tensors.t.pkl>", "module_a", "package_a", "_mock"}, g.Entries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if len(g.Edges) != 6 || g.Edges[0].From != "<obj.obj.pkl>" || g.Edges[0].To != "package_a.subpackage" {
		t.Errorf("edges: %+v", g.Edges)
	}
}

// An import the archive neither holds nor externs is a node with action
// "none": the package would fail when it runs. "from m import n" depends
// on m.n only when the archive holds m.n.
func TestGraphOfAPackageShowsMissingImports(t *testing.T) {
	pkg := hostileZip(t,
		[2]string{"t/.data/extern_modules", "numpy\n"},
		[2]string{"t/.data/version", "6\n"},
		[2]string{"t/app/__init__.py", "import yaml\nfrom . import util, helpers\nimport torch_package_importer\n"},
		[2]string{"t/app/util.py", "from numpy import linalg\nimport numpy.fft\n"},
		[2]string{"t/app/broken.py", "def f(:\n"},
	)
	code, stdout, stderr := run(t, "graph", pkg)
	want := `digraph G {
rankdir = LR;
node [shape=box];
"app" -> "yaml";
"app" -> "app.util";
"app.util" -> "numpy";
"app.util" -> "numpy.fft";
}
`
	if diff := cmp.Diff(want, stdout); code != cli.ExitOK || diff != "" {
		t.Errorf("exit %d (-want +got):\n%s\n%s", code, diff, stderr)
	}
	// The source that is not Python is a warning: its imports are unknown.
	if !strings.Contains(stderr, "app.broken") || !strings.Contains(stderr, "not valid Python") {
		t.Errorf("stderr does not warn about app/broken.py:\n%s", stderr)
	}
	g := graphJSON(t, pkg)
	got := map[string]string{}
	for _, n := range g.Nodes {
		got[n.Name] = n.Action + ": " + n.Why
	}
	for name, want := range map[string]string{
		"yaml":      "none: missing: neither packaged nor extern",
		"numpy.fft": "extern: below extern numpy",
		"numpy":     "extern: listed in .data/extern_modules",
	} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
}

var didYouMean = regexp.MustCompile(`did you mean "tinynet.config"\?`)

// Exit codes: 1 when the --why or --rdeps module is not in the graph, 2
// for usage errors, 3 when the package cannot be read.
func TestGraphExitCodes(t *testing.T) {
	pkg := builtTinynet(t)
	notZip := filepath.Join(t.TempDir(), "not.pt")
	os.WriteFile(notZip, []byte("not a zip"), 0o644)
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--why", "tinynet.confg", pkg}, cli.ExitPackage, "tinynet.confg is not in the graph"},
		{[]string{"--rdeps", "tinynet.confg", "-m", example + "/pkgbuild.toml"}, cli.ExitPackage, "tinynet.confg is not in the graph"},
		{[]string{"--why", "a", "--rdeps", "b", pkg}, cli.ExitUsage, "cannot be used together"},
		{[]string{"-m", example + "/pkgbuild.toml", pkg}, cli.ExitUsage, "not both"},
		{[]string{"--parents", "torch", pkg}, cli.ExitUsage, "--parents applies to manifests"},
		{[]string{pkg, pkg}, cli.ExitUsage, "at most one PKG"},
		{[]string{"--why", "regex", "--max-paths", "0", pkg}, cli.ExitUsage, "--max-paths"},
		{[]string{"--nope", pkg}, cli.ExitUsage, "flag provided but not defined"},
		{[]string{filepath.Join(t.TempDir(), "missing.pt")}, cli.ExitIO, "no such file"},
		{[]string{notZip}, cli.ExitIO, "not.pt"},
		{[]string{example + "/pkgbuild.toml"}, cli.ExitIO, "pass it with -m"},
	} {
		code, _, stderr := run(t, append([]string{"graph"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("graph %s: exit %d, want %d with %q\n%s", strings.Join(tc.args, " "), code, tc.code, tc.stderr, stderr)
		}
	}
	_, _, stderr := run(t, "graph", "--why", "tinynet.confg", pkg)
	if !didYouMean.MatchString(stderr) {
		t.Errorf("no suggestion: %s", stderr)
	}
}

// The help explains both sources with examples and the exit codes.
func TestGraphHelp(t *testing.T) {
	code, stdout, _ := run(t, "graph", "--help")
	for _, want := range []string{"usage: pkgbuild graph [-m MANIFEST | PKG]", "--why MODULE", "--rdeps MODULE",
		"pkgbuild graph --why regex build/tinynet.pt", "-m examples/tinynet/pkgbuild.toml", "Exit codes:", "-max-paths"} {
		if code != cli.ExitOK || !strings.Contains(stdout, want) {
			t.Errorf("graph --help: exit %d, no %q", code, want)
		}
	}
}

// The graph of a package is the same whatever the archive's form: a zip or
// its unzipped folder.
func TestGraphOfAFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tinynet") + "/"
	build(t, "-m", example+"/pkgbuild.toml", "-o", dir)
	pkg := builtTinynet(t)
	_, fromZip, _ := run(t, "graph", pkg)
	code, fromDir, stderr := run(t, "graph", dir)
	if code != cli.ExitOK || fromZip != fromDir {
		t.Errorf("exit %d; zip and folder graphs differ:\n%s\n%s\n%s", code, fromZip, fromDir, stderr)
	}
	if !strings.Contains(fromZip, `"tinynet.serve" -> "tinynet.tokenizer";`) {
		t.Errorf("graph of the example:\n%s", fromZip)
	}
}
