package reader

import (
	"bytes"
	"os"
	"runtime"
	"testing"
)

// allocBound is what reading an archive of n bytes may allocate in all:
// fixed buffers (the end-record search reads up to 64 KiB), structures
// proportional to the file, and inflated records, which Open bounds at
// maxDeflateRatio times their compressed size.
func allocBound(n int) uint64 {
	return 1<<20 + uint64(n)*(2*maxDeflateRatio+200)
}

// FuzzOpen opens arbitrary bytes as an archive and reads every record. It
// must never panic, every record it lists must have a clean name, and
// nothing may allocate beyond allocBound. Run it with
//
//	go test ./emit/reader -run '^$' -fuzz FuzzOpen -fuzzminimizetime 5s
//
// (Minimizing a new input of several kilobytes takes the default 60
// seconds, during which the exec counter stands still.)
func FuzzOpen(f *testing.F) {
	for _, p := range []string{sample113, sampleChanged, sampleEvil, sample2x} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, h := range hostiles {
		f.Add(h.zip())
	}
	b, _ := makeZip(torchRecs("t", zipRec{name: "z", data: bytes.Repeat([]byte("ab"), 500), deflate: true}, zipRec{name: "w", zip64: true}), true)
	f.Add(b)

	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		// runtime.ReadMemStats(&before)
		a, err := NewReader(bytes.NewReader(data), int64(len(data)))
		if err == nil {
			seen := map[string]bool{}
			for _, name := range a.Records() {
				if msg := nameProblem(name); msg != "" || seen[name] {
					t.Fatalf("record %q listed: %s (duplicate: %v)", name, msg, seen[name])
				}
				seen[name] = true
				got, err := a.Read(name)
				size, _ := a.Size(name)
				if err == nil && int64(len(got)) != size {
					t.Fatalf("Read(%q) gave %d bytes, Size says %d", name, len(got), size)
				}
			}
			a.Modules()
			a.Check()
			if _, err := FileStructure(a.Records(), "x", nil, nil); err != nil {
				t.Fatal(err)
			}
			Audit(a, nil)
		}
		// runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > allocBound(len(data)) {
			t.Fatalf("allocated %d bytes for a %d-byte input (bound %d)", got, len(data), allocBound(len(data)))
		}
	})
}
