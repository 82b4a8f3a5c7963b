package scanner

// Kind tells which Python construct an import statement came from.
type Kind uint8

const (
	// Import is `import a.b [as c]`; one Stmt per alias.
	Import Kind = iota + 1
	// From is `from [.]*a.b import x, y` or `from . import *`.
	From
	// DunderImport is a call `__import__("a.b", ..., fromlist, level)`
	// whose arguments torch's visitor accepts.
	DunderImport
)

// Stmt is one import as written, before relative names are resolved.
// It depends only on the file's bytes, so it can be cached by content hash.
type Stmt struct {
	Kind Kind
	// Line and Col locate the statement's first token: `import`, `from` or
	// the name __import__ (1-based; Col counts bytes).
	Line, Col int
	Module    string // dotted name as written; "" for `from . import x`
	// Level is the number of leading dots (From) or the level argument
	// (DunderImport; UnresolvableLevel when torch cannot use it).
	Level int
	// Names are the imported names of a From ("*" for a star import) or the
	// elements of a DunderImport fromlist: strings as written, "*" for any
	// other element (torch makes the same reference of both).
	Names []string
	// HasFromlist is set for DunderImport when a fromlist was given
	// (positionally as the 4th argument or by keyword) as a list, tuple or
	// set display; it may be empty.
	HasFromlist bool
	// Optional is set when the statement is inside the body of a `try:`
	// whose handlers catch ImportError, ModuleNotFoundError, Exception,
	// BaseException (alone or in a tuple) or everything (bare `except:`),
	// or of a `with` one of whose items is a call of contextlib.suppress
	// (`contextlib.suppress(...)`, or `suppress(...)` after `from
	// contextlib import suppress`) with one of those names among its
	// arguments; and not inside a def or lambda nested in that body (whose
	// code runs later, outside the try or with).
	Optional bool
	// Visit is the statement's position in the order torch's ast.NodeVisitor
	// reaches it. It differs from source order where the AST keeps fields
	// out of source order: a def's decorators are visited after its body,
	// a dict's values after all its keys, the test of `a if test else b`
	// before a. Refs follows this order so that its output matches torch's.
	Visit int
}

// Finding is something the scanner noticed that does not change the
// torch-equivalent references: a dynamic import or code that cannot work
// inside a PackageImporter.
type Finding struct {
	Line, Col int    // 1-based
	Code      string // stable identifier: see the package documentation
	Message   string // one sentence for people
}

// File is everything the scanner extracts from one Python source file.
type File struct {
	Stmts    []Stmt    // in source order
	Findings []Finding // in source order
}

// Ref is one (module, name) reference as torch.package's
// find_files_source_depends_on returns it. HasName distinguishes the name ""
// (from `fromlist=[""]`) from no name (Python None).
type Ref struct {
	Module   string
	Name     string
	HasName  bool
	Line     int  // line of the first statement that produced this ref
	Optional bool // every statement that produced it was Optional
}

// SyntaxError reports a file that is not valid Python.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string { return fmtSyntax(e) }

// RelativeImportError is torch's "attempted relative import beyond
// top-level package", with the line of the offending statement.
type RelativeImportError struct {
	Line int
}

func (e *RelativeImportError) Error() string {
	return "attempted relative import beyond top-level package"
}
