package cli

import (
	"io"
	"strings"

	"github.com/pkgbuild/pkgbuild/cache"
	"github.com/pkgbuild/pkgbuild/emit"
	"github.com/pkgbuild/pkgbuild/resolver"
)

// plan lists the archive's records in the order torch's PackageExporter
// writes them: the records [[from_package]] entries take (pickles with
// their storages, and resources, in archive order), then the layout.
func plan(res *resolution) []emit.Record {
	return append(repackRecords(res.repacked), records(layout(res))...)
}

// layout lists the records of the archive that come from the manifest's
// own files, in torch's order: pickles and resources (as save_pickle and
// save_text write them at once), then every module in dependency-graph
// order (the _mock module just before the first mocked module), then the
// .data records. The action cache keeps it, so that a build whose changed
// sources scan as before can write the archive again without resolving.
func layout(res *resolution) []cache.OutputRecord {
	cfg, g := res.config, res.graph
	var recs []cache.OutputRecord
	for _, p := range cfg.Pickles {
		if p.Data == nil { // else from an archive: a repacked record
			recs = append(recs, cache.OutputRecord{Name: resourcePath(p.Package, p.Name), File: p.File})
		}
	}
	for _, r := range cfg.Resources {
		if !r.FromArchive {
			recs = append(recs, cache.OutputRecord{Name: resourcePath(r.Package, r.Name), File: r.File})
		}
	}
	mockWritten := false
	writeMock := func() {
		if !mockWritten {
			mockWritten = true
			recs = append(recs, cache.OutputRecord{Name: "_mock.py", Data: emit.MockModule})
		}
	}
	for _, name := range g.Order {
		n := g.Nodes[name]
		switch n.Action {
		case resolver.Intern:
			if n.IsPickle || n.File == "" {
				continue
			}
			if n.Data != nil { // a module from a [[from_package]] archive
				recs = append(recs, cache.OutputRecord{Name: modulePath(name, n.IsPackage), Data: n.Data})
				continue
			}
			recs = append(recs, cache.OutputRecord{Name: modulePath(name, n.IsPackage), File: n.File, Module: true})
		case resolver.Mock:
			writeMock()
			recs = append(recs, cache.OutputRecord{Name: modulePath(name, n.IsPackage), Data: []byte(emit.MockStub)})
		case resolver.MockModule:
			writeMock()
		}
	}
	for _, r := range emit.DataRecords(g.Externs(), res.manifest.Python.String()) {
		recs = append(recs, cache.OutputRecord{Name: r.Name, Data: r.Data})
	}
	return recs
}

// withScans sets each module's scan digest from the cache that scanned it,
// for the early cutoff. Without one for every module (no cache, or a
// module whose scan failed in a way the cache does not keep), the layout
// is not kept: nil.
func withScans(recs []cache.OutputRecord, c *cache.Cache) []cache.OutputRecord {
	for i := range recs {
		if recs[i].Module {
			var ok bool
			if recs[i].Scan, ok = c.ScanSum(recs[i].File); !ok {
				return nil
			}
		}
	}
	return recs
}

// records turns a layout into the records emit writes.
func records(l []cache.OutputRecord) []emit.Record {
	recs := make([]emit.Record, len(l))
	for i, r := range l {
		if r.File != "" {
			recs[i] = fileRecord(r.Name, r.File)
		} else {
			recs[i] = emit.Record{Name: r.Name, Data: r.Data}
		}
	}
	return recs
}

func fileRecord(name, file string) emit.Record {
	return emit.Record{Name: name, Open: func() (io.ReadCloser, error) { return cache.OpenInput(file) }}
}

// modulePath is where a module's source lives in the archive.
func modulePath(module string, isPackage bool) string {
	p := strings.ReplaceAll(module, ".", "/")
	if isPackage {
		return p + "/__init__.py"
	}
	return p + ".py"
}

// resourcePath is torch's _filename(package, resource).
func resourcePath(pkg, name string) string {
	return strings.ReplaceAll(pkg, ".", "/") + "/" + name
}
