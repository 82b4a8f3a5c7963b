package manifest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem with a manifest, located in its file.
type Error struct {
	File string // the manifest's path as given to Load or Parse
	Line int    // 1-based
	Col  int    // 1-based byte column
	// Key is the TOML key the problem is about, as a path: "python",
	// "rule[2].extern", "modules[0]" (0-based array indexes). It is empty for
	// TOML syntax errors.
	Key string
	// Msg is one sentence for people, including any "did you mean" hint.
	Msg string
	// Fix is a suggested edit in words ("replace \"extren\" with
	// \"extern\""), or empty. Tools print it on the line after Error(),
	// indented by a tab.
	Fix string
}

// Error returns "file:line:col: error: msg".
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: error: %s", e.File, e.Line, e.Col, e.Msg)
}

// List is every problem found in one manifest, sorted by position. A
// non-empty List returned as an error is never nil-valued; use Err to turn
// a possibly empty List into an error.
type List []*Error

// Error returns one line per problem.
func (l List) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns l as an error, or nil when l is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// sort orders the list by file, line and column, keeping the order in
// which problems were found for the same position.
func (l List) sort() {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			strings.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
		)
	})
}

// Nearest returns the candidate closest to word by edit distance, if it is
// close enough to be a plausible typo, or "". The command line uses it for
// mistyped commands, as the manifest does for mistyped keys.
func Nearest(word string, candidates []string) string { return nearest(word, candidates) }

func nearest(word string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(word), strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	// Allow one edit per three characters, and at least one.
	if bestDist < 0 || bestDist > max(1, len(word)/3) {
		return ""
	}
	return best
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and swaps of two adjacent bytes each
// cost one, so "extren" is one edit from "extern".
func editDistance(a, b string) int {
	// d[i][j] is the distance between a[:i] and b[:j]; three rows suffice.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
