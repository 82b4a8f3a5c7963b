import torch
from torch import nn

from .config import Config
from .layers import Bag


class TinyNet(nn.Module):
    """Embedding bag, one hidden layer, a linear classifier."""

    def __init__(self, config: Config):
        super().__init__()
        torch.manual_seed(config.seed)
        self.config = config
        self.bag = Bag(config.vocab_size, config.hidden)
        self.out = nn.Linear(config.hidden, len(config.labels))

    def forward(self, ids):
        return self.out(torch.relu(self.bag(ids)))
