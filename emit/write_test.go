package emit

import (
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// listDir returns the names in dir, to check that no temporary is left.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// treeFiles returns every file below root with its content, and the mode of
// every file and folder.
func treeFiles(t *testing.T, root string) (files map[string]string, modes map[string]fs.FileMode) {
	t.Helper()
	files, modes = map[string]string{}, map[string]fs.FileMode{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		modes[rel] = fi.Mode().Perm()
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, modes
}

// failing is a record whose Open fails, to interrupt a Write half-way.
var failing = Record{Name: "zz/failing.py", Open: func() (io.ReadCloser, error) { return nil, errors.New("cannot read") }}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "model.v2.pt")
	sum, err := Write(out, loadRecords())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The file is WriteZip's archive under TopFolder(out) = "model.v2", and
	// the digest is its SHA-256.
	sameBytes(t, "Write vs WriteZip", got, zipBytes(t, "model.v2", loadRecords()))
	if sum != sha256.Sum256(got) {
		t.Errorf("digest %x, want sha256 of the file %x", sum, sha256.Sum256(got))
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(out)
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("mode %v, want 0644", fi.Mode().Perm())
		}
	}
	if diff := cmp.Diff([]string{"model.v2.pt"}, listDir(t, dir)); diff != "" {
		t.Errorf("folder holds more than the output (-want +got):\n%s", diff)
	}
}

// TestWriteFileIsAtomic: a failed Write leaves the previous output as it was,
// and no temporary file.
func TestWriteFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "model.pt")
	if err := os.WriteFile(out, []byte("previous build"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Write(out, append(loadRecords(), failing))
	if err == nil || !strings.Contains(err.Error(), `record "zz/failing.py": open: cannot read`) {
		t.Fatalf("Write error = %v", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "previous build" {
		t.Errorf("output is now %q, want the previous build", b)
	}
	if diff := cmp.Diff([]string{"model.pt"}, listDir(t, dir)); diff != "" {
		t.Errorf("temporary left behind (-want +got):\n%s", diff)
	}
	// Name errors are found before anything is created.
	if _, err := Write(filepath.Join(dir, "new.pt"), []Record{{Name: "../escape.py"}}); err == nil {
		t.Error("Write accepted ../escape.py")
	}
	if diff := cmp.Diff([]string{"model.pt"}, listDir(t, dir)); diff != "" {
		t.Errorf("a refused Write created files (-want +got):\n%s", diff)
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "afile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ out, want string }{
		{filepath.Join(dir, "missing", "model.pt"), "parent directory " + filepath.Join(dir, "missing") + " does not exist"},
		{filepath.Join(dir, "missing", "tree") + "/", "parent directory " + filepath.Join(dir, "missing") + " does not exist"},
		{filepath.Join(dir, "afile", "model.pt"), "is not a directory"},
		{filepath.Join(dir, ".hidden"), "top folder would be empty"},
		{filepath.Join(dir, "adir"), "end the path with a separator"},
		{filepath.Join(dir, "afile") + "/", "exists and is not a directory"},
	} {
		_, err := Write(tc.out, loadRecords())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Write(%q) error = %v, want it to contain %q", tc.out, err, tc.want)
		}
	}
}

// TestWriteTree: a path ending with a separator gets the unzipped tree, and
// the digest of the zip of the same records under the folder's name.
func TestWriteTree(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "mypkg") + string(filepath.Separator)
	sum, err := Write(out, loadRecords())
	if err != nil {
		t.Fatal(err)
	}
	files, modes := treeFiles(t, out)
	want := map[string]string{}
	for _, r := range loadRecords() {
		want[r.Name] = string(r.Data)
	}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	if runtime.GOOS != "windows" {
		for p, m := range modes {
			wantMode := fs.FileMode(0o644)
			if _, isFile := files[p]; !isFile {
				wantMode = 0o755
			}
			if m != wantMode {
				t.Errorf("%s: mode %v, want %v", p, m, wantMode)
			}
		}
	}
	if zipSum := sha256.Sum256(zipBytes(t, "mypkg", loadRecords())); sum != zipSum {
		t.Errorf("tree digest %x, want the zip's %x", sum, zipSum)
	}
	if diff := cmp.Diff([]string{"mypkg"}, listDir(t, dir)); diff != "" {
		t.Errorf("folder holds more than the output (-want +got):\n%s", diff)
	}
}

// TestWriteTreeReplaces: a new tree replaces the old one entirely; a failed
// one leaves the old one as it was.
func TestWriteTreeReplaces(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "mypkg") + "/"
	old := []Record{{Name: "stale/old.py", Data: []byte("old")}, {Name: ".data/version", Data: []byte("6\n")}}
	if _, err := Write(out, old); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(out, append(loadRecords(), failing)); err == nil {
		t.Fatal("Write with a failing record succeeded")
	}
	files, _ := treeFiles(t, out)
	if diff := cmp.Diff(map[string]string{"stale/old.py": "old", ".data/version": "6\n"}, files); diff != "" {
		t.Errorf("failed Write changed the old tree (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"mypkg"}, listDir(t, dir)); diff != "" {
		t.Errorf("temporary left behind (-want +got):\n%s", diff)
	}

	if _, err := Write(out, loadRecords()); err != nil {
		t.Fatal(err)
	}
	files, _ = treeFiles(t, out)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	want := []string{".data/extern_modules", ".data/python_version", ".data/version", "_mock.py", "mocked/__init__.py", "mymod/__init__.py", "mymod/data.txt", "mymod/sub.py"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("tree after replacement (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"mypkg"}, listDir(t, dir)); diff != "" {
		t.Errorf("old tree left behind (-want +got):\n%s", diff)
	}
}

// A zip may hold "a" and "a/b"; a folder tree cannot, so Write refuses it.
func TestWriteTreeRefusesFileFolderClash(t *testing.T) {
	recs := []Record{{Name: "a/b/c.py"}, {Name: "a/b"}}
	if err := WriteZip(io.Discard, "x", recs); err != nil {
		t.Errorf("WriteZip: %v", err)
	}
	_, err := Write(filepath.Join(t.TempDir(), "x")+"/", recs)
	if err == nil || !strings.Contains(err.Error(), `record 1 "a/b": is a file, but record 0 "a/b/c.py" needs it to be a folder`) {
		t.Errorf("Write error = %v", err)
	}
}

// TestDigestsAgree: the zip and the tree of the same records report the same
// digest when the zip's top folder is the tree's name.
func TestDigestsAgree(t *testing.T) {
	dir := t.TempDir()
	zipSum, err := Write(filepath.Join(dir, "pkg.pt"), everyPadding())
	if err != nil {
		t.Fatal(err)
	}
	treeSum, err := Write(filepath.Join(dir, "pkg")+"/", everyPadding())
	if err != nil {
		t.Fatal(err)
	}
	if zipSum != treeSum {
		t.Errorf("zip digest %x, tree digest %x", zipSum, treeSum)
	}
}
