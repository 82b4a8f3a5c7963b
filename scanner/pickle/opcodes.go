package pickle

// argKind says how an opcode's inline argument is encoded. The names follow
// the ArgumentDescriptor names of CPython's Lib/pickletools.py.
type argKind uint8

const (
	argNone             argKind = iota
	argUint1                    // 1-byte unsigned
	argUint2                    // 2-byte little-endian unsigned
	argInt4                     // 4-byte little-endian signed
	argUint4                    // 4-byte little-endian unsigned
	argUint8                    // 8-byte little-endian unsigned
	argFloat8                   // 8-byte big-endian IEEE 754
	argDecimalnlShort           // INT: decimal line, "00"/"01" are False/True
	argDecimalnlLong            // LONG: decimal line with an optional trailing L
	argMemoIndexnl              // GET, PUT: decimal line
	argFloatnl                  // FLOAT: float line
	argStringnl                 // STRING: quoted line with Python escapes
	argStringnlNoescape         // PERSID: raw ASCII line
	argStringnlPair             // GLOBAL, INST: two raw lines "module\nname\n"
	argUnicodestringnl          // UNICODE: raw-unicode-escape line
	argString1                  // SHORT_BINSTRING: uint1 length + bytes
	argString4                  // BINSTRING: int4 length + bytes
	argBytes1                   // SHORT_BINBYTES
	argBytes4                   // BINBYTES
	argBytes8                   // BINBYTES8, BYTEARRAY8
	argUnicodestring1           // SHORT_BINUNICODE: uint1 length + UTF-8
	argUnicodestring4           // BINUNICODE
	argUnicodestring8           // BINUNICODE8
	argLong1                    // LONG1: uint1 length + two's complement
	argLong4                    // LONG4: int4 length + two's complement
)

// opInfo describes one opcode of the pickle machine, protocols 0 to 5.
type opInfo struct {
	code  byte
	name  string
	arg   argKind
	proto int // protocol that introduced the opcode
}

// Opcode bytes, named as in pickletools.
const (
	opINT              = 'I'
	opBININT           = 'J'
	opBININT1          = 'K'
	opBININT2          = 'M'
	opLONG             = 'L'
	opLONG1            = 0x8a
	opLONG4            = 0x8b
	opSTRING           = 'S'
	opBINSTRING        = 'T'
	opSHORT_BINSTRING  = 'U'
	opBINBYTES         = 'B'
	opSHORT_BINBYTES   = 'C'
	opBINBYTES8        = 0x8e
	opBYTEARRAY8       = 0x96
	opNEXT_BUFFER      = 0x97
	opREADONLY_BUFFER  = 0x98
	opNONE             = 'N'
	opNEWTRUE          = 0x88
	opNEWFALSE         = 0x89
	opUNICODE          = 'V'
	opSHORT_BINUNICODE = 0x8c
	opBINUNICODE       = 'X'
	opBINUNICODE8      = 0x8d
	opFLOAT            = 'F'
	opBINFLOAT         = 'G'
	opEMPTY_LIST       = ']'
	opAPPEND           = 'a'
	opAPPENDS          = 'e'
	opLIST             = 'l'
	opEMPTY_TUPLE      = ')'
	opTUPLE            = 't'
	opTUPLE1           = 0x85
	opTUPLE2           = 0x86
	opTUPLE3           = 0x87
	opEMPTY_DICT       = '}'
	opDICT             = 'd'
	opSETITEM          = 's'
	opSETITEMS         = 'u'
	opEMPTY_SET        = 0x8f
	opADDITEMS         = 0x90
	opFROZENSET        = 0x91
	opPOP              = '0'
	opDUP              = '2'
	opMARK             = '('
	opPOP_MARK         = '1'
	opGET              = 'g'
	opBINGET           = 'h'
	opLONG_BINGET      = 'j'
	opPUT              = 'p'
	opBINPUT           = 'q'
	opLONG_BINPUT      = 'r'
	opMEMOIZE          = 0x94
	opEXT1             = 0x82
	opEXT2             = 0x83
	opEXT4             = 0x84
	opGLOBAL           = 'c'
	opSTACK_GLOBAL     = 0x93
	opREDUCE           = 'R'
	opBUILD            = 'b'
	opINST             = 'i'
	opOBJ              = 'o'
	opNEWOBJ           = 0x81
	opNEWOBJ_EX        = 0x92
	opPROTO            = 0x80
	opSTOP             = '.'
	opFRAME            = 0x95
	opPERSID           = 'P'
	opBINPERSID        = 'Q'
)

// opTable is pickletools.opcodes, in the same order.
var opTable = []opInfo{
	{opINT, "INT", argDecimalnlShort, 0},
	{opBININT, "BININT", argInt4, 1},
	{opBININT1, "BININT1", argUint1, 1},
	{opBININT2, "BININT2", argUint2, 1},
	{opLONG, "LONG", argDecimalnlLong, 0},
	{opLONG1, "LONG1", argLong1, 2},
	{opLONG4, "LONG4", argLong4, 2},
	{opSTRING, "STRING", argStringnl, 0},
	{opBINSTRING, "BINSTRING", argString4, 1},
	{opSHORT_BINSTRING, "SHORT_BINSTRING", argString1, 1},
	{opBINBYTES, "BINBYTES", argBytes4, 3},
	{opSHORT_BINBYTES, "SHORT_BINBYTES", argBytes1, 3},
	{opBINBYTES8, "BINBYTES8", argBytes8, 4},
	{opBYTEARRAY8, "BYTEARRAY8", argBytes8, 5},
	{opNEXT_BUFFER, "NEXT_BUFFER", argNone, 5},
	{opREADONLY_BUFFER, "READONLY_BUFFER", argNone, 5},
	{opNONE, "NONE", argNone, 0},
	{opNEWTRUE, "NEWTRUE", argNone, 2},
	{opNEWFALSE, "NEWFALSE", argNone, 2},
	{opUNICODE, "UNICODE", argUnicodestringnl, 0},
	{opSHORT_BINUNICODE, "SHORT_BINUNICODE", argUnicodestring1, 4},
	{opBINUNICODE, "BINUNICODE", argUnicodestring4, 1},
	{opBINUNICODE8, "BINUNICODE8", argUnicodestring8, 4},
	{opFLOAT, "FLOAT", argFloatnl, 0},
	{opBINFLOAT, "BINFLOAT", argFloat8, 1},
	{opEMPTY_LIST, "EMPTY_LIST", argNone, 1},
	{opAPPEND, "APPEND", argNone, 0},
	{opAPPENDS, "APPENDS", argNone, 1},
	{opLIST, "LIST", argNone, 0},
	{opEMPTY_TUPLE, "EMPTY_TUPLE", argNone, 1},
	{opTUPLE, "TUPLE", argNone, 0},
	{opTUPLE1, "TUPLE1", argNone, 2},
	{opTUPLE2, "TUPLE2", argNone, 2},
	{opTUPLE3, "TUPLE3", argNone, 2},
	{opEMPTY_DICT, "EMPTY_DICT", argNone, 1},
	{opDICT, "DICT", argNone, 0},
	{opSETITEM, "SETITEM", argNone, 0},
	{opSETITEMS, "SETITEMS", argNone, 1},
	{opEMPTY_SET, "EMPTY_SET", argNone, 4},
	{opADDITEMS, "ADDITEMS", argNone, 4},
	{opFROZENSET, "FROZENSET", argNone, 4},
	{opPOP, "POP", argNone, 0},
	{opDUP, "DUP", argNone, 0},
	{opMARK, "MARK", argNone, 0},
	{opPOP_MARK, "POP_MARK", argNone, 1},
	{opGET, "GET", argMemoIndexnl, 0},
	{opBINGET, "BINGET", argUint1, 1},
	{opLONG_BINGET, "LONG_BINGET", argUint4, 1},
	{opPUT, "PUT", argMemoIndexnl, 0},
	{opBINPUT, "BINPUT", argUint1, 1},
	{opLONG_BINPUT, "LONG_BINPUT", argUint4, 1},
	{opMEMOIZE, "MEMOIZE", argNone, 4},
	{opEXT1, "EXT1", argUint1, 2},
	{opEXT2, "EXT2", argUint2, 2},
	{opEXT4, "EXT4", argInt4, 2},
	{opGLOBAL, "GLOBAL", argStringnlPair, 0},
	{opSTACK_GLOBAL, "STACK_GLOBAL", argNone, 4},
	{opREDUCE, "REDUCE", argNone, 0},
	{opBUILD, "BUILD", argNone, 0},
	{opINST, "INST", argStringnlPair, 0},
	{opOBJ, "OBJ", argNone, 1},
	{opNEWOBJ, "NEWOBJ", argNone, 2},
	{opNEWOBJ_EX, "NEWOBJ_EX", argNone, 4},
	{opPROTO, "PROTO", argUint1, 2},
	{opSTOP, "STOP", argNone, 0},
	{opFRAME, "FRAME", argUint8, 4},
	{opPERSID, "PERSID", argStringnlNoescape, 0},
	{opBINPERSID, "BINPERSID", argNone, 1},
}

// ops maps an opcode byte to its description; nil for bytes that are not
// opcodes.
var ops [256]*opInfo

func init() {
	for i := range opTable {
		op := &opTable[i]
		if ops[op.code] != nil {
			panic("pickle: duplicate opcode " + op.name)
		}
		ops[op.code] = op
	}
}

// highestProtocol is pickle.HIGHEST_PROTOCOL of the Pythons we model.
const highestProtocol = 5
