// Package resolver decides, for every module a package needs, what
// torch.package's PackageExporter would do with it, without importing
// anything, and builds the dependency graph.
//
// # In and out
//
// [Resolve] takes a [Config] (plain values, from [ConfigFrom] of a
// manifest) and returns a [Graph]: every module and pickle as a [Node] with
// its [Action], the reason for it (Why, Rule) and its dependencies in
// torch's order; the nodes in the order PackageExporter would have added
// them (Order), which decides the archive's record order and
// .data/extern_modules; every file read (Inputs) and every folder listed
// (Dirs), for depfiles and the action cache; and every [Problem].
//
// # Finding modules
//
// Modules are found in Config.Roots as CPython's PathFinder finds them: in
// each folder, a package (a folder with __init__) before a module file, an
// extension module (.so, .pyd) before a .py before a .pyc, and folders
// without __init__ becoming a namespace package only when nothing else
// matches in any root. A submodule is searched for only in its parent's
// __path__. Directory listings are read once.
//
// # Deciding
//
// As PackageExporter.add_dependency, in this order: a module provided by a
// [[source]], a tree or an entry is interned; torch_package_importer is
// skipped; _mock is the mock module; torch and the target Python's standard
// library (except sys and io) are externed implicitly; then the first
// matching rule; else no rule matched (an error). The imports of an
// interned module are its scanner references (scanner.File.ModuleRefs) made
// into dependencies as torch's _get_dependencies does: `from a import b`
// depends on a.b when that module exists in the roots, else on a when a
// exists, is in the standard library, or a rule externs, mocks or denies
// it. A reference that exists nowhere is a problem torch would not report
// (it drops such imports silently): an error, or a note when the import is
// optional (inside try/except ImportError or with suppress(ImportError)).
// [[hidden]] adds dependencies; [[ignore]] drops them. A pickle's
// dependencies are the modules of its globals (scanner/pickle), as
// save_pickle adds them; one from a mocked module is an error.
//
// # Parent packages
//
// Python runs a package's __init__.py before any of its submodules;
// torch.package leaves parents out. Unless Config.TorchParents is set, the
// parent package of every interned module is interned too (its
// __init__.py is scanned and followed), even when no rule matches it; a
// parent that a rule mocks is an error, and one that a rule externs is
// caught by the structure check.
//
// # Problems
//
// Every problem is collected, never only the first, as data: a [Reason]
// (grouped like torch's PackagingError), the module, the file and line of
// the import or manifest entry, a shortest chain of imports from a start of
// the build, and a suggested manifest change. After the graph is built,
// the archive's layout is replayed the way PackageImporter opens it
// (externs first, then every record) to report, at build time, what torch
// only fails on at load time: files below an extern, a module file with
// files below it. The result never depends on the order in which files
// were scanned: scanning, and looking up in the roots what each file
// imports, are parallel; decisions are made by one goroutine, which takes
// the files' results in the order the files were queued; and everything
// that reaches the output is ordered by the graph or sorted.
//
// # Non-goals
//
// The resolver runs no code: a module's importability is judged from the
// roots, the rules and the standard library list, never by importing it.
// It does not read pickles' payloads beyond their opcodes, and it does not
// write anything.
package resolver
