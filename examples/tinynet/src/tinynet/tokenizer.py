"""Turns text into vocabulary ids; the vocabulary is a packaged resource."""
import importlib.resources
import json

from . import assets  # a folder of data files; the package stores them as resources

try:
    import regex as re  # faster when installed; optional
except ImportError:
    import re


def vocab():
    text = importlib.resources.read_text(assets, "vocab.txt")
    return {w: i for i, w in enumerate(text.split())}


def labels(name="default.json"):
    return json.loads(importlib.resources.read_text(assets, name))


def encode(text):
    v = vocab()
    return [v.get(w, 0) for w in re.findall(r"\w+", text.lower())]
