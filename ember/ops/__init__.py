"""The op library. Importing this package attaches every Tensor method.

One module per family, each holding its ops' forward and backward side by side and
binding its own Tensor methods at the bottom. Each module lists its public functions in
``__all__``; ``ember`` re-exports them all.
"""
from . import convert, inplace, elementwise, reduce, shape, index, linalg, creation, random  # noqa: F401
from .convert import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .index import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .creation import *  # noqa: F401,F403
from .random import *  # noqa: F401,F403

__all__ = []
for _m in (convert, elementwise, reduce, shape, index, linalg, creation, random):
    __all__ += list(_m.__all__)
del _m
