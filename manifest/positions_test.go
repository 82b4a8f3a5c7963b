package manifest

import (
	"strings"
	"testing"
)

// TestScanPositions checks, on text that exercises every lexical form, that
// each value's recorded position is where its marker (vN) is written.
func TestScanPositions(t *testing.T) {
	src := `# comment "with" [[brackets]] and key = "v0"
a = "v1" # trailing
"quoted.key" = 'v2'
dotted . key = "v3"
esc = "v4 \" still the string = [x]"
ml = """
[[not_a_header]]
key = "not a key" \"""
""" # v5 is the ml value
lit = '''v6 with ''
 and '' inside'''
arr = [
  "v7", # comment ]
  [ "v8", 'v9' ],
  { k = "v10" },
]
date = 1979-05-27 07:32:00Z
after = "v11"

[[t]]
x = "v12"
[t.sub]
y = "v13"
[[t.list]]
z = "v14"
[[t]]
x = "v15"
[[t.list]]
z = "v16"
[[t.list]]
z = "v17"
[ spaced . "header" ]
w = "v18"
inline = [{ a = "v19" }, { b = [ "v20" ] }]
`
	ps := scanPositions([]byte(src))
	for want, marker := range map[string]string{
		"a":                            `"v1"`,
		`"quoted.key"`:                 `'v2'`,
		"dotted.key":                   `"v3"`,
		"esc":                          `"v4`,
		"ml":                           `"""` + "\n[[not",
		"lit":                          `'''v6`,
		"arr[0]":                       `"v7"`,
		"arr[1][0]":                    `"v8"`,
		"arr[1][1]":                    `'v9'`,
		"arr[2].k":                     `"v10"`,
		"date":                         `1979`,
		"after":                        `"v11"`,
		"t[0].x":                       `"v12"`,
		"t[0].sub.y":                   `"v13"`,
		"t[0].list[0].z":               `"v14"`,
		"t[1].x":                       `"v15"`,
		"t[1].list[0].z":               `"v16"`,
		"t[1].list[1].z":               `"v17"`,
		`spaced.header.w`:              `"v18"`,
		`spaced.header.inline[0].a`:    `"v19"`,
		`spaced.header.inline[1].b`:    `[ "v20"`,
		`spaced.header.inline[1].b[0]`: `"v20"`,
	} {
		got, ok := ps.vals[want]
		if !ok {
			t.Errorf("no position for %s", want)
			continue
		}
		if l := offsetLoc(src, strings.Index(src, marker)); got != l {
			t.Errorf("%s at %d:%d, want %d:%d (%s)", want, got.line, got.col, l.line, l.col, marker)
		}
	}
	for key, marker := range map[string]string{
		"t[0]":         "[[t]]\nx = \"v12",
		"t[1]":         "[[t]]\nx = \"v15",
		"t[1].list[1]": "[[t.list]]\nz = \"v17",
		"dotted.key":   "key = \"v3",
		"dotted":       "dotted",
	} {
		if got, l := ps.keys[key], offsetLoc(src, strings.Index(src, marker)); got != l {
			t.Errorf("key %s at %d:%d, want %d:%d", key, got.line, got.col, l.line, l.col)
		}
	}
}

func offsetLoc(src string, off int) loc {
	line := 1 + strings.Count(src[:off], "\n")
	return loc{line, off - strings.LastIndexByte(src[:off], '\n')}
}

func TestPathString(t *testing.T) {
	p := path{}.key("rule").at(2).key("extern").at(0)
	if got := p.String(); got != "rule[2].extern[0]" {
		t.Errorf("got %s", got)
	}
	if got := (path{}.key("a.b").key("")).String(); got != `"a.b".""` {
		t.Errorf("got %s", got)
	}
}
