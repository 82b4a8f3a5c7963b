package repack_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pkgbuild/pkgbuild/emit"
	"github.com/pkgbuild/pkgbuild/emit/reader"
	"github.com/pkgbuild/pkgbuild/emit/repack"
	"github.com/pkgbuild/pkgbuild/manifest"
	"github.com/pkgbuild/pkgbuild/scanner/pickle"
)

// The samples torch 1.13 wrote (and their torch 2.x layout); see
// emit/reader/testdata/README.
const (
	sample113 = "../reader/testdata/torch113.pt"
	sample2x  = "../reader/testdata/torch2x.pt"
)

// storagePickle is a protocol 2 pickle of a list of storages, one
// ("storage", torch.FloatStorage, key, "cpu", 1) persistent ID per key: an
// int key for an int, a str key for a string.
func storagePickle(keys ...any) []byte {
	b := []byte{0x80, 2, ']'}
	str := func(s string) {
		b = append(b, 'X')
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	for _, k := range keys {
		b = append(b, '(')
		str("storage")
		b = append(b, "ctorch\nFloatStorage\n"...)
		switch k := k.(type) {
		case int:
			b = append(b, 'K', byte(k))
		case string:
			str(k)
		}
		str("cpu")
		b = append(b, 'K', 1, 't', 'Q', 'a')
	}
	return append(b, '.')
}

// writeArchive writes a torch.package archive of recs (and torch's .data
// records) to dir/name.
func writeArchive(t *testing.T, dir, name string, recs ...emit.Record) string {
	t.Helper()
	path := filepath.Join(dir, name)
	recs = append(recs, emit.DataRecords([]string{"torch"}, "3.11")...)
	if _, err := emit.Write(path, recs); err != nil {
		t.Fatal(err)
	}
	return path
}

func storage(key string) emit.Record {
	return emit.Record{Name: ".data/" + key + ".storage", Data: []byte("bytes of " + key)}
}

// load writes the manifest text to dir/pkgbuild.toml and loads its
// [[from_package]] entries.
func load(t *testing.T, dir, text string) (*repack.Set, error) {
	t.Helper()
	path := filepath.Join(dir, "pkgbuild.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(path)
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	set, err := repack.Load(m)
	if set != nil {
		t.Cleanup(func() { set.Close() })
	}
	return set, err
}

func mustLoad(t *testing.T, dir, text string) *repack.Set {
	t.Helper()
	set, err := load(t, dir, text)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func readAll(t *testing.T, r *repack.Record) string {
	t.Helper()
	rc, err := r.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// keys returns the storage keys of a pickle's persistent IDs, as "int 3"
// or "string 3".
func keys(t *testing.T, data []byte) []string {
	t.Helper()
	info, err := pickle.Scan(data)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range info.PersistentIDs {
		out = append(out, fmt.Sprintf("%s %s", p.Kinds[2], p.Tuple[2]))
	}
	return out
}

// Keys are kept when nothing clashes; a clashing key gets the smallest
// free one, after the keys the entry keeps; the pickles are rewritten,
// keeping each key's type, and a storage used twice keeps one key.
func TestStorageKeys(t *testing.T) {
	dir := t.TempDir()
	a := storagePickle(0, 1, 0)
	writeArchive(t, dir, "a.pt", storage("0"), storage("1"), emit.Record{Name: "m/a.pkl", Data: a})
	writeArchive(t, dir, "b.pt", storage("0"), storage("1"), storage("2"), storage("7"),
		emit.Record{Name: "m/b.pkl", Data: storagePickle("1", "2", 0)})
	writeArchive(t, dir, "c.pt", storage("3"), emit.Record{Name: "n/c.pkl", Data: storagePickle(3)},
		emit.Record{Name: "n/c.pt", Data: storagePickle(3)}, emit.Record{Name: "n/blob.bin", Data: []byte("\x80\x02not a pickle")})
	set := mustLoad(t, dir, `
[[from_package]]
file = "a.pt"
[[from_package]]
file = "b.pt"
[[from_package]]
file = "c.pt"
`)
	var got []string
	byName := map[string]*repack.Record{}
	for i := range set.Records {
		r := &set.Records[i]
		byName[r.Name] = r
		got = append(got, fmt.Sprintf("%d %s %s <- %s", r.Entry, r.Kind, r.Name, r.From))
	}
	want := []string{
		"0 storage .data/0.storage <- .data/0.storage",
		"0 storage .data/1.storage <- .data/1.storage",
		"0 pickle m/a.pkl <- m/a.pkl",
		// b.pt's 2 is kept; its 0 and 1 clash with a.pt's and become 3
		// and 4 (first use first: 1, then 0); 7 is used by no pickle.
		"1 storage .data/4.storage <- .data/0.storage",
		"1 storage .data/3.storage <- .data/1.storage",
		"1 storage .data/2.storage <- .data/2.storage",
		"1 pickle m/b.pkl <- m/b.pkl",
		// c.pt's 3 now clashes with b.pt's new 3.
		"2 storage .data/5.storage <- .data/3.storage",
		"2 pickle n/c.pkl <- n/c.pkl",
		// A pickle with storages is one whatever its name.
		"2 pickle n/c.pt <- n/c.pt",
		"2 resource n/blob.bin <- n/blob.bin",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if string(byName["m/a.pkl"].Data) != string(a) {
		t.Errorf("a.pkl was rewritten, though none of its keys changed")
	}
	if diff := cmp.Diff([]string{"string 3", "string 2", "int 4"}, keys(t, byName["m/b.pkl"].Data)); diff != "" {
		t.Errorf("b.pkl keys (-want +got):\n%s", diff)
	}
	for _, name := range []string{"n/c.pkl", "n/c.pt"} {
		if diff := cmp.Diff([]string{"int 5"}, keys(t, byName[name].Data)); diff != "" {
			t.Errorf("%s keys (-want +got):\n%s", name, diff)
		}
	}
	if got := readAll(t, byName[".data/4.storage"]); got != "bytes of 0" {
		t.Errorf(".data/4.storage holds %q, want b.pt's .data/0.storage", got)
	}
	if diff := cmp.Diff([]string{filepath.Join(dir, "a.pt"), filepath.Join(dir, "b.pt"), filepath.Join(dir, "c.pt")}, set.Inputs); diff != "" {
		t.Errorf("archives (-want +got):\n%s", diff)
	}
}

// A torch 2.x archive (byteorder, .data/serialization_id) and a torch 1.13
// one give the same records: never torch's bookkeeping, _mock.py or module
// sources unless sources = true, and then the mock stubs as mocked modules.
func TestSamples(t *testing.T) {
	for _, sample := range []string{sample113, sample2x} {
		for _, sources := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/sources=%t", filepath.Base(sample), sources), func(t *testing.T) {
				dir := t.TempDir()
				data, err := os.ReadFile(sample)
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(dir, "w.pt"), data, 0o644)
				set := mustLoad(t, dir, fmt.Sprintf("[[from_package]]\nfile = \"w.pt\"\nsources = %t\n", sources))
				var got []string
				for _, r := range set.Records {
					line := fmt.Sprintf("%s %s", r.Kind, r.Name)
					if r.Kind == repack.Source {
						line += fmt.Sprintf(" module %s package=%t", r.Module, r.IsPackage)
					}
					got = append(got, line)
				}
				want := []string{
					"pickle obj/obj.pkl",
					"storage .data/0.storage",
					"pickle tensors/t.pkl",
					"resource main/main",
					"resource main/main_binary",
				}
				var mocked []string
				if sources {
					want = append(want,
						"source module_a.py module module_a package=false",
						"source package_a/__init__.py module package_a package=true",
						"source package_a/subpackage.py module package_a.subpackage package=false")
					mocked = []string{"package_m"}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("records (-want +got):\n%s", diff)
				}
				var gotMocked []string
				for _, m := range set.Mocked {
					gotMocked = append(gotMocked, m.Modules...)
				}
				if diff := cmp.Diff(mocked, gotMocked); diff != "" {
					t.Errorf("mocked (-want +got):\n%s", diff)
				}
				if sources && !set.Mocked[0].Match("package_m") || sources && set.Mocked[0].Match("package_a") {
					t.Errorf("Mocked.Match is wrong: %s", set.Mocked[0].String())
				}
			})
		}
	}
}

// include and exclude select by record name; storages follow the pickles.
func TestSelect(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile(sample113)
	os.WriteFile(filepath.Join(dir, "w.pt"), data, 0o644)
	set := mustLoad(t, dir, `
[[from_package]]
file = "w.pt"
include = ["**/*.pkl", "main/*"]
exclude = ["obj/**", "main/main"]
`)
	var got []string
	for _, r := range set.Records {
		got = append(got, r.Name)
	}
	if diff := cmp.Diff([]string{".data/0.storage", "tensors/t.pkl", "main/main_binary"}, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// Every problem is reported at once, located at the entry, and says which
// are the manifest's.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile(sample113)
	os.WriteFile(filepath.Join(dir, "w.pt"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "notzip.pt"), []byte("not a zip"), 0o644)
	writeArchive(t, dir, "ts.pt", emit.Record{Name: "m/ts.pkl",
		Data: []byte("\x80\x03ctorch.jit._script\nunpackage_script_module\nq\x00.")})
	writeArchive(t, dir, "nostorage.pt", storage("1"), emit.Record{Name: "m/s.pkl", Data: storagePickle(1, 2)})
	writeArchive(t, dir, "badpickle.pt", emit.Record{Name: "m/b.pkl", Data: []byte("\x80\x03X")})
	writeArchive(t, dir, "big.pt", emit.Record{Name: "byteorder", Data: []byte("big")}, emit.Record{Name: "m/x.txt", Data: []byte("x")})
	writeArchive(t, dir, "onlycode.pt", emit.Record{Name: "m/__init__.py", Data: []byte("")})

	for _, c := range []struct {
		name, toml string
		want       []string
		manifest   bool
	}{
		{"clash", `
[[pickle]]
package = "tensors"
name = "t.pkl"
file = "w.pt"
[[from_package]]
file = "w.pt"
include = "tensors/**"
[[from_package]]
file = "w.pt"
include = ["main/*", "tensors/*"]
`, []string{
			`pkgbuild.toml:6:1: error: [[from_package]] writes "tensors/t.pkl" (from w.pt), which the [[pickle]] at line 2 writes too`,
			`pkgbuild.toml:9:1: error: [[from_package]] writes "tensors/t.pkl" (from w.pt), which the [[pickle]] at line 2 writes too`,
		}, true},
		{"no match", `
[[from_package]]
file = "w.pt"
include = [
  "torch113/tensors/t.pkl",
  "*.pkl",
  ".data/**",
  "package_a/**",
  "main/main",
  "_mock.py",
]
exclude = "main/**"
[[from_package]]
file = "onlycode.pt"
`, []string{
			`pkgbuild.toml:5:1: error: include "torch113/tensors/t.pkl" matches no record of w.pt`,
			`	fix: write "tensors/t.pkl": record names are below the archive's top folder "torch113"`,
			`pkgbuild.toml:6:1: error: include "*.pkl" matches no record of w.pt`,
			`pkgbuild.toml:7:1: error: include ".data/**" matches no record of w.pt; it matches ".data/0.storage", which is never taken: it is a storage: storages come with the pickles that use them`,
			`pkgbuild.toml:8:1: error: include "package_a/**" matches no record of w.pt; it matches "package_a/__init__.py", which is never taken: it is a module source: sources come from the roots unless sources = true`,
			`pkgbuild.toml:9:1: error: include "main/main" matches no record of w.pt; exclude leaves out all 1 record(s) it matches`,
			`pkgbuild.toml:10:1: error: include "_mock.py" matches no record of w.pt; it matches "_mock.py", which is never taken: it is torch's bookkeeping, which the new package writes anew`,
			`pkgbuild.toml:13:1: error: [[from_package]] takes no record from onlycode.pt: it has no pickle or resource (sources = false); it matches "m/__init__.py", which is never taken: it is a module source: sources come from the roots unless sources = true`,
		}, true},
		{"archives", `
[[from_package]]
file = "notzip.pt"
[[from_package]]
file = "ts.pt"
[[from_package]]
file = "nostorage.pt"
[[from_package]]
file = "badpickle.pt"
[[from_package]]
file = "big.pt"
`, []string{
			`pkgbuild.toml:3:1: error: archive notzip.pt: malformed: not a zip file: 9 bytes is too short for an end of central directory record`,
			`pkgbuild.toml:5:1: error: archive ts.pt: pickle "m/ts.pkl" holds a TorchScript module, which needs .data/ts_code; pkgbuild does not copy TorchScript`,
			`pkgbuild.toml:7:1: error: archive nostorage.pt: pickle "m/s.pkl" needs the storage .data/2.storage, which the archive does not hold`,
			`pkgbuild.toml:9:1: error: archive badpickle.pt: record "m/b.pkl" is not a pickle torch can load: pickle: offset 2: BINUNICODE: argument needs 4 bytes but only 0 remain`,
			`pkgbuild.toml:11:1: error: archive big.pt: its storages are "big"-endian; pkgbuild writes torch 1.13's layout, which has no byteorder record, so torch would read them as little-endian`,
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(dir)
			if err := os.WriteFile("pkgbuild.toml", []byte(c.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := manifest.Load("pkgbuild.toml")
			if err != nil {
				t.Fatal(err)
			}
			set, err := repack.Load(m)
			if set != nil {
				t.Fatal("a Set and an error")
			}
			var re *repack.Errors
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not *Errors", err)
			}
			var got []string
			for _, e := range re.List {
				got = append(got, e.Error())
				if e.Fix != "" && c.name == "no match" {
					got = append(got, "\tfix: "+e.Fix)
				}
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if re.Manifest != c.manifest {
				t.Errorf("Manifest = %t, want %t", re.Manifest, c.manifest)
			}
		})
	}
}

// A repackaged storage is read from the archive, checked, and announces its
// size for the zip writer.
func TestStorageStream(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile(sample113)
	os.WriteFile(filepath.Join(dir, "w.pt"), data, 0o644)
	set := mustLoad(t, dir, "[[from_package]]\nfile = \"w.pt\"\ninclude = \"tensors/t.pkl\"\n")
	i := slices.IndexFunc(set.Records, func(r repack.Record) bool { return r.Kind == repack.Storage })
	rc, err := set.Records[i].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if s, ok := rc.(interface{ Size() int64 }); !ok || s.Size() != 24 {
		t.Errorf("storage stream does not announce its size 24")
	}
	a, err := reader.Open(sample113)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	want, _ := a.Read(".data/0.storage")
	got, _ := io.ReadAll(rc)
	if string(got) != string(want) {
		t.Errorf("storage bytes differ")
	}
	if o := set.Records[i].Origin(); !strings.HasSuffix(o, filepath.Join("w.pt", ".data", "0.storage")) {
		t.Errorf("Origin() = %q", o)
	}
}

// An unzipped archive (a folder, as DirectoryReader reads it) is read like
// a zip; its record files and folders are the inputs, so a change to any
// of them is seen.
func TestUnzippedArchive(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "w")
	if _, err := emit.Write(folder+string(filepath.Separator), append([]emit.Record{
		storage("0"), {Name: "m/a.pkl", Data: storagePickle(0)}, {Name: "m/x.txt", Data: []byte("x")},
	}, emit.DataRecords(nil, "3.11")...)); err != nil {
		t.Fatal(err)
	}
	set := mustLoad(t, dir, "[[from_package]]\nfile = \"w\"\n")
	var got []string
	for _, r := range set.Records {
		got = append(got, r.Name+" "+readAll(t, &r)[:1])
	}
	if diff := cmp.Diff([]string{".data/0.storage b", "m/a.pkl \x80", "m/x.txt x"}, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	for _, want := range []string{filepath.Join(folder, "m", "a.pkl"), filepath.Join(folder, ".data", "0.storage")} {
		if !slices.Contains(set.Inputs, want) {
			t.Errorf("inputs %v lack %s", set.Inputs, want)
		}
	}
	for _, want := range []string{folder, filepath.Join(folder, "m"), filepath.Join(folder, ".data")} {
		if !slices.Contains(set.Dirs, want) {
			t.Errorf("dirs %v lack %s", set.Dirs, want)
		}
	}
}
