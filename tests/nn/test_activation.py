"""Activations (F.* and nn modules) against torch: values, grads, dtypes, names, reprs, errors."""
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error, gradcheck, rand

DTYPES = [np.float32, np.float64]


def _x(shape=(3, 5), dtype=np.float32, seed=0, scale=3.0):
    x = rand(*shape, dtype=dtype, seed=seed) * scale
    return x.astype(dtype)


# name -> (callable(m, x), kinked?)  : m is torch or ember
FUNCS = {
    'relu': lambda m, x: m.nn.functional.relu(x),
    'relu6': lambda m, x: m.nn.functional.relu6(x),
    'leaky_relu': lambda m, x: m.nn.functional.leaky_relu(x),
    'leaky_relu_0.2': lambda m, x: m.nn.functional.leaky_relu(x, 0.2),
    'elu': lambda m, x: m.nn.functional.elu(x),
    'elu_0.5': lambda m, x: m.nn.functional.elu(x, alpha=0.5),
    'selu': lambda m, x: m.nn.functional.selu(x),
    'celu': lambda m, x: m.nn.functional.celu(x),
    'celu_2': lambda m, x: m.nn.functional.celu(x, 2.0),
    'gelu': lambda m, x: m.nn.functional.gelu(x),
    'gelu_tanh': lambda m, x: m.nn.functional.gelu(x, approximate='tanh'),
    'silu': lambda m, x: m.nn.functional.silu(x),
    'mish': lambda m, x: m.nn.functional.mish(x),
    'hardtanh': lambda m, x: m.nn.functional.hardtanh(x),
    'hardtanh_-2_1.5': lambda m, x: m.nn.functional.hardtanh(x, -2.0, 1.5),
    'hardsigmoid': lambda m, x: m.nn.functional.hardsigmoid(x),
    'hardswish': lambda m, x: m.nn.functional.hardswish(x),
    'softplus': lambda m, x: m.nn.functional.softplus(x),
    'softplus_b2_t1': lambda m, x: m.nn.functional.softplus(x, beta=2.0, threshold=1.0),
    'softsign': lambda m, x: m.nn.functional.softsign(x),
    'tanhshrink': lambda m, x: m.nn.functional.tanhshrink(x),
    'softshrink': lambda m, x: m.nn.functional.softshrink(x),
    'softshrink_1': lambda m, x: m.nn.functional.softshrink(x, 1.0),
    'hardshrink': lambda m, x: m.nn.functional.hardshrink(x),
    'threshold': lambda m, x: m.nn.functional.threshold(x, 0.3, -2.0),
    'logsigmoid': lambda m, x: m.nn.functional.logsigmoid(x),
    'sigmoid': lambda m, x: m.nn.functional.sigmoid(x),
    'tanh': lambda m, x: m.nn.functional.tanh(x),
    'softmax': lambda m, x: m.nn.functional.softmax(x, dim=1),
    'softmax_0': lambda m, x: m.nn.functional.softmax(x, dim=0),
    'log_softmax': lambda m, x: m.nn.functional.log_softmax(x, dim=-1),
    'softmin': lambda m, x: m.nn.functional.softmin(x, dim=1),
    'softmax_dtype': lambda m, x: m.nn.functional.softmax(x, dim=1, dtype=m.float64),
    'log_softmax_dtype': lambda m, x: m.nn.functional.log_softmax(x, 1, dtype=m.float64),
    'glu': lambda m, x: m.nn.functional.glu(x, 0),
    'glu_last': lambda m, x: m.nn.functional.glu(x),
}


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('name', sorted(FUNCS))
def test_functional_vs_torch(name, dtype):
    shape = (4, 5) if name == 'glu' else (3, 10)
    x = _x(shape, dtype)
    e, t = check(FUNCS[name], [x])
    # grad_fn names match torch's
    assert e.grad_fn.name() == t.grad_fn.name(), (e.grad_fn.name(), t.grad_fn.name())


# the *_dtype variants only cast to float64 first: their base op's gradcheck covers them
@pytest.mark.parametrize('name', sorted(n for n in FUNCS if not n.endswith('_dtype')))
def test_functional_gradcheck(name):
    if name in ('relu', 'relu6', 'hardtanh', 'hardtanh_-2_1.5', 'hardsigmoid', 'hardswish',
                'softshrink', 'softshrink_1', 'hardshrink', 'threshold', 'leaky_relu', 'leaky_relu_0.2',
                'elu', 'elu_0.5', 'selu', 'celu', 'celu_2', 'softplus_b2_t1'):
        # kinked: keep the points away from the kinks
        x = rand(3, 4, dtype=np.float64, seed=1) * 4
        x = np.where(np.abs(x) < 0.15, 0.7, x)
        x = np.where(np.abs(np.abs(x) - 1) < 0.1, 0.7, x)
        x = np.where(np.abs(np.abs(x) - 3) < 0.1, 2.2, x)
        x = np.where(np.abs(x - 0.3) < 0.1, 0.7, x)
        x = np.where(np.abs(x - 0.5) < 0.1, 0.7, x)
        x = np.where(np.abs(x + 0.5) < 0.1, -0.7, x)
        x = np.where(np.abs(x - 1.5) < 0.1, 1.7, x)
        x = np.where(np.abs(x + 2) < 0.1, -2.3, x)
    else:
        x = rand(4, 6, dtype=np.float64, seed=1) * 3
    gradcheck(lambda t: FUNCS[name](ember, t), [x])


def test_second_order_gelu_elu():
    x = rand(3, 4, dtype=np.float64, seed=2) * 2
    for f in (lambda t: ember.nn.functional.gelu(t), lambda t: ember.nn.functional.elu(t),
              lambda t: ember.nn.functional.silu(t), lambda t: ember.nn.functional.mish(t)):
        assert ember.autograd.gradgradcheck(f, [ember.tensor(x, requires_grad=True)])


def test_prelu_functional():
    for shape, wn in [((2, 3, 4), 3), ((2, 3, 4, 5), 1), ((5,), 1), ((2, 3), 3)]:
        for dt in DTYPES:
            x = _x(shape, dt)
            w = (rand(wn, dtype=dt, seed=3) * 0.5).astype(dt)
            e, t = check(lambda m, a, b: m.nn.functional.prelu(a, b), [x, w])
            assert e.grad_fn.name() == t.grad_fn.name()
    gradcheck(lambda a, b: ember.nn.functional.prelu(a, b), [rand(2, 3, 4, dtype=np.float64, seed=5),
                                                              rand(3, dtype=np.float64, seed=6)])
    check_error(lambda m, a, b: m.nn.functional.prelu(a, b), [_x((2, 3, 4)), _x((4,))])


def test_softmax_implicit_dim():
    for shape in [(5,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        x = _x(shape)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            check(lambda m, a: m.nn.functional.softmax(a), [x])
            check(lambda m, a: m.nn.functional.log_softmax(a), [x])
            check(lambda m, a: m.nn.functional.softmin(a), [x])
    with pytest.warns(UserWarning, match='Implicit dimension choice for softmax'):
        ember.nn.functional.softmax(ember.randn(2, 3))


def test_errors():
    F = lambda m: m.nn.functional  # noqa: E731
    check_error(lambda m, a: F(m).glu(a, 1), [_x((3, 5))], match='Halving dimension must be even')
    check_error(lambda m, a: F(m).gelu(a, approximate='foo'), [_x((3, 5))])
    check_error(lambda m, a: F(m).hardtanh(a, 2.0, 1.0), [_x((3, 5))])
    check_error(lambda m, a: F(m).softshrink(a, -1.0), [_x((3, 5))])
    check_error(lambda m, a: F(m).elu(a), [np.arange(6)])
    check_error(lambda m, a: F(m).relu(a), [[1.0, 2.0]])


def test_relu_int():
    check(lambda m, a: m.nn.functional.relu(a), [np.arange(-3, 4)])


INPLACE = {
    'relu': lambda m, x: m.nn.functional.relu(x, inplace=True),
    'relu_': lambda m, x: m.nn.functional.relu_(x),
    'relu6': lambda m, x: m.nn.functional.relu6(x, inplace=True),
    'leaky_relu': lambda m, x: m.nn.functional.leaky_relu(x, 0.1, inplace=True),
    'leaky_relu_': lambda m, x: m.nn.functional.leaky_relu_(x, 0.1),
    'elu': lambda m, x: m.nn.functional.elu(x, inplace=True),
    'elu_': lambda m, x: m.nn.functional.elu_(x),
    'selu': lambda m, x: m.nn.functional.selu(x, inplace=True),
    'celu': lambda m, x: m.nn.functional.celu(x, 1.5, inplace=True),
    'hardtanh_': lambda m, x: m.nn.functional.hardtanh_(x),
    'hardsigmoid': lambda m, x: m.nn.functional.hardsigmoid(x, inplace=True),
    'hardswish': lambda m, x: m.nn.functional.hardswish(x, inplace=True),
    'silu': lambda m, x: m.nn.functional.silu(x, inplace=True),
    'mish': lambda m, x: m.nn.functional.mish(x, inplace=True),
    'threshold': lambda m, x: m.nn.functional.threshold(x, 0.1, 5.0, inplace=True),
    'threshold_': lambda m, x: m.nn.functional.threshold_(x, 0.1, 5.0),
    'rrelu_eval': lambda m, x: m.nn.functional.rrelu(x, inplace=True),
}


@pytest.mark.parametrize('name', sorted(INPLACE))
def test_inplace(name):
    x = _x((3, 6))

    def fn(m, a):
        b = a * 1.0  # a non-leaf, modified in place
        r = INPLACE[name](m, b)
        assert r is b
        return r
    check(fn, [x])


ACT_MODULES = [
    ('ReLU', (), {}), ('ReLU', (), {'inplace': True}), ('ReLU6', (), {}), ('ReLU6', (True,), {}),
    ('LeakyReLU', (), {}), ('LeakyReLU', (0.2, True), {}), ('PReLU', (), {}),
    ('PReLU', (), {'num_parameters': 4, 'init': 0.1}), ('ELU', (), {}), ('ELU', (0.5, True), {}),
    ('SELU', (), {}), ('SELU', (True,), {}), ('CELU', (), {}), ('CELU', (2.0,), {}), ('GELU', (), {}),
    ('GELU', (), {'approximate': 'tanh'}), ('SiLU', (), {}), ('SiLU', (True,), {}), ('Mish', (), {}),
    ('Mish', (True,), {}), ('Sigmoid', (), {}), ('Tanh', (), {}), ('Hardtanh', (), {}),
    ('Hardtanh', (-2.0, 3.0), {}), ('Hardtanh', (-2.0, 3.0, True), {}), ('Hardsigmoid', (), {}),
    ('Hardsigmoid', (True,), {}), ('Hardswish', (), {}), ('Hardswish', (True,), {}),
    ('Softplus', (), {}), ('Softplus', (2, 10), {}), ('Softsign', (), {}), ('Tanhshrink', (), {}),
    ('Softshrink', (), {}), ('Softshrink', (1.0,), {}), ('Hardshrink', (), {}),
    ('Hardshrink', (0.3,), {}), ('Threshold', (0.1, 20), {}), ('Threshold', (0.1, 20.0, True), {}),
    ('LogSigmoid', (), {}), ('Softmax', (), {'dim': 1}), ('Softmax', (), {}), ('LogSoftmax', (), {'dim': 1}),
    ('LogSoftmax', (-1,), {}), ('Softmin', (), {'dim': 1}), ('Softmax2d', (), {}), ('GLU', (), {}),
    ('GLU', (1,), {}), ('RReLU', (), {}), ('RReLU', (0.1, 0.3), {}),
]


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('name,args,kwargs', ACT_MODULES)
def test_modules(name, args, kwargs, dtype):
    tm = getattr(torch.nn, name)(*args, **kwargs)
    em = getattr(ember.nn, name)(*args, **kwargs)
    assert repr(em) == repr(tm)
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(em.state_dict()[k].numpy(), v.numpy())
    tm.eval()
    em.eval()
    if dtype == np.float64:
        tm.double()
        em.double()
    x = _x((2, 4, 3, 6), dtype)
    params_t = list(tm.parameters())
    params_e = list(em.parameters())

    def fn(m, a):
        mod = tm if m is torch else em
        b = a * 1.0
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            r = mod(b)
        return r
    check(fn, [x])
    if params_t:  # parameter gradients too
        tx, ex = torch.tensor(x), ember.tensor(x)
        tm(tx).sum().backward()
        em(ex).sum().backward()
        for pt, pe in zip(params_t, params_e):
            np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_softmax2d_errors():
    check_error(lambda m, a: m.nn.Softmax2d()(a), [_x((3, 5))])


def test_module_rrelu_train_slopes():
    m = ember.nn.RReLU(0.1, 0.3)
    x = -ember.ones(1000)
    y = m(x)
    assert float(y.min()) >= -0.3 - 1e-6 and float(y.max()) <= -0.1 + 1e-6
    assert float(y.std()) > 0.01


@pytest.mark.parametrize('dtype', DTYPES)
def test_extreme_values_stable(dtype):
    x = np.array([-1000.0, -100.0, -30.0, -1e-3, 0.0, 1e-3, 30.0, 100.0, 1000.0], dtype=dtype)
    for name in ['softplus', 'softplus_b2_t1', 'logsigmoid', 'mish', 'silu', 'elu', 'selu', 'celu', 'gelu',
                 'gelu_tanh', 'sigmoid', 'tanh', 'hardswish', 'log_softmax', 'softmax', 'softsign',
                 'tanhshrink']:
        fn = FUNCS[name]
        if name in ('log_softmax', 'softmax'):
            fn = lambda m, a, f=fn: f(m, a.reshape(3, 3))  # noqa: E731
        e, _ = check(fn, [x], rtol=1e-5, atol=1e-6)
        assert np.all(np.isfinite(e.detach().numpy())), name


def test_hardtanh_int_and_threshold_int():
    check(lambda m, a: m.nn.functional.hardtanh(a, -2, 3), [np.arange(-5, 6)])
    check(lambda m, a: m.nn.functional.relu6(a), [np.arange(-5, 9)])
    check(lambda m, a: m.nn.functional.threshold(a, 1, 7), [np.arange(-5, 6)])
