package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// FormatVersion is the version of the entry format and of the key lines.
// Changing either changes it, so a new pkgbuild never reads old entries.
const FormatVersion = 4

// Entry kinds, the last letter of an entry's file name.
const (
	kindScan   byte = 's'
	kindStat   byte = 'f'
	kindAction byte = 'a'
	kindPack   byte = 'p'
	kindLayout byte = 'l'
)

const (
	magic      = "pkgbuild"
	headerSize = 80
	// maxPayload bounds every payload but a pack's (maxPackPayload): a
	// reader never allocates more for an entry, whatever its header says.
	maxPayload = 64 << 20
	// maxString bounds one string in a payload (a path, a message).
	maxString = 1 << 20
)

// encodeEntry returns the bytes of the entry file for payload.
func encodeEntry(kind byte, key [32]byte, payload []byte) []byte {
	return append(entryHeader(kind, key, int64(len(payload)), sha256.Sum256(payload)), payload...)
}

// entryHeader returns the header of an entry whose payload is n bytes
// with the given sha256.
func entryHeader(kind byte, key [32]byte, n int64, sum [32]byte) []byte {
	b := make([]byte, headerSize)
	copy(b, magic)
	binary.LittleEndian.PutUint16(b[8:], FormatVersion)
	b[10] = kind
	binary.LittleEndian.PutUint32(b[12:], uint32(n))
	copy(b[16:48], key[:])
	copy(b[48:80], sum[:])
	return b
}

// maxPayloadOf bounds the payload of an entry of kind.
func maxPayloadOf(kind byte) int64 {
	if kind == kindPack {
		return maxPackPayload
	}
	return maxPayload
}

// decodeEntry checks the header of an entry file read whole and returns its
// payload. Any error means the entry is a miss.
func decodeEntry(data []byte, kind byte, key [32]byte) ([]byte, error) {
	if len(data) < headerSize {
		return nil, errors.New("truncated header")
	}
	if string(data[:8]) != magic {
		return nil, errors.New("bad magic")
	}
	if v := binary.LittleEndian.Uint16(data[8:]); v != FormatVersion {
		return nil, fmt.Errorf("format version %d, want %d", v, FormatVersion)
	}
	if data[10] != kind || data[11] != 0 {
		return nil, fmt.Errorf("kind %q, want %q", data[10], kind)
	}
	n := binary.LittleEndian.Uint32(data[12:])
	if int64(n) > maxPayloadOf(kind) || int64(len(data)-headerSize) != int64(n) {
		return nil, fmt.Errorf("payload is %d bytes, header says %d", len(data)-headerSize, n)
	}
	if !bytes.Equal(data[16:48], key[:]) {
		return nil, errors.New("foreign entry: key mismatch")
	}
	payload := data[headerSize:]
	if sum := sha256.Sum256(payload); !bytes.Equal(data[48:80], sum[:]) {
		return nil, errors.New("checksum mismatch")
	}
	return payload, nil
}

// encoder appends varints and length-prefixed strings.
type encoder struct{ b []byte }

func (e *encoder) byte(x byte)      { e.b = append(e.b, x) }
func (e *encoder) uvarint(x uint64) { e.b = binary.AppendUvarint(e.b, x) }
func (e *encoder) varint(x int64)   { e.b = binary.AppendVarint(e.b, x) }
func (e *encoder) int(x int)        { e.varint(int64(x)) }
func (e *encoder) bool(x bool) {
	if x {
		e.byte(1)
	} else {
		e.byte(0)
	}
}
func (e *encoder) string(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *encoder) sum(s [32]byte) { e.b = append(e.b, s[:]...) }

// decoder reads what encoder wrote. Its first error sticks: later reads
// return zero values, and err reports the first problem. It never panics and
// never allocates much more than the input's length: it reads a string
// holding the whole payload, so that the strings it returns share one
// allocation.
type decoder struct {
	s   string
	err error
}

func newDecoder(b []byte) *decoder { return &decoder{s: string(b)} }

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
	d.s = ""
}

func (d *decoder) byte() byte {
	if len(d.s) < 1 {
		d.fail("unexpected end")
		return 0
	}
	x := d.s[0]
	d.s = d.s[1:]
	return x
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad bool")
	return false
}

// uvarint reads what binary.AppendUvarint writes, and only that: a longer
// encoding of the same number (one ending in a zero byte) is an error.
func (d *decoder) uvarint() uint64 {
	var x uint64
	var shift uint
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		b := d.s[i]
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				break // overflow
			}
			if i > 0 && b == 0 {
				break // not the shortest encoding
			}
			d.s = d.s[i+1:]
			return x | uint64(b)<<shift
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	d.fail("bad varint")
	return 0
}

// varint reads what binary.AppendVarint writes.
func (d *decoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

// int reads a small integer: a line, a column, a level.
func (d *decoder) int() int {
	x := d.varint()
	if x < math.MinInt32 || x > math.MaxInt32 {
		d.fail("integer %d out of range", x)
		return 0
	}
	return int(x)
}

// count reads the length of a list whose elements take at least minSize
// bytes each, so that a corrupt count cannot make the reader allocate much
// more than the payload's size.
func (d *decoder) count(minSize int) int {
	n := d.uvarint()
	if n > uint64(len(d.s)/minSize) {
		d.fail("count %d: not enough bytes left (%d)", n, len(d.s))
		return 0
	}
	return int(n)
}

func (d *decoder) string() string { return d.stringMax(maxString) }

// stringMax reads a string of at most max bytes.
func (d *decoder) stringMax(max uint64) string {
	n := d.uvarint()
	if n > max || n > uint64(len(d.s)) {
		d.fail("string of %d bytes, %d left", n, len(d.s))
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

func (d *decoder) sum() (s [32]byte) {
	if len(d.s) < 32 {
		d.fail("unexpected end")
		return s
	}
	copy(s[:], d.s)
	d.s = d.s[32:]
	return s
}

// finish reports the first error, or trailing bytes.
func (d *decoder) finish() error {
	if d.err == nil && len(d.s) > 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.s))
	}
	return d.err
}
