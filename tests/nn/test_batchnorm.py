"""BatchNorm1d/2d/3d and F.batch_norm against torch: values, grads, running stats, errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error, gradcheck, rand

EF = ember.nn.functional
TF = torch.nn.functional
NP2T = {np.float32: torch.float32, np.float64: torch.float64}


def _copy_state(e_mod, t_mod):
    """torch module state -> ember module (via numpy)."""
    sd = {k: ember.tensor(v.detach().numpy().copy()) for k, v in t_mod.state_dict().items()}
    e_mod.load_state_dict(sd)


def _assert_close(e, t, dtype, what):
    tol = 1e-5 if dtype == np.float32 else 1e-10
    assert str(e.dtype).split('.')[-1] == str(t.dtype).split('.')[-1], what
    assert tuple(e.shape) == tuple(t.shape), what
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol, err_msg=what)


def _run_steps(e_mod, t_mod, shapes, dtype, train=True):
    """Forward/backward several batches on both; compare outputs, grads, buffers."""
    e_mod.train(train)
    t_mod.train(train)
    for step, shape in enumerate(shapes):
        x = rand(*shape, dtype=dtype, seed=step) * 3 + 0.5
        g = rand(*shape, dtype=dtype, seed=100 + step)
        ex = ember.tensor(x, requires_grad=True)
        tx = torch.tensor(x, requires_grad=True)
        ey, ty = e_mod(ex), t_mod(tx)
        _assert_close(ey, ty, dtype, f"output step {step}")
        for p in e_mod.parameters():
            p.grad = None
        t_mod.zero_grad()
        ey.backward(ember.tensor(g))
        ty.backward(torch.tensor(g))
        _assert_close(ex.grad, tx.grad, dtype, f"input grad step {step}")
        for (n, ep), (_, tp) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
            _assert_close(ep.grad, tp.grad, dtype, f"grad of {n} step {step}")
        for (n, eb), (_, tb) in zip(e_mod.named_buffers(), t_mod.named_buffers()):
            _assert_close(eb, tb, dtype if eb.dtype.is_floating_point else np.float64, f"buffer {n} step {step}")


CASES = [
    ('BatchNorm1d', [(4, 3), (5, 3), (2, 3)], 3),
    ('BatchNorm1d', [(4, 3, 7), (1, 3, 5), (3, 3, 2)], 3),
    ('BatchNorm2d', [(2, 3, 4, 5), (1, 3, 3, 2), (3, 3, 1, 4)], 3),
    ('BatchNorm3d', [(2, 2, 3, 4, 2), (1, 2, 2, 2, 3)], 2),
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('momentum', [0.1, None, 0.5])
@pytest.mark.parametrize('name,shapes,C', CASES)
def test_batchnorm_train_steps_running_stats(name, shapes, C, momentum, dtype):
    t_mod = getattr(torch.nn, name)(C, momentum=momentum, dtype=NP2T[dtype])
    e_mod = getattr(ember.nn, name)(C, momentum=momentum, dtype=getattr(ember, np.dtype(dtype).name))
    with torch.no_grad():  # non-trivial affine parameters
        t_mod.weight.copy_(torch.tensor(rand(C, dtype=dtype, seed=7) + 1.5))
        t_mod.bias.copy_(torch.tensor(rand(C, dtype=dtype, seed=8)))
    _copy_state(e_mod, t_mod)
    _run_steps(e_mod, t_mod, shapes, dtype, train=True)
    assert int(e_mod.num_batches_tracked) == len(shapes)
    assert e_mod.num_batches_tracked.dtype == ember.int64
    # eval mode uses the running statistics
    _run_steps(e_mod, t_mod, shapes[:1], dtype, train=False)
    assert int(e_mod.num_batches_tracked) == len(shapes)


@pytest.mark.parametrize('kw', [dict(affine=False), dict(track_running_stats=False), dict(bias=False),
                                dict(affine=False, track_running_stats=False)])
def test_batchnorm_options(kw):
    t_mod = torch.nn.BatchNorm2d(4, **kw)
    e_mod = ember.nn.BatchNorm2d(4, **kw)
    assert list(e_mod.state_dict().keys()) == list(t_mod.state_dict().keys())
    assert repr(e_mod) == repr(t_mod)
    _copy_state(e_mod, t_mod)
    _run_steps(e_mod, t_mod, [(3, 4, 2, 3), (2, 4, 3, 3)], np.float32, train=True)
    _run_steps(e_mod, t_mod, [(3, 4, 2, 3)], np.float32, train=False)


def test_batchnorm_repr_state_dict_init():
    for name in ('BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d'):
        for kw in (dict(), dict(eps=1e-3, momentum=None, affine=False)):
            t_mod, e_mod = getattr(torch.nn, name)(5, **kw), getattr(ember.nn, name)(5, **kw)
            assert repr(e_mod) == repr(t_mod)
            te, ee = t_mod.state_dict(), e_mod.state_dict()
            assert list(ee.keys()) == list(te.keys())
            for k in te:
                assert tuple(ee[k].shape) == tuple(te[k].shape), k
                np.testing.assert_array_equal(ee[k].numpy(), te[k].numpy())
                assert str(ee[k].dtype).split('.')[-1] == str(te[k].dtype).split('.')[-1], k
    m = ember.nn.BatchNorm1d(3)
    assert [n for n, _ in m.named_parameters()] == ['weight', 'bias']
    assert m.weight.requires_grad and not m.running_mean.requires_grad


def test_batchnorm_state_dict_roundtrip_torch():
    t_mod = torch.nn.BatchNorm1d(3)
    t_mod(torch.randn(4, 3))
    e_mod = ember.nn.BatchNorm1d(3)
    _copy_state(e_mod, t_mod)
    assert int(e_mod.num_batches_tracked) == 1
    np.testing.assert_allclose(e_mod.running_var.numpy(), t_mod.running_var.numpy())
    # and back
    t2 = torch.nn.BatchNorm1d(3)
    t2.load_state_dict({k: torch.tensor(v.numpy()) for k, v in e_mod.state_dict().items()})
    np.testing.assert_allclose(t2.running_mean.numpy(), t_mod.running_mean.numpy())


def test_batchnorm_errors():
    check_error(lambda m, x: m.nn.BatchNorm1d(3)(x), [rand(1, 3)],
                match=r"Expected more than 1 value per channel when training, got input size torch.Size\(\[1, 3\]\)")
    check_error(lambda m, x: m.nn.BatchNorm2d(3)(x), [rand(1, 3, 1, 1)], match=r"got input size")
    check_error(lambda m, x: m.nn.BatchNorm1d(3)(x), [rand(1, 3, 4, 5)],
                match=r"expected 2D or 3D input \(got 4D input\)")
    check_error(lambda m, x: m.nn.BatchNorm2d(3)(x), [rand(3, 4, 5)], match=r"expected 4D input \(got 3D input\)")
    check_error(lambda m, x: m.nn.BatchNorm3d(3)(x), [rand(2, 3, 4, 5)], match=r"expected 5D input \(got 4D input\)")
    check_error(lambda m, x: m.nn.BatchNorm1d(3)(x), [rand(2, 4)],
                match=r"running_mean should contain 4 elements not 3")
    # batch of one is fine in eval mode
    check(lambda m, x: m.nn.BatchNorm1d(3).eval()(x), [rand(1, 3)])


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_functional_batch_norm(dtype):
    x, w, b = rand(4, 3, 5, dtype=dtype, seed=0), rand(3, dtype=dtype, seed=1), rand(3, dtype=dtype, seed=2)
    e, t = check(lambda m, x, w, b: m.nn.functional.batch_norm(x, None, None, w, b, True), [x, w, b])
    assert e.grad_fn.name() == t.grad_fn.name() == 'NativeBatchNormBackward0'
    check(lambda m, x: m.nn.functional.batch_norm(x, None, None, training=True, eps=1e-3), [x])
    check(lambda m, x, w: m.nn.functional.batch_norm(x, None, None, w, None, True), [x, w])
    rm, rv = rand(3, dtype=dtype, seed=3), rand(3, dtype=dtype, seed=4, low=0.5, high=2.0)
    check(lambda m, x, w, b: m.nn.functional.batch_norm(x, m.tensor(rm), m.tensor(rv), w, b), [x, w, b])
    check_error(lambda m, x: m.nn.functional.batch_norm(x, None, None), [x],
                match="running_mean must be defined in evaluation mode")
    check_error(lambda m, x: m.nn.functional.batch_norm(x, None, None, training=True, eps=0.0), [x])
    # running buffers updated in place (unbiased variance), functional form
    ers, trs = ember.tensor(rm), torch.tensor(rm)
    erv, trv = ember.tensor(rv), torch.tensor(rv)
    EF.batch_norm(ember.tensor(x), ers, erv, training=True, momentum=0.3)
    TF.batch_norm(torch.tensor(x), trs, trv, training=True, momentum=0.3)
    np.testing.assert_allclose(ers.numpy(), trs.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(erv.numpy(), trv.numpy(), rtol=1e-5, atol=1e-6)


def test_batch_norm_gradcheck_and_double_backward():
    x, w, b = rand(4, 3, 2, seed=0), rand(3, seed=1), rand(3, seed=2)
    gradcheck(lambda x, w, b: EF.batch_norm(x, None, None, w, b, True), [x, w, b])
    gradcheck(lambda x: EF.batch_norm(x, None, None, None, None, True), [x])
    rm, rv = rand(3, seed=3), rand(3, seed=4, low=0.5)
    gradcheck(lambda x, w, b: EF.batch_norm(x, ember.tensor(rm).double(), ember.tensor(rv).double(), w, b),
              [x, w, b])
    # second order: grad of (grad . v) matches torch
    x64, w64, b64 = (a.astype(np.float64) for a in (x, w, b))
    res = []
    for m in (ember, torch):
        xs, ws, bs = (m.tensor(a, requires_grad=True) for a in (x64, w64, b64))
        y = m.nn.functional.batch_norm(xs, None, None, ws, bs, True)
        gx, gw = m.autograd.grad((y * y * y).sum(), [xs, ws], create_graph=True)
        res.append([a.detach().numpy() for a in m.autograd.grad((gx * gx).sum() + gw.sum(), [xs, ws, bs],
                                                              allow_unused=True)])
    for a, b_ in zip(*res):
        np.testing.assert_allclose(a, b_, rtol=1e-8, atol=1e-10)


def test_batchnorm_no_grad_and_requires_grad_running_stats_error():
    m = ember.nn.BatchNorm1d(3)
    with ember.no_grad():
        y = m(ember.randn(4, 3))
    assert y.grad_fn is None
    check_error(lambda m, x, rm: m.nn.functional.batch_norm(x, rm.requires_grad_(), m.ones(3)),
                [rand(2, 3), rand(3)])
