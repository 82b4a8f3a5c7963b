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
		name:    "audit",
		summary: "list what a package's pickles import and flag the dangerous",
		usage: `usage: pkgbuild audit [--allow MODULE.NAME]... [--json] PKG

Reads every pickle of the torch.package archive PKG (the *.pkl records, and
any other record that starts like a pickle) without loading it, and checks
every global it imports (GLOBAL, INST, STACK_GLOBAL with its operands
followed through the memo) and every persistent ID. It flags:

  - globals from modules neither in the package nor extern, which
    PackageImporter cannot import;
  - STACK_GLOBALs whose module and name are computed while loading;
  - known dangerous callables: os.system, subprocess.*, builtins.eval,
    exec, getattr, __import__, open, pickle.loads, shutil.*, socket.*, and
    more (the list combines picklescan's and fickling's);
  - persistent IDs PackageImporter cannot load (a missing .data/N.storage);
  - malformed pickles, and what PackageImporter would refuse in the
    archive itself (no .data/version or .data/extern_modules, an
    inconsistent module tree).

Output: one line per finding, "PICKLE: module.name: reason" (or
"RECORD: reason" when the finding is not about one global), and exit
code 1; nothing and exit code 0 when there is nothing to report.
--allow MODULE.NAME suppresses the findings about that global.

--json prints one JSON object instead:
  {"path": PKG, "findings": [{"record", "global", "offset", "reason"}, ...],
   "pickles": [{"record", "protocol", "sniffed", "torchscript", "error",
     "globals": [{"module", "name", "opcode", "offset", "unresolved",
                  "origin", "dangerous"}, ...],
     "persistent_ids": [{"offset", "opcode", "id", "unresolved"}, ...]}, ...]}
where origin is "package", "extern", "allowlist", "importer" or "missing".

Examples:
  pkgbuild audit model.pt
  pkgbuild audit --allow builtins.getattr --json model.pt
`,
		run: runAudit,
	})
}

func runAudit(e *env, args []string) int {
	c := lookup("audit")
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	var allow multiFlag
	fs.Var(&allow, "allow", "do not report this global, as module.name (repeatable)")
	asJSON := fs.Bool("json", false, "print the pickles, their globals and the findings as JSON")
	pos, code, ok := parse(c, e, fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return e.report(fail(ExitUsage, "audit: want one PKG, got %d arguments\nRun 'pkgbuild help audit' for usage.", len(pos)))
	}
	a, err := openArchive(pos[0])
	if err != nil {
		return e.report(err)
	}
	defer a.Close()
	rep, err := reader.Audit(a, allow)
	if err != nil {
		return e.report(fail(ExitIO, "audit: %v", err))
	}
	w := bufio.NewWriter(e.stdout)
	if *asJSON {
		err = auditJSON(w, pos[0], rep)
	} else {
		for _, f := range rep.Findings {
			if f.Record == "" {
				f.Record = pos[0]
			}
			fmt.Fprintln(w, f)
		}
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return e.report(fail(ExitIO, "audit: %v", err))
	}
	if len(rep.Findings) > 0 {
		return ExitPackage
	}
	return ExitOK
}

type (
	auditFinding struct {
		Record string `json:"record"`
		Global string `json:"global"`
		Offset int    `json:"offset"`
		Reason string `json:"reason"`
	}
	auditGlobal struct {
		Module     string `json:"module"`
		Name       string `json:"name"`
		Opcode     string `json:"opcode"`
		Offset     int    `json:"offset"`
		Unresolved bool   `json:"unresolved"`
		Origin     string `json:"origin"`
		Dangerous  string `json:"dangerous"`
	}
	auditPID struct {
		Offset     int    `json:"offset"`
		Opcode     string `json:"opcode"`
		ID         string `json:"id"`
		Unresolved bool   `json:"unresolved"`
	}
	auditPickle struct {
		Record        string        `json:"record"`
		Protocol      int           `json:"protocol"`
		Sniffed       bool          `json:"sniffed"`
		TorchScript   bool          `json:"torchscript"`
		Error         string        `json:"error"`
		Globals       []auditGlobal `json:"globals"`
		PersistentIDs []auditPID    `json:"persistent_ids"`
	}
)

func auditJSON(w io.Writer, path string, rep *reader.Report) error {
	out := struct {
		Path     string         `json:"path"`
		Findings []auditFinding `json:"findings"`
		Pickles  []auditPickle  `json:"pickles"`
	}{Path: path, Findings: []auditFinding{}, Pickles: []auditPickle{}}
	for _, f := range rep.Findings {
		out.Findings = append(out.Findings, auditFinding{f.Record, f.Global, f.Offset, f.Reason})
	}
	for _, p := range rep.Pickles {
		ap := auditPickle{Record: p.Record, Protocol: p.Protocol, Sniffed: p.Sniffed, TorchScript: p.TorchScript,
			Globals: []auditGlobal{}, PersistentIDs: []auditPID{}}
		if p.Err != nil {
			ap.Error = p.Err.Error()
		}
		for _, g := range p.Globals {
			ag := auditGlobal{Module: g.ImportModule, Name: g.ImportName, Opcode: g.Opcode, Offset: g.Offset,
				Unresolved: g.Unresolved, Dangerous: g.Danger}
			if !g.Unresolved {
				ag.Origin = g.Origin.String()
			}
			ap.Globals = append(ap.Globals, ag)
		}
		for _, id := range p.PersistentIDs {
			ap.PersistentIDs = append(ap.PersistentIDs, auditPID{id.Offset, id.Opcode, id.String(), id.Unresolved})
		}
		out.Pickles = append(out.Pickles, ap)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
