package reader

import (
	"fmt"
	"strings"
)

// maxEdits bounds the Myers search: past this many inserted and deleted
// lines (after the common head and tail are set aside), the middle is shown
// as removed and added whole. The search keeps about maxEdits² int32s.
const maxEdits = 2000

// UnifiedDiff returns a unified diff from a to b, labelled aName and bName,
// with three lines of context, as diff -u prints it (without timestamps):
// "--- aName", "+++ bName", then hunks "@@ -l,s +l,s @@". A last line
// without a newline is followed by "\ No newline at end of file". It
// returns "" when a and b are equal. The edit script is a shortest one
// (Myers' O(ND) algorithm) unless it needs more than 2000 edits.
func UnifiedDiff(aName, bName string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	al, bl := splitLinesKeep(string(a)), splitLinesKeep(string(b))
	ops := diffLines(al, bl)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	const context = 3
	for i := 0; i < len(ops); {
		// Find the next change, and the end of its hunk: changes closer
		// than 2*context equal lines share a hunk.
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(0, i-context)
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != ' ' {
				end = j + 1
			} else if j-end >= 2*context {
				break
			}
		}
		end = min(len(ops), end+context)
		writeHunk(&out, ops[start:end])
		i = end
	}
	return out.String()
}

// lineOp is one line of the edit script: ' ' kept, '-' removed from a,
// '+' added from b; ai and bi are the line's 0-based positions (the
// position it would have for the side it is not in).
type lineOp struct {
	kind   byte
	text   string
	ai, bi int
}

func writeHunk(out *strings.Builder, ops []lineOp) {
	aStart, bStart := ops[0].ai, ops[0].bi
	aLen, bLen := 0, 0
	for _, op := range ops {
		if op.kind != '+' {
			aLen++
		}
		if op.kind != '-' {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, op := range ops {
		out.WriteByte(op.kind)
		out.WriteString(op.text)
		if !strings.HasSuffix(op.text, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange formats a hunk's range as GNU diff does: "l" for one line,
// "l,s" otherwise, and for an empty range the line before it.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// splitLinesKeep splits s after each "\n"; the last line may lack one.
func splitLinesKeep(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffLines returns an edit script turning a into b.
func diffLines(a, b []string) []lineOp {
	// Common head and tail first: most edits are small.
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	var ops []lineOp
	for i := 0; i < head; i++ {
		ops = append(ops, lineOp{' ', a[i], i, i})
	}
	am, bm := a[head:len(a)-tail], b[head:len(b)-tail]
	mid, ok := myers(am, bm)
	if !ok {
		mid = nil
		for i, l := range am {
			mid = append(mid, lineOp{'-', l, i, 0})
		}
		for j, l := range bm {
			mid = append(mid, lineOp{'+', l, len(am), j})
		}
	}
	for _, op := range mid {
		op.ai += head
		op.bi += head
		ops = append(ops, op)
	}
	for i := 0; i < tail; i++ {
		ai, bi := len(a)-tail+i, len(b)-tail+i
		ops = append(ops, lineOp{' ', a[ai], ai, bi})
	}
	return ops
}

// myers finds a shortest edit script from a to b with Myers' greedy
// algorithm ("An O(ND) Difference Algorithm and Its Variations", 1986),
// keeping the furthest-reaching x of each diagonal k after each step d and
// walking back through them. It gives up (false) past maxEdits.
func myers(a, b []string) ([]lineOp, bool) {
	n, m := len(a), len(b)
	if n+m == 0 {
		return nil, true
	}
	limit := min(n+m, maxEdits)
	off := limit + 1
	v := make([]int32, 2*limit+3)
	var trace [][]int32 // trace[d][k+d] = v[k] after step d
	found := -1
	for d := 0; d <= limit && found < 0; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = int(v[off+k+1]) // down: an insertion
			} else {
				x = int(v[off+k-1]) + 1 // right: a deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = int32(x)
			if x >= n && y >= m {
				found = d
			}
		}
		trace = append(trace, append([]int32(nil), v[off-d:off+d+1]...))
	}
	if found < 0 {
		return nil, false
	}
	// Walk back from (n, m), collecting the script in reverse.
	var rev []lineOp
	x, y := n, m
	for d := found; d > 0; d-- {
		prev := trace[d-1] // prev[k+(d-1)] = v[k] after step d-1
		k := x - y
		var pk int
		if k == -d || (k != d && prev[k-1+d-1] < prev[k+1+d-1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := int(prev[pk+d-1])
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, lineOp{' ', a[x], x, y})
		}
		if x == px {
			y--
			rev = append(rev, lineOp{'+', b[y], x, y})
		} else {
			x--
			rev = append(rev, lineOp{'-', a[x], x, y})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, lineOp{' ', a[x], x, y})
	}
	ops := make([]lineOp, len(rev))
	for i, op := range rev {
		ops[len(rev)-1-i] = op
	}
	return ops, true
}
