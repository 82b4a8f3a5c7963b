package manifest

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// torchGlobScript runs torch's own GlobGroup on the cases read from stdin.
const torchGlobScript = `
import json, sys
from torch.package.glob_group import GlobGroup
out = []
for c in json.load(sys.stdin):
    try:
        g = GlobGroup(c["include"], exclude=c["exclude"] or (), separator=c["sep"])
    except ValueError as e:
        out.append({"error": str(e)})
        continue
    out.append({"str": str(g), "matches": [g.matches(s) for s in c["candidates"]]})
json.dump(out, sys.stdout)
`

type torchGlobCase struct {
	Include    []string `json:"include"`
	Exclude    []string `json:"exclude"`
	Sep        string   `json:"sep"`
	Candidates []string `json:"candidates"`
}

type torchGlobResult struct {
	Error   string `json:"error"`
	Str     string `json:"str"`
	Matches []bool `json:"matches"`
}

// TestGlobAgainstTorch compares Glob with torch.package.GlobGroup (Debian's
// torch 1.13 under /usr/bin/python3) on generated patterns and candidates.
// It is skipped when torch cannot be imported, unless
// PKGBUILD_REQUIRE_TORCH=1.
func TestGlobAgainstTorch(t *testing.T) {
	cases := torchGlobCases()
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/python3", "-c", torchGlobScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if os.Getenv("PKGBUILD_REQUIRE_TORCH") == "1" {
			t.Fatalf("running torch's GlobGroup: %v\n%s", err, msg)
		}
		t.Skipf("torch's GlobGroup is not available (set PKGBUILD_REQUIRE_TORCH=1 to fail): %v: %s", err, lastLine(msg))
	}
	var results []torchGlobResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("decoding python's output: %v", err)
	}
	if len(results) != len(cases) {
		t.Fatalf("python returned %d results for %d cases", len(results), len(cases))
	}
	pairs, matched := 0, 0
	for i, c := range cases {
		r := results[i]
		g, err := CompileGlob(c.Include, c.Exclude, c.Sep[0])
		if (err != nil) != (r.Error != "") {
			t.Errorf("CompileGlob(%q, %q, %q) error = %v; torch error = %q", c.Include, c.Exclude, c.Sep, err, r.Error)
			continue
		}
		if err != nil {
			if !strings.HasSuffix(err.Error(), r.Error) {
				t.Errorf("CompileGlob(%q) error = %q, want it to end with torch's %q", c.Include, err, r.Error)
			}
			continue
		}
		if g.String() != r.Str {
			t.Errorf("String() = %s, torch = %s", g, r.Str)
		}
		for j, s := range c.Candidates {
			pairs++
			if r.Matches[j] {
				matched++
			}
			if got := g.Match(s); got != r.Matches[j] {
				t.Errorf("%v (sep %q) Match(%q) = %v, torch = %v", g, c.Sep, s, got, r.Matches[j])
			}
		}
	}
	t.Logf("%d globs, %d pattern/candidate pairs (%d matching) agree with torch", len(cases), pairs, matched)
}

// torchGlobCases generates a fixed set of cases from small alphabets of
// segments chosen to exercise "*", "**", empty segments, metacharacters
// and invalid "**" uses, with both separators.
func torchGlobCases() []torchGlobCase {
	patternSegs := []string{"a", "b", "ab", "*", "a*", "*b", "a*b", "*a*", "**", "**", "", "a+b", "[a]", "a?"}
	badSegs := []string{"a**", "**b", "a**b"}
	candSegs := []string{"a", "b", "ab", "aab", "ba", "", "a+b", "[a]", "a?", "abb", "xyz"}
	rng := rand.New(rand.NewPCG(1, 13))
	join := func(segs []string, n int, sep string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = segs[rng.IntN(len(segs))]
		}
		return strings.Join(parts, sep)
	}
	var cases []torchGlobCase
	for i := range 400 {
		sep := "."
		if i%4 == 3 {
			sep = "/"
		}
		c := torchGlobCase{Sep: sep}
		for range 1 + rng.IntN(2) {
			c.Include = append(c.Include, join(patternSegs, 1+rng.IntN(4), sep))
		}
		if rng.IntN(3) == 0 {
			c.Exclude = append(c.Exclude, join(patternSegs, 1+rng.IntN(3), sep))
		}
		if rng.IntN(40) == 0 {
			c.Include = append(c.Include, badSegs[rng.IntN(len(badSegs))])
		}
		for range 6 {
			c.Candidates = append(c.Candidates, join(candSegs, 1+rng.IntN(4), sep))
		}
		cases = append(cases, c)
	}
	return cases
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
