#!/usr/bin/python3
"""Test pickles for github.com/pkgbuild/pkgbuild/scanner/pickle, and what
Python says about them.

    /usr/bin/python3 gen_pickles.py generate DIR   # write DIR/*.pkl, DIR/*.json, DIR/package.pt
    /usr/bin/python3 gen_pickles.py analyze FILE.pkl...   # print the analysis as JSON
    /usr/bin/python3 gen_pickles.py persids FILE.pkl...   # load inertly, print the persistent IDs

Needs CPython 3.11 and torch 1.13 (Debian's python3-torch). The committed
testdata was made with `generate .` in this directory; the Go tests read it
without Python, and TestPythonDifferential runs this script again.

For every pickle, the .json next to it records:

  ops       pickletools.genops: [offset, opcode name, [type, text] or null]
  protocol  the first PROTO argument, 0 without one
  globals   GLOBAL / INST / STACK_GLOBAL / EXT* in stream order, found by a
            stack simulation driven by pickletools' stack_before/stack_after
            tables (independent of the Go code's hand-written semantics)
  persistent_ids   the (recoverable) elements of each PERSID / BINPERSID
  torch     for protocols 3 and 4: the modules torch 1.13's
            PackageExporter.save_pickle adds as dependencies, computed by
            running the real save_pickle on these exact bytes; or the
            exception its scan raised
  error     set instead when genops cannot read the pickle
"""

import collections
import datetime
import fractions
import io
import json
import os
import pickle
import pickletools
import shutil
import struct
import sys
import tempfile
import zipfile

# ---------------------------------------------------------------------------
# Modules whose classes the pickles reference. They are written to a
# temporary directory, so the pickles name zoo.animals, zoo.plants and
# garden.tools.

SOURCES = {
    "zoo/__init__.py": "",
    "zoo/animals.py": '''
class Animal:
    def __init__(self, name, legs):
        self.name = name
        self.legs = legs

class Cat(Animal):
    pass

class Dog(Animal):
    def __init__(self, name, tricks):
        super().__init__(name, 4)
        self.tricks = tricks

# A class whose name needs BINUNICODE (more than 255 bytes of UTF-8).
LONG_NAME = "Lo" + "o" * 260 + "ng"
globals()[LONG_NAME] = type(LONG_NAME, (), {"__module__": __name__})
''',
    "zoo/plants.py": '''
import dataclasses
import enum

@dataclasses.dataclass
class Fern:
    height: float
    fronds: list

class Colour(enum.Enum):
    GREEN = 1
    BROWN = 2
''',
    "garden/__init__.py": "",
    "garden/tools.py": '''
def make_rake(teeth):
    return Rake(teeth)

class Rake:
    def __init__(self, teeth):
        self.teeth = teeth

    def __reduce__(self):
        return (make_rake, (self.teeth,))

class Shed:
    class Shelf:
        def __init__(self, n):
            self.n = n
''',
}


def install_sources():
    root = tempfile.mkdtemp(prefix="pkgbuild-pickle-src-")
    for rel, text in SOURCES.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    sys.path.insert(0, root)
    return root


def zoo_object():
    from zoo.animals import Cat, Dog
    from zoo.plants import Fern, Colour
    from garden.tools import Rake, Shed

    shared = ["shared", 1]
    return {
        "cats": [Cat("Tom", 4), Cat("Felix", 4)],
        "dog": Dog("Rex", ["sit", "roll"]),
        "fern": Fern(0.5, [1, 2]),
        "colour": Colour.GREEN,
        "rake": Rake(12),
        "shelf": Shed.Shelf(3),
        "od": collections.OrderedDict(a=1),
        "date": datetime.date(2024, 1, 2),
        "frac": fractions.Fraction(1, 3),
        "set": {1, 2},
        "fs": frozenset({3}),
        "bytes": b"\x00\xffraw",
        "ba": bytearray(b"ba"),
        "big": 2**100,
        "neg": -5,
        "huge": -(2**5000),
        "f": 1.25,
        "t": (1, "two", None, True, False),
        "u": "h\u00e9llo \u2603 \U0001f600 back\\slash new\nline",
        "long": "x" * 300,
        "cplx": complex(1, 2),
        "a": shared,
        "b": shared,
    }


# ---------------------------------------------------------------------------
# Hand-made pickles, for opcodes Python 3's picklers never write and for
# streams that show torch 1.13's quirks.

def op(name):
    return next(o for o in pickletools.opcodes if o.name == name).code.encode("latin-1")


def u1(n):
    return struct.pack("<B", n)


def u4(n):
    return struct.pack("<I", n)


def u8(n):
    return struct.pack("<Q", n)


def sbu(s):  # SHORT_BINUNICODE
    b = s.encode()
    return op("SHORT_BINUNICODE") + u1(len(b)) + b


def all_opcodes():
    """Every opcode of protocols 0-5 at least once, in a stream the
    unpickler's stack discipline accepts (EXT2 and NEXT_BUFFER would fail
    at load time only for want of a registry entry or a buffer)."""
    p = b""
    p += op("PROTO") + u1(5)
    body = b""
    body += op("MARK")
    body += op("INT") + b"42\n" + op("INT") + b"01\n" + op("INT") + b"00\n"
    body += op("BININT") + struct.pack("<i", -7) + op("BININT1") + u1(7) + op("BININT2") + struct.pack("<H", 700)
    body += op("LONG") + b"123456789012345678901234567890L\n"
    body += op("LONG1") + u1(2) + b"\x00\x80" + op("LONG4") + u4(3) + b"\x01\x02\x03"
    body += op("STRING") + b"'it\\'s \\x41\\101\\n'\n" + op("BINSTRING") + u4(3) + b"abc" + op("SHORT_BINSTRING") + u1(2) + b"hi"
    body += op("BINBYTES") + u4(2) + b"\x00\x01" + op("SHORT_BINBYTES") + u1(1) + b"\xff" + op("BINBYTES8") + u8(3) + b"b8!"
    body += op("BYTEARRAY8") + u8(2) + b"ba"
    body += op("NEXT_BUFFER") + op("READONLY_BUFFER")
    body += op("NONE") + op("NEWTRUE") + op("NEWFALSE")
    body += op("UNICODE") + b"caf\\u00e9 \\U0001f600 \xe9\n"
    body += sbu("short") + op("BINUNICODE") + u4(4) + b"four" + op("BINUNICODE8") + u8(5) + b"eight"
    body += op("FLOAT") + b"-1.5e3\n" + op("BINFLOAT") + struct.pack(">d", 0.25)
    body += op("EMPTY_LIST") + op("BININT1") + u1(1) + op("APPEND")
    body += op("MARK") + op("BININT1") + u1(2) + op("BININT1") + u1(3) + op("APPENDS")
    body += op("MARK") + op("NONE") + op("LIST")
    body += op("EMPTY_TUPLE") + op("MARK") + op("NONE") + op("TUPLE")
    body += op("NONE") + op("TUPLE1") + op("NONE") + op("NONE") + op("TUPLE2") + op("NONE") + op("NONE") + op("NONE") + op("TUPLE3")
    body += op("EMPTY_DICT") + sbu("k") + op("NONE") + op("SETITEM")
    body += op("MARK") + sbu("k2") + op("NONE") + op("SETITEMS")
    body += op("MARK") + sbu("k3") + op("NONE") + op("DICT")
    body += op("EMPTY_SET") + op("MARK") + op("BININT1") + u1(4) + op("ADDITEMS")
    body += op("MARK") + op("BININT1") + u1(5) + op("FROZENSET")
    body += op("NONE") + op("POP") + op("MARK") + op("POP")  # POP of a MARK
    body += op("MARK") + op("NONE") + op("NONE") + op("POP_MARK")
    body += op("NONE") + op("DUP") + op("POP")
    body += sbu("memo") + op("PUT") + b"1000\n" + op("POP") + op("GET") + b"1000\n"
    body += op("BINPUT") + u1(7) + op("BINGET") + u1(7)
    body += op("LONG_BINPUT") + u4(70000) + op("LONG_BINGET") + u4(70000)
    body += op("MEMOIZE") + op("POP")
    body += op("EXT1") + u1(1) + op("EXT2") + struct.pack("<H", 300) + op("EXT4") + struct.pack("<i", 70000)
    body += op("GLOBAL") + b"zoo.animals\nCat\n"
    body += sbu("zoo.plants") + sbu("Fern") + op("STACK_GLOBAL")
    body += op("EMPTY_TUPLE") + op("REDUCE")
    body += op("EMPTY_DICT") + op("BUILD")
    body += op("MARK") + op("BININT1") + u1(1) + op("INST") + b"garden.tools\nRake\n"
    body += op("MARK") + op("GLOBAL") + b"garden.tools\nRake\n" + op("BININT1") + u1(2) + op("OBJ")
    body += op("GLOBAL") + b"zoo.animals\nDog\n" + op("EMPTY_TUPLE") + op("NEWOBJ")
    body += op("GLOBAL") + b"zoo.animals\nDog\n" + op("EMPTY_TUPLE") + op("EMPTY_DICT") + op("NEWOBJ_EX")
    body += op("PERSID") + b"storage 0 cpu\n"
    body += op("MARK") + sbu("storage") + op("GLOBAL") + b"torch\nFloatStorage\n" + sbu("0") + sbu("cpu") + op("BININT1") + u1(6) + op("TUPLE") + op("BINPERSID")
    body += op("LIST")
    body += op("STOP")
    frame = op("FRAME") + u8(len(body) - 1)  # all but STOP is framed
    return p + frame + body


def protocol0_text():
    """The protocol 0 text forms, written by hand: INST with PUT/GET, STRING
    with both quotes, LONG with and without L, PERSID."""
    return (
        b"(lp0\n"
        b"(izoo.animals\nCat\np1\n(dp2\nS'name'\np3\nS\"Tom\"\np4\nsS'legs'\np5\nI4\nsbag1\n"
        b"aL12L\naL-3\naI01\naF2.5\naVsnow \\u2603\np6\nag6\n"
        b"aPstorage 7 cpu\n"
        b"acgarden.tools\nmake_rake\np7\n(I3\ntRa."
    )


def decoy_stack_global():
    """A hostile protocol 4 stream: the strings just before STACK_GLOBAL are
    not its operands. The unpickler imports os.system; torch 1.13's scan
    believes the module is 'system'."""
    return (op("PROTO") + u1(4) + sbu("os") + sbu("system") + sbu("decoy") + op("POP")
            + op("STACK_GLOBAL") + op("STOP"))


def unresolved_stack_global():
    """A protocol 4 stream whose STACK_GLOBAL module name is computed at load
    time (str('os') through REDUCE): nothing static can name it."""
    return (op("PROTO") + u1(4) + op("GLOBAL") + b"builtins\nstr\n" + sbu("os") + op("TUPLE1")
            + op("REDUCE") + sbu("getcwd") + op("STACK_GLOBAL") + op("EMPTY_TUPLE") + op("REDUCE") + op("STOP"))


def global_in_protocol4():
    """GLOBAL in a protocol 4 stream: no pickler writes it, every unpickler
    obeys it, torch 1.13's protocol 4 scan skips it."""
    return op("PROTO") + u1(4) + op("GLOBAL") + b"zoo.animals\nCat\n" + op("STOP")


# ---------------------------------------------------------------------------
# Analysis.

def arg_json(opcode, arg):
    if arg is None:
        return None
    if isinstance(arg, bool):
        return ["bool", str(arg)]
    if isinstance(arg, int):
        return ["int", str(arg)]
    if isinstance(arg, float):
        return ["float", repr(arg)]
    if isinstance(arg, (bytes, bytearray)):
        return ["bytes", bytes(arg).hex()]
    if isinstance(arg, str):
        return ["str", arg]
    raise TypeError(type(arg))


MARK = object()


def simulate(data):
    """Globals and persistent IDs from pickletools.genops, with a stack
    whose shape follows pickletools' stack_before/stack_after tables."""
    stack, memo = [], {}
    globals_, pids, protocol = [], [], None
    passthrough = {"APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS", "BUILD", "READONLY_BUFFER"}
    for opcode, arg, pos in pickletools.genops(data):
        name, before, after = opcode.name, opcode.stack_before, opcode.stack_after
        if name == "PROTO" and protocol is None:
            protocol = arg
        if name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1]
            continue
        if name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
            continue
        if name == "POP" and (not stack or stack[-1] is MARK):
            before = [pickletools.markobject, pickletools.stackslice]
        if pickletools.markobject in before:
            i = len(stack) - 1 - stack[::-1].index(MARK)
            popped = stack[i + 1:]
            del stack[i:]
            k = before.index(pickletools.markobject)
            below = stack[len(stack) - k:] if k else []
            del stack[len(stack) - k:]
        else:
            k = len(before)
            below = []
            popped = stack[len(stack) - k:] if k else []
            del stack[len(stack) - k:]
        if name in passthrough:
            stack.append((below + popped)[0])
            continue
        if name == "DUP":
            stack += [popped[0], popped[0]]
            continue
        value = ("other",)
        if name in ("STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8"):
            value = ("str", arg)
        elif name in ("BINBYTES", "SHORT_BINBYTES", "BINBYTES8"):
            value = ("bytes", arg)
        elif name in ("INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4"):
            value = ("bool", arg) if isinstance(arg, bool) else ("int", arg)
        elif name in ("NEWTRUE", "NEWFALSE"):
            value = ("bool", name == "NEWTRUE")
        elif name == "NONE":
            value = ("none",)
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            value = memo[arg]
        elif name in ("EMPTY_TUPLE", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3"):
            value = ("tuple", popped)
        elif name in ("GLOBAL", "INST"):
            module, _, gname = arg.partition(" ")
            globals_.append([name, pos, module, gname, False])
            value = ("global", len(globals_) - 1) if name == "GLOBAL" else ("other",)
        elif name == "STACK_GLOBAL":
            m, n = popped
            if m[0] == "str" and n[0] == "str":
                globals_.append([name, pos, m[1], n[1], False])
            else:
                globals_.append([name, pos, "", "", True])
            value = ("global", len(globals_) - 1)
        elif name in ("EXT1", "EXT2", "EXT4"):
            globals_.append([name, pos, "", "", True])
            value = ("global", len(globals_) - 1)
        elif name == "PERSID":
            pids.append({"offset": pos, "opcode": name, "tuple": [["string", arg]]})
        elif name == "BINPERSID":
            pid = popped[0]
            entry = {"offset": pos, "opcode": name}
            if pid[0] == "tuple":
                entry["tuple"] = [render(globals_, v) for v in pid[1]]
            elif pid[0] in ("str", "bytes", "int", "bool", "none", "global"):
                entry["tuple"] = [render(globals_, pid)]
            else:
                entry["unresolved"] = True
            pids.append(entry)
        stack += [value] * len(after)
        if name == "MARK":
            stack[-1] = MARK
    return protocol or 0, globals_, pids


def render(globals_, v):
    kind = v[0]
    if kind == "str":
        return ["string", v[1]]
    if kind == "bytes":
        return ["bytes", bytes(v[1]).hex()]
    if kind == "int":
        return ["int", str(v[1])]
    if kind == "bool":
        return ["bool", str(v[1])]
    if kind == "none":
        return ["none", "None"]
    if kind == "global":
        _, _, module, name, unresolved = globals_[v[1]]
        return ["global", "" if unresolved else module + "." + name]
    return ["other", ""]


def torch_modules(data, protocol):
    """Run torch 1.13's PackageExporter.save_pickle dependency scan on these
    bytes: its pickler is replaced by one that writes them."""
    import torch.package.package_exporter as pe

    class Replay:
        def __init__(self, buf):
            self.buf = buf

        def dump(self, obj):
            self.buf.write(data)

    original = pe.create_pickler
    pe.create_pickler = lambda buf, importer, protocol=4: Replay(buf)
    try:
        exporter = pe.PackageExporter(io.BytesIO())
        try:
            exporter.save_pickle("pkg", "res.pkl", None, pickle_protocol=protocol)
        except Exception as e:  # torch's scan asserts on what it cannot follow
            return {"protocol": protocol, "error": type(e).__name__}
        return {"protocol": protocol, "modules": list(exporter.dependency_graph.successors("<pkg.res.pkl>"))}
    finally:
        pe.create_pickler = original


def analyze(data, with_torch=True):
    out = {}
    try:
        out["ops"] = [[pos, o.name, arg_json(o, arg)] for o, arg, pos in pickletools.genops(data)]
        protocol, globals_, pids = simulate(data)
    except Exception as e:
        return {"error": "%s: %s" % (type(e).__name__, e)}
    out["protocol"] = protocol
    out["globals"] = globals_
    out["persistent_ids"] = pids
    if with_torch and protocol in (3, 4):
        out["torch"] = torch_modules(data, protocol)
    return out


# ---------------------------------------------------------------------------
# Generation.

def make_pickles():
    """Yield (file name, bytes, description)."""
    import torch
    from torch.package import PackageExporter
    from zoo.animals import Cat, Dog, LONG_NAME
    import zoo.animals

    obj = zoo_object()
    for proto in range(0, 6):
        yield "zoo_p%d.pkl" % proto, pickle.dumps(obj, protocol=proto), "classes from several modules, C pickler"
    yield "zoo_p4_pure.pkl", pickle._dumps(obj, protocol=4), "pure-Python pickler (other framing)"

    buffers = {"rw": pickle.PickleBuffer(bytearray(b"read-write")), "ro": pickle.PickleBuffer(b"read-only")}
    yield "buffers_oob_p5.pkl", pickle.dumps(buffers, protocol=5, buffer_callback=lambda b: False), "NEXT_BUFFER, READONLY_BUFFER"
    yield "buffers_inband_p5.pkl", pickle.dumps(buffers, protocol=5), "BYTEARRAY8"

    yield "all_opcodes.pkl", all_opcodes(), "every opcode, hand-made"
    yield "text_p0.pkl", protocol0_text(), "protocol 0 text opcodes, hand-made"

    # torch.package: a PackageExporter archive, and its pickles.
    tensors = {
        "w": torch.arange(6, dtype=torch.float32),
        "b": torch.zeros(3, dtype=torch.int64),
    }
    tensors["view"] = tensors["w"][2:]
    buf = io.BytesIO()
    with PackageExporter(buf) as e:
        e.intern(["zoo.**", "garden.**"])
        e.extern("**")
        e.save_pickle("model", "tensors_p4.pkl", tensors, pickle_protocol=4)
        e.save_pickle("model", "tensors_p3.pkl", tensors, pickle_protocol=3)
        e.save_pickle("model", "zoo_p4.pkl", {"cat": Cat("Tom", 4), "t": tensors["b"]}, pickle_protocol=4)
        e.save_pickle("model", "zoo_p3.pkl", {"dog": Dog("Rex", []), "t": tensors["b"]}, pickle_protocol=3)
    archive = buf.getvalue()
    yield "package.pt", archive, "torch.package archive"
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        for n in sorted(z.namelist()):
            if n.endswith(".pkl"):
                yield "package_" + os.path.basename(n), z.read(n), "from package.pt: " + n

    # torch.save: the storage key is a str; protocol 0 has PERSID.
    for proto in (0, 2, 5):
        b = io.BytesIO()
        torch.save(tensors, b, pickle_protocol=proto)
        with zipfile.ZipFile(io.BytesIO(b.getvalue())) as z:
            data = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
        yield "torchsave_p%d.pkl" % proto, data, "torch.save data.pkl"

    # torch 1.13 quirks (see the package documentation).
    words = {"words": ["w%d" % i for i in range(300)], "cat": Cat("Tom", 4), "dog": Dog("Rex", [])}
    yield "quirk_long_binget_p4.pkl", pickle.dumps(words, protocol=4), "module name fetched by LONG_BINGET"
    long_name = getattr(zoo.animals, LONG_NAME)
    yield "quirk_binunicode_p4.pkl", pickle.dumps(["first", long_name()], protocol=4), "class name in BINUNICODE"
    yield "quirk_decoy_p4.pkl", decoy_stack_global(), "strings that are not STACK_GLOBAL's operands"
    yield "quirk_unresolved_p4.pkl", unresolved_stack_global(), "STACK_GLOBAL of computed strings"
    yield "quirk_global_p4.pkl", global_in_protocol4(), "GLOBAL in a protocol 4 stream"


def generate(outdir):
    install_sources()
    os.makedirs(outdir, exist_ok=True)
    for name, data, what in make_pickles():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        if name.endswith(".pkl"):
            out = analyze(data)
            out["description"] = what
            with open(os.path.join(outdir, name[:-4] + ".json"), "w") as f:
                json.dump(out, f, indent=None, separators=(",", ":"), sort_keys=True)
                f.write("\n")


class InertUnpickler(pickle._Unpickler):
    """The pure-Python unpickler (torch.package's base) with find_class
    and persistent_load that build nothing: classes become tagged names and
    calling them records the arguments."""

    def __init__(self, f):
        super().__init__(f, buffers=iter([b"buffer"] * 100))
        self.pids = []

    def find_class(self, module, name):
        class Inert:
            def __new__(cls, *args, **kwargs):
                return object.__new__(cls)

            def __init__(self, *args, **kwargs):
                pass

            def __setstate__(self, state):
                pass

        Inert.__qualname__ = "%s.%s" % (module, name)
        return Inert

    def persistent_load(self, pid):
        self.pids.append(pid)
        return ("pid", len(self.pids))


def pid_json(pid):
    if isinstance(pid, tuple):
        return [pid_json(x) for x in pid]
    if isinstance(pid, type):
        return pid.__qualname__
    if isinstance(pid, bytes):
        return pid.hex()
    if isinstance(pid, bool) or pid is None:
        return str(pid)
    if isinstance(pid, int):
        return str(pid)
    return pid


def persids(path):
    with open(path, "rb") as f:
        u = InertUnpickler(f)
        try:
            u.load()
        except Exception as e:
            return {"error": "%s: %s" % (type(e).__name__, e)}
    return {"pids": [pid_json(p) for p in u.pids]}


def main(argv):
    if len(argv) >= 2 and argv[0] == "generate":
        generate(argv[1])
    elif len(argv) >= 1 and argv[0] == "persids":
        json.dump({os.path.basename(p): persids(p) for p in argv[1:]}, sys.stdout, sort_keys=True)
    elif len(argv) >= 1 and argv[0] == "analyze":
        result = {}
        for path in argv[1:]:
            with open(path, "rb") as f:
                result[os.path.basename(path)] = analyze(f.read())
        json.dump(result, sys.stdout, sort_keys=True)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
