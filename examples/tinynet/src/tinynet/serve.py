"""The package's entry point: predict a label for a text."""
import torch

from . import build, tokenizer
from .training import fit  # noqa: F401  (mocked in the package)


def predict(model, text):
    ids = torch.tensor(tokenizer.encode(text) or [0])
    with torch.no_grad():
        scores = model(ids)
    return model.config.labels[int(scores.argmax())]
