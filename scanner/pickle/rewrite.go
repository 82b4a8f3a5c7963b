package pickle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"
)

// RewritePersistentIDs returns a copy of a pickle in which persistent IDs
// are changed by f, without unpickling anything: it is how storage keys are
// renumbered when packages are merged.
//
// f is called with each persistent ID's Tuple (a copy; see PersistentID),
// in stream order, except for Unresolved ones. It returns the new tuple and
// true, or false to keep the ID. A new tuple has the old one's length, and
// only elements of KindString, KindInt and KindBytes may change; an int
// must be given in decimal. Each changed element is re-encoded in place:
// the opcode that put it on the stack (a string or int opcode, or a GET of
// the memo) is replaced by one that pushes the new constant, using the
// smallest opcode the stream's protocol allows and keeping the string's
// Python type (str, or a Python 2 str from STRING/BINSTRING). FRAME lengths
// are adjusted. A PERSID's line is replaced as a whole.
//
// One caveat: when the pushing opcode is a constant that the stream also
// memoizes and recalls elsewhere, outside persistent IDs, the recalled
// value changes too. Picklers never share storage keys that way.
//
// The result is scanned again before it is returned, and must show the new
// tuples. Errors are *Error values; f's invalid answers are reported at the
// offset of the persistent ID.
func RewritePersistentIDs(data []byte, f func(old []string) ([]string, bool)) ([]byte, error) {
	m := newMachine(data, true)
	if err := m.run(); err != nil {
		return nil, err
	}
	proto := m.maxProto()
	edits := make(map[int][]byte) // site offset -> new opcode
	want := make(map[int][]string)
	binpersids := 0
	for _, p := range m.info.PersistentIDs {
		var operand persidOperand
		if p.Opcode == "BINPERSID" {
			operand = m.persids[binpersids]
			binpersids++
		}
		if p.Unresolved {
			continue
		}
		nu, ok := f(slices.Clone(p.Tuple))
		if !ok {
			continue
		}
		fail := func(format string, args ...any) error {
			return &Error{Offset: p.Offset, Op: p.Opcode, Msg: "rewrite: " + fmt.Sprintf(format, args...)}
		}
		if len(nu) != len(p.Tuple) {
			return nil, fail("the new persistent ID has %d elements, the old one %d", len(nu), len(p.Tuple))
		}
		want[p.Offset] = nu
		if p.Opcode == "PERSID" {
			if strings.Contains(nu[0], "\n") || !isASCII([]byte(nu[0])) {
				return nil, fail("a PERSID must be ASCII without newlines, not %s", clipString(nu[0]))
			}
			if nu[0] != p.Tuple[0] {
				edits[p.Offset] = append(append([]byte{opPERSID}, nu[0]...), '\n')
			}
			continue
		}
		sites := m.persidSites(operand)
		for i, s := range nu {
			if s == p.Tuple[i] {
				continue
			}
			enc, err := m.encodeConstant(m.elemAt(operand, i), s, proto)
			if err != nil {
				return nil, fail("element %d: %v", i, err)
			}
			site := sites[i]
			if prev, ok := edits[site]; ok && !bytes.Equal(prev, enc) {
				return nil, fail("element %d: the constant at offset %d is rewritten twice, differently", i, site)
			}
			edits[site] = enc
		}
	}
	out := m.apply(edits)

	// Check the result: it scans, and shows the new tuples.
	info, err := Scan(out)
	if err != nil {
		return nil, fmt.Errorf("pickle: internal error: rewritten pickle does not scan: %w", err)
	}
	if len(info.PersistentIDs) != len(m.info.PersistentIDs) {
		return nil, fmt.Errorf("pickle: internal error: rewritten pickle has %d persistent IDs, not %d", len(info.PersistentIDs), len(m.info.PersistentIDs))
	}
	for i, p := range m.info.PersistentIDs {
		if nu, ok := want[p.Offset]; ok && !slices.Equal(nu, info.PersistentIDs[i].Tuple) {
			return nil, fmt.Errorf("pickle: internal error: rewritten persistent ID %d is %v, not %q", i, info.PersistentIDs[i], nu)
		}
	}
	return out, nil
}

// maxProto is the highest protocol the stream declares or uses opcodes
// of; new opcodes must not need more.
func (m *machine) maxProto() int {
	p := 0
	r := newReader(m.data)
	for {
		in, err := r.next()
		if err != nil {
			return p
		}
		p = max(p, in.op.proto)
		if in.op.code == opPROTO {
			p = max(p, int(in.n))
		}
		if in.op.code == opSTOP {
			return p
		}
	}
}

// persidSites gives the site of each element of a BINPERSID's operand.
func (m *machine) persidSites(op persidOperand) []int {
	if op.it.kind() != vTuple {
		return []int{op.site}
	}
	a, b := m.tupleBounds(op.it.ref())
	return m.elemSites[a:b]
}

func (m *machine) elemAt(op persidOperand, i int) item {
	if op.it.kind() != vTuple {
		return op.it
	}
	a, _ := m.tupleBounds(op.it.ref())
	return m.elems[a+i]
}

// encodeConstant encodes s as an opcode that pushes a constant of it's
// type.
func (m *machine) encodeConstant(it item, s string, proto int) ([]byte, error) {
	switch it.kind() {
	case vStr:
		switch m.data[it.ref()] {
		case opSTRING, opBINSTRING, opSHORT_BINSTRING:
			return encodeStr2(s)
		}
		return encodeStr(s, proto)
	case vInt:
		return encodeInt(s, proto)
	case vBytes:
		return encodeBytes(s, proto)
	}
	k, _ := m.render(it)
	return nil, fmt.Errorf("a %s cannot be rewritten", k)
}

// The encoders below are only used for the operands of BINPERSID, a
// protocol 1 opcode, so proto is at least 1.

func encodeStr(s string, proto int) ([]byte, error) {
	if !validUTF8([]byte(s), true) {
		return nil, fmt.Errorf("%s is not UTF-8", clipString(s))
	}
	n := uint64(len(s))
	switch {
	case proto >= 4 && n <= math.MaxUint8:
		return append([]byte{opSHORT_BINUNICODE, byte(n)}, s...), nil
	case n <= math.MaxUint32:
		return append(binary.LittleEndian.AppendUint32([]byte{opBINUNICODE}, uint32(n)), s...), nil
	case proto >= 4:
		return append(binary.LittleEndian.AppendUint64([]byte{opBINUNICODE8}, n), s...), nil
	}
	return nil, fmt.Errorf("a string of %d bytes is too long for protocol %d", n, proto)
}

// encodeStr2 encodes a Python 2 str (STRING, BINSTRING, SHORT_BINSTRING),
// whose characters must be Latin-1.
func encodeStr2(s string) ([]byte, error) {
	var raw []byte
	for _, r := range s {
		if r > 0xFF || r == utf8.RuneError {
			return nil, fmt.Errorf("%s is not Latin-1, as a Python 2 string must be", clipString(s))
		}
		raw = append(raw, byte(r))
	}
	n := uint64(len(raw))
	switch {
	case n <= math.MaxUint8:
		return append([]byte{opSHORT_BINSTRING, byte(n)}, raw...), nil
	case n <= math.MaxInt32:
		return append(binary.LittleEndian.AppendUint32([]byte{opBINSTRING}, uint32(n)), raw...), nil
	}
	return nil, fmt.Errorf("a Python 2 string of %d bytes is too long", n)
}

func encodeInt(s string, proto int) ([]byte, error) {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || s[0] == '+' {
		return nil, fmt.Errorf("%s is not a decimal integer", clipString(s))
	}
	switch {
	case v.Sign() >= 0 && v.Cmp(big.NewInt(math.MaxUint8)) <= 0:
		return []byte{opBININT1, byte(v.Int64())}, nil
	case v.Sign() >= 0 && v.Cmp(big.NewInt(math.MaxUint16)) <= 0:
		return binary.LittleEndian.AppendUint16([]byte{opBININT2}, uint16(v.Int64())), nil
	case v.IsInt64() && v.Int64() >= math.MinInt32 && v.Int64() <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32([]byte{opBININT}, uint32(int32(v.Int64()))), nil
	case proto >= 2:
		b := encodeLong(v)
		if len(b) <= math.MaxUint8 {
			return append([]byte{opLONG1, byte(len(b))}, b...), nil
		}
		return append(binary.LittleEndian.AppendUint32([]byte{opLONG4}, uint32(len(b))), b...), nil
	}
	return append(append([]byte{opLONG}, v.String()...), 'L', '\n'), nil
}

func encodeBytes(s string, proto int) ([]byte, error) {
	n := uint64(len(s))
	switch { // the stream has a bytes opcode, so proto >= 3
	case n <= math.MaxUint8:
		return append([]byte{opSHORT_BINBYTES, byte(n)}, s...), nil
	case n <= math.MaxUint32:
		return append(binary.LittleEndian.AppendUint32([]byte{opBINBYTES}, uint32(n)), s...), nil
	case proto >= 4:
		return append(binary.LittleEndian.AppendUint64([]byte{opBINBYTES8}, n), s...), nil
	}
	return nil, fmt.Errorf("bytes of %d bytes are too long for protocol %d", n, proto)
}

// encodeLong is pickle.encode_long: the shortest little-endian two's
// complement.
func encodeLong(v *big.Int) []byte {
	if v.Sign() == 0 {
		return nil
	}
	n := v.BitLen()/8 + 1
	u := new(big.Int).Set(v)
	if u.Sign() < 0 {
		u.Add(u, new(big.Int).Lsh(big.NewInt(1), uint(8*n)))
	}
	le := u.FillBytes(make([]byte, n))
	slices.Reverse(le)
	if n > 1 && v.Sign() < 0 && le[n-1] == 0xff && le[n-2]&0x80 != 0 {
		le = le[:n-1]
	}
	return le
}

// apply replaces the opcode at each edited site, and rewrites the length
// of every FRAME to cover its grown or shrunk contents.
func (m *machine) apply(edits map[int][]byte) []byte {
	type repl struct {
		start, end int
		with       []byte
	}
	var rs []repl
	for site, enc := range edits {
		in := decodeAt(m.data, site)
		rs = append(rs, repl{site, in.end, enc})
	}
	slices.SortFunc(rs, func(a, b repl) int { return a.start - b.start })
	// growth[i] is how much the edits before rs[i] grow the stream.
	growth := make([]int, len(rs)+1)
	for i, r := range rs {
		growth[i+1] = growth[i] + len(r.with) - (r.end - r.start)
	}
	edited := len(rs)
	for _, fr := range m.r.frames {
		first, _ := slices.BinarySearchFunc(rs[:edited], fr.start, func(r repl, off int) int { return r.start - off })
		end, _ := slices.BinarySearchFunc(rs[:edited], fr.end, func(r repl, off int) int { return r.start - off })
		size := fr.end - fr.start + growth[end] - growth[first]
		rs = append(rs, repl{fr.pos + 1, fr.pos + 9, binary.LittleEndian.AppendUint64(nil, uint64(size))})
	}
	slices.SortFunc(rs, func(a, b repl) int { return a.start - b.start })
	out := make([]byte, 0, len(m.data))
	at := 0
	for _, r := range rs {
		out = append(out, m.data[at:r.start]...)
		out = append(out, r.with...)
		at = r.end
	}
	return append(out, m.data[at:]...)
}
