package scanner

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// expectRefs checks the references torch's find_files_source_depends_on
// returns for src with package argument pkg. Each want is "module" (no
// name, Python's None) or "module:name" ("module:" for the name "").
// Every expectation below was checked against torch 1.13 itself.
func expectRefs(t *testing.T, src, pkg string, want ...string) {
	t.Helper()
	f, err := Parse([]byte(src))
	if err != nil {
		t.Errorf("Parse(%q): %v", src, err)
		return
	}
	refs, err := f.Refs(pkg)
	if err != nil {
		t.Errorf("Refs(%q, %q): %v", src, pkg, err)
		return
	}
	got := []string{}
	for _, r := range refs {
		if r.HasName {
			got = append(got, r.Module+":"+r.Name)
		} else {
			got = append(got, r.Module)
		}
	}
	if want == nil {
		want = []string{}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("refs of %q in package %q (-want +got):\n%s", src, pkg, d)
	}
}

// expectRelativeError checks that Refs fails as torch does ("attempted
// relative import beyond top-level package") for the statement on line.
func expectRelativeError(t *testing.T, src, pkg string, line int) {
	t.Helper()
	f, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	_, err = f.Refs(pkg)
	var re *RelativeImportError
	if !errors.As(err, &re) || re.Line != line {
		t.Errorf("Refs(%q, %q) = %v, want a RelativeImportError on line %d", src, pkg, err, line)
	}
}

// expectSyntaxError checks that Parse rejects src with an error on line
// whose message contains msg.
func expectSyntaxError(t *testing.T, src string, line int, msg string) {
	t.Helper()
	_, err := Parse([]byte(src))
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("Parse(%q) = %v, want a SyntaxError", src, err)
		return
	}
	if se.Line != line || !strings.Contains(se.Msg, msg) {
		t.Errorf("Parse(%q) = %v, want line %d and %q", src, err, line, msg)
	}
}

// expectValid checks that Parse accepts src.
func expectValid(t *testing.T, src string) {
	t.Helper()
	if _, err := Parse([]byte(src)); err != nil {
		t.Errorf("Parse(%q): %v", src, err)
	}
}

// expectFindings checks the findings of src as "line:col code" strings.
func expectFindings(t *testing.T, src string, want ...string) {
	t.Helper()
	f, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	got := []string{}
	for _, fd := range f.Findings {
		got = append(got, fmt.Sprintf("%d:%d %s", fd.Line, fd.Col, fd.Code))
	}
	if want == nil {
		want = []string{}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings of %q (-want +got):\n%s", src, d)
	}
}

// expectOptional checks Stmt.Optional for the statements of src, in
// source order.
func expectOptional(t *testing.T, src string, want ...bool) {
	t.Helper()
	f, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	var got []bool
	for _, s := range f.Stmts {
		got = append(got, s.Optional)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Optional of %q (-want +got):\n%s", src, d)
	}
}

func TestImportStatements(t *testing.T) {
	expectRefs(t, "import a.b.c", "pkg", "a.b.c") // no parent entries
	expectRefs(t, "import a.b as c", "pkg", "a.b")
	expectRefs(t, "import a, b.c", "pkg", "a", "b.c")
	expectRefs(t, "import a . b", "pkg", "a.b")
	expectRefs(t, "from a.b import c, d as e", "pkg", "a.b:c", "a.b:d")
	expectRefs(t, "from a import *", "pkg", "a")
	expectRefs(t, "from a import (b,\n  c,\n)", "pkg", "a:b", "a:c")
	expectRefs(t, "from __future__ import annotations", "pkg", "__future__:annotations")
	expectRefs(t, "import a\nimport a\nfrom a import b\nfrom a import b", "pkg", "a", "a:b")
}

func TestRelativeImports(t *testing.T) {
	expectRefs(t, "from . import x", "pkg.sub", "pkg.sub:x")
	expectRefs(t, "from .m import y", "pkg.sub", "pkg.sub.m:y")
	expectRefs(t, "from .. import z", "pkg.sub", "pkg:z")
	expectRefs(t, "from ..m import z", "pkg.sub.inner", "pkg.sub.m:z")
	expectRefs(t, "from .m import *", "pkg", "pkg.m")
	expectRefs(t, "from ...m import z", "a.b.c", "a.m:z") // ... is one token
	expectRefs(t, "from . . . m import z", "a.b.c", "a.m:z")
	expectRefs(t, "from . import x", "", ":x") // empty package: torch's quirk
	expectRelativeError(t, "from .. import x", "pkg", 1)
	// torch's test_dependency_api.test_invalid_import.
	expectRelativeError(t, "from ........ import lol", "foo", 1)
	expectRelativeError(t, "import os\n\nfrom ... import x\n", "a.b", 3)
}

// The three __import__ forms of torch's test/package/package_b fixtures
// and the others of [OBS-1.13:exp3].
func TestDunderImport(t *testing.T) {
	// package_b/__init__.py (package argument "package_b").
	expectRefs(t, `__import__("subpackage_1", globals(), fromlist=["PackageBSubpackage1Object_0"], level=1)`,
		"package_b", "package_b.subpackage_1:PackageBSubpackage1Object_0")
	expectRefs(t, `__import__("subpackage_0.subsubpackage_0", globals(), fromlist=[""], level=1)`,
		"package_b", "package_b.subpackage_0.subsubpackage_0:")
	expectRefs(t, `__import__("subpackage_2", globals=globals(), locals=locals(), fromlist=["*"], level=1)`,
		"package_b", "package_b.subpackage_2")
	// package_b/subpackage_0/subsubpackage_0/__init__.py: positional fromlist and level.
	expectRefs(t, `__import__("subpackage_1", globals(), locals(), ["PackageBSubpackage1Object_0"], 3)`,
		"package_b.subpackage_0.subsubpackage_0", "package_b.subpackage_1:PackageBSubpackage1Object_0")
	// package_b/subpackage_2.py.
	expectRefs(t, `__import__("math", fromlist=[])`, "package_b", "math")
	expectRefs(t, `__import__("xml.sax.xmlreader")`, "package_b", "xml.sax.xmlreader", "xml.sax")
	expectRefs(t, "def dynamic_import_test(name: str):\n    __import__(name)\n", "package_b")
	// test_save_load.test_bad_dunder_imports: no crash, nothing found.
	expectRefs(t, `__import__(these, unresolvable, "things", wont, crash, me)`, "m")

	expectRefs(t, "__import__('a.b.c')", "pkg", "a.b.c", "a.b") // rsplit once, not the top level
	expectRefs(t, "__import__('a.b', fromlist=[])", "pkg", "a.b", "a")
	expectRefs(t, "__import__('a.b', fromlist=['c'])", "pkg", "a.b:c")
	expectRefs(t, "__import__('a.b', fromlist=['*'])", "pkg", "a.b")
	expectRefs(t, "__import__('a.b', fromlist=[''])", "pkg", "a.b:")
	expectRefs(t, "__import__('a', fromlist=('x',))", "pkg", "a:x")
	expectRefs(t, "__import__('a', fromlist={'x'})", "pkg", "a:x")
	expectRefs(t, "__import__('a', globals(), locals(), ['x','y'])", "pkg", "a:x", "a:y")
	expectRefs(t, "__import__('a', globals(), locals(), ['x'], 2)", "pkg.sub.inner", "pkg.sub.a:x")
	expectRefs(t, "__import__('a', fromlist=['x'], level=1)", "pkg.sub", "pkg.sub.a:x")
	// Without a fromlist the full name stays unresolved; only its parent
	// is resolved with the level.
	expectRefs(t, "__import__('a.b', level=1)", "pkg.sub", "a.b", "pkg.sub.a")
	expectRefs(t, "__import__('a', globals(), locals(), [], 1)", "pkg.sub", "a") // level unused
	expectRefs(t, "__import__('m', fromlist=['x'], level=1)", "", ".m:x")
	expectRefs(t, "__import__('.a', fromlist=['x'], level=1)", "pkg", "pkg..a:x")
	expectRefs(t, "__import__('a.')", "pkg", "a.", "a")
	expectRefs(t, "__import__('')", "pkg", "")
	// Beyond the top: torch swallows the error after what it already added.
	expectRefs(t, "__import__('a.b', level=5)", "pkg", "a.b")
	expectRefs(t, "__import__('a', fromlist=['x'], level=5)", "pkg")
	// Literal forms of the name.
	expectRefs(t, "__import__('a' 'b.c')", "pkg", "ab.c", "ab")
	expectRefs(t, `__import__(u'a\x2eb')`, "pkg", "a.b", "a")
	expectRefs(t, "__import__(('a'))", "pkg", "a")
	expectRefs(t, "(__import__)('a')", "pkg", "a") // still an ast.Name
}

// What torch's visitor does with arguments that are not the literals it
// expects: it reads node.args[0].value, .elts, and each element's .value,
// and gives up on the call at the first exception.
func TestDunderImportOddArguments(t *testing.T) {
	expectRefs(t, "__import__(name)", "pkg")
	expectRefs(t, "__import__('a', fromlist=x)", "pkg")    // no .elts
	expectRefs(t, "__import__('a', fromlist=None)", "pkg") // no .elts
	expectRefs(t, "__import__('a', fromlist=[x])", "pkg")  // Name has no .value
	expectRefs(t, "__import__('a', fromlist=['x', f()])", "pkg")
	expectRefs(t, "__import__(f'a')", "pkg") // JoinedStr has no .value
	expectRefs(t, "__import__()", "pkg")     // no args[0]
	expectRefs(t, "__import__(name='a')", "pkg")
	// Elements with a .value that is not a string: torch records the value
	// (or an AST node) as the name; the exporter can only fall back to the
	// module, which is what the "*" form records.
	expectRefs(t, "__import__('a', fromlist=[1, None, b'x', 'y'])", "pkg", "a", "a:y")
	expectRefs(t, "__import__('a', fromlist=[x.y])", "pkg", "a")
	expectRefs(t, "__import__('a', fromlist=[*x])", "pkg", "a")
	// pytorch#57193: a first argument with a .value that is not a string
	// makes torch record an AST node (or bytes, ...) as a module. pkgbuild
	// records nothing (and reports a dynamic-import finding).
	expectRefs(t, "__import__(*args)", "pkg")
	expectRefs(t, "__import__(obj.attr)", "pkg")
	expectRefs(t, "__import__(b'a')", "pkg")
	// Starred positional arguments count as positions.
	expectRefs(t, "__import__('a', *args)", "pkg", "a")
	// Levels: torch compares the value with 0 and uses it as a count.
	expectRefs(t, "__import__('a.b', level=True)", "pkg.sub", "a.b", "pkg.sub.a")
	expectRefs(t, "__import__('a.b', level=0.0)", "pkg.sub", "a.b", "a")
	expectRefs(t, "__import__('a.b', level=1.5)", "pkg.sub", "a.b") // rsplit rejects a float
	expectRefs(t, "__import__('a.b', level='1')", "pkg.sub", "a.b") // str > 0 raises
	expectRefs(t, "__import__('a.b', level=x.y)", "pkg.sub", "a.b") // AST node > 0 raises
	expectRefs(t, "__import__('a.b', fromlist=['c'], level=x.y)", "pkg.sub")
	expectRefs(t, "__import__('a.b', level=-1)", "pkg.sub") // UnaryOp has no .value
	expectRefs(t, "__import__('a', level=(x := 1), fromlist=['z'])", "p.q")
	expectRefs(t, "__import__('a.b', level=0x1)", "pkg.sub", "a.b", "pkg.sub.a")
	expectRefs(t, "__import__('a.b', level=10**100)", "pkg.sub") // BinOp
	expectRefs(t, "__import__('a.b', level=100000000000000000000000)", "pkg.sub", "a.b")
	// Repeated keywords: fromlists accumulate, the last level wins; a
	// positional fromlist hides the keyword.
	expectRefs(t, "__import__('a', fromlist=['x'], fromlist=['y'])", "pkg", "a:x", "a:y")
	expectRefs(t, "__import__('a', level=1, level=2, fromlist=['x'])", "p.q.r", "p.q.a:x")
	expectRefs(t, "__import__('a', 'g', 'l', ['x'], fromlist=['y'])", "pkg", "a:x")
}

// torch's visitor does not descend into a Call it handles, and handles
// every Call: an __import__ anywhere inside a call (its arguments, or the
// callee of an enclosing call) is not seen.
func TestDunderImportVisibility(t *testing.T) {
	expectRefs(t, "print(__import__('a'))", "pkg")
	expectRefs(t, "__import__('a').b", "pkg", "a")
	expectRefs(t, "__import__('a').b()", "pkg")
	expectRefs(t, "__import__('a')('b')", "pkg")
	expectRefs(t, "(lambda: __import__('a'))()", "pkg")
	expectRefs(t, "x = y[__import__('sub')]()", "pkg")
	expectRefs(t, "x = f()[__import__('after')]", "pkg", "after")
	expectRefs(t, "lambda: __import__('lam')", "pkg", "lam")
	expectRefs(t, "await __import__('aw')", "pkg", "aw")
	expectRefs(t, "x = (yield __import__('y'))", "pkg", "y")
	expectRefs(t, "x = [__import__('a'), __import__('b')]", "pkg", "a", "b")
	expectRefs(t, "@__import__('d').deco\ndef f(): pass", "pkg", "d")
	expectRefs(t, "@__import__('d').deco(1)\ndef f(): pass", "pkg")
	expectRefs(t, "class A(__import__('base').B): pass", "pkg", "base") // bases are not a Call
	expectRefs(t, "x.__import__('a')", "pkg")
	expectRefs(t, "importlib.import_module('a')", "pkg")
	// f-strings are expressions like any other (PEP 701 nesting included).
	expectRefs(t, `x = f'{__import__("os")}'`, "pkg", "os")
	expectRefs(t, `x = f'{x:{__import__("spec")}}'`, "pkg", "spec")
	expectRefs(t, `x = f"{__import__("pep701")}"`, "pkg", "pep701")
	expectRefs(t, `x = f"{f"{__import__('deep')}"}"`, "pkg", "deep")
	expectRefs(t, `print(f'{__import__("hidden")}')`, "pkg")
	expectRefs(t, "match x:\n    case 1:\n        import m1\n    case _ if __import__('g'):\n        __import__('m2')\n", "pkg", "m1", "g", "m2")
}

// References come out in the order torch's ast.NodeVisitor reaches them,
// which follows the fields of each AST node rather than the source.
func TestVisitOrder(t *testing.T) {
	expectRefs(t, "x = {__import__('k1'): __import__('v1'), __import__('k2'): __import__('v2')}", "pkg",
		"k1", "k2", "v1", "v2")
	expectRefs(t, "x = {**__import__('dd'), __import__('k'): __import__('v')}", "pkg", "k", "dd", "v")
	expectRefs(t, "x = __import__('body') if __import__('test') else __import__('orelse')", "pkg",
		"test", "body", "orelse")
	expectRefs(t, "@__import__('deco').d\ndef f(a=__import__('default'), *, b: __import__('kwann') = __import__('kwdefault')) -> __import__('ret'):\n    import body\n", "pkg",
		"kwann", "kwdefault", "default", "body", "deco", "ret")
	expectRefs(t, "@__import__('deco').d\nclass C(__import__('base').B, metaclass=__import__('meta').M):\n    import body\n", "pkg",
		"base", "meta", "body", "deco")
	expectRefs(t, "class A(x=__import__('k'), *__import__('s').b): pass", "pkg", "s", "k")
	expectRefs(t, "lambda a=__import__('d1'), *, b=__import__('d2'): 0", "pkg", "d2", "d1")
	expectRefs(t, "import a\n@deco\ndef f():\n    import b\nimport c\n", "pkg", "a", "b", "c")

	// File.Stmts stay in source order; Visit records torch's order.
	f, err := Parse([]byte("@__import__('deco').d\ndef f():\n    import body\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range f.Stmts {
		got = append(got, fmt.Sprintf("%s@%d visit %d", s.Module, s.Line, s.Visit))
	}
	want := []string{"deco@1 visit 1", "body@3 visit 0"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Stmts (-want +got):\n%s", d)
	}
}

// Imports at any depth, and only real ones: the lexer is not fooled by
// strings, comments or keywords in other roles.
func TestNotFooled(t *testing.T) {
	expectRefs(t, "def f():\n    import inner_mod", "pkg", "inner_mod")
	expectRefs(t, "if TYPE_CHECKING:\n    import typed_only", "pkg", "typed_only")
	expectRefs(t, "class A:\n    def f(self):\n        if x:\n            with y:\n                from deep import z\n", "pkg", "deep:z")
	expectRefs(t, "import a; import b", "pkg", "a", "b")
	expectRefs(t, "if x: import y", "pkg", "y")
	expectRefs(t, "try: import a\nexcept ImportError: a = None", "pkg", "a")
	expectRefs(t, "while x: import w\nelse: import e", "pkg", "w", "e")
	expectRefs(t, "x = 'import a'\n# import b\ny = \"\"\"\nimport c\n\"\"\"", "pkg")
	expectRefs(t, "x = r'\\'import a'", "pkg")
	expectRefs(t, "x = rb'import a' + Rb\"x\" + bR'''import c''' + BR'x' + U'x' + Fr'{y}' + fR\"x\"", "pkg")
	expectRefs(t, "x = 1 + \\\n    2\nimport a", "pkg", "a")
	expectRefs(t, "def g():\n    yield from x\n    raise E from y\n", "pkg")
	expectRefs(t, "match = re.match(p, s)\nmatch.group(1)\nmatch(x)\n", "pkg")
	expectRefs(t, "match x:\n    case [a, *rest] if a:\n        import m\n", "pkg", "m")
	expectRefs(t, "type = 5\ntype X = int\n", "pkg")
	expectRefs(t, "if (n := len(a)) > 10: import big", "pkg", "big")
	expectRefs(t, "f = lambda x, *a, k=1, **kw: x\nimport after", "pkg", "after")
	expectRefs(t, "def f(a: 'import x' = None, *, b: int) -> 'import y': import z", "pkg", "z")
	expectRefs(t, "x: dict[str, int] = {}\nimport a", "pkg", "a")
	expectRefs(t, "async def f():\n    async with a as b:\n        import c\n    async for x in y: pass\n    await z\n", "pkg", "c")
	expectRefs(t, "print >>sys.stderr, 'x'\nimport a", "pkg", "a") // valid Python 3, oddly
	expectRefs(t, "\ufeffimport a", "pkg", "a")                    // BOM
	expectRefs(t, "import a\r\nimport b\rimport c", "pkg", "a", "b", "c")
	expectRefs(t, "x = f'{a!r:>{width}} {b=}'\nimport a", "pkg", "a")
	expectRefs(t, `x = f"{x["a"]}" f'{'{'}' rf"\{x}"`+"\nimport a", "pkg", "a")
	expectRefs(t, "x = f'''{\n  a # comment\n}'''\nimport a", "pkg", "a")
	expectRefs(t, "def f[T: int, *Ts, **P](x: T) -> T: import a", "pkg", "a")
	expectRefs(t, "class A[T]: import a", "pkg", "a")
}

func TestOptional(t *testing.T) {
	expectOptional(t, "try:\n    import a\nexcept ImportError:\n    import b\n", true, false)
	expectOptional(t, "try:\n    import a\nexcept (ValueError, ModuleNotFoundError) as e:\n    pass\n", true)
	expectOptional(t, "try:\n    import a\nexcept Exception:\n    pass\nelse:\n    import b\nfinally:\n    import c\n", true, false, false)
	expectOptional(t, "try:\n    import a\nexcept:\n    pass\n", true)
	expectOptional(t, "try:\n    import a\nexcept BaseException:\n    pass\n", true)
	expectOptional(t, "try:\n    import a\nexcept* ImportError:\n    pass\n", true)
	expectOptional(t, "try:\n    import a\nexcept ValueError:\n    pass\n", false)
	expectOptional(t, "try:\n    import a\nfinally:\n    pass\n", false)
	expectOptional(t, "try:\n    try:\n        import a\n    finally:\n        pass\nexcept ImportError:\n    pass\n", true)
	// A def in the try body runs later, outside the try.
	expectOptional(t, "try:\n    def f():\n        import a\n    import b\nexcept ImportError:\n    pass\n", false, true)
	expectOptional(t, "try:\n    x = __import__('a')\nexcept ImportError:\n    pass\n", true)

	// contextlib.suppress of ImportError (or a base of it) in a with
	// statement is the same as a try that catches it.
	expectOptional(t, "import contextlib\nwith contextlib.suppress(ImportError):\n    import a\nimport b\n", false, true, false)
	expectOptional(t, "from contextlib import suppress\nwith suppress(AttributeError, ModuleNotFoundError):\n    from a import b\n", false, true)
	expectOptional(t, "import contextlib\nwith open(f) as g, contextlib.suppress(Exception):\n    import a\n", false, true)
	expectOptional(t, "import contextlib\nwith (contextlib.suppress(ImportError) as s, open(f)):\n    import a\n", false, true)
	expectOptional(t, "import contextlib\nwith contextlib.suppress(ImportError):\n    def f():\n        import a\n    import b\n", false, false, true)
	// Not ImportError, not suppress, or a bare suppress not imported from
	// contextlib: not optional.
	expectOptional(t, "import contextlib\nwith contextlib.suppress(KeyError):\n    import a\n", false, false)
	expectOptional(t, "with suppress(ImportError):\n    import a\n", false)
	expectOptional(t, "import contextlib\nwith contextlib.nullcontext(ImportError):\n    import a\n", false, false)
	expectOptional(t, "import contextlib\nwith contextlib.suppress(ImportError)(x):\n    import a\n", false, false)
	expectOptional(t, "import contextlib\nwith f(contextlib.suppress(ImportError)):\n    import a\n", false, false)

	// Ref.Optional holds only when every statement producing it is optional.
	f, err := Parse([]byte("try:\n    import a\n    import b\nexcept ImportError:\n    pass\nimport b\n"))
	if err != nil {
		t.Fatal(err)
	}
	refs, _ := f.Refs("pkg")
	want := []Ref{{Module: "a", Line: 2, Optional: true}, {Module: "b", Line: 3}}
	if d := cmp.Diff(want, refs); d != "" {
		t.Errorf("refs (-want +got):\n%s", d)
	}
}

func TestStmts(t *testing.T) {
	f, err := Parse([]byte("import a.b as c, d\nfrom ..x import (y, z as w,)\nif 1:\n    m = __import__('p.q', globals(), None, ['r'], 2)\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Stmt{
		{Kind: Import, Line: 1, Col: 1, Module: "a.b", Visit: 0},
		{Kind: Import, Line: 1, Col: 1, Module: "d", Visit: 1},
		{Kind: From, Line: 2, Col: 1, Module: "x", Level: 2, Names: []string{"y", "z"}, Visit: 2},
		{Kind: DunderImport, Line: 4, Col: 9, Module: "p.q", Level: 2, Names: []string{"r"}, HasFromlist: true, Visit: 3},
	}
	if d := cmp.Diff(want, f.Stmts); d != "" {
		t.Errorf("Stmts (-want +got):\n%s", d)
	}
	f, err = Parse([]byte("__import__('a', level='x', fromlist=[])"))
	if err != nil {
		t.Fatal(err)
	}
	want = []Stmt{{Kind: DunderImport, Line: 1, Col: 1, Module: "a", Level: UnresolvableLevel, HasFromlist: true}}
	if d := cmp.Diff(want, f.Stmts); d != "" {
		t.Errorf("Stmts (-want +got):\n%s", d)
	}
}

func TestFindings(t *testing.T) {
	expectFindings(t, "import importlib\nm = importlib.import_module('x.y')\n", "2:5 dynamic-import")
	expectFindings(t, "m = importlib.import_module(name)\n", "1:5 dynamic-import")
	expectFindings(t, "from importlib import import_module\nimport_module('x')\n", "2:1 dynamic-import")
	expectFindings(t, "for n in names:\n    __import__(n)\n", "2:5 dynamic-import")
	expectFindings(t, "__import__('a', fromlist=x)\n", "1:1 dynamic-import")
	expectFindings(t, "print(__import__('os'))\n", "1:7 unseen-import")
	expectFindings(t, "__import__('os').path.join('a')\n", "1:1 unseen-import")
	expectFindings(t, "__import__('os')\n")
	expectFindings(t, "this = sys.modules[__name__]\n", "1:8 sys-modules-name")
	// sympy/utilities/decorator.py's @public.
	expectFindings(t, "ns = sys.modules[obj.__module__].__dict__\n", "1:6 sys-modules-module")
	expectFindings(t, "x = sys.modules['a']\n")
	expectFindings(t, "here = os.path.dirname(__file__)\n", "1:24 file-relative")
	expectFindings(t, "data = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'x.txt'))\n", "1:58 file-relative")
	expectFindings(t, "p = Path(__file__).parent / 'data'\n", "1:10 file-relative")
	expectFindings(t, "p = pathlib.Path(__file__)\n", "1:18 file-relative")
	expectFindings(t, "print(__file__)\n")
	expectFindings(t, "x = __file__\n")
	for _, f := range mustParse(t, "m = importlib.import_module('x.y')\n").Findings {
		if !strings.Contains(f.Message, `"x.y"`) {
			t.Errorf("message %q does not name the module", f.Message)
		}
	}
}

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSyntaxErrors(t *testing.T) {
	// Tokenizer errors.
	expectSyntaxError(t, "x = 'abc\n", 1, "unterminated string literal")
	expectSyntaxError(t, "x = '''abc\n\n", 1, "unterminated triple-quoted string")
	expectSyntaxError(t, "x = (1,\n\n", 1, "'(' was never closed")
	expectSyntaxError(t, "x = (1]\n", 1, "does not match")
	expectSyntaxError(t, "x = 1)\n", 1, "unmatched ')'")
	expectSyntaxError(t, "if x:\n        a\n    b\n", 3, "unindent does not match")
	expectSyntaxError(t, "if x:\n\ta\n        b\n", 3, "inconsistent use of tabs")
	expectSyntaxError(t, "  x = 1\n", 1, "unexpected indent")
	expectSyntaxError(t, "if x:\npass\n", 2, "expected an indented block")
	expectSyntaxError(t, "x = 1\x00\n", 1, "null bytes")
	expectSyntaxError(t, "x = '\xff'\n", 1, "can't decode")
	expectSyntaxError(t, "# \xff\n", 1, "can't decode")
	expectSyntaxError(t, "x = 0777\n", 1, "leading zeros")
	expectSyntaxError(t, "x = 1_\n", 1, "invalid decimal literal")
	expectSyntaxError(t, "x = 0b12\n", 1, "invalid digit '2' in binary literal")
	expectSyntaxError(t, "x = 1abc\n", 1, "invalid decimal literal")
	expectSyntaxError(t, "x = $\n", 1, "invalid syntax")
	expectSyntaxError(t, "€ = 1\n", 1, "invalid character '€'")
	expectSyntaxError(t, "x = 1 \\ 2\n", 1, "unexpected character after line continuation")
	expectSyntaxError(t, "x = b'é'\n", 1, "bytes can only contain ASCII")
	expectSyntaxError(t, `x = "\x4"`+"\n", 1, "truncated")
	expectSyntaxError(t, "x = f'{}'\n", 1, "empty expression")
	expectSyntaxError(t, "x = f'{x!z}'\n", 1, "conversion")
	expectSyntaxError(t, "x = f'{x'\n", 1, "")
	expectSyntaxError(t, "x = f'}'\n", 1, "single '}'")
	// Encodings.
	expectSyntaxError(t, "# coding: uft-8\n", 1, "unknown encoding: uft-8")
	expectSyntaxError(t, "\ufeff# coding: latin-1\n", 1, "encoding problem: iso-8859-1 with BOM")
	expectSyntaxError(t, "# coding: utf-16\nx = 1\n", 1, "utf-16")
	expectSyntaxError(t, "# coding: ascii\nx = '\xe9'\n", 2, "'ascii' codec")
	expectSyntaxError(t, "# coding: cp1252\nx = '\x81'\n", 2, "can't decode")
	// Import statements.
	expectSyntaxError(t, "import a.b as c.d\n", 1, "invalid syntax")
	expectSyntaxError(t, "from . import a,\n", 1, "trailing comma")
	expectSyntaxError(t, "from a import *, b\n", 1, "invalid syntax")
	expectSyntaxError(t, "import\n", 1, "invalid syntax")
	expectSyntaxError(t, "from a import\n", 1, "invalid syntax")
	expectSyntaxError(t, "from import a\n", 1, "")
	expectSyntaxError(t, "import (a)\n", 1, "")
	expectSyntaxError(t, "from a import (b\n", 1, "never closed")
	// The grammar.
	expectSyntaxError(t, "print 'hello'\n", 1, "invalid syntax")
	expectSyntaxError(t, "exec 'code'\n", 1, "invalid syntax")
	expectSyntaxError(t, "raise E, 'msg'\n", 1, "invalid syntax")
	expectSyntaxError(t, "except E, e:\n", 1, "")
	expectSyntaxError(t, "def f(:\n", 1, "")
	expectSyntaxError(t, "f() = 1\n", 1, "cannot assign to function call")
	expectSyntaxError(t, "a + 1 = 2\n", 1, "cannot assign")
	expectSyntaxError(t, "(a, b) += 1\n", 1, "augmented assignment")
	expectSyntaxError(t, "del f()\n", 1, "cannot delete")
	expectSyntaxError(t, "x = yield = 1\n", 1, "cannot assign")
	expectSyntaxError(t, "f(**a, *b)\n", 1, "unpacking follows keyword argument unpacking")
	expectSyntaxError(t, "f(a=1, b)\n", 1, "positional argument follows keyword argument")
	expectSyntaxError(t, "f(x for x in y, z)\n", 1, "Generator expression must be parenthesized")
	expectSyntaxError(t, "def f(a=1, b): pass\n", 1, "non-default argument")
	expectSyntaxError(t, "def f(*): pass\n", 1, "named arguments must follow bare *")
	expectSyntaxError(t, "lambda: (yield) = 1\n", 1, "")
	expectSyntaxError(t, "a := 1\n", 1, "")
	expectSyntaxError(t, "x = 1 if y\n", 1, "expected 'else'")
	expectSyntaxError(t, "try:\n    pass\n", 3, "expected 'except' or 'finally'")
	expectSyntaxError(t, "x = [*a for a in b]\n", 1, "iterable unpacking cannot be used in comprehension")
	expectSyntaxError(t, "x = u'' b''\n", 1, "cannot mix bytes and nonbytes")
	expectSyntaxError(t, "class A:\nreturn\n", 2, "expected an indented block")
	expectSyntaxError(t, "x = (1 +\n", 1, "never closed")
	expectSyntaxError(t, strings.Repeat("(", 201)+strings.Repeat(")", 201)+"\n", 1, "too many nested parentheses")
	expectSyntaxError(t, "x = "+strings.Repeat("-", 5000)+"1\n", 1, "too many nested")
}

func TestValid(t *testing.T) {
	for _, src := range []string{
		"",
		"\n\n",
		"# only a comment",
		"x = 1",             // no final newline
		"if x:\n    pass",   // indented last line without newline
		"x = 1 \\\n  + 2\n", // continuation
		"x = [\n  1,\n\n  # comment\n  2,\n]\n",
		"def f(a, /, b, *, c): pass\n",
		"def f(*args: *Ts): pass\n",
		"x = a if b else c\n",
		"x = [i for i in range(3) if i if i > 1 for j in i]\n",
		"x = {**a, 'b': 1}\n",
		"a, *b = c\n",
		"[a, b] = c\n",
		"() = []\n",
		"(a) = 1\n",
		"x: int\n",
		"(a): int = 1\n",
		"print(*a, **b, c=1)\n",
		"f(a=1, *b)\n",
		"x = a[1:2, ::3, ...]\n",
		"x = a[*b]\n",
		"with (a as b, c as d):\n    pass\n",
		"with (a, b):\n    pass\n",
		"with (a) as b, (c):\n    pass\n",
		"match x:\n    case {'a': 1, **rest}:\n        pass\n    case Point(x=0, y=0) | [1, 2, *_]:\n        pass\n    case -1 | 1.5 | 2+3j | 'a' 'b' | None | a.b:\n        pass\n",
		"match(x)\n",
		"match -x:\n    case _:\n        pass\n",
		"x = 1if y else 2\n",
		"x = 0x_ff + 0o17 + 0b1_0 + 1_000.5e-3j + .5 + 5. + 0\n",
		"x = '\\N{BULLET}' + f'\\N{BULLET} {x}'\n",
		"x = f'{x:{y}.{z}}'\n",
		"x = f'{x=!r:^10}'\n",
		"x = f'{ {1: 2}[1] }'\n",
		"x = f'{(lambda: 1)()}'\n",
		"x = f'{\"nested\" + f\"{1}\"}'\n",
		"async def f():\n    return [x async for x in y]\n",
		"@property\n@x.setter\ndef f(self): pass\n",
		"@(lambda f: f)\ndef g(): pass\n",
		"global a, b\nnonlocal c\n",
		"del a, (b, c), [d], e.f, g[0]\n",
		"assert x, 'msg'\n",
		"raise\n",
		"return\n",
		"x = yield\n",
		"x = *a, *b\n",
		"for x, in y: pass\n",
		"class A(B, metaclass=M, **kw): pass\n",
		"type X[T] = list[T]\n",
		"ℌ = 1\n", // NFKC-equivalent letters are fine
		"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
		"#!/usr/bin/python\n# vim: set fileencoding=utf-8 :\nimport a\n",
		"\ufeff# coding: utf-8\n",
	} {
		expectValid(t, src)
	}
}

func TestSyntaxErrorFormat(t *testing.T) {
	e := &SyntaxError{Line: 3, Col: 7, Msg: "unterminated string literal"}
	if got, want := e.Error(), "line 3:7: invalid syntax: unterminated string literal"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &SyntaxError{Line: 1, Col: 2, Msg: "invalid syntax"}
	if got, want := e.Error(), "line 1:2: invalid syntax"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// Statements longer than the parser's window of tokens: backtracking
// across windows, displays read again, lines counted far into a file.
func TestLongStatements(t *testing.T) {
	many := func(format string, n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	// with: the parenthesized reading succeeds, or fails late and the
	// expression reading takes over.
	expectRefs(t, "with ("+many("a%d, ", 3000)+"b as c):\n    import m\n", "", "m")
	expectRefs(t, "with ("+many("a%d + ", 600)+"b)[0] as c:\n    import m\n", "", "m")
	// match: a statement, or a call of a function named match.
	expectRefs(t, "match ("+many("a%d, ", 3000)+"b):\n    case 1:\n        import m\n", "", "m")
	expectRefs(t, "match("+many("a%d, ", 3000)+"b)\nimport m\n", "", "m")
	expectSyntaxError(t, "x = ("+many("%d + ", 3000)+"1\n", 1, "'(' was never closed")
	f := mustParse(t, strings.Repeat("x = 1\n", 5000)+"import m\ny = f(\n"+strings.Repeat("  a,\n", 3000)+")\nfrom . import n\n")
	if len(f.Stmts) != 2 || f.Stmts[0].Line != 5001 || f.Stmts[1].Line != 8004 {
		t.Errorf("Stmts = %+v, want lines 5001 and 8004", f.Stmts)
	}
	f = mustParse(t, "from a import ("+many("n%d, ", 2000)+")\n")
	if len(f.Stmts) != 1 || len(f.Stmts[0].Names) != 2000 || f.Stmts[0].Names[1999] != "n1999" {
		t.Errorf("Stmts = %+v, want 2000 names", f.Stmts)
	}
	f = mustParse(t, "__import__('m', fromlist=["+many("'n%d', ", 2000)+"])\n")
	if len(f.Stmts) != 1 || len(f.Stmts[0].Names) != 2000 || f.Stmts[0].Names[1999] != "n1999" {
		t.Errorf("Stmts = %+v, want a fromlist of 2000 names", f.Stmts)
	}
	expectOptional(t, "try:\n    import m\nexcept ("+many("E%d, ", 2000)+"ImportError):\n    pass\n", true)
}

func TestLatin1Identifiers(t *testing.T) {
	expectRefs(t, "# coding: latin-1\nimport caf\xe9\n", "pkg", "café")
	expectRefs(t, "# coding: cp1251\nimport \xe0\xe1\n", "pkg", "аб")
}

// Parse is safe for concurrent use: the build scans files in a worker pool.
func TestConcurrentParse(t *testing.T) {
	srcs := readSmallStdlib(t, 200)
	if len(srcs) == 0 {
		t.Skip("no standard library to read")
	}
	want := make([]string, len(srcs))
	for i, s := range srcs {
		f, err := Parse(s)
		want[i] = fmt.Sprint(f, err)
	}
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i, s := range srcs {
				f, err := Parse(s)
				if got := fmt.Sprint(f, err); got != want[i] {
					errs <- fmt.Sprintf("file %d: %s, want %s", i, got, want[i])
					return
				}
			}
			errs <- ""
		}()
	}
	for g := 0; g < 4; g++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
