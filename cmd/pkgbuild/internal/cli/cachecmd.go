package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/pkgbuild/pkgbuild/cache"
)

func init() {
	register(&command{
		name:    "cache",
		summary: "show the cache's size, or trim it",
		usage: `usage: pkgbuild cache [--cache-dir DIR] stats
       pkgbuild cache [--cache-dir DIR] trim --max SIZE
       pkgbuild cache [--cache-dir DIR] dir

The cache holds per-file scan results (keyed by content hash, in one pack
file per manifest) and action results (so an unchanged build is a no-op,
and one whose edits do not change what the sources import skips resolving).
It lives in $PKGBUILD_CACHE,
else $XDG_CACHE_HOME/pkgbuild, else ~/.cache/pkgbuild. Builds trim it to
3/4 of 1 GiB at most once a day; 'trim' removes the least recently used
entries until it holds at most SIZE (bytes, or with a K, M or G suffix).
Deleting the folder is always safe.

Example:
  pkgbuild cache trim --max 200M
`,
		run: runCache,
	})
}

func runCache(e *env, args []string) int {
	c := lookup("cache")
	fs := flag.NewFlagSet("cache", flag.ContinueOnError)
	dir := fs.String("cache-dir", "", "the cache folder")
	max := fs.String("max", "", "trim: the size to trim to (e.g. 500M)")
	pos, code, ok := parse(c, e, fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return e.report(fail(ExitUsage, "cache: want one of stats, trim, dir"))
	}
	path := *dir
	if path == "" {
		d, err := cache.DefaultDir()
		if err != nil {
			return e.report(fail(ExitUsage, "cache: %v", err))
		}
		path = d
	}
	cc, err := cache.Open(path)
	if err != nil {
		return e.report(fail(ExitIO, "cache: %v", err))
	}
	switch pos[0] {
	case "dir":
		fmt.Fprintln(e.stdout, cc.Dir())
	case "stats":
		n, size, err := cc.Stats()
		if err != nil {
			return e.report(fail(ExitIO, "cache: %v", err))
		}
		fmt.Fprintf(e.stdout, "%s: %d entries, %s\n", cc.Dir(), n, humanBytes(size))
	case "trim":
		limit, err := parseSize(*max)
		if err != nil {
			return e.report(fail(ExitUsage, "cache trim: --max: %v", err))
		}
		removed, err := cc.Trim(limit)
		if err != nil {
			return e.report(fail(ExitIO, "cache: %v", err))
		}
		n, size, _ := cc.Stats()
		fmt.Fprintf(e.stdout, "removed %d entries; %d entries, %s left\n", removed, n, humanBytes(size))
	default:
		return e.report(fail(ExitUsage, "cache: unknown subcommand %q; want stats, trim or dir", pos[0]))
	}
	return ExitOK
}

// parseSize reads "1048576", "512K", "200M" or "1G".
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("missing (e.g. --max 500M)")
	}
	mult := int64(1)
	switch strings.ToUpper(s[len(s)-1:]) {
	case "K":
		mult = 1 << 10
	case "M":
		mult = 1 << 20
	case "G":
		mult = 1 << 30
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	return n * mult, nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
