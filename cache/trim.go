package cache

import (
	"cmp"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tempMaxAge is how old a temporary file must be for Trim to remove it: its
// writer has surely died.
const tempMaxAge = time.Hour

type entryInfo struct {
	path  string
	size  int64
	mtime time.Time
}

// walk lists the cache's entries. With removeTemps, it removes temporary
// files left by writers that died.
func (c *Cache) walk(removeTemps bool) ([]entryInfo, error) {
	if c.disabled() {
		return nil, nil
	}
	shards, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, err
	}
	var entries []entryInfo
	var firstErr error
	for _, sh := range shards {
		if !sh.IsDir() || !isShardName(sh.Name()) {
			continue
		}
		dir := filepath.Join(c.dir, sh.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		for _, f := range files {
			name := f.Name()
			info, err := f.Info()
			if err != nil {
				continue // removed since ReadDir
			}
			path := filepath.Join(dir, name)
			switch {
			case isEntryName(name):
				entries = append(entries, entryInfo{path, info.Size(), info.ModTime()})
			case removeTemps && strings.HasPrefix(name, ".tmp-") && c.now().Sub(info.ModTime()) > tempMaxAge:
				os.Remove(path)
			}
		}
	}
	return entries, firstErr
}

func isShardName(s string) bool {
	return len(s) == 2 && isLowerHex(s)
}

// isEntryName reports whether name is <64 hex digits>-<kind>.
func isEntryName(name string) bool {
	if len(name) != 66 || name[64] != '-' || !isLowerHex(name[:64]) {
		return false
	}
	switch name[65] {
	case kindScan, kindStat, kindAction, kindPack, kindLayout:
		return true
	}
	return false
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Stats returns the number of entries in the cache and their total size.
func (c *Cache) Stats() (entries int, bytes int64, err error) {
	list, err := c.walk(false)
	for _, e := range list {
		bytes += e.size
	}
	return len(list), bytes, err
}

// Trim removes the least recently used entries until the entries left take
// at most maxBytes, and temporary files older than an hour. It is safe while
// other processes use the cache: they see the removed entries as misses.
func (c *Cache) Trim(maxBytes int64) (removed int, err error) {
	list, err := c.walk(true)
	var total int64
	for _, e := range list {
		total += e.size
	}
	if total <= maxBytes {
		return 0, err
	}
	// Oldest first; ties by name, so that the outcome does not depend on
	// the order ReadDir returned.
	slices.SortFunc(list, func(a, b entryInfo) int {
		return cmp.Or(a.mtime.Compare(b.mtime), strings.Compare(a.path, b.path))
	})
	for _, e := range list {
		if total <= maxBytes {
			break
		}
		if rerr := os.Remove(e.path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = cmp.Or(err, rerr)
			continue
		}
		total -= e.size
		removed++
	}
	return removed, err
}

// Close writes the pack (see UsePack), then runs the automatic trim: at
// most once a day (recorded in trim.txt), if the cache has grown past
// DefaultMaxBytes, it trims it to 3/4 of that.
// A build calls it once, at the end; it never fails (a problem is the
// Cache's one warning), and the Cache stays usable.
func (c *Cache) Close() {
	if c.disabled() || c.readOnly.Load() {
		return
	}
	c.flushPack()
	now := c.now()
	marker := filepath.Join(c.dir, "trim.txt")
	if data, err := os.ReadFile(marker); err == nil {
		if sec, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil {
			if d := now.Sub(time.Unix(sec, 0)); d >= 0 && d < trimInterval {
				return
			}
		}
	}
	// Write the marker first, so that other processes do not trim too.
	if err := c.writeAtomic(marker, []byte(strconv.FormatInt(now.Unix(), 10)+"\n")); err != nil {
		c.writeFailed(err)
		return
	}
	_, bytes, err := c.Stats()
	if err == nil && bytes > c.maxBytes {
		_, err = c.Trim(c.maxBytes / 4 * 3)
	}
	if err != nil {
		c.warnf("pkgbuild: warning: trimming the cache: %v", err)
	}
}
