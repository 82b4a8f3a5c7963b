package cache

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMain runs a child of TestConcurrentProcesses when asked to.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PKGBUILD_CACHE_TEST_CHILD"); dir != "" {
		id, _ := strconv.Atoi(os.Getenv("PKGBUILD_CACHE_TEST_ID"))
		c := OpenOrDisable(dir, os.Stderr)
		if c.Dir() == "" {
			os.Exit(3)
		}
		if id%2 == 0 {
			settle(c) // trusts stat entries
		}
		if err := hammer(c, sourceTree(os.Getenv("PKGBUILD_CACHE_TEST_SRC")), id); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const nFiles = 150

// makeSourceTree writes nFiles files; sourceTree says what they hold.
func makeSourceTree(t *testing.T) string {
	dir := t.TempDir()
	for path, content := range sourceTree(dir) {
		write(t, path, content)
	}
	return dir
}

func sourceTree(dir string) map[string]string {
	files := map[string]string{}
	for i := range nFiles {
		var b strings.Builder
		for j := range i%7 + 1 {
			fmt.Fprintf(&b, "import m%d_%d\n", i, j)
		}
		switch i % 10 {
		case 3:
			b.WriteString("syntax error\n")
		case 5:
			b.WriteString("relative\n")
		}
		files[filepath.Join(dir, fmt.Sprintf("m%03d.py", i))] = b.String()
	}
	return files
}

// hammer is one pkgbuild process's use of a shared cache: three rounds of
// scanning every file in a random order and storing and checking actions,
// with worker 0 trimming the cache under the others' feet after the first
// two. Every result must be right.
func hammer(c *Cache, files map[string]string, id int) error {
	scan := c.Scanner(toyParse, "v1")
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	shared := ActionKey{ToolVersion: "v1", Output: "shared.pt"}
	sharedRes := ActionResult{OutputSum: sha256hex("shared"), OutputSize: 6}
	own := ActionKey{ToolVersion: "v1", Output: fmt.Sprintf("worker%d.pt", id)}
	ownRes := ActionResult{OutputSum: sha256hex(own.Output), OutputSize: int64(id)}
	for round := range 3 {
		rand.Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
		for _, p := range paths {
			f, err := scan(p)
			wf, werr := toyParse([]byte(files[p]))
			if diff := cmp.Diff(result{wf, werr}, result{f, err}, cmpResult); diff != "" {
				return fmt.Errorf("worker %d round %d: scan %s (-want +got):\n%s", id, round, p, diff)
			}
			if _, err := c.HashFile(p); err != nil {
				return err
			}
		}
		for _, a := range []struct {
			k ActionKey
			r ActionResult
		}{{shared, sharedRes}, {own, ownRes}} {
			if got, ok := c.GetAction(a.k); ok && !cmp.Equal(got, a.r, cmpResult) {
				return fmt.Errorf("worker %d: GetAction(%s) = %+v", id, a.k.Output, got)
			}
			c.PutAction(a.k, a.r)
		}
		if id == 0 && round < 2 {
			_, size, _ := c.Stats()
			if _, err := c.Trim(size / 2); err != nil {
				return fmt.Errorf("trim: %v", err)
			}
		}
	}
	return nil
}

// checkQuiescent checks the cache after concurrent use: every entry valid,
// no temporary file left, and every file a hit.
func checkQuiescent(t *testing.T, dir string, files map[string]string) {
	checkEntries(t, &Cache{dir: dir})
	temps, _ := filepath.Glob(filepath.Join(dir, "*", ".tmp-*"))
	if len(temps) > 0 {
		t.Errorf("temporary files left: %v", temps)
	}
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := countParses()
	scan := c.Scanner(p.Parse, "v1")
	for path, content := range files {
		expectScan(t, scan, path, content)
	}
	if n := p.misses(); n != 0 {
		t.Errorf("after the workers, %d of %d files missed", n, len(files))
	}
}

// 8 goroutines: four share one Cache, as the resolver's scan workers do,
// and four have a Cache each, as separate processes would; half of those
// trust stat entries.
func TestConcurrentGoroutines(t *testing.T) {
	dir := t.TempDir()
	files := sourceTree(makeSourceTree(t))
	shared, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for id := range 8 {
		c := shared
		if id >= 4 {
			if c, err = Open(dir); err != nil {
				t.Fatal(err)
			}
			if id%2 == 0 {
				settle(c)
			}
		}
		wg.Go(func() {
			if err := hammer(c, files, id); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkQuiescent(t, dir, files)
}

// 4 processes (this test binary, re-executed) share one cache directory.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	src := makeSourceTree(t)
	var wg sync.WaitGroup
	for id := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(),
			"PKGBUILD_CACHE_TEST_CHILD="+dir,
			"PKGBUILD_CACHE_TEST_SRC="+src,
			"PKGBUILD_CACHE_TEST_ID="+strconv.Itoa(id))
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("process %d: %v\n%s", id, err, out)
			}
		})
	}
	wg.Wait()
	checkQuiescent(t, dir, sourceTree(src))
}
