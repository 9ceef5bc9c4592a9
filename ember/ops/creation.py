"""Tensor creation: tensor, as_tensor, from_numpy, zeros/ones/full/empty, arange, linspace,
eye, meshgrid, complex/polar and friends."""
import builtins
import math
import numbers
import warnings

import numpy as np

from .._backend import xp
from .. import _dtype as D
from .._device import as_device
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import unbroadcast, check_broadcast

_make = Tensor._make
_pycomplex = builtins.complex
_brange = builtins.range
_PY_DT = {bool: lambda: D.bool_, int: lambda: D.int64, float: D.get_default_dtype,
          complex: D.default_complex}


# ----------------------------------------------------------------------------- helpers
def _leaf_dtype(x):
    """The dtype torch infers for one leaf of (possibly nested) data."""
    f = _PY_DT.get(x.__class__)
    if f is not None:
        return f()
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return D.from_numpy_dtype(x.dtype)
    if isinstance(x, bool):
        return D.bool_
    if isinstance(x, numbers.Integral):
        return D.int64
    if isinstance(x, numbers.Real):
        return D.get_default_dtype()
    if isinstance(x, numbers.Complex):
        return D.default_complex()
    if isinstance(x, str):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _infer_dtype(data):
    """torch's dtype inference for Python data: promote_types over every leaf (bool < int64 <
    default float < default complex; tensors, arrays and NumPy scalars by their dtype)."""
    if isinstance(data, (list, tuple)):
        res = None
        stack = [data]
        while stack:
            x = stack.pop()
            if isinstance(x, (list, tuple)):
                stack.extend(x)
                continue
            d = _leaf_dtype(x)
            res = d if res is None else D.promote_types(res, d)
        return res if res is not None else D.get_default_dtype()
    return _leaf_dtype(data)


def _to_plain(data):
    """Replace nested Tensors by arrays so NumPy can stack them."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_to_plain(x) for x in data]
    return data


def _ragged_error(data):
    """torch's exception for a non-rectangular sequence."""
    def shape_of(x):
        if isinstance(x, (list, tuple)):
            return (len(x),) + (shape_of(x[0]) if len(x) else ())
        if isinstance(x, (Tensor, np.ndarray)):
            return tuple(x.shape)
        return ()

    def walk(x, shape, dim):
        seq = isinstance(x, (list, tuple))
        if dim >= len(shape):
            if seq:
                return TypeError(f"'{type(x).__name__}' object cannot be interpreted as a number")
            return None
        if not seq:
            if isinstance(x, (Tensor, np.ndarray)):
                return None
            return TypeError("not a sequence")
        if len(x) != shape[dim]:
            return ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(x)})")
        for y in x:
            e = walk(y, shape, dim + 1)
            if e is not None:
                return e
        return None
    return walk(data, shape_of(data), 0) or ValueError("expected a rectangular (non-ragged) sequence")


def _int_range_check(arr64, dt):
    """torch's checked conversion of integers to a narrower type (unsigned wraps negatives)."""
    info = np.iinfo(dt.np)
    lo = -int(info.max) if info.min == 0 else int(info.min)
    if arr64.size and (arr64.min() < lo or arr64.max() > info.max):
        raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
    return arr64.astype(dt.np)


def _check_opts(layout=None, pin_memory=False, memory_format=None):
    if layout is not None and str(layout).rsplit('.', 1)[-1] != 'strided':
        raise NotImplementedError(f"ember supports only the strided layout, got {layout}")
    if pin_memory:
        raise RuntimeError("Cannot access accelerator device when none is available: ember has no "
                           "pinned memory (it runs on the CPU only)")
    if memory_format is not None:
        mf = str(memory_format).rsplit('.', 1)[-1]
        if mf not in ('preserve_format', 'contiguous_format'):
            raise NotImplementedError(f"ember supports only preserve_format and contiguous_format, "
                                      f"got {memory_format}")
        return mf
    return None


def _finish(arr, requires_grad, out=None):
    if out is not None:
        return _write_out(out, arr, requires_grad)
    t = _make(arr)
    if requires_grad:
        if arr.dtype.kind not in 'fc' and D.NP2DT[arr.dtype] is not D.bfloat16:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def _write_out(out, arr, requires_grad=False):
    """Store a creation result into ``out=`` (resized when its shape differs, like torch)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if requires_grad:
        raise RuntimeError("ember: requires_grad=True cannot be combined with out=")
    if out._requires_grad and out._grad_fn is None:
        from ..autograd.grad_mode import STATE
        if STATE.enabled:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if out._data.shape == arr.shape:
        np.copyto(out._data, arr, casting='unsafe')
    else:
        out._data = arr.astype(out._data.dtype)
    out._vc[0] += 1
    return out


def _dt(dtype, out=None):
    if dtype is not None:
        return D.as_dtype(dtype)
    if out is not None:
        return out.dtype
    return D.get_default_dtype()


def _size(size, fname, kw_size=None):
    """Parse torch's ``*size`` argument (varargs, one tuple/list/Size, or ``size=``)."""
    if kw_size is not None:
        if size:
            raise TypeError(f"{fname}() got multiple values for argument 'size'")
        size = (kw_size,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for s in size:
        if s.__class__ is not int:
            if isinstance(s, Tensor) and s._data.ndim == 0 and s._data.dtype.kind in 'iu':
                s = int(s._data)
            elif isinstance(s, (int, np.integer)) and not isinstance(s, (bool, np.bool_)):
                s = int(s)
            else:
                raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, but found "
                                f"element of type {type(s).__name__} at pos {len(out)}")
        out.append(s)
    for s in out:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


def _scalar(x, name='value'):
    """A Python number from a number or a one-element tensor."""
    if isinstance(x, Tensor):
        if x._data.size != 1:
            raise RuntimeError(f"a Tensor with {x._data.size} elements cannot be converted to Scalar")
        return x._data.reshape(()).item()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (bool, int, float, _pycomplex)):
        return x
    raise TypeError(f"{name} must be a Number, not {type(x).__name__}")


# ----------------------------------------------------------------------------- from data
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Always copies ``data`` (like torch.tensor)."""
    if device is not None:
        as_device(device)
    if pin_memory:
        _check_opts(pin_memory=pin_memory)
    if isinstance(data, Tensor):
        dt = D.as_dtype(dtype) if dtype is not None else data.dtype
        arr = data._data.astype(dt.np, copy=True)
    elif isinstance(data, np.ndarray):
        dt = D.as_dtype(dtype) if dtype is not None else D.from_numpy_dtype(data.dtype)
        arr = np.array(data, dtype=dt.np, copy=True)
    else:
        dt = D.as_dtype(dtype) if dtype is not None else _infer_dtype(data)
        plain = _to_plain(data) if isinstance(data, (list, tuple)) else data
        narrow_int = dt.category == D.INT and dt is not D.int64
        try:
            arr = np.array(plain, dtype=np.int64 if narrow_int else dt.np)
        except ValueError as e:
            if isinstance(data, (list, tuple)):
                raise _ragged_error(data) from None
            raise ValueError(str(e)) from None
        except OverflowError:
            raise ValueError("Overflow when unpacking long long") from None
        except TypeError as e:
            if isinstance(data, (list, tuple)):
                err = _ragged_error(data)
                if isinstance(err, TypeError):
                    raise err from None
            raise TypeError(str(e)) from None
        if narrow_int:
            arr = _int_range_check(arr, dt)
    return _finish(arr, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Shares memory with a Tensor or ndarray when no conversion is needed."""
    if device is not None:
        as_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        dt = D.as_dtype(dtype) if dtype is not None else D.from_numpy_dtype(data.dtype)
        return _make(data if data.dtype == dt.np else data.astype(dt.np))
    return tensor(data, dtype=dtype)



def from_numpy(ndarray):
    """Shares memory with ``ndarray`` both ways."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    return _make(ndarray)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    as_device(device)
    _check_opts(layout, pin_memory)
    dt = _dt(dtype)
    s = _scalar(s, 's')
    if isinstance(s, _pycomplex) and dt.category != D.COMPLEX:
        raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
    return _finish(np.array(s, dtype=dt.np), requires_grad)


# ----------------------------------------------------------------------------- filled
def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          **kw):
    as_device(device)
    if layout is not None or pin_memory:
        _check_opts(layout, pin_memory)
    size = _size(size, 'zeros', _kw_size(kw, 'zeros'))
    return _finish(np.zeros(size, _dt(dtype, out).np), requires_grad, out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
         **kw):
    as_device(device)
    if layout is not None or pin_memory:
        _check_opts(layout, pin_memory)
    size = _size(size, 'ones', _kw_size(kw, 'ones'))
    return _finish(np.ones(size, _dt(dtype, out).np), requires_grad, out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None, **kw):
    as_device(device)
    _check_opts(layout, pin_memory, memory_format)
    size = _size(size, 'empty', _kw_size(kw, 'empty'))
    return _finish(np.empty(size, _dt(dtype, out).np), requires_grad, out)


def _kw_size(kw, fname):
    if not kw:
        return None
    if set(kw) != {'size'}:
        bad = next(k for k in kw if k != 'size')
        raise TypeError(f"{fname}() got an unexpected keyword argument '{bad}'")
    return kw['size']


def _fill_dtype(fill_value):
    if isinstance(fill_value, Tensor):
        if fill_value._data.ndim != 0:
            raise TypeError("full(): argument 'fill_value' (position 2) must be Number, not Tensor")
        return fill_value.dtype if fill_value._data.dtype.kind != 'f' else D.get_default_dtype()
    return _infer_dtype(fill_value)


def _fill_array(shape, value, npdt):
    if isinstance(value, Tensor):
        value = value._data.item()
    try:
        if npdt.kind in 'iu' and not isinstance(value, (bool, np.bool_)):
            if isinstance(value, _pycomplex):
                value = value.real
            v = int(value)
            info = np.iinfo(npdt)
            lo = -int(info.max) if info.min == 0 else int(info.min)  # unsigned: negatives wrap
            if not lo <= v <= info.max:
                raise OverflowError
            value = v & int(info.max) if v < 0 and info.min == 0 else v
        elif npdt.kind != 'c' and isinstance(value, _pycomplex):
            value = value.real
        return np.full(shape, value, npdt)
    except (OverflowError, ValueError):
        raise RuntimeError(f"value cannot be converted to type {D.NP2DT[npdt].name} without overflow") \
            from None


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    as_device(device)
    _check_opts(layout, pin_memory)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    if not isinstance(fill_value, (Tensor, bool, int, float, _pycomplex, np.generic)):
        raise TypeError(f"full(): argument 'fill_value' (position 2) must be Number, not "
                        f"{type(fill_value).__name__}")
    if dtype is None:
        dt = out.dtype if out is not None else _fill_dtype(fill_value)
    else:
        dt = D.as_dtype(dtype)
    return _finish(_fill_array(_size((size,), 'full'), fill_value, dt.np), requires_grad, out)


def _like(input, dtype, memory_format, fn):
    if not isinstance(input, Tensor):
        raise TypeError(f"argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    npdt = D.as_dtype(dtype).np if dtype is not None else input._data.dtype
    a = input._data
    order = 'K' if memory_format is None or memory_format == 'preserve_format' else 'C'
    return fn(a, npdt, order)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    as_device(device)
    mf = _check_opts(layout, False, memory_format)
    return _finish(_like(input, dtype, mf, lambda a, d, o: np.zeros_like(a, d, o)), requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    as_device(device)
    mf = _check_opts(layout, False, memory_format)
    return _finish(_like(input, dtype, mf, lambda a, d, o: np.ones_like(a, d, o)), requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    as_device(device)
    mf = _check_opts(layout, False, memory_format)
    return _finish(_like(input, dtype, mf, lambda a, d, o: np.empty_like(a, d, o)), requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    as_device(device)
    mf = _check_opts(layout, False, memory_format)

    def make(a, d, o):
        r = np.empty_like(a, d, o)
        r[...] = _fill_array((), fill_value, d)
        return r
    return _finish(_like(input, dtype, mf, make), requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    as_device(device)
    _check_opts(layout, pin_memory)
    size = _size((size,), 'empty_strided')
    stride = tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of strides "
                           f"({len(stride)})")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and "
                           f"strides={list(stride)}")
    npdt = _dt(dtype).np
    n = 0 if 0 in size else 1 + sum((n_ - 1) * s for n_, s in zip(size, stride))
    base = np.empty(n, npdt)
    arr = np.lib.stride_tricks.as_strided(base, size, tuple(s * npdt.itemsize for s in stride))
    return _finish(arr, requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
        pin_memory=False):
    as_device(device)
    _check_opts(layout, pin_memory)
    n = _int_arg(n, 'eye', 'n')
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is None:
        m = n
    else:
        m = _int_arg(m, 'eye', 'm')
        if m < 0:
            raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return _finish(np.eye(n, m, dtype=_dt(dtype, out).np), requires_grad, out)


def _int_arg(x, fname, name):
    if isinstance(x, Tensor) and x._data.ndim == 0 and x._data.dtype.kind in 'iu':
        return int(x._data)
    if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
        return int(x)
    raise TypeError(f"{fname}(): argument '{name}' must be int, not {type(x).__name__}")


# ----------------------------------------------------------------------------- ranges
def _num(x, fname, name):
    if isinstance(x, Tensor):
        if x._data.ndim != 0 and x._data.size != 1:
            raise RuntimeError(f"{fname}: argument '{name}' must be a number or a one-element tensor")
        return x._data.reshape(()).item()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (bool, int, float, _pycomplex)):
        return x
    raise TypeError(f"{fname}(): argument '{name}' must be Number, not {type(x).__name__}")


_NOT_IMPL = "\"{}\" not implemented for '{}'"


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    as_device(device)
    if layout is not None or pin_memory:
        _check_opts(layout, pin_memory)
    if end is None:
        start, end = 0, start
    start = _num(start, 'arange', 'start')
    end = _num(end, 'arange', 'end')
    step = _num(step, 'arange', 'step')
    if dtype is not None:
        dt = D.as_dtype(dtype)
    elif out is not None:
        dt = out.dtype
    elif any(isinstance(v, float) for v in (start, end, step)):
        dt = D.get_default_dtype()
    else:
        dt = D.int64
    if any(isinstance(v, _pycomplex) for v in (start, end, step)):
        raise TypeError("arange(): start, end and step must be real numbers, not complex")
    if dt.category in (D.BOOL, D.COMPLEX):
        raise NotImplementedError(_NOT_IMPL.format('arange_cpu', dt._short))
    if float(step) == 0:
        raise RuntimeError("step must be nonzero")
    if dt is D.int64:
        # torch's int64 kernel works on the truncated bounds throughout
        xs, xe, xst = int(start), int(end), int(step)
        if xst == 0:
            raise ValueError("step must be nonzero")
    else:
        xs, xe, xst = float(start), float(end), float(step)
    if not (math.isfinite(xs) and math.isfinite(xe)):
        raise RuntimeError(f"unsupported range: {_fmt(xs)} -> {_fmt(xe)}")
    if not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dt is D.int64:
        sgn = (xst > 0) - (xst < 0)
        n = abs(xe - xs + xst - sgn) // abs(xst)  # C++ integer division, both of one sign
        arr = np.arange(xs, xs + n * xst, xst, dtype=np.int64) if n else np.empty(0, np.int64)
    else:
        n = max(math.ceil((xe - xs) / xst), 0)
        if dt.category == D.INT:  # size from the doubles, values from the truncated bounds
            arr = (int(start) + int(step) * np.arange(n, dtype=np.int64)).astype(dt.np)
        else:
            arr = (xs + xst * np.arange(n, dtype=np.float64)).astype(dt.np)
    return _finish(arr, requires_grad, out)


def _fmt(v):
    if isinstance(v, float) and v == int(v) if math.isfinite(v) else False:
        return str(int(v))
    return str(v)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Deprecated in torch: like arange but ``end`` is included; default dtype always."""
    warnings.warn("ember.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use ember.arange, "
                  "which produces values in [start, end).", UserWarning, stacklevel=2)
    as_device(device)
    _check_opts(layout, pin_memory)
    if end is None:
        raise TypeError("range() missing required argument 'end' (pos 2)")
    dt = _dt(dtype, out)
    if dt.category in (D.BOOL, D.COMPLEX):
        raise NotImplementedError(_NOT_IMPL.format('range_cpu', dt._short))
    xs, xe, xst = (float(_num(v, 'range', k)) for v, k in ((start, 'start'), (end, 'end'), (step, 'step')))
    if xst == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(xs) and math.isfinite(xe)):
        raise RuntimeError(f"unsupported range: {_fmt(xs)} -> {_fmt(xe)}")
    if not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int(math.floor((xe - xs) / xst)) + 1
    if dt.category == D.INT:
        arr = (int(xs) + int(xst) * np.arange(n, dtype=np.int64)).astype(dt.np)
    else:
        arr = (xs + xst * np.arange(n, dtype=np.float64)).astype(dt.np)
    return _finish(arr, requires_grad, out)


def _lin(start, end, steps, fname):
    """torch's linspace kernel: the first half from start, the second half from end."""
    if isinstance(steps, Tensor):
        steps = _int_arg(steps, fname, 'steps')
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"{fname}(): argument 'steps' must be int, not {type(steps).__name__}")
    steps = int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    cplx = isinstance(start, _pycomplex) or isinstance(end, _pycomplex)
    wd = np.complex128 if cplx else np.float64
    if steps == 0:
        return np.empty(0, wd), cplx
    if steps == 1:
        return np.array([start], wd), cplx
    step = (end - start) / (steps - 1)
    half = steps // 2
    arr = np.arange(steps, dtype=wd)
    arr[half:] -= steps - 1        # i - (steps - 1) on the second half
    arr *= step
    arr[:half] += start
    arr[half:] += end
    return arr, cplx


def _check_lin_cast(fname, cplx, dt):
    if cplx and dt.category != D.COMPLEX:
        inferred = 'c10::complex<double>' if D.default_complex() is D.complex128 else 'c10::complex<float>'
        raise RuntimeError(f"torch.{fname}(): inferred dtype {inferred} can't be safely cast to passed "
                           f"dtype {dt._short}")


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    as_device(device)
    _check_opts(layout, pin_memory)
    start = _num(start, 'linspace', 'start')
    end = _num(end, 'linspace', 'end')
    arr, cplx = _lin(start, end, steps, 'linspace')
    dt = D.as_dtype(dtype) if dtype is not None else (
        out.dtype if out is not None else (D.default_complex() if cplx else D.get_default_dtype()))
    if dt is D.bool_:
        raise NotImplementedError(_NOT_IMPL.format('linspace_cpu', dt._short))
    _check_lin_cast('linspace', cplx, dt)
    return _finish(arr.astype(dt.np), requires_grad, out)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    as_device(device)
    _check_opts(layout, pin_memory)
    start = _num(start, 'logspace', 'start')
    end = _num(end, 'logspace', 'end')
    base = _num(base, 'logspace', 'base')
    arr, cplx = _lin(start, end, steps, 'logspace')
    dt = D.as_dtype(dtype) if dtype is not None else (
        out.dtype if out is not None else (D.default_complex() if cplx else D.get_default_dtype()))
    if dt is D.bool_:
        raise NotImplementedError(_NOT_IMPL.format('logspace_cpu', dt._short))
    _check_lin_cast('logspace', cplx, dt)
    arr = np.power(base, arr)
    return _finish(arr.astype(dt.np), requires_grad, out)


def _tri_indices(fname, row, col, offset, dtype, device, layout, pin_memory, upper):
    as_device(device)
    _check_opts(layout, pin_memory)
    row = _int_arg(row, fname, 'row')
    col = _int_arg(col, fname, 'col')
    offset = _int_arg(offset, fname, 'offset')
    dt = D.as_dtype(dtype) if dtype is not None else D.int64
    if dt.category != D.INT:
        raise NotImplementedError(_NOT_IMPL.format(fname, dt._short))
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    if upper:
        r, c = np.triu_indices(row, offset, col)
    else:
        r, c = np.tril_indices(row, offset, col)
    return _make(np.stack([r, c]).astype(dt.np).reshape(2, -1))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
    return _tri_indices('tril_indices', row, col, offset, dtype, device, layout, pin_memory, False)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
    return _tri_indices('triu_indices', row, col, offset, dtype, device, layout, pin_memory, True)


# ----------------------------------------------------------------------------- meshgrid
def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn("ember.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = 'ij'
    if indexing not in ('ij', 'xy'):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"meshgrid(): expected Tensor as element, but got {type(t).__name__}")
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                               f"{t._type_desc()}")
    d0 = tensors[0]._data.dtype
    for t in tensors[1:]:
        if t._data.dtype != d0:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    n = len(tensors)
    sizes = [t._data.size for t in tensors]
    pos = list(_brange(n))
    if indexing == 'xy' and n >= 2:
        pos[0], pos[1] = 1, 0
    shape = [0] * n
    for i, p in enumerate(pos):
        shape[p] = sizes[i]
    shape = tuple(shape)
    outs = []
    for i, t in enumerate(tensors):
        vs = [1] * n
        vs[pos[i]] = -1
        outs.append(t.reshape(tuple(vs)).expand(shape))
    return tuple(outs)


# ----------------------------------------------------------------------------- complex / polar
class _Real(Op):
    _name = 'RealBackward0'

    @staticmethod
    def forward(ctx, z):
        return z.real.copy()

    @staticmethod
    def backward(ctx, g):
        return complex(g, zeros_like(g))


class _Imag(Op):
    _name = 'ImagBackward0'

    @staticmethod
    def forward(ctx, z):
        return z.imag.copy()

    @staticmethod
    def backward(ctx, g):
        return complex(zeros_like(g), g)


class _Cos(Op):
    _name = 'CosBackward0'

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.cos(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return -(g * _Sin.apply(x))


class _Sin(Op):
    _name = 'SinBackward0'

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.sin(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * _Cos.apply(x)


class Complex(Op):
    _name = 'ComplexBackward0'

    @staticmethod
    def forward(ctx, re, im):
        ctx.shapes = (re.shape, im.shape)
        out = xp.empty(np.broadcast_shapes(re.shape, im.shape), D.NP2DT[re.dtype].to_complex().np)
        out.real = re
        out.imag = im
        return out

    @staticmethod
    def backward(ctx, g):
        sr, si = ctx.shapes
        nr, ni = ctx.needs_input_grad
        return (unbroadcast(_Real.apply(g), sr) if nr else None,
                unbroadcast(_Imag.apply(g), si) if ni else None)


class Polar(Op):
    _name = 'PolarBackward0'

    @staticmethod
    def forward(ctx, r, theta):
        ctx.save_for_backward(r, theta)
        ctx.shapes = (r.shape, theta.shape)
        out = xp.empty(np.broadcast_shapes(r.shape, theta.shape), D.NP2DT[r.dtype].to_complex().np)
        out.real = r * xp.cos(theta)
        out.imag = r * xp.sin(theta)
        return out

    @staticmethod
    def backward(ctx, g):
        r, theta = ctx.saved_tensors
        sr, st = ctx.shapes
        nr, nt = ctx.needs_input_grad
        gr, gi = _Real.apply(g), _Imag.apply(g)
        c, s = _Cos.apply(theta), _Sin.apply(theta)
        g_r = unbroadcast(gr * c + gi * s, sr) if nr else None
        g_t = unbroadcast(r * (gi * c - gr * s), st) if nt else None
        return g_r, g_t


def _complex_args(real, imag):
    for x, n in ((real, 'real'), (imag, 'imag')):
        if not isinstance(x, Tensor):
            raise TypeError(f"complex(): argument '{n}' (position {1 if n == 'real' else 2}) must be "
                            f"Tensor, not {type(x).__name__}")
    a, b = real.dtype, imag.dtype
    ok = (D.float16, D.float32, D.float64)
    if a not in ok or b not in ok:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{a._short} and {b._short}")
    if a is not b:
        raise RuntimeError(f"Expected object of scalar type {a._short} but got scalar type {b._short} "
                           f"for second argument")
    check_broadcast(real._data.shape, imag._data.shape)


def complex(real, imag, *, out=None):
    _complex_args(real, imag)
    if out is not None:
        raise NotImplementedError("ember.complex: the out= argument is not supported")
    return Complex.apply(real, imag)


def polar(abs, angle, *, out=None):
    _complex_args(abs, angle)
    if out is not None:
        raise NotImplementedError("ember.polar: the out= argument is not supported")
    return Polar.apply(abs, angle)


# ----------------------------------------------------------------------------- heaviside / vander
class Heaviside(Op):
    _name = 'torch::autograd::NotImplemented'

    @staticmethod
    def forward(ctx, x, v):
        return xp.where(x == 0, v, (x > 0).astype(x.dtype)).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("the derivative for 'heaviside' is not implemented.")


def heaviside(input, values, *, out=None):
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    if input._data.dtype.kind == 'c' or values._data.dtype.kind == 'c':
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    check_broadcast(input._data.shape, values._data.shape)
    if out is not None:
        raise NotImplementedError("ember.heaviside: the out= argument is not supported")
    return Heaviside.apply(input, values)


class Vander(Op):
    _name = 'VanderBackward0'  # torch composes cumprod/flip; one node here

    @staticmethod
    def forward(ctx, x, n, increasing):
        ctx.save_for_backward(x)
        ctx.n, ctx.increasing = n, increasing
        return xp.vander(x, n, increasing=increasing).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        n, inc = ctx.n, ctx.increasing
        if n <= 1:
            return zeros_like(x)
        # d/dx x^p = p x^(p-1): weight each column of g by p, pair with powers 0..n-2
        p = np.arange(n, dtype=x._data.dtype)
        if not inc:
            p = p[::-1].copy()
        lower = Vander.apply(x, n - 1, inc)           # powers 0..n-2 (or reversed)
        gw = g * _make(p)
        gw = _DropCol.apply(gw, 0 if inc else n - 1)   # drop the column of power 0
        return (gw * lower).sum(1)


class _DropCol(Op):
    _name = 'SliceBackward0'

    @staticmethod
    def forward(ctx, a, j):
        ctx.j, ctx.n = j, a.shape[1]
        return xp.delete(a, j, axis=1)

    @staticmethod
    def backward(ctx, g):
        return _InsertZeroCol.apply(g, ctx.j)


class _InsertZeroCol(Op):
    _name = 'CopySlices'

    @staticmethod
    def forward(ctx, a, j):
        ctx.j = j
        return xp.insert(a, j, 0, axis=1)

    @staticmethod
    def backward(ctx, g):
        return _DropCol.apply(g, ctx.j)


def vander(x, N=None, increasing=False):
    if not isinstance(x, Tensor):
        raise TypeError(f"vander(): argument 'x' (position 1) must be Tensor, not {type(x).__name__}")
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    if N is None:
        N = x._data.shape[0]
    elif N < 0:
        raise RuntimeError("N must be non-negative.")
    if x._data.dtype.kind in 'biu':
        from .convert import cast
        x = cast(x, D.int64)
    if N <= 1:  # a column of ones (or nothing): constant, as in torch
        return _make(np.ones((x._data.shape[0], int(N)), x._data.dtype))
    return Vander.apply(x, int(N), bool(increasing))


__all__ = ['tensor', 'as_tensor', 'from_numpy', 'zeros', 'ones', 'empty', 'full', 'zeros_like',
           'ones_like', 'empty_like', 'full_like', 'empty_strided', 'scalar_tensor', 'eye', 'arange',
           'range', 'linspace', 'logspace', 'tril_indices', 'triu_indices', 'meshgrid', 'complex',
           'polar', 'heaviside', 'vander']
