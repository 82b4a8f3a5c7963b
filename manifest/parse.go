package manifest

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/bmatcuk/doublestar/v4"
)

// Load reads and parses the manifest at path. A problem with the manifest
// is returned as a List; failing to read it is an ordinary wrapped error.
func Load(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load manifest: %w", err)
	}
	return Parse(path, data)
}

// Parse parses data as the manifest at path. It reads no manifest file, but
// it does look at the files the manifest names: it checks that they exist
// and expands `files` globs, relative to path's folder. Every problem found
// is returned, as a List sorted by position; the Manifest is nil then.
func Parse(path string, data []byte) (*Manifest, error) {
	return parse(path, data, osFS{})
}

// fileSystem is the file-system access Parse needs. osFS is the real one;
// FuzzParse uses a fake so that fuzzing never walks the disk.
type fileSystem interface {
	// Stat is os.Stat.
	Stat(name string) (fs.FileInfo, error)
	// Glob returns the files below the absolute folder dir whose
	// "/"-separated path relative to dir matches the doublestar pattern,
	// as such relative paths, sorted. Wildcards do not match names that
	// start with a dot.
	Glob(dir, pattern string) ([]string, error)
}

type osFS struct{}

func (osFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

func (osFS) Glob(dir, pattern string) ([]string, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, nil
	}
	names, err := doublestar.Glob(os.DirFS(dir), pattern, doublestar.WithFilesOnly(), doublestar.WithNoHidden(), doublestar.WithFailOnIOErrors())
	slices.Sort(names)
	return names, err
}

func parse(file string, data []byte, fsys fileSystem) (*Manifest, error) {
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return nil, fmt.Errorf("parse manifest %q: %w", file, err)
	}
	p := &parser{file: file, src: data, dir: dir, fs: fsys, pos: scanPositions(data)}
	if l := p.pos.tooDeep; l != nil {
		p.errorAt(*l, nil, "", "TOML nests deeper than %d levels", maxNesting)
		return nil, p.errs
	}
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		p.syntaxError(data, err)
		return nil, p.errs
	}
	m := p.manifest(doc)
	if len(p.errs) > 0 {
		p.errs.sort()
		return nil, p.errs
	}
	m.Source = data
	return m, nil
}

// parser validates a decoded document and collects every problem.
type parser struct {
	file string
	src  []byte
	dir  string
	fs   fileSystem
	pos  *positions
	errs List
}

// syntaxError records a TOML syntax error at the byte toml points to.
func (p *parser) syntaxError(data []byte, err error) {
	e := &Error{File: p.file, Line: 1, Col: 1, Msg: "TOML: " + err.Error()}
	var pe toml.ParseError
	if errors.As(err, &pe) {
		e.Msg = "TOML: " + pe.Message
		if pe.Usage != "" {
			e.Fix = strings.TrimSpace(pe.Usage)
		}
		if start := pe.Position.Start; start >= 0 && start <= len(data) {
			e.Line = 1 + strings.Count(string(data[:start]), "\n")
			e.Col = start - (strings.LastIndexByte(string(data[:start]), '\n') + 1) + 1
		} else if pe.Position.Line > 0 {
			e.Line, e.Col = pe.Position.Line, max(pe.Position.Col, 1)
		}
	}
	p.errs = append(p.errs, e)
}

// token returns the scalar written at l: the text up to the next blank,
// comma, bracket or comment.
func (p *parser) token(l loc) string {
	lines := strings.SplitN(string(p.src), "\n", l.line+1)
	if l.line > len(lines) || l.col > len(lines[l.line-1])+1 {
		return ""
	}
	text := lines[l.line-1][l.col-1:]
	if i := strings.IndexAny(text, " \t\r,]}#"); i >= 0 {
		text = text[:i]
	}
	return text
}

// errorAt records a problem at l about the key k.
func (p *parser) errorAt(l loc, k path, fix, format string, args ...any) {
	p.errs = append(p.errs, &Error{
		File: p.file, Line: l.line, Col: l.col,
		Key: k.String(), Msg: fmt.Sprintf(format, args...), Fix: fix,
	})
}

// keyError reports a problem with the key k itself; valError one with its
// value.
func (p *parser) keyError(k path, fix, format string, args ...any) {
	p.errorAt(p.pos.key(k), k, fix, format, args...)
}

func (p *parser) valError(k path, fix, format string, args ...any) {
	p.errorAt(p.pos.val(k), k, fix, format, args...)
}

// posOf returns the Pos of the value at k (for a table, its header).
func (p *parser) posOf(k path) Pos { return Pos{File: p.file, Line: p.pos.val(k).line} }

// The keys of each table. Order matters only for messages.
var (
	topKeys      = []string{"output", "python", "roots", "modules", "trees", "parents", "rule", "resource", "pickle", "source", "hidden", "ignore", "from_package"}
	tableNames   = []string{"rule", "resource", "pickle", "source", "hidden", "ignore", "from_package"}
	actionKeys   = []string{"intern", "extern", "mock", "deny"}
	ruleKeys     = []string{"intern", "extern", "mock", "deny", "exclude", "allow_empty"}
	resourceKeys = []string{"package", "file", "files", "name"}
	pickleKeys   = []string{"package", "name", "file"}
	sourceKeys   = []string{"module", "file", "package"}
	hiddenKeys   = []string{"module", "imports"}
	ignoreKeys   = []string{"module", "imports"}
	fromKeys     = []string{"file", "include", "exclude", "sources"}
	tableKeys    = map[string][]string{
		"rule": ruleKeys, "resource": resourceKeys, "pickle": pickleKeys,
		"source": sourceKeys, "hidden": hiddenKeys, "ignore": ignoreKeys,
		"from_package": fromKeys,
	}
)

func (p *parser) manifest(doc map[string]any) *Manifest {
	m := &Manifest{
		Path:   p.file,
		Dir:    p.dir,
		Python: DefaultPython,
		Roots:  []string{p.dir},
	}
	p.unknownKeys(doc, nil, "", topKeys)

	if s, k, ok := p.str(doc, nil, "output"); ok {
		m.Output, m.OutputPos = p.output(s, k), p.posOf(k)
	}
	if s, k, ok := p.str(doc, nil, "python"); ok {
		m.Python, m.PythonPos = p.python(s, k), p.posOf(k)
	}
	if items, k, ok := p.strArray(doc, nil, "roots"); ok {
		m.Roots = p.roots(items, k)
	}
	m.Modules = p.moduleNames(doc, "modules")
	m.Trees = p.moduleNames(doc, "trees")
	if s, k, ok := p.str(doc, nil, "parents"); ok {
		switch s {
		case "intern":
			m.Parents = ParentsIntern
		case "torch":
			m.Parents = ParentsTorch
		default:
			p.valError(k, "", "parents must be \"intern\" or \"torch\", not %q%s", s, didYouMean(s, []string{"intern", "torch"}))
		}
	}

	// Every table below is checked on its own; an entry with a problem is
	// left out, so that later checks only see good entries.
	records := map[string]path{} // archive record -> the table writing it
	claim := func(record string, at path) {
		first, ok := records[record]
		if !ok {
			records[record] = at
			return
		}
		// Report at the later of the two in the file.
		later := at
		if p.pos.val(at).line < p.pos.val(first).line {
			first, later = at, first
			records[record] = at
		}
		p.valError(later, "", "%s writes %q, which the %s at line %d writes too",
			tableOf(later), record, tableOf(first), p.pos.val(first).line)
	}
	for at, t := range p.tables(doc, "rule") {
		if r, ok := p.rule(t, at); ok {
			m.Rules = append(m.Rules, r)
		}
	}
	for at, t := range p.tables(doc, "resource") {
		for _, r := range p.resource(t, at) {
			m.Resources = append(m.Resources, r)
			claim(r.Path(), at)
		}
	}
	for at, t := range p.tables(doc, "pickle") {
		if r, ok := p.pickle(t, at); ok {
			m.Pickles = append(m.Pickles, r)
			claim(r.Path(), at)
		}
	}
	sources := map[string]path{} // module -> its [[source]]
	for at, t := range p.tables(doc, "source") {
		s, ok := p.source(t, at)
		if !ok {
			continue
		}
		if first, dup := sources[s.Module]; dup {
			p.valError(at, "", "[[source]] for %q repeats the one at line %d", s.Module, p.pos.val(first).line)
			continue
		}
		sources[s.Module] = at
		m.Sources = append(m.Sources, s)
		claim(s.Path(), at)
	}
	for at, t := range p.tables(doc, "hidden") {
		if h, ok := p.hidden(t, at); ok {
			m.Hidden = append(m.Hidden, h)
		}
	}
	for at, t := range p.tables(doc, "ignore") {
		if ig, ok := p.ignore(t, at); ok {
			m.Ignore = append(m.Ignore, ig)
		}
	}
	// The records a [[from_package]] writes are only known when the build
	// reads the archive; it checks them against the entries above.
	for at, t := range p.tables(doc, "from_package") {
		if fp, ok := p.fromPackage(t, at); ok {
			m.FromPackages = append(m.FromPackages, fp)
		}
	}
	return m
}

// unknownKeys reports every key of t not in allowed. table is "" at the top
// level, else the table's name ("rule").
func (p *parser) unknownKeys(t map[string]any, at path, table string, allowed []string) {
	for _, k := range sortedKeys(t) {
		if slices.Contains(allowed, k) {
			continue
		}
		kp := at.key(k)
		if table == "" {
			p.unknownTopKey(k, t[k], kp)
			continue
		}
		where := "[[" + table + "]]"
		if s := nearest(k, allowed); s != "" {
			p.keyError(kp, fmt.Sprintf("replace %q with %q", k, s), "unknown key %q in %s; did you mean %q?", k, where, s)
		} else if slices.Contains(topKeys, k) {
			p.keyError(kp, fmt.Sprintf("move %q above the first table header", k),
				"unknown key %q in %s; keys after a table header belong to that table", k, where)
		} else {
			p.keyError(kp, "", "unknown key %q in %s; valid keys are %s", k, where, quoteList(allowed))
		}
	}
}

func (p *parser) unknownTopKey(k string, v any, kp path) {
	if _, ok := asTables(v); ok {
		if s := nearest(k, tableNames); s != "" {
			p.keyError(kp, fmt.Sprintf("replace [[%s]] with [[%s]]", k, s), "unknown table [[%s]]; did you mean [[%s]]?", k, s)
		} else {
			p.keyError(kp, "", "unknown table [[%s]]; tables are %s", k, bracketList(tableNames))
		}
		return
	}
	if isMap(v) {
		if s := nearest(k, tableNames); s != "" {
			p.keyError(kp, fmt.Sprintf("write [[%s]]", s), "unknown table [%s]; did you mean [[%s]]?", k, s)
		} else {
			p.keyError(kp, "", "unknown table [%s]; tables are %s", k, bracketList(tableNames))
		}
		return
	}
	if s := nearest(k, topKeys); s != "" {
		p.keyError(kp, fmt.Sprintf("replace %q with %q", k, s), "unknown key %q; did you mean %q?", k, s)
		return
	}
	var in []string
	for _, name := range tableNames {
		if slices.Contains(tableKeys[name], k) {
			in = append(in, "[["+name+"]]")
		}
	}
	if len(in) > 0 {
		p.keyError(kp, fmt.Sprintf("put %q under a %s header", k, in[0]), "unknown top-level key %q; it belongs in %s", k, orList(in))
		return
	}
	p.keyError(kp, "", "unknown key %q; valid keys are %s", k, quoteList(topKeys))
}

// tables yields the path and content of each entry of the array of tables
// name. A value of another type is reported, and yields nothing.
func (p *parser) tables(doc map[string]any, name string) iter.Seq2[path, map[string]any] {
	k := path{}.key(name)
	v, ok := doc[name]
	ts, isTables := asTables(v)
	switch {
	case !ok || isTables:
	case isMap(v):
		p.keyError(k, fmt.Sprintf("write [[%s]]", name), "%s must be an array of tables: write [[%s]], not [%s]", name, name, name)
	case isList(v):
		for i, e := range v.([]any) {
			if !isMap(e) {
				p.valError(k.at(i), "", "%s[%d] must be a table, not %s", name, i, typeName(e))
			}
		}
	default:
		p.valError(k, "", "%s must be an array of tables ([[%s]]), not %s", name, name, typeName(v))
	}
	return func(yield func(path, map[string]any) bool) {
		for i, t := range ts {
			if !yield(k.at(i), t) {
				return
			}
		}
	}
}

func isInt(v any) bool  { _, ok := v.(int64); return ok }
func isMap(v any) bool  { _, ok := v.(map[string]any); return ok }
func isList(v any) bool { _, ok := v.([]any); return ok }

// asTables returns v as a list of tables if it is one: [[x]] headers decode
// as []map[string]any, an array of inline tables as []any.
func asTables(v any) ([]map[string]any, bool) {
	switch v := v.(type) {
	case []map[string]any:
		return v, true
	case []any:
		out := make([]map[string]any, 0, len(v))
		for _, e := range v {
			t, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			out = append(out, t)
		}
		return out, len(v) > 0
	}
	return nil, false
}

// strItem is a string value and its path.
type strItem struct {
	s string
	k path
}

// str returns t[key] if it is a string; a value of another type is
// reported.
func (p *parser) str(t map[string]any, at path, key string) (string, path, bool) {
	k := at.key(key)
	v, ok := t[key]
	if !ok {
		return "", k, false
	}
	s, ok := v.(string)
	if !ok {
		fix := ""
		if _, isNum := v.(float64); isNum || isInt(v) {
			// python = 3.10 is the float 3.1: quote the number as written.
			fix = fmt.Sprintf("write %s = %q", key, p.token(p.pos.val(k)))
		}
		p.valError(k, fix, "%s must be a string, not %s", key, typeName(v))
		return "", k, false
	}
	return s, k, true
}

// boolean returns t[key] if it is a boolean; a value of another type is
// reported.
func (p *parser) boolean(t map[string]any, at path, key string) (bool, path, bool) {
	k := at.key(key)
	v, ok := t[key]
	if !ok {
		return false, k, false
	}
	b, ok := v.(bool)
	if !ok {
		p.valError(k, "", "%s must be a boolean (true or false), not %s", key, typeName(v))
		return false, k, false
	}
	return b, k, true
}

// strArray returns t[key] if it is an array of strings; anything else is
// reported. ok is false if the key is absent or any element is wrong.
func (p *parser) strArray(t map[string]any, at path, key string) ([]strItem, path, bool) {
	k := at.key(key)
	v, ok := t[key]
	if !ok {
		return nil, k, false
	}
	list, ok := v.([]any)
	if !ok {
		fix := ""
		if s, ok := v.(string); ok {
			fix = fmt.Sprintf("write %s = [%q]", key, s)
		}
		p.valError(k, fix, "%s must be an array of strings, not %s", key, typeName(v))
		return nil, k, false
	}
	return p.strElems(list, k, key)
}

// strOrArray is strArray that also takes a single string.
func (p *parser) strOrArray(t map[string]any, at path, key string) ([]strItem, path, bool) {
	k := at.key(key)
	v, ok := t[key]
	if !ok {
		return nil, k, false
	}
	switch v := v.(type) {
	case string:
		return []strItem{{v, k}}, k, true
	case []any:
		return p.strElems(v, k, key)
	}
	p.valError(k, "", "%s must be a string or an array of strings, not %s", key, typeName(v))
	return nil, k, false
}

func (p *parser) strElems(list []any, k path, key string) ([]strItem, path, bool) {
	items := make([]strItem, 0, len(list))
	ok := true
	for i, e := range list {
		s, isStr := e.(string)
		if !isStr {
			p.valError(k.at(i), "", "%s[%d] must be a string, not %s", key, i, typeName(e))
			ok = false
			continue
		}
		items = append(items, strItem{s, k.at(i)})
	}
	return items, k, ok
}

// typeName names the TOML type of a decoded value.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date-time"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "an array"
	}
	return "a date or time"
}

// abs resolves a manifest path against the manifest's folder.
func (p *parser) abs(name string) string {
	name = filepath.FromSlash(name)
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	return filepath.Join(p.dir, name)
}

func (p *parser) output(s string, k path) string {
	if s == "" {
		p.valError(k, "leave output out to give the archive with -o", "output is empty")
		return ""
	}
	out := p.abs(s)
	// torch names the archive's top folder after the file's base name
	// without its last extension, and refuses an empty one.
	base := filepath.Base(out)
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	if base == "" {
		p.valError(k, "", "output %q has no archive name: torch names the archive's top folder after the file name without its extension", s)
	}
	return out
}

func (p *parser) python(s string, k path) Version {
	f := strings.Split(s, ".")
	nums := make([]int, len(f))
	ok := len(f) == 2 || len(f) == 3
	for i, x := range f {
		n, err := strconv.Atoi(x)
		if err != nil || x != strconv.Itoa(n) || n < 0 {
			ok = false
		}
		nums[i] = n
	}
	if !ok {
		p.valError(k, "", "python must be a version like \"3.11\" or \"3.11.2\", not %q", s)
		return DefaultPython
	}
	v := Version{nums[0], nums[1], -1}
	if len(nums) == 3 {
		v.Micro = nums[2]
	}
	if v.Major != 3 || v.Minor < MinPython.Minor || v.Minor > MaxPython.Minor {
		p.valError(k, "", "python %q is not supported; pkgbuild supports %s to %s", s, MinPython, MaxPython)
		return DefaultPython
	}
	return v
}

func (p *parser) roots(items []strItem, k path) []string {
	if len(items) == 0 {
		p.valError(k, "leave roots out to search the manifest's folder", "roots is empty")
		return nil
	}
	roots := make([]string, 0, len(items))
	for _, it := range items {
		if it.s == "" {
			p.valError(it.k, `write "." for the manifest's folder`, "root is empty")
			continue
		}
		dir := p.abs(it.s)
		fi, err := p.fs.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			p.valError(it.k, "", "root %q does not exist", it.s)
		case err != nil:
			p.valError(it.k, "", "root %q: %v", it.s, err)
		case !fi.IsDir():
			p.valError(it.k, "", "root %q is not a folder", it.s)
		}
		roots = append(roots, dir)
	}
	return roots
}

func (p *parser) moduleNames(doc map[string]any, key string) []ModuleName {
	items, _, _ := p.strArray(doc, nil, key)
	return p.checkNames(items)
}

// checkNames reports the items that are not dotted module names and
// returns them all as ModuleNames.
func (p *parser) checkNames(items []strItem) []ModuleName {
	var out []ModuleName
	for _, it := range items {
		if msg, fix := checkModuleName(it.s); msg != "" {
			p.valError(it.k, fix, "%s", msg)
		}
		out = append(out, ModuleName{Name: it.s, Pos: p.posOf(it.k)})
	}
	return out
}

// The table readers below report every problem in their table and return
// ok only if there was none (counting the errors before and after), so
// that a broken entry never reaches the checks that span tables.

func (p *parser) rule(t map[string]any, at path) (Rule, bool) {
	before := len(p.errs)
	p.unknownKeys(t, at, "rule", ruleKeys)
	r := Rule{AllowEmpty: true, Pos: p.posOf(at)}
	var actions []string
	for _, a := range actionKeys {
		if _, ok := t[a]; ok {
			actions = append(actions, a)
		}
	}
	switch len(actions) {
	case 0:
		misspelled := func(k string) bool { return slices.Contains(actionKeys, nearest(k, ruleKeys)) }
		if slices.ContainsFunc(sortedKeys(t), misspelled) {
			break // reported as an unknown key with a suggestion
		}
		p.valError(at, "add one of intern, extern, mock or deny",
			"[[rule]] has no action; a rule takes exactly one of intern, extern, mock or deny")
	case 1:
		r.Action = Action(slices.Index(actionNames, actions[0]))
		items, k, ok := p.strOrArray(t, at, actions[0])
		if ok && len(items) == 0 {
			p.valError(k, "", "%s has no patterns", actions[0])
		}
		r.Include = p.patterns(items)
	default:
		// Point at the second action in the file.
		slices.SortFunc(actions, func(a, b string) int {
			la, lb := p.pos.key(at.key(a)), p.pos.key(at.key(b))
			return cmp.Or(cmp.Compare(la.line, lb.line), cmp.Compare(la.col, lb.col))
		})
		p.keyError(at.key(actions[1]), "split it into one [[rule]] per action",
			"[[rule]] has %d actions (%s); a rule takes exactly one of intern, extern, mock or deny", len(actions), strings.Join(actions, ", "))
	}
	items, _, _ := p.strOrArray(t, at, "exclude")
	r.Exclude = p.patterns(items)
	if b, k, ok := p.boolean(t, at, "allow_empty"); ok {
		r.AllowEmpty = b
		if r.Action == Deny {
			p.keyError(k, "remove allow_empty", "allow_empty is not allowed on a deny rule")
		}
	}
	if len(p.errs) > before {
		return Rule{}, false
	}
	r.Glob = p.compile(r.Include, r.Exclude, at)
	return r, r.Glob != nil
}

// compile compiles patterns that patterns() has checked; an error here
// would be a bug in checkPattern, reported rather than dropped.
func (p *parser) compile(include, exclude []string, at path) *Glob {
	g, err := CompileGlob(include, exclude, '.')
	if err != nil {
		p.valError(at, "", "%v", err)
	}
	return g
}

// patterns reports each item that is not a usable module pattern and
// returns the strings.
func (p *parser) patterns(items []strItem) []string {
	var out []string
	for _, it := range items {
		if msg, fix := checkPattern(it.s); msg != "" {
			p.valError(it.k, fix, "%s", msg)
		}
		out = append(out, it.s)
	}
	return out
}

func (p *parser) resource(t map[string]any, at path) []Resource {
	before := len(p.errs)
	p.unknownKeys(t, at, "resource", resourceKeys)
	pkg := p.packageName(t, at)
	_, hasFile := t["file"]
	_, hasFiles := t["files"]
	var out []Resource
	switch {
	case hasFile && hasFiles:
		p.keyError(at.key("files"), "", "[[resource]] has both file and files; give one")
	case !hasFile && !hasFiles:
		p.valError(at, `add file = "..." or files = "..."`, "[[resource]] needs file (one file) or files (a glob)")
	case hasFile:
		name, file := p.namedFile(t, at)
		out = append(out, Resource{Package: pkg, Name: name, File: file, Pos: p.posOf(at)})
	default:
		if _, ok := t["name"]; ok {
			p.keyError(at.key("name"), "remove name, or use file for a single file",
				"name cannot be used with files: each file is named by its path below the glob's fixed folder")
		}
		if glob, k, ok := p.str(t, at, "files"); ok {
			names, base := p.expand(glob, k)
			for _, name := range names {
				out = append(out, Resource{Package: pkg, Name: name, File: filepath.Join(base, filepath.FromSlash(name)), Pos: p.posOf(at)})
			}
		}
	}
	if len(p.errs) > before {
		return nil
	}
	return out
}

// expand returns the files a `files` glob matches, as names relative to the
// glob's fixed folder, and that folder. It reports a bad or empty glob.
func (p *parser) expand(glob string, k path) ([]string, string) {
	if glob == "" || !doublestar.ValidatePattern(glob) {
		p.valError(k, "", "files %q is not a valid glob", glob)
		return nil, ""
	}
	base, pattern := doublestar.SplitPattern(filepath.ToSlash(p.abs(glob)))
	base = filepath.FromSlash(base)
	names, err := p.fs.Glob(base, pattern)
	if err != nil {
		p.valError(k, "", "files %q: %v", glob, err)
		return nil, ""
	}
	if len(names) == 0 {
		p.valError(k, "", "files %q matches no files", glob)
	}
	return names, base
}

func (p *parser) pickle(t map[string]any, at path) (Resource, bool) {
	before := len(p.errs)
	p.unknownKeys(t, at, "pickle", pickleKeys)
	pkg := p.packageName(t, at)
	name, file := p.namedFile(t, at)
	return Resource{Package: pkg, Name: name, File: file, Pos: p.posOf(at)}, len(p.errs) == before
}

// packageName reads the required dotted `package` of a resource or pickle.
func (p *parser) packageName(t map[string]any, at path) string {
	s, k, ok := p.str(t, at, "package")
	if !ok {
		if _, in := t["package"]; !in {
			p.valError(at, `add package = "..."`, "%s needs package: the module whose folder holds the file", tableOf(at))
		}
		return ""
	}
	if msg, fix := checkModuleName(s); msg != "" {
		p.valError(k, fix, "%s", msg)
	}
	return s
}

// namedFile reads the required `file` and the optional `name` of a
// resource or pickle: the name defaults to the file's base name and must be
// a bare file name, as torch requires.
func (p *parser) namedFile(t map[string]any, at path) (name, file string) {
	file = p.existingFile(t, at)
	name = filepath.Base(file)
	s, k, ok := p.str(t, at, "name")
	if !ok {
		return name, file
	}
	switch i := strings.LastIndexByte(s, '/'); {
	case s == "" || s == "." || s == "..":
		p.valError(k, "", "name %q is not a file name", s)
	case i >= 0:
		fix := ""
		if pkg, _ := t["package"].(string); pkg != "" && i < len(s)-1 {
			fix = fmt.Sprintf("write package = %q and name = %q", pkg+"."+strings.ReplaceAll(s[:i], "/", "."), s[i+1:])
		}
		p.valError(k, fix, "name %q must be only a file name, without \"/\"", s)
	}
	return s, file
}

// existingFile reads the required `file` and checks that it is a file.
func (p *parser) existingFile(t map[string]any, at path) string {
	s, k, ok := p.str(t, at, "file")
	if !ok {
		if _, in := t["file"]; !in {
			p.valError(at, `add file = "..."`, "%s needs file", tableOf(at))
		}
		return ""
	}
	if s == "" {
		p.valError(k, "", "file is empty")
		return ""
	}
	file := p.abs(s)
	fi, err := p.fs.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.valError(k, "", "file %q does not exist", s)
	case err != nil:
		p.valError(k, "", "file %q: %v", s, err)
	case fi.IsDir():
		fix := ""
		if tableOf(at) == "[[resource]]" {
			fix = fmt.Sprintf("write files = %q to store every file below it", strings.TrimSuffix(s, "/")+"/**")
		}
		p.valError(k, fix, "file %q is a folder", s)
	}
	return file
}

func (p *parser) source(t map[string]any, at path) (Source, bool) {
	before := len(p.errs)
	p.unknownKeys(t, at, "source", sourceKeys)
	s := Source{Pos: p.posOf(at)}
	if mod, k, ok := p.str(t, at, "module"); ok {
		if msg, fix := checkModuleName(mod); msg != "" {
			p.valError(k, fix, "%s", msg)
		}
		s.Module = mod
	} else if _, in := t["module"]; !in {
		p.valError(at, `add module = "..."`, "[[source]] needs module: the module the file provides")
	}
	s.File = p.existingFile(t, at)
	s.Package = filepath.Base(s.File) == "__init__.py"
	if b, _, ok := p.boolean(t, at, "package"); ok {
		s.Package = b
	}
	return s, len(p.errs) == before
}

func (p *parser) hidden(t map[string]any, at path) (Hidden, bool) {
	before := len(p.errs)
	p.unknownKeys(t, at, "hidden", hiddenKeys)
	h := Hidden{Pos: p.posOf(at)}
	if _, in := t["module"]; !in {
		p.valError(at, `add module = "..."`, "[[hidden]] needs module: a pattern of the importing modules")
	} else {
		h.Module = p.pattern(t, at, "module")
	}
	h.Imports = p.checkNames(p.imports(t, at, "the modules they import"))
	if len(p.errs) > before {
		return Hidden{}, false
	}
	h.Importers = p.compile([]string{h.Module}, nil, at)
	return h, h.Importers != nil
}

func (p *parser) ignore(t map[string]any, at path) (Ignore, bool) {
	before := len(p.errs)
	p.unknownKeys(t, at, "ignore", ignoreKeys)
	ig := Ignore{Module: "**", Pos: p.posOf(at)}
	if _, in := t["module"]; in {
		ig.Module = p.pattern(t, at, "module")
	}
	ig.Imports = p.patterns(p.imports(t, at, "patterns of the imported modules to drop"))
	if len(p.errs) > before {
		return Ignore{}, false
	}
	ig.Importers = p.compile([]string{ig.Module}, nil, at)
	ig.Imported = p.compile(ig.Imports, nil, at)
	return ig, ig.Importers != nil && ig.Imported != nil
}

func (p *parser) fromPackage(t map[string]any, at path) (FromPackage, bool) {
	before := len(p.errs)
	p.unknownKeys(t, at, "from_package", fromKeys)
	fp := FromPackage{Pos: p.posOf(at)}
	if s, k, ok := p.str(t, at, "file"); ok {
		fp.File, fp.FilePos = p.archive(s, k), p.posOf(k)
	} else if _, in := t["file"]; !in {
		p.valError(at, `add file = "..."`, "[[from_package]] needs file: the archive to take records from")
	}
	if _, in := t["include"]; in {
		items, k, ok := p.strOrArray(t, at, "include")
		if ok && len(items) == 0 {
			p.valError(k, "leave include out to take every record", "include is empty")
		}
		for _, it := range items {
			p.recordPattern(it)
			fp.Include = append(fp.Include, it.s)
			fp.IncludePos = append(fp.IncludePos, p.posOf(it.k))
		}
	} else {
		fp.Include, fp.IncludePos = []string{"**"}, []Pos{fp.Pos}
	}
	items, _, _ := p.strOrArray(t, at, "exclude")
	for _, it := range items {
		p.recordPattern(it)
		fp.Exclude = append(fp.Exclude, it.s)
	}
	if b, _, ok := p.boolean(t, at, "sources"); ok {
		fp.Sources = b
	}
	if len(p.errs) > before {
		return FromPackage{}, false
	}
	g, err := CompileGlob(fp.Include, fp.Exclude, '/')
	if err != nil {
		p.valError(at, "", "%v", err)
		return FromPackage{}, false
	}
	fp.Glob = g
	return fp, true
}

// archive checks the `file` of a [[from_package]]: a zip archive, or a
// folder holding an unzipped one.
func (p *parser) archive(s string, k path) string {
	if s == "" {
		p.valError(k, "", "file is empty")
		return ""
	}
	file := p.abs(s)
	_, err := p.fs.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.valError(k, "write the archive first (torch's PackageExporter, or pkgbuild build), or fix the path", "archive %q does not exist", s)
	case err != nil:
		p.valError(k, "", "archive %q: %v", s, err)
	}
	return file
}

// recordPattern reports a record pattern of [[from_package]] that is
// invalid or could never match a record name.
func (p *parser) recordPattern(it strItem) {
	if msg, fix := checkRecordPattern(it.s); msg != "" {
		p.valError(it.k, fix, "%s", msg)
	}
}

// checkRecordPattern returns a message and a suggested fix if pattern is
// not a record pattern that could match a record name, or "" if it is one.
// Beyond torch's rule (a "**" must be a whole segment) it rejects what no
// record name can match: the empty pattern, a leading "/", empty, "." and
// ".." segments and backslashes (torch.package records use "/").
func checkRecordPattern(pattern string) (msg, fix string) {
	switch {
	case pattern == "":
		return "pattern is empty; it matches no record", ""
	case strings.Contains(pattern, `\`):
		return fmt.Sprintf("pattern %q holds a backslash; record names are separated by \"/\"", pattern),
			fmt.Sprintf("write %q", strings.ReplaceAll(pattern, `\`, "/"))
	case strings.HasPrefix(pattern, "/"):
		return fmt.Sprintf("pattern %q starts with \"/\"; record names are relative to the archive's top folder", pattern),
			fmt.Sprintf("write %q", strings.TrimLeft(pattern, "/"))
	case strings.HasSuffix(pattern, "/"):
		return fmt.Sprintf("pattern %q ends with \"/\" and can never match a record", pattern),
			fmt.Sprintf("write %q for every record below it", pattern+"**")
	}
	if _, err := compilePattern(pattern, '/'); err != nil {
		return fmt.Sprintf("pattern %q: %v", pattern, err), doubleStarFixSep(pattern, "/")
	}
	for seg := range strings.SplitSeq(pattern, "/") {
		switch seg {
		case "":
			return fmt.Sprintf("pattern %q has an empty segment and can never match a record", pattern), ""
		case ".", "..":
			return fmt.Sprintf("pattern %q has a %q segment and can never match a record", pattern, seg), ""
		}
	}
	return "", ""
}

// pattern reads a key that takes one module pattern.
func (p *parser) pattern(t map[string]any, at path, key string) string {
	s, k, ok := p.str(t, at, key)
	if ok {
		p.patterns([]strItem{{s, k}})
	}
	return s
}

// imports reads the required, non-empty `imports` of [[hidden]] and
// [[ignore]]; what says what they are.
func (p *parser) imports(t map[string]any, at path, what string) []strItem {
	if _, in := t["imports"]; !in {
		p.valError(at, `add imports = ["..."]`, "%s needs imports: %s", tableOf(at), what)
		return nil
	}
	items, k, ok := p.strOrArray(t, at, "imports")
	if ok && len(items) == 0 {
		p.valError(k, "", "imports is empty")
	}
	return items
}

// tableOf returns "[[rule]]" for the path rule[3].
func tableOf(at path) string {
	if len(at) == 0 {
		return "the manifest"
	}
	return "[[" + at[0].key + "]]"
}

func sortedKeys(t map[string]any) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func didYouMean(s string, candidates []string) string {
	if n := nearest(s, candidates); n != "" {
		return fmt.Sprintf("; did you mean %q?", n)
	}
	return ""
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

func bracketList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = "[[" + s + "]]"
	}
	return strings.Join(q, ", ")
}

// orList joins "a", "a or b", "a, b or c".
func orList(list []string) string {
	if len(list) <= 1 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
}
