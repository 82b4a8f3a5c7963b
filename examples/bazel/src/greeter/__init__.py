"""greeter: a small package that the Bazel example builds into model.pt."""
from .words import greet

__all__ = ["greet"]
