package cache

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"
)

// maxPackPayload bounds a pack's payload: a pack holds an entry per file of
// a tree, about 600 bytes each, so this is room for over a million files.
const maxPackPayload = 1 << 30

// A pack holds, in memory, the scan and stat entries of one build, and is
// stored as a single entry of kind 'p' when the Cache is closed. See
// UsePack.
type pack struct {
	key [32]byte

	mu     sync.Mutex
	loaded bool
	have   map[entryID]string // the pack on disk, as it was read
	used   map[entryID]string // what this build found or stored
	dirty  bool               // used holds a payload that have does not
	// complete is set by UsedAll: what the build used is all the next
	// build needs.
	complete bool
}

type entryID struct {
	kind byte
	key  [32]byte
}

// UsePack gathers the scan and stat entries of this Cache into one pack
// named by name (pkgbuild names a manifest's pack by the manifest's
// absolute path). Call it before the first lookup.
//
// A build that resolves a tree of N files would otherwise read 2N small
// entry files, and on a cold cache write 2N: creating a file and renaming
// it costs far more than parsing most Python files. With a pack, the first
// lookup reads one file, lookups and stores then stay in memory, and Close
// writes one file, only if something changed. Entries keep their keys, so a
// pack is content-addressed inside just as the directory is.
//
// The pack Close writes holds every entry the build looked up and found,
// and every entry it stored; after UsedAll, only those, and otherwise the
// rest of the pack too.
func (c *Cache) UsePack(name string) {
	if c.disabled() {
		return
	}
	c.pack = &pack{key: packKey(name)}
}

// UsedAll tells the cache that this build looked up every entry a build
// of the same name needs (it resolved the whole graph), so that Close drops
// the rest of the pack: the entries of files' old bytes, of files no
// longer in the graph. Without it, a pack would grow with every edit; a
// build that checked a few inputs, or rescanned a few files, does not call
// it and keeps what it did not look at.
func (c *Cache) UsedAll() {
	if p := c.pack; p != nil {
		p.mu.Lock()
		c.loadPack()
		p.complete = true
		p.mu.Unlock()
	}
}

func packKey(name string) [32]byte {
	return sha256.Sum256([]byte("pkgbuild pack v" + strconv.Itoa(FormatVersion) + "\nname " + strconv.Quote(name) + "\n"))
}

// packed reports whether entries of kind live in the pack.
func (c *Cache) packed(kind byte) bool {
	return c.pack != nil && (kind == kindScan || kind == kindStat)
}

// getPacked is get for an entry that lives in the pack.
func (c *Cache) getPacked(kind byte, key [32]byte) ([]byte, bool) {
	p := c.pack
	p.mu.Lock()
	defer p.mu.Unlock()
	c.loadPack()
	id := entryID{kind, key}
	payload, ok := p.used[id]
	if !ok {
		payload, ok = p.have[id]
		if !ok {
			return nil, false
		}
		p.used[id] = payload
	}
	return []byte(payload), true
}

// putPacked is put for an entry that lives in the pack.
func (c *Cache) putPacked(kind byte, key [32]byte, payload []byte) {
	p := c.pack
	p.mu.Lock()
	defer p.mu.Unlock()
	c.loadPack()
	id := entryID{kind, key}
	p.used[id] = string(payload)
	if old, ok := p.have[id]; !ok || old != string(payload) {
		p.dirty = true
	}
}

// loadPack reads the pack on first use. A pack that is missing, corrupt,
// truncated or foreign is an empty one. p.mu is held.
func (c *Cache) loadPack() {
	p := c.pack
	if p.loaded {
		return
	}
	p.loaded = true
	p.used = map[entryID]string{}
	payload, ok := c.get(kindPack, p.key)
	if !ok {
		return
	}
	have, err := decodePack(payload)
	if err != nil {
		return
	}
	p.have = have
}

// flushPack writes the pack if this build changed it. Close calls it.
func (c *Cache) flushPack() {
	p := c.pack
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.loaded {
		return
	}
	entries := p.used
	if p.complete {
		if !p.dirty && len(p.used) == len(p.have) {
			return
		}
	} else {
		if !p.dirty {
			return
		}
		entries = make(map[entryID]string, len(p.have)+len(p.used))
		for id, v := range p.have {
			entries[id] = v
		}
		for id, v := range p.used {
			entries[id] = v
		}
	}
	if c.readOnly.Load() {
		return
	}
	if err := c.writePack(p.key, entries); err != nil {
		c.writeFailed(err)
	}
}

// Pack payload: count entries, then each, sorted by kind and key:
// kind byte, key [32]byte, payload string.
const minPackEntrySize = 1 + 32 + 1

// writePack writes a pack entry, streaming its payload: a large tree's pack
// is tens of megabytes, and a build should not hold it twice.
func (c *Cache) writePack(key [32]byte, entries map[entryID]string) error {
	ids := make([]entryID, 0, len(entries))
	size := int64(binary.MaxVarintLen64)
	for id, v := range entries {
		ids = append(ids, id)
		size += minPackEntrySize + binary.MaxVarintLen64 + int64(len(v))
	}
	if size > maxPackPayload {
		return nil // never written, so never a reader's problem
	}
	slices.SortFunc(ids, func(a, b entryID) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), slices.Compare(a.key[:], b.key[:]))
	})
	return c.writeAtomicWith(c.entryPath(key, kindPack), func(f *os.File) error {
		if _, err := f.Write(make([]byte, headerSize)); err != nil {
			return err
		}
		h := sha256.New()
		w := bufio.NewWriterSize(io.MultiWriter(f, h), 256<<10)
		var n int64
		put := func(b []byte) {
			if nn, err := w.Write(b); err == nil {
				n += int64(nn)
			}
		}
		var scratch [binary.MaxVarintLen64]byte
		put(binary.AppendUvarint(scratch[:0], uint64(len(ids))))
		for _, id := range ids {
			v := entries[id]
			put([]byte{id.kind})
			put(id.key[:])
			put(binary.AppendUvarint(scratch[:0], uint64(len(v))))
			if nn, err := w.WriteString(v); err == nil {
				n += int64(nn)
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		var sum [32]byte
		h.Sum(sum[:0])
		_, err := f.WriteAt(entryHeader(kindPack, key, n, sum), 0)
		return err
	})
}

// decodePack reads a pack's payload into a map. The strings share the
// payload's one allocation.
func decodePack(b []byte) (map[entryID]string, error) {
	d := newDecoder(b)
	n := d.count(minPackEntrySize)
	m := make(map[entryID]string, n)
	for i := 0; i < n && d.err == nil; i++ {
		var id entryID
		id.kind = d.byte()
		id.key = d.sum()
		if id.kind != kindScan && id.kind != kindStat {
			d.fail("entry of kind %q in a pack", id.kind)
		}
		if _, dup := m[id]; dup {
			d.fail("entry %x-%c twice", id.key, id.kind)
		}
		m[id] = d.stringMax(maxPayload)
	}
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	return m, nil
}
