package cache

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// openPacked opens the cache in dir with the pack a build of manifest
// "m.toml" would use.
func openPacked(t testing.TB, dir string) *Cache {
	t.Helper()
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c.UsePack("manifest m.toml")
	settle(c)
	return c
}

// writeTree writes n small sources into a new folder and returns their
// paths and contents.
func writeTree(t testing.TB, n int) map[string]string {
	dir := t.TempDir()
	files := map[string]string{}
	for i := range n {
		content := fmt.Sprintf("import m%d\nfrom p%d import x y\n", i, i%3)
		files[write(t, filepath.Join(dir, fmt.Sprintf("m%d.py", i)), content)] = content
	}
	return files
}

// packBuild is what a pkgbuild build does with its cache: scan every file,
// hash every input, say so, close.
func packBuild(t testing.TB, c *Cache, parse *counter, files map[string]string) {
	t.Helper()
	scan := c.Scanner(parse.Parse, "v1")
	for path, content := range files {
		expectScan(t, scan, path, content)
		if _, err := c.HashFile(path); err != nil {
			t.Fatal(err)
		}
	}
	c.UsedAll()
	c.Close()
}

// A cold build writes one entry, the pack, instead of two per file; the next
// build reads neither a source nor another entry, and writes nothing.
func TestPackIsOneEntryPerBuild(t *testing.T) {
	dir := t.TempDir()
	files := writeTree(t, 20)
	p := countParses()
	packBuild(t, openPacked(t, dir), p, files)
	if n := p.misses(); n != 20 {
		t.Errorf("cold build parsed %d files, want 20", n)
	}
	got := entries(t, &Cache{dir: dir})
	if len(got[kindPack]) != 1 || len(got[kindScan]) != 0 || len(got[kindStat]) != 0 {
		t.Fatalf("entries after a cold build: %v, want one pack and nothing else", got)
	}
	checkEntries(t, &Cache{dir: dir})
	pack := got[kindPack][0]
	before, err := os.Stat(pack)
	if err != nil {
		t.Fatal(err)
	}

	c := openPacked(t, dir)
	packBuild(t, c, p, files)
	if n, r := p.misses(), c.readsSince(); n != 0 || r != 0 {
		t.Errorf("warm build: %d parses and %d reads, want none", n, r)
	}
	// A rewrite renames a new file into place.
	if after, err := os.Stat(pack); err != nil || !os.SameFile(before, after) {
		t.Errorf("an unchanged build rewrote the pack")
	}
}

// Packs are named: another manifest's builds have a pack of their own.
func TestPacksAreNamed(t *testing.T) {
	dir := t.TempDir()
	files := writeTree(t, 5)
	p := countParses()
	packBuild(t, openPacked(t, dir), p, files)
	other, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	other.UsePack("manifest other.toml")
	packBuild(t, other, p, files)
	if n := p.misses(); n != 10 {
		t.Errorf("two manifests parsed %d files in all, want 10", n)
	}
	if got := entries(t, &Cache{dir: dir})[kindPack]; len(got) != 2 {
		t.Errorf("%d packs, want 2", len(got))
	}
}

// A build that resolved its graph keeps only what it used: the entries of a
// file's old bytes leave the pack, so it does not grow with every edit.
func TestPackDropsWhatABuildNoLongerUses(t *testing.T) {
	dir, files, p := builtTree(t, 10)
	size := packEntries(t, dir)
	for path := range files {
		files[path] = "import edited\n"
		write(t, path, files[path])
		break
	}
	for range 3 {
		packBuild(t, openPacked(t, dir), p, files)
	}
	if n := p.misses(); n != 1 {
		t.Errorf("an edited file was parsed %d times in three builds, want 1", n)
	}
	if got := packEntries(t, dir); got != size {
		t.Errorf("pack has %d entries after the edit, want %d as before", got, size)
	}
}

// A build that only checked its inputs (a no-op build that found a file
// touched, not changed) keeps the rest of the pack.
func TestPackKeptByABuildThatOnlyHashes(t *testing.T) {
	dir, files, p := builtTree(t, 10)
	size := packEntries(t, dir)
	var touched string
	for path, content := range files {
		touched = path
		write(t, path, content) // same bytes, new mtime and ctime
		break
	}
	c := openPacked(t, dir)
	if _, err := c.HashFile(touched); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := packEntries(t, dir); got != size+1 {
		t.Errorf("pack has %d entries, want %d (the touched file's new fingerprint added)", got, size+1)
	}
	c = openPacked(t, dir)
	packBuild(t, c, p, files)
	if n, r := p.misses(), c.readsSince(); n != 0 || r != 0 {
		t.Errorf("build after the touch: %d parses and %d reads, want none", n, r)
	}
}

// A damaged pack is an empty one: every file is parsed again, the results
// are right, and Close writes a good pack.
func TestDamagedPackIsEmpty(t *testing.T) {
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			dir := t.TempDir()
			files := writeTree(t, 5)
			p := countParses()
			packBuild(t, openPacked(t, dir), p, files)
			p.misses()
			pack := entries(t, &Cache{dir: dir})[kindPack][0]
			a, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			a.PutAction(ActionKey{ToolVersion: "v1"}, ActionResult{OutputSum: sha256hex("x")})
			other := entries(t, &Cache{dir: dir})[kindAction][0]
			damageFile(t, pack, d.damage(readFile(t, pack), readFile(t, other)))

			packBuild(t, openPacked(t, dir), p, files)
			if n := p.misses(); n != 5 {
				t.Errorf("parsed %d files after the damage, want 5", n)
			}
			if err := verifyEntryFile(pack); err != nil {
				t.Errorf("pack not rewritten: %v", err)
			}
		})
	}
}

// The resolver's workers share one Cache, and so one pack.
func TestPackConcurrentLookups(t *testing.T) {
	dir := t.TempDir()
	files := writeTree(t, 50)
	c := openPacked(t, dir)
	scan := c.Scanner(toyParse, "v1")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for path, content := range files {
				expectScan(t, scan, path, content)
				if _, err := c.HashFile(path); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	c.Close()
	p := countParses()
	packBuild(t, openPacked(t, dir), p, files)
	if n := p.misses(); n != 0 {
		t.Errorf("%d misses after concurrent lookups, want 0", n)
	}
}

// builtTree writes n sources and builds them once into a new cache.
func builtTree(t testing.TB, n int) (dir string, files map[string]string, p *counter) {
	dir, files, p = t.TempDir(), writeTree(t, n), countParses()
	packBuild(t, openPacked(t, dir), p, files)
	p.misses()
	return dir, files, p
}

// packEntries returns the number of entries in the only pack in dir.
func packEntries(t testing.TB, dir string) int {
	t.Helper()
	packs := entries(t, &Cache{dir: dir})[kindPack]
	if len(packs) != 1 {
		t.Fatalf("%d packs, want 1", len(packs))
	}
	var key [32]byte
	hex.Decode(key[:], []byte(filepath.Base(packs[0])[:64]))
	data, err := os.ReadFile(packs[0])
	if err != nil {
		t.Fatal(err)
	}
	payload, err := decodeEntry(data, kindPack, key)
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodePack(payload)
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}
