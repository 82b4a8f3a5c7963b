"""tinynet: a tiny text classifier, packaged with pkgbuild."""
from .config import Config
from .model import TinyNet
from . import tokenizer

__all__ = ["Config", "TinyNet", "tokenizer", "build"]


def build(config=None):
    """Returns a TinyNet for config (the default Config when None)."""
    return TinyNet(config or Config())
