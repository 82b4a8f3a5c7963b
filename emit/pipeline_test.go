package emit

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// countingOpener hands out readers of name's bytes and counts the ones
// still open.
type countingOpener struct{ open atomic.Int64 }

type countedReader struct {
	io.Reader
	c *countingOpener
}

func (r countedReader) Close() error { r.c.open.Add(-1); return nil }

func (c *countingOpener) record(name string, fail bool) Record {
	return Record{Name: name, Open: func() (io.ReadCloser, error) {
		if fail {
			return nil, errors.New("no such file")
		}
		c.open.Add(1)
		return countedReader{strings.NewReader("data of " + name), c}, nil
	}}
}

// Records are opened ahead of the writer, but a failure is reported for the
// record that failed, after the ones before it were written, and every
// record opened ahead is closed.
func TestPrefetchFailureClosesWhatWasOpened(t *testing.T) {
	for _, failAt := range []int{0, 1, 7, prefetchWindow, 99} {
		t.Run(fmt.Sprint(failAt), func(t *testing.T) {
			var c countingOpener
			var recs []Record
			for i := range 100 {
				recs = append(recs, c.record(fmt.Sprintf("r%03d.py", i), i == failAt))
			}
			var buf bytes.Buffer
			err := WriteZip(&buf, "top", recs)
			want := fmt.Sprintf(`record "r%03d.py": open: no such file`, failAt)
			if err == nil || err.Error() != want {
				t.Fatalf("WriteZip error = %v, want %s", err, want)
			}
			if n := c.open.Load(); n != 0 {
				t.Errorf("%d records left open", n)
			}
		})
	}
}

// The asynchronous writer passes on every byte, in order, whatever the
// sizes of the writes, to the writer and the hash behind it; it saves the
// hash's state where it is asked to; and it reports the first error of the
// writer.
func TestAsyncWriter(t *testing.T) {
	var got bytes.Buffer
	var want []byte
	h := sha256.New()
	a := newAsyncWriter(&got, h)
	wantMarks := map[int][]byte{}
	for i := range 3000 {
		p := bytes.Repeat([]byte{byte(i)}, i*7%5000)
		want = append(want, p...)
		if n, err := a.Write(p); n != len(p) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		if i%397 == 0 {
			a.mark(i)
			state := sha256.New()
			state.Write(want)
			wantMarks[i], _ = state.(encoding.BinaryMarshaler).MarshalBinary()
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("wrote %d bytes, not the %d given", got.Len(), len(want))
	}
	if sum := sha256.Sum256(want); !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Errorf("the hash did not see the bytes written")
	}
	if len(a.marks) != len(wantMarks) {
		t.Errorf("%d marks, want %d", len(a.marks), len(wantMarks))
	}
	for _, m := range a.marks {
		if !bytes.Equal(m.State, wantMarks[m.Record]) {
			t.Errorf("mark %d: the state is not the hash of what was written before it", m.Record)
		}
	}
	if _, err := a.Write([]byte("x")); err == nil {
		t.Errorf("Write after Close succeeded")
	}

	fails := newAsyncWriter(failingWriter{}, nil)
	for range 5 {
		fails.Write(make([]byte, asyncBufSize))
	}
	if err := fails.Close(); err == nil || err.Error() != "disk full" {
		t.Errorf("Close = %v, want the writer's error", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return 0, errors.New("disk full") }

// getBuf gives a buffer of the length asked for from the smallest class
// that holds it, and a buffer given back serves the next request of its
// class.
func TestHeadBufferClasses(t *testing.T) {
	for _, tc := range []struct{ n, cap int }{
		{1, 1 << 10}, {1 << 10, 1 << 10}, {1<<10 + 1, 2 << 10}, {5000, 8 << 10},
		{128<<10 + 1, copyBufSize}, {copyBufSize, copyBufSize}, {copyBufSize + 1, copyBufSize + 1},
	} {
		b := getBuf(tc.n)
		if len(b) != tc.n || cap(b) != tc.cap {
			t.Errorf("getBuf(%d): len %d cap %d, want len %d cap %d", tc.n, len(b), cap(b), tc.n, tc.cap)
		}
	}
	b := getBuf(3000)
	b[0] = 'x'
	putBuf(b)
	putBuf(make([]byte, 3000)) // not a class size: dropped
	if c := getBuf(2500); cap(c) != 4<<10 {
		t.Errorf("getBuf(2500) after a 4 KiB buffer came back: cap %d, want %d", cap(c), 4<<10)
	}
}
