// Package scanner reads Python source files, without running them, and
// reports what they import the way torch.package 1.13's exporter sees it.
//
// # Input
//
// Parse takes the bytes of one .py file as stored on disk. They are
// decoded as CPython decodes source: UTF-8 unless a PEP 263 declaration
// (`# -*- coding: NAME -*-`, on line 1, or on line 2 after a comment or
// blank line 1) names another encoding; a UTF-8 byte order mark is skipped
// and then only a UTF-8 declaration is allowed. Supported declarations are
// UTF-8 and the ASCII-compatible single-byte codecs CPython has (ASCII,
// Latin-1, ISO-8859-x, cp125x, KOI8, Mac, ...; see charmaps.go, generated
// from CPython). "\r\n" and "\r" end lines like "\n"; a missing final
// newline is supplied.
//
// # Output
//
// Parse returns a *File with
//
//   - Stmts: every import in the file, as written, in source order: one
//     Import per name of `import a, b.c as d`, one From per
//     `from .x import y, z` (Names ["y", "z"], or ["*"]), and one
//     DunderImport per `__import__(...)` call that torch's visitor reads
//     (see below). Imports count at any depth: in functions, classes,
//     if/try/with/match bodies, decorators, default values, f-string
//     replacement fields. Each Stmt carries its line and column, whether it
//     is Optional (inside a try whose handlers catch ImportError or one of
//     its bases, or a with contextlib.suppress of them), and Visit, its
//     position in torch's visiting order.
//   - Findings: things that do not change the references but matter when
//     the code runs from a torch.package archive, sorted by position; see
//     Findings below.
//
// (*File).Refs(pkg) turns the statements into the (module, name) pairs
// torch.package's find_files_source_depends_on(src, pkg) returns, in the
// same order, deduplicated the same way, for the package argument the
// exporter passes (the module itself for an __init__.py, else its parent;
// a top-level module is its own package):
//
//   - `import a.b as c` gives (a.b, None); no parent packages are added.
//   - `from X import n` gives (abs(X), n); `from X import *` gives
//     (abs(X), None). Relative names resolve like importlib's _resolve_name:
//     pkg.rsplit(".", level-1)[0], which fails with *RelativeImportError
//     when pkg has fewer than level components.
//   - `__import__(name, globals, locals, fromlist, level)` is read only
//     when the callee is the bare name __import__ (parenthesized or not)
//     and the call is not inside another call (torch's visit_Call handles
//     every Call and never descends into one). name must be a string
//     literal (implicit concatenation and escapes included). The fromlist
//     is the 4th positional argument if there are more than 3, else every
//     fromlist= keyword; it must be a list, tuple or set display. The
//     level is the 5th positional argument if there are more than 4, else
//     the last level= keyword. With an empty fromlist, torch records
//     (name, None) unresolved plus (name.rsplit(".", 1)[0] resolved with
//     level, None) when that differs; otherwise (abs(name), element) per
//     element, None for "*". A relative __import__ that reaches above pkg
//     is dropped silently, after whatever torch had already recorded.
//
// A Ref's Line is that of the first statement (in visiting order) that
// produced it; Optional holds when every statement that produced it is
// optional.
//
// # Findings
//
// Each Finding has a stable Code:
//
//	dynamic-import      importlib.import_module(...), with a literal name or
//	                    not; __import__ with a computed module name, or with
//	                    a fromlist or level torch cannot read (torch then
//	                    ignores the call); __import__ reached through an
//	                    attribute (builtins.__import__)
//	unseen-import       a literal __import__("m") inside another call, where
//	                    torch does not look: print(__import__("m")),
//	                    __import__("m").f()
//	sys-modules-name    sys.modules[__name__]: the module looking itself up
//	sys-modules-module  sys.modules[<expr>.__module__] (sympy's @public)
//	file-relative       __file__ inside the arguments of open(), io.open(),
//	                    os.*(), os.path.*(), Path(...): files next to the
//	                    module, which do not exist in an archive
//	                    (importlib.resources is the way)
//
// # Invariants
//
// Parse never panics and never executes or imports anything. Its result
// depends only on the bytes, so it can be cached by content hash; Refs
// depends only on the File and pkg. Parse does not keep or modify src.
// Files are either accepted whole or rejected with the first
// *SyntaxError, whose Line and Col (1-based, Col in bytes) point at the
// problem and whose Msg follows CPython's wording where it can.
//
// # What is checked
//
// The parser implements the grammar of Python 3.12 (PEP 701 f-strings,
// PEP 695 type parameters, match statements, except*, walrus, positional
// only parameters), which accepts every program Python 3.8-3.11 accepts:
// everything ast.parse checks, tokenizer and parser alike, except what is
// listed below. Like ast.parse it does not perform the checks CPython
// leaves to the compiler (`return` outside a function, `nonlocal` at
// module level, duplicate arguments, misplaced `from __future__`).
//
// Known differences from CPython's verdict:
//
//   - 3.12 syntax is accepted when the interpreter that will load the
//     archive is older (nested same-quote f-strings, `type X = ...`).
//   - \N{NAME} escapes are accepted without looking NAME up.
//   - Identifiers are checked against Go's Unicode tables for XID_Start
//     and XID_Continue, which may differ from CPython's Unicode version
//     for very recent characters.
//   - Bytes that are not valid in the file's encoding are rejected
//     everywhere, including comments, where ast.parse(bytes) lets them
//     pass: torch's exporter reads sources through linecache, which
//     decodes strictly, so such files cannot be packaged anyway.
//   - Encodings that are not ASCII-compatible single-byte ones or UTF-8
//     (UTF-16, Shift-JIS, GBK, ...) are rejected, naming the encoding.
//
// # Deliberate differences from torch
//
//   - pytorch#57193: when __import__'s first argument is not a string
//     literal but has a `.value` in the AST (x.attr, x[i], *args, a
//     number, bytes), torch records the AST node or the value itself as a
//     module name. Refs records nothing and Parse reports a dynamic-import
//     finding.
//   - A fromlist element that is not a string but has a `.value` (a
//     number, None, x.attr, *x) becomes a name that is not a string in
//     torch, which its exporter can only ever resolve to the module
//     itself. The Stmt records such elements as "*", which gives exactly
//     that reference: (module, None).
//   - Identifiers are used as written; CPython NFKC-normalizes non-ASCII
//     identifiers, so `import ﬁle` names the module "file" there.
//   - A module name given with \N{...} escapes decodes with U+FFFD in place
//     of the named character.
//
// # Non-goals
//
// The scanner builds no syntax tree, evaluates no expression (a computed
// module name stays unknown), follows no assignment (`imp = __import__` is
// not tracked), and does not know which modules exist: choosing between
// module.name and module is the resolver's job. Python 2 sources are
// rejected. Type comments are comments.
//
// # Speed
//
// The lexer works on bytes with table-driven dispatch and word-at-a-time
// scanning of names and spaces, producing no allocation per token. Its
// fast path keeps its state in registers and the chain of loads from one
// token to the next short; it lexes a window of tokens at a time, which
// the parser reads while they are still in the cache, so memory does not
// grow with the file. Tokens carry no line: lines are counted only where
// one is reported. The parser is recursive descent with one token of
// lookahead, backtracking only where CPython's PEG parser must (a `match`
// that may be a name, a parenthesized with), with shortcuts for the
// commonest operands and arguments, lone names and numbers. See
// BenchmarkParse, BenchmarkParseSympy, BenchmarkLex and
// BenchmarkAnchorTokenizer.
package scanner
