#!/usr/bin/python3
"""Small archive helpers for bench/run.

usage:
  archives.py modules ARCHIVE              number of .py records (modules) in a torch.package archive
  archives.py files ARCHIVE ROOT...        the source files those records came from, one a line,
                                           relative to the root that holds them: "ROOT<TAB>PATH"
  archives.py compare A B                  "same" or a short summary of the .py records that differ
  archives.py pick ARCHIVE ROOT...         a module file of median size to touch (ROOT/PATH)
  archives.py median N...                  the median of the numbers
  archives.py hyperfine JSON               median wall and mean CPU time in ms of a hyperfine --export-json file

Records are compared without the archive's top folder, which torch names
after the output file.
"""
import json
import os
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
    elif cmd == "median":
        print(f"{statistics.median(float(x) for x in args):.3f}")
    elif cmd == "hyperfine":
        with open(args[0]) as f:
            res = json.load(f)["results"][0]
        print(f"{statistics.median(res['times']) * 1000:.3f} {(res['user'] + res['system']) * 1000:.3f}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
