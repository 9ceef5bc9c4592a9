"""Tensor creation: tensor, as_tensor, from_numpy, zeros/ones/full/empty and friends."""
import numbers

import numpy as np

from .. import _dtype as D
from .._device import as_device
from .._tensor import Tensor

_make = Tensor._make


def _infer_dtype(data):
    """torch's dtype inference for Python data: bool < int64 < default float < complex."""
    cat = -1
    stack = [data]
    saw_tensor_dtype = None
    while stack:
        x = stack.pop()
        if isinstance(x, Tensor):
            d = x.dtype
            saw_tensor_dtype = d if saw_tensor_dtype is None else D.promote_types(saw_tensor_dtype, d)
            continue
        if isinstance(x, np.ndarray):
            d = D.from_numpy_dtype(x.dtype)
            saw_tensor_dtype = d if saw_tensor_dtype is None else D.promote_types(saw_tensor_dtype, d)
            continue
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        if isinstance(x, (bool, np.bool_)):
            cat = max(cat, D.BOOL)
        elif isinstance(x, numbers.Integral):
            cat = max(cat, D.INT)
        elif isinstance(x, numbers.Real):
            cat = max(cat, D.FLOAT)
        elif isinstance(x, numbers.Complex):
            cat = max(cat, D.COMPLEX)
        elif isinstance(x, np.generic):
            d = D.from_numpy_dtype(x.dtype)
            saw_tensor_dtype = d if saw_tensor_dtype is None else D.promote_types(saw_tensor_dtype, d)
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
    by_cat = {-1: D.get_default_dtype(), D.BOOL: D.bool_, D.INT: D.int64,
              D.FLOAT: D.get_default_dtype(), D.COMPLEX: D.default_complex()}
    d = by_cat[cat]
    if saw_tensor_dtype is not None:
        d = saw_tensor_dtype if cat == -1 else D.promote_types(saw_tensor_dtype, d) \
            if saw_tensor_dtype.category >= cat else d
    return d


def _to_plain(data):
    """Replace nested Tensors by arrays so NumPy can stack them."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_to_plain(x) for x in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Always copies ``data`` (like torch.tensor)."""
    as_device(device)
    if isinstance(data, Tensor):
        arr = data._data
        dt = D.as_dtype(dtype) if dtype is not None else data.dtype
        arr = arr.astype(dt.np, copy=True)
    else:
        if isinstance(data, np.ndarray) and dtype is None:
            dt = D.from_numpy_dtype(data.dtype)
        else:
            dt = D.as_dtype(dtype) if dtype is not None else _infer_dtype(data)
        try:
            arr = np.array(_to_plain(data), dtype=dt.np)
        except ValueError as e:
            raise ValueError(f"expected a rectangular (non-ragged) sequence: {e}") from None
        except OverflowError:
            raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow") from None
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None, device=None):
    """Shares memory with a Tensor or ndarray when no conversion is needed."""
    as_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        dt = D.as_dtype(dtype) if dtype is not None else D.from_numpy_dtype(data.dtype)
        return _make(data if data.dtype == dt.np else data.astype(dt.np))
    return tensor(data, dtype=dtype)


def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    return _make(ndarray)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"expected a sequence of integers, but got an element of type {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _finish(arr, requires_grad):
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dt(dtype):
    return (D.as_dtype(dtype) if dtype is not None else D.get_default_dtype()).np


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    as_device(device)
    return _finish(np.zeros(_size(size), _dt(dtype)), requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    as_device(device)
    return _finish(np.ones(_size(size), _dt(dtype)), requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None):
    as_device(device)
    return _finish(np.empty(_size(size), _dt(dtype)), requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    as_device(device)
    if dtype is None:
        dtype = _infer_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    return _finish(np.full(_size((size,)), fill_value, D.as_dtype(dtype).np), requires_grad)


def _like_dtype(input, dtype):
    return D.as_dtype(dtype).np if dtype is not None else input._data.dtype


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.zeros(input._data.shape, _like_dtype(input, dtype)), requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.ones(input._data.shape, _like_dtype(input, dtype)), requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.empty(input._data.shape, _like_dtype(input, dtype)), requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _finish(np.full(input._data.shape, fill_value, _like_dtype(input, dtype)), requires_grad)

__all__ = ['tensor', 'as_tensor', 'from_numpy', 'zeros', 'ones', 'empty', 'full', 'zeros_like',
           'ones_like', 'empty_like', 'full_like']
