"""LayerNorm, GroupNorm, InstanceNorm, LocalResponseNorm, RMSNorm and their functionals vs torch."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error, gradcheck, rand

EF = ember.nn.functional
TF = torch.nn.functional
NP2T = {np.float32: torch.float32, np.float64: torch.float64}


def _edt(dtype):
    return getattr(ember, np.dtype(dtype).name)


def _copy_state(e_mod, t_mod):
    e_mod.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in t_mod.state_dict().items()})


def _randomize(t_mod, seed=5):
    with torch.no_grad():
        for i, p in enumerate(t_mod.parameters()):
            p.copy_(torch.tensor(rand(*p.shape, dtype=np.float64, seed=seed + i) + 1.0).to(p.dtype))


def _close(e, t, dtype, what):
    tol = 1e-5 if dtype == np.float32 else 1e-10
    assert str(e.dtype).split('.')[-1] == str(t.dtype).split('.')[-1], what
    assert tuple(e.shape) == tuple(t.shape), what
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol, err_msg=what)


def _compare_module(e_mod, t_mod, shapes, dtype, train=True):
    e_mod.train(train)
    t_mod.train(train)
    for step, shape in enumerate(shapes):
        x = rand(*shape, dtype=dtype, seed=step) * 2 + 0.3
        g = rand(*shape, dtype=dtype, seed=50 + step)
        ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ey, ty = e_mod(ex), t_mod(tx)
        _close(ey, ty, dtype, f"output {step}")
        for p in e_mod.parameters():
            p.grad = None
        t_mod.zero_grad()
        ey.backward(ember.tensor(g))
        ty.backward(torch.tensor(g))
        _close(ex.grad, tx.grad, dtype, f"input grad {step}")
        for (n, ep), (_, tp) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
            _close(ep.grad, tp.grad, dtype, f"grad {n} {step}")
        for (n, eb), (_, tb) in zip(e_mod.named_buffers(), t_mod.named_buffers()):
            _close(eb, tb, dtype if eb.dtype.is_floating_point else np.float64, f"buffer {n} {step}")


# ------------------------------------------------------------------ LayerNorm
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('ns,shape', [(5, (3, 5)), ((4, 5), (2, 3, 4, 5)), ([3], (1, 3)), (7, (7,))])
@pytest.mark.parametrize('kw', [dict(), dict(bias=False), dict(elementwise_affine=False), dict(eps=1e-3)])
def test_layernorm_module(ns, shape, kw, dtype):
    t_mod = torch.nn.LayerNorm(ns, dtype=NP2T[dtype], **kw)
    e_mod = ember.nn.LayerNorm(ns, dtype=_edt(dtype), **kw)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    _randomize(t_mod)
    _copy_state(e_mod, t_mod)
    _compare_module(e_mod, t_mod, [shape], dtype)


def test_layer_norm_functional_and_grad_fn():
    x, w, b = rand(2, 3, 4, seed=0), rand(3, 4, seed=1), rand(3, 4, seed=2)
    e, t = check(lambda m, x, w, b: m.nn.functional.layer_norm(x, (3, 4), w, b), [x, w, b])
    assert e.grad_fn.name() == t.grad_fn.name() == 'NativeLayerNormBackward0'
    check(lambda m, x, w: m.nn.functional.layer_norm(x, [4], w[0]), [x, w])
    check(lambda m, x: m.nn.functional.layer_norm(x.transpose(0, 2), [2]), [x])  # non-contiguous
    gradcheck(lambda x, w, b: EF.layer_norm(x, (4,), w, b), [x, w[0], b[0]])
    gradcheck(lambda x: EF.layer_norm(x, (3, 4)), [x])


def test_layer_norm_double_backward_matches_torch():
    x, w, b = rand(3, 5, dtype=np.float64, seed=0), rand(5, dtype=np.float64, seed=1), rand(5, dtype=np.float64, seed=2)
    res = []
    for m in (ember, torch):
        xs, ws, bs = (m.tensor(a, requires_grad=True) for a in (x, w, b))
        y = m.nn.functional.layer_norm(xs, (5,), ws, bs)
        gx, gw = m.autograd.grad((y ** 3).sum(), [xs, ws], create_graph=True)
        res.append([a.detach().numpy() for a in m.autograd.grad((gx * gx).sum() + (gw * gw).sum(), [xs, ws, bs],
                                                              allow_unused=True)])
    for a, b_ in zip(*res):
        np.testing.assert_allclose(a, b_, rtol=1e-8, atol=1e-10)


def test_layer_norm_errors():
    check_error(lambda m, x: m.nn.functional.layer_norm(x, (4,)), [rand(2, 3)],
                match=r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size\[2, 3\]")
    check_error(lambda m, x: m.nn.LayerNorm((2, 3))(x), [rand(2, 3, 2)])
    check_error(lambda m, x, w: m.nn.functional.layer_norm(x, (3,), w), [rand(2, 3), rand(4)])


# ------------------------------------------------------------------ GroupNorm
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('G,C,shape', [(2, 4, (3, 4, 5)), (1, 3, (2, 3)), (3, 3, (1, 3, 2, 3)), (2, 6, (2, 6, 2, 2, 2))])
@pytest.mark.parametrize('kw', [dict(), dict(affine=False), dict(bias=False)])
def test_groupnorm_module(G, C, shape, kw, dtype):
    t_mod = torch.nn.GroupNorm(G, C, dtype=NP2T[dtype], **kw)
    e_mod = ember.nn.GroupNorm(G, C, dtype=_edt(dtype), **kw)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    _randomize(t_mod)
    _copy_state(e_mod, t_mod)
    _compare_module(e_mod, t_mod, [shape], dtype)


def test_group_norm_functional_errors_gradcheck():
    check_error(lambda m, x: m.nn.functional.group_norm(x, 2), [rand(2, 3, 4)],
                match=r"Expected number of channels in input to be divisible by num_groups, but got input of "
                      r"shape \[2, 3, 4\] and num_groups=2")
    with pytest.raises(ValueError, match=r"num_channels \(3\) must be divisible by num_groups \(2\)"):
        ember.nn.GroupNorm(2, 3)
    gradcheck(lambda x, w, b: EF.group_norm(x, 2, w, b), [rand(2, 4, 3, seed=0), rand(4, seed=1), rand(4, seed=2)])


# ------------------------------------------------------------------ InstanceNorm
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('name,shapes', [('InstanceNorm1d', [(2, 3, 5), (3, 4)]),
                                         ('InstanceNorm2d', [(2, 3, 4, 5), (1, 3, 2, 3), (3, 2, 2)]),
                                         ('InstanceNorm3d', [(2, 3, 2, 2, 3)])])
@pytest.mark.parametrize('kw', [dict(), dict(affine=True), dict(track_running_stats=True),
                                dict(affine=True, track_running_stats=True, momentum=0.3)])
def test_instancenorm_module(name, shapes, kw, dtype):
    C = 3
    t_mod = getattr(torch.nn, name)(C, dtype=NP2T[dtype], **kw)
    e_mod = getattr(ember.nn, name)(C, dtype=_edt(dtype), **kw)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    _randomize(t_mod)
    _copy_state(e_mod, t_mod)
    _compare_module(e_mod, t_mod, shapes, dtype, train=True)
    _compare_module(e_mod, t_mod, shapes[:1], dtype, train=False)


def test_instance_norm_errors_and_gradcheck():
    check_error(lambda m, x: m.nn.InstanceNorm1d(3)(x), [rand(2, 3, 1)],
                match=r"Expected more than 1 spatial element when training, got input size torch.Size\(\[2, 3, 1\]\)")
    check_error(lambda m, x: m.nn.InstanceNorm2d(3)(x), [rand(2, 3)], match=r"expected 3D or 4D input \(got 2D input\)")
    check_error(lambda m, x: m.nn.InstanceNorm1d(3, affine=True)(x), [rand(2, 4, 5)])
    gradcheck(lambda x, w, b: EF.instance_norm(x, weight=w, bias=b), [rand(2, 3, 4, seed=0), rand(3, seed=1),
                                                                     rand(3, seed=2)])


# ------------------------------------------------------------------ LRN / RMSNorm / normalize
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('size,shape', [(3, (2, 5, 4)), (2, (1, 4, 3, 3)), (5, (2, 3, 2, 2, 2)), (1, (2, 3, 4))])
def test_local_response_norm(size, shape, dtype):
    check(lambda m, x: m.nn.functional.local_response_norm(x, size, alpha=0.1, beta=0.6, k=2.0),
          [rand(*shape, dtype=dtype)])
    t_mod, e_mod = torch.nn.LocalResponseNorm(size), ember.nn.LocalResponseNorm(size)
    assert repr(e_mod) == repr(t_mod)
    _compare_module(e_mod, t_mod, [shape], dtype)


def test_local_response_norm_errors_gradcheck():
    check_error(lambda m, x: m.nn.functional.local_response_norm(x, 2), [rand(2, 3)],
                match="Expected 3D or higher dimensionality")
    gradcheck(lambda x: EF.local_response_norm(x, 3, alpha=0.5), [rand(2, 4, 3)])


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('ns,shape,kw', [(4, (3, 4), dict()), ((3, 4), (2, 3, 4), dict(eps=1e-5)),
                                         (5, (5,), dict(elementwise_affine=False))])
def test_rmsnorm(ns, shape, kw, dtype):
    t_mod = torch.nn.RMSNorm(ns, dtype=NP2T[dtype], **kw)
    e_mod = ember.nn.RMSNorm(ns, dtype=_edt(dtype), **kw)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    _randomize(t_mod)
    _copy_state(e_mod, t_mod)
    _compare_module(e_mod, t_mod, [shape], dtype)


def test_rms_norm_functional():
    x, w = rand(2, 3, 4, seed=0), rand(4, seed=1)
    check(lambda m, x, w: m.nn.functional.rms_norm(x, (4,), w), [x, w])
    check(lambda m, x: m.nn.functional.rms_norm(x, (3, 4), eps=0.1), [x])
    check_error(lambda m, x: m.nn.functional.rms_norm(x, (3,)), [x])
    gradcheck(lambda x, w: EF.rms_norm(x, (4,), w), [x, w])


@pytest.mark.parametrize('p,dim', [(2.0, 1), (1.0, -1), (3.0, 0), (float('inf'), 1)])
def test_normalize(p, dim):
    x = rand(3, 4, 5, seed=0)
    x[0, 0] = 0  # a zero vector: the eps clamp
    check(lambda m, x: m.nn.functional.normalize(x, p=p, dim=dim), [x])
    gradcheck(lambda x: EF.normalize(x, p=p, dim=dim), [rand(3, 4, seed=1)])


def test_gradgradcheck_norm_ops():
    from ember.autograd import gradgradcheck

    def t(a):
        return ember.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
    x, w, b = t(rand(2, 4, 3, seed=0)), t(rand(4, seed=1)), t(rand(4, seed=2))
    assert gradgradcheck(lambda x, w, b: EF.group_norm(x, 2, w, b), [x, w, b])
    assert gradgradcheck(lambda x, w, b: EF.instance_norm(x, weight=w, bias=b), [x, w, b])
    assert gradgradcheck(lambda x, w, b: EF.batch_norm(x, None, None, w, b, True), [x, w, b])
    assert gradgradcheck(lambda x, w, b: EF.layer_norm(x, (3,), w[:3], b[:3]), [x, w, b])
