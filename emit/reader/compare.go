package reader

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pkgbuild/pkgbuild/scanner/pickle"
)

// Change is one difference between two archives.
type Change struct {
	// Kind is "extern", "module", "resource" or "pickle".
	Kind string
	// Op is '+' (only in the second archive), '-' (only in the first) or
	// '~' (in both, different).
	Op byte
	// Name is the extern or module name, or the record name.
	Name string
	// Detail says more: a module's record, how a record's size changed,
	// which globals a pickle gained or lost.
	Detail string
	// Diff is a unified diff of a changed module's source, or of a changed
	// text resource (UTF-8 without NUL bytes, under 1 MiB).
	Diff string
}

func (c Change) String() string {
	s := fmt.Sprintf("%-8s %c %s", c.Kind, c.Op, c.Name)
	if c.Detail != "" {
		s += "  (" + c.Detail + ")"
	}
	return s
}

const maxTextDiff = 1 << 20

// Compare reports how archive b differs from archive a, whoever made them:
// their top folders may differ. Records are compared below the top folder
// and sorted into modules (by module name, as [Archive.Modules] finds
// them), externs (as sets; a change of order alone is a change of the
// resource .data/extern_modules), pickles (the .pkl records) and
// resources (every other record, .data ones included). Changes come in
// that order (externs, modules, resources, pickles), each sorted by name.
// No changes means the archives hold the same records with the same bytes.
func Compare(a, b *Archive) ([]Change, error) {
	var out []Change

	// Externs, as sets.
	ea, eb := setOf(a.externs), setOf(b.externs)
	for _, e := range sortedUnion(ea, eb) {
		switch {
		case !eb[e]:
			out = append(out, Change{Kind: "extern", Op: '-', Name: e})
		case !ea[e]:
			out = append(out, Change{Kind: "extern", Op: '+', Name: e})
		}
	}

	// Modules, by name.
	ma, mb := moduleMap(a), moduleMap(b)
	for _, name := range sortedUnion(keys(ma), keys(mb)) {
		x, inA := ma[name]
		y, inB := mb[name]
		switch {
		case !inB:
			out = append(out, Change{Kind: "module", Op: '-', Name: name, Detail: x.Path})
		case !inA:
			out = append(out, Change{Kind: "module", Op: '+', Name: name, Detail: y.Path})
		default:
			xs, err := a.Read(x.Path)
			if err != nil {
				return nil, err
			}
			ys, err := b.Read(y.Path)
			if err != nil {
				return nil, err
			}
			if x.Path == y.Path && bytes.Equal(xs, ys) {
				continue
			}
			c := Change{Kind: "module", Op: '~', Name: name, Detail: x.Path}
			if x.Path != y.Path {
				c.Detail = x.Path + " -> " + y.Path
			}
			c.Diff = UnifiedDiff("a/"+x.Path, "b/"+y.Path, xs, ys)
			out = append(out, c)
		}
	}

	// Other records, by name.
	ra, rb := otherRecords(a, ma), otherRecords(b, mb)
	var resources, pickles []Change
	for _, name := range sortedUnion(ra, rb) {
		kind := "resource"
		if strings.HasSuffix(name, ".pkl") {
			kind = "pickle"
		}
		if name == ".data/extern_modules" && ra[name] && rb[name] && !sameSet(a.externs, b.externs) {
			continue // the extern changes say it
		}
		var c *Change
		switch {
		case !rb[name]:
			c = &Change{Kind: kind, Op: '-', Name: name, Detail: sizeText(a, name)}
		case !ra[name]:
			c = &Change{Kind: kind, Op: '+', Name: name, Detail: sizeText(b, name)}
		default:
			var err error
			if c, err = compareRecord(a, b, name, kind); err != nil {
				return nil, err
			}
		}
		if c == nil {
			continue
		}
		if kind == "pickle" {
			pickles = append(pickles, *c)
		} else {
			resources = append(resources, *c)
		}
	}
	out = append(out, resources...)
	return append(out, pickles...), nil
}

func compareRecord(a, b *Archive, name, kind string) (*Change, error) {
	sa, _ := a.Size(name)
	sb, _ := b.Size(name)
	if sa == sb {
		same, err := sameBytes(a, b, name)
		if err != nil || same {
			return nil, err
		}
	}
	c := &Change{Kind: kind, Op: '~', Name: name}
	if sa != sb {
		c.Detail = fmt.Sprintf("%d -> %d bytes", sa, sb)
	} else {
		c.Detail = fmt.Sprintf("%d bytes, different", sa)
	}
	if name == ".data/extern_modules" {
		c.Detail = "the same modules in another order, or other blank lines"
		return c, nil
	}
	switch {
	case kind == "pickle":
		da, err := a.Read(name)
		if err != nil {
			return nil, err
		}
		db, err := b.Read(name)
		if err != nil {
			return nil, err
		}
		if d := globalsChange(da, db); d != "" {
			c.Detail += "; " + d
		}
	case sa <= maxTextDiff && sb <= maxTextDiff:
		da, err := a.Read(name)
		if err != nil {
			return nil, err
		}
		db, err := b.Read(name)
		if err != nil {
			return nil, err
		}
		if isText(da) && isText(db) {
			c.Diff = UnifiedDiff("a/"+name, "b/"+name, da, db)
		}
	}
	return c, nil
}

// sameBytes streams record name of both archives and compares them.
func sameBytes(a, b *Archive, name string) (bool, error) {
	ra, err := a.Open(name)
	if err != nil {
		return false, err
	}
	defer ra.Close()
	rb, err := b.Open(name)
	if err != nil {
		return false, err
	}
	defer rb.Close()
	bufA, bufB := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, errA := io.ReadFull(ra, bufA)
		nb, errB := io.ReadFull(rb, bufB)
		if !bytes.Equal(bufA[:na], bufB[:nb]) {
			return false, nil
		}
		endA := errA == io.EOF || errA == io.ErrUnexpectedEOF
		endB := errB == io.EOF || errB == io.ErrUnexpectedEOF
		if errA != nil && !endA {
			return false, errA
		}
		if errB != nil && !endB {
			return false, errB
		}
		if endA || endB {
			return endA == endB, nil
		}
	}
}

// globalsChange lists the globals one pickle imports and the other does not.
func globalsChange(a, b []byte) string {
	ga, gb := pickleGlobals(a), pickleGlobals(b)
	var parts []string
	for _, g := range sortedUnion(ga, gb) {
		switch {
		case !gb[g]:
			parts = append(parts, "-"+g)
		case !ga[g]:
			parts = append(parts, "+"+g)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "globals " + strings.Join(parts, " ")
}

func pickleGlobals(data []byte) map[string]bool {
	info, _ := pickle.Scan(data)
	m := map[string]bool{}
	for _, g := range info.Globals {
		if g.Unresolved {
			m["?"] = true
		} else {
			m[g.Module+"."+g.Name] = true
		}
	}
	return m
}

func sizeText(in *Archive, name string) string {
	n, _ := in.Size(name)
	return fmt.Sprintf("%d bytes", n)
}

func isText(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

func moduleMap(a *Archive) map[string]Module {
	m := make(map[string]Module, len(a.modules))
	for _, mod := range a.modules {
		m[mod.Name] = mod
	}
	return m
}

// otherRecords is every record that is not one of the modules in ms.
func otherRecords(a *Archive, ms map[string]Module) map[string]bool {
	isModule := map[string]bool{}
	for _, m := range ms {
		isModule[m.Path] = true
	}
	out := map[string]bool{}
	for _, r := range a.records {
		if !isModule[r.name] {
			out[r.name] = true
		}
	}
	return out
}

func setOf(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

func sameSet(a, b []string) bool {
	sa, sb := setOf(a), setOf(b)
	if len(sa) != len(sb) {
		return false
	}
	for s := range sa {
		if !sb[s] {
			return false
		}
	}
	return true
}

func keys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedUnion(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if !a[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
