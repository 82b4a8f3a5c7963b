"""Print torch.package's view of the imports of every Python file in a tree.

Usage: python3 refs.py ROOT [SUBDIR ...]
       python3 refs.py --snippets FILE ...

For every *.py file below ROOT/SUBDIR (or below ROOT when no SUBDIR is
given), prints one JSON object per line:

    {"file": "rel/path.py", "package": "rel.path", "refs": [[module, name], ...]}

where refs is what torch.package's find_files_source_depends_on returns
for the file's bytes and the package argument torch's PackageExporter
would pass (the module itself for __init__.py, else its parent; a
top-level module is its own package). A name of null is Python's None.

When torch raises instead, "refs" is replaced by
    "error": "syntax"   ast.parse rejected the file ("line"/"col" given),
                        or the file cannot be decoded strictly (torch's
                        exporter reads sources through linecache)
    "error": "relative" attempted relative import beyond top-level package
    "error": "other"    anything else ("msg" says what).

Two normalisations, both deliberate differences documented in the scanner
package:
  * a reference whose module is not a str (torch stores the AST node of a
    non-literal __import__ argument, pytorch#57193) is dropped and counted
    in "dropped";
  * a name that is not a str (a non-string fromlist element) becomes null.
The list is deduplicated again, keeping first-seen order.

With --snippets, the inputs are instead the code snippets found in the
given files (CPython's own tests of its parser): every doctest example and
every string constant. Each is encoded as UTF-8 and checked with the
package argument "pkg.sub"; the output lines have "snippet" (the source)
in place of "file".
"""

import io
import json
import os
import sys
import tokenize
import warnings

from torch.package.find_file_dependencies import find_files_source_depends_on


def module_and_package(rel):
    parts = rel[: -len(".py")].split(os.sep)
    if parts[-1] == "__init__":
        mod = ".".join(parts[:-1])
        return mod, mod
    mod = ".".join(parts)
    return mod, mod.rsplit(".", 1)[0]


def one(root, path):
    rel = os.path.relpath(path, root)
    _, package = module_and_package(rel)
    out = {"file": rel.replace(os.sep, "/"), "package": package}
    with open(path, "rb") as f:
        src = f.read()
    return check(out, src, package)


def check(out, src, package):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            refs = find_files_source_depends_on(src, package)
    except SyntaxError as e:
        out["error"] = "syntax"
        out["line"] = e.lineno
        out["col"] = e.offset
        out["msg"] = str(e.msg)
        return out
    except ValueError as e:
        if "attempted relative import" in str(e):
            out["error"] = "relative"
        else:
            out["error"] = "other"
        out["msg"] = str(e)
        return out
    except Exception as e:  # RecursionError, MemoryError, ...
        out["error"] = "other"
        out["msg"] = "%s: %s" % (type(e).__name__, e)
        return out
    # PackageExporter reads sources through linecache, which decodes them
    # strictly; ast.parse(bytes) does not look at bytes in comments.
    try:
        enc, _ = tokenize.detect_encoding(io.BytesIO(src).readline)
        src.decode(enc)
    except (SyntaxError, UnicodeDecodeError, LookupError) as e:
        out["error"] = "syntax"
        out["msg"] = "undecodable: %s" % e
        return out
    seen = set()
    norm = []
    dropped = 0
    for module, name in refs:
        if not isinstance(module, str):
            dropped += 1
            continue
        if name is not None and not isinstance(name, str):
            name = None
        if (module, name) in seen:
            continue
        seen.add((module, name))
        norm.append([module, name])
    out["refs"] = norm
    if dropped:
        out["dropped"] = dropped
    return out


def snippets(paths):
    import ast
    import doctest

    parser = doctest.DocTestParser()
    seen = set()
    for path in paths:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        found = []
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
                try:
                    found.extend(ex.source for ex in parser.get_examples(node.value))
                except ValueError:
                    pass
        for s in found:
            if not s or len(s) > 5000 or s in seen:
                continue
            seen.add(s)
            try:
                src = s.encode("utf-8")
            except UnicodeEncodeError:
                continue
            yield s, src


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "--snippets":
        sys.setrecursionlimit(10000)
        for s, src in snippets(argv[1:]):
            out = {"snippet": s, "package": "pkg.sub"}
            sys.stdout.write(json.dumps(check(out, src, "pkg.sub")) + "\n")
        return 0
    root = argv[0]
    tops = [os.path.join(root, d) for d in argv[1:]] or [root]
    sys.setrecursionlimit(10000)
    w = sys.stdout
    for top in tops:
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for fn in sorted(filenames):
                if fn.endswith(".py"):
                    p = os.path.join(dirpath, fn)
                    if os.path.isfile(p):
                        w.write(json.dumps(one(root, p)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
