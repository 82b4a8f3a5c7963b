package manifest

import (
	"fmt"
	"strings"
)

// Pos is where a manifest entry was declared: the line of its key, of its
// array element, or of its [[table]] header. The zero Pos means the value is
// a default.
type Pos struct {
	File string // the manifest's path as given to Load or Parse
	Line int    // 1-based
}

// String returns "file:line", the prefix of a message about the entry.
func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Manifest is a validated pkgbuild.toml. Every path in it is absolute and
// clean; every module name is a dotted Python identifier; every pattern is
// compiled. Slices keep the order of the file.
type Manifest struct {
	Path string // the manifest's path as given to Load or Parse
	Dir  string // absolute folder of the manifest; relative paths are relative to it
	// Source is the bytes it was parsed from (what a build's cache key
	// must name: not a second read of Path, which may have changed since).
	Source []byte

	// Output is the archive to write, or "" when the manifest names none
	// (the CLI's -o then decides).
	Output    string
	OutputPos Pos

	// Python is the interpreter the archive targets.
	Python    Version
	PythonPos Pos

	// Roots is the module search path, in order: Dir when the manifest
	// gives none.
	Roots []string

	Modules []ModuleName // entry modules
	Trees   []ModuleName // packages whose every module is an entry

	// Rules decide the action for each module; the first match wins.
	Rules []Rule

	Resources []Resource // data files, stored like save_text/save_binary
	Pickles   []Resource // pickles, stored like save_pickle and scanned
	Sources   []Source   // module code from a file, like save_source_string
	Hidden    []Hidden   // import edges to add
	Ignore    []Ignore   // import edges to drop

	// FromPackages take records from existing archives (repackaging).
	FromPackages []FromPackage

	Parents Parents // what happens to parent packages of interned modules
}

// Rule returns the first rule matching module, or nil. It does not know
// torch's implicit externs (torch.**, most of the standard library), which
// come before any rule.
func (m *Manifest) Rule(module string) *Rule {
	for i := range m.Rules {
		if m.Rules[i].Glob.Match(module) {
			return &m.Rules[i]
		}
	}
	return nil
}

// Version is a Python version, major.minor.
type Version struct {
	Major, Minor int
	// Micro is the third number when the manifest gives one ("3.11.2"),
	// else -1. It only changes .data/python_version, so that an archive can
	// name the exact interpreter as torch's PackageExporter does.
	Micro int
}

// String returns "3.11", or "3.11.2" when the micro version was given.
func (v Version) String() string {
	if v.Micro >= 0 {
		return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Micro)
	}
	return v.MajorMinor()
}

// MajorMinor returns "3.11": the part that decides the standard library.
func (v Version) MajorMinor() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// MarshalText writes the version as "3.11", for JSON output.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// The Python versions a manifest may target, and the default.
var (
	MinPython     = Version{3, 8, -1}
	MaxPython     = Version{3, 13, -1}
	DefaultPython = Version{3, 11, -1}
)

// ModuleName is a dotted module name and where the manifest gives it.
type ModuleName struct {
	Name string
	Pos  Pos
}

// Action is what a rule does with the modules it matches, as
// PackageExporter's intern, extern, mock and deny do.
type Action uint8

const (
	// Intern writes the module's source into the archive.
	Intern Action = iota + 1
	// Extern leaves the module to the loading environment and lists it in
	// .data/extern_modules.
	Extern
	// Mock writes a stub whose every attribute raises NotImplementedError.
	Mock
	// Deny makes the build fail if the module is needed.
	Deny
)

var actionNames = []string{Intern: "intern", Extern: "extern", Mock: "mock", Deny: "deny"}

// String returns the action's manifest key: "intern", "extern", "mock" or
// "deny".
func (a Action) String() string {
	if int(a) < len(actionNames) && actionNames[a] != "" {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// MarshalText writes the action's name, for JSON output.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Rule is one [[rule]] table.
type Rule struct {
	Action  Action
	Include []string // the action's patterns
	Exclude []string
	// AllowEmpty false makes the build fail when the rule matches no
	// module. It is always true for Deny.
	AllowEmpty bool
	Glob       *Glob // Include and Exclude compiled with separator '.'
	Pos        Pos   // the [[rule]] header
}

// String renders the rule as it could be written on one line:
// `extern ["numpy.**"] exclude ["numpy.testing.**"] allow_empty=false`.
func (r *Rule) String() string {
	var b strings.Builder
	b.WriteString(r.Action.String())
	b.WriteByte(' ')
	writeTOMLList(&b, r.Include)
	if len(r.Exclude) > 0 {
		b.WriteString(" exclude ")
		writeTOMLList(&b, r.Exclude)
	}
	if !r.AllowEmpty {
		b.WriteString(" allow_empty=false")
	}
	return b.String()
}

func writeTOMLList(b *strings.Builder, list []string) {
	b.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%q", s)
	}
	b.WriteByte(']')
}

// Resource is one file stored in the archive at Path(). A [[resource]] with
// `files` yields one Resource per matched file, in name order.
type Resource struct {
	Package string // dotted module name of the folder it is stored in
	// Name is the file's path below the package folder, "/"-separated: a
	// bare file name unless it came from a `files` glob.
	Name string
	File string // absolute path of the bytes to store
	Pos  Pos    // the [[resource]] or [[pickle]] header
}

// Path returns the record's name inside the archive's top folder, as
// torch's _filename builds it: "mymodel/assets/vocab.txt".
func (r *Resource) Path() string {
	return strings.ReplaceAll(r.Package, ".", "/") + "/" + r.Name
}

// Source is one [[source]]: a file that provides a module's code.
type Source struct {
	Module  string
	File    string // absolute
	Package bool   // stored as <module>/__init__.py rather than <module>.py
	Pos     Pos    // the [[source]] header
}

// Path returns the record's name inside the archive's top folder:
// "mymodel/config.py", or "mymodel/config/__init__.py" for a package.
func (s *Source) Path() string {
	p := strings.ReplaceAll(s.Module, ".", "/")
	if s.Package {
		return p + "/__init__.py"
	}
	return p + ".py"
}

// FromPackage is one [[from_package]]: pickles, their tensor storages,
// resources and, with Sources, module sources taken from an archive that
// torch (any version) or pkgbuild wrote. The manifest only checks that
// File exists; the build reads it.
type FromPackage struct {
	File string // absolute: a zip archive, or an unzipped archive folder
	// Include and Exclude are record patterns: torch GlobGroup patterns
	// with separator '/' over record names below the archive's top folder
	// ("model/*.pkl"). Include is ["**"] when the manifest gives none.
	Include []string
	Exclude []string
	// IncludePos is where each Include pattern is written; the default
	// "**" has the [[from_package]] header's position.
	IncludePos []Pos
	Glob       *Glob // Include and Exclude compiled with separator '/'
	// Sources also takes the archive's module sources: its interned
	// modules provide their modules, like [[source]], unless a [[source]]
	// or the roots provide the same module, and its mocked modules stay
	// mocked unless a [[rule]] decides them.
	Sources bool
	FilePos Pos // the file key
	Pos     Pos // the [[from_package]] header
}

// Hidden is one [[hidden]]: every module matching Importers imports each
// of Imports, although no import statement says so.
type Hidden struct {
	Module    string // the importer pattern as written
	Importers *Glob  // Module compiled with separator '.'
	Imports   []ModuleName
	Pos       Pos // the [[hidden]] header
}

// Ignore is one [[ignore]]: imports the scanner finds but the build must
// not follow.
type Ignore struct {
	Module    string   // the importer pattern as written; "**" by default
	Imports   []string // patterns of imported modules
	Importers *Glob    // Module compiled
	Imported  *Glob    // Imports compiled
	Pos       Pos      // the [[ignore]] header
}

// Match reports whether the edge importer -> imported is ignored.
func (ig *Ignore) Match(importer, imported string) bool {
	return ig.Importers.Match(importer) && ig.Imported.Match(imported)
}

// Parents says what happens to the parent packages of interned modules.
type Parents uint8

const (
	// ParentsIntern interns the parent packages of every interned module,
	// so that the archive imports on its own. The default.
	ParentsIntern Parents = iota
	// ParentsTorch leaves parents out unless something imports them, as
	// torch.package does.
	ParentsTorch
)

// String returns the manifest spelling: "intern" or "torch".
func (p Parents) String() string {
	switch p {
	case ParentsIntern:
		return "intern"
	case ParentsTorch:
		return "torch"
	}
	return fmt.Sprintf("Parents(%d)", uint8(p))
}

// MarshalText writes the manifest spelling, for JSON output.
func (p Parents) MarshalText() ([]byte, error) { return []byte(p.String()), nil }
