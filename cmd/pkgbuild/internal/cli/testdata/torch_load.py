"""Opens a package with torch's own PackageImporter and imports every module.

usage: python3 torch_load.py PACKAGE [PACKAGE.RESOURCE ...]

Prints one JSON object: the modules that imported, those that failed (with
the error), the extern list torch read, and for each PACKAGE.RESOURCE
argument ending in .pkl the repr of load_pickle, otherwise the bytes'
length from load_binary. Module order is the archive's, so a failure is
reported against the first module that needs the broken one.
"""
import json
import sys

from torch.package import PackageImporter

imp = PackageImporter(sys.argv[1])
modules = []
for name in imp.zip_reader.get_all_records():
    if name.startswith(".data/") or not name.endswith(".py"):
        continue
    mod = name[: -len(".py")].replace("/", ".")
    if mod.endswith(".__init__"):
        mod = mod[: -len(".__init__")]
    modules.append(mod)

ok, failed = [], {}
for mod in modules:
    try:
        imp.import_module(mod)
        ok.append(mod)
    except BaseException as e:  # noqa: BLE001 - report everything
        failed[mod] = f"{type(e).__name__}: {e}"

resources = {}
for arg in sys.argv[2:]:
    package, _, resource = arg.rpartition("/")
    package = package.replace("/", ".")
    try:
        if resource.endswith(".pkl"):
            resources[arg] = repr(imp.load_pickle(package, resource))
        else:
            resources[arg] = len(imp.load_binary(package, resource))
    except BaseException as e:  # noqa: BLE001
        resources[arg] = f"error: {type(e).__name__}: {e}"

print(json.dumps({"ok": ok, "failed": failed, "externs": sorted(imp.extern_modules), "resources": resources}))
