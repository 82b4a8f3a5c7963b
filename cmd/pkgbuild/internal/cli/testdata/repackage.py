"""The torch side of the repackaging tests (repackage_test.go).

usage:
    python3 repackage.py make DIR
    python3 repackage.py check PACKAGE DIR PACKAGE/NAME.pkl...

make writes a small model project into DIR and exports its weights with
torch's own PackageExporter, interning the model code as anyone would:

    DIR/src/mymodel/__init__.py, DIR/src/mymodel/net.py
        Net (Linear, BatchNorm1d, ReLU, Linear, and a buffer with a view
        of it, so one storage is used twice) and Small (one Linear).
    DIR/weights.pt    save_pickle("model", "model.pkl", Net())
    DIR/weights2.pt   save_pickle("model", "other.pkl", Small())
    DIR/reference.pt  torch.save of the inputs and of each model's outputs

Both archives number their storages from 0, so merging them needs new keys.
It prints one JSON object: the records of each archive.

check loads each named pickle of PACKAGE with torch's PackageImporter (the
model code then comes from PACKAGE, not from DIR/src), runs it on the
reference inputs and prints one JSON object: for each pickle "ok" when the
outputs are torch.equal to the reference, else what differs or failed.
"""
import json
import os
import sys
import textwrap

import torch
from torch.package import PackageExporter, PackageImporter

NET = textwrap.dedent(
    """\
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 8)
            self.bn = nn.BatchNorm1d(8)
            self.act = nn.ReLU()
            self.fc2 = nn.Linear(8, 3)
            self.register_buffer("scale", torch.linspace(0.5, 2.0, 8))
            self.register_buffer("head", self.scale[:3])

        def forward(self, x):
            h = self.act(self.bn(self.fc1(x))) * self.scale
            return self.fc2(h) + self.head


    class Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return torch.tanh(self.fc(x))
    """
)


def make(out):
    src = os.path.join(out, "src", "mymodel")
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(src, "__init__.py"), "w") as f:
        f.write('"""A model project whose weights are repackaged."""\n')
    with open(os.path.join(src, "net.py"), "w") as f:
        f.write(NET)
    sys.path.insert(0, os.path.join(out, "src"))
    from mymodel.net import Net, Small

    torch.manual_seed(0)
    net = Net()
    # Make the batch-norm statistics something other than their defaults.
    net.train()
    net(torch.randn(16, 4))
    net.eval()
    small = Small().eval()
    x = torch.randn(5, 4)
    with torch.no_grad():
        ref = {"x": x, "model/model.pkl": net(x), "model/other.pkl": small(x)}

    records = {}
    for name, pkl, model in (("weights.pt", "model.pkl", net), ("weights2.pt", "other.pkl", small)):
        path = os.path.join(out, name)
        with PackageExporter(path) as exp:
            exp.intern("mymodel.**")
            exp.save_pickle("model", pkl, model)
        records[name] = PackageImporter(path).zip_reader.get_all_records()
    torch.save(ref, os.path.join(out, "reference.pt"))
    print(json.dumps(records))


def check(package, out, pickles):
    ref = torch.load(os.path.join(out, "reference.pt"))
    imp = PackageImporter(package)
    result = {}
    for arg in pickles:
        pkg, _, name = arg.rpartition("/")
        try:
            model = imp.load_pickle(pkg.replace("/", "."), name)
            if not type(model).__module__.startswith("<torch_package_"):
                raise AssertionError(f"{type(model)} was not loaded from the package")
            with torch.no_grad():
                got = model(ref["x"])
            want = ref[arg]
            if torch.equal(got, want):
                result[arg] = "ok"
            else:
                result[arg] = f"outputs differ: got {got.tolist()}, want {want.tolist()}"
        except BaseException as e:  # noqa: BLE001 - report everything
            result[arg] = f"error: {type(e).__name__}: {e}"
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)
