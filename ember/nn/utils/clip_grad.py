"""Gradient clipping (torch.nn.utils.clip_grad)."""
import functools
import types
import warnings

import numpy as _np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ... import _dtype as D

__all__ = ['clip_grad_norm', 'clip_grad_norm_', 'clip_grad_value_', 'get_total_norm',
           'clip_grads_with_norm_']


def _no_grad(func):
    def _no_grad_wrapper(*args, **kwargs):
        with no_grad():
            return func(*args, **kwargs)
    functools.update_wrapper(_no_grad_wrapper, func)
    return _no_grad_wrapper


def _check_foreach(foreach):
    # torch 2.13 has CPU foreach kernels: foreach=True/False/None give the same results here
    if foreach not in (None, True, False):
        raise TypeError(f"foreach must be None or a bool, got {type(foreach).__name__}")


def _vector_norm_np(a, p):
    """||a||_p of an array, accumulated in at least float32 (like torch's reduction)."""
    if a.dtype.kind not in 'fc' or a.dtype.itemsize < 4:
        a = a.astype(_np.float32)
    a = a.ravel()
    if p == 2.0:
        if a.dtype.kind == 'c':
            a = _np.abs(a)
        return _np.sqrt(_np.dot(a, a)) if a.size else _np.zeros((), a.dtype)
    a = _np.abs(a)
    if a.size == 0:
        return _np.zeros((), a.dtype)
    if p == _np.inf:
        return a.max()
    if p == -_np.inf:
        return a.min()
    if p == 0.0:
        return _np.asarray(_np.count_nonzero(a), dtype=a.dtype)
    if p == 1.0:
        return a.sum()
    return _np.sum(a ** p) ** (1.0 / p)


@_no_grad
def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the norms of ``tensors`` (as if concatenated into one vector)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    else:
        tensors = list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        from ...ops.creation import tensor
        return tensor(0.0)
    _check_foreach(foreach)
    out_dt = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype is not out_dt:
            out_dt = D.promote_types(out_dt, t.dtype)
    if out_dt.is_complex:
        out_dt = out_dt.to_real()
    norms = _np.array([_vector_norm_np(t._data, norm_type) for t in tensors])
    total = _vector_norm_np(norms, norm_type)
    total_norm = Tensor._make(_np.asarray(total).astype(out_dt.np))
    if error_if_nonfinite and not _np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           "non-finite, so it cannot be clipped. To disable this error and scale the "
                           "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total_norm


@_no_grad
def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` by ``min(1, max_norm / (total_norm + 1e-6))``."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    _check_foreach(foreach)
    clip_coef = max_norm / (total_norm + 1e-6)
    clip_coef_clamped = clip_coef.clamp(max=1.0)
    for g in grads:
        g.mul_(clip_coef_clamped)


@_no_grad
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Clip the gradient norm of ``parameters`` in place; returns the total norm (a tensor)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp the gradients of ``parameters`` to [-clip_value, clip_value] in place."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    grads = [p.grad for p in parameters if p.grad is not None]
    if grads:
        _check_foreach(foreach)
    for grad in grads:
        grad.clamp_(min=-clip_value, max=clip_value)
