"""Loads the example package with torch's own PackageImporter and uses it.

usage: python3 load.py PACKAGE
"""
import sys

from torch.package import PackageImporter

imp = PackageImporter(sys.argv[1])
config = imp.load_pickle("tinynet", "config.pkl")
tinynet = imp.import_module("tinynet")
serve = imp.import_module("tinynet.serve")
model = tinynet.build(config)
print("config:", config)
print("labels:", imp.import_module("tinynet.tokenizer").labels())
print("predict('a great movie'):", serve.predict(model, "a great movie"))
try:
    serve.fit(model, [])
except NotImplementedError as e:
    print("training is mocked:", str(e).split(" but ")[0])
print(imp.file_structure(), end="")
