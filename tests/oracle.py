"""The torch oracle: run the same computation on ember and on torch, compare everything.

    check(lambda m, x, y: m.add(x, y), [np_x, np_y])

``fn`` takes the module (``ember`` or ``torch``) first, then tensors built from ``inputs``
(NumPy arrays become tensors of both frameworks; anything else is passed as is). Compared:
forward values (rtol/atol by dtype), result dtype and shape, and -- for floating inputs --
the gradients of every input after a backward with the same random upstream gradient.
``check_error`` asserts both frameworks raise the same exception type.

Inputs are copied into contiguous tensors; build non-contiguous cases inside ``fn``
(``x.t()``, ``x[:, ::2]``, ``x.expand(...)``) so both frameworks see the same layout.
"""
import numpy as np
import pytest
import torch

import ember

TOL = {
    'float16': (1e-2, 1e-2), 'bfloat16': (2e-2, 2e-2), 'float32': (1e-5, 1e-5),
    'float64': (1e-10, 1e-12), 'complex64': (1e-5, 1e-5), 'complex128': (1e-10, 1e-12),
}


def to_torch(a, requires_grad=False):
    if isinstance(a, ember.Tensor):
        a = a.detach().numpy()
    if a.dtype.name == 'bfloat16':
        t = torch.from_numpy(a.astype(np.float32).copy()).to(torch.bfloat16)
    else:
        t = torch.from_numpy(np.array(a, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def to_ember(a, requires_grad=False):
    t = ember.tensor(np.array(a, copy=True)) if not isinstance(a, ember.Tensor) else a.detach().clone()
    if requires_grad:
        t.requires_grad_(True)
    return t


def to_numpy(t):
    """Either framework's tensor -> ndarray (bfloat16 via float32)."""
    if isinstance(t, torch.Tensor):
        t = t.detach().resolve_conj().resolve_neg()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy(force=True)
    a = t.detach().numpy()
    return a.astype(np.float32) if a.dtype.name == 'bfloat16' else a


def dtype_name(t):
    return str(t.dtype).split('.')[-1]


def _is_float(a):
    return isinstance(a, np.ndarray) and (a.dtype.kind in 'fc' or a.dtype.name == 'bfloat16')


def _flatten(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flatten(o))
        return res
    return [out]


def assert_close(e, t, rtol=None, atol=None, what='output'):
    """Compare an ember result with a torch result: type, dtype, shape, values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{what}: expected a Tensor, got {type(e).__name__}"
        assert dtype_name(e) == dtype_name(t), f"{what}: dtype {e.dtype} != torch {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != torch {tuple(t.shape)}"
        r, a = TOL.get(dtype_name(t), (0, 0))
        r = rtol if rtol is not None else r
        a = atol if atol is not None else a
        np.testing.assert_allclose(to_numpy(e), to_numpy(t), rtol=r, atol=a, equal_nan=True,
                                   err_msg=what)
    elif isinstance(t, (bool, int, float, complex)):
        assert type(e) is type(t), f"{what}: type {type(e).__name__} != torch {type(t).__name__}"
        np.testing.assert_allclose(e, t, rtol=rtol or 1e-6, atol=atol or 1e-6, err_msg=what)
    else:
        assert e == t, f"{what}: {e!r} != torch {t!r}"


def check(fn, inputs, *, grad=True, rtol=None, atol=None, grad_rtol=None, grad_atol=None, seed=0):
    """Run ``fn(ember, *ember_inputs)`` and ``fn(torch, *torch_inputs)``; compare values and grads."""
    e_in = [to_ember(a, grad and _is_float(a)) if isinstance(a, np.ndarray) else a for a in inputs]
    t_in = [to_torch(a, grad and _is_float(a)) if isinstance(a, np.ndarray) else a for a in inputs]
    t_out = fn(torch, *t_in)
    e_out = fn(ember, *e_in)
    t_flat, e_flat = _flatten(t_out), _flatten(e_out)
    assert len(t_flat) == len(e_flat), f"number of outputs {len(e_flat)} != torch {len(t_flat)}"
    for i, (e, t) in enumerate(zip(e_flat, t_flat)):
        assert_close(e, t, rtol, atol, what=f"output {i}")
    if not grad:
        return e_out, t_out
    rng = np.random.default_rng(seed)
    t_roots, e_roots, seeds = [], [], []
    for e, t in zip(e_flat, t_flat):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert e.requires_grad, "torch output requires grad but ember's does not"
            g = rng.standard_normal(tuple(t.shape))
            if t.is_complex():
                g = g + 1j * rng.standard_normal(tuple(t.shape))
            g = g.astype(to_numpy(t).dtype)
            t_roots.append(t)
            e_roots.append(e)
            seeds.append(g)
        elif isinstance(e, ember.Tensor):
            assert not e.requires_grad or isinstance(t, torch.Tensor) and t.requires_grad, \
                "ember output requires grad but torch's does not"
    if not t_roots:
        return e_out, t_out
    t_diff = [x for x in t_in if isinstance(x, torch.Tensor) and x.requires_grad]
    e_diff = [x for x in e_in if isinstance(x, ember.Tensor) and x.requires_grad]
    t_g = torch.autograd.grad(t_roots, t_diff, [to_torch(s).to(r.dtype) for s, r in zip(seeds, t_roots)],
                              allow_unused=True)
    e_g = ember.autograd.grad(e_roots, e_diff, [to_ember(s).to(r.dtype) for s, r in zip(seeds, e_roots)],
                              allow_unused=True)
    for i, (eg, tg) in enumerate(zip(e_g, t_g)):
        if tg is None:
            assert eg is None or np.all(to_numpy(eg) == 0), f"grad {i}: torch has none, ember has one"
            continue
        assert eg is not None, f"grad {i}: ember produced no gradient"
        assert_close(eg, tg, grad_rtol if grad_rtol is not None else rtol,
                     grad_atol if grad_atol is not None else atol, what=f"grad of input {i}")
    return e_out, t_out


def check_error(fn, inputs, match=None):
    """Both frameworks raise; ember's exception type is torch's (or the builtin it derives from)."""
    t_in = [to_torch(a) if isinstance(a, np.ndarray) else a for a in inputs]
    e_in = [to_ember(a) if isinstance(a, np.ndarray) else a for a in inputs]
    with pytest.raises(Exception) as t_exc:
        fn(torch, *t_in)
    expected = t_exc.type
    # torch's own error classes (e.g. torch._C._LinAlgError) derive from builtins: compare those
    while expected.__module__ not in ('builtins',):
        expected = expected.__mro__[1]
    with pytest.raises(Exception) as e_exc:
        fn(ember, *e_in)
    assert isinstance(e_exc.value, expected), \
        f"ember raised {e_exc.type.__name__}: {e_exc.value}; torch raised {t_exc.type.__name__}: {t_exc.value}"
    if match is not None:
        import re
        assert re.search(match, str(e_exc.value)), f"message {str(e_exc.value)!r} does not match {match!r}"
    return e_exc.value, t_exc.value


def gradcheck(fn, inputs, **kw):
    """ember's own finite-difference check in float64: fn takes ember tensors."""
    e_in = [to_ember(np.asarray(a, dtype=np.float64), True) if isinstance(a, np.ndarray) and _is_float(a)
            else (to_ember(a) if isinstance(a, np.ndarray) else a) for a in inputs]
    assert ember.autograd.gradcheck(fn, e_in, **kw)


def rand(*shape, dtype=np.float32, seed=None, low=-1.0, high=1.0, rng=None):
    rng = rng or np.random.default_rng(seed)
    if np.dtype(dtype).kind in 'iu':
        return rng.integers(int(low) if low != -1.0 else -5, int(high) if high != 1.0 else 6,
                            size=shape).astype(dtype)
    if np.dtype(dtype).kind == 'b':
        return rng.random(shape) < 0.5
    if np.dtype(dtype).kind == 'c':
        return (rng.uniform(low, high, shape) + 1j * rng.uniform(low, high, shape)).astype(dtype)
    return rng.uniform(low, high, shape).astype(dtype)

