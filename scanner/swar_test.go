package scanner

import (
	"encoding/binary"
	"testing"
)

func TestSWAR(t *testing.T) {
	for i := 0; i < 200000; i++ {
		var b [8]byte
		for k := range b {
			b[k] = byte((i*7919 + k*104729 + i*k*31) % 256)
			if k < (i % 9) {
				b[k] = "azAZ09_m\\'\"\n \x80\x00\x01"[(i+k)%15]
			}
		}
		w := binary.LittleEndian.Uint64(b[:])
		want := 0
		for want < 8 && asciiIdent[b[want]] {
			want++
		}
		if got := identRun(w); got != want {
			t.Fatalf("identRun(%q) = %d, want %d", b, got, want)
		}
		ws := 0
		for ws < 8 && b[ws] == ' ' {
			ws++
		}
		for _, isBytes := range []bool{false, true} {
			plain := &strPlain
			if isBytes {
				plain = &strPlainBytes
			}
			want := 0
			for want < 8 && plain[b[want]] {
				want++
			}
			if got := strRun(w, isBytes); got != want {
				t.Fatalf("strRun(%q, %v) = %d, want %d", b, isBytes, got, want)
			}
		}
		if got := spaceRun(w); got != ws {
			t.Fatalf("spaceRun(%q) = %d, want %d", b, got, ws)
		}
	}
	for c := 0; c < 256; c++ {
		b := [8]byte{byte(c), byte(c), byte(c), byte(c), byte(c), byte(c), byte(c), byte(c)}
		w := binary.LittleEndian.Uint64(b[:])
		want := 0
		if asciiIdent[c] {
			want = 8
		}
		if got := identRun(w); got != want {
			t.Fatalf("identRun(%d) = %d, want %d", c, got, want)
		}
		for pos := 0; pos < 8; pos++ {
			bb := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
			bb[pos] = byte(c)
			want := 8
			if !asciiIdent[c] {
				want = pos
			}
			if got := identRun(binary.LittleEndian.Uint64(bb[:])); got != want {
				t.Fatalf("identRun(%q) = %d, want %d", bb, got, want)
			}
		}
	}
}
