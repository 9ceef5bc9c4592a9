"""Helpers shared by the op modules: argument coercion, promotion, broadcasting."""
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor

_make = Tensor._make
_PY_SCALARS = (bool, int, float, complex)


def is_scalar(x):
    return x.__class__ in _PY_SCALARS or isinstance(x, (np.number, np.bool_))


def scalar_tensor(value, dtype):
    """A constant 0-d tensor holding a Python scalar in ``dtype`` (an ember dtype)."""
    return _make(np.array(value, dtype=dtype.np))


def to_tensor(x, dtype=None):
    """Turn a Python scalar / sequence / array into a constant Tensor (Tensors pass through)."""
    if isinstance(x, Tensor):
        return x
    from .creation import tensor
    return tensor(x, dtype=dtype)


def promote_pair(a, b, min_category=None):
    """Coerce two operands (Tensor or Python scalar) to Tensors of their torch result dtype.

    ``min_category=D.FLOAT`` lifts integer results to the default float dtype (true division,
    unary float functions). Casting a tensor that requires grad is a differentiable op.
    """
    ta = isinstance(a, Tensor)
    tb = isinstance(b, Tensor)
    if ta and tb:
        if a._data.shape != b._data.shape:
            check_broadcast(a._data.shape, b._data.shape)
        if a._data.dtype is b._data.dtype and min_category is None:
            return a, b, _NP2DT[a._data.dtype]  # the common case: nothing to promote
    if not ta and not is_scalar(a):
        a = to_tensor(a)
        ta = True
        if tb:
            check_broadcast(a._data.shape, b._data.shape)
    if not tb and not is_scalar(b):
        b = to_tensor(b)
        tb = True
        if ta:
            check_broadcast(a._data.shape, b._data.shape)
    dt = D.binary_result_dtype(a, b)
    if min_category is not None and dt.category < min_category:
        dt = D.get_default_dtype()
    a = _coerce(a, dt, ta)
    b = _coerce(b, dt, tb)
    return a, b, dt


_NP2DT = D.NP2DT


def _coerce(x, dt, is_tensor):
    if is_tensor:
        if x._data.dtype is dt.np or x._data.dtype == dt.np:
            return x
        from .convert import cast
        return cast(x, dt)
    return _make(np.array(x, dtype=dt.np))


def float_input(x):
    """Unary float functions (exp, sin...) lift integer/bool tensors to the default float dtype."""
    if x._data.dtype.kind in 'biu':
        from .convert import cast
        return cast(x, D.get_default_dtype())
    return x


def broadcast_shapes(*shapes):
    """torch.broadcast_shapes with torch's error message."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        a, b = shapes[0], shapes[1] if len(shapes) > 1 else ()
        raise RuntimeError(_broadcast_msg(shapes)) from None


def _broadcast_msg(shapes):
    # name the first pair that does not broadcast, and the dimension, like torch
    res = ()
    for s in shapes:
        try:
            res = tuple(np.broadcast_shapes(res, s))
        except ValueError:
            n = max(len(res), len(s))
            ra = (1,) * (n - len(res)) + tuple(res)
            sb = (1,) * (n - len(s)) + tuple(s)
            for i in range(n - 1, -1, -1):
                if ra[i] != sb[i] and ra[i] != 1 and sb[i] != 1:
                    return (f"The size of tensor a ({ra[i]}) must match the size of tensor b ({sb[i]}) "
                            f"at non-singleton dimension {i}")
    return f"shapes {[list(s) for s in shapes]} cannot be broadcast together"


def check_broadcast(a_shape, b_shape):
    """Raise torch's RuntimeError if two shapes do not broadcast."""
    if a_shape != b_shape:
        n = max(len(a_shape), len(b_shape))
        ra = (1,) * (n - len(a_shape)) + tuple(a_shape)
        rb = (1,) * (n - len(b_shape)) + tuple(b_shape)
        for i in range(n - 1, -1, -1):
            if ra[i] != rb[i] and ra[i] != 1 and rb[i] != 1:
                raise RuntimeError(f"The size of tensor a ({ra[i]}) must match the size of tensor b "
                                   f"({rb[i]}) at non-singleton dimension {i}")


def unbroadcast(g, shape):
    """Sum a gradient down to ``shape`` (the reverse of broadcasting); differentiable."""
    if g._data.shape == shape:
        return g
    return g.sum_to_size(shape)


def wrap_dim(dim, ndim):
    n = ndim if ndim else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def wrap_dims(dims, ndim):
    """Normalise a dim / tuple of dims; None means all dims. Returns a sorted tuple."""
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, (int, np.integer)):
        return (wrap_dim(int(dims), ndim),)
    out = []
    for d in dims:
        w = wrap_dim(int(d), ndim)
        if w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(sorted(out))
