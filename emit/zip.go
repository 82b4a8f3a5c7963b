package emit

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"slices"
	"strings"
	"unicode/utf8"
)

// Zip constants, named after the miniz ones that torch's writer uses.
const (
	sigLocal      = 0x04034b50 // "PK\x03\x04"
	sigDescriptor = 0x08074b50 // "PK\x07\x08"
	sigCentral    = 0x02014b50 // "PK\x01\x02"
	sigZip64End   = 0x06064b50 // "PK\x06\x06"
	sigZip64Loc   = 0x07064b50 // "PK\x06\x07"
	sigEnd        = 0x06054b50 // "PK\x05\x06"

	zip64EndLen = 56
	zip64LocLen = 20
	endLen      = 22

	flagDescriptor = 0x0008 // sizes and CRC follow the data
	flagUTF8       = 0x0800 // the name is UTF-8

	// zip64Limit is miniz's MZ_UINT32_MAX: a size or offset at or above it
	// moves to a zip64 extra field (note: at, not only above).
	zip64Limit = 0xFFFFFFFF
	zip64ID    = 0x0001

	// alignment is torch's kFieldAlignment: every record's data starts at a
	// multiple of it, padded by an "FB" extra field in the local header.
	alignment = 64

	// maxNameLen is the longest full name (top folder included) a zip header holds.
	maxNameLen = 0xFFFF
)

// copyBufSize is the chunk a record is streamed in; a record no longer than
// this is read whole before its header is written, so its exact size is known.
const copyBufSize = 256 << 10

// A RecordError reports a record that WriteZip refuses before writing anything:
// a name that is not a clean relative slash path, a duplicate, or a record
// with both Data and Open set.
type RecordError struct {
	Index  int    // position in the record list
	Name   string // the record's name as given
	Reason string
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("record %d %q: %s", e.Index, e.Name, e.Reason)
}

// WriteZip writes recs, in the given order, as a torch.package archive under
// the top folder top: the bytes torch 1.13's PyTorchStreamWriter (miniz)
// writes for the same records written in the same order. It writes exactly
// the records it is given; torch's writer adds its version record itself at
// the end, so callers include it (see DataRecords). The package comment lists
// the layout rules.
//
// Before writing anything WriteZip checks every name and reports all bad or
// duplicate names together, as *RecordError values joined with errors.Join.
func WriteZip(w io.Writer, top string, recs []Record) error {
	if err := checkRecords(top, recs, false); err != nil {
		return err
	}
	return writeZip(w, top, recs, nil)
}

// checkTop reports whether top can be an archive's top folder.
func checkTop(top string) error {
	switch {
	case top == "":
		return errors.New("top folder is empty")
	case top == "." || top == "..":
		return fmt.Errorf("top folder %q is not a folder name", top)
	case strings.ContainsAny(top, "/\\\x00"):
		return fmt.Errorf("top folder %q contains a slash, backslash or NUL", top)
	case !utf8.ValidString(top):
		return fmt.Errorf("top folder %q is not valid UTF-8", top)
	}
	return nil
}

// checkName returns why name is not a clean relative slash path, or "".
func checkName(name string) string {
	switch {
	case name == "":
		return "empty name"
	case strings.HasPrefix(name, "/"):
		return "name starts with /; names are relative to the top folder"
	case strings.Contains(name, "\\"):
		return "name contains a backslash; use / as the separator"
	case strings.Contains(name, "\x00"):
		return "name contains a NUL byte"
	case !utf8.ValidString(name):
		return "name is not valid UTF-8 (the archive marks names as UTF-8)"
	}
	for _, seg := range strings.Split(name, "/") {
		switch seg {
		case "":
			return "name has an empty path segment (a doubled or trailing /)"
		case ".", "..":
			return fmt.Sprintf("name has a %q path segment", seg)
		}
	}
	return ""
}

// checkRecords validates top and every record, collecting all problems,
// ordered by record. With asTree it also refuses a name that is both a file
// and a folder ("a" and "a/b"), which a zip can hold but a directory cannot.
func checkRecords(top string, recs []Record, asTree bool) error {
	if err := checkTop(top); err != nil {
		return err
	}
	var errs []*RecordError
	bad := func(i int, name, format string, args ...any) {
		errs = append(errs, &RecordError{Index: i, Name: name, Reason: fmt.Sprintf(format, args...)})
	}
	first := make(map[string]int, len(recs))
	for i, r := range recs {
		if why := checkName(r.Name); why != "" {
			bad(i, r.Name, "%s", why)
			continue
		}
		if n := len(top) + 1 + len(r.Name); n > maxNameLen {
			bad(i, r.Name, "full name is %d bytes; a zip name holds at most %d", n, maxNameLen)
		}
		if r.Open != nil && r.Data != nil {
			bad(i, r.Name, "both Data and Open are set; set one")
		}
		if j, dup := first[r.Name]; dup {
			bad(i, r.Name, "duplicate name; record %d has it already", j)
			continue
		}
		first[r.Name] = i
	}
	if asTree {
		for i, r := range recs {
			if j, ok := first[r.Name]; !ok || j != i {
				continue // refused above
			}
			for k := range len(r.Name) {
				if r.Name[k] != '/' {
					continue
				}
				if j, ok := first[r.Name[:k]]; ok {
					bad(j, r.Name[:k], "is a file, but record %d %q needs it to be a folder", i, r.Name)
				}
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b *RecordError) int { return cmp.Compare(a.Index, b.Index) })
	joined := make([]error, len(errs))
	for i, e := range errs {
		joined[i] = e
	}
	return errors.Join(joined...)
}

// zipWriter lays out one archive. Only the central directory, which holds no
// record data, is kept in memory.
type zipWriter struct {
	w     io.Writer
	off   uint64 // bytes written so far
	buf   []byte // streaming buffer
	hdr   []byte // scratch for local headers and descriptors
	cdir  []byte // central directory, built as entries are written
	count uint64

	// For a Layout, when set: entries collects where each entry went, and
	// mark(record) is called at a record's start once markEvery bytes
	// have been written since the last mark.
	entries  *[]EntryPos
	mark     func(record int)
	lastMark uint64
	cdOfs    uint64 // where finish wrote the central directory
}

// writeZip writes the archive; recs must have passed checkRecords. If tee is
// set, each record's bytes are also copied to tee(name), which is closed after
// the record, so the unzipped tree and the zip come from a single read.
func writeZip(w io.Writer, top string, recs []Record, tee func(name string) (io.WriteCloser, error)) error {
	z := &zipWriter{w: w, buf: make([]byte, copyBufSize)}
	return z.writeRecords(top, recs, tee)
}

// writeRecords writes recs after what z wrote (or was given) so far, then
// the central directory and the end records.
func (z *zipWriter) writeRecords(top string, recs []Record, tee func(name string) (io.WriteCloser, error)) error {
	pf := newPrefetcher(recs)
	defer pf.close()
	for _, r := range recs {
		if err := z.add(top+"/"+r.Name, r.Name, pf, tee); err != nil {
			return fmt.Errorf("record %q: %w", r.Name, err)
		}
	}
	return z.finish()
}

func (z *zipWriter) write(p []byte) error {
	n, err := z.w.Write(p)
	z.off += uint64(n)
	if err == nil && n != len(p) {
		err = io.ErrShortWrite
	}
	return err
}

// add writes one entry (local header, data, data descriptor) and appends its
// central directory entry.
func (z *zipWriter) add(full, name string, pf *prefetcher, tee func(string) (io.WriteCloser, error)) (err error) {
	src, err := pf.take()
	if err != nil {
		return err
	}
	if len(full) > maxNameLen {
		src.close()
		return fmt.Errorf("full name is %d bytes; a zip name holds at most %d", len(full), maxNameLen)
	}
	defer func() {
		if cerr := src.close(); cerr != nil && err == nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}()
	var out io.Writer
	if tee != nil {
		wc, err := tee(name)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := wc.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}()
		out = wc
	}

	if z.mark != nil && z.off-z.lastMark >= markEvery {
		z.mark(int(z.count))
		z.lastMark = z.off
	}
	e := entry{name: full, ofs: z.off, size: src.size}
	z.hdr = e.appendLocal(z.hdr[:0])
	if err := z.write(z.hdr); err != nil {
		return err
	}
	n, crc, err := z.copy(src, out)
	if err != nil {
		return err
	}
	switch {
	case src.hinted && n != src.size:
		return fmt.Errorf("announced %d bytes but %d were read; did it change while being archived?", src.size, n)
	case !src.known && n >= zip64Limit:
		return fmt.Errorf("%d bytes from a reader with no Stat or Size method; a record of 4 GiB or more needs a known size", n)
	}
	e.size, e.crc = n, crc
	if e.size > 0 {
		z.hdr = e.appendDescriptor(z.hdr[:0])
		if err := z.write(z.hdr); err != nil {
			return err
		}
	}
	z.cdir = e.appendCentral(z.cdir)
	if z.entries != nil {
		*z.entries = append(*z.entries, EntryPos{Offset: e.ofs, Size: e.size, CRC: e.crc})
	}
	if uint64(len(z.cdir)) >= zip64Limit {
		return errors.New("central directory reaches 4 GiB, more than miniz supports")
	}
	z.count++
	return nil
}

// source is a record being read (see openSource).
type source struct {
	head   []byte    // bytes read ahead
	rest   io.Reader // the remaining bytes; nil if head is all
	size   uint64    // exact if known, else len(head) (then less than 4 GiB is assumed)
	known  bool      // size is exact, or announced (hinted)
	hinted bool      // size was announced by the reader; what is read must match it
	close  func() error
}

// sizeHint returns the size a reader announces before it is read: its Size
// (a bytes, strings or section reader, a cache.Input), else a regular file's
// Stat size.
func sizeHint(r io.Reader) (uint64, bool) {
	switch r := r.(type) {
	case interface{ Size() int64 }:
		if n := r.Size(); n >= 0 {
			return uint64(n), true
		}
	case interface{ Stat() (fs.FileInfo, error) }:
		fi, err := r.Stat()
		if err == nil && fi.Mode().IsRegular() && fi.Size() >= 0 {
			return uint64(fi.Size()), true
		}
	}
	return 0, false
}

// copy writes the source's bytes to the archive, and to out if set, and
// returns their count and CRC-32.
func (z *zipWriter) copy(src *source, out io.Writer) (n uint64, crc uint32, err error) {
	chunk := src.head
	for {
		if len(chunk) > 0 {
			crc = crc32.Update(crc, crc32.IEEETable, chunk)
			if err := z.write(chunk); err != nil {
				return n, crc, err
			}
			if out != nil {
				if _, err := out.Write(chunk); err != nil {
					return n, crc, err
				}
			}
			n += uint64(len(chunk))
		}
		if src.rest == nil {
			return n, crc, nil
		}
		m, err := src.rest.Read(z.buf)
		chunk = z.buf[:m]
		if err == io.EOF {
			src.rest = nil
		} else if err != nil {
			return n, crc, fmt.Errorf("read: %w", err)
		}
	}
}

// entry is one record's place in the archive.
type entry struct {
	name string // full name, top folder included
	ofs  uint64 // offset of the local header
	size uint64 // data size (stored: compressed = uncompressed)
	crc  uint32
}

// zip64 reports whether miniz gives the entry a zip64 extra field.
func (e *entry) zip64() bool { return e.size >= zip64Limit || e.ofs >= zip64Limit }

func (e *entry) flags() uint16 {
	if e.size == 0 {
		return flagUTF8 // no data, no descriptor
	}
	return flagUTF8 | flagDescriptor
}

// appendLocal appends the local header, name and extra field. miniz leaves
// CRC and sizes zero (they follow in the descriptor); its zip64 extra holds
// the size and a compressed size of 0 if the size is at the limit, and the
// offset if that is. Torch then adds its "FB" padding field.
func (e *entry) appendLocal(b []byte) []byte {
	b = le32(b, sigLocal)
	b = le16(b, 0) // version needed: 0 for stored
	b = le16(b, e.flags())
	b = le16(b, 0) // method: stored
	b = le16(b, 0) // time
	b = le16(b, 0) // date
	b = le32(b, 0) // CRC-32
	b = le32(b, 0) // compressed size
	b = le32(b, 0) // uncompressed size
	b = le16(b, uint16(len(e.name)))
	extraLen := len(b)
	b = le16(b, 0) // set below
	b = append(b, e.name...)
	extra := len(b)
	if e.zip64() {
		var fields []uint64
		if e.size >= zip64Limit {
			fields = append(fields, e.size, 0)
		}
		if e.ofs >= zip64Limit {
			fields = append(fields, e.ofs)
		}
		b = appendZip64Extra(b, fields...)
	}
	// torch's getPadding: align the data start, counting the 4-byte header
	// of the "FB" field, which is written even when no padding is needed.
	start := e.ofs + uint64(len(b)) + 4
	pad := (alignment - start%alignment) % alignment
	b = append(b, 'F', 'B', byte(pad), byte(pad>>8))
	for range pad {
		b = append(b, 'Z')
	}
	binary.LittleEndian.PutUint16(b[extraLen:], uint16(len(b)-extra))
	return b
}

// appendDescriptor appends the data descriptor: 32-bit sizes, or 64-bit ones
// whenever the entry has a zip64 extra field (miniz keys this on the extra
// field, not on the size).
func (e *entry) appendDescriptor(b []byte) []byte {
	b = le32(b, sigDescriptor)
	b = le32(b, e.crc)
	if e.zip64() {
		b = le64(b, e.size)
		return le64(b, e.size)
	}
	b = le32(b, uint32(e.size))
	return le32(b, uint32(e.size))
}

// appendCentral appends the central directory entry: sizes and offset
// capped at the limit, and a zip64 extra field with those that are.
func (e *entry) appendCentral(b []byte) []byte {
	b = le32(b, sigCentral)
	b = le16(b, 0) // version made by
	b = le16(b, 0) // version needed
	b = le16(b, e.flags())
	b = le16(b, 0) // method: stored
	b = le16(b, 0) // time
	b = le16(b, 0) // date
	b = le32(b, e.crc)
	b = le32(b, uint32(min(e.size, zip64Limit)))
	b = le32(b, uint32(min(e.size, zip64Limit)))
	b = le16(b, uint16(len(e.name)))
	extraLen := len(b)
	b = le16(b, 0) // set below
	b = le16(b, 0) // comment length
	b = le16(b, 0) // disk number
	b = le16(b, 0) // internal attributes
	b = le32(b, 0) // external attributes
	b = le32(b, uint32(min(e.ofs, zip64Limit)))
	b = append(b, e.name...)
	if e.zip64() {
		extra := len(b)
		var fields []uint64
		if e.size >= zip64Limit {
			fields = append(fields, e.size, e.size)
		}
		if e.ofs >= zip64Limit {
			fields = append(fields, e.ofs)
		}
		b = appendZip64Extra(b, fields...)
		binary.LittleEndian.PutUint16(b[extraLen:], uint16(len(b)-extra))
	}
	return b
}

// appendZip64Extra appends a zip64 extended information field holding
// fields, which the caller gives in the order the zip specification fixes:
// uncompressed size, compressed size, local header offset.
func appendZip64Extra(b []byte, fields ...uint64) []byte {
	b = le16(b, zip64ID)
	b = le16(b, uint16(8*len(fields)))
	for _, v := range fields {
		b = le64(b, v)
	}
	return b
}

// finish writes the central directory, the zip64 end record and locator
// (always, as miniz in zip64 mode does) and the classic end record.
func (z *zipWriter) finish() error {
	var cdOfs, cdLen uint64
	z.cdOfs = z.off
	if z.count > 0 { // miniz records offset 0 for an empty directory
		cdOfs, cdLen = z.off, uint64(len(z.cdir))
		if err := z.write(z.cdir); err != nil {
			return err
		}
	}
	end64 := z.off
	h := make([]byte, 0, zip64EndLen+zip64LocLen+endLen)
	h = le32(h, sigZip64End)
	h = le64(h, zip64EndLen-12) // size of the rest of the record
	h = le16(h, 0x031E)         // version made by: miniz's fixed value
	h = le16(h, 0x002D)         // version needed: 4.5, zip64
	h = le32(h, 0)              // this disk
	h = le32(h, 0)              // disk with the central directory
	h = le64(h, z.count)
	h = le64(h, z.count)
	h = le64(h, cdLen)
	h = le64(h, cdOfs)

	h = le32(h, sigZip64Loc)
	h = le32(h, 0) // disk with the zip64 end record
	h = le64(h, end64)
	h = le32(h, 1) // total disks

	h = le32(h, sigEnd)
	h = le16(h, 0) // this disk
	h = le16(h, 0) // disk with the central directory
	h = le16(h, uint16(min(z.count, 0xFFFF)))
	h = le16(h, uint16(min(z.count, 0xFFFF)))
	h = le32(h, uint32(min(cdLen, zip64Limit)))
	h = le32(h, uint32(min(cdOfs, zip64Limit)))
	h = le16(h, 0) // comment length
	return z.write(h)
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
