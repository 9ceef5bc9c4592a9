"""torch-style repr of tensors (``tensor([[1., 2.]], requires_grad=True)``)."""
import numpy as np

from . import _dtype as D


def _format_array(arr):
    if arr.dtype.kind == 'f':
        if arr.size and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            body = np.array2string(arr, separator=', ', prefix='tensor(',
                                   formatter={'float_kind': lambda v: f"{v:.0f}."})
        else:
            body = np.array2string(arr, separator=', ', prefix='tensor(', precision=4,
                                   floatmode='fixed')
    else:
        body = np.array2string(arr, separator=', ', prefix='tensor(')
    return body


def tensor_repr(t):
    arr = t._data
    if t.dtype is D.bfloat16:
        arr = arr.astype(np.float32)
    suffix = []
    default_dts = (D.get_default_dtype(), D.int64, D.bool_)
    if arr.size == 0:
        body = '[]'
        if arr.ndim != 1:
            suffix.append(f"size={tuple(arr.shape)}")
    else:
        body = _format_array(arr)
    if t.dtype not in default_dts:
        suffix.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        suffix.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffix.append("requires_grad=True")
    return 'tensor(' + body + ''.join(', ' + s for s in suffix) + ')'
