package manifest

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/tools/txtar"
)

// FuzzParse checks that Parse never panics and keeps its promises on any
// input: either a Manifest with compiled globs, or a non-empty List of
// errors with positions, sorted. The file system is a fake, so a fuzzed
// glob never walks the disk.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name == "pkgbuild.toml" {
				f.Add(af.Data)
			}
		}
	}
	f.Add([]byte("a = \"\"\"\n\\\n\"\"\"\"\"\n[[b.c]]\n[[b.c]]\n[b.c.d]\n'q.k'.\"r\\u00e9\" = [1979-05-27 07:32:00Z, {x=[]}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		scanPositions(data) // must not panic on text TOML rejects either
		m, err := parse("pkgbuild.toml", data, fakeFS{})
		if err == nil {
			if m == nil {
				t.Fatal("no Manifest and no error")
			}
			for _, r := range m.Rules {
				if r.Glob == nil || r.Action < Intern || r.Action > Deny {
					t.Fatalf("invalid rule %+v", r)
				}
			}
			for _, ig := range m.Ignore {
				if ig.Importers == nil || ig.Imported == nil {
					t.Fatalf("invalid ignore %+v", ig)
				}
			}
			for _, h := range m.Hidden {
				if h.Importers == nil {
					t.Fatalf("invalid hidden %+v", h)
				}
			}
			for _, fp := range m.FromPackages {
				if fp.Glob == nil || fp.File == "" || len(fp.Include) == 0 || len(fp.Include) != len(fp.IncludePos) {
					t.Fatalf("invalid from_package %+v", fp)
				}
			}
			return
		}
		if m != nil {
			t.Fatal("a Manifest and an error")
		}
		var list List
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error is not a non-empty List: %v", err)
		}
		for _, e := range list {
			if e.File != "pkgbuild.toml" || e.Line < 1 || e.Col < 1 || e.Msg == "" {
				t.Fatalf("bad error %#v", e)
			}
		}
		if !slices.IsSortedFunc(list, func(a, b *Error) int { return a.Line - b.Line }) {
			t.Fatalf("errors not sorted by line:\n%v", list)
		}
	})
}

// fakeFS holds every file with an extension and every folder without one;
// every glob matches two files.
type fakeFS struct{}

func (fakeFS) Stat(name string) (fs.FileInfo, error) {
	if filepath.Ext(name) == "" {
		return dirInfo{}, nil
	}
	return fileInfo{}, nil
}

func (fakeFS) Glob(dir, pattern string) ([]string, error) {
	return []string{"a.json", "b/c.json"}, nil
}

type fileInfo struct{ fs.FileInfo }

func (fileInfo) IsDir() bool { return false }
