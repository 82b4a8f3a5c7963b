package pickle

import "fmt"

// Error is a problem found in a pickle stream: where it is, which opcode was
// being read, and what is wrong. Scan, Disassemble and RewritePersistentIDs
// return it for every malformed or hostile input; they never panic.
type Error struct {
	// Offset is the byte offset of the opcode at fault, or of the end of the
	// input when the stream stops before a STOP opcode.
	Offset int
	// Op is the pickletools name of the opcode ("BINUNICODE"), or "" when
	// the byte at Offset is not an opcode or there is no byte at all.
	Op string
	// Msg says what is wrong, in the words of the Python unpickler where it
	// has some.
	Msg string
}

func (e *Error) Error() string {
	if e.Op == "" {
		return fmt.Sprintf("pickle: offset %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("pickle: offset %d: %s: %s", e.Offset, e.Op, e.Msg)
}

func errorf(off int, op *opInfo, format string, args ...any) *Error {
	e := &Error{Offset: off, Msg: fmt.Sprintf(format, args...)}
	if op != nil {
		e.Op = op.name
	}
	return e
}
