"""Reductions: sum, mean, ... Each reduces over ``dim`` (None = all) with ``keepdim``."""
from .._backend import xp
from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import wrap_dims


def _kept_shape(shape, dims):
    """Shape of the result with keepdim=True."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


class Sum(Op):
    _name = 'SumBackward1'

    @staticmethod
    def forward(ctx, x, dims, keepdim, npdtype):
        ctx.in_shape = x.shape
        ctx.dims = dims
        return xp.sum(x, axis=dims, keepdims=keepdim, dtype=npdtype)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(_kept_shape(ctx.in_shape, ctx.dims)).expand(ctx.in_shape)


def _sum_dtype(x, dtype):
    if dtype is not None:
        return D.as_dtype(dtype).np
    if x._data.dtype.kind in 'biu':
        return D.int64.np  # torch sums bool and integer tensors into int64
    return x._data.dtype


class SumAll(Sum):
    _name = 'SumBackward0'


def sum(input, dim=None, keepdim=False, *, dtype=None):
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
    dims = wrap_dims(dim, input._data.ndim) if input._data.ndim else ()
    return (SumAll if dim is None else Sum).apply(input, dims, keepdim, _sum_dtype(input, dtype))


def sum_to_size(self, *size):
    """Sum broadcast dimensions away so the result has ``size`` (reverse of expand)."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    xs = self._data.shape
    if xs == shape:
        return self
    lead = len(xs) - len(shape)
    if lead < 0:
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(xs)}}}.")
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and xs[lead + i] != 1:
            dims.append(lead + i)
        elif s != xs[lead + i]:
            raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(xs)}}}.")
    r = Sum.apply(self, tuple(dims), True, self._data.dtype) if dims else self
    return r.reshape(shape)


class Mean(Op):
    _name = 'MeanBackward1'

    @staticmethod
    def forward(ctx, x, dims, keepdim, npdtype):
        ctx.in_shape = x.shape
        ctx.dims = dims
        n = 1
        for d in dims:
            n *= x.shape[d]
        ctx.n = n
        return xp.mean(x, axis=dims, keepdims=keepdim, dtype=npdtype)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(_kept_shape(ctx.in_shape, ctx.dims)).expand(ctx.in_shape) / ctx.n


def mean(input, dim=None, keepdim=False, *, dtype=None):
    dt = D.as_dtype(dtype) if dtype is not None else input.dtype
    if dt.category < D.FLOAT:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype._short}")
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
    dims = wrap_dims(dim, input._data.ndim) if input._data.ndim else ()
    if dt is not input.dtype:
        input = input.to(dt)
    return (MeanAll if dim is None else Mean).apply(input, dims, keepdim, dt.np)


class MeanAll(Mean):
    _name = 'MeanBackward0'


Tensor.sum = sum
Tensor.sum_to_size = sum_to_size
Tensor.mean = mean

__all__ = ['sum', 'mean']
