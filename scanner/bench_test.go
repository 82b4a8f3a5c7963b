package scanner

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// stdlibDir is where the benchmarks and the fuzz seeds find real Python.
const stdlibDir = "/usr/lib/python3.11"

// sympyDir is Debian's sympy: 31 MB of token-dense Python (about one token
// per three bytes, test files of 1.5 MB), the worst case for the parser.
const sympyDir = "/usr/lib/python3/dist-packages/sympy"

// readTreeQuiet reads every .py file below root, in a stable order.
func readTreeQuiet(root string) [][]byte {
	var paths []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".py") {
			paths = append(paths, p)
		}
		return nil
	})
	sort.Strings(paths)
	var srcs [][]byte
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			srcs = append(srcs, b)
		}
	}
	return srcs
}

func readTree(tb testing.TB, root string) ([][]byte, int) {
	tb.Helper()
	srcs := readTreeQuiet(root)
	if len(srcs) == 0 {
		tb.Skipf("no Python sources under %s", root)
	}
	total := 0
	for _, s := range srcs {
		total += len(s)
	}
	return srcs, total
}

// cpuRate reports MB per CPU second, which on a shared machine measures
// the work done better than the wall clock behind the MB/s column.
func cpuRate(b *testing.B, total int, cpu0 float64) {
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(total)*float64(b.N)/1e6/cpu, "MB/cpu-s")
	}
}

// BenchmarkParse parses the whole CPython standard library per iteration
// (files read into memory first) on one goroutine. CPython's own
// ast.parse manages a few MB/s on the same files.
func BenchmarkParse(b *testing.B) { benchmarkParse(b, stdlibDir) }

// BenchmarkParseSympy is BenchmarkParse on sympy (skipped when it is not
// installed).
func BenchmarkParseSympy(b *testing.B) { benchmarkParse(b, sympyDir) }

func benchmarkParse(b *testing.B, root string) {
	srcs, total := readTree(b, root)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		for _, s := range srcs {
			Parse(s)
		}
	}
	cpuRate(b, total, cpu0)
}

// BenchmarkLex is the lexer alone, on the same input.
func BenchmarkLex(b *testing.B) {
	srcs, _ := readTree(b, stdlibDir)
	var texts [][]byte
	total := 0
	for _, s := range srcs {
		if t, err := prepare(s); err == nil {
			texts = append(texts, t)
			total += len(t)
		}
	}
	b.SetBytes(int64(total))
	var buf []token
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		for _, s := range texts {
			// A window at a time, as the parser reads them.
			var lx lexer
			lx.init(s)
			for {
				buf = lx.tokenize(buf[:0], window, 0)
				if k := buf[len(buf)-1].kind; k == tEOF || k == tError {
					break
				}
			}
		}
	}
	cpuRate(b, total, cpu0)
}

// BenchmarkAnchorTokenizer is the anchor for the two above: a loop that
// only finds where names, strings and other tokens end, with no checks
// and no output. Compare ratios, not absolute numbers, across machines.
func BenchmarkAnchorTokenizer(b *testing.B) {
	srcs, total := readTree(b, stdlibDir)
	b.SetBytes(int64(total))
	n := 0
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		for _, s := range srcs {
			for p := 0; p < len(s); {
				c := s[p]
				switch charClass[c] {
				case ccSpace, ccNewline:
					p++
					continue
				case ccIdent, ccDigit:
					for p < len(s) && identChar[s[p]] {
						p++
					}
				case ccHash:
					for p < len(s) && s[p] != '\n' {
						p++
					}
				case ccQuote:
					p++
					for p < len(s) && s[p] != c {
						if s[p] == '\\' {
							p++
						}
						p++
					}
					p++
				default:
					p++
				}
				n++
			}
		}
	}
	cpuRate(b, total, cpu0)
	if n == 0 {
		b.Fatal("no tokens")
	}
}
