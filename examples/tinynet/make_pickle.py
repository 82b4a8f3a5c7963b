"""Regenerates weights/config.pkl, the pickle the example package ships.

Run from this folder: python3 make_pickle.py. The pickle holds a
tinynet.config.Config; pkgbuild scans it (never unpickles it) and finds that
it needs the module tinynet.config.
"""
import pickle
import sys

sys.path.insert(0, "src")
from tinynet.config import Config  # noqa: E402

with open("weights/config.pkl", "wb") as f:
    pickle.dump(Config(vocab_size=16, hidden=8, seed=7), f, protocol=3)
