package pickle

import (
	"bytes"
	"encoding/binary"
	"math"
)

// instr is one decoded opcode. Arguments are kept as positions in the
// input, so decoding an instruction allocates nothing; the values are
// decoded on demand by the helpers in values.go.
type instr struct {
	op  *opInfo
	pos int // offset of the opcode byte
	end int // offset just past the argument

	// n is the value of a fixed-size integer argument (uint1, uint2, uint4,
	// uint8, and int4 sign-extended), and the memo index of GET and PUT.
	n int64
	// a:b is the payload: the bytes of a counted string or integer, or the
	// first line (without its newline) of a line argument.
	a, b int
	// c:d is the second line of GLOBAL and INST.
	c, d int
}

// frame is one FRAME opcode and the bytes it covers.
type frame struct {
	pos        int // offset of the FRAME opcode
	start, end int // the framed bytes, data[start:end]
}

// reader splits a pickle into instructions, enforcing the framing rules of
// the Python unpickler (pickle.py's _Unframer), which torch.package uses.
type reader struct {
	data     []byte
	pos      int
	frameEnd int // end of the current frame, or -1 outside frames
	frames   []frame
}

func newReader(data []byte) reader {
	return reader{data: data, frameEnd: -1}
}

// next decodes the instruction at r.pos and advances past it.
func (r *reader) next() (instr, error) {
	if r.frameEnd >= 0 && r.pos >= r.frameEnd {
		r.frameEnd = -1 // the frame is used up; pickle.py reads on from the file
	}
	pos := r.pos
	if pos >= len(r.data) {
		return instr{}, errorf(pos, nil, "pickle exhausted before STOP")
	}
	op := ops[r.data[pos]]
	if op == nil {
		return instr{}, errorf(pos, nil, "unknown opcode 0x%02x", r.data[pos])
	}
	in := instr{op: op, pos: pos}
	if op.arg == argNone { // most opcodes
		in.end = pos + 1
		r.pos = in.end
		return in, nil
	}
	d := argDecoder{r: r, in: &in, p: pos + 1, limit: len(r.data)}
	if r.frameEnd >= 0 {
		d.limit = r.frameEnd
	}
	if err := d.decode(); err != nil {
		return instr{}, err
	}
	in.end = d.p
	r.pos = d.p
	if op.code == opFRAME {
		if err := r.startFrame(&in); err != nil {
			return instr{}, err
		}
	}
	return in, nil
}

func (r *reader) startFrame(in *instr) error {
	if r.frameEnd >= 0 && in.end != r.frameEnd {
		return errorf(in.pos, in.op, "beginning of a new frame before end of current frame (which ends at offset %d)", r.frameEnd)
	}
	size := uint64(in.n)
	if size > math.MaxInt64 {
		return errorf(in.pos, in.op, "frame size > sys.maxsize: %d", size)
	}
	if rest := uint64(len(r.data) - in.end); size > rest {
		return errorf(in.pos, in.op, "declared frame length %d exceeds the %d bytes remaining", size, rest)
	}
	r.frameEnd = in.end + int(size)
	r.frames = append(r.frames, frame{pos: in.pos, start: in.end, end: r.frameEnd})
	return nil
}

// argDecoder reads one instruction's argument, never past limit (the end
// of the input or of the current frame).
type argDecoder struct {
	r     *reader
	in    *instr
	p     int // read position
	limit int
}

func (d *argDecoder) fail(format string, args ...any) error {
	return errorf(d.in.pos, d.in.op, format, args...)
}

// need checks that n more bytes can be read, without allocating.
// declared says that n comes from the stream.
func (d *argDecoder) need(n uint64, declared bool) error {
	if n <= uint64(d.limit-d.p) {
		return nil
	}
	rest := uint64(len(d.r.data) - d.p)
	switch {
	case d.limit < len(d.r.data) && n <= rest:
		return d.fail("argument crosses the end of the FRAME at offset %d (pickle exhausted before end of frame)", d.limit)
	case declared:
		return d.fail("declared length %d exceeds the %d bytes remaining", n, rest)
	}
	return d.fail("argument needs %d bytes but only %d remain", n, rest)
}

func (d *argDecoder) fixed(n int) ([]byte, error) {
	if err := d.need(uint64(n), false); err != nil {
		return nil, err
	}
	b := d.r.data[d.p : d.p+n]
	d.p += n
	return b, nil
}

// counted reads a payload of a declared length, checking the length against
// the remaining input before anything else happens.
func (d *argDecoder) counted(n uint64) error {
	if err := d.need(n, true); err != nil {
		return err
	}
	d.in.a, d.in.b = d.p, d.p+int(n)
	d.p += int(n)
	return nil
}

// line reads up to and including the next newline and returns the bounds of
// the line without it.
func (d *argDecoder) line() (int, int, error) {
	i := bytes.IndexByte(d.r.data[d.p:d.limit], '\n')
	if i < 0 {
		if d.limit < len(d.r.data) {
			return 0, 0, d.fail("line argument crosses the end of the FRAME at offset %d (pickle exhausted before end of frame)", d.limit)
		}
		return 0, 0, d.fail("no newline found before the end of the input")
	}
	a, b := d.p, d.p+i
	d.p = b + 1
	return a, b, nil
}

func (d *argDecoder) decode() error {
	in := d.in
	switch in.op.arg {
	case argNone:
		return nil
	case argUint1:
		b, err := d.fixed(1)
		if err != nil {
			return err
		}
		in.n = int64(b[0])
	case argUint2:
		b, err := d.fixed(2)
		if err != nil {
			return err
		}
		in.n = int64(binary.LittleEndian.Uint16(b))
	case argInt4:
		b, err := d.fixed(4)
		if err != nil {
			return err
		}
		in.n = int64(int32(binary.LittleEndian.Uint32(b)))
	case argUint4:
		b, err := d.fixed(4)
		if err != nil {
			return err
		}
		in.n = int64(binary.LittleEndian.Uint32(b))
	case argUint8:
		b, err := d.fixed(8)
		if err != nil {
			return err
		}
		in.n = int64(binary.LittleEndian.Uint64(b)) // FRAME checks the sign
	case argFloat8:
		if _, err := d.fixed(8); err != nil {
			return err
		}
		in.a, in.b = d.p-8, d.p
	case argString1, argBytes1, argUnicodestring1, argLong1:
		b, err := d.fixed(1)
		if err != nil {
			return err
		}
		return d.counted(uint64(b[0]))
	case argString4, argLong4:
		b, err := d.fixed(4)
		if err != nil {
			return err
		}
		n := int32(binary.LittleEndian.Uint32(b))
		if n < 0 {
			return d.fail("negative byte count %d", n)
		}
		return d.counted(uint64(n))
	case argBytes4, argUnicodestring4:
		b, err := d.fixed(4)
		if err != nil {
			return err
		}
		return d.counted(uint64(binary.LittleEndian.Uint32(b)))
	case argBytes8, argUnicodestring8:
		b, err := d.fixed(8)
		if err != nil {
			return err
		}
		n := binary.LittleEndian.Uint64(b)
		if n > math.MaxInt64 {
			return d.fail("byte count %d exceeds sys.maxsize", n)
		}
		return d.counted(n)
	case argDecimalnlShort, argDecimalnlLong, argMemoIndexnl, argFloatnl,
		argStringnl, argStringnlNoescape, argUnicodestringnl:
		a, b, err := d.line()
		if err != nil {
			return err
		}
		in.a, in.b = a, b
	case argStringnlPair:
		a, b, err := d.line()
		if err != nil {
			return err
		}
		c, e, err := d.line()
		if err != nil {
			return err
		}
		in.a, in.b, in.c, in.d = a, b, c, e
	default:
		return d.fail("internal error: unknown argument kind %d", in.op.arg)
	}
	return nil
}
