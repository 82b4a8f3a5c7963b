package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// putActions stores n action entries of equal size, the i-th last used at
// base + i minutes, and returns their keys.
func putActions(t *testing.T, c *Cache, n int, base time.Time) []ActionKey {
	t.Helper()
	var keys []ActionKey
	for i := range n {
		k := ActionKey{Output: fmt.Sprintf("out%03d.pt", i)}
		c.PutAction(k, ActionResult{OutputSum: sha256hex(k.Output), OutputSize: int64(i)})
		setMtime(t, c.entryPath(k.id(), kindAction), base.Add(time.Duration(i)*time.Minute))
		keys = append(keys, k)
	}
	return keys
}

func present(c *Cache, keys []ActionKey) (which []int) {
	for i, k := range keys {
		if _, err := os.Stat(c.entryPath(k.id(), kindAction)); err == nil {
			which = append(which, i)
		}
	}
	return which
}

func stats(t *testing.T, c *Cache) (int, int64) {
	t.Helper()
	n, size, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return n, size
}

func TestTrimRemovesLeastRecentlyUsed(t *testing.T) {
	c := openTest(t)
	keys := putActions(t, c, 6, time.Now().Add(-10*time.Hour))
	n, size := stats(t, c)
	if n != 6 {
		t.Fatalf("Stats: %d entries, want 6", n)
	}
	one := size / 6

	// A hit on entry 0, the oldest, makes it the most recently used.
	if _, ok := c.GetAction(keys[0]); !ok {
		t.Fatal("miss")
	}
	removed, err := c.Trim(size - 2*one)
	if err != nil || removed != 2 {
		t.Fatalf("Trim = %d, %v; want 2 removed", removed, err)
	}
	if got, want := fmt.Sprint(present(c, keys)), "[0 3 4 5]"; got != want {
		t.Errorf("entries left: %s, want %s", got, want)
	}
	if n, left := stats(t, c); n != 4 || left != size-2*one {
		t.Errorf("Stats after Trim: %d entries, %d bytes; want 4, %d", n, left, size-2*one)
	}
	if removed, err := c.Trim(size); err != nil || removed != 0 {
		t.Errorf("Trim under the bound = %d, %v; want 0", removed, err)
	}
	if removed, err := c.Trim(0); err != nil || removed != 4 {
		t.Errorf("Trim(0) = %d, %v; want 4", removed, err)
	}
}

// A hit updates an entry's mtime only if it is an hour old, so that a warm
// build does not write.
func TestUseUpdatesMtimeHourly(t *testing.T) {
	c := openTest(t)
	now := time.Now()
	recent := putActions(t, c, 1, now.Add(-30*time.Minute))[0]
	stale := ActionKey{Output: "stale.pt"}
	c.PutAction(stale, ActionResult{})
	setMtime(t, c.entryPath(stale.id(), kindAction), now.Add(-2*time.Hour))

	c.GetAction(recent)
	c.GetAction(stale)
	if got := mtimeOf(t, c.entryPath(recent.id(), kindAction)); now.Sub(got) < 29*time.Minute {
		t.Errorf("recently used entry's mtime moved to %v", got)
	}
	if got := mtimeOf(t, c.entryPath(stale.id(), kindAction)); now.Sub(got) > time.Minute {
		t.Errorf("entry used after 2h still has mtime %v", got)
	}
}

// Writers that died leave temporary files: Trim removes those older than
// an hour, and Stats does not count them.
func TestTrimRemovesStaleTempFiles(t *testing.T) {
	c := openTest(t)
	putActions(t, c, 1, time.Now())
	shard := filepath.Join(c.Dir(), "00")
	old := write(t, filepath.Join(shard, ".tmp-1-dead"), "partial")
	setMtime(t, old, time.Now().Add(-2*time.Hour))
	fresh := write(t, filepath.Join(shard, ".tmp-2-writing"), "partial")
	if n, _ := stats(t, c); n != 1 {
		t.Errorf("Stats counts %d entries, want 1", n)
	}
	if _, err := c.Trim(1 << 30); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("stale temp file not removed: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp file removed: %v", err)
	}
}

// Close trims the cache to 3/4 of its bound when it has grown past it,
// checking at most once a day.
func TestCloseTrimsAtMostDaily(t *testing.T) {
	c := openTest(t)
	now := time.Now()
	c.now = func() time.Time { return now }
	putActions(t, c, 8, now.Add(-10*time.Hour))
	_, size := stats(t, c)
	one := size / 8
	c.maxBytes = 4 * one

	c.Close()
	if n, _ := stats(t, c); n != 3 {
		t.Errorf("after Close: %d entries, want 3 (3/4 of a bound of 4)", n)
	}
	putActions(t, c, 8, now.Add(-5*time.Hour))
	c.Close()
	if n, _ := stats(t, c); n != 8 {
		t.Errorf("second Close the same day trimmed: %d entries, want 8", n)
	}
	c.now = func() time.Time { return now.Add(25 * time.Hour) }
	c.Close()
	if n, _ := stats(t, c); n != 3 {
		t.Errorf("Close a day later: %d entries, want 3", n)
	}
}
