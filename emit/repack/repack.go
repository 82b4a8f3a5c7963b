package repack

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pkgbuild/pkgbuild/emit"
	"github.com/pkgbuild/pkgbuild/emit/reader"
	"github.com/pkgbuild/pkgbuild/manifest"
	"github.com/pkgbuild/pkgbuild/scanner/pickle"
)

// Kind is what a record taken from an archive is.
type Kind uint8

const (
	Pickle   Kind = iota + 1 // a pickle: scanned, and rewritten when its storage keys change
	Storage                  // a tensor storage a pickle uses: .data/<key>.storage
	Resource                 // any other data record
	Source                   // an interned module's source (sources = true)
)

func (k Kind) String() string {
	switch k {
	case Pickle:
		return "pickle"
	case Storage:
		return "storage"
	case Resource:
		return "resource"
	case Source:
		return "source"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Record is one record the new package takes from an archive.
type Record struct {
	Name  string // in the new package, below its top folder
	From  string // in the archive, below its top folder
	Kind  Kind
	Entry int // index of its [[from_package]] in Manifest.FromPackages
	// Data holds a pickle (rewritten when its storage keys changed) and a
	// source; storages and resources are streamed from the archive.
	Data []byte
	// Module and IsPackage name a Source's module.
	Module    string
	IsPackage bool

	archive *reader.Archive
}

// Open streams the record's bytes. For a storage or a resource, it reads
// the archive, which checks them against their size and CRC-32.
func (r *Record) Open() (io.ReadCloser, error) {
	if r.Data != nil || r.archive == nil {
		return io.NopCloser(bytes.NewReader(r.Data)), nil
	}
	rc, err := r.archive.Open(r.From)
	if err != nil {
		return nil, err
	}
	size, _ := r.archive.Size(r.From)
	return sized{rc, size}, nil
}

// sized announces a streamed record's size, which the zip writer needs for
// records of 4 GiB and more.
type sized struct {
	io.ReadCloser
	size int64
}

func (s sized) Size() int64 { return s.size }

// Origin names the record for messages: "<archive>/<record>".
func (r *Record) Origin() string {
	return filepath.Join(r.archive.Path(), filepath.FromSlash(r.From))
}

// Mocked is the modules an archive mocked (sources = true): the build mocks
// them when it needs them and no [[rule]] decides them.
type Mocked struct {
	Entry   int
	Modules []string // sorted
}

// Match reports whether name is one of the modules; with String, it makes
// Mocked a resolver.Matcher.
func (m *Mocked) Match(name string) bool {
	_, found := slices.BinarySearch(m.Modules, name)
	return found
}

// String renders the modules as a GlobGroup, as the resolver shows rules.
func (m *Mocked) String() string {
	g, _ := manifest.CompileGlob(m.Modules, nil, '.')
	return g.String()
}

// Set is everything the [[from_package]] entries of a manifest take. Close
// it when the package is written: storages and resources are read from the
// open archives.
type Set struct {
	Records []Record // per entry in manifest order, each in archive order
	Mocked  []Mocked // per entry with sources = true that has mocked modules
	// Inputs are the files read, as absolute paths, for depfiles and the
	// action cache: each zip archive, and every record file of an unzipped
	// one, whose folders are in Dirs (their listings decide the records).
	Inputs []string
	Dirs   []string

	archives []*reader.Archive
}

// Close closes the archives. A nil Set is empty.
func (s *Set) Close() error {
	if s == nil {
		return nil
	}
	var errs []error
	for _, a := range s.archives {
		errs = append(errs, a.Close())
	}
	s.archives = nil
	return errors.Join(errs...)
}

// Errors is every problem Load found, sorted by position in the manifest.
type Errors struct {
	List manifest.List
	// Manifest is set when a problem is the manifest's (an include that
	// matches nothing, a record two entries write) rather than only an
	// archive's.
	Manifest bool
}

func (e *Errors) Error() string { return e.List.Error() }

// bookkeeping are the records torch writes about the archive itself, which
// the new package writes anew (or not at all).
var bookkeeping = map[string]bool{
	".data/version":          true,
	".data/extern_modules":   true,
	".data/python_version":   true,
	".data/serialization_id": true,
	"byteorder":              true,
	"version":                true, // the version record of archives before .data/version
	emit.MockModulePath:      true,
}

// Load opens the archive of every [[from_package]] of m and works out the
// records the new package takes from it. m's own entries ([[pickle]],
// [[resource]], [[source]]) are checked against them for clashes. The error
// is an *Errors; the Set is nil then.
func Load(m *manifest.Manifest) (*Set, error) {
	l := &loader{m: m, set: &Set{}, claims: map[string]claim{}, storages: map[string]bool{}, sourced: map[string]bool{}}
	for _, p := range m.Pickles {
		l.claim(p.Path(), claim{"[[pickle]]", p.Pos})
	}
	for _, r := range m.Resources {
		l.claim(r.Path(), claim{"[[resource]]", r.Pos})
	}
	for _, s := range m.Sources {
		l.claim(s.Path(), claim{"[[source]]", s.Pos})
		l.sourced[s.Module] = true
	}
	for i := range m.FromPackages {
		l.entry(i)
	}
	if len(l.errs.List) > 0 {
		l.set.Close()
		slices.SortStableFunc(l.errs.List, func(a, b *manifest.Error) int {
			return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
		})
		return nil, &l.errs
	}
	return l.set, nil
}

type loader struct {
	m        *manifest.Manifest
	set      *Set
	errs     Errors
	claims   map[string]claim // record -> the entry writing it
	storages map[string]bool  // storage records written so far
	next     int              // no free storage key is below it
	sourced  map[string]bool  // modules a [[source]] provides
}

// claim is an entry that writes a record.
type claim struct {
	table string
	pos   manifest.Pos
}

func (l *loader) claim(record string, c claim) (claim, bool) {
	if first, ok := l.claims[record]; ok {
		return first, false
	}
	l.claims[record] = c
	return c, true
}

// errorf records a problem at pos; manifest says it is the manifest's.
func (l *loader) errorf(pos manifest.Pos, key string, isManifest bool, fix, format string, args ...any) {
	l.errs.List = append(l.errs.List, &manifest.Error{
		File: pos.File, Line: pos.Line, Col: 1, Key: key, Msg: fmt.Sprintf(format, args...), Fix: fix,
	})
	l.errs.Manifest = l.errs.Manifest || isManifest
}

// entry reads the archive of [[from_package]] i.
func (l *loader) entry(i int) {
	fp := &l.m.FromPackages[i]
	key := fmt.Sprintf("from_package[%d]", i)
	shown := l.rel(fp.File)
	archiveErr := func(format string, args ...any) {
		l.errorf(fp.FilePos, key+".file", false, "", "archive %s: %s", shown, fmt.Sprintf(format, args...))
	}
	a, err := reader.Open(fp.File)
	if err != nil {
		var re *reader.Error
		switch {
		case errors.As(err, &re) && re.Record != "":
			archiveErr("malformed: record %q: %s", re.Record, re.Msg)
		case errors.As(err, &re):
			archiveErr("malformed: %s", re.Msg)
		default:
			archiveErr("%v", err)
		}
		return
	}
	l.set.archives = append(l.set.archives, a)
	l.inputs(fp.File, a)
	if a.Has("byteorder") {
		b, err := a.Read("byteorder")
		if err != nil {
			archiveErr("%v", err)
			return
		}
		if order := strings.TrimSpace(string(b)); order != "little" {
			archiveErr("its storages are %q-endian; pkgbuild writes torch 1.13's layout, which has no byteorder record, so torch would read them as little-endian", order)
			return
		}
	}

	// Sort the records into candidates for include/exclude and the rest.
	modules := map[string]reader.Module{}
	for _, mod := range a.Modules() {
		modules[mod.Path] = mod
	}
	var cands []candidate
	storages := map[string]bool{}
	why := map[string]string{} // records never selected -> why
	for _, name := range a.Records() {
		switch {
		case bookkeeping[name]:
			why[name] = "torch's bookkeeping, which the new package writes anew"
		case strings.HasPrefix(name, ".data/ts_code/"):
			why[name] = "TorchScript code, which pkgbuild does not copy"
		case isStorage(name):
			storages[name] = true
			why[name] = "a storage: storages come with the pickles that use them"
		case strings.HasPrefix(name, ".data/"):
			why[name] = "in .data, which only torch writes"
		case strings.HasSuffix(name, ".py") && !fp.Sources:
			why[name] = "a module source: sources come from the roots unless sources = true"
		case strings.HasSuffix(name, ".py") && modules[name].Path != "":
			cands = append(cands, candidate{name, Source})
		case strings.HasSuffix(name, ".pkl"):
			cands = append(cands, candidate{name, Pickle})
		default:
			cands = append(cands, candidate{name, Resource})
		}
	}

	// Select, and check that every include pattern takes something.
	selected := map[string]Kind{}
	counts := make([]int, len(fp.Include))
	globs := make([]*manifest.Glob, len(fp.Include))
	for j, inc := range fp.Include {
		globs[j], _ = manifest.CompileGlob([]string{inc}, fp.Exclude, '/')
	}
	for _, c := range cands {
		if !fp.Glob.Match(c.name) {
			continue
		}
		selected[c.name] = c.kind
		for j, g := range globs {
			if g != nil && g.Match(c.name) {
				counts[j]++
			}
		}
	}
	for j, n := range counts {
		if n > 0 {
			continue
		}
		l.noMatch(fp, key, j, a, cands, why)
	}

	// Read the pickles, and the storages they need, in archive order.
	var needed []string // storage records, first use first
	need := map[string]bool{}
	data := map[string][]byte{}
	for _, name := range a.Records() {
		kind, ok := selected[name]
		if ok && kind == Resource && l.isStoragePickle(a, name) {
			kind, selected[name] = Pickle, Pickle
		}
		if !ok || kind == Resource {
			continue
		}
		b, err := a.Read(name)
		if err != nil {
			archiveErr("%v", err)
			continue
		}
		data[name] = b
		if kind != Pickle {
			continue
		}
		for _, rec := range l.pickleStorages(name, b, storages, archiveErr) {
			if !need[rec] {
				need[rec] = true
				needed = append(needed, rec)
			}
		}
	}

	// Keep the storage keys nobody writes yet; renumber the others.
	var clashes []string
	for _, rec := range needed {
		if l.storages[rec] {
			clashes = append(clashes, rec)
		} else {
			l.storages[rec] = true
		}
	}
	renamed := map[string]string{} // old record -> new key
	for _, rec := range clashes {
		for l.storages[storageRecord(strconv.Itoa(l.next))] {
			l.next++
		}
		k := strconv.Itoa(l.next)
		renamed[rec] = k
		l.storages[storageRecord(k)] = true
	}

	var mocked []string
	header := claim{"[[from_package]]", fp.Pos}
	for _, name := range a.Records() {
		r := Record{Name: name, From: name, Entry: i, archive: a}
		if need[name] {
			r.Kind = Storage
			if k, ok := renamed[name]; ok {
				r.Name = storageRecord(k)
			}
			l.set.Records = append(l.set.Records, r)
			continue
		}
		kind, ok := selected[name]
		if !ok {
			continue
		}
		r.Kind, r.Data = kind, data[name]
		switch kind {
		case Pickle:
			if r.Data == nil {
				continue // reported
			}
			if len(renamed) > 0 {
				out, err := renumber(r.Data, renamed)
				if err != nil {
					archiveErr("record %q: cannot renumber its storage keys: %v", name, err)
					continue
				}
				r.Data = out
			}
		case Source:
			if r.Data == nil {
				continue // reported
			}
			mod := modules[name]
			if l.sourced[mod.Name] {
				continue // a [[source]] provides the module
			}
			if string(r.Data) == emit.MockStub {
				mocked = append(mocked, mod.Name)
				continue
			}
			r.Module, r.IsPackage = mod.Name, mod.IsPackage
		}
		if first, ok := l.claim(r.Name, header); !ok {
			l.errorf(fp.Pos, key, true, "leave it out of one of them with exclude",
				"[[from_package]] writes %q (from %s), which the %s at line %d writes too", r.Name, shown, first.table, first.pos.Line)
			continue
		}
		l.set.Records = append(l.set.Records, r)
	}
	if len(mocked) > 0 {
		slices.Sort(mocked)
		l.set.Mocked = append(l.set.Mocked, Mocked{Entry: i, Modules: mocked})
	}
}

// inputs adds the files an archive is read from to the Set's inputs.
func (l *loader) inputs(file string, a *reader.Archive) {
	add := func(list *[]string, p string) {
		if !slices.Contains(*list, p) {
			*list = append(*list, p)
		}
	}
	if fi, err := os.Stat(file); err != nil || !fi.IsDir() {
		add(&l.set.Inputs, file)
		return
	}
	for _, name := range a.Records() {
		p := filepath.Join(file, filepath.FromSlash(name))
		add(&l.set.Inputs, p)
		for d := filepath.Dir(p); strings.HasPrefix(d, file); d = filepath.Dir(d) {
			add(&l.set.Dirs, d)
			if d == file {
				break
			}
		}
	}
}

// candidate is a record include and exclude may select.
type candidate struct {
	name string
	kind Kind
}

// noMatch reports include pattern j of fp, which takes no record, and why.
func (l *loader) noMatch(fp *manifest.FromPackage, key string, j int, a *reader.Archive, cands []candidate, why map[string]string) {
	inc := fp.Include[j]
	pos, k := fp.IncludePos[j], fmt.Sprintf("%s.include[%d]", key, j)
	if len(fp.IncludePos) == 1 && pos == fp.Pos && inc == "**" {
		k = key // the default include
	}
	only, _ := manifest.CompileGlob([]string{inc}, nil, '/')
	reason, fix := "", ""
	excluded := 0
	for _, c := range cands {
		if only.Match(c.name) {
			excluded++
		}
	}
	if excluded > 0 {
		reason = fmt.Sprintf("; exclude leaves out all %d record(s) it matches", excluded)
	} else {
		for _, name := range a.Records() {
			if w, ok := why[name]; ok && only.Match(name) {
				reason = fmt.Sprintf("; it matches %q, which is never taken: it is %s", name, w)
				break
			}
		}
	}
	if top := a.Top() + "/"; reason == "" && strings.HasPrefix(inc, top) {
		fix = fmt.Sprintf("write %q: record names are below the archive's top folder %q", strings.TrimPrefix(inc, top), a.Top())
	}
	what := fmt.Sprintf("include %q matches no record of %s", inc, l.rel(fp.File))
	if k == key {
		what = fmt.Sprintf("[[from_package]] takes no record from %s: it has no pickle or resource", l.rel(fp.File))
		if !fp.Sources {
			what += " (sources = false)"
		}
	}
	l.errorf(pos, k, true, fix, "%s%s", what, reason)
}

// isStoragePickle reports whether a record not named *.pkl is a pickle
// that uses tensor storages, which only a torch pickler writes
// (save_pickle("model", "model.pt", obj)): it needs its storages, like a
// *.pkl. Only records that start like a pickle of protocol 2 or more are
// read whole.
func (l *loader) isStoragePickle(a *reader.Archive, name string) bool {
	rc, err := a.Open(name)
	if err != nil {
		return false
	}
	var head [2]byte
	_, err = io.ReadFull(rc, head[:])
	rc.Close()
	if err != nil || head[0] != 0x80 || head[1] < 2 || head[1] > 5 {
		return false
	}
	b, err := a.Read(name)
	if err != nil {
		return false
	}
	info, err := pickle.Scan(b)
	if err != nil || info.End != len(b) {
		return false
	}
	for _, p := range info.PersistentIDs {
		if len(p.Tuple) == 5 && p.Tuple[0] == "storage" {
			return true
		}
	}
	return false
}

// pickleStorages scans the pickle record name and returns the storage
// records its persistent IDs name, reporting what cannot be repackaged.
func (l *loader) pickleStorages(name string, data []byte, storages map[string]bool, archiveErr func(string, ...any)) []string {
	info, err := pickle.Scan(data)
	if err != nil {
		archiveErr("record %q is not a pickle torch can load: %v", name, err)
		return nil
	}
	for _, g := range info.Globals {
		if g.Module == "torch.jit._script" && g.Name == "unpackage_script_module" {
			archiveErr("pickle %q holds a TorchScript module, which needs .data/ts_code; pkgbuild does not copy TorchScript", name)
			return nil
		}
	}
	var out []string
	for _, p := range info.PersistentIDs {
		if p.Unresolved {
			archiveErr("pickle %q: the persistent ID at offset %d cannot be read without running the pickle", name, p.Offset)
			continue
		}
		if len(p.Tuple) == 0 || p.Tuple[0] != "storage" || (p.Kinds[0] != pickle.KindString && p.Kinds[0] != pickle.KindBytes) {
			continue // reduce_package, or nothing torch would load
		}
		if len(p.Tuple) != 5 || (p.Kinds[2] != pickle.KindInt && p.Kinds[2] != pickle.KindString) {
			archiveErr("pickle %q: the storage persistent ID at offset %d is not (\"storage\", type, key, location, numel) with an int or str key", name, p.Offset)
			continue
		}
		rec := storageRecord(p.Tuple[2])
		if !storages[rec] {
			archiveErr("pickle %q needs the storage %s, which the archive does not hold", name, rec)
			continue
		}
		out = append(out, rec)
	}
	return out
}

// renumber rewrites the storage keys of a pickle's persistent IDs.
func renumber(data []byte, renamed map[string]string) ([]byte, error) {
	return pickle.RewritePersistentIDs(data, func(old []string) ([]string, bool) {
		if len(old) != 5 || old[0] != "storage" {
			return nil, false
		}
		k, ok := renamed[storageRecord(old[2])]
		if !ok {
			return nil, false
		}
		old[2] = k
		return old, true
	})
}

// isStorage reports whether a record is a tensor storage: .data/<key>.storage.
func isStorage(name string) bool {
	key, ok := strings.CutPrefix(name, ".data/")
	if !ok {
		return false
	}
	key, ok = strings.CutSuffix(key, ".storage")
	return ok && key != "" && !strings.Contains(key, "/")
}

// storageRecord is the record torch's PackageImporter reads for a key.
func storageRecord(key string) string { return ".data/" + key + ".storage" }

// rel shows a path relative to the manifest's folder when it is below it.
func (l *loader) rel(path string) string {
	if r, err := filepath.Rel(l.m.Dir, path); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return path
}
