package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pkgbuild/pkgbuild/scanner"
)

func init() {
	register(&command{
		name:    "imports",
		summary: "print the imports the scanner finds in Python files",
		usage: `usage: pkgbuild imports [--root DIR] [--json] PATH...

Scans Python files without running them and prints the (module, name)
references torch.package's find_files_source_depends_on would return, with
relative imports resolved as PackageExporter resolves them. PATH is a file
or a folder searched for *.py. A module's name is its path below --root.

Human output: one line per reference, "file:line: module [name]"; dynamic
imports and code that cannot work inside a PackageImporter as warnings.
With --json: one object per file, in path order:
  {"file": F, "module": M, "refs": [[module, name-or-null], ...]}
  {"file": F, "module": M, "error": "line 3:7: ..."}

Example:
  pkgbuild imports --root src --json src/mymodel
`,
		run: runImports,
	})
}

func runImports(e *env, args []string) int {
	c := lookup("imports")
	fset := flag.NewFlagSet("imports", flag.ContinueOnError)
	root := fset.String("root", ".", "folder that module names are relative to")
	asJSON := fset.Bool("json", false, "print one JSON object per file")
	paths, code, ok := parse(c, e, fset, args)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		fmt.Fprintln(e.stderr, "pkgbuild imports: no PATH given\nRun 'pkgbuild help imports' for usage.")
		return ExitUsage
	}
	files, err := pyFiles(paths)
	if err != nil {
		return e.report(fail(ExitUsage, "imports: %v", err))
	}
	absRoot, err := filepath.Abs(*root)
	if err != nil {
		return e.report(err)
	}
	failed := false
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	for _, file := range files {
		module, isPkg := moduleName(absRoot, file)
		refs, findings, err := scanFile(file, module, isPkg)
		if err != nil {
			failed = true
		}
		if *asJSON {
			line := importsLine{File: file, Module: module}
			if err != nil {
				line.Error = err.Error()
			} else {
				pairs := make([][2]any, 0, len(refs))
				for _, r := range refs {
					var name any // JSON null for Python's None
					if r.HasName {
						name = r.Name
					}
					pairs = append(pairs, [2]any{r.Module, name})
				}
				line.Refs = &pairs
			}
			if err := enc.Encode(line); err != nil {
				return e.report(err)
			}
			continue
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "%s:%v\n", file, syntaxLoc(err))
			continue
		}
		for _, r := range refs {
			name := ""
			if r.HasName {
				name = fmt.Sprintf(" %q", r.Name)
			}
			opt := ""
			if r.Optional {
				opt = " (optional)"
			}
			fmt.Fprintf(e.stdout, "%s:%d: %s%s%s\n", file, r.Line, r.Module, name, opt)
		}
		for _, f := range findings {
			fmt.Fprintf(e.stderr, "%s:%d:%d: warning: %s\n", file, f.Line, f.Col, f.Message)
		}
	}
	if failed {
		return ExitPackage
	}
	return ExitOK
}

// importsLine is one line of `imports --json`: refs, or error when the
// file cannot be scanned.
type importsLine struct {
	File   string    `json:"file"`
	Module string    `json:"module"`
	Refs   *[][2]any `json:"refs,omitempty"`
	Error  string    `json:"error,omitempty"`
}

func syntaxLoc(err error) string {
	switch e := err.(type) {
	case *scanner.SyntaxError:
		return fmt.Sprintf("%d:%d: error: %s", e.Line, e.Col, e.Msg)
	case *scanner.RelativeImportError:
		return fmt.Sprintf("%d: error: %s", e.Line, e.Error())
	}
	return " error: " + err.Error()
}

// scanFile scans one file with torch's package argument for the module.
func scanFile(file, module string, isPkg bool) ([]scanner.Ref, []scanner.Finding, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	f, err := scanner.Parse(data)
	if err != nil {
		return nil, nil, err
	}
	refs, err := f.ModuleRefs(module, isPkg)
	return refs, f.Findings, err
}

// moduleName is a file's module name below root: the path with "/" as "."
// and without ".py"; an __init__.py names its package.
func moduleName(root, file string) (string, bool) {
	abs, err := filepath.Abs(file)
	if err != nil {
		abs = file
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(abs)
	}
	rel = strings.TrimSuffix(filepath.ToSlash(rel), ".py")
	isPkg := false
	if rel == "__init__" || strings.HasSuffix(rel, "/__init__") {
		isPkg = true
		rel = strings.TrimSuffix(strings.TrimSuffix(rel, "__init__"), "/")
	}
	return strings.ReplaceAll(rel, "/", "."), isPkg
}

// pyFiles expands paths: files as given, folders searched for *.py, sorted.
func pyFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".py") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}
