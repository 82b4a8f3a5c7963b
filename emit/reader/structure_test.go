package reader

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

// goldenFile holds what torch 1.13's PackageImporter says about the
// committed samples and a few synthetic name lists; torch_reference.py
// golden writes it. Each file's name is a JSON object saying what was
// asked.
const goldenFile = "testdata/file_structure.txtar"

type goldenCase struct {
	Pkg     string   `json:"pkg"`
	HasFile bool     `json:"has_file"`
	Modules bool     `json:"modules"`
	Root    string   `json:"root"`
	Names   []string `json:"names"`
	Include []string `json:"include"`
	Exclude []string `json:"exclude"`
}

// TestFileStructureMatchesGolden checks FileStructure, HasFile and
// Archive.Modules against every case of the golden file: the printed tree,
// character for character, has_file's answer for each path, and the
// modules of PackageImporter's module tree.
func TestFileStructureMatchesGolden(t *testing.T) {
	ar, err := txtar.ParseFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(ar.Files) < 40 {
		t.Fatalf("%s has only %d cases", goldenFile, len(ar.Files))
	}
	for _, f := range ar.Files {
		var c goldenCase
		if err := json.Unmarshal([]byte(f.Name), &c); err != nil {
			t.Fatalf("case %s: %v", f.Name, err)
		}
		names, root := c.Names, c.Root
		if c.Pkg != "" {
			root = "testdata/" + c.Pkg
			names = open(t, root).Records()
		}
		if c.Modules {
			var got strings.Builder
			for _, m := range open(t, root).Modules() {
				kind := "module"
				if m.IsPackage {
					kind = "package"
				}
				fmt.Fprintf(&got, "%s %s %s\n", m.Name, m.Path, kind)
			}
			if diff := cmp.Diff(string(f.Data), got.String()); diff != "" {
				t.Errorf("modules, case %s (-torch +got):\n%s", f.Name, diff)
			}
			continue
		}
		if c.HasFile {
			var got strings.Builder
			for _, line := range strings.SplitAfter(string(f.Data), "\n") {
				if line == "" {
					continue
				}
				var p string
				if err := json.NewDecoder(strings.NewReader(line)).Decode(&p); err != nil {
					t.Fatalf("case %s: line %q: %v", f.Name, line, err)
				}
				fmt.Fprintf(&got, "%s %v\n", line[:strings.LastIndexByte(line, ' ')], HasFile(names, p))
			}
			if diff := cmp.Diff(string(f.Data), got.String()); diff != "" {
				t.Errorf("has_file, case %s (-torch +got):\n%s", f.Name, diff)
			}
			continue
		}
		got, err := FileStructure(names, root, c.Include, c.Exclude)
		if err != nil {
			t.Errorf("case %s: %v", f.Name, err)
			continue
		}
		if got != string(f.Data) {
			t.Errorf("case %s:\ngot:\n%s\ntorch:\n%s", f.Name, got, f.Data)
		}
	}
}

// TestTorchGolden runs torch_reference.py golden and compares its output
// with the committed golden file, so the golden file is what torch says
// today; with -update it rewrites the file.
func TestTorchGolden(t *testing.T) {
	python := needTorch(t)
	out := runPython(t, python, ".", "testdata/torch_reference.py", "golden", "testdata")
	if *update {
		if err := os.WriteFile(goldenFile, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	// The header names the torch version; compare the cases.
	got, committed := txtar.Parse(out), txtar.Parse(want)
	if diff := cmp.Diff(committed.Files, got.Files); diff != "" {
		t.Errorf("torch disagrees with %s (-committed +torch); run go test -run TestTorchGolden -update:\n%s", goldenFile, diff)
	}
}

func TestFileStructureOfTorchsTest(t *testing.T) {
	// test_misc.test_file_structure, as observed with torch 1.13.
	names := []string{
		"obj/obj.pkl", "main/main", "module_a.py", "package_a/__init__.py",
		"package_a/subpackage.py", ".data/extern_modules", ".data/python_version", ".data/version",
	}
	want := `─── <binary>
    ├── .data
    │   ├── extern_modules
    │   ├── python_version
    │   └── version
    ├── main
    │   └── main
    ├── obj
    │   └── obj.pkl
    ├── package_a
    │   ├── __init__.py
    │   └── subpackage.py
    └── module_a.py
`
	got, err := FileStructure(names, "<binary>", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got, _ = FileStructure(names, "<binary>", []string{"**/subpackage.py", "**/*.pkl"}, nil)
	want = `─── <binary>
    ├── obj
    │   └── obj.pkl
    └── package_a
        └── subpackage.py
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("include (-want +got):\n%s", diff)
	}
}

func TestFileStructureBadGlob(t *testing.T) {
	_, err := FileStructure([]string{"a"}, "x", []string{"a**"}, nil)
	if err == nil || !strings.Contains(err.Error(), "**") {
		t.Errorf("include a**: err = %v, want torch's ** error", err)
	}
}

func TestHasFile(t *testing.T) {
	names := []string{"package_a/subpackage.py", ".data/version"}
	for path, want := range map[string]bool{
		"package_a":               true, // folders count
		".data":                   true,
		".data/version":           true,
		"package_a/subpackage.py": true,
		"package_a/subpackage":    false,
		"nope":                    false,
		"":                        false,
	} {
		if got := HasFile(names, path); got != want {
			t.Errorf("HasFile(%q) = %v, want %v", path, got, want)
		}
	}
}
