package cli

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/pkgbuild/pkgbuild/emit/reader"
	"github.com/pkgbuild/pkgbuild/scanner/pickle"
)

func init() {
	register(&command{
		name:    "cat",
		summary: "print one record of a package, or disassemble a pickle",
		usage: `usage: pkgbuild cat [--pickle] PKG PATH

Writes the bytes of the record PATH of the torch.package archive PKG (a zip
file or an unzipped archive folder) to standard output. PATH is a name below
the archive's top folder, as 'pkgbuild ls' shows it: "model/model.pkl",
".data/extern_modules".

With --pickle, PATH is read as a pickle and disassembled instead, one opcode
a line with what a static reading knows (memo keys, the strings a GET
fetches, the global a STACK_GLOBAL names, persistent IDs), followed by the
globals the pickle imports (where PackageImporter would import each from,
and why it is dangerous if it is) and its persistent IDs. Nothing is
executed or imported. A malformed pickle is disassembled up to the fault,
then exit code 3. Use 'pkgbuild audit' to check every pickle of a package.

Examples:
  pkgbuild cat model.pt .data/extern_modules
  pkgbuild cat --pickle model.pt model/model.pkl
`,
		run: runCat,
	})
}

func runCat(e *env, args []string) int {
	c := lookup("cat")
	fs := flag.NewFlagSet("cat", flag.ContinueOnError)
	asPickle := fs.Bool("pickle", false, "disassemble the record as a pickle and list its globals")
	pos, code, ok := parse(c, e, fs, args)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return e.report(fail(ExitUsage, "cat: want PKG and PATH, got %d arguments\nRun 'pkgbuild help cat' for usage.", len(pos)))
	}
	a, err := openArchive(pos[0])
	if err != nil {
		return e.report(err)
	}
	defer a.Close()
	name := pos[1]
	if !a.Has(name) {
		msg := fmt.Sprintf("cat: %s has no record %q", pos[0], name)
		if reader.HasFile(a.Records(), name) {
			msg += fmt.Sprintf(": it is a folder; 'pkgbuild ls --include %q %s' lists it", strings.TrimSuffix(name, "/")+"/**", pos[0])
		} else {
			msg += "; 'pkgbuild ls " + pos[0] + "' lists the records"
		}
		return e.report(fail(ExitIO, "%s", msg))
	}
	if !*asPickle {
		rc, err := a.Open(name)
		if err != nil {
			return e.report(fail(ExitIO, "cat: %v", err))
		}
		defer rc.Close()
		if _, err := io.Copy(e.stdout, rc); err != nil {
			return e.report(fail(ExitIO, "cat: %v", err))
		}
		return ExitOK
	}
	data, err := a.Read(name)
	if err != nil {
		return e.report(fail(ExitIO, "cat: %v", err))
	}
	w := bufio.NewWriter(e.stdout)
	defer w.Flush()
	disErr := pickle.Disassemble(w, data)
	catGlobals(w, a.InspectPickle(name, data))
	if disErr != nil {
		w.Flush()
		return e.report(fail(ExitIO, "cat: %s: %v", name, disErr))
	}
	return ExitOK
}

// catGlobals lists a pickle's imports and persistent IDs after its
// disassembly.
func catGlobals(w io.Writer, pr reader.PickleReport) {
	fmt.Fprintf(w, "\nglobals (%d):\n", len(pr.Globals))
	for _, g := range pr.Globals {
		if g.Unresolved {
			fmt.Fprintf(w, "  ?  %s at offset %d: cannot be known without running the pickle\n", g.Opcode, g.Offset)
			continue
		}
		name := g.Module + "." + g.Name
		if g.ImportModule != g.Module || g.ImportName != g.Name {
			name += " (imported as " + g.ImportModule + "." + g.ImportName + ")"
		}
		note := g.Origin.String()
		if pr.TorchScript {
			note = "TorchScript"
		}
		if g.Danger != "" {
			note += "; dangerous: " + g.Danger
		}
		fmt.Fprintf(w, "  %s  %s at offset %d  [%s]\n", name, g.Opcode, g.Offset, note)
	}
	if len(pr.PersistentIDs) > 0 {
		fmt.Fprintf(w, "persistent IDs (%d):\n", len(pr.PersistentIDs))
		for _, p := range pr.PersistentIDs {
			fmt.Fprintf(w, "  %s  %s at offset %d\n", p, p.Opcode, p.Offset)
		}
	}
}
