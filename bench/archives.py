#!/usr/bin/python3
"""Small archive helpers for bench/run.

usage:
  archives.py modules ARCHIVE              number of .py records (modules) in a torch.package archive
  archives.py files ARCHIVE ROOT...        the source files those records came from, one a line,
                                           relative to the root that holds them: "ROOT<TAB>PATH"
  archives.py compare A B                  "same" or a short summary of the .py records that differ
  archives.py pick ARCHIVE ROOT...         a module file of median size to touch (ROOT/PATH)
  archives.py add-import FILE              inserts "import os  # touched by bench/run <random>" at the
                                           top of FILE: after a coding line and any `from __future__`
                                           imports, so the module stays valid; every call adds a line
  archives.py median N...                  the median of the numbers
  archives.py hyperfine JSON               median wall and mean CPU time in ms of a hyperfine --export-json file,
                                           then each run's wall time in ms

Records are compared without the archive's top folder, which torch names
after the output file.
"""
import ast
import json
import os
import random
import re
import statistics
import sys
import zipfile


def py_records(archive):
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
    out = []
    for n in names:
        top, _, rest = n.partition("/")
        if not rest.endswith(".py") or rest.startswith(".data/"):
            continue
        out.append(rest)
    return sorted(out)


def sources(archive, roots):
    for rec in py_records(archive):
        for r in roots:
            if os.path.isfile(os.path.join(r, rec)):
                yield r, rec
                break


CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")


def add_import(path):
    """Inserts an `import os` line where it moves every following line.

    The line goes first, except that a coding declaration (line 1 or 2)
    and `from __future__` imports, which must come first, stay first.
    """
    with open(path, "rb") as f:
        src = f.read()
    lines = src.splitlines(keepends=True)
    at = 0
    for i in range(min(2, len(lines))):
        if CODING.match(lines[i]):
            at = i + 1
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError):
        tree = None
    if tree is not None:
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                at = max(at, node.end_lineno)
            elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                      and isinstance(node.value.value, str)):
                break  # __future__ imports come after at most a docstring
    if at and at <= len(lines) and not lines[at - 1].endswith(b"\n"):
        lines[at - 1] += b"\n"
    line = b"import os  # touched by bench/run %d\n" % random.randrange(1 << 62)
    lines.insert(at, line)
    with open(path, "wb") as f:
        f.write(b"".join(lines))


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "modules":
        print(len(py_records(args[0])))
    elif cmd == "files":
        for r, rec in sources(args[0], args[1:]):
            print(f"{r}\t{rec}")
    elif cmd == "compare":
        a, b = set(py_records(args[0])), set(py_records(args[1]))
        if a == b:
            print("same")
        else:
            only_a, only_b = sorted(a - b), sorted(b - a)
            print(f"differ: {len(only_a)} only in first (e.g. {only_a[:2]}), "
                  f"{len(only_b)} only in second (e.g. {only_b[:2]})")
    elif cmd == "pick":
        files = [os.path.join(r, rec) for r, rec in sources(args[0], args[1:])
                 if not rec.endswith("__init__.py")]
        files.sort(key=lambda p: (os.path.getsize(p), p))
        print(files[len(files) // 2])
    elif cmd == "add-import":
        add_import(args[0])
    elif cmd == "median":
        print(f"{statistics.median(float(x) for x in args):.3f}")
    elif cmd == "hyperfine":
        with open(args[0]) as f:
            res = json.load(f)["results"][0]
        walls = " ".join(f"{t * 1000:.3f}" for t in res["times"])
        print(f"{statistics.median(res['times']) * 1000:.3f} {(res['user'] + res['system']) * 1000:.3f} {walls}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
