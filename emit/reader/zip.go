package reader

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
)

// Zip record signatures and sizes (APPNOTE.TXT, sections 4.3.7 to 4.3.16).
const (
	sigLocal     = 0x04034b50
	sigCentral   = 0x02014b50
	sigEnd       = 0x06054b50
	sigEnd64     = 0x06064b50
	sigLocator64 = 0x07064b50

	localLen     = 30
	centralLen   = 46
	endLen       = 22
	end64Len     = 56
	locator64Len = 20

	maxComment = 0xffff

	methodStored  = 0
	methodDeflate = 8

	// maxDeflateRatio bounds a deflated record's declared size by its
	// compressed size: deflate cannot expand one byte into more than 1032
	// (a 258-byte match costs at least two bits), plus a few bytes for the
	// block headers of a tiny stream.
	maxDeflateRatio = 1032
	deflateSlack    = 64
)

// entry is one zip record, as the central directory declares it and Open
// checked it.
type entry struct {
	name   string // full name, with the top folder
	method uint16
	flags  uint16
	crc    uint32
	csize  uint64 // compressed size
	usize  uint64 // uncompressed size
	hdrOff uint64 // offset of the local header
	data   int64  // offset of the first byte of data
	dir    bool   // a directory entry: name ends with "/"
}

// le reads little-endian fields from a byte slice, recording whether it
// ran out.
type le struct {
	b   []byte
	bad bool
}

func (r *le) u16() uint16 {
	if len(r.b) < 2 {
		r.bad = true
		r.b = nil
		return 0
	}
	v := binary.LittleEndian.Uint16(r.b)
	r.b = r.b[2:]
	return v
}

func (r *le) u32() uint32 {
	if len(r.b) < 4 {
		r.bad = true
		r.b = nil
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *le) u64() uint64 {
	if len(r.b) < 8 {
		r.bad = true
		r.b = nil
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *le) bytes(n int) []byte {
	if n < 0 || len(r.b) < n {
		r.bad = true
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// readAt reads exactly n bytes at off; n is always bounded by the caller
// against the file size first.
func readAt(r io.ReaderAt, off int64, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil && !(err == io.EOF && n == 0) {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

// readZip parses and checks the central directory of a zip of the given
// size. It returns the entries in central directory order.
func readZip(z *zipFile) ([]*entry, error) {
	r, size := z.r, z.size
	if size >= 8 {
		magic, err := readAt(r, 0, 8)
		if err != nil {
			return nil, z.errf("", "read: %v", err)
		}
		if string(magic) == "PYTORCH1" {
			return nil, z.errf("", "file is an unsupported archive format from the preview release (PYTORCH1)")
		}
	}
	if size < endLen {
		return nil, z.errf("", "not a zip file: %d bytes is too short for an end of central directory record", size)
	}

	// The end of central directory record is the last 22 bytes, unless the
	// archive has a comment; search back at most the longest comment.
	tailLen := min(size, endLen+maxComment)
	tail, err := readAt(r, size-tailLen, int(tailLen))
	if err != nil {
		return nil, z.errf("", "read: %v", err)
	}
	endAt := -1
	for i := len(tail) - endLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(tail[i:]) != sigEnd {
			continue
		}
		// The comment must end exactly at the end of the file.
		if int(binary.LittleEndian.Uint16(tail[i+20:])) == len(tail)-i-endLen {
			endAt = i
			break
		}
	}
	if endAt < 0 {
		return nil, z.errf("", "not a zip file, or a truncated one: no end of central directory record")
	}
	endOff := size - tailLen + int64(endAt)
	er := le{b: tail[endAt+4:]}
	disk, cdDisk := er.u16(), er.u16()
	diskEntries, entries16 := er.u16(), er.u16()
	cdSize32, cdOff32 := er.u32(), er.u32()

	var (
		nEntries = uint64(entries16)
		cdSize   = uint64(cdSize32)
		cdOff    = uint64(cdOff32)
		limit    = endOff // the central directory must end here
	)
	hasLocator := false
	if endOff >= locator64Len {
		loc, err := readAt(r, endOff-locator64Len, locator64Len)
		if err != nil {
			return nil, z.errf("", "read: %v", err)
		}
		hasLocator = binary.LittleEndian.Uint32(loc) == sigLocator64
		if hasLocator {
			lr := le{b: loc[4:]}
			end64Disk, end64Off, disks := lr.u32(), lr.u64(), lr.u32()
			if end64Disk != 0 || disks != 1 {
				return nil, z.errf("", "zip64 locator declares %d disks: multi-disk archives are not supported", disks)
			}
			locOff := endOff - locator64Len
			if end64Off > uint64(locOff) || uint64(locOff)-end64Off < end64Len {
				return nil, z.errf("", "zip64 locator points at offset %d, which leaves no room for a zip64 end record before the locator at %d", end64Off, locOff)
			}
			e64, err := readAt(r, int64(end64Off), end64Len)
			if err != nil {
				return nil, z.errf("", "read: %v", err)
			}
			r64 := le{b: e64}
			if r64.u32() != sigEnd64 {
				return nil, z.errf("", "no zip64 end of central directory record at offset %d, where the locator points", end64Off)
			}
			// The record (with no extensible data, as every writer
			// makes it) ends where the locator begins.
			if recSize := r64.u64(); recSize != uint64(locOff)-end64Off-12 {
				return nil, z.errf("", "zip64 end record at offset %d declares %d bytes, but the locator is %d bytes after it", end64Off, recSize+12, uint64(locOff)-end64Off)
			}
			r64.u16() // version made by
			r64.u16() // version needed
			d64, cd64Disk := r64.u32(), r64.u32()
			dEntries64, entries64 := r64.u64(), r64.u64()
			cdSize64, cdOff64 := r64.u64(), r64.u64()
			if d64 != 0 || cd64Disk != 0 || dEntries64 != entries64 {
				return nil, z.errf("", "zip64 end record declares several disks: multi-disk archives are not supported")
			}
			// The classic record repeats each value, or saturates it.
			if (entries16 != 0xffff && uint64(entries16) != entries64) ||
				(cdSize32 != 0xffffffff && uint64(cdSize32) != cdSize64) ||
				(cdOff32 != 0xffffffff && uint64(cdOff32) != cdOff64) {
				return nil, z.errf("", "the zip64 and classic end records disagree (entries %d/%d, size %d/%d, offset %d/%d)",
					entries64, entries16, cdSize64, cdSize32, cdOff64, cdOff32)
			}
			nEntries, cdSize, cdOff = entries64, cdSize64, cdOff64
			limit = int64(end64Off)
		}
	}
	if !hasLocator {
		if disk != 0 || cdDisk != 0 || diskEntries != entries16 {
			return nil, z.errf("", "end record declares several disks: multi-disk archives are not supported")
		}
		if entries16 == 0xffff || cdSize32 == 0xffffffff || cdOff32 == 0xffffffff {
			return nil, z.errf("", "end record declares zip64 values, but there is no zip64 locator")
		}
	}
	if cdOff > uint64(limit) || cdSize != uint64(limit)-cdOff {
		switch {
		case cdOff > uint64(limit) || cdSize > uint64(limit)-cdOff:
			return nil, z.errf("", "central directory (offset %d, %d bytes) runs past its end record at offset %d: the file is truncated or corrupt", cdOff, cdSize, limit)
		default:
			return nil, z.errf("", "%d unexplained bytes between the central directory and its end record", uint64(limit)-cdOff-cdSize)
		}
	}
	if nEntries > cdSize/centralLen {
		return nil, z.errf("", "end record declares %d records, but a central directory of %d bytes holds at most %d", nEntries, cdSize, cdSize/centralLen)
	}
	if nEntries == 0 {
		return nil, z.errf("", "archive does not contain any files")
	}

	// cdSize <= limit <= size: the allocation is bounded by the file.
	cd, err := readAt(r, int64(cdOff), int(cdSize))
	if err != nil {
		return nil, z.errf("", "read central directory: %v", err)
	}
	entries := make([]*entry, 0, nEntries)
	cr := le{b: cd}
	for i := uint64(0); i < nEntries; i++ {
		at := cdSize - uint64(len(cr.b))
		e, err := z.parseCentral(&cr, i, at)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	if len(cr.b) != 0 {
		return nil, z.errf("", "central directory has %d bytes after its %d declared records", len(cr.b), nEntries)
	}

	// Local headers: each must match its central entry, and its data must
	// lie before the central directory.
	for _, e := range entries {
		if err := z.checkLocal(e, cdOff); err != nil {
			return nil, err
		}
	}
	// No two records may share bytes: sort by offset and compare each
	// record's extent with the next record's header.
	byOff := append([]*entry(nil), entries...)
	sort.Slice(byOff, func(i, j int) bool { return byOff[i].hdrOff < byOff[j].hdrOff })
	for i := 1; i < len(byOff); i++ {
		prev, cur := byOff[i-1], byOff[i]
		if uint64(prev.data)+prev.csize > cur.hdrOff {
			return nil, z.errf(cur.name, "record overlaps the data of record %q (offsets %d and %d)", prev.name, prev.hdrOff, cur.hdrOff)
		}
	}
	return entries, nil
}

// parseCentral parses the central directory entry at r.
func (z *zipFile) parseCentral(r *le, i, at uint64) (*entry, error) {
	if len(r.b) < centralLen {
		return nil, z.errf("", "central directory is truncated at record %d (offset %d in the directory)", i, at)
	}
	if r.u32() != sigCentral {
		return nil, z.errf("", "central directory record %d (offset %d in the directory) has a bad signature", i, at)
	}
	r.u16() // version made by
	r.u16() // version needed
	e := &entry{}
	e.flags = r.u16()
	e.method = r.u16()
	r.u32() // time, date
	e.crc = r.u32()
	csize32, usize32 := r.u32(), r.u32()
	nameLen, extraLen, commentLen := int(r.u16()), int(r.u16()), int(r.u16())
	disk := r.u16()
	r.u16() // internal attributes
	r.u32() // external attributes
	off32 := r.u32()
	rawName := r.bytes(nameLen)
	extra := r.bytes(extraLen)
	r.bytes(commentLen)
	if r.bad {
		return nil, z.errf("", "central directory is truncated in record %d (offset %d in the directory)", i, at)
	}
	e.name = string(rawName)
	e.csize, e.usize, e.hdrOff = uint64(csize32), uint64(usize32), uint64(off32)

	// Zip64 extended information: the saturated fields, in this order.
	needU, needC, needO, needD := usize32 == 0xffffffff, csize32 == 0xffffffff, off32 == 0xffffffff, disk == 0xffff
	x := le{b: extra}
	for len(x.b) > 0 {
		id, n := x.u16(), int(x.u16())
		body := x.bytes(n)
		if x.bad {
			return nil, z.errf(e.name, "malformed extra field in the central directory")
		}
		if id != 0x0001 {
			continue
		}
		b := le{b: body}
		if needU {
			e.usize, needU = b.u64(), false
		}
		if needC {
			e.csize, needC = b.u64(), false
		}
		if needO {
			e.hdrOff, needO = b.u64(), false
		}
		if needD {
			disk, needD = uint16(b.u32()), false
		}
		if b.bad {
			return nil, z.errf(e.name, "zip64 extra field is too short for the sizes it must hold")
		}
	}
	if needU || needC || needO || needD {
		return nil, z.errf(e.name, "central directory entry declares zip64 values but has no zip64 extra field")
	}
	if disk != 0 {
		return nil, z.errf(e.name, "record is on disk %d: multi-disk archives are not supported", disk)
	}
	if e.flags&0x41 != 0 || e.flags&0x2000 != 0 {
		return nil, z.errf(e.name, "record is encrypted")
	}
	if e.csize > uint64(z.size) {
		return nil, z.errf(e.name, "record declares %d bytes, more than the %d-byte file holds", e.csize, z.size)
	}
	switch e.method {
	case methodStored:
		if e.csize != e.usize {
			return nil, z.errf(e.name, "stored record declares %d bytes compressed but %d uncompressed", e.csize, e.usize)
		}
	case methodDeflate:
		if e.usize > e.csize*maxDeflateRatio+deflateSlack {
			return nil, z.errf(e.name, "deflated record declares %d bytes from %d compressed, more than deflate can produce (a zip bomb?)", e.usize, e.csize)
		}
	default:
		return nil, z.errf(e.name, "unsupported compression method %d (only stored and deflate are)", e.method)
	}
	if len(e.name) > 0 && e.name[len(e.name)-1] == '/' {
		e.dir = true
		if e.usize != 0 {
			return nil, z.errf(e.name, "directory entry holds %d bytes", e.usize)
		}
	}
	return e, nil
}

// checkLocal reads e's local header and sets e.data.
func (z *zipFile) checkLocal(e *entry, cdOff uint64) error {
	if e.hdrOff > cdOff || cdOff-e.hdrOff < localLen {
		return z.errf(e.name, "local header offset %d is not before the central directory at %d", e.hdrOff, cdOff)
	}
	hdr, err := readAt(z.r, int64(e.hdrOff), localLen)
	if err != nil {
		return z.errf(e.name, "read local header: %v", err)
	}
	h := le{b: hdr}
	if h.u32() != sigLocal {
		return z.errf(e.name, "no local header at offset %d", e.hdrOff)
	}
	h.u16() // version needed
	flags, method := h.u16(), h.u16()
	h.u32() // time, date
	crc, csize, usize := h.u32(), h.u32(), h.u32()
	nameLen, extraLen := uint64(h.u16()), uint64(h.u16())
	data := e.hdrOff + localLen + nameLen + extraLen
	if data > cdOff || e.csize > cdOff-data {
		return z.errf(e.name, "record data (offset %d, %d bytes) runs into the central directory at %d", data, e.csize, cdOff)
	}
	name, err := readAt(z.r, int64(e.hdrOff+localLen), int(nameLen))
	if err != nil {
		return z.errf(e.name, "read local header: %v", err)
	}
	if !bytes.Equal(name, []byte(e.name)) {
		return z.errf(e.name, "local header at offset %d names %q instead", e.hdrOff, name)
	}
	if method != e.method {
		return z.errf(e.name, "local header says compression method %d, central directory %d", method, e.method)
	}
	if flags&0x41 != 0 || flags&0x2000 != 0 {
		return z.errf(e.name, "record is encrypted")
	}
	if flags&0x8 == 0 {
		// No data descriptor: the local header carries CRC and sizes,
		// saturated when a zip64 extra field holds them.
		if crc != e.crc ||
			(csize != 0xffffffff && uint64(csize) != e.csize) ||
			(usize != 0xffffffff && uint64(usize) != e.usize) {
			return z.errf(e.name, "local header (CRC %08x, sizes %d/%d) disagrees with the central directory (CRC %08x, sizes %d/%d)",
				crc, csize, usize, e.crc, e.csize, e.usize)
		}
	}
	e.data = int64(data)
	return nil
}

// zipError is shorthand used by readZip.
func (z *zipFile) errf(record, format string, args ...any) *Error {
	return &Error{Archive: z.path, Record: record, Msg: fmt.Sprintf(format, args...)}
}
