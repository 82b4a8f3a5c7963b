"""The entry module: what a server imports from the package."""
import torch

from . import greet


def answer(name):
    return greet(name, int(torch.randint(0, 3, ())))
