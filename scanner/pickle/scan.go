package pickle

import (
	"math/big"
	"strconv"
	"unicode/utf8"
)

// Info is what Scan learns from one pickle.
type Info struct {
	// Protocol is the argument of the first PROTO opcode, or 0 when there
	// is none (protocols 0 and 1 have no PROTO).
	Protocol int
	// Globals are the imports the pickle asks for, in stream order.
	Globals []Global
	// PersistentIDs are the references to out-of-pickle data (torch
	// storages), in stream order.
	PersistentIDs []PersistentID
	// End is the offset just past the STOP opcode. Unpicklers ignore the
	// len(data)-End bytes after it.
	End int
}

// Global is one import a pickle performs when it is loaded: the unpickler
// calls find_class(Module, Name), which imports Module.
type Global struct {
	Module, Name string
	// Opcode is "GLOBAL", "INST" or "STACK_GLOBAL", or "EXT1", "EXT2" or
	// "EXT4" for a reference through the copyreg extension registry.
	Opcode string
	// Offset is the byte offset of the opcode.
	Offset int
	// Unresolved is set when the names cannot be known without running
	// the pickle: a STACK_GLOBAL whose operands are not string constants
	// (they were built by REDUCE, say), or any EXT opcode. Module and Name
	// are then empty. No pickler writes such a stream; treat it as hostile.
	Unresolved bool
}

// Kind is the type of one element of a persistent ID.
type Kind uint8

const (
	// KindOther is anything this package does not follow: a list, an
	// object built by REDUCE, a nested tuple, a float. Its text is "".
	KindOther Kind = iota
	// KindString is a str (from any of the string opcodes), as UTF-8.
	KindString
	// KindBytes is a bytes object; its text holds the raw bytes.
	KindBytes
	// KindInt is an int, in decimal ("-12").
	KindInt
	// KindBool is "True" or "False".
	KindBool
	// KindNone is "None".
	KindNone
	// KindGlobal is an imported object, as "module.name" (a torch storage
	// type: "torch.FloatStorage"); "" when the Global is Unresolved.
	KindGlobal
)

var kindNames = [...]string{"other", "string", "bytes", "int", "bool", "none", "global"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// PersistentID is one reference from the pickle to data kept outside it.
// torch.package writes a tensor storage as BINPERSID of the tuple
// ("storage", <storage type>, key, location, numel), for example
// ("storage", torch.FloatStorage, 0, "cpu", 6); torch.save's key is a str.
type PersistentID struct {
	// Offset is the byte offset of the PERSID or BINPERSID opcode.
	Offset int
	// Opcode is "PERSID" (protocol 0: the ID is one ASCII string) or
	// "BINPERSID" (the ID is the object on top of the stack).
	Opcode string
	// Tuple holds the ID's elements as text, Kinds their types. A PERSID,
	// or a BINPERSID of a single constant rather than a tuple, gives a
	// one-element Tuple.
	Tuple []string
	Kinds []Kind
	// Unresolved is set when a BINPERSID's operand is neither a tuple nor
	// a constant (Tuple is then nil).
	Unresolved bool
}

// Scan walks the opcodes of a pickle, protocols 0 to 5, from the start of
// data to its STOP opcode, and reports the imports and persistent IDs it
// contains. It executes nothing and builds no objects.
//
// Scan returns an *Error for any stream the Python unpickler would reject
// for its structure (see the package documentation). The Info is never nil:
// on error it holds what was found before the fault, which is what an
// unpickler would have imported before failing.
func Scan(data []byte) (*Info, error) {
	m := newMachine(data, false)
	err := m.run()
	return m.info, err
}

// Modules returns the modules the pickle imports, in order of first use,
// without repeats: the dependencies torch 1.13's PackageExporter.save_pickle
// records for a pickle, except where the package documentation says we are
// deliberately more correct. Unresolved globals contribute nothing.
func (i *Info) Modules() []string {
	var mods []string
	seen := make(map[string]bool)
	for _, g := range i.Globals {
		if g.Unresolved || seen[g.Module] {
			continue
		}
		seen[g.Module] = true
		mods = append(mods, g.Module)
	}
	return mods
}

// vkind is the type of a simulated stack value.
type vkind uint8

const (
	vAbsent vkind = iota // an unset memo slot
	vMark
	vOther
	vStr
	vBytes
	vInt
	vTrue
	vFalse
	vNone
	vGlobal
	vTuple
)

// item is a simulated stack value: its kind in the top byte and a
// reference in the rest. For constants the reference is the offset of the
// opcode that made them, so a value costs 8 bytes and its text is decoded
// only when needed; for vGlobal it is an index in Info.Globals, for vTuple
// an index in machine.tupleStart.
type item uint64

func mk(k vkind, ref int) item { return item(uint64(k)<<56 | uint64(ref)&(1<<56-1)) }
func (it item) kind() vkind    { return vkind(it >> 56) }
func (it item) ref() int       { return int(it & (1<<56 - 1)) }

// machine simulates the unpickler's stack and memo with items. Every
// opcode pushes at most one item and moves, never copies, what it pops, so
// memory is linear in the input; nothing recurses, so nesting depth is
// limited by nothing but the input's length.
type machine struct {
	r    reader
	data []byte
	info *Info

	stack   []item
	memo    []item         // memo[i] for keys 0..len(memo)-1, as picklers write them
	sparse  map[int64]item // keys beyond the dense part
	memoLen int64          // len(unpickler.memo), which MEMOIZE uses as its key

	tupleStart []int  // tuple t holds elems[tupleStart[t]:tupleEnd(t)]
	elems      []item // the elements of all tuples, tuple after tuple

	marks    int          // MARKs on the stack
	scratch  []byte       // reused by argument validation
	texts    map[int]text // rendered constants by opcode offset; see render
	sawProto bool

	// Sites, for RewritePersistentIDs: the offset of the opcode that pushed
	// each stack item and each tuple element, and each BINPERSID's operand.
	trackSites bool
	site       int // offset of the opcode being executed
	sites      []int
	elemSites  []int
	persids    []persidOperand
}

type persidOperand struct {
	it   item
	site int
}

func newMachine(data []byte, trackSites bool) *machine {
	m := &machine{r: newReader(data), data: data, info: &Info{}, trackSites: trackSites}
	globals, persids := countRecords(data)
	m.info.Globals = make([]Global, 0, globals)
	m.info.PersistentIDs = make([]PersistentID, 0, persids)
	return m
}

// countRecords counts the opcodes that make a Global or a PersistentID, so
// that Info's slices are allocated once, at their final size: they are the
// largest allocations per input byte. It stops at the first error, which
// the real pass will then report.
func countRecords(data []byte) (globals, persids int) {
	r := newReader(data)
	for {
		in, err := r.next()
		if err != nil {
			return
		}
		switch in.op.code {
		case opGLOBAL, opINST, opSTACK_GLOBAL, opEXT1, opEXT2, opEXT4:
			globals++
		case opPERSID, opBINPERSID:
			persids++
		case opSTOP:
			return
		}
	}
}

func (m *machine) run() error {
	for {
		in, err := m.r.next()
		if err != nil {
			return err
		}
		stop, err := m.step(in)
		if err != nil {
			return err
		}
		if stop {
			return nil
		}
	}
}

func (m *machine) push(it item) {
	if it.kind() == vMark {
		m.marks++
	}
	m.stack = grow(m.stack, it)
	if m.trackSites {
		m.sites = grow(m.sites, m.site)
	}
}

// grow is append with capacity doubling: a slice that reaches n elements
// has allocated at most 4n elements in all, where append's gentler growth
// for large slices can allocate 5n.
func grow[T any](s []T, v ...T) []T {
	if need := len(s) + len(v); need > cap(s) {
		ns := make([]T, len(s), max(2*cap(s), need, 16))
		copy(ns, s)
		s = ns
	}
	return append(s, v...)
}

// underflow describes an empty stack, or an empty stretch above a MARK.
func (m *machine) underflow(in instr, need int) error {
	n := len(m.stack)
	for i := n - 1; i >= 0; i-- {
		if m.stack[i].kind() == vMark {
			return errorf(in.pos, in.op, "stack underflow: needs %d object(s) above the MARK at offset %d, has %d", need, m.stack[i].ref(), n-1-i)
		}
	}
	return errorf(in.pos, in.op, "stack underflow: needs %d object(s), the stack has %d", need, n)
}

// popN pops k items; the returned slice (and sites) alias the stack and
// are valid until the next push.
func (m *machine) popN(in instr, k int) ([]item, []int, error) {
	n := len(m.stack)
	if n < k {
		return nil, nil, m.underflow(in, k)
	}
	for _, it := range m.stack[n-k:] {
		if it.kind() == vMark {
			return nil, nil, m.underflow(in, k)
		}
	}
	items := m.stack[n-k:]
	m.stack = m.stack[:n-k]
	var sites []int
	if m.trackSites {
		sites = m.sites[n-k:]
		m.sites = m.sites[:n-k]
	}
	return items, sites, nil
}

func (m *machine) pop(in instr) (item, error) {
	items, _, err := m.popN(in, 1)
	if err != nil {
		return 0, err
	}
	return items[0], nil
}

func (m *machine) top(in instr) (item, error) {
	n := len(m.stack)
	if n == 0 || m.stack[n-1].kind() == vMark {
		return 0, m.underflow(in, 1)
	}
	return m.stack[n-1], nil
}

// popMark pops everything above the topmost MARK, and the MARK. Finding
// the MARK walks only over items that are then removed, so the cost is
// amortized over the pushes.
func (m *machine) popMark(in instr) ([]item, []int, error) {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if m.stack[i].kind() != vMark {
			continue
		}
		items := m.stack[i+1:]
		m.stack = m.stack[:i]
		m.marks--
		var sites []int
		if m.trackSites {
			sites = m.sites[i+1:]
			m.sites = m.sites[:i]
		}
		return items, sites, nil
	}
	return nil, nil, errorf(in.pos, in.op, "no MARK on the stack")
}

func (m *machine) newTuple(items []item, sites []int) item {
	t := len(m.tupleStart)
	m.tupleStart = grow(m.tupleStart, len(m.elems))
	m.elems = grow(m.elems, items...)
	if m.trackSites {
		m.elemSites = grow(m.elemSites, sites...)
	}
	return mk(vTuple, t)
}

func (m *machine) tupleBounds(t int) (int, int) {
	end := len(m.elems)
	if t+1 < len(m.tupleStart) {
		end = m.tupleStart[t+1]
	}
	return m.tupleStart[t], end
}

func (m *machine) memoGet(key int64) (item, bool) {
	if key >= 0 && key < int64(len(m.memo)) {
		return m.memo[key], true
	}
	it, ok := m.sparse[key]
	return it, ok
}

func (m *machine) memoSet(key int64, it item) {
	switch {
	case key < int64(len(m.memo)):
		m.memo[key] = it
	case key == int64(len(m.memo)):
		if _, ok := m.sparse[key]; ok {
			delete(m.sparse, key)
		} else {
			m.memoLen++
		}
		m.memo = grow(m.memo, it)
	default:
		if m.sparse == nil {
			m.sparse = make(map[int64]item)
		}
		if _, ok := m.sparse[key]; !ok {
			m.memoLen++
		}
		m.sparse[key] = it
	}
}

// memoIndex parses the decimal line of GET and PUT as Python's int() does.
func (m *machine) memoIndex(in instr) (int64, error) {
	line := m.data[in.a:in.b]
	v, err := parsePyInt(line, false)
	if err != nil {
		return 0, errorf(in.pos, in.op, "%v: %s", err, clip(line))
	}
	if !v.IsInt64() {
		return 0, errorf(in.pos, in.op, "memo index %s out of range", clipString(v.String()))
	}
	return v.Int64(), nil
}

func (m *machine) addGlobal(g Global) item {
	m.info.Globals = append(m.info.Globals, g)
	return mk(vGlobal, len(m.info.Globals)-1)
}

// step executes one instruction on the simulated stack. It reports whether
// the instruction was STOP.
func (m *machine) step(in instr) (bool, error) {
	m.site = in.pos
	data := m.data
	fail := func(format string, args ...any) (bool, error) {
		return false, errorf(in.pos, in.op, format, args...)
	}
	switch in.op.code {
	// Constants.
	case opINT:
		line := data[in.a:in.b]
		switch string(line) {
		case "00":
			m.push(mk(vFalse, in.pos))
			return false, nil
		case "01":
			m.push(mk(vTrue, in.pos))
			return false, nil
		}
		if _, err := parsePyInt(line, true); err != nil {
			return fail("%v: %s", err, clip(line))
		}
		m.push(mk(vInt, in.pos))
	case opLONG:
		line := data[in.a:in.b]
		if n := len(line); n > 0 && line[n-1] == 'L' {
			line = line[:n-1]
		}
		if _, err := parsePyInt(line, true); err != nil {
			return fail("%v: %s", err, clip(line))
		}
		m.push(mk(vInt, in.pos))
	case opBININT, opBININT1, opBININT2, opLONG1, opLONG4:
		m.push(mk(vInt, in.pos))
	case opFLOAT:
		if _, err := parsePyFloat(data[in.a:in.b]); err != nil {
			return fail("%v: %s", err, clip(data[in.a:in.b]))
		}
		m.push(mk(vOther, in.pos))
	case opBINFLOAT, opEMPTY_LIST, opEMPTY_DICT, opEMPTY_SET, opNEXT_BUFFER, opBYTEARRAY8:
		m.push(mk(vOther, in.pos))
	case opNONE:
		m.push(mk(vNone, in.pos))
	case opNEWTRUE:
		m.push(mk(vTrue, in.pos))
	case opNEWFALSE:
		m.push(mk(vFalse, in.pos))
	case opSTRING:
		inner, ok := stripQuotes(data[in.a:in.b])
		if !ok {
			return fail("the STRING opcode argument must be quoted")
		}
		var err error
		if m.scratch, err = escapeDecode(m.scratch[:0], inner); err != nil {
			return fail("%v", err)
		}
		m.push(mk(vStr, in.pos))
	case opBINSTRING, opSHORT_BINSTRING:
		m.push(mk(vStr, in.pos))
	case opUNICODE:
		var err error
		if m.scratch, err = rawUnicodeEscapeDecode(m.scratch[:0], data[in.a:in.b]); err != nil {
			return fail("'rawunicodeescape' codec can't decode: %v", err)
		}
		m.push(mk(vStr, in.pos))
	case opSHORT_BINUNICODE, opBINUNICODE, opBINUNICODE8:
		if !validUTF8(data[in.a:in.b], true) {
			return fail("'utf-8' codec can't decode the string")
		}
		m.push(mk(vStr, in.pos))
	case opBINBYTES, opSHORT_BINBYTES, opBINBYTES8:
		m.push(mk(vBytes, in.pos))

	// Containers.
	case opEMPTY_TUPLE:
		m.push(m.newTuple(nil, nil))
	case opTUPLE1, opTUPLE2, opTUPLE3:
		items, sites, err := m.popN(in, int(in.op.code-opTUPLE1)+1)
		if err != nil {
			return false, err
		}
		t := m.newTuple(items, sites)
		m.push(t)
	case opTUPLE:
		items, sites, err := m.popMark(in)
		if err != nil {
			return false, err
		}
		t := m.newTuple(items, sites)
		m.push(t)
	case opLIST, opFROZENSET:
		if _, _, err := m.popMark(in); err != nil {
			return false, err
		}
		m.push(mk(vOther, in.pos))
	case opDICT:
		items, _, err := m.popMark(in)
		if err != nil {
			return false, err
		}
		if len(items)%2 != 0 {
			return fail("odd number of items (%d) for a dict", len(items))
		}
		m.push(mk(vOther, in.pos))
	case opAPPEND:
		if _, err := m.pop(in); err != nil {
			return false, err
		}
		if _, err := m.top(in); err != nil {
			return false, err
		}
	case opSETITEM:
		if _, _, err := m.popN(in, 2); err != nil {
			return false, err
		}
		if _, err := m.top(in); err != nil {
			return false, err
		}
	case opAPPENDS, opADDITEMS, opSETITEMS:
		items, _, err := m.popMark(in)
		if err != nil {
			return false, err
		}
		if in.op.code == opSETITEMS && len(items)%2 != 0 {
			return fail("odd number of items (%d) for a dict", len(items))
		}
		if _, err := m.top(in); err != nil {
			return false, err
		}

	// Stack manipulation.
	case opMARK:
		m.push(mk(vMark, in.pos))
	case opPOP:
		if n := len(m.stack); n > 0 && m.stack[n-1].kind() != vMark {
			m.popN(in, 1)
		} else if _, _, err := m.popMark(in); err != nil {
			return false, err
		}
	case opPOP_MARK:
		if _, _, err := m.popMark(in); err != nil {
			return false, err
		}
	case opDUP:
		it, err := m.top(in)
		if err != nil {
			return false, err
		}
		m.push(it)

	// Memo.
	case opGET, opBINGET, opLONG_BINGET:
		key := in.n
		if in.op.code == opGET {
			var err error
			if key, err = m.memoIndex(in); err != nil {
				return false, err
			}
		}
		it, ok := m.memoGet(key)
		if !ok {
			return fail("memo value not found at index %d", key)
		}
		m.push(it)
	case opPUT, opBINPUT, opLONG_BINPUT, opMEMOIZE:
		key := in.n
		switch in.op.code {
		case opPUT:
			var err error
			if key, err = m.memoIndex(in); err != nil {
				return false, err
			}
			if key < 0 {
				return fail("negative PUT argument")
			}
		case opMEMOIZE:
			key = m.memoLen
		}
		it, err := m.top(in)
		if err != nil {
			return false, err
		}
		m.memoSet(key, it)

	// Imports.
	case opGLOBAL, opINST:
		mod, name := data[in.a:in.b], data[in.c:in.d]
		if in.op.code == opGLOBAL && !(utf8.Valid(mod) && utf8.Valid(name)) {
			return fail("module and name must be UTF-8")
		}
		if in.op.code == opINST && !(isASCII(mod) && isASCII(name)) {
			return fail("module and name must be ASCII")
		}
		g := m.addGlobal(Global{Module: string(mod), Name: string(name), Opcode: in.op.name, Offset: in.pos})
		if in.op.code == opINST {
			if _, _, err := m.popMark(in); err != nil {
				return false, err
			}
			g = mk(vOther, in.pos)
		}
		m.push(g)
	case opSTACK_GLOBAL:
		operands, _, err := m.popN(in, 2)
		if err != nil {
			return false, err
		}
		mod, name := operands[0], operands[1]
		if notStr(mod) || notStr(name) {
			return fail("STACK_GLOBAL requires str")
		}
		g := Global{Opcode: in.op.name, Offset: in.pos, Unresolved: true}
		if mod.kind() == vStr && name.kind() == vStr {
			_, g.Module = m.render(mod)
			_, g.Name = m.render(name)
			g.Unresolved = false
		}
		m.push(m.addGlobal(g))
	case opEXT1, opEXT2, opEXT4:
		if in.n <= 0 {
			return fail("EXT specifies code <= 0")
		}
		m.push(m.addGlobal(Global{Opcode: in.op.name, Offset: in.pos, Unresolved: true}))

	// Object construction.
	case opREDUCE:
		if _, _, err := m.popN(in, 2); err != nil {
			return false, err
		}
		m.push(mk(vOther, in.pos))
	case opBUILD:
		if _, err := m.pop(in); err != nil {
			return false, err
		}
		if _, err := m.top(in); err != nil {
			return false, err
		}
	case opNEWOBJ:
		if _, _, err := m.popN(in, 2); err != nil {
			return false, err
		}
		m.push(mk(vOther, in.pos))
	case opNEWOBJ_EX:
		if _, _, err := m.popN(in, 3); err != nil {
			return false, err
		}
		m.push(mk(vOther, in.pos))
	case opOBJ:
		items, _, err := m.popMark(in)
		if err != nil {
			return false, err
		}
		if len(items) == 0 {
			return fail("no class object after the MARK")
		}
		m.push(mk(vOther, in.pos))
	case opREADONLY_BUFFER:
		if _, err := m.top(in); err != nil {
			return false, err
		}

	// Persistent IDs.
	case opPERSID:
		line := data[in.a:in.b]
		if !isASCII(line) {
			return fail("persistent IDs in protocol 0 must be ASCII strings")
		}
		m.info.PersistentIDs = append(m.info.PersistentIDs, PersistentID{
			Offset: in.pos, Opcode: in.op.name, Tuple: []string{string(line)}, Kinds: []Kind{KindString},
		})
		m.push(mk(vOther, in.pos))
	case opBINPERSID:
		items, sites, err := m.popN(in, 1)
		if err != nil {
			return false, err
		}
		pid := items[0]
		if m.trackSites {
			m.persids = grow(m.persids, persidOperand{it: pid, site: sites[0]})
		}
		m.info.PersistentIDs = append(m.info.PersistentIDs, m.persistentID(in, pid))
		m.push(mk(vOther, in.pos))

	// Framing and control.
	case opPROTO:
		if in.n > highestProtocol {
			return fail("unsupported pickle protocol: %d", in.n)
		}
		if !m.sawProto {
			m.info.Protocol, m.sawProto = int(in.n), true
		}
	case opFRAME:
		// The reader has checked and entered the frame.
	case opSTOP:
		if _, err := m.pop(in); err != nil {
			return false, err
		}
		m.info.End = in.end
		return true, nil
	default:
		return fail("internal error: opcode without semantics")
	}
	return false, nil
}

// notStr reports whether an item is certainly not a str. Values made by
// GLOBAL or REDUCE could be anything.
func notStr(it item) bool {
	switch it.kind() {
	case vBytes, vInt, vTrue, vFalse, vNone, vTuple:
		return true
	}
	return false
}

func (m *machine) persistentID(in instr, pid item) PersistentID {
	p := PersistentID{Offset: in.pos, Opcode: in.op.name}
	switch pid.kind() {
	case vTuple:
		a, b := m.tupleBounds(pid.ref())
		p.Tuple = make([]string, 0, b-a)
		p.Kinds = make([]Kind, 0, b-a)
		for _, e := range m.elems[a:b] {
			k, s := m.render(e)
			p.Tuple = append(p.Tuple, s)
			p.Kinds = append(p.Kinds, k)
		}
	case vStr, vBytes, vInt, vTrue, vFalse, vNone, vGlobal:
		k, s := m.render(pid)
		p.Tuple, p.Kinds = []string{s}, []Kind{k}
	default:
		p.Unresolved = true
	}
	return p
}

// maxIntBytes bounds the two's complement ints rendered in decimal; larger
// ones are KindOther, which keeps rendering linear in the input.
const maxIntBytes = 1 << 12

type text struct {
	kind Kind
	s    string
}

// render gives a value's Kind and text. Constants are decoded once per
// opcode: a string fetched from the memo a thousand times is allocated
// once, which keeps memory linear in the input.
func (m *machine) render(it item) (Kind, string) {
	switch it.kind() {
	case vInt:
		switch m.data[it.ref()] {
		case opBININT, opBININT1, opBININT2: // short, and not worth a cache entry
			return KindInt, strconv.FormatInt(decodeAt(m.data, it.ref()).n, 10)
		}
		fallthrough
	case vStr, vBytes:
		if t, ok := m.texts[it.ref()]; ok {
			return t.kind, t.s
		}
		k, s := m.renderUncached(it)
		if m.texts == nil {
			m.texts = make(map[int]text)
		}
		m.texts[it.ref()] = text{k, s}
		return k, s
	}
	return m.renderUncached(it)
}

func (m *machine) renderUncached(it item) (Kind, string) {
	switch it.kind() {
	case vStr:
		return KindString, m.str(it.ref())
	case vBytes:
		in := decodeAt(m.data, it.ref())
		return KindBytes, string(m.data[in.a:in.b])
	case vInt:
		if v := m.int(it.ref()); v != nil {
			return KindInt, v.String()
		}
	case vTrue:
		return KindBool, "True"
	case vFalse:
		return KindBool, "False"
	case vNone:
		return KindNone, "None"
	case vGlobal:
		g := m.info.Globals[it.ref()]
		if g.Unresolved {
			return KindGlobal, ""
		}
		return KindGlobal, g.Module + "." + g.Name
	}
	return KindOther, ""
}

// decodeAt decodes the instruction at pos, which a scan has already
// decoded successfully once.
func decodeAt(data []byte, pos int) instr {
	r := newReader(data)
	r.pos = pos
	in, _ := r.next()
	return in
}

// str decodes the string constant pushed by the opcode at pos.
func (m *machine) str(pos int) string {
	in := decodeAt(m.data, pos)
	arg := m.data[in.a:in.b]
	var b []byte
	switch in.op.code {
	case opSTRING:
		inner, _ := stripQuotes(arg)
		raw, _ := escapeDecode(nil, inner)
		b = appendLatin1(nil, raw)
	case opBINSTRING, opSHORT_BINSTRING:
		b = appendLatin1(nil, arg)
	case opUNICODE:
		b, _ = rawUnicodeEscapeDecode(nil, arg)
	default:
		return string(arg)
	}
	return string(b)
}

// int decodes the int constant pushed by the opcode at pos; nil when it is
// too long to render.
func (m *machine) int(pos int) *big.Int {
	in := decodeAt(m.data, pos)
	switch in.op.code {
	case opBININT, opBININT1, opBININT2:
		return big.NewInt(in.n)
	case opLONG1, opLONG4:
		if in.b-in.a > maxIntBytes {
			return nil
		}
		return decodeLong(m.data[in.a:in.b])
	case opINT, opLONG:
		line := m.data[in.a:in.b]
		if n := len(line); in.op.code == opLONG && n > 0 && line[n-1] == 'L' {
			line = line[:n-1]
		}
		v, err := parsePyInt(line, true)
		if err != nil || v.BitLen() > 8*maxIntBytes {
			return nil
		}
		return v
	}
	return nil
}

// clip quotes an argument for an error message, shortened to 40 bytes.
func clip(b []byte) string {
	return clipString(string(b[:min(len(b), 41)]))
}

func clipString(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
