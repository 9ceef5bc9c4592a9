"""Linear / Bilinear / Identity and F.linear / F.bilinear against torch; the seed models."""
import math

import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error, gradcheck, rand

DTYPES = [np.float32, np.float64]


def _copy_params(tm, em):
    """torch -> ember through state_dict / numpy (also exercises key compatibility)."""
    sd = {k: ember.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    em.load_state_dict(sd)


def _compare_grads(tm, em, rtol=1e-5, atol=1e-6):
    tp = dict(tm.named_parameters())
    ep = dict(em.named_parameters())
    assert list(tp) == list(ep)
    for k in tp:
        assert ep[k].grad is not None, k
        np.testing.assert_allclose(ep[k].grad.numpy(), tp[k].grad.numpy(), rtol=rtol, atol=atol, err_msg=k)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('xshape', [(4, 7), (1, 7), (7,), (2, 3, 7), (2, 1, 3, 7), (0, 7)])
@pytest.mark.parametrize('bias', [True, False])
def test_f_linear(xshape, bias, dtype):
    x = rand(*xshape, dtype=dtype, seed=0)
    w = rand(5, 7, dtype=dtype, seed=1)
    ins = [x, w] + ([rand(5, dtype=dtype, seed=2)] if bias else [])
    e, t = check(lambda m, *a: m.nn.functional.linear(*a), ins)
    if t.grad_fn is not None:
        assert e.grad_fn.name() == t.grad_fn.name()


def test_f_linear_noncontiguous_and_broadcast_bias():
    x = rand(6, 4, dtype=np.float64, seed=0)
    w = rand(6, 5, dtype=np.float64, seed=1)
    check(lambda m, a, b: m.nn.functional.linear(a.t(), b.t()), [x, w])
    check(lambda m, a, b: m.nn.functional.linear(a[:, ::2], b[:, ::2]), [rand(3, 8, dtype=np.float64),
                                                                         rand(5, 8, dtype=np.float64)])
    check(lambda m, a, b, c: m.nn.functional.linear(a, b, c), [rand(3, 4), rand(5, 4), rand(1)])
    check(lambda m, a, b, c: m.nn.functional.linear(a, b, c), [rand(3, 4), rand(5, 4), rand(3, 5)])


def test_f_linear_gradcheck_and_double_backward():
    gradcheck(lambda a, b, c: ember.nn.functional.linear(a, b, c),
              [rand(3, 4, dtype=np.float64), rand(2, 4, dtype=np.float64), rand(2, dtype=np.float64)])
    gradcheck(lambda a, b: ember.nn.functional.linear(a, b),
              [rand(2, 3, 4, dtype=np.float64), rand(2, 4, dtype=np.float64)])
    x = ember.tensor(rand(3, 4, dtype=np.float64), requires_grad=True)
    w = ember.tensor(rand(2, 4, dtype=np.float64), requires_grad=True)
    b = ember.tensor(rand(2, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a, c, d: ember.nn.functional.linear(a, c, d).tanh(), [x, w, b])


def test_f_linear_errors():
    F = lambda m: m.nn.functional  # noqa: E731
    check_error(lambda m, a, b: F(m).linear(a, b), [rand(3, 3), rand(5, 4)], match=r'\(3x3 and 4x5\)')
    check_error(lambda m, a, b: F(m).linear(a, b), [rand(2, 3, 3), rand(5, 4)], match=r'\(6x3 and 4x5\)')
    check_error(lambda m, a, b, c: F(m).linear(a, b, c), [rand(3, 4), rand(5, 4), rand(4)],
                match=r'Target sizes: \[3, 5\]')
    check_error(lambda m, a, b: F(m).linear(a, b), [rand(3, 4, dtype=np.float64), rand(5, 4)],
                match='double != float')
    check_error(lambda m, a, b, c: F(m).linear(a, b, c), [rand(3, 4), rand(5, 4), rand(5, dtype=np.float64)],
                match='Double and Float')
    check_error(lambda m, a, b: F(m).linear(a, b), [np.array(1.0), rand(5, 4)])
    check_error(lambda m, b: F(m).linear([1.0], b), [rand(5, 4)])


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('bias', [True, False])
def test_f_bilinear(bias, dtype):
    for s1, s2 in [((4, 3), (4, 5)), ((2, 3, 3), (2, 3, 5)), ((3,), (5,)), ((1, 3), (1, 5))]:
        ins = [rand(*s1, dtype=dtype, seed=0), rand(*s2, dtype=dtype, seed=1), rand(2, 3, 5, dtype=dtype, seed=2)]
        if bias:
            ins.append(rand(2, dtype=dtype, seed=3))
        check(lambda m, *a: m.nn.functional.bilinear(*a), ins)
    gradcheck(lambda a, b, c, d: ember.nn.functional.bilinear(a, b, c, d),
              [rand(3, 2, dtype=np.float64), rand(3, 4, dtype=np.float64), rand(2, 2, 4, dtype=np.float64),
               rand(2, dtype=np.float64)])
    check_error(lambda m, a, b, c: m.nn.functional.bilinear(a, b, c), [rand(3, 4), rand(3, 5), rand(2, 4, 4)],
                match='input2 size does not match weight size')
    check_error(lambda m, a, b, c: m.nn.functional.bilinear(a, b, c), [rand(3, 4), rand(2, 4), rand(2, 4, 4)],
                match='batch dimensions do not match')


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('bias', [True, False])
def test_linear_module(bias, dtype):
    tm = torch.nn.Linear(7, 3, bias=bias)
    em = ember.nn.Linear(7, 3, bias=bias)
    assert repr(em) == repr(tm)
    assert [(k, tuple(v.shape)) for k, v in em.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    if dtype == np.float64:
        tm.double()
        em.double()
    _copy_params(tm, em)
    for shape in [(5, 7), (1, 7), (2, 4, 7), (7,)]:
        x = rand(*shape, dtype=dtype, seed=4)
        tm.zero_grad()
        em.zero_grad()
        tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
        ty, ey = tm(tx), em(ex)
        assert ey.dtype == ember.float64 if dtype == np.float64 else ey.dtype == ember.float32
        np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
        g = rand(*ty.shape, dtype=dtype, seed=5)
        ty.backward(torch.tensor(g))
        ey.backward(ember.tensor(g))
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
        _compare_grads(tm, em)


def test_linear_factory_kwargs_and_errors():
    m = ember.nn.Linear(3, 2, dtype=ember.float64, device='cpu')
    assert m.weight.dtype == ember.float64 and m.bias.dtype == ember.float64
    assert m.weight.requires_grad and isinstance(m.weight, ember.nn.Parameter)
    check_error(lambda mod, a: (torch.nn.Linear(4, 2) if mod is torch else ember.nn.Linear(4, 2))(a),
                [rand(3, 5)], match=r'\(3x5 and 4x2\)')
    m0 = ember.nn.Linear(0, 3)  # fan_in 0: bias bound 0, warning for the empty weight
    assert np.all(m0.bias.detach().numpy() == 0)


def test_linear_default_init_distribution():
    ember.manual_seed(0)
    fan_in = 400
    m = ember.nn.Linear(fan_in, 500)
    w = m.weight.detach().numpy()
    b = m.bias.detach().numpy()
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    tm = torch.nn.Linear(fan_in, 500)
    tw = tm.weight.detach().numpy()
    for arr, tarr in [(w, tw), (b, tm.bias.detach().numpy())]:
        assert arr.min() >= -bound and arr.max() <= bound
        assert abs(arr.max() - bound) < 0.02 * bound and abs(arr.min() + bound) < 0.02 * bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.01)
    np.testing.assert_allclose(w.std(), tw.std(), rtol=0.02)
    assert abs(w.mean()) < 0.01 * bound * 10


@pytest.mark.parametrize('bias', [True, False])
def test_bilinear_module(bias):
    tm = torch.nn.Bilinear(3, 4, 2, bias=bias)
    em = ember.nn.Bilinear(3, 4, 2, bias=bias)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    bound = 1 / math.sqrt(3)
    assert np.abs(em.weight.detach().numpy()).max() <= bound
    _copy_params(tm, em)
    x1, x2 = rand(5, 3, seed=1), rand(5, 4, seed=2)
    tx1, tx2 = torch.tensor(x1, requires_grad=True), torch.tensor(x2, requires_grad=True)
    ex1, ex2 = ember.tensor(x1, requires_grad=True), ember.tensor(x2, requires_grad=True)
    ty, ey = tm(tx1, tx2), em(ex1, ex2)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    ty.sum().backward()
    ey.sum().backward()
    np.testing.assert_allclose(ex1.grad.numpy(), tx1.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ex2.grad.numpy(), tx2.grad.numpy(), rtol=1e-5, atol=1e-6)
    _compare_grads(tm, em)


def test_identity():
    tm, em = torch.nn.Identity(54, unused='x'), ember.nn.Identity(54, unused='x')
    assert repr(em) == repr(tm) == 'Identity()'
    x = ember.randn(3)
    assert em(x) is x
    assert list(em.state_dict()) == []


# ------------------------------------------------------------------ the seed models
def _seed_net(nn):
    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.fc1 = nn.Linear(784, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = x.view(-1, 784)
            x = self.fc1(x)
            x = self.fc2(x)
            return x
    return Net()


def _bce_net(nn, m):
    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.fc1 = nn.Linear(10, 20)
            self.fc2 = nn.Linear(20, 1)

        def forward(self, x):
            x = m.relu(self.fc1(x))
            x = m.sigmoid(self.fc2(x))
            return x
    return Net()


@pytest.mark.parametrize('dtype', DTYPES)
def test_seed_mlp_784_128_10(dtype):
    tm, em = _seed_net(torch.nn), _seed_net(ember.nn)
    assert repr(em) == repr(tm)
    assert [(k, tuple(v.shape)) for k, v in em.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    if dtype == np.float64:
        tm.double()
        em.double()
    _copy_params(tm, em)
    x = rand(16, 1, 28, 28, dtype=dtype, seed=7)
    target = np.random.default_rng(0).integers(0, 10, 16)
    tout, eout = tm(torch.tensor(x)), em(ember.tensor(x))
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    # a loss built from ember ops (log_softmax + gather) so this test does not depend on nn losses
    tl = -tout.log_softmax(1)[torch.arange(16), torch.tensor(target)].mean()
    el = -eout.log_softmax(1)[ember.arange(16), ember.tensor(target)].mean()
    np.testing.assert_allclose(float(el), float(tl), rtol=1e-5)
    tl.backward()
    el.backward()
    _compare_grads(tm, em)


@pytest.mark.parametrize('dtype', DTYPES)
def test_seed_bce_10_20_1(dtype):
    tm, em = _bce_net(torch.nn, torch), _bce_net(ember.nn, ember)
    assert repr(em) == repr(tm)
    if dtype == np.float64:
        tm.double()
        em.double()
    _copy_params(tm, em)
    x = rand(8, 10, dtype=dtype, seed=8)
    y = (np.random.default_rng(1).random((8, 1)) < 0.5).astype(dtype)
    tout, eout = tm(torch.tensor(x)), em(ember.tensor(x))
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    ty, ey = torch.tensor(y), ember.tensor(y)
    tl = -(ty * tout.log() + (1 - ty) * (1 - tout).log()).mean()
    el = -(ey * eout.log() + (1 - ey) * (1 - eout).log()).mean()
    np.testing.assert_allclose(float(el), float(tl), rtol=1e-5)
    tl.backward()
    el.backward()
    _compare_grads(tm, em)
    # a few SGD steps stay in lockstep
    for _ in range(3):
        with torch.no_grad():
            for p in tm.parameters():
                p -= 0.1 * p.grad
        with ember.no_grad():
            for p in em.parameters():
                p -= 0.1 * p.grad
        tm.zero_grad()
        em.zero_grad()
        tout, eout = tm(torch.tensor(x)), em(ember.tensor(x))
        tl = -(ty * tout.log() + (1 - ty) * (1 - tout).log()).mean()
        el = -(ey * eout.log() + (1 - ey) * (1 - eout).log()).mean()
        np.testing.assert_allclose(float(el), float(tl), rtol=1e-4)
        tl.backward()
        el.backward()
    _compare_grads(tm, em, rtol=1e-4, atol=1e-5)
