package cli

import (
	"io"
	"os"
	"strings"

	"github.com/pkgbuild/pkgbuild/emit"
	"github.com/pkgbuild/pkgbuild/resolver"
)

// plan lists the archive's records in the order torch's PackageExporter
// writes them: the records [[from_package]] entries take (pickles with
// their storages, and resources, in archive order), pickles and resources
// (as save_pickle and save_text write them at once), then every module in dependency-graph order (the _mock
// module just before the first mocked module), then the .data records.
func plan(res *resolution) []emit.Record {
	cfg, g := res.config, res.graph
	recs := repackRecords(res.repacked)
	for _, p := range cfg.Pickles {
		if p.Data == nil { // else from an archive, in recs already
			recs = append(recs, fileRecord(resourcePath(p.Package, p.Name), p.File))
		}
	}
	for _, r := range cfg.Resources {
		if !r.FromArchive {
			recs = append(recs, fileRecord(resourcePath(r.Package, r.Name), r.File))
		}
	}
	mockWritten := false
	writeMock := func() {
		if !mockWritten {
			mockWritten = true
			recs = append(recs, emit.Record{Name: "_mock.py", Data: emit.MockModule})
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
				recs = append(recs, emit.Record{Name: modulePath(name, n.IsPackage), Data: n.Data})
				continue
			}
			recs = append(recs, fileRecord(modulePath(name, n.IsPackage), n.File))
		case resolver.Mock:
			writeMock()
			recs = append(recs, emit.Record{Name: modulePath(name, n.IsPackage), Data: []byte(emit.MockStub)})
		case resolver.MockModule:
			writeMock()
		}
	}
	return append(recs, emit.DataRecords(g.Externs(), res.manifest.Python.String())...)
}

func fileRecord(name, file string) emit.Record {
	return emit.Record{Name: name, Open: func() (io.ReadCloser, error) { return os.Open(file) }}
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
