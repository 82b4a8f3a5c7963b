#!/usr/bin/python3
"""The export a pkgbuild.toml describes, done by torch.package's PackageExporter.

usage: /usr/bin/python3 bench/torch_export.py -m MANIFEST -o OUT

This is the reference side of bench/run: it puts the manifest's roots first
on sys.path, declares its [[rule]] tables in order with exporter.intern,
extern, mock and deny (first match wins in both tools), calls save_module
for each entry of `modules` and save_source_file on the folder of each
entry of `trees`, then closes the exporter, which imports and scans every
module it interns and writes the archive.

It understands output, python, roots, modules, trees, parents and rule. A
manifest with [[resource]], [[pickle]], [[source]], [[hidden]] or [[ignore]]
is refused: the benchmark's manifests have none.
"""
import argparse
import os
import sys
import tomllib


def as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-m", dest="manifest", default="pkgbuild.toml")
    ap.add_argument("-o", dest="out", default=None)
    args = ap.parse_args()

    with open(args.manifest, "rb") as f:
        doc = tomllib.load(f)
    here = os.path.dirname(os.path.abspath(args.manifest))
    unsupported = [k for k in ("resource", "pickle", "source", "hidden", "ignore") if k in doc]
    if unsupported:
        sys.exit(f"torch_export.py: {args.manifest}: [[{unsupported[0]}]] is not supported here")
    out = args.out or doc.get("output")
    if not out:
        sys.exit("torch_export.py: no output: pass -o or set output")
    if not os.path.isabs(out) and not args.out:
        out = os.path.join(here, out)
    roots = [os.path.join(here, r) for r in doc.get("roots", ["."])]
    modules = doc.get("modules", [])
    trees = doc.get("trees", [])
    if modules and doc.get("parents", "intern") != "torch":
        print("torch_export.py: note: the manifest has parents = \"intern\"; torch.package "
              "leaves out parent packages nothing imports, so the two archives may differ",
              file=sys.stderr)

    for r in reversed(roots):
        sys.path.insert(0, r)

    from torch.package import PackageExporter

    os.makedirs(os.path.dirname(os.path.abspath(out)) or ".", exist_ok=True)
    with PackageExporter(out) as exporter:
        for rule in doc.get("rule", []):
            actions = [a for a in ("intern", "extern", "mock", "deny") if a in rule]
            if len(actions) != 1:
                sys.exit(f"torch_export.py: a [[rule]] needs exactly one action, not {actions}")
            action = actions[0]
            include = as_list(rule[action])
            exclude = as_list(rule.get("exclude"))
            if action == "deny":
                exporter.deny(include, exclude=exclude)
            else:
                getattr(exporter, action)(include, exclude=exclude,
                                          allow_empty=rule.get("allow_empty", True))
        for name in modules:
            exporter.save_module(name)
        for name in trees:
            rel = name.replace(".", os.sep)
            for r in roots:
                if os.path.isfile(os.path.join(r, rel, "__init__.py")) or os.path.isdir(os.path.join(r, rel)):
                    exporter.save_source_file(name, os.path.join(r, rel))
                    break
            else:
                sys.exit(f"torch_export.py: tree {name} is in none of the roots {roots}")
    print(out)


if __name__ == "__main__":
    main()
