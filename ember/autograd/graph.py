"""ember.autograd.graph: the Node type and hook helpers (torch.autograd.graph)."""
from .function import Node  # noqa: F401
