package reader

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompare(t *testing.T) {
	changes, err := Compare(open(t, sample113), open(t, sampleChanged))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.String())
	}
	want := []string{
		"extern   - json",
		"extern   + math",
		"module   - _mock  (_mock.py)",
		"module   - module_a  (module_a.py)",
		"module   + module_b  (module_b.py)",
		"module   ~ package_a.subpackage  (package_a/subpackage.py)",
		"module   - package_m  (package_m/__init__.py)",
		"resource ~ main/main  (9 -> 15 bytes)",
		"pickle   ~ obj/obj.pkl  (56 -> 37 bytes; globals +package_a.subpackage.Other -package_a.subpackage.PackageASubpackageObject)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if changes[5].Diff == "" || changes[7].Diff == "" {
		t.Error("want unified diffs for the changed module and the changed text resource")
	}
}

// The same package as a zip and unzipped, under other top folders: no
// changes.
func TestCompareAcrossMakers(t *testing.T) {
	tmp := t.TempDir()
	unzip(t, sample113, tmp)
	dir := filepath.Join(tmp, "torch113")
	changes, err := Compare(open(t, sample113), open(t, dir))
	if err != nil || len(changes) != 0 {
		t.Errorf("zip vs folder: %v, %v; want no changes", changes, err)
	}
	// A module that becomes a package is a change of its record.
	a := zipOf(t, torchRecs("a", zipRec{name: "m.py", data: []byte("x = 1\n")}))
	b := zipOf(t, torchRecs("b", zipRec{name: "m/__init__.py", data: []byte("x = 1\n")}))
	changes, err = Compare(a, b)
	if err != nil || len(changes) != 1 || changes[0].String() != "module   ~ m  (m.py -> m/__init__.py)" {
		t.Errorf("module to package: %v, %v", changes, err)
	}
}

func zipOf(t *testing.T, recs []zipRec) *Archive {
	t.Helper()
	b, _ := makeZip(recs, true)
	a, err := openBytes(t, b)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
