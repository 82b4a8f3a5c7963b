package pickle

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPackageArchive reads the pickles inside a torch.package archive made
// by PackageExporter, as pkgbuild will.
func TestPackageArchive(t *testing.T) {
	checkArchive(t, filepath.Join("testdata", "package.pt"), readReports(t, "testdata"))
}

func checkArchive(t *testing.T, archive string, reports map[string]*pythonReport) {
	t.Helper()
	z, err := zip.OpenReader(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	pickles := 0
	for _, f := range z.File {
		if !strings.HasSuffix(f.Name, ".pkl") {
			continue
		}
		pickles++
		data := readZipFile(t, f)
		info, err := Scan(data)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		r := reports["package_"+path.Base(f.Name)]
		if r == nil || r.Torch == nil {
			t.Errorf("%s: no report with torch's dependencies", f.Name)
			continue
		}
		if diff := cmp.Diff(r.Torch.Modules, info.Modules(), cmpEmpty); diff != "" {
			t.Errorf("%s: Modules() differs from the dependencies torch recorded (-torch +go):\n%s", f.Name, diff)
		}
		// Every storage the pickle refers to is in the archive, under the
		// key of its persistent ID.
		for _, p := range info.PersistentIDs {
			if len(p.Tuple) != 5 || p.Tuple[0] != "storage" || p.Kinds[2] != KindInt {
				t.Errorf("%s: persistent ID %v is not a torch.package storage", f.Name, p)
				continue
			}
			storage := path.Join(path.Dir(path.Dir(f.Name)), ".data", p.Tuple[2]+".storage")
			if _, err := z.Open(storage); err != nil {
				t.Errorf("%s: persistent ID %v: %v", f.Name, p, err)
			}
		}
	}
	if pickles == 0 {
		t.Errorf("%s holds no pickles", archive)
	}
}

func readZipFile(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func ExampleScan() {
	// A dict of tensors, saved by torch.package's
	// PackageExporter.save_pickle(..., pickle_protocol=4).
	data, err := os.ReadFile("testdata/package_tensors_p4.pkl")
	if err != nil {
		panic(err)
	}
	info, err := Scan(data)
	if err != nil {
		panic(err)
	}
	fmt.Println("protocol", info.Protocol)
	for _, g := range info.Globals {
		fmt.Printf("%d: %s %s %s\n", g.Offset, g.Opcode, g.Module, g.Name)
	}
	for _, p := range info.PersistentIDs {
		fmt.Printf("%d: %s %v %v\n", p.Offset, p.Opcode, p, p.Kinds)
	}
	fmt.Println("modules", info.Modules())
	// Output:
	// protocol 4
	// 54: STACK_GLOBAL torch._utils _rebuild_tensor_v2
	// 91: STACK_GLOBAL torch FloatStorage
	// 145: STACK_GLOBAL collections OrderedDict
	// 180: STACK_GLOBAL torch LongStorage
	// 105: BINPERSID ("storage", torch.FloatStorage, 0, "cpu", 6) [string global int string int]
	// 190: BINPERSID ("storage", torch.LongStorage, 1, "cpu", 3) [string global int string int]
	// 234: BINPERSID ("storage", torch.FloatStorage, 0, "cpu", 6) [string global int string int]
	// modules [torch._utils torch collections]
}
