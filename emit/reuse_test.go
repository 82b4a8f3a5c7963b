package emit

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reuseRecords is an archive of n records of about 150 KiB each, so that
// hash states are saved every few records; record i's bytes depend on
// version[i].
func reuseRecords(n int, version map[int]int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		body := strings.Repeat(fmt.Sprintf("# record %d version %d\n", i, version[i]), 150<<10/24+i)
		recs[i] = Record{Name: fmt.Sprintf("pkg/m%03d.py", i), Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(body)), nil
		}}
	}
	return recs
}

// An archive written from the previous one is byte for byte the archive a
// full write gives, wherever the first changed record is, and its digest
// is the SHA-256 of its bytes.
func TestWriteReusing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "model.pt")
	const n = 40
	_, lay, err := WriteReusing(out, reuseRecords(n, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(lay.Entries) != n || len(lay.Marks) < 4 || lay.Reused != 0 {
		t.Fatalf("layout of a full write: %d entries, %d marks, %d reused; want %d, several, 0",
			len(lay.Entries), len(lay.Marks), lay.Reused, n)
	}
	version := map[int]int{}
	for step, changed := range []int{17, 0, 39, 1, 25, 25} {
		version[changed]++
		recs := reuseRecords(n, version)
		digest, next, err := WriteReusing(out, recs, &Reuse{Layout: lay, Same: changed})
		if err != nil {
			t.Fatal(err)
		}
		if next.Reused != changed {
			t.Errorf("step %d: reused %d records, want %d", step, next.Reused, changed)
		}
		fresh := filepath.Join(t.TempDir(), "model.pt")
		want, wantLay, err := WriteReusing(fresh, recs, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := readAllFile(t, out)
		if !bytes.Equal(got, readAllFile(t, fresh)) {
			t.Fatalf("step %d (record %d changed): the archive differs from a full write", step, changed)
		}
		if digest != want || digest != sha256.Sum256(got) {
			t.Errorf("step %d: digest %x, a full write gives %x", step, digest, want)
		}
		if fmt.Sprint(next.Entries) != fmt.Sprint(wantLay.Entries) || next.Size != wantLay.Size || next.Cdir != wantLay.Cdir {
			t.Errorf("step %d: the layout differs from a full write's", step)
		}
		lay = next
	}
}

// A layout that does not describe the archive at the path is not trusted:
// the write is then a full one, and still right.
func TestWriteReusingChecksTheOldArchive(t *testing.T) {
	const n = 12
	for name, spoil := range map[string]func(out string, l *Layout){
		"an offset moved":         func(_ string, l *Layout) { l.Entries[5].Offset += 64 },
		"a CRC changed":           func(_ string, l *Layout) { l.Entries[2].CRC ^= 1 },
		"a size changed":          func(_ string, l *Layout) { l.Entries[3].Size++ },
		"the archive rewritten":   func(out string, _ *Layout) { os.WriteFile(out, []byte("not a zip"), 0o644) },
		"the archive grown":       func(out string, _ *Layout) { appendFile(out, "x") },
		"the archive removed":     func(out string, _ *Layout) { os.Remove(out) },
		"a hash state spoiled":    func(_ string, l *Layout) { l.Marks[0].State = []byte("nonsense") },
		"the directory misplaced": func(_ string, l *Layout) { l.Cdir -= 46 },
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "model.pt")
			_, lay, err := WriteReusing(out, reuseRecords(n, nil), nil)
			if err != nil {
				t.Fatal(err)
			}
			spoil(out, &lay)
			recs := reuseRecords(n, map[int]int{9: 1})
			digest, next, err := WriteReusing(out, recs, &Reuse{Layout: lay, Same: 9})
			if err != nil {
				t.Fatal(err)
			}
			fresh := filepath.Join(t.TempDir(), "model.pt")
			want, err := Write(fresh, recs)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(readAllFile(t, out), readAllFile(t, fresh)) || digest != want {
				t.Fatalf("the archive differs from a full write")
			}
			if next.Reused != 0 {
				t.Errorf("reused %d records of an archive its layout does not describe", next.Reused)
			}
		})
	}
}

// A Layout survives its encoding, and a damaged encoding is refused.
func TestLayoutEncoding(t *testing.T) {
	_, lay, err := WriteReusing(filepath.Join(t.TempDir(), "model.pt"), reuseRecords(20, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := lay.MarshalBinary()
	var got Layout
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(lay) {
		t.Errorf("decoded layout differs:\n got %v\nwant %v", got, lay)
	}
	for i := range b {
		var l Layout
		if l.UnmarshalBinary(b[:i]) == nil {
			t.Fatalf("a layout cut to %d of %d bytes was accepted", i, len(b))
		}
	}
}

func readAllFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func appendFile(path, s string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		f.WriteString(s)
		f.Close()
	}
}

// Any bytes either fail to decode as a Layout or decode to one that
// encodes back to the same bytes; none make the decoder panic.
func FuzzLayoutDecoding(f *testing.F) {
	_, lay, err := WriteReusing(filepath.Join(f.TempDir(), "model.pt"), reuseRecords(12, nil), nil)
	if err != nil {
		f.Fatal(err)
	}
	b, _ := lay.MarshalBinary()
	f.Add(b)
	f.Add([]byte(layoutMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		var l Layout
		if l.UnmarshalBinary(b) != nil {
			return
		}
		again, _ := l.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Errorf("decoded and encoded again: %x, was %x", again, b)
		}
	})
}
