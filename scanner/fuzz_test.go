package scanner

import (
	"errors"
	"sort"
	"strings"
	"testing"
)

// fuzzSeeds are small inputs that reach the corners of the lexer and
// parser; FuzzParse also starts from small files of the standard library.
var fuzzSeeds = []string{
	"import a.b as c, d\nfrom ..x import (y, z as w,)\n",
	"__import__('a.b', globals(), None, ['c', 1, x.y], 2)\n",
	"__import__(\"a\", fromlist=[\"\"], level=True)\n",
	"try:\n    import a\nexcept (ImportError, E):\n    pass\n",
	"x = f'{__import__(\"os\")!r:>{w}}' f\"{x[\"a\"]}\" rf'\\{{x}}'\n",
	"x = f'''{\n a # c\n}'''\n",
	"@__import__('d').x\ndef f(a=__import__('e'), *, b: __import__('f') = 1) -> g: import h\n",
	"x = {__import__('k'): __import__('v'), **m}\n",
	"x = a if __import__('b') else c\n",
	"match x:\n    case [1, *r] | {'a': 2, **k} | P(x=0):\n        import m\n",
	"with (a as b, c):\n    pass\n",
	"from contextlib import suppress\nwith (suppress(ImportError, (E, Exception)) as s, c):\n    import a\n",
	"import contextlib\nwith contextlib.suppress(*e, ImportError)(x), f(contextlib.suppress(Exception)):\n    import a\n",
	"if x:\n\tpass\n        pass\n",
	"# coding: latin-1\nx = '\xe9'\n",
	"\ufeffimport a\r\nimport b\r",
	"x = '\\N{BULLET}' b'\\x00' u'\\U0001F600'\n",
	"x = 0x_1 + 1_0.5e-3j + 0777\n",
	"sys.modules[__name__] = open(os.path.join(os.path.dirname(__file__), 'x'))\n",
	"importlib.import_module('x')\n",
	"lambda a=1, *b, c, **d: (yield)\n",
	"x = (\n",
	"'''\n",
	"f'{\n",
	"\\\n",
	"def f[T: int = str, *Ts, **P](): pass\ntype X = int\n",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, src := range readSmallStdlib(f, 40) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse returned %T %v, want *SyntaxError", err, err)
			}
			if strings.Contains(se.Msg, "internal error") {
				t.Fatalf("parser bug: %v", se)
			}
			if se.Line < 1 || se.Col < 1 {
				t.Fatalf("bad position in %v", se)
			}
			return
		}
		// Statements are in source order, Visit is a permutation.
		seen := make([]bool, len(file.Stmts))
		for i, s := range file.Stmts {
			if s.Visit < 0 || s.Visit >= len(seen) || seen[s.Visit] {
				t.Fatalf("bad Visit %d in %+v", s.Visit, s)
			}
			seen[s.Visit] = true
			if i > 0 && (s.Line < file.Stmts[i-1].Line) {
				t.Fatalf("statements out of order: %+v", file.Stmts)
			}
		}
		if !sort.SliceIsSorted(file.Findings, func(i, j int) bool {
			a, b := file.Findings[i], file.Findings[j]
			return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
		}) {
			t.Fatalf("findings out of order: %+v", file.Findings)
		}
		for _, pkg := range []string{"", "a", "a.b.c"} {
			refs, err := file.Refs(pkg)
			var re *RelativeImportError
			if err != nil && !errors.As(err, &re) {
				t.Fatalf("Refs(%q): %v", pkg, err)
			}
			for _, r := range refs {
				if r.Line < 1 {
					t.Fatalf("ref without a line: %+v", r)
				}
			}
		}
	})
}

// readSmallStdlib returns up to n small files of the standard library.
func readSmallStdlib(tb testing.TB, n int) [][]byte {
	var out [][]byte
	for _, src := range readTreeQuiet(stdlibDir) {
		if len(src) < 2000 {
			out = append(out, src)
			if len(out) == n {
				break
			}
		}
	}
	return out
}
