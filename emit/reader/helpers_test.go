package reader

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files (and testdata/torch2x.pt) instead of comparing")

// The committed samples (see testdata/README).
const (
	sample113     = "testdata/torch113.pt"
	sampleChanged = "testdata/torch113_changed.pt"
	sampleEvil    = "testdata/evil.pt"
	sample2x      = "testdata/torch2x.pt"
)

func open(t testing.TB, path string) *Archive {
	t.Helper()
	a, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func openBytes(t testing.TB, b []byte) (*Archive, error) {
	t.Helper()
	a, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err == nil {
		t.Cleanup(func() { a.Close() })
	}
	return a, err
}

// python and torch discovery, as in package emit's tests.

var (
	pythonOnce sync.Once
	pythonPath string
	torchErr   error
)

func findPython() {
	pythonPath = "/usr/bin/python3"
	if _, err := os.Stat(pythonPath); err != nil {
		if pythonPath, err = exec.LookPath("python3"); err != nil {
			torchErr = errors.New("no python3 found")
			return
		}
	}
	out, err := exec.Command(pythonPath, "-c", "import torch.package").CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		torchErr = fmt.Errorf("%s cannot import torch.package: %v: %s", pythonPath, err, lines[len(lines)-1])
	}
}

// needTorch returns a python3 that imports torch, or skips the test; with
// PKGBUILD_REQUIRE_TORCH=1 it fails instead.
func needTorch(t *testing.T) string {
	t.Helper()
	pythonOnce.Do(findPython)
	if torchErr != nil {
		if os.Getenv("PKGBUILD_REQUIRE_TORCH") == "1" {
			t.Fatalf("PKGBUILD_REQUIRE_TORCH=1, but: %v", torchErr)
		}
		t.Skipf("skipping: %v (PKGBUILD_REQUIRE_TORCH=1 makes this a failure)", torchErr)
	}
	return pythonPath
}

// runPython runs python with args in dir and returns its standard output.
func runPython(t *testing.T, python, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(python, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", python, strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// zipRec is one record for makeZip.
type zipRec struct {
	name    string
	data    []byte
	deflate bool
	// zip64 saturates the central entry's sizes and offset and puts them
	// in a zip64 extra field, as writers do past 4 GiB.
	zip64 bool
}

// zipLayout tells where makeZip put things, so tests can corrupt them.
type zipLayout struct {
	local   []int // offset of each local header
	central []int // offset of each central directory entry
	cdOff   int
	end64   int // zip64 end record, or -1
	locator int // zip64 locator, or -1
	end     int // classic end record
}

// makeZip writes recs as torch's writer lays them out: local headers with
// flags 0x0808 and zero CRC and sizes, "FB" padding so data starts at a
// multiple of 64, data descriptors, the central directory, and (when
// zip64) the zip64 end record and locator before the classic end record.
func makeZip(recs []zipRec, zip64 bool) ([]byte, zipLayout) {
	var b bytes.Buffer
	le16 := func(v int) { binary.Write(&b, binary.LittleEndian, uint16(v)) }
	le32 := func(v uint32) { binary.Write(&b, binary.LittleEndian, v) }
	le64 := func(v uint64) { binary.Write(&b, binary.LittleEndian, v) }
	var lay zipLayout
	type done struct {
		crc          uint32
		csize, usize int
		method       int
	}
	var dones []done
	for _, r := range recs {
		data, method := r.data, 0
		if r.deflate {
			var c bytes.Buffer
			w, _ := flate.NewWriter(&c, flate.BestCompression)
			w.Write(r.data)
			w.Close()
			data, method = c.Bytes(), 8
		}
		d := done{crc32.ChecksumIEEE(r.data), len(data), len(r.data), method}
		dones = append(dones, d)
		lay.local = append(lay.local, b.Len())
		start := b.Len() + 30 + len(r.name) + 4
		pad := (64 - start%64) % 64
		le32(0x04034b50)
		le16(0)
		le16(0x0808)
		le16(method)
		le32(0) // time, date
		le32(0)
		le32(0)
		le32(0)
		le16(len(r.name))
		le16(4 + pad)
		b.WriteString(r.name)
		b.WriteString("FB")
		le16(pad)
		b.WriteString(strings.Repeat("Z", pad))
		b.Write(data)
		le32(0x08074b50)
		le32(d.crc)
		le32(uint32(d.csize))
		le32(uint32(d.usize))
	}
	lay.cdOff = b.Len()
	for i, r := range recs {
		d := dones[i]
		lay.central = append(lay.central, b.Len())
		le32(0x02014b50)
		le16(0)
		le16(0)
		le16(0x0808)
		le16(d.method)
		le32(0)
		le32(d.crc)
		if r.zip64 {
			le32(0xffffffff)
			le32(0xffffffff)
		} else {
			le32(uint32(d.csize))
			le32(uint32(d.usize))
		}
		le16(len(r.name))
		if r.zip64 {
			le16(4 + 24)
		} else {
			le16(0)
		}
		le16(0)
		le16(0)
		le16(0)
		le32(0)
		if r.zip64 {
			le32(0xffffffff)
		} else {
			le32(uint32(lay.local[i]))
		}
		b.WriteString(r.name)
		if r.zip64 {
			le16(1)
			le16(24)
			le64(uint64(d.usize))
			le64(uint64(d.csize))
			le64(uint64(lay.local[i]))
		}
	}
	cdSize := b.Len() - lay.cdOff
	lay.end64, lay.locator = -1, -1
	if zip64 {
		lay.end64 = b.Len()
		le32(0x06064b50)
		le64(44)
		le16(0x031e)
		le16(0x2d)
		le32(0)
		le32(0)
		le64(uint64(len(recs)))
		le64(uint64(len(recs)))
		le64(uint64(cdSize))
		le64(uint64(lay.cdOff))
		lay.locator = b.Len()
		le32(0x07064b50)
		le32(0)
		le64(uint64(lay.end64))
		le32(1)
	}
	lay.end = b.Len()
	le32(0x06054b50)
	le16(0)
	le16(0)
	le16(len(recs))
	le16(len(recs))
	le32(uint32(cdSize))
	le32(uint32(lay.cdOff))
	le16(0)
	return b.Bytes(), lay
}

// torchRecs is a minimal valid package below top.
func torchRecs(top string, extra ...zipRec) []zipRec {
	recs := append([]zipRec(nil), extra...)
	for i := range recs {
		recs[i].name = top + "/" + recs[i].name
	}
	return append(recs,
		zipRec{name: top + "/.data/extern_modules", data: []byte("\n")},
		zipRec{name: top + "/.data/python_version", data: []byte("3.11.2")},
		zipRec{name: top + "/.data/version", data: []byte("6\n")},
	)
}

func put16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
func put32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }
