package pickle

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Disassemble writes a listing of the pickle's opcodes to w, one per line,
// for people (`pkgbuild cat --pickle`):
//
//	offset: [indent]OPCODE            argument  # note
//
// Lines are indented by the number of open MARKs (up to 16; deeper
// lines show the depth as "[17]"), an opcode that closes a
// MARK sits at the MARK's level, and the note tells what the simulated
// stack knows: the key a MEMOIZE used, the string a GET fetched, the global
// a STACK_GLOBAL resolved to, the persistent ID a BINPERSID loads. Strings
// are quoted Go-style and long arguments are shortened. The format is not
// stable; programs should call Scan.
//
// On a malformed stream the listing stops at the faulty opcode and
// Disassemble returns the same *Error that Scan does.
func Disassemble(w io.Writer, data []byte) error {
	bw := bufio.NewWriter(w)
	err := disassemble(bw, data)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

func disassemble(w *bufio.Writer, data []byte) error {
	m := newMachine(data, false)
	for {
		in, err := m.r.next()
		if err != nil {
			fmt.Fprintf(w, "%8d: error: %s\n", errOffset(err), errMsg(err))
			return err
		}
		before, memoKey := m.marks, m.memoLen
		stop, err := m.step(in)
		depth := min(before, m.marks)
		indent := min(depth, maxIndent)
		prefix := strings.Repeat("  ", indent)
		if depth > maxIndent {
			prefix = fmt.Sprintf("%-*s", 2*maxIndent, fmt.Sprintf("[%d] ", depth))
		}
		line := fmt.Sprintf("%8d: %s%s", in.pos, prefix, in.op.name)
		arg, note := m.argText(in), ""
		if err == nil {
			note = m.note(in, memoKey)
		}
		switch {
		case arg != "":
			line = fmt.Sprintf("%-*s %s", 10+2*indent+18, line, arg)
			if note != "" {
				line += "  # " + note
			}
		case note != "":
			line = fmt.Sprintf("%-*s # %s", 10+2*indent+18, line, note)
		}
		fmt.Fprintln(w, line)
		if err != nil {
			fmt.Fprintf(w, "%8d: error: %s\n", in.pos, errMsg(err))
			return err
		}
		if stop {
			fmt.Fprintf(w, "%8d: end of pickle, protocol %d", in.end, m.info.Protocol)
			if rest := len(data) - in.end; rest > 0 {
				fmt.Fprintf(w, ", %d trailing byte(s) ignored", rest)
			}
			fmt.Fprintln(w)
			return w.Flush()
		}
	}
}

func errOffset(err error) int {
	if e, ok := err.(*Error); ok {
		return e.Offset
	}
	return 0
}

func errMsg(err error) string {
	if e, ok := err.(*Error); ok {
		if e.Op != "" {
			return e.Op + ": " + e.Msg
		}
		return e.Msg
	}
	return err.Error()
}

// maxIndent bounds the indentation, so that a listing of deeply nested
// MARKs stays linear in size; deeper lines show their depth instead.
const maxIndent = 16

// maxShown bounds the bytes of a string or bytes argument shown.
const maxShown = 100

func shorten(s string, bytes bool) string {
	n := len(s)
	if n > maxShown {
		s = s[:maxShown]
	}
	q := strconv.Quote(s)
	if bytes {
		q = "b" + q
	}
	if n > maxShown {
		q += fmt.Sprintf("... (%d bytes)", n)
	}
	return q
}

// lineText shows a line argument as written when it is printable ASCII,
// else quoted.
func lineText(b []byte) string {
	for _, c := range b {
		if c < ' ' || c > '~' {
			return shorten(string(b), false)
		}
	}
	if len(b) > maxShown {
		return string(b[:maxShown]) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return string(b)
}

func (m *machine) argText(in instr) string {
	arg := m.data[in.a:in.b]
	switch in.op.arg {
	case argNone:
		return ""
	case argUint1, argUint2, argInt4, argUint4:
		return strconv.FormatInt(in.n, 10)
	case argUint8:
		return strconv.FormatUint(uint64(in.n), 10)
	case argFloat8:
		return strconv.FormatFloat(float8(arg), 'g', -1, 64)
	case argDecimalnlShort, argDecimalnlLong, argMemoIndexnl, argFloatnl, argStringnl, argStringnlNoescape:
		return lineText(arg)
	case argStringnlPair:
		return lineText(arg) + " " + lineText(m.data[in.c:in.d])
	case argUnicodestringnl, argString1, argString4, argUnicodestring1, argUnicodestring4, argUnicodestring8:
		if in.op.code == opUNICODE && !validRawUnicode(arg) {
			return lineText(arg)
		}
		return shorten(m.str(in.pos), false)
	case argBytes1, argBytes4, argBytes8:
		return shorten(string(arg), true)
	case argLong1, argLong4:
		if v := m.int(in.pos); v != nil {
			return v.String()
		}
		return fmt.Sprintf("<%d-byte int>", len(arg))
	}
	return ""
}

func validRawUnicode(b []byte) bool {
	_, err := rawUnicodeEscapeDecode(nil, b)
	return err == nil
}

// note is the comment after an instruction that executed without error.
func (m *machine) note(in instr, memoKey int64) string {
	switch in.op.code {
	case opMEMOIZE:
		return fmt.Sprintf("memo[%d]", memoKey)
	case opINT:
		switch m.stack[len(m.stack)-1].kind() {
		case vTrue:
			return "True"
		case vFalse:
			return "False"
		}
	case opGET, opBINGET, opLONG_BINGET, opSTACK_GLOBAL:
		return m.valueText(m.stack[len(m.stack)-1])
	case opBINPERSID:
		p := m.info.PersistentIDs[len(m.info.PersistentIDs)-1]
		return "persistent ID " + p.String()
	case opFRAME:
		return fmt.Sprintf("frame ends at offset %d", m.r.frameEnd)
	}
	return ""
}

// valueText shows a simulated value as in Python source, where we know it.
func (m *machine) valueText(it item) string {
	switch it.kind() {
	case vGlobal:
		g := m.info.Globals[it.ref()]
		if g.Unresolved {
			return "unresolved global"
		}
		return "global " + g.Module + " " + g.Name
	case vTuple:
		return "tuple"
	case vOther:
		return ""
	}
	k, s := m.render(it)
	return textOf(k, s)
}

func textOf(k Kind, s string) string {
	switch k {
	case KindString:
		return shorten(s, false)
	case KindBytes:
		return shorten(s, true)
	case KindOther:
		return "?"
	case KindGlobal:
		if s == "" {
			return "unresolved global"
		}
	}
	return s
}

// String shows a persistent ID as a Python tuple: ("storage",
// torch.FloatStorage, "0", "cpu", 6), with ? for elements not followed.
func (p PersistentID) String() string {
	if p.Unresolved {
		return "?"
	}
	if p.Opcode == "PERSID" {
		return shorten(p.Tuple[0], false)
	}
	var b strings.Builder
	b.WriteByte('(')
	for i, s := range p.Tuple {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(textOf(p.Kinds[i], s))
	}
	if len(p.Tuple) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}
