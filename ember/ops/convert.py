"""dtype casts and copies: ``to(dtype)``, ``clone``, ``contiguous``."""
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Op


class Cast(Op):
    _name = 'ToCopyBackward0'

    @staticmethod
    def forward(ctx, x, npdtype):
        ctx.src = x.dtype
        if x.dtype.kind == 'c' and np.dtype(npdtype).kind != 'c':
            x = x.real  # torch discards the imaginary part (with a warning)
        return x.astype(npdtype)

    @staticmethod
    def backward(ctx, g):
        src = D.NP2DT[ctx.src]
        if src.category < D.FLOAT:
            return None
        return cast(g, src)


def cast(x, dtype):
    dtype = D.as_dtype(dtype)
    if x._data.dtype == dtype.np:
        return x
    if x._requires_grad and dtype.category < D.FLOAT:
        # the result of an int/bool cast does not require grad (it is not differentiable)
        return Tensor._make(x._data.astype(dtype.np))
    return Cast.apply(x, dtype.np)


class Clone(Op):
    _name = 'CloneBackward0'

    @staticmethod
    def forward(ctx, x, order):
        return np.array(x, order=order, copy=True)

    @staticmethod
    def backward(ctx, g):
        return g


def _order(memory_format, preserve='K'):
    """NumPy order for a torch memory format: preserve_format keeps a non-overlapping dense
    layout (NumPy's order='K'), contiguous_format is row-major."""
    if memory_format is None:
        return preserve
    mf = str(memory_format).rsplit('.', 1)[-1]
    if mf == 'preserve_format':
        return preserve
    if mf == 'contiguous_format':
        return 'C'
    raise NotImplementedError(f"ember supports only preserve_format and contiguous_format, got "
                              f"{memory_format}")


def clone(input, *, memory_format=None):
    return Clone.apply(input, _order(memory_format))


def contiguous(self, memory_format=None):
    if memory_format is not None:
        _order(memory_format)
    if self._data.flags.c_contiguous:
        return self
    return Clone.apply(self, 'C')


Tensor.clone = clone
Tensor.contiguous = contiguous

__all__ = ['clone']
