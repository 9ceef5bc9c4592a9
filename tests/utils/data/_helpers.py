"""Shared helpers for the ember.utils.data tests: compare nested ember/torch structures."""
import collections.abc

import numpy as np
import torch

import ember


def same_structure(e, t, path='out'):
    """Recursively: same container types/keys, tensors of the same dtype/shape/values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{path}: {type(e).__name__} is not a Tensor"
        assert str(e.dtype).split('.')[-1] == str(t.dtype).split('.')[-1], f"{path}: {e.dtype} != {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{path}: {tuple(e.shape)} != {tuple(t.shape)}"
        np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=path)
        return
    if isinstance(t, np.ndarray):
        assert isinstance(e, np.ndarray), path
        np.testing.assert_array_equal(e, t, err_msg=path)
        return
    assert type(e).__name__ == type(t).__name__, f"{path}: {type(e).__name__} != {type(t).__name__}"
    if isinstance(t, collections.abc.Mapping):
        assert list(e.keys()) == list(t.keys()), path
        for k in t:
            same_structure(e[k], t[k], f"{path}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert len(e) == len(t), path
        for i, (a, b) in enumerate(zip(e, t)):
            same_structure(a, b, f"{path}[{i}]")
    else:
        assert e == t, f"{path}: {e!r} != {t!r}"


def to_fw(fw, x):
    """Build the same sample in either framework: ('T', ndarray) marks a tensor."""
    if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str) and x[0] == 'T':
        return fw.from_numpy(np.array(x[1], copy=True))
    if isinstance(x, dict):
        return {k: to_fw(fw, v) for k, v in x.items()}
    if isinstance(x, list):
        return [to_fw(fw, v) for v in x]
    if isinstance(x, tuple) and hasattr(x, '_fields'):
        return type(x)(*(to_fw(fw, v) for v in x))
    if isinstance(x, tuple):
        return tuple(to_fw(fw, v) for v in x)
    return x
