"""Run the same program on ember and torch, compare what it returns."""
import numpy as np
import torch

import ember


def _np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.detach().numpy()


def compare(e, t, path='result', rtol=1e-6, atol=1e-6):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{path}: {type(e).__name__} is not a Tensor"
        assert str(e.dtype).split('.')[-1] == str(t.dtype).split('.')[-1], f"{path}: dtype {e.dtype} != {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{path}: shape {tuple(e.shape)} != {tuple(t.shape)}"
        np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol, err_msg=path)
    elif isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), f"{path}: {e!r} != {t!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            compare(a, b, f"{path}[{i}]", rtol, atol)
    elif isinstance(t, dict):
        assert set(e) == set(t), f"{path}: keys {set(e)} != {set(t)}"
        for k in t:
            compare(e[k], t[k], f"{path}[{k!r}]", rtol, atol)
    elif isinstance(t, float):
        assert isinstance(e, (float, int)), f"{path}: {e!r} != {t!r}"
        np.testing.assert_allclose(e, t, rtol=rtol, atol=atol, err_msg=path)
    else:
        assert e == t, f"{path}: {e!r} != torch {t!r}"


def both(fn, rtol=1e-6, atol=1e-6):
    """fn(m) with m = torch, then ember; compare results."""
    t = fn(torch)
    e = fn(ember)
    compare(e, t, rtol=rtol, atol=atol)
    return e, t


def both_raise(fn, exc=RuntimeError, match=None):
    """fn(m) raises the same exception type in both; optional regex on both messages."""
    import pytest
    import re
    for m in (torch, ember):
        with pytest.raises(Exception) as info:
            fn(m)
        assert isinstance(info.value, exc), f"{m.__name__} raised {info.type.__name__}: {info.value}"
        if match is not None:
            assert re.search(match, str(info.value)), f"{m.__name__}: {str(info.value)!r} !~ {match!r}"


def names(fn):
    """grad_fn name with torch's spelling (drop torch:: prefix only where torch uses it too)."""
    return None if fn is None else fn.name()


def arr(seed, *shape, dtype='float32'):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(dtype)


def T(m, a, requires_grad=False):
    return m.tensor(np.array(a, copy=True), requires_grad=requires_grad)


def ver(t):
    """The version counter as an int (ember keeps it in a shared one-element list)."""
    v = t._version
    return v[0] if isinstance(v, list) else v
