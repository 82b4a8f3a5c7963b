package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var errBadSize = errors.New("entry size out of bounds")

// ErrOff is returned by DefaultDir when PKGBUILD_CACHE=off.
var ErrOff = errors.New("the cache is off (PKGBUILD_CACHE=off)")

// DefaultMaxBytes is the size past which Close trims the cache.
const DefaultMaxBytes = 1 << 30

// MtimeInterval is how stale an entry's mtime may get before a use updates
// it. Trim's notion of "least recently used" is this coarse.
const MtimeInterval = time.Hour

// trimInterval is how often Close checks the cache's size.
const trimInterval = 24 * time.Hour

// A Cache is a cache directory. Its methods are safe for concurrent use, and
// any number of processes may use one directory at once.
//
// A disabled Cache (from OpenOrDisable) finds nothing and stores nothing,
// but its methods still work: Scanner reads and parses every file, HashFile
// and InputsUnchanged read what they cannot vouch for.
type Cache struct {
	dir  string // absolute; "" when disabled
	warn io.Writer

	warnOnce sync.Once
	readOnly atomic.Bool // set after the first failed write

	pack *pack // nil until UsePack

	// scanned remembers what Scanner found each file to be (its hash and
	// fingerprint when it was read, or vouched for by its stat), so that
	// HashFile answers for it with neither a stat call nor a second read:
	// a build records the bytes it scanned, not what the file holds when
	// the build ends.
	scannedMu sync.Mutex
	scanned   map[string]scanned

	// Seams for tests.
	now         func() time.Time
	fingerprint func(fs.FileInfo) FileStat
	maxBytes    int64
	reads       atomic.Int64 // source files read (not entries)
}

func newCache(dir string, warn io.Writer) *Cache {
	if warn == nil {
		warn = io.Discard
	}
	return &Cache{dir: dir, warn: warn, now: time.Now, fingerprint: fileStat, maxBytes: DefaultMaxBytes}
}

// DefaultDir returns the cache directory to use: $PKGBUILD_CACHE, else
// $XDG_CACHE_HOME/pkgbuild, else ~/.cache/pkgbuild. PKGBUILD_CACHE=off
// returns ErrOff. A relative $PKGBUILD_CACHE is an error; a relative
// $XDG_CACHE_HOME is ignored, as the XDG specification says.
func DefaultDir() (string, error) {
	if dir := os.Getenv("PKGBUILD_CACHE"); dir != "" {
		if dir == "off" {
			return "", ErrOff
		}
		if !filepath.IsAbs(dir) {
			return "", fmt.Errorf("PKGBUILD_CACHE=%q is not an absolute path", dir)
		}
		return dir, nil
	}
	if dir := os.Getenv("XDG_CACHE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "pkgbuild"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", errors.New("no cache directory: set PKGBUILD_CACHE, XDG_CACHE_HOME or HOME")
	}
	return filepath.Join(home, ".cache", "pkgbuild"), nil
}

// Open opens the cache in dir, creating it if needed, and checks that it can
// write there. It is for commands that work on the cache itself (trimming,
// statistics); a build uses OpenOrDisable, which never fails. A Cache from
// Open reports no warnings: a later failure to write just stops writing.
func Open(dir string) (*Cache, error) {
	abs, err := openDir(dir)
	if err != nil {
		return nil, err
	}
	c := newCache(abs, nil)
	c.init()
	return c, nil
}

// Disabled returns a cache that stores nothing and finds nothing, for
// --no-cache: every method works and does no I/O on the cache's behalf.
func Disabled() *Cache { return newCache("", io.Discard) }

// OpenOrDisable opens the cache in dir (DefaultDir when dir is ""). If the
// directory cannot be used it writes one line to warn and returns a disabled
// cache; PKGBUILD_CACHE=off disables it without a warning. Whatever happens
// later (a full disk, a directory made read-only), warn gets at most one
// line in all from this Cache, and the build goes on. It never returns nil.
func OpenOrDisable(dir string, warn io.Writer) *Cache {
	c := newCache("", warn)
	if dir == "" {
		d, err := DefaultDir()
		if errors.Is(err, ErrOff) {
			return c
		}
		if err != nil {
			c.warnf("pkgbuild: warning: %v; building without a cache", err)
			return c
		}
		dir = d
	}
	abs, err := openDir(dir)
	if err != nil {
		c.warnf("pkgbuild: warning: %v; building without a cache", err)
		return c
	}
	c.dir = abs
	c.init()
	return c
}

// openDir creates dir if needed and checks that files can be created in it:
// a read-only mount (a Bazel sandbox) lets us see a directory but not write.
func openDir(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("open cache: empty directory name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("open cache %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o777); err != nil {
		return "", fmt.Errorf("open cache: %w", err)
	}
	if err := writable(abs); err != nil {
		return "", fmt.Errorf("open cache: %w", err)
	}
	return abs, nil
}

// init writes the files that explain the directory, once.
func (c *Cache) init() {
	c.writeIfMissing("README", readme)
	c.writeIfMissing("CACHEDIR.TAG", cachedirTag)
}

// Dir returns the cache's directory, or "" if the cache is disabled.
func (c *Cache) Dir() string { return c.dir }

// warnf prints the Cache's one warning, on one line.
func (c *Cache) warnf(format string, args ...any) {
	c.warnOnce.Do(func() {
		msg := strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")
		fmt.Fprintln(c.warn, msg)
	})
}

func (c *Cache) disabled() bool { return c.dir == "" }

// writeFailed stops writing after the first failure, and says so once.
func (c *Cache) writeFailed(err error) {
	c.readOnly.Store(true)
	c.warnf("pkgbuild: warning: cannot write to the cache: %v; continuing without caching", err)
}

// entryPath is <dir>/<first byte in hex>/<key in hex>-<kind>.
func (c *Cache) entryPath(key [32]byte, kind byte) string {
	var name [64 + 2]byte
	hex.Encode(name[:64], key[:])
	name[64], name[65] = '-', kind
	return c.dir + string(filepath.Separator) + string(name[:2]) + string(filepath.Separator) + string(name[:])
}

// get returns the payload of the entry for key, or false for a miss: no
// entry, or one that is corrupt, truncated or foreign.
func (c *Cache) get(kind byte, key [32]byte) ([]byte, bool) {
	if c.disabled() {
		return nil, false
	}
	if c.packed(kind) {
		return c.getPacked(kind, key)
	}
	path := c.entryPath(key, kind)
	data, mtime, err := readEntryFile(path, maxPayloadOf(kind))
	if err != nil {
		return nil, false
	}
	payload, err := decodeEntry(data, kind, key)
	if err != nil {
		return nil, false
	}
	c.used(path, mtime)
	return payload, true
}

// readEntryFile reads an entry file whole and returns its mtime.
func readEntryFile(path string, maxPayload int64) ([]byte, time.Time, error) {
	f, err := OpenInput(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	fi := f.Info()
	if fi.Size() < headerSize || fi.Size() > headerSize+maxPayload {
		return nil, time.Time{}, errBadSize
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, time.Time{}, err
	}
	return data, fi.ModTime(), nil
}

// used marks an entry as recently used for Trim, at most once per
// MtimeInterval, so that hits cost no write almost always.
func (c *Cache) used(path string, mtime time.Time) {
	now := c.now()
	if now.Sub(mtime) < MtimeInterval || c.readOnly.Load() {
		return
	}
	os.Chtimes(path, now, now) // best effort: an entry is as good with a stale mtime
}

// put stores an entry, replacing any entry with the same key.
func (c *Cache) put(kind byte, key [32]byte, payload []byte) {
	if c.disabled() || c.readOnly.Load() {
		return
	}
	if len(payload) > maxPayload {
		return // never written, so never a reader's problem
	}
	if c.packed(kind) {
		c.putPacked(kind, key, payload)
		return
	}
	header := entryHeader(kind, key, int64(len(payload)), sha256.Sum256(payload))
	err := c.writeAtomicWith(c.entryPath(key, kind), func(f *os.File) error {
		// Two writes: an action's payload can be a few hundred KiB, not
		// worth copying behind its header.
		if _, err := f.Write(header); err != nil {
			return err
		}
		_, err := f.Write(payload)
		return err
	})
	if err != nil {
		c.writeFailed(err)
	}
}

// writeAtomic writes data to a temporary file beside path and renames it to
// path, so that readers see all of it or none of it.
func (c *Cache) writeAtomic(path string, data []byte) error {
	return c.writeAtomicWith(path, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// writeAtomicWith is writeAtomic with the bytes written by fill.
func (c *Cache) writeAtomicWith(path string, fill func(*os.File) error) error {
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, tempName())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return err
		}
		f, err = os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	}
	if err != nil {
		return err
	}
	err = fill(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
		if err != nil {
			if _, serr := os.Stat(path); serr == nil {
				// Someone else wrote it and it cannot be replaced right
				// now (Windows, open by a reader): theirs is as good.
				err = nil
			}
		}
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// tempName is a name no other writer, in this process or another, picks.
func tempName() string {
	return fmt.Sprintf(".tmp-%d-%016x", os.Getpid(), rand.Uint64())
}

func (c *Cache) writeIfMissing(name, content string) {
	path := filepath.Join(c.dir, name)
	if _, err := os.Stat(path); err == nil {
		return
	}
	if err := c.writeAtomic(path, []byte(content)); err != nil {
		c.writeFailed(err)
	}
}

const readme = `This directory holds pkgbuild's cache: scan results, file fingerprints and
build results, so that rebuilds only redo what changed. It is safe to delete
at any time. pkgbuild removes the least recently used entries when it grows
past 1 GiB, checking at most once a day.
Set PKGBUILD_CACHE to move it, or PKGBUILD_CACHE=off to disable it.
`

// cachedirTag marks the directory for backup tools (https://bford.info/cachedir/).
const cachedirTag = `Signature: 8a477f597d28d172789f06886806bc55
# This file is a cache directory tag created by pkgbuild.
# For information about cache directory tags, see:
#	https://bford.info/cachedir/
`

// errNotRegular is why OpenInput refuses a folder, a named pipe, a socket
// or a device: pkgbuild reads its inputs whole, and reading a pipe would
// wait for a writer forever.
var errNotRegular = errors.New("not a regular file")

// notRegular is errNotRegular naming the kind of file found.
func notRegular(m fs.FileMode) error {
	kind := "a special file"
	switch {
	case m.IsDir():
		kind = "a folder"
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m&fs.ModeDevice != 0:
		kind = "a device"
	}
	return fmt.Errorf("%w: %s (pkgbuild reads inputs whole; remove it or leave it out of the roots)", errNotRegular, kind)
}
