package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"

	"github.com/pkgbuild/pkgbuild/emit/reader"
)

func init() {
	register(&command{
		name:    "ls",
		summary: "print a package's files as torch's file_structure() does",
		usage: `usage: pkgbuild ls [--include GLOB]... [--exclude GLOB]... [--has PATH] [--json] PKG

Prints the records of the torch.package archive PKG (a zip file, or an
unzipped archive folder) as a tree, character for character what torch's
PackageImporter(PKG).file_structure(include=..., exclude=...) prints, with
PKG as given on the first line. --include and --exclude take torch's glob
patterns with "/" as separator: "**" is any number of folders, "*" any part
of one name. Without --include every record is listed. PKG is read as
untrusted data: nothing in it is executed, and a malformed or hostile
archive is refused with exit code 3.

--has PATH prints nothing; it exits 0 when PATH is a record or a folder of
the tree and 1 when it is not, as file_structure().has_file(PATH) answers.

--json prints one JSON object instead, with the records that pass the
globs in archive order:
  {"path": PKG, "top": "model", "version": "6", "python_version": "3.11.2",
   "externs": ["torch", ...], "records": [{"name": "model/model.pkl", "size": 1234}, ...]}

Examples:
  pkgbuild ls model.pt
  pkgbuild ls model.pt --include '**/*.py' --exclude '_mock.py'
  pkgbuild ls --has .data/version model.pt
`,
		run: runLs,
	})
}

func runLs(e *env, args []string) int {
	c := lookup("ls")
	fs := flag.NewFlagSet("ls", flag.ContinueOnError)
	var include, exclude multiFlag
	fs.Var(&include, "include", "list only records matching this glob (repeatable)")
	fs.Var(&exclude, "exclude", "leave out records matching this glob (repeatable)")
	has := fs.String("has", "", "exit 0 if this record or folder exists, 1 if not; print nothing")
	asJSON := fs.Bool("json", false, "print the records and their sizes as JSON")
	pos, code, ok := parse(c, e, fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return e.report(fail(ExitUsage, "ls: want one PKG, got %d arguments\nRun 'pkgbuild help ls' for usage.", len(pos)))
	}
	hasSet := false
	fs.Visit(func(f *flag.Flag) { hasSet = hasSet || f.Name == "has" })
	a, err := openArchive(pos[0])
	if err != nil {
		return e.report(err)
	}
	defer a.Close()
	d, err := reader.NewDirectory(a.Records(), include, exclude)
	if err != nil {
		return e.report(fail(ExitUsage, "ls: %v", err))
	}
	switch {
	case hasSet:
		if d.HasFile(*has) {
			return ExitOK
		}
		return ExitPackage
	case *asJSON:
		return e.report(lsJSON(e.stdout, pos[0], a, include, exclude))
	}
	io.WriteString(e.stdout, d.Format(pos[0]))
	return ExitOK
}

// lsRecord is one record in ls --json.
type lsRecord struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

func lsJSON(w io.Writer, path string, a *reader.Archive, include, exclude []string) error {
	out := struct {
		Path          string     `json:"path"`
		Top           string     `json:"top"`
		Version       string     `json:"version"`
		PythonVersion string     `json:"python_version"`
		Externs       []string   `json:"externs"`
		Records       []lsRecord `json:"records"`
	}{Path: path, Top: a.Top(), Version: a.Version(), PythonVersion: a.PythonVersion(),
		Externs: a.Externs(), Records: []lsRecord{}}
	if out.Externs == nil {
		out.Externs = []string{}
	}
	names, err := reader.Filter(a.Records(), include, exclude)
	if err != nil {
		return fail(ExitUsage, "ls: %v", err)
	}
	for _, name := range names {
		size, _ := a.Size(name)
		out.Records = append(out.Records, lsRecord{name, size})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// openArchive opens a package for the reading commands (ls, cat, diff,
// audit). Any failure, a missing file or a malformed archive, is exit code
// 3.
func openArchive(path string) (*reader.Archive, error) {
	a, err := reader.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fail(ExitIO, "%s: no such file or folder", path)
	}
	if err != nil {
		return nil, fail(ExitIO, "%v", err)
	}
	return a, nil
}
