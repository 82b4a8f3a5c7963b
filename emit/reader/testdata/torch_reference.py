"""Reference outputs from torch.package for the reader's differential tests.

Usage (with a Python that imports torch; Debian's torch 1.13 was used):

    python3 torch_reference.py make OUTDIR
        Writes the sample packages torch113.pt, torch113_changed.pt and
        evil.pt into OUTDIR with torch's PackageExporter.

    python3 torch_reference.py golden DIR
        Prints, as a txtar archive, what torch's PackageImporter says about
        the packages in DIR (file_structure, has_file, and the modules of
        its module tree) and what
        file_structure_representation makes of a few synthetic name lists.
        Each file's name is a JSON object saying what was asked.

Run it from the folder above DIR: the tree's root line is the path as given
("testdata/torch113.pt"), exactly as PackageImporter prints it.

Nothing here loads a pickle or imports a packaged module.
"""

import io
import json
import os
import sys
import tempfile
import textwrap

import torch
from torch.package import PackageExporter, PackageImporter
from torch.package.file_structure_representation import (
    _create_directory_from_file_list,
)

SOURCES = {
    "module_a.py": 'result = "module_a"\n',
    "package_a/__init__.py": textwrap.dedent(
        """\
        result = "package_a"


        class PackageAObject:
            __slots__ = ["obj"]

            def __init__(self, obj):
                self.obj = obj
        """
    ),
    "package_a/subpackage.py": textwrap.dedent(
        """\
        import json

        import package_m

        result = "package_a.subpackage"


        class PackageASubpackageObject:
            pass


        def leaf_function(a, b):
            return a + b
        """
    ),
    # package_m is mocked: the archive gets _mock.py and a stub.
    "package_m/__init__.py": "result = 'package_m'\n",
    "evil_mod.py": textwrap.dedent(
        """\
        import os


        class Shell:
            def __reduce__(self):
                return (os.system, ("echo pwned",))


        class Eval:
            def __reduce__(self):
                return (eval, ("1+1",))
        """
    ),
}

# The changed package differs from torch113.pt in every way `pkgbuild diff`
# reports: a module edited, one removed, one added, a resource changed, a
# pickle that references other globals, and a different extern.
CHANGED = {
    "package_a/subpackage.py": textwrap.dedent(
        """\
        import math

        result = "package_a.subpackage, changed"


        class PackageASubpackageObject:
            pass


        class Other:
            pass


        def leaf_function(a, b):
            return math.fsum([a, b])
        """
    ),
    "module_b.py": 'result = "module_b"\n',
}


def write_tree(root, files):
    for name, text in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def fresh_imports(root):
    sys.path.insert(0, root)
    for name in list(sys.modules):
        if name.split(".")[0] in ("module_a", "module_b", "package_a", "package_m", "evil_mod"):
            del sys.modules[name]


def export_sample(pe):
    """Makes torch113.pt's content with PackageExporter pe; SOURCES must be
    importable (write_tree, fresh_imports)."""
    import package_a
    import package_a.subpackage

    pe.mock("package_m.**")
    pe.intern("**")
    pe.save_module("module_a")
    pe.save_module("package_a")
    pe.save_pickle("obj", "obj.pkl", package_a.subpackage.PackageASubpackageObject())
    pe.save_pickle("tensors", "t.pkl", {"t": torch.arange(6, dtype=torch.float32)})
    pe.save_text("main", "main", "my string")
    pe.save_binary("main", "main_binary", b"\x00\x01binary")


def make(outdir):
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory() as src:
        write_tree(src, SOURCES)
        fresh_imports(src)
        with PackageExporter(os.path.join(outdir, "torch113.pt")) as pe:
            export_sample(pe)

    with tempfile.TemporaryDirectory() as src:
        files = dict(SOURCES)
        files.update(CHANGED)
        write_tree(src, files)
        fresh_imports(src)
        import package_a
        import package_a.subpackage

        with PackageExporter(os.path.join(outdir, "torch113_changed.pt")) as pe:
            pe.intern("**")
            pe.save_module("module_b")
            pe.save_module("package_a")
            pe.save_pickle("obj", "obj.pkl", package_a.subpackage.Other())
            pe.save_pickle("tensors", "t.pkl", {"t": torch.arange(6, dtype=torch.float32)})
            pe.save_text("main", "main", "my other string")
            pe.save_binary("main", "main_binary", b"\x00\x01binary")

    with tempfile.TemporaryDirectory() as src:
        write_tree(src, SOURCES)
        fresh_imports(src)
        import evil_mod

        # Pickles that run code when loaded: the audit fixture. The
        # exporter writes them happily; only loading them would run them.
        with PackageExporter(os.path.join(outdir, "evil.pt")) as pe:
            pe.intern("**")
            pe.save_pickle("evil", "shell.pkl", evil_mod.Shell(), pickle_protocol=4)
            pe.save_pickle("evil", "eval.pkl", evil_mod.Eval())


# file_structure(include=..., exclude=...) cases asked of every sample.
CASES = [
    (None, None),
    (None, ["**/*.storage"]),
    (["**/subpackage.py", "**/*.pkl"], None),
    ([".data/*.storage"], None),
    (["package_a/**"], ["**/__init__.py"]),
    (["*"], None),
    (["nonexistent/**"], None),
    (["**/*.py"], ["_mock.py", "package_m.py"]),
    (None, [".data/**"]),
    (["**/main*", "*/version"], None),
]

HAS = [
    "package_a",
    "package_a/subpackage.py",
    "package_a/subpackage",
    ".data",
    ".data/version",
    ".data/serialization_id",
    "byteorder",
    "nope",
    "main/main",
    "main/",
    "",
]

# Name lists that no exporter writes, to pin the printing rules: a record
# that is also a folder, sort order of case, digits, dots and non-ASCII,
# empty segments, and a deep tree.
SYNTHETIC = [
    ("x", ["b", "a", "B", "A", "_", ".z", "10", "9"]),
    ("deep", ["a/b/c/d/e.txt", "a/b/c/f.txt", "a/b/g.txt", "a/h.txt", "i.txt"]),
    ("conflict", ["a", "a/b", "c/d", "c"]),
    ("conflict2", ["c/d", "c", "c/e"]),
    ("unicode", ["é/x", "z/x", "Z/x", "ß", "e", "ü.py"]),
    ("empty", []),
    ("emptyseg", ["a//b", "/c", "d/"]),
    ("dirsonly", ["a/b/c", "d/e/f"]),
]
SYNTHETIC_CASES = [
    (None, None),
    (["a/**"], None),
    (["**"], ["**/b"]),
    (["*"], None),
]


def modules(node, prefix):
    """The modules of PackageImporter's tree: "name record package|module"."""
    from torch.package.package_importer import _ModuleNode, _PackageNode

    for name in sorted(node.children):
        child = node.children[name]
        if isinstance(child, _PackageNode):
            if child.source_file:
                yield f"{prefix}{name} {child.source_file} package\n"
            yield from modules(child, prefix + name + ".")
        elif isinstance(child, _ModuleNode):
            yield f"{prefix}{name} {child.source_file} module\n"


def pyargs(include, exclude):
    kw = {}
    if include is not None:
        kw["include"] = include
    if exclude is not None:
        kw["exclude"] = exclude
    return kw


def section(out, name, body):
    out.write("-- " + json.dumps(name, ensure_ascii=False, sort_keys=True) + " --\n")
    out.write(body)
    if body and not body.endswith("\n"):
        out.write("\n")


def golden(folder):
    out = io.StringIO()
    out.write(
        "What torch.package says, made by torch_reference.py golden with torch "
        + torch.__version__
        + ".\nDo not edit: regenerate with go test -run TestTorchGolden -update.\n"
    )
    for pkg in sorted(os.listdir(folder)):
        if not pkg.endswith(".pt"):
            continue
        path = os.path.join(folder, pkg)
        hi = PackageImporter(path)
        for include, exclude in CASES:
            body = str(hi.file_structure(**pyargs(include, exclude)))
            section(out, {"pkg": pkg, "include": include, "exclude": exclude}, body)
        fs = hi.file_structure()
        body = "".join(json.dumps(p) + " " + str(fs.has_file(p)).lower() + "\n" for p in HAS)
        section(out, {"pkg": pkg, "has_file": True}, body)
        section(out, {"pkg": pkg, "modules": True}, "".join(modules(hi.root, "")))
    for root, names in SYNTHETIC:
        for include, exclude in SYNTHETIC_CASES:
            d = _create_directory_from_file_list(root, names, **pyargs(include, exclude))
            section(
                out,
                {"root": root, "names": names, "include": include, "exclude": exclude},
                str(d),
            )
    sys.stdout.write(out.getvalue())


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("make", "golden"):
        sys.exit(__doc__)
    {"make": make, "golden": golden}[sys.argv[1]](sys.argv[2])
