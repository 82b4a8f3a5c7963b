package cli

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/pkgbuild/pkgbuild/emit"
	"github.com/pkgbuild/pkgbuild/emit/repack"
	"github.com/pkgbuild/pkgbuild/manifest"
	"github.com/pkgbuild/pkgbuild/resolver"
)

// fromPackages reads the archives of the manifest's [[from_package]]
// entries (package repack) and adds what they take to cfg: their pickles
// before the [[pickle]] ones, as the pickles torch wrote first, their
// resources, their module sources (provided unless a [[source]] or the
// roots have the module), and the modules they mocked as mock rules after
// the manifest's. Problems are printed like manifest errors; the exit code
// is ExitUsage when the manifest is at fault, ExitPackage when an archive
// is.
func fromPackages(m *manifest.Manifest, cfg *resolver.Config) (*repack.Set, error) {
	if len(m.FromPackages) == 0 {
		return nil, nil
	}
	set, err := repack.Load(m)
	if err != nil {
		var re *repack.Errors
		if errors.As(err, &re) {
			code := ExitPackage
			if re.Manifest {
				code = ExitUsage
			}
			return nil, &exitError{code: code, err: manifestErrors(re.List)}
		}
		return nil, fail(ExitIO, "%v", err)
	}
	pos := func(entry int) resolver.Pos {
		p := m.FromPackages[entry].Pos
		return resolver.Pos{File: p.File, Line: p.Line}
	}
	var pickles []resolver.Pickle
	for i := range set.Records {
		r := &set.Records[i]
		folder, name := path.Split(r.Name)
		pkg := strings.ReplaceAll(strings.TrimSuffix(folder, "/"), "/", ".")
		switch r.Kind {
		case repack.Pickle:
			pickles = append(pickles, resolver.Pickle{Package: pkg, Name: name, File: r.Origin(), Data: r.Data, Pos: pos(r.Entry)})
		case repack.Resource:
			// Only a resource in a folder that can be a package counts for
			// the module structure.
			if folder != "" && !strings.Contains(folder, ".") {
				cfg.Resources = append(cfg.Resources, resolver.Resource{Package: pkg, Name: name, File: r.Origin(), Pos: pos(r.Entry), FromArchive: true})
			}
		case repack.Source:
			cfg.Sources = append(cfg.Sources, resolver.Source{Module: r.Module, File: r.Origin(), IsPackage: r.IsPackage,
				Data: r.Data, FromArchive: true, Pos: pos(r.Entry)})
		}
	}
	cfg.Pickles = append(pickles, cfg.Pickles...)
	for i := range set.Mocked {
		mk := &set.Mocked[i]
		cfg.Rules = append(cfg.Rules, resolver.Rule{Action: resolver.Mock, Match: mk, AllowEmpty: true, Pos: pos(mk.Entry)})
	}
	return set, nil
}

// addArchiveInputs lists the archives read among the build's inputs (and
// the folders of unzipped ones among its folders), for depfiles and the
// action cache: the resolver only lists what it reads itself.
func addArchiveInputs(g *resolver.Graph, set *repack.Set) {
	if set == nil {
		return
	}
	for _, list := range []struct {
		to   *[]string
		from []string
	}{{&g.Inputs, set.Inputs}, {&g.Dirs, set.Dirs}} {
		for _, p := range list.from {
			if !slices.Contains(*list.to, p) {
				*list.to = append(*list.to, p)
			}
		}
		slices.Sort(*list.to)
	}
}

// repackRecords are the records the [[from_package]] entries take, written
// first, in manifest and archive order.
func repackRecords(set *repack.Set) []emit.Record {
	if set == nil {
		return nil
	}
	recs := make([]emit.Record, 0, len(set.Records))
	for i := range set.Records {
		r := &set.Records[i]
		if r.Kind == repack.Source {
			continue // written as a module, in graph order
		}
		if r.Data != nil {
			recs = append(recs, emit.Record{Name: r.Name, Data: r.Data})
		} else {
			recs = append(recs, emit.Record{Name: r.Name, Open: r.Open})
		}
	}
	return recs
}

// lockRepacked adds the pickles, resources and storages the
// [[from_package]] entries take to a lock, each with the hash of the bytes
// the package holds.
func lockRepacked(lock *manifest.Lock, set *repack.Set) error {
	if set == nil {
		return nil
	}
	for i := range set.Records {
		r := &set.Records[i]
		if r.Kind == repack.Source {
			continue // a module: locked from the graph
		}
		rc, err := r.Open()
		if err != nil {
			return fail(ExitIO, "%s: %v", r.Origin(), err)
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		rc.Close()
		if err != nil {
			return fail(ExitIO, "read %s: %v", r.Origin(), err)
		}
		f := manifest.LockFile{Path: r.Name, Hash: fmt.Sprintf("sha256:%x", h.Sum(nil))}
		if r.Kind == repack.Pickle {
			lock.Pickles = append(lock.Pickles, f)
		} else {
			lock.Resources = append(lock.Resources, f)
		}
	}
	return nil
}

// hashData is hashFile for bytes held in memory.
func hashData(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }
