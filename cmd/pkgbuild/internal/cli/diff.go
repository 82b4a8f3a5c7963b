package cli

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/pkgbuild/pkgbuild/emit/reader"
)

func init() {
	register(&command{
		name:    "diff",
		summary: "show what changed between two packages",
		usage: `usage: pkgbuild diff [--json] A B

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

--json prints one JSON object instead, with the same exit codes:
  {"a": A, "b": B, "same": true|false,
   "changes": [{"kind", "op", "name", "detail", "diff"}, ...]}
where kind is "extern", "module", "resource" or "pickle", op is "+", "-"
or "~", and diff is the unified diff ("" when there is none).

Examples:
  pkgbuild diff old/model.pt new/model.pt
  pkgbuild diff --json old/model.pt new/model.pt
`,
		run: runDiff,
	})
}

func runDiff(e *env, args []string) int {
	c := lookup("diff")
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the changes as one JSON object")
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
	w := bufio.NewWriter(e.stdout)
	var werr error
	if *asJSON {
		werr = writeDiffJSON(w, pos[0], pos[1], changes)
	} else {
		for _, ch := range changes {
			fmt.Fprintln(w, ch)
		}
		for _, ch := range changes {
			if ch.Diff != "" {
				fmt.Fprint(w, "\n", ch.Diff)
			}
		}
	}
	if err := w.Flush(); werr == nil {
		werr = err
	}
	if werr != nil {
		return e.report(fail(ExitIO, "diff: %v", werr))
	}
	if len(changes) == 0 {
		return ExitOK
	}
	return ExitPackage
}

// writeDiffJSON writes what diff --json prints (its usage says what).
func writeDiffJSON(w io.Writer, a, b string, changes []reader.Change) error {
	type change struct {
		Kind   string `json:"kind"`
		Op     string `json:"op"`
		Name   string `json:"name"`
		Detail string `json:"detail"`
		Diff   string `json:"diff"`
	}
	out := struct {
		A       string   `json:"a"`
		B       string   `json:"b"`
		Same    bool     `json:"same"`
		Changes []change `json:"changes"`
	}{A: a, B: b, Same: len(changes) == 0, Changes: []change{}}
	for _, ch := range changes {
		out.Changes = append(out.Changes, change{ch.Kind, string(ch.Op), ch.Name, ch.Detail, ch.Diff})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
