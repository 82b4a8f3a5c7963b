package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestActionHitAndMiss(t *testing.T) {
	c := openTest(t)
	dir := t.TempDir()
	in, err := c.HashFile(write(t, filepath.Join(dir, "m.py"), src))
	if err != nil {
		t.Fatal(err)
	}
	key := ActionKey{
		ToolVersion: "v1",
		Manifest:    []byte("[package]\nname = \"m\"\n"),
		Inputs:      []InputFile{in},
		Output:      "build/m.pt",
		Flags:       []string{"--torch-parents"},
	}
	want := ActionResult{OutputSum: sha256hex("the .pt"), OutputSize: 7, Inputs: []InputFile{in},
		Log: "a warning\n", Records: []OutputRecord{
			{Name: "m.py", File: in.Path, Module: true},
			{Name: ".data/version", Data: []byte("6\n")},
		}, Placement: []byte("where the records lie")}

	if _, ok := c.GetAction(key); ok {
		t.Fatal("hit in an empty cache")
	}
	c.PutAction(key, want)
	got, ok := c.GetAction(key)
	if !ok {
		t.Fatal("miss after PutAction")
	}
	if got.Records != nil || got.Placement != nil {
		t.Errorf("GetAction read the layout; a no-op build does not need it")
	}
	got.Records, got.Placement, ok = c.ActionLayout(key, got)
	if !ok {
		t.Errorf("ActionLayout: missing")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetAction and ActionLayout (-want +got):\n%s", diff)
	}
	// A layout is only given with the result it was stored with.
	other := want
	other.OutputSum = sha256hex("another build")
	if _, _, ok := c.ActionLayout(key, other); ok {
		t.Errorf("ActionLayout gave the layout of another result")
	}

	// Everything in the key is in its lines, so changing it is a miss.
	for name, change := range map[string]func(k *ActionKey){
		"tool":       func(k *ActionKey) { k.ToolVersion = "v2" },
		"manifest":   func(k *ActionKey) { k.Manifest = append(k.Manifest, '#') },
		"input sum":  func(k *ActionKey) { k.Inputs = []InputFile{{Path: in.Path, Sum: sha256hex("other")}} },
		"input path": func(k *ActionKey) { k.Inputs = []InputFile{{Path: "n.py", Sum: in.Sum}} },
		"no inputs":  func(k *ActionKey) { k.Inputs = nil },
		"output":     func(k *ActionKey) { k.Output = "build/n.pt" },
		"flag":       func(k *ActionKey) { k.Flags = nil },
	} {
		k := key
		change(&k)
		if _, ok := c.GetAction(k); ok {
			t.Errorf("changing the %s is still a hit:\n%s", name, k)
		}
		if k.String() == key.String() {
			t.Errorf("changing the %s does not change the key lines", name)
		}
	}
}

// The key lines say what went into the key, for a debug flag to print.
func TestActionKeyLines(t *testing.T) {
	key := ActionKey{
		ToolVersion: "v1",
		Manifest:    []byte("m"),
		Inputs:      []InputFile{{Path: "b.py", Sum: "bb"}, {Path: "a.py", Sum: "aa", Stat: FileStat{Size: 9}}},
		Output:      "m.pt",
		Flags:       []string{"-x", "-y"},
	}
	want := `pkgbuild action v4
tool "v1"
manifest 62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a
input "a.py" aa
input "b.py" bb
output "m.pt"
flag "-x"
flag "-y"
`
	if diff := cmp.Diff(want, key.String()); diff != "" {
		t.Errorf("key lines (-want +got):\n%s", diff)
	}
	// Input order and fingerprints do not matter; flag order does.
	swapped := key
	swapped.Inputs = []InputFile{{Path: "a.py", Sum: "aa"}, {Path: "b.py", Sum: "bb"}}
	if swapped.id() != key.id() {
		t.Errorf("input order or fingerprints change the key")
	}
	swapped.Flags = []string{"-y", "-x"}
	if swapped.id() == key.id() {
		t.Errorf("flag order does not change the key")
	}
}

// InputsUnchanged is the no-op check: a stat call per input when nothing
// changed, a read only for inputs whose fingerprint changed, and no write.
func TestInputsUnchanged(t *testing.T) {
	dir := t.TempDir()
	setup := func(t *testing.T) (*Cache, ActionResult, []string) {
		c := openTest(t)
		settle(c)
		var paths []string
		var res ActionResult
		for i := range 3 {
			p := write(t, filepath.Join(dir, t.Name(), "pkg", "m"+string(rune('0'+i))+".py"), src)
			paths = append(paths, p)
		}
		for _, p := range append(paths, filepath.Dir(paths[0])) {
			in, err := c.HashFile(p)
			if err != nil {
				t.Fatal(err)
			}
			res.Inputs = append(res.Inputs, in)
		}
		c.readsSince()
		return c, res, paths
	}

	t.Run("nothing changed: no reads", func(t *testing.T) {
		c, res, _ := setup(t)
		if !c.InputsUnchanged(res) {
			t.Error("InputsUnchanged = false")
		}
		if r := c.readsSince(); r != 0 {
			t.Errorf("%d reads, want 0", r)
		}
	})
	t.Run("touched: read, still unchanged", func(t *testing.T) {
		c, res, paths := setup(t)
		setMtime(t, paths[1], time.Now().Add(-time.Minute))
		if !c.InputsUnchanged(res) {
			t.Error("InputsUnchanged = false")
		}
		if r := c.readsSince(); r != 1 {
			t.Errorf("%d reads, want 1", r)
		}
		// The check writes nothing; what it found vouches for the touched
		// file once the caller records it (as a no-op build does).
		check := c.ChangedInputs(res)
		if !check.OK || len(check.Changed) != 0 || c.readsSince() != 1 {
			t.Fatalf("second check: %+v; want the touched file read again, unchanged", check)
		}
		res.Inputs = check.Current
		if !c.InputsUnchanged(res) || c.readsSince() != 0 {
			t.Error("a check of the current fingerprints read a file")
		}
	})
	t.Run("changed bytes", func(t *testing.T) {
		c, res, paths := setup(t)
		write(t, paths[2], "import changed\n")
		if c.InputsUnchanged(res) {
			t.Error("InputsUnchanged = true")
		}
	})
	t.Run("removed", func(t *testing.T) {
		c, res, paths := setup(t)
		os.Remove(paths[0])
		if c.InputsUnchanged(res) {
			t.Error("InputsUnchanged = true")
		}
	})
	t.Run("new file in a listed directory", func(t *testing.T) {
		c, res, paths := setup(t)
		write(t, filepath.Join(filepath.Dir(paths[0]), "shadow.py"), "")
		if c.InputsUnchanged(res) {
			t.Error("InputsUnchanged = true")
		}
	})
	t.Run("racy input is read", func(t *testing.T) {
		_, res, _ := setup(t)
		// Say each input was hashed right after its last change, and check
		// with a cache that has no stat entries to vouch for them.
		for i := range res.Inputs {
			res.Inputs[i].Hashed = time.Unix(0, max(res.Inputs[i].Stat.ModTime, res.Inputs[i].Stat.ChangeTime))
		}
		c := openTest(t)
		if !c.InputsUnchanged(res) {
			t.Error("InputsUnchanged = false")
		}
		if r := c.readsSince(); r != len(res.Inputs) {
			t.Errorf("%d reads, want %d (every input is racy)", r, len(res.Inputs))
		}
	})
}

func TestHashFileOfADirectoryHashesItsListing(t *testing.T) {
	c := openTest(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b.py"), "")
	write(t, filepath.Join(dir, "a", "__init__.py"), "")
	in, err := c.HashFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := sha256hex("d a\nf b.py\n"); in.Sum != want {
		t.Errorf("sum = %s, want %s, the hash of %q", in.Sum, want, "d a\nf b.py\n")
	}
	if !strings.Contains(in.Stat.Mode.String(), "d") {
		t.Errorf("mode = %v, want a directory", in.Stat.Mode)
	}
}

// A large action is checked on every core; what the check finds is the
// same as one goroutine's: the changes in input order, every input as it
// is now, in order, and the newest time.
func TestChangedInputsOfManyFiles(t *testing.T) {
	c := openTest(t)
	settle(c)
	dir := t.TempDir()
	var res ActionResult
	for i := range 1000 {
		p := write(t, filepath.Join(dir, fmt.Sprintf("m%04d.py", i)), fmt.Sprintf("import m%d\n", i))
		in, err := c.HashFile(p)
		if err != nil {
			t.Fatal(err)
		}
		res.Inputs = append(res.Inputs, in)
	}
	changed := []int{3, 250, 251, 600, 999}
	for _, i := range changed {
		write(t, res.Inputs[i].Path, "import changed\n")
	}
	newest := time.Now().Add(time.Hour)
	setMtime(t, res.Inputs[700].Path, newest)

	check := c.ChangedInputs(res)
	if !check.OK || len(check.Current) != len(res.Inputs) {
		t.Fatalf("check: OK %v, %d current; want true, %d", check.OK, len(check.Current), len(res.Inputs))
	}
	var got []string
	for _, in := range check.Changed {
		got = append(got, filepath.Base(in.Path))
	}
	var want []string
	for _, i := range changed {
		want = append(want, filepath.Base(res.Inputs[i].Path))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}
	for i, in := range check.Current {
		if in.Path != res.Inputs[i].Path {
			t.Fatalf("current[%d] is %s, want %s", i, in.Path, res.Inputs[i].Path)
		}
	}
	if check.Newest.Unix() != newest.Unix() {
		t.Errorf("newest %v, want %v", check.Newest, newest)
	}
	os.Remove(res.Inputs[500].Path)
	if c.ChangedInputs(res).OK {
		t.Error("a removed input left the check OK")
	}
}
