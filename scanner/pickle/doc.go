// Package pickle reads Python pickles without running them. It walks the
// opcode stream of protocols 0 to 5 and reports what loading the pickle
// would import and which out-of-band data (torch storages) it would ask
// for. pkgbuild uses it to find the modules a torch.package resource needs,
// to audit pickles, to list them (pkgbuild cat --pickle), and to renumber
// storage keys when packages are merged.
//
// # Input
//
// One pickle in a byte slice, read from its first byte to its STOP
// opcode. Bytes after STOP are ignored, as unpicklers ignore them;
// Info.End says where the pickle ended.
//
// # Output
//
// Scan returns an Info:
//
//   - Globals, in stream order: every GLOBAL and INST (module and name
//     are inline), every STACK_GLOBAL (module and name are the two values
//     under it on the stack), and every EXT1, EXT2 and EXT4 (an import
//     through copyreg's extension registry). A Global whose names cannot be
//     known without running the pickle is Unresolved: no pickler writes
//     one, so it is a sign of a hand-made, probably hostile, stream.
//   - PersistentIDs, in stream order: the line of each PERSID, and the
//     operand of each BINPERSID, as text with Kinds. torch.package writes a
//     storage as ("storage", torch.FloatStorage, 0, "cpu", 6): a string, a
//     global, the int key of .data/0.storage, the location and the element
//     count; torch.save writes the key as a str.
//   - Protocol: the argument of the first PROTO opcode, 0 without one.
//
// Info.Modules turns Globals into the dependency list torch 1.13's
// PackageExporter.save_pickle records (see below). Disassemble writes a
// listing for people. RewritePersistentIDs re-encodes persistent IDs in
// place.
//
// # How STACK_GLOBAL is resolved
//
// Scan simulates the unpickler's stack and memo with placeholders, never
// with Python objects. A placeholder is a string, bytes, int, bool or None
// constant (which remembers the opcode that made it, so its text is decoded
// only when needed), a tuple of placeholders, a global, a MARK, or
// "unknown" for everything built by the pickle (lists, dicts, sets, and
// the results of REDUCE, BUILD, NEWOBJ, OBJ, INST, PERSID and BINPERSID).
// Every opcode moves placeholders exactly as CPython 3.11's Lib/pickle.py
// moves objects: MARK, POP (which pops a MARK when nothing is above it),
// POP_MARK, DUP, the container opcodes, and the memo, where PUT, BINPUT and
// LONG_BINPUT store under their argument and MEMOIZE under the memo's
// current size. So STACK_GLOBAL's operands are known whenever they are
// string constants (from any of SHORT_BINUNICODE, BINUNICODE, BINUNICODE8,
// UNICODE, SHORT_BINSTRING, BINSTRING, STRING), however they reached the
// stack: directly, through the memo, or through DUP. Operands of any other
// origin make the Global Unresolved.
//
// # Guarantees
//
//   - Nothing is executed, imported or constructed.
//   - No input makes Scan, Disassemble or RewritePersistentIDs panic. A
//     stream is rejected with an *Error (offset, opcode, message) when the
//     pure-Python unpickler of CPython 3.11 (Lib/pickle.py, the base of
//     torch.package's PackageUnpickler) would reject it whatever its
//     find_class and persistent_load do: an unknown opcode; an argument
//     that is truncated, lacks its newline, crosses the end of its FRAME,
//     or has a negative or oversized length; a FRAME inside an unfinished
//     frame; PROTO above 5; an INT, LONG, FLOAT, GET or PUT argument that
//     Python's int() or float() refuses (including decimal ints over 4300
//     digits); a STRING without matching quotes or with a bad \x escape; a
//     UNICODE with a bad \u or \U escape; a BINUNICODE that is not UTF-8
//     (surrogates allowed); a GLOBAL that is not UTF-8, or an INST or
//     PERSID that is not ASCII; a pop from an empty stack or across a
//     MARK; a missing MARK; an odd number of dict items; an OBJ without a
//     class; a GET of a memo index never stored; a negative PUT; an EXT
//     code of 0 or less; a STACK_GLOBAL whose operand is certainly not a
//     str (an int, bytes, None, a bool or a tuple); and the end of the
//     input before STOP. The known differences: Scan accepts NEXT_BUFFER
//     (which needs a buffers argument) and positive EXT codes (which need
//     a registry entry); it rejects memo indexes beyond 2^63-1, which
//     Python would take; and FLOAT is checked with Go's ParseFloat, less
//     hexadecimal floats.
//   - On error the Info is still returned, with what was found before the
//     fault: an unpickler would have performed those imports before
//     failing.
//   - Every declared length is checked against the rest of the input
//     before anything is read, so a stream claiming 2^62 bytes costs
//     nothing. Time is linear in the input. Memory is linear too: at most
//     48 bytes allocated per input byte, which the tests check on
//     adversarial inputs (a real pickle needs far less). Nothing recurses,
//     so nesting depth is limited only by the input's length.
//
// # Compatibility with torch 1.13
//
// PackageExporter.save_pickle (torch/package/package_exporter.py) finds a
// pickle's dependencies with pickletools.genops: for pickle_protocol 3 it
// takes the module of every GLOBAL; for protocol 4 it treats the last two
// strings seen as the operands of each STACK_GLOBAL. Modules lists the
// modules of all resolved Globals, first use first, without repeats: the
// list torch records, in torch's order, for the pickles its pickler
// writes. It is deliberately more correct on these streams, each
// demonstrated with torch's own code by a testdata/quirk_*.pkl (the first
// two are written by torch's own pickler):
//
//  1. torch looks for an opcode named "BINGET_LONG"; the opcode is
//     LONG_BINGET, so a module name recalled from memo index 256 or above
//     is missed and the string before it (a dict key, say) becomes the
//     module. This happens in ordinary pickles with many memoized objects.
//  2. torch follows SHORT_BINUNICODE and BINUNICODE8 but not BINUNICODE,
//     so a name longer than 255 bytes is missed the same way.
//  3. torch ignores the stack: strings pushed and then popped, or stored
//     in a container, still count as operands. A hostile pickle can show
//     torch one module and import another.
//  4. torch reads only GLOBAL in protocol 3 and only STACK_GLOBAL in
//     protocol 4, and ignores INST; every unpickler obeys all three in any
//     protocol. torch also takes the protocol from its pickle_protocol
//     argument, Scan from the stream.
//  5. Where torch cannot follow a STACK_GLOBAL it asserts or guesses;
//     Modules leaves an Unresolved Global out, and the Global says why.
//
// # Differences from pickletools
//
// Where pickletools and the unpickler disagree, Scan follows the
// unpickler: GLOBAL, INST and PERSID lines are taken as written
// (pickletools undoes backslash escapes in them), and INT and LONG are
// parsed as int(x, 0) (pickletools uses base 10). STRING, BINSTRING and
// SHORT_BINSTRING are read as Latin-1, as pickletools does (the unpickler
// uses its encoding argument, ASCII by default). Strings are UTF-8, with a
// lone surrogate, which a Python str may hold, in its 3-byte form.
//
// # Non-goals
//
//   - Loading: no object is built, and values other than the constants
//     above (floats, containers, objects) are not reported.
//   - Resolving names: globals are reported as written. The Python 2 names
//     that the unpickler maps for protocols below 3 (__builtin__ to
//     builtins) are not mapped, and whether a module or name exists is not
//     checked.
//   - The extension registry: EXT opcodes are always Unresolved.
//   - Streaming: the whole pickle is in memory.
package pickle
