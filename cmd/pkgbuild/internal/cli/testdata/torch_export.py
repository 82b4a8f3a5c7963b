"""Builds the package a pkgbuild.toml describes with torch's own PackageExporter.

usage: python3 torch_export.py MANIFEST OUT

The differential tests use it as the oracle: it reads the same manifest
(tomllib), puts the roots on sys.path, declares the rules in file order,
saves resources, [[source]] files, trees and entry modules the way
PackageExporter's API does, and prints one JSON object: the interned,
externed and mocked modules, the records written, and the DOT graph.
[[pickle]] entries are skipped: PackageExporter can only pickle live objects.
"""
import json
import os
import sys
import tomllib
import zipfile

manifest_path, out = sys.argv[1], sys.argv[2]
base = os.path.dirname(os.path.abspath(manifest_path))
with open(manifest_path, "rb") as f:
    m = tomllib.load(f)

for root in reversed(m.get("roots", ["."])):
    sys.path.insert(0, os.path.join(base, root))

from torch.package import PackageExporter  # noqa: E402

with PackageExporter(out) as exp:
    for rule in m.get("rule", []):
        for action in ("intern", "extern", "mock", "deny"):
            if action in rule:
                kwargs = {"exclude": rule.get("exclude", ())}
                if action != "deny":
                    kwargs["allow_empty"] = rule.get("allow_empty", True)
                getattr(exp, action)(rule[action], **kwargs)
    for res in m.get("resource", []):
        if "file" in res:
            path = os.path.join(base, res["file"])
            with open(path, "rb") as f:
                exp.save_binary(res["package"], res.get("name", os.path.basename(path)), f.read())
    for src in m.get("source", []):
        with open(os.path.join(base, src["file"])) as f:
            exp.save_source_string(src["module"], f.read(), src.get("package", False))
    for tree in m.get("trees", []):
        mod = __import__(tree, fromlist=["__path__"])
        exp.save_source_file(tree, list(mod.__path__)[0])
    for entry in m.get("modules", []):
        exp.save_module(entry)
    graph = exp.dependency_graph_string()
    result = {
        "interned": exp.interned_modules(),
        "externed": exp.externed_modules(),
        "mocked": exp.mocked_modules(),
        "dot": graph,
    }

with zipfile.ZipFile(out) as z:
    result["records"] = [n.split("/", 1)[1] for n in z.namelist()]
    result["extern_modules"] = z.read(z.namelist()[0].split("/")[0] + "/.data/extern_modules").decode()
print(json.dumps(result))
