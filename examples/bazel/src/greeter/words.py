"""Greetings, read from a packaged resource."""
import importlib.resources

from . import assets


def greetings():
    return importlib.resources.read_text(assets, "greetings.txt").split()


def greet(name, i=0):
    words = greetings()
    return f"{words[i % len(words)]}, {name}!"
