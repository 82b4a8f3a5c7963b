package emit

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// goldenRecords are the records of testdata/torch113.pt, which torch 1.13's
// PyTorchFileWriter wrote with top folder "x" after set_min_version(6), so
// that its own ".data/version" ends the list. TestWriteZipMatchesTorch -update
// regenerates it.
func goldenRecords() []Record {
	return []Record{
		{Name: "empty"},
		{Name: "one", Data: []byte("1")},
		{Name: "pkg/sixty_three.bin", Data: pattern(63, 63)},
		{Name: "pkg/sixty_four.bin", Data: pattern(64, 64)},
		{Name: "pkg/sixty_five.bin", Data: pattern(65, 65)},
		{Name: "données/π.txt", Data: []byte("unicode name\n")},
		{Name: ".data/version", Data: []byte("6\n")},
	}
}

const goldenPath = "testdata/torch113.pt"

func TestWriteZipMatchesGolden(t *testing.T) {
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, "WriteZip vs "+goldenPath, zipBytes(t, "x", goldenRecords()), want)
}

// TestLayout checks the layout rules of the package comment one by one on an
// archive read back with archive/zip.
func TestLayout(t *testing.T) {
	recs := []Record{
		{Name: "empty"},
		{Name: "a.py", Data: []byte("print('a')\n")},
		{Name: "pkg/b.bin", Data: pattern(1000, 1)},
		{Name: "pkg/sub/c.txt", Data: pattern(64, 2)},
	}
	b := zipBytes(t, "top", recs)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != len(recs) {
		t.Fatalf("%d entries, want %d", len(zr.File), len(recs))
	}
	var next int64 // where the next local header must start
	for i, f := range zr.File {
		r := recs[i]
		if want := "top/" + r.Name; f.Name != want {
			t.Errorf("entry %d is %q, want %q (record order, under the top folder)", i, f.Name, want)
		}
		if f.Method != zip.Store {
			t.Errorf("%s: method %d, want stored", f.Name, f.Method)
		}
		wantFlags := uint16(0x0808)
		if len(r.Data) == 0 {
			wantFlags = 0x0800
		}
		if f.Flags != wantFlags {
			t.Errorf("%s: flags %#04x, want %#04x", f.Name, f.Flags, wantFlags)
		}
		if f.CreatorVersion != 0 || f.ReaderVersion != 0 || f.ExternalAttrs != 0 {
			t.Errorf("%s: versions %d/%d, attributes %#x; want zeros", f.Name, f.CreatorVersion, f.ReaderVersion, f.ExternalAttrs)
		}
		if f.ModifiedTime != 0 || f.ModifiedDate != 0 {
			t.Errorf("%s: DOS time %#x date %#x, want 0", f.Name, f.ModifiedTime, f.ModifiedDate)
		}
		if len(f.Extra) != 0 || f.Comment != "" {
			t.Errorf("%s: central extra %q comment %q, want none", f.Name, f.Extra, f.Comment)
		}
		if f.CRC32 != crc32.ChecksumIEEE(r.Data) {
			t.Errorf("%s: CRC %#x, want %#x", f.Name, f.CRC32, crc32.ChecksumIEEE(r.Data))
		}
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		if off%64 != 0 {
			t.Errorf("%s: data at offset %d, not a multiple of 64", f.Name, off)
		}
		// Entries are contiguous: local header, name, extra, data, descriptor.
		if got := binary.LittleEndian.Uint32(b[next:]); got != sigLocal {
			t.Fatalf("%s: no local header at %d", f.Name, next)
		}
		// Version needed 0; flags as in the central entry; method, time,
		// date, CRC-32 and sizes all 0.
		lh := b[next : next+30]
		if binary.LittleEndian.Uint16(lh[4:]) != 0 || binary.LittleEndian.Uint16(lh[6:]) != wantFlags ||
			!bytes.Equal(lh[8:26], make([]byte, 18)) {
			t.Errorf("%s: local header % x", f.Name, lh)
		}
		nameLen := int64(binary.LittleEndian.Uint16(b[next+26:]))
		extra := b[next+30+nameLen : off]
		// The extra field is only the padding: "FB", its length, that many 'Z'.
		if len(extra) < 4 || string(extra[:2]) != "FB" ||
			int(binary.LittleEndian.Uint16(extra[2:])) != len(extra)-4 ||
			strings.Trim(string(extra[4:]), "Z") != "" {
			t.Errorf("%s: local extra %q, want FB padding", f.Name, extra)
		}
		next = off + int64(len(r.Data))
		if len(r.Data) > 0 {
			d := b[next : next+16]
			want := binary.LittleEndian.AppendUint32(nil, sigDescriptor)
			want = binary.LittleEndian.AppendUint32(want, crc32.ChecksumIEEE(r.Data))
			want = binary.LittleEndian.AppendUint32(want, uint32(len(r.Data)))
			want = binary.LittleEndian.AppendUint32(want, uint32(len(r.Data)))
			if !bytes.Equal(d, want) {
				t.Errorf("%s: descriptor % x, want % x", f.Name, d, want)
			}
			next += 16
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if !bytes.Equal(got, r.Data) {
			t.Errorf("%s: content differs", f.Name)
		}
	}
	// The central directory follows the last entry; the archive ends with
	// the zip64 end record, its locator and the classic end record.
	tail := b[len(b)-(zip64EndLen+zip64LocLen+endLen):]
	if cd := binary.LittleEndian.Uint64(tail[48:]); int64(cd) != next {
		t.Errorf("central directory at %d, want %d, right after the entries", cd, next)
	}
	for _, sig := range []struct {
		at  int
		sig uint32
	}{{0, sigZip64End}, {56, sigZip64Loc}, {76, sigEnd}} {
		if got := binary.LittleEndian.Uint32(tail[sig.at:]); got != sig.sig {
			t.Errorf("tail+%d: signature %#x, want %#x", sig.at, got, sig.sig)
		}
	}
}

// Readers of every kind an Open func may return.
type (
	plainReader struct{ io.Reader } // no size hint at all
	statReader  struct {
		io.Reader
		size int64
	} // announces a size with Stat
	closeFailure struct{ io.Reader } // fails on Close
	readFailure  struct{ n int }     // fails after n bytes
)

func (plainReader) Close() error  { return nil }
func (statReader) Close() error   { return nil }
func (closeFailure) Close() error { return errors.New("close failed") }
func (r *readFailure) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := min(len(p), r.n)
	clear(p[:n])
	r.n -= n
	return n, nil
}
func (*readFailure) Close() error { return nil }

func (r statReader) Stat() (fs.FileInfo, error) { return fakeInfo{r.size}, nil }

type fakeInfo struct{ size int64 }

func (fi fakeInfo) Name() string       { return "fake" }
func (fi fakeInfo) Size() int64        { return fi.size }
func (fi fakeInfo) Mode() fs.FileMode  { return 0o644 }
func (fi fakeInfo) ModTime() time.Time { return time.Time{} }
func (fi fakeInfo) IsDir() bool        { return false }
func (fi fakeInfo) Sys() any           { return nil }

// streamed returns recs with every Data replaced by an Open of the given kind.
func streamed(t *testing.T, recs []Record, kind string) []Record {
	out := make([]Record, len(recs))
	dir := t.TempDir()
	for i, r := range recs {
		data := r.Data
		open := func() (io.ReadCloser, error) {
			switch kind {
			case "file":
				p := filepath.Join(dir, fmt.Sprintf("rec%d", i))
				if err := os.WriteFile(p, data, 0o644); err != nil {
					return nil, err
				}
				return os.Open(p)
			case "sized":
				return statReader{bytes.NewReader(data), int64(len(data))}, nil
			default:
				return plainReader{bytes.NewReader(data)}, nil
			}
		}
		out[i] = Record{Name: r.Name, Open: open}
	}
	return out
}

// TestStreamingGivesTheSameBytes: a record's bytes may come from memory, a
// file or any reader, small or larger than the 256 KiB read-ahead, with or
// without an announced size; the archive is the same.
func TestStreamingGivesTheSameBytes(t *testing.T) {
	recs := []Record{
		{Name: "empty"},
		{Name: "small.py", Data: []byte("x = 1\n")},
		{Name: "exactly_buffer.bin", Data: pattern(copyBufSize, 1)},
		{Name: "buffer_plus_one.bin", Data: pattern(copyBufSize+1, 2)},
		{Name: "large.bin", Data: pattern(3*copyBufSize+12345, 3)},
	}
	want := zipBytes(t, "x", recs)
	for _, kind := range []string{"file", "sized", "plain"} {
		t.Run(kind, func(t *testing.T) {
			sameBytes(t, kind+" readers vs Data", zipBytes(t, "x", streamed(t, recs, kind)), want)
		})
	}
}

func TestStreamingErrors(t *testing.T) {
	big := func(r io.ReadCloser) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) { return r, nil }
	}
	for _, tc := range []struct {
		name string
		open func() (io.ReadCloser, error)
		want string
	}{
		{"open fails", func() (io.ReadCloser, error) { return nil, errors.New("no such thing") }, `record "r": open: no such thing`},
		{"read fails early", big(&readFailure{n: 10}), `record "r": read: disk on fire`},
		{"read fails late", big(&readFailure{n: 3 * copyBufSize}), `record "r": read: disk on fire`},
		{"close fails", big(closeFailure{strings.NewReader("data")}), `record "r": close: close failed`},
		{"grew after Stat", big(statReader{bytes.NewReader(pattern(2*copyBufSize, 1)), copyBufSize + 1}),
			"announced 262145 bytes but 524288 were read"},
		{"shrank after Stat", big(statReader{bytes.NewReader(pattern(copyBufSize+1, 1)), 2 * copyBufSize}),
			"announced 524288 bytes but 262145 were read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteZip(io.Discard, "x", []Record{{Name: "r", Open: tc.open}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("WriteZip error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// zeroReader yields n zero bytes; it announces its size, as a file would.
type zeroReader struct{ n, size int64 }

func newZeros(n int64) *zeroReader { return &zeroReader{n, n} }
func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), z.n))
	clear(p[:k])
	z.n -= int64(k)
	return k, nil
}
func (z *zeroReader) Close() error { return nil }
func (z *zeroReader) Size() int64  { return z.size }

// TestStreamingHoldsNoRecordInMemory writes a 256 MiB record and checks
// that the writer allocated a small fraction of it.
func TestStreamingHoldsNoRecordInMemory(t *testing.T) {
	const size = 256 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	open := func() (io.ReadCloser, error) { return plainReader{newZeros(size)}, nil }
	if err := WriteZip(io.Discard, "x", []Record{{Name: "big.bin", Open: open}}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("writing a %d MiB record allocated %d KiB", size>>20, alloc>>10)
	}
}

// sparse is a writer and ReaderAt that keeps long runs of zeros as holes, so
// that an archive larger than 4 GiB of zero records can be checked in memory.
type sparse struct {
	size   int64
	chunks []chunk
}

type chunk struct {
	off  int64
	data []byte
}

var zeros = make([]byte, copyBufSize)

func (s *sparse) Write(p []byte) (int, error) {
	zero := len(p) >= 4096 && len(p) <= len(zeros) && bytes.Equal(p, zeros[:len(p)])
	if !zero {
		s.chunks = append(s.chunks, chunk{s.size, bytes.Clone(p)})
	}
	s.size += int64(len(p))
	return len(p), nil
}

func (s *sparse) ReadAt(p []byte, off int64) (int, error) {
	clear(p)
	for _, c := range s.chunks {
		lo, hi := max(off, c.off), min(off+int64(len(p)), c.off+int64(len(c.data)))
		if lo < hi {
			copy(p[lo-off:hi-off], c.data[lo-c.off:hi-c.off])
		}
	}
	if off+int64(len(p)) > s.size {
		return int(max(0, s.size-off)), io.EOF
	}
	return len(p), nil
}

// bytesAt returns n bytes at off.
func (s *sparse) bytesAt(off int64, n int) []byte {
	b := make([]byte, n)
	s.ReadAt(b, off)
	return b
}

// zip64Records are records that need zip64: one of 0xFFFFFFFF bytes (miniz's
// limit, reached, not exceeded), then two starting beyond 4 GiB.
func zip64Records() []Record {
	return []Record{
		{Name: "big.bin", Open: func() (io.ReadCloser, error) { return newZeros(zip64Limit), nil }},
		{Name: "after.txt", Data: []byte("hello")},
		{Name: "empty"},
	}
}

// TestZip64 checks the zip64 extras and descriptors miniz writes for a record
// of 4 GiB and for records beyond 4 GiB, and that archive/zip reads them.
func TestZip64(t *testing.T) {
	if testing.Short() {
		t.Skip("writes (sparsely) a 4 GiB archive")
	}
	var s sparse
	if err := WriteZip(&s, "x", zip64Records()); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(&s, s.size)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if want := []string{"x/big.bin", "x/after.txt", "x/empty"}; !equal(names, want) {
		t.Fatalf("entries %q, want %q", names, want)
	}
	if got := zr.File[0].UncompressedSize64; got != zip64Limit {
		t.Errorf("big.bin size %d", got)
	}
	rc, err := zr.File[1].Open()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(rc); err != nil || string(got) != "hello" {
		t.Errorf("after.txt = %q, %v", got, err)
	}

	// big.bin, at offset 0: local zip64 extra with size and compressed size 0
	// (id 1, length 16), then the padding; 24-byte descriptor.
	le := binary.LittleEndian
	h := s.bytesAt(0, 64)
	nameLen := int(le.Uint16(h[26:]))
	x := h[30+nameLen:]
	if le.Uint16(x) != 1 || le.Uint16(x[2:]) != 16 || le.Uint64(x[4:]) != zip64Limit || le.Uint64(x[12:]) != 0 || string(x[20:22]) != "FB" {
		t.Errorf("big.bin local extra % x", x[:24])
	}
	bigData, _ := zr.File[0].DataOffset()
	d := s.bytesAt(bigData+zip64Limit, 24)
	if le.Uint32(d) != sigDescriptor || le.Uint64(d[8:]) != zip64Limit || le.Uint64(d[16:]) != zip64Limit {
		t.Errorf("big.bin descriptor % x", d)
	}
	// after.txt, beyond 4 GiB: local zip64 extra with only its offset; a
	// 64-bit descriptor although it is 5 bytes long.
	afterHdr := bigData + zip64Limit + 24
	h = s.bytesAt(afterHdr, 64)
	x = h[30+len("x/after.txt"):]
	if le.Uint16(x) != 1 || le.Uint16(x[2:]) != 8 || le.Uint64(x[4:]) != uint64(afterHdr) || string(x[12:14]) != "FB" {
		t.Errorf("after.txt local extra % x", x[:16])
	}
	afterData, _ := zr.File[1].DataOffset()
	if afterData%64 != 0 {
		t.Errorf("after.txt data at %d, not aligned", afterData)
	}
	d = s.bytesAt(afterData+5, 24)
	if le.Uint32(d) != sigDescriptor || le.Uint64(d[8:]) != 5 || le.Uint64(d[16:]) != 5 {
		t.Errorf("after.txt descriptor % x", d)
	}
	// Central entries: sizes and offsets capped, extras with what was capped.
	if f := zr.File[0]; len(f.Extra) != 4+16 || le.Uint64(f.Extra[4:]) != zip64Limit || le.Uint64(f.Extra[12:]) != zip64Limit {
		t.Errorf("big.bin central extra % x", f.Extra)
	}
	for _, f := range zr.File[1:] {
		if len(f.Extra) != 4+8 {
			t.Errorf("%s central extra % x, want the offset only", f.Name, f.Extra)
		}
	}
	if f := zr.File[2]; f.Flags != 0x0800 {
		t.Errorf("empty flags %#x", f.Flags)
	}
}

func equal(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || strings.Join(a, "\x00") == strings.Join(b, "\x00"))
}

// A record of unknown size may not reach 4 GiB: miniz writes such a size in
// the local header, before the data.
func TestUnsizedRecordOf4GiB(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 4 GiB")
	}
	open := func() (io.ReadCloser, error) { return plainReader{newZeros(zip64Limit)}, nil }
	err := WriteZip(io.Discard, "x", []Record{{Name: "big", Open: open}})
	if err == nil || !strings.Contains(err.Error(), "needs a known size") {
		t.Errorf("error = %v", err)
	}
}

func TestEmptyArchive(t *testing.T) {
	// No entries: miniz records the central directory at offset 0.
	b := zipBytes(t, "x", nil)
	if len(b) != zip64EndLen+zip64LocLen+endLen {
		t.Fatalf("%d bytes", len(b))
	}
	if _, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Error(err)
	}
}
