package reader

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUnifiedDiff(t *testing.T) {
	for _, tc := range []struct {
		name, a, b, want string
	}{
		{"equal", "x\n", "x\n", ""},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", `--- a/f
+++ b/f
@@ -1,3 +1,3 @@
 a
-b
+B
 c
`},
		{"added to an empty file", "", "new\n", `--- a/f
+++ b/f
@@ -0,0 +1 @@
+new
`},
		{"everything removed", "a\nb\n", "", `--- a/f
+++ b/f
@@ -1,2 +0,0 @@
-a
-b
`},
		{"newline added at the end", "a", "a\n", `--- a/f
+++ b/f
@@ -1 +1 @@
-a
\ No newline at end of file
+a
`},
		{"two hunks", lines(1, 20), strings.Replace(strings.Replace(lines(1, 20), "2\n", "two\n", 1), "19\n", "nineteen\n", 1), `--- a/f
+++ b/f
@@ -1,5 +1,5 @@
 1
-2
+two
 3
 4
 5
@@ -16,5 +16,5 @@
 16
 17
 18
-19
+nineteen
 20
`},
		{"close changes share a hunk", lines(1, 12), strings.Replace(strings.Replace(lines(1, 12), "3\n", "x\n", 1), "9\n", "y\n", 1), `--- a/f
+++ b/f
@@ -1,12 +1,12 @@
 1
 2
-3
+x
 4
 5
 6
 7
 8
-9
+y
 10
 11
 12
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := UnifiedDiff("a/f", "b/f", []byte(tc.a), []byte(tc.b))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// lines returns the numbers from i to j, one a line.
func lines(i, j int) string {
	var b strings.Builder
	for ; i <= j; i++ {
		fmt.Fprintln(&b, i)
	}
	return b.String()
}

// TestUnifiedDiffApplies applies random diffs to their first file and
// checks that the result is the second, and that the script is as short as
// an LCS computed by dynamic programming says it can be.
func TestUnifiedDiffApplies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		a, b := randomText(r), randomText(r)
		if i%3 == 0 {
			b = mutate(r, a)
		}
		d := UnifiedDiff("a", "b", []byte(a), []byte(b))
		got, err := applyUnified(a, d)
		if err != nil || got != b {
			t.Fatalf("case %d: applying the diff gives %q, %v; want %q\na=%q\nb=%q\n%s", i, got, err, b, a, b, d)
		}
		al, bl := splitLinesKeep(a), splitLinesKeep(b)
		edits := 0
		for _, op := range diffLines(al, bl) {
			if op.kind != ' ' {
				edits++
			}
		}
		if want := len(al) + len(bl) - 2*lcs(al, bl); edits != want {
			t.Fatalf("case %d: %d edits, a shortest script has %d", i, edits, want)
		}
	}
}

// Past maxEdits the middle is replaced whole: still a correct diff.
func TestUnifiedDiffGivesUp(t *testing.T) {
	var a, b strings.Builder
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&a, "a%d\n", i)
		fmt.Fprintf(&b, "b%d\n", i)
	}
	d := UnifiedDiff("a", "b", []byte(a.String()), []byte(b.String()))
	if got, err := applyUnified(a.String(), d); err != nil || got != b.String() {
		t.Fatalf("the coarse diff does not apply: %v", err)
	}
	if !strings.HasPrefix(d, "--- a\n+++ b\n@@ -1,1500 +1,1500 @@\n-a0\n-a1\n") {
		t.Errorf("want every line removed, then every line added:\n%.200s", d)
	}
}

func randomText(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(12); n > 0; n-- {
		b.WriteString(string(rune('a' + r.IntN(4))))
		b.WriteByte('\n')
	}
	if r.IntN(4) == 0 {
		b.WriteString("end") // no newline at the end
	}
	return b.String()
}

func mutate(r *rand.Rand, s string) string {
	ls := splitLinesKeep(s)
	for n := r.IntN(3); n >= 0 && len(ls) > 0; n-- {
		i := r.IntN(len(ls))
		switch r.IntN(3) {
		case 0:
			ls = append(ls[:i], ls[i+1:]...)
		case 1:
			ls = append(ls[:i], append([]string{"new\n"}, ls[i:]...)...)
		default:
			ls[i] = "changed\n"
		}
	}
	return strings.Join(ls, "")
}

func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

// applyUnified applies a unified diff to a, checking every context and
// removed line and every hunk header.
func applyUnified(a, d string) (string, error) {
	if d == "" {
		return a, nil
	}
	src := splitLinesKeep(a)
	dl := strings.SplitAfter(d, "\n")
	var out []string
	pos := 0 // next line of src
	for i := 2; i < len(dl) && dl[i] != ""; {
		var as, an, bs, bn int
		h := strings.TrimSuffix(dl[i], "\n")
		if _, err := fmt.Sscanf(h, "@@ -%s +%s @@", new(string), new(string)); err != nil {
			return "", fmt.Errorf("bad hunk header %q", h)
		}
		f := strings.Fields(h)
		as, an = parseRange(f[1][1:])
		bs, bn = parseRange(f[2][1:])
		start := as - 1
		if an == 0 {
			start = as
		}
		out = append(out, src[pos:start]...)
		pos = start
		gotA, gotB := 0, 0
		for i++; i < len(dl) && dl[i] != "" && !strings.HasPrefix(dl[i], "@@"); i++ {
			line := dl[i][1:]
			if i+1 < len(dl) && dl[i+1] == "\\ No newline at end of file\n" {
				line = strings.TrimSuffix(line, "\n")
				i++
			}
			switch dl[i-boolInt(strings.HasPrefix(dl[i], "\\"))][0] {
			case ' ':
				if pos >= len(src) || src[pos] != line {
					return "", fmt.Errorf("context %q does not match line %d", line, pos+1)
				}
				out = append(out, line)
				pos++
				gotA++
				gotB++
			case '-':
				if pos >= len(src) || src[pos] != line {
					return "", fmt.Errorf("removed %q does not match line %d", line, pos+1)
				}
				pos++
				gotA++
			case '+':
				out = append(out, line)
				gotB++
			}
		}
		if gotA != an || gotB != bn || (bn > 0 && len(out)-gotB+1 != bs) {
			return "", fmt.Errorf("hunk %q has %d/%d lines, starts at %d", h, gotA, gotB, len(out)-gotB+1)
		}
	}
	out = append(out, src[pos:]...)
	return strings.Join(out, ""), nil
}

func parseRange(s string) (start, n int) {
	a, b, ok := strings.Cut(s, ",")
	start, _ = strconv.Atoi(a)
	n = 1
	if ok {
		n, _ = strconv.Atoi(b)
	}
	return start, n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
