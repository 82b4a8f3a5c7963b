package cli

import (
	"bufio"
	"flag"
	"fmt"

	"github.com/pkgbuild/pkgbuild/emit/reader"
)

func init() {
	register(&command{
		name:    "diff",
		summary: "show what changed between two packages",
		usage: `usage: pkgbuild diff A B

Compares two torch.package archives (zip files or unzipped archive folders,
made by torch or by pkgbuild; their top folders may differ) record by
record, without executing anything, and prints what B adds (+), removes (-)
and changes (~), one line each, in this order:

  extern   + numpy                          extern modules (as a set)
  module   ~ model.net  (model/net.py)      modules, by module name
  resource ~ model/vocab.txt  (9 -> 12 bytes)
  pickle   ~ model/model.pkl  (810 -> 815 bytes; globals +model.net.Net2 -model.net.Net)

then a unified diff of each changed module's source, and of each changed
resource that is text on both sides. Exits 1 when the archives differ and 0
when they hold the same records with the same bytes.

Example:
  pkgbuild diff old/model.pt new/model.pt
`,
		run: runDiff,
	})
}

func runDiff(e *env, args []string) int {
	c := lookup("diff")
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	pos, code, ok := parse(c, e, fs, args)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return e.report(fail(ExitUsage, "diff: want two packages A and B, got %d arguments\nRun 'pkgbuild help diff' for usage.", len(pos)))
	}
	a, err := openArchive(pos[0])
	if err != nil {
		return e.report(err)
	}
	defer a.Close()
	b, err := openArchive(pos[1])
	if err != nil {
		return e.report(err)
	}
	defer b.Close()
	changes, err := reader.Compare(a, b)
	if err != nil {
		return e.report(fail(ExitIO, "diff: %v", err))
	}
	if len(changes) == 0 {
		return ExitOK
	}
	w := bufio.NewWriter(e.stdout)
	for _, ch := range changes {
		fmt.Fprintln(w, ch)
	}
	for _, ch := range changes {
		if ch.Diff != "" {
			fmt.Fprint(w, "\n", ch.Diff)
		}
	}
	if err := w.Flush(); err != nil {
		return e.report(fail(ExitIO, "diff: %v", err))
	}
	return ExitPackage
}
