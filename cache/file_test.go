package cache

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// An Input reads what os.ReadFile reads, and it and statInto state what
// os.Stat states, for a regular file, an empty one, one with the setuid and
// sticky bits, a folder and a symbolic link (followed).
func TestInputIsWhatOsReads(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mod := write("mod.py", "import os\n", 0o644)
	empty := write("empty.py", "", 0o600)
	odd := write("odd", "x", 0o755|os.ModeSetuid|os.ModeSticky)
	sub := filepath.Join(dir, "pkg")
	if err := os.Mkdir(sub, 0o750); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.py")
	if err := os.Symlink(mod, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	type info struct {
		Name    string
		Size    int64
		Mode    os.FileMode
		ModTime int64
		IsDir   bool
		Stat    FileStat
	}
	of := func(fi os.FileInfo) info {
		return info{fi.Name(), fi.Size(), fi.Mode(), fi.ModTime().UnixNano(), fi.IsDir(), fileStat(fi)}
	}
	for _, path := range []string{mod, empty, odd, sub, link} {
		want, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		var byPath fileInfo
		if err := statInto(path, &byPath); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(of(want), of(&byPath)); diff != "" {
			t.Errorf("%s: statInto differs from os.Stat (-os +statInto):\n%s", path, diff)
		}
		if path == sub {
			continue // OpenInput refuses it (TestOpenInputRefusesWhatIsNotAFile)
		}
		f, err := OpenInput(path)
		if err != nil {
			t.Fatalf("OpenInput(%s): %v", path, err)
		}
		got, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(of(want), of(got)); diff != "" {
			t.Errorf("%s: Input.Stat differs from os.Stat (-os +Input):\n%s", path, diff)
		}
		if diff := cmp.Diff(of(want), of(f.Info())); diff != "" {
			t.Errorf("%s: Input.Info differs from os.Stat (-os +Input):\n%s", path, diff)
		}
		data, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		wantData, _ := os.ReadFile(path)
		if string(data) != string(wantData) {
			t.Errorf("%s: read %q, want %q", path, data, wantData)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); !errors.Is(err, os.ErrClosed) {
			t.Errorf("%s: a second Close = %v, want os.ErrClosed", path, err)
		}
	}
	if _, err := OpenInput(filepath.Join(dir, "missing.py")); !os.IsNotExist(err) {
		t.Errorf("OpenInput(missing) = %v, want a not-exist error", err)
	}
}
