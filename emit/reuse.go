package emit

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
)

// A Layout says where the records of an archive Write wrote lie, and saves
// the state of its SHA-256 at some record starts: what WriteReusing needs
// to write the next archive at the same path from this one, when only
// later records change.
//
// A build that edits one source out of N writes the whole archive again:
// the digest is the SHA-256 of the file, and the file is replaced whole.
// With a Layout of the previous archive, the records before the first one
// that changed are copied from it by the kernel (copy_file_range on Linux,
// without reading them into the process), the hash resumes from the last
// state saved before them, and only the rest is read, hashed and written.
type Layout struct {
	Size    uint64     // the archive's size in bytes
	Cdir    uint64     // offset of its central directory
	Entries []EntryPos // one per record, in order
	Marks   []HashMark // ascending by Record, at least markEvery bytes apart

	// Reused is how many records, from the first, the write that returned
	// this Layout copied from the previous archive. It is not stored.
	Reused int
}

// EntryPos is one record's entry in an archive.
type EntryPos struct {
	Offset uint64 // of its local header
	Size   uint64 // of its data
	CRC    uint32 // of its data
}

// HashMark is the state of the archive's SHA-256 (its MarshalBinary form)
// after the bytes before record Record's local header.
type HashMark struct {
	Record int
	State  []byte
}

// markEvery is how many bytes at least lie between two HashMarks: a resumed
// write hashes at most this much, plus one record, of the old archive.
const markEvery = 1 << 20

// Reuse names the archive a previous Write left at the output path, by its
// Layout, and how many of the new records, from the first, are the same as
// that archive's (same names, same bytes, in the same order).
type Reuse struct {
	Layout Layout
	Same   int
}

// WriteReusing is Write, for a file output, starting from the archive that
// reuse describes when it can, and also returns the new archive's Layout.
// The archive it writes is byte for byte the one Write writes: the old
// archive's prefix is used only after checking it against the Layout (its
// size, the local header where the first new record starts, and the
// central directory entries of the records kept), and anything that does
// not match means a full write. A nil reuse, or a folder output, writes in
// full; a folder output has no Layout.
func WriteReusing(out string, recs []Record, reuse *Reuse) (digest [32]byte, layout Layout, err error) {
	if out != "" && os.IsPathSeparator(out[len(out)-1]) {
		digest, err = writeTree(out, recs)
	} else {
		digest, layout, err = writeFile(out, recs, reuse)
	}
	if err != nil {
		return [32]byte{}, Layout{}, fmt.Errorf("write %q: %w", out, err)
	}
	return digest, layout, nil
}

// resume prepares z, dst and h to go on from the archive at old as reuse
// describes it: dst holds the bytes before the first changed record,
// copied from old, h has hashed them, and z holds their central directory
// entries. It returns how many records were kept and their marks; 0 when
// the old archive cannot be used, and then z is untouched but dst and h
// must be reset.
func resume(old string, dst *os.File, h hash.Hash, z *zipWriter, top string, recs []Record, reuse *Reuse) (int, []HashMark) {
	lay, k := &reuse.Layout, reuse.Same
	if k <= 0 || k > len(recs) || k >= len(lay.Entries) || lay.Cdir > lay.Size {
		return 0, nil
	}
	f, err := os.Open(old)
	if err != nil {
		return 0, nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || uint64(fi.Size()) != lay.Size {
		return 0, nil
	}
	end := lay.Entries[k].Offset
	var sig [4]byte
	if end >= lay.Cdir || end > 1<<62 {
		return 0, nil
	}
	if _, err := f.ReadAt(sig[:], int64(end)); err != nil || binary.LittleEndian.Uint32(sig[:]) != sigLocal {
		return 0, nil
	}
	// The central directory entries of the kept records and of the first
	// changed one (its name is the same), as this write makes them, must
	// be the old archive's, byte for byte: that checks the names, offsets,
	// sizes and CRCs the Layout gave, and that record k starts where the
	// kept ones end.
	var cdir []byte
	kept := 0
	for i, e := range lay.Entries[:k+1] {
		if i > 0 && e.Offset <= lay.Entries[i-1].Offset {
			return 0, nil
		}
		if i == k {
			kept = len(cdir)
		}
		en := entry{name: top + "/" + recs[i].Name, ofs: e.Offset, size: e.Size, crc: e.CRC}
		cdir = en.appendCentral(cdir)
	}
	if uint64(len(cdir)) > lay.Size-lay.Cdir {
		return 0, nil
	}
	oldCdir := make([]byte, len(cdir))
	if _, err := f.ReadAt(oldCdir, int64(lay.Cdir)); err != nil || !bytes.Equal(oldCdir, cdir) {
		return 0, nil
	}
	cdir = cdir[:kept]

	// The hash: from the last state saved at or before record k. On any
	// failure from here on, the caller starts dst and h again.
	var marks []HashMark
	from := uint64(0)
	for _, m := range lay.Marks {
		if m.Record < 0 || m.Record > k {
			break
		}
		marks = append(marks, m)
	}
	if n := len(marks); n > 0 {
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(marks[n-1].State); err != nil {
			return 0, nil
		}
		from = lay.Entries[marks[n-1].Record].Offset
	}
	if _, err := io.Copy(h, io.NewSectionReader(f, int64(from), int64(end-from))); err != nil {
		return 0, nil
	}
	// The bytes themselves: copy_file_range from the old file, where the
	// system has it (io.Copy from a LimitedReader of an *os.File).
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, nil
	}
	if n, err := io.Copy(dst, io.LimitReader(f, int64(end))); err != nil || uint64(n) != end {
		return 0, nil
	}
	z.off, z.count, z.cdir, z.lastMark = end, uint64(k), cdir, from
	*z.entries = append(*z.entries, lay.Entries[:k]...)
	return k, marks
}

// MarshalBinary encodes a Layout for storage (pkgbuild keeps it in its
// action cache).
func (l *Layout) MarshalBinary() ([]byte, error) {
	b := []byte(layoutMagic)
	b = binary.AppendUvarint(b, l.Size)
	b = binary.AppendUvarint(b, l.Cdir)
	b = binary.AppendUvarint(b, uint64(len(l.Entries)))
	prev := uint64(0)
	for _, e := range l.Entries {
		b = binary.AppendUvarint(b, e.Offset-prev)
		b = binary.AppendUvarint(b, e.Size)
		b = binary.LittleEndian.AppendUint32(b, e.CRC)
		prev = e.Offset
	}
	b = binary.AppendUvarint(b, uint64(len(l.Marks)))
	for _, m := range l.Marks {
		b = binary.AppendUvarint(b, uint64(m.Record))
		b = binary.AppendUvarint(b, uint64(len(m.State)))
		b = append(b, m.State...)
	}
	return b, nil
}

const layoutMagic = "pkgbuild emit layout 1\n"

// maxMarkState bounds a saved hash state (SHA-256's is 108 bytes).
const maxMarkState = 256

var errBadLayout = errors.New("emit: bad layout encoding")

// UnmarshalBinary decodes what MarshalBinary encoded, checking every field
// (the bytes come from a cache that is not trusted): offsets ascending and
// within the archive, marks ascending and naming records.
func (l *Layout) UnmarshalBinary(b []byte) error {
	if !bytes.HasPrefix(b, []byte(layoutMagic)) {
		return errBadLayout
	}
	b = b[len(layoutMagic):]
	bad := false
	uvarint := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 || n != uvarintLen(v) { // one encoding per value
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	var out Layout
	out.Size, out.Cdir = uvarint(), uvarint()
	n := uvarint()
	if bad || out.Cdir > out.Size || n > uint64(len(b))/6 {
		return errBadLayout
	}
	out.Entries = make([]EntryPos, 0, n)
	off := uint64(0)
	for i := uint64(0); i < n && !bad; i++ {
		delta := uvarint()
		size := uvarint()
		if bad || len(b) < 4 || (i > 0 && delta == 0) || delta > out.Size-off {
			return errBadLayout
		}
		off += delta
		out.Entries = append(out.Entries, EntryPos{Offset: off, Size: size, CRC: binary.LittleEndian.Uint32(b)})
		b = b[4:]
	}
	if len(out.Entries) > 0 && out.Entries[len(out.Entries)-1].Offset >= out.Cdir {
		return errBadLayout
	}
	m := uvarint()
	if bad || m > uint64(len(out.Entries)) {
		return errBadLayout
	}
	for i := uint64(0); i < m; i++ {
		rec, size := uvarint(), uvarint()
		if bad || rec >= uint64(len(out.Entries)) || size > maxMarkState || size > uint64(len(b)) ||
			(i > 0 && int(rec) <= out.Marks[i-1].Record) {
			return errBadLayout
		}
		out.Marks = append(out.Marks, HashMark{Record: int(rec), State: bytes.Clone(b[:size])})
		b = b[size:]
	}
	if bad || len(b) != 0 {
		return errBadLayout
	}
	*l = out
	return nil
}

// uvarintLen is the length of v's shortest uvarint encoding.
func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}
