"""ember.utils (torch.utils): data loading, hooks, safetensors."""
from . import data  # noqa: F401
