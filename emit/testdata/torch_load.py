"""Load a pkgbuild-written package with torch.package, for emit's TestTorchLoads.

Usage: python3 torch_load.py PACKAGE

PACKAGE is a zip archive or an unzipped package folder (given without a
trailing slash, which torch 1.13's DirectoryReader mishandles). The
package holds mymod (importing mymod.sub and the extern math), the resource
mymod/data.txt and the mocked module "mocked". The script prints one JSON
object of what it observed; the Go test compares it with what it expects.
"""

import json
import sys

from torch.package import PackageImporter


def files(directory, prefix=""):
    for name, child in sorted(directory.children.items()):
        if child.is_dir:
            yield from files(child, prefix + name + "/")
        else:
            yield prefix + name


def main(path):
    importer = PackageImporter(path)
    mymod = importer.import_module("mymod")
    seen = {
        "mymod.area(2)": mymod.area(2),
        "mymod.sub.VALUE": mymod.sub.VALUE,
        "mymod.math is math": mymod.math is __import__("math"),
        "load_text": importer.load_text("mymod", "data.txt"),
        "extern_modules": importer.extern_modules,
        "python_version": importer.python_version(),
        "file_structure": list(files(importer.file_structure())),
    }
    mocked = importer.import_module("mocked")
    seen["repr(mocked.result)"] = repr(mocked.result).replace(mocked.__name__, "mocked")
    try:
        mocked.result()
    except NotImplementedError as e:
        seen["mocked.result()"] = "NotImplementedError: " + str(e).replace(mocked.__name__, "mocked")
    else:
        seen["mocked.result()"] = "no error"
    json.dump(seen, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
