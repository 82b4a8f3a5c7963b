// Package manifest reads pkgbuild.toml, the file that says what pkgbuild
// packs into a torch.package archive, and checks it. This comment is the
// manifest's reference.
//
// [Load] and [Parse] return a [Manifest] in which every path is absolute,
// every module name is a dotted Python identifier, every pattern is compiled
// to a [Glob], and every entry remembers the line it came from ([Pos]). A
// manifest with any problem yields no Manifest but a [List] of every problem
// found, each an [Error] printed as "file:line:col: error: message". The
// package does no build work: it does not scan Python files, resolve
// modules or read the files it names beyond checking that they exist and
// expanding globs (the build reads the archives of [[from_package]], with
// package repack).
//
// # Example
//
//	output  = "build/model.pt"
//	python  = "3.11"
//	roots   = ["src"]
//	modules = ["mymodel.resnet"]
//	trees   = ["mymodel"]
//	parents = "intern"
//
//	[[rule]]
//	extern = ["numpy.**", "PIL.**"]
//	[[rule]]
//	intern = "mymodel.**"
//	exclude = ["mymodel.tests.**"]
//	allow_empty = false
//	[[rule]]
//	mock = "mymodel.training.**"
//	[[rule]]
//	deny = "boto3.**"
//
//	[[resource]]
//	package = "mymodel.assets"
//	file = "assets/vocab.txt"
//	[[resource]]
//	package = "mymodel.assets"
//	files = "assets/**/*.json"
//
//	[[pickle]]
//	package = "model"
//	name = "model.pkl"
//	file = "build/model.pkl"
//
//	[[source]]
//	module = "mymodel.config"
//	file = "patches/config.py"
//
//	[[hidden]]
//	module = "mymodel.registry"
//	imports = ["mymodel.plugins.a"]
//
//	[[ignore]]
//	module = "mymodel.**"
//	imports = ["tensorflow.**"]
//
//	[[from_package]]
//	file = "weights.pt"
//	include = ["model/*.pkl"]
//
// Relative paths are relative to the folder holding the manifest, whatever
// the current folder; absolute paths are allowed everywhere. Paths use "/".
//
// # Top-level keys
//
// Top-level keys must come before the first [[table]] header: in TOML, a
// key after a header belongs to that table.
//
//   - output (string, optional): the archive to write. The command line's -o
//     overrides it, and one of the two is required. torch names the
//     archive's top folder after the file's base name without its last
//     extension ("build/model.pt" -> "model/"), so that must not be empty.
//   - python (string, default "3.11"): the Python the archive is for, "3.N"
//     with N from 8 to 13, or "3.N.M". It decides the standard-library
//     modules that are implicitly extern, and is written to
//     .data/python_version as given ("3.11.2" names the interpreter
//     exactly, as PackageExporter does with the one it runs in).
//   - roots (array of strings, default ["."]): the module search path, in
//     order, like sys.path. Each must be an existing folder.
//   - modules (array of strings, optional): entry modules, by dotted name.
//     Each is packed with everything it imports, as the rules decide.
//   - trees (array of strings, optional): packages, by dotted name, whose
//     every module (every .py file below the package folder) is an entry
//     module.
//   - parents (string, default "intern"): what happens to the parent
//     packages of interned modules. "intern" interns them, so that the
//     archive imports on its own; "torch" leaves them out unless something
//     imports them, as torch.package does.
//
// # [[rule]]: what to do with each module
//
// Every module the build reaches gets an action from the first rule, in
// file order, whose patterns match its name, after torch.package's implicit
// externs (torch and the standard library except sys and io), which come
// before any rule. A module no rule matches is an error of the build, not
// of the manifest.
//
//   - intern, extern, mock or deny (pattern or array of patterns): exactly
//     one of them. intern packs the module's source; extern leaves it to the
//     loading environment (it is listed in .data/extern_modules); mock packs
//     a stub whose attributes raise NotImplementedError; deny fails the
//     build if the module is needed. The same as PackageExporter.intern,
//     extern, mock and deny.
//   - exclude (pattern or array of patterns, optional): modules the rule
//     does not match even though a pattern does; they fall through to later
//     rules.
//   - allow_empty (boolean, default true; not on deny): false makes the
//     build fail if the rule matched no module, like torch's
//     allow_empty=False.
//
// # Patterns
//
// Patterns are torch.package GlobGroup patterns over dotted module names
// (see [Glob]): "*" matches within one segment ("torch*" matches torchvision),
// "**" as a whole segment matches any number of segments including none
// ("mymodel.**" matches mymodel and everything below it), and nothing else
// is special. A "**" inside a segment ("a.**b") is an error, as in torch.
// pkgbuild also rejects patterns that could never match a module: the
// empty pattern, an empty segment ("a..b") and characters that cannot be in
// an identifier ("scikit-learn.**").
//
// # [[resource]]: data files
//
// Stored like PackageExporter.save_text / save_binary, at
// "<package as a path>/<name>" inside the archive.
//
//   - package (string, required): the dotted name of the package whose
//     folder holds the file; importlib.resources reads it from there.
//   - file (string): one file. Its name is its base name unless name is
//     given.
//   - name (string, optional, only with file): the name in the package
//     folder; a bare file name, without "/", as torch requires.
//   - files (string): instead of file, a doublestar glob ("assets/**/*.json";
//     "**" matches any number of folders, "{a,b}" alternatives) matching one
//     or more files. Each is named by its path below the glob's fixed prefix,
//     the folders before the first wildcard: assets/a/b.json is named
//     "a/b.json". Folders are skipped. As in a shell, wildcards do not match
//     names starting with a dot (.DS_Store, .cache/), which can be named
//     explicitly (".config/**"). The names are sorted. A glob that matches
//     no file is an error.
//
// # [[pickle]]: pickles made elsewhere
//
// A pickle file, stored like PackageExporter.save_pickle and scanned for
// the modules it needs, which become dependencies like imports.
//
//   - package (string, required): as for [[resource]].
//   - file (string, required): the pickle.
//   - name (string, default the file's base name): a bare file name.
//
// # [[source]]: module code from a file
//
// Like PackageExporter.save_source_string: the file is the module's code,
// whatever the roots hold, and is scanned for imports.
//
//   - module (string, required): the module's dotted name.
//   - file (string, required): the Python file.
//   - package (boolean, default true only if the file is named __init__.py):
//     true stores the module as <module>/__init__.py, so it can have
//     submodules; false as <module>.py.
//
// # [[hidden]]: imports the scanner cannot see
//
// For plugin registries, importlib.import_module with computed names and the
// like: every module matching module depends on each of imports.
//
//   - module (pattern, required): the importing modules.
//   - imports (module name or array of them, required): the modules they
//     import, by full dotted name.
//
// # [[ignore]]: imports the build must not follow
//
// Imports the scanner finds but that are never executed in use (an
// optional backend, a type-checking import): the edge is dropped before
// rules apply, so the imported module needs no rule.
//
//   - module (pattern, default "**"): the importing modules.
//   - imports (pattern or array of patterns, required): the imported
//     modules to drop.
//
// # [[from_package]]: records from an existing archive
//
// Repackaging: takes records from a torch.package archive written by any
// torch version (1.13's layout or 2.x's) or by pkgbuild, never running its
// pickles or code. Weights saved with PackageExporter.save_pickle can so be
// packed with model code from the roots. Entries may repeat, to merge
// several archives.
//
//   - file (string, required): the archive: a zip file, or a folder holding
//     an unzipped one (as DirectoryReader reads it).
//   - include (pattern or array of patterns, default every record) and
//     exclude (pattern or array of patterns, optional): record patterns,
//     torch GlobGroup patterns with separator "/" over record names below
//     the archive's top folder ("model/*.pkl", "model/**"), as pkgbuild ls
//     shows them. They select pickles (records named *.pkl, and any other
//     record that is a pickle using tensor storages), resources (every other
//     record outside .data/) and, with sources, module sources.
//   - sources (boolean, default false): also take the archive's module
//     sources. Each interned module is provided, like a [[source]], unless a
//     [[source]] or the roots provide the same module; each mocked module
//     (its record is torch's mock stub) is mocked if the build needs it and
//     no [[rule]] decides it. With false, code comes from the roots.
//
// Each selected pickle is stored under its record name and scanned; its
// globals are dependencies decided by the rules, as for [[pickle]] (a class
// from a mocked module is an error). The tensor storages it uses
// (.data/<key>.storage) come with it, whatever include and exclude say;
// others are left out. Storage keys stay as they are unless an earlier
// [[from_package]] writes the same one: the key is then renumbered to the
// smallest free one and the pickle's persistent IDs are rewritten in place,
// so rebuilding one archive keeps every record name. Never copied:
// torch's bookkeeping (.data/version, .data/extern_modules,
// .data/python_version, .data/serialization_id, byteorder), _mock.py (the
// build writes its own when it mocks anything), the rest of .data/, and
// TorchScript (.data/ts_code/**; a selected pickle holding a TorchScript
// module is an error).
//
// The build reports, at the entry's line: an archive it cannot read (the
// reader's message names the record at fault), a selected record that is
// not a pickle, a pickle that needs TorchScript or a storage the archive
// lacks, big-endian storages, an include pattern that matches no record it
// could take (with the reason, such as "storages come with the pickles that
// use them"), and a record that another entry writes too. The last two are
// manifest errors (exit code 2), the others packaging errors (1).
//
// # Problems reported
//
// Parse reports, all at once and sorted by position: a TOML syntax error
// (only the first: the TOML parser stops there), unknown keys and tables
// (with the nearest valid key as a suggestion), values of the wrong type, a
// rule with no action or with several, allow_empty on deny, invalid
// patterns, strings that are not dotted module names, an unsupported
// python, an empty output name, roots that are not folders, missing files,
// globs that match nothing, resource names with "/", two entries writing
// the same archive record, two sources for one module, a parents value
// other than "intern" or "torch", a [[from_package]] archive that does not
// exist and record patterns that can never match a record name (a leading
// or trailing "/", an empty, "." or ".." segment, a backslash). Arrays and inline tables nested more than
// 32 deep are refused before decoding.
//
// # pkgbuild.lock
//
// The package also reads and writes pkgbuild.lock, the record of what a
// manifest resolved to: see [Lock] and [ParseLock].
package manifest
