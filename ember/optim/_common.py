"""Shared pieces of the elementwise optimizers."""
import numpy as np

from .._tensor import Tensor
from .optimizer import _check_unsupported


def zeros_like(p):
    return Tensor._make(np.zeros_like(p._data))


def full_like(p, v):
    return Tensor._make(np.full_like(p._data, v))


def check_betas(betas):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def check_eps(eps):
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")


def check_wd(weight_decay):
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def check_group(group):
    _check_unsupported(foreach=group.get('foreach'), fused=group.get('fused'),
                       capturable=group.get('capturable'), differentiable=group.get('differentiable'))


def setstate_defaults(opt, **defaults):
    for group in opt.param_groups:
        for k, v in defaults.items():
            group.setdefault(k, v)
