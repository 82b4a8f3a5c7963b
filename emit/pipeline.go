package emit

import (
	"encoding"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/bits"
	"sync"
)

// Writing an archive of N source files is N opens and reads, a CRC-32 and a
// SHA-256 of every byte, and the writes. Done in one goroutine, a 30 MB
// archive of 1,500 files keeps one core busy for about 60 ms while the
// other waits. Two stages move most of that off the goroutine that lays
// the archive out, without changing a byte of it:
//
//   - a prefetcher opens and reads the records ahead, in order, in a
//     bounded window (prefetchWindow records, each at most copyBufSize
//     bytes read ahead: 8 MiB at most in memory), on prefetchWorkers
//     goroutines;
//   - an asyncWriter hashes and writes full buffers on a goroutine of its
//     own, and saves the hash's state at some record starts on request
//     (see Layout).

const (
	prefetchWindow  = 32
	prefetchWorkers = 2
)

// prefetcher opens the records of a list ahead of the writer, in a window.
type prefetcher struct {
	recs    []Record
	results []chan fetched // one per record, each buffered
	window  chan struct{}  // a token per record opened and not yet taken
	stop    chan struct{}
	wg      sync.WaitGroup
	next    int // the next record the writer takes
}

type fetched struct {
	src *source
	err error
}

func newPrefetcher(recs []Record) *prefetcher {
	p := &prefetcher{
		recs:    recs,
		results: make([]chan fetched, len(recs)),
		window:  make(chan struct{}, prefetchWindow),
		stop:    make(chan struct{}),
	}
	jobs := make(chan int)
	for i := range p.results {
		p.results[i] = make(chan fetched, 1)
	}
	p.wg.Add(1)
	go func() { // hands out indexes in order, as the window allows
		defer p.wg.Done()
		defer close(jobs)
		for i, r := range recs {
			if r.Open == nil {
				p.results[i] <- fetched{src: dataSource(r.Data)}
				continue
			}
			select {
			case p.window <- struct{}{}:
			case <-p.stop:
				return
			}
			select {
			case jobs <- i:
			case <-p.stop:
				return
			}
		}
	}()
	for range prefetchWorkers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for i := range jobs {
				src, err := openSource(p.recs[i])
				p.results[i] <- fetched{src, err}
			}
		}()
	}
	return p
}

// take returns the next record's source, which the caller closes.
func (p *prefetcher) take() (*source, error) {
	i := p.next
	p.next++
	f := <-p.results[i]
	if p.recs[i].Open != nil {
		<-p.window
	}
	return f.src, f.err
}

// close stops the prefetch and closes what was opened and not taken.
func (p *prefetcher) close() {
	close(p.stop)
	p.wg.Wait()
	for i := p.next; i < len(p.results); i++ {
		select {
		case f := <-p.results[i]:
			if f.src != nil {
				f.src.close()
			}
		default:
		}
	}
}

// dataSource is a record given as bytes.
func dataSource(b []byte) *source {
	return &source{head: b, size: uint64(len(b)), known: true, close: func() error { return nil }}
}

// openSource opens a record and reads up to copyBufSize bytes of it ahead.
// Its size must be known before the local header is written, because
// miniz's header depends on it (zero or not, below 4 GiB or not): a record
// longer than that takes the size its reader announces, if any.
func openSource(r Record) (*source, error) {
	rc, err := r.Open()
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	hint, hinted := sizeHint(rc)
	n := copyBufSize
	if hinted && hint < copyBufSize {
		n = int(hint) + 1 // one more, to see EOF without a second buffer
	}
	buf := getBuf(n)
	m, err := io.ReadFull(rc, buf)
	if err == nil && n < copyBufSize {
		// It grew since the Stat: read on as if no size were known.
		buf = append(buf, make([]byte, copyBufSize-n)...)
		var k int
		k, err = io.ReadFull(rc, buf[m:])
		m += k
	}
	src := &source{head: buf[:m], size: uint64(m), close: func() error {
		putBuf(buf)
		return rc.Close()
	}}
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		src.known = true
	case nil:
		src.rest = rc
		if hinted {
			src.size, src.known, src.hinted = hint, true, true
		}
	default:
		src.close()
		return nil, fmt.Errorf("read: %w", err)
	}
	return src, nil
}

// headBufs holds the buffers openSource reads into, one pool per power of
// two from 1 KiB to copyBufSize. Reusing them spares a page fault per 4 KiB
// stored: memory the process has not touched before costs more to fill
// than the read that fills it.
var headBufs [headClasses]sync.Pool

const (
	minHeadBuf  = 1 << 10
	headClasses = 9
)

// The largest class holds copyBufSize bytes exactly (this fails to compile
// otherwise).
var _ [0]struct{} = [minHeadBuf<<(headClasses-1) - copyBufSize]struct{}{}

// headClass is the pool whose buffers hold n bytes.
func headClass(n int) int { return max(bits.Len(uint(n-1))-bits.Len(minHeadBuf)+1, 0) }

// getBuf returns a buffer of n bytes, from a pool up to copyBufSize.
func getBuf(n int) []byte {
	k := headClass(n)
	if k >= headClasses {
		return make([]byte, n) // larger than any class: not pooled
	}
	if b, ok := headBufs[k].Get().(*[]byte); ok {
		return (*b)[:n]
	}
	return make([]byte, n, minHeadBuf<<k)
}

// putBuf gives back a buffer getBuf returned (others are dropped).
func putBuf(b []byte) {
	if k := headClass(cap(b)); k < len(headBufs) && cap(b) == minHeadBuf<<k {
		headBufs[k].Put(&b)
	}
}

// asyncWriter passes what is written to it, in asyncBufSize buffers, to a
// goroutine that writes them to w and hashes them with h (either may be
// nil). Close flushes and reports the first error w returned (after one,
// the goroutine drops what it is given).
//
// mark(id) asks for h's state after everything written so far: the
// goroutine saves it in marks, as a HashMark of record id, which Close's
// caller may read.
type asyncWriter struct {
	buf    []byte
	full   chan asyncItem
	free   chan []byte
	done   chan error
	closed bool
	marks  []HashMark // the goroutine's until Close returns
}

// asyncItem is a buffer to write and hash, then a mark to take (if mark >= 0).
type asyncItem struct {
	buf  []byte
	mark int
}

const asyncBufSize = 256 << 10

func newAsyncWriter(w io.Writer, h hash.Hash) *asyncWriter {
	a := &asyncWriter{
		buf:  make([]byte, 0, asyncBufSize),
		full: make(chan asyncItem, 2),
		free: make(chan []byte, 3),
		done: make(chan error, 1),
	}
	for range 2 {
		a.free <- make([]byte, 0, asyncBufSize)
	}
	go func() {
		var err error
		for it := range a.full {
			if err == nil && w != nil {
				_, err = w.Write(it.buf)
			}
			if h != nil {
				h.Write(it.buf)
				if it.mark >= 0 {
					if state, merr := h.(encoding.BinaryMarshaler).MarshalBinary(); merr == nil {
						a.marks = append(a.marks, HashMark{Record: it.mark, State: state})
					}
				}
			}
			a.free <- it.buf[:0]
		}
		a.done <- err
	}()
	return a
}

func (a *asyncWriter) Write(p []byte) (int, error) {
	if a.closed {
		return 0, errClosed
	}
	n := len(p)
	for len(p) > 0 {
		k := copy(a.buf[len(a.buf):cap(a.buf)], p)
		a.buf = a.buf[:len(a.buf)+k]
		p = p[k:]
		if len(a.buf) == cap(a.buf) {
			a.full <- asyncItem{a.buf, -1}
			a.buf = <-a.free
		}
	}
	return n, nil
}

// mark hands over what is buffered, with a request for the hash's state
// after it, named id.
func (a *asyncWriter) mark(id int) {
	if a.closed {
		return
	}
	a.full <- asyncItem{a.buf, id}
	a.buf = <-a.free
}

// Close writes what is buffered and waits for the goroutine. It must be
// called once, also after a failure, so that the goroutine ends.
func (a *asyncWriter) Close() error {
	if a.closed {
		return errClosed
	}
	a.closed = true
	if len(a.buf) > 0 {
		a.full <- asyncItem{a.buf, -1}
	}
	close(a.full)
	return <-a.done
}

var errClosed = errors.New("asyncWriter: closed")
