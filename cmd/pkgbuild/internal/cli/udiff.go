package cli

import (
	"fmt"
	"strings"
)

// unifiedDiff returns a unified diff (3 lines of context) turning a into b,
// or "" when they are equal. It uses Myers' O(ND) algorithm, so two large
// files with few differences cost little.
func unifiedDiff(nameA, nameB, a, b string) string {
	if a == b {
		return ""
	}
	x, y := splitLines(a), splitLines(b)
	ops := myers(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
	const context = 3
	// Group edits into hunks with context lines around them.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := i - context
		if start < 0 {
			start = 0
		}
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		ai, bi := ops[start].ai, ops[start].bi
		var na, nb int
		var body strings.Builder
		for _, op := range ops[start:end] {
			switch op.kind {
			case ' ':
				na++
				nb++
			case '-':
				na++
			case '+':
				nb++
			}
			body.WriteByte(op.kind)
			body.WriteString(op.text)
			if !strings.HasSuffix(op.text, "\n") {
				body.WriteString("\n\\ No newline at end of file\n")
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n%s", hunkRange(ai, na), hunkRange(bi, nb), body.String())
		i = end
	}
	return out.String()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// splitLines splits text into lines that keep their "\n".
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

type diffOp struct {
	kind   byte // ' ', '-', '+'
	text   string
	ai, bi int // line index in a and b where the op applies
}

// myers computes a shortest edit script from x to y.
func myers(x, y []string) []diffOp {
	n, m := len(x), len(y)
	maxD := n + m
	offset := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var xi int
			if k == -d || (k != d && v[offset+k-1] < v[offset+k+1]) {
				xi = v[offset+k+1]
			} else {
				xi = v[offset+k-1] + 1
			}
			yi := xi - k
			for xi < n && yi < m && x[xi] == y[yi] {
				xi++
				yi++
			}
			v[offset+k] = xi
			if xi >= n && yi >= m {
				return backtrack(x, y, trace, d, offset)
			}
		}
	}
	return nil
}

func backtrack(x, y []string, trace [][]int, d, offset int) []diffOp {
	var rev []diffOp
	xi, yi := len(x), len(y)
	for ; d > 0; d-- {
		v := trace[d]
		k := xi - yi
		var pk int
		if k == -d || (k != d && v[offset+k-1] < v[offset+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := v[offset+pk]
		py := px - pk
		for xi > px && yi > py {
			xi--
			yi--
			rev = append(rev, diffOp{' ', x[xi], xi, yi})
		}
		if xi == px {
			yi--
			rev = append(rev, diffOp{'+', y[yi], xi, yi})
		} else {
			xi--
			rev = append(rev, diffOp{'-', x[xi], xi, yi})
		}
	}
	for xi > 0 && yi > 0 {
		xi--
		yi--
		rev = append(rev, diffOp{' ', x[xi], xi, yi})
	}
	ops := make([]diffOp, len(rev))
	for i, op := range rev {
		ops[len(rev)-1-i] = op
	}
	return ops
}
