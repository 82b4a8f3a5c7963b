package manifest

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// globCase is one GlobGroup from torch's test_glob_group.py (or from the
// observations next to it in torch_package_facts.md §1.1) with the
// candidates it must and must not match.
type globCase struct {
	name             string
	include, exclude []string
	sep              byte
	match, noMatch   []string
}

var globCases = []globCase{
	// test/package/test_glob_group.py, every test.
	{name: "one_star", include: []string{"torch.*"},
		match:   []string{"torch.foo", "torch.bar"},
		noMatch: []string{"tor.foo", "torch.foo.bar", "torch"}},
	{name: "one_star_middle", include: []string{"foo.*.bar"},
		match:   []string{"foo.q.bar", "foo.foo.bar"},
		noMatch: []string{"foo.bar", "foo.foo", "outer.foo.inner.bar", "foo.q.bar.more", "foo.one.two.bar"}},
	{name: "one_star_partial", include: []string{"fo*.bar"},
		match:   []string{"fo.bar", "foo.bar", "foobar.bar"},
		noMatch: []string{"oij.bar", "f.bar", "foo"}},
	{name: "one_star_multiple_in_component", include: []string{"foo/a*.htm*"}, sep: '/',
		match: []string{"foo/a.html", "foo/a.htm", "foo/abc.html"}},
	{name: "one_star_partial_extension", include: []string{"foo/*.txt"}, sep: '/',
		match:   []string{"foo/hello.txt", "foo/goodbye.txt", "foo/.txt"},
		noMatch: []string{"foo/bar/hello.txt", "bar/foo/hello.txt"}},
	{name: "two_star", include: []string{"torch.**"},
		match:   []string{"torch.foo", "torch.bar", "torch.foo.bar", "torch"},
		noMatch: []string{"what.torch", "torchvision"}},
	{name: "two_star_end", include: []string{"**.torch"},
		match:   []string{"torch", "bar.torch"},
		noMatch: []string{"visiontorch"}},
	{name: "two_star_middle", include: []string{"foo.**.baz"},
		match:   []string{"foo.baz", "foo.bar.baz", "foo.bar1.bar2.baz"},
		noMatch: []string{"foobaz", "foo.bar.baz.z"}},
	{name: "two_star_multiple", include: []string{"**/bar/**/*.txt"}, sep: '/',
		match:   []string{"bar/baz.txt", "a/bar/b.txt", "bar/foo/c.txt"},
		noMatch: []string{"baz.txt", "a/b.txt"}},
	{name: "raw_two_star", include: []string{"**"},
		match:   []string{"bar", "foo.bar", "ab.c.d.e"},
		noMatch: []string{""}},
	{name: "exclude", include: []string{"torch.**"}, exclude: []string{"torch.**.foo"},
		match:   []string{"torch", "torch.bar", "torch.barfoo"},
		noMatch: []string{"torch.foo", "torch.some.foo"}},
	{name: "exclude_from_all", include: []string{"**"}, exclude: []string{"foo.**", "bar.**"},
		match:   []string{"a", "hello", "anything.really"},
		noMatch: []string{"foo.bar", "foo.bar.baz"}},
	{name: "list_include_exclude", include: []string{"foo", "bar.**"}, exclude: []string{"bar.baz", "bar.qux"},
		match:   []string{"foo", "bar.other", "bar.bazother"},
		noMatch: []string{"bar.baz", "bar.qux"}},

	// Edge cases observed on torch 1.13 (facts §1.1, second table).
	{name: "star_prefix_two_star", include: []string{"torch*.**"},
		match:   []string{"torch", "torchvision", "torchvision.models"},
		noMatch: []string{"torc"}},
	{name: "raw_star", include: []string{"*"},
		match:   []string{"a", ""},
		noMatch: []string{"a.b"}},
	{name: "two_star_then_star", include: []string{"**.*"},
		match: []string{"a", "a.b"}},
	{name: "two_star_twice", include: []string{"a.**.**.b"},
		match: []string{"a.b", "a.x.b", "a.x.y.b"}},
	{name: "metacharacters_are_literal", include: []string{"a+b"},
		match:   []string{"a+b"},
		noMatch: []string{"aab"}},
	{name: "literal", include: []string{"foo"},
		match:   []string{"foo"},
		noMatch: []string{"foo.bar", "foobar"}},
	{name: "empty_pattern", include: []string{""},
		match:   []string{""},
		noMatch: []string{"a"}},
	{name: "storage_exclude", include: []string{"**"}, exclude: []string{"**/*.storage"}, sep: '/',
		match:   []string{".data/version"},
		noMatch: []string{".data/0.storage"}},
}

func TestGlobTorchCases(t *testing.T) {
	for _, c := range globCases {
		t.Run(c.name, func(t *testing.T) {
			sep := cmpOr(c.sep, '.')
			g, err := CompileGlob(c.include, c.exclude, sep)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range c.match {
				if !g.Match(s) {
					t.Errorf("%v does not match %q, want match", g, s)
				}
			}
			for _, s := range c.noMatch {
				if g.Match(s) {
					t.Errorf("%v matches %q, want no match", g, s)
				}
			}
		})
	}
}

func cmpOr(b, def byte) byte {
	if b == 0 {
		return def
	}
	return b
}

func TestGlobDoubleStarInSegment(t *testing.T) {
	// test_invalid_raw, plus the other forms observed to raise ValueError.
	for _, p := range []string{"a.**b", "**a", "a**", "a.b**.c"} {
		_, err := CompileGlob([]string{p}, nil, '.')
		if err == nil || !strings.Contains(err.Error(), "** can only appear as an entire path segment") {
			t.Errorf("CompileGlob(%q) error = %v, want torch's ** error", p, err)
		}
		_, err = CompileGlob([]string{"ok"}, []string{p}, '.')
		if err == nil {
			t.Errorf("CompileGlob(exclude %q) succeeded, want error", p)
		}
	}
}

func TestGlobString(t *testing.T) {
	for _, c := range []struct {
		include, exclude []string
		want             string
	}{
		{[]string{"package_b.*"}, nil, "GlobGroup(include=['package_b.*'], exclude=())"},
		{[]string{"a", "b.**"}, []string{"b.c"}, "GlobGroup(include=['a', 'b.**'], exclude=['b.c'])"},
		{[]string{`it's`}, nil, `GlobGroup(include=["it's"], exclude=())`},
		{[]string{`a'"\` + "\n"}, nil, `GlobGroup(include=['a\'"\\\n'], exclude=())`},
	} {
		g, err := CompileGlob(c.include, c.exclude, '.')
		if err != nil {
			t.Fatal(err)
		}
		if got := g.String(); got != c.want {
			t.Errorf("String() = %s, want %s", got, c.want)
		}
	}
}

func TestGlobLongPattern(t *testing.T) {
	// More than 64 segments takes the slice-based matcher.
	segs := make([]string, 70)
	for i := range segs {
		segs[i] = "**"
	}
	segs[35] = "x*"
	g, err := CompileGlob([]string{strings.Join(segs, ".")}, nil, '.')
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		want bool
	}{{"x", true}, {"a.b.xy.c", true}, {"a.b.c", false}, {"a..x", false}} {
		if got := g.Match(c.name); got != c.want {
			t.Errorf("Match(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

// refGlob is a second implementation of GlobGroup.matches, transcribed from
// torch/package/glob_group.py: each pattern becomes a regular expression
// matched against sep+candidate.
func refGlob(include, exclude []string, sep byte) (func(string) bool, error) {
	compile := func(patterns []string) ([]*regexp.Regexp, error) {
		var out []*regexp.Regexp
		for _, p := range patterns {
			var re strings.Builder
			s := regexp.QuoteMeta(string(sep))
			for _, c := range strings.Split(p, string(sep)) {
				if strings.Contains(c, "**") {
					if c != "**" {
						return nil, errDoubleStar
					}
					re.WriteString("(" + s + "[^" + s + "]+)*")
					continue
				}
				parts := strings.Split(c, "*")
				for i, part := range parts {
					parts[i] = regexp.QuoteMeta(part)
				}
				re.WriteString(s + strings.Join(parts, "[^"+s+"]*"))
			}
			out = append(out, regexp.MustCompile("^(?:"+re.String()+")$"))
		}
		return out, nil
	}
	inc, err := compile(include)
	if err != nil {
		return nil, err
	}
	exc, err := compile(exclude)
	if err != nil {
		return nil, err
	}
	any := func(res []*regexp.Regexp, s string) bool {
		for _, re := range res {
			if re.MatchString(s) {
				return true
			}
		}
		return false
	}
	return func(c string) bool {
		c = string(sep) + c
		return any(inc, c) && !any(exc, c)
	}, nil
}

func FuzzGlob(f *testing.F) {
	for _, c := range globCases {
		for _, s := range append(c.match, c.noMatch...) {
			f.Add(strings.Join(c.include, "|"), strings.Join(c.exclude, "|"), s, c.sep == '/')
		}
	}
	f.Add("a.**.**.b", "", "a..b", false)
	f.Add("**.*.**", "*a*", "x..y", false)
	f.Fuzz(func(t *testing.T, include, exclude, candidate string, slash bool) {
		if !utf8.ValidString(include) || !utf8.ValidString(exclude) || !utf8.ValidString(candidate) {
			t.Skip() // Python strings are always text
		}
		sep := byte('.')
		if slash {
			sep = '/'
		}
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, "|")
		}
		inc, exc := split(include), split(exclude)
		want, wantErr := refGlob(inc, exc, sep)
		g, err := CompileGlob(inc, exc, sep)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("CompileGlob(%q, %q) error = %v, reference error = %v", inc, exc, err, wantErr)
		}
		if err != nil {
			return
		}
		if got, want := g.Match(candidate), want(candidate); got != want {
			t.Fatalf("%v.Match(%q) = %v, reference = %v", g, candidate, got, want)
		}
	})
}

func BenchmarkGlobMatch(b *testing.B) {
	g, err := CompileGlob([]string{"torch.**", "mymodel.**.layers.*", "numpy*.**"}, []string{"mymodel.tests.**"}, '.')
	if err != nil {
		b.Fatal(err)
	}
	names := []string{"torch.nn.functional", "mymodel.a.b.layers.conv", "numpy", "mymodel.tests.x", "requests.adapters"}
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range names {
			g.Match(n)
		}
	}
}

func BenchmarkGlobMatchRegexp(b *testing.B) {
	match, err := refGlob([]string{"torch.**", "mymodel.**.layers.*", "numpy*.**"}, []string{"mymodel.tests.**"}, '.')
	if err != nil {
		b.Fatal(err)
	}
	names := []string{"torch.nn.functional", "mymodel.a.b.layers.conv", "numpy", "mymodel.tests.x", "requests.adapters"}
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range names {
			match(n)
		}
	}
}
