package emit

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// benchRecords is a package of realistic shape: 1,500 records, mostly Python
// sources of a few KiB, some larger generated modules and resources, a few
// pickles and tensor storages of up to 4 MiB, and the data records.
func benchRecords() (recs []Record, total int64) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 1497 {
		var size int
		name := fmt.Sprintf("pkg%d/sub%d/mod%d.py", i%13, i%37, i)
		switch p := r.IntN(100); {
		case p < 80: // ordinary source
			size = 200 + r.IntN(12<<10)
		case p < 95: // big generated module or text resource
			size = 16<<10 + r.IntN(100<<10)
		case p < 99: // pickle
			size = 64<<10 + r.IntN(512<<10)
			name = fmt.Sprintf("res%d/obj.pkl", i)
		default: // tensor storage
			size = 1<<20 + r.IntN(3<<20)
			name = fmt.Sprintf(".data/%d.storage", i)
		}
		recs = append(recs, Record{Name: name, Data: pattern(size, uint64(i))})
		total += int64(size)
	}
	return append(recs, DataRecords([]string{"math", "numpy", "torch"}, "3.11.2")...), total
}

// BenchmarkWriteZip measures WriteZip on 1,500 records; the throughput is of
// record bytes. "Open" streams each record through a reader.
func BenchmarkWriteZip(b *testing.B) {
	recs, total := benchRecords()
	streamedRecs := make([]Record, len(recs))
	for i, r := range recs {
		data := r.Data
		streamedRecs[i] = Record{Name: r.Name, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}}
	}
	for _, bc := range []struct {
		name string
		recs []Record
	}{{"Data", recs}, {"Open", streamedRecs}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(total)
			b.ReportAllocs()
			for b.Loop() {
				if err := WriteZip(io.Discard, "archive", bc.recs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
