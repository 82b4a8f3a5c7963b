//go:build unix

package emit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func reproRecords() []Record { return append(sampleRecords(), loadRecords()...) }

// TestHelperWrite is run by TestReproducible in a child process: it writes
// the zip and the tree to relative paths, from the child's working folder,
// and prints both digests.
func TestHelperWrite(t *testing.T) {
	if os.Getenv("PKGBUILD_EMIT_HELPER") != "1" {
		t.Skip("helper process of TestReproducible")
	}
	if err := os.Mkdir("out", 0o755); err != nil {
		t.Fatal(err)
	}
	zipSum, err := Write("out/pkg.pt", reproRecords())
	if err != nil {
		t.Fatal(err)
	}
	treeSum, err := Write("out/pkg/", reproRecords())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("digests %x %x\n", zipSum, treeSum)
}

// TestReproducible builds the same records in three processes that differ in
// umask, time zone, locale and working folder, and compares the bytes, the
// modes and the digests, as cmd/go's build_trimpath test does.
func TestReproducible(t *testing.T) {
	type build struct {
		zip    []byte
		files  map[string]string
		modes  map[string]os.FileMode
		digest string
	}
	envs := []struct {
		umask int
		tz    string
	}{{0o022, "UTC"}, {0o077, "America/Los_Angeles"}, {0o002, "Asia/Kathmandu"}}
	var builds []build
	for _, e := range envs {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWrite$", "-test.count=1", "-test.v")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PKGBUILD_EMIT_HELPER=1", "TZ="+e.tz, "LC_ALL=C")
		old := syscall.Umask(e.umask)
		out, err := cmd.CombinedOutput()
		syscall.Umask(old)
		if err != nil {
			t.Fatalf("helper (umask %#o, TZ %s): %v\n%s", e.umask, e.tz, err, out)
		}
		var digests []string
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "digests" {
				digests = f[1:]
			}
		}
		if len(digests) != 2 || digests[0] != digests[1] {
			t.Fatalf("helper (umask %#o): digests %q, want two equal ones\n%s", e.umask, digests, out)
		}
		z, err := os.ReadFile(filepath.Join(dir, "out/pkg.pt"))
		if err != nil {
			t.Fatal(err)
		}
		files, modes := treeFiles(t, filepath.Join(dir, "out/pkg"))
		fi, err := os.Stat(filepath.Join(dir, "out/pkg.pt"))
		if err != nil {
			t.Fatal(err)
		}
		modes["../pkg.pt"] = fi.Mode().Perm()
		builds = append(builds, build{z, files, modes, digests[0]})
	}
	for i, b := range builds[1:] {
		e := envs[i+1]
		sameBytes(t, fmt.Sprintf("zip built with umask %#o, TZ %s", e.umask, e.tz), b.zip, builds[0].zip)
		if diff := cmp.Diff(builds[0].files, b.files); diff != "" {
			t.Errorf("tree with TZ %s differs (-first +this):\n%s", e.tz, diff)
		}
		if diff := cmp.Diff(builds[0].modes, b.modes); diff != "" {
			t.Errorf("modes with umask %#o differ (-umask 022 +this):\n%s", e.umask, diff)
		}
		if b.digest != builds[0].digest {
			t.Errorf("digest with TZ %s: %s, want %s", e.tz, b.digest, builds[0].digest)
		}
	}
	if m := builds[0].modes["../pkg.pt"]; m != 0o644 {
		t.Errorf("zip mode %v, want 0644", m)
	}
}
