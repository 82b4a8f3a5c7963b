package resolver

import (
	"fmt"
	"sort"
	"strings"
)

// Severity orders problems: errors fail the build, warnings and notes do not.
type Severity uint8

const (
	Error Severity = iota
	Warning
	Note
)

func (s Severity) String() string { return [...]string{"error", "warning", "note"}[s] }

// Reason groups problems as torch's PackagingError groups broken modules.
type Reason uint8

const (
	NoRule         Reason = iota // torch NO_ACTION
	Denied                       // torch DENIED
	IsExtension                  // torch IS_EXTENSION_MODULE
	NoSource                     // torch SOURCE_FILE_NOT_FOUND / NO_DUNDER_FILE
	BadPython                    // torch DEPENDENCY_RESOLUTION_FAILED
	MockedButUsed                // torch MOCKED_BUT_STILL_USED
	EntryMissing                 // torch raises ModuleNotFoundError from save_module
	ImportNotFound               // torch drops such imports silently
	BadStructure                 // torch's PackageImporter fails at load time
	EmptyMatch                   // torch EmptyMatchError
	BadPickle                    // a [[pickle]] that cannot be read
	DynamicImport                // warning: an import pkgbuild cannot follow
	CannotWork                   // warning: code that cannot work inside a PackageImporter
	Optional                     // note: an optional import that is not there
)

var reasonText = [...]string{
	NoRule:         "Module did not match against any action pattern. Extern, mock, or intern it.",
	Denied:         "Module was denied by a pattern.",
	IsExtension:    "Module is a C extension module. torch.package supports Python modules only.",
	NoSource:       "Module has no Python source to package.",
	BadPython:      "Module is not valid Python, so its dependencies cannot be resolved.",
	MockedButUsed:  "Module was mocked out, but is still being used by a pickle. Intern or extern the mocked modules if objects are supposed to be in the package.",
	EntryMissing:   "Entry module does not exist in the roots.",
	ImportNotFound: "Imported module was not found in the roots, and no rule externs, mocks or denies it (torch.package drops such imports silently and the package fails when the import runs).",
	BadStructure:   "Module layout that torch's PackageImporter rejects when it opens the package.",
	EmptyMatch:     "A rule with allow_empty = false matched no module.",
	BadPickle:      "Pickle cannot be read.",
	DynamicImport:  "Dynamic import: pkgbuild cannot see what it imports; add a [[hidden]] entry if the package needs it.",
	CannotWork:     "Code that cannot work inside a torch.package PackageImporter.",
	Optional:       "Optional import (inside try/except ImportError or with suppress(ImportError)) not found; left out, as torch.package does.",
}

func (r Reason) String() string { return reasonText[r] }

// Severity is the severity of every problem of this reason.
func (r Reason) Severity() Severity {
	switch r {
	case DynamicImport, CannotWork:
		return Warning
	case Optional:
		return Note
	}
	return Error
}

// Problem is one diagnostic: data, not text. File and Line point at the
// statement (or manifest entry) that caused it when there is one.
type Problem struct {
	Reason  Reason
	Module  string
	Context string
	File    string
	Line    int
	// Chain is a shortest chain of imports from a start of the build to
	// Module; it is filled in once the graph is complete.
	Chain []string
	// Fix is a manifest change that would resolve the problem.
	Fix string
}

func (p *Problem) Severity() Severity { return p.Reason.Severity() }

// Problems is every diagnostic of a resolution.
type Problems []*Problem

// Errors reports how many problems are errors.
func (ps Problems) Errors() int {
	n := 0
	for _, p := range ps {
		if p.Severity() == Error {
			n++
		}
	}
	return n
}

// Sort orders problems by severity, reason, then module and location, so
// output never depends on the order work finished in.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Severity() != b.Severity() {
			return a.Severity() < b.Severity()
		}
		if a.Reason != b.Reason {
			return a.Reason < b.Reason
		}
		if a.Module != b.Module {
			return a.Module < b.Module
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
}

// Format writes the problems of the given severity grouped by reason, the
// way torch's PackagingError does, with each module's location, chain and
// fix:
//
//   - Module was denied by a pattern.
//     boto3
//     src/app/io.py:3: imported here
//     chain: app.main -> app.io -> boto3
//     fix: remove the import, or change the rule at pkgbuild.toml:12
func (ps Problems) Format(sev Severity, rel func(string) string) string {
	if rel == nil {
		rel = func(s string) string { return s }
	}
	var b strings.Builder
	var last Reason = 255
	for _, p := range ps {
		if p.Severity() != sev {
			continue
		}
		if p.Reason != last {
			fmt.Fprintf(&b, "* %s\n", p.Reason)
			last = p.Reason
		}
		name := p.Module
		if name == "" {
			name = "(manifest)"
		}
		fmt.Fprintf(&b, "    %s\n", name)
		if p.File != "" {
			loc := rel(p.File)
			if p.Line > 0 {
				loc = fmt.Sprintf("%s:%d", loc, p.Line)
			}
			fmt.Fprintf(&b, "      at: %s\n", loc)
		}
		if p.Context != "" {
			fmt.Fprintf(&b, "      context: %s\n", p.Context)
		}
		if len(p.Chain) > 1 {
			fmt.Fprintf(&b, "      chain: %s\n", strings.Join(p.Chain, " -> "))
		}
		if p.Fix != "" {
			fmt.Fprintf(&b, "      fix: %s\n", p.Fix)
		}
	}
	return b.String()
}
