"""dtype casts and copies: ``to(dtype)``, ``clone``, ``contiguous``."""
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import STATE


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


class CopyFrom(Op):
    """The new value of ``self.copy_(src)``: src broadcast to self's shape, in self's dtype."""
    _name = 'CopyBackwards'

    @staticmethod
    def forward(ctx, dst, src):
        ctx.src_shape = src.shape
        ctx.src_dtype = src.dtype
        out = np.empty(dst.shape, dst.dtype)
        np.copyto(out, np.broadcast_to(src, dst.shape), casting='unsafe')
        return out

    @staticmethod
    def backward(ctx, g):
        # self is overwritten: its old value gets a zero gradient (as in torch)
        g_self = Tensor._make(np.zeros(g.shape, g._data.dtype)) if ctx.needs_input_grad[0] else None
        if not ctx.needs_input_grad[1]:
            return g_self, None
        gs = g.sum_to_size(ctx.src_shape)
        src = D.NP2DT[ctx.src_dtype]
        return g_self, (cast(gs, src) if gs.dtype is not src else gs)


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, any dtype) into self's memory; differentiable w.r.t. src."""
    from .inplace import apply_inplace, _check_leaf
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not {type(src).__name__}")
    try:  # src must broadcast to self's shape (not the other way round)
        if np.broadcast_shapes(src._data.shape, self._data.shape) != self._data.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({self._data.shape[-1] if self._data.ndim else 1}) must "
                           f"match the size of tensor b ({src._data.shape[-1] if src._data.ndim else 1}) at "
                           f"non-singleton dimension {max(self._data.ndim - 1, 0)}") from None
    if not (STATE.enabled and (src._requires_grad or self._requires_grad)):
        _check_leaf(self)
        if self._data is not src._data:
            np.copyto(self._data, np.broadcast_to(src._data, self._data.shape), casting='unsafe')
        self._vc[0] += 1
        return self
    return apply_inplace(self, lambda s: CopyFrom.apply(s, src))


Tensor.clone = clone
Tensor.contiguous = contiguous
Tensor.copy_ = copy_

__all__ = ['clone']
