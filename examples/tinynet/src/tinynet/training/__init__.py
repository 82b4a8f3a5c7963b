"""Training helpers: needed to train, not to serve; the package mocks them."""
import tensorboardX  # noqa: F401  (not installed where the package is built)

from .loop import fit  # noqa: F401
