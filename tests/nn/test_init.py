"""nn.init against torch: formulas (gain, fans), distributions (bounds/std), errors, generator=."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.nn import init as einit
from torch.nn import init as tinit


def _both(shape, dtype=np.float32):
    return ember.empty(*shape, dtype=ember.float32 if dtype == np.float32 else ember.float64), \
        torch.empty(*shape, dtype=torch.float32 if dtype == np.float32 else torch.float64)


@pytest.mark.parametrize('nl,param', [('linear', None), ('conv2d', None), ('sigmoid', None), ('tanh', None),
                                      ('relu', None), ('leaky_relu', None), ('leaky_relu', 0.2),
                                      ('leaky_relu', 3), ('selu', None), ('conv_transpose3d', None)])
def test_calculate_gain(nl, param):
    assert einit.calculate_gain(nl, param) == tinit.calculate_gain(nl, param)
    assert type(einit.calculate_gain(nl, param)) is type(tinit.calculate_gain(nl, param))


def test_calculate_gain_errors():
    for args in [('foo',), ('leaky_relu', True), ('leaky_relu', 'a')]:
        with pytest.raises(ValueError) as te:
            tinit.calculate_gain(*args)
        with pytest.raises(ValueError) as ee:
            einit.calculate_gain(*args)
        assert str(ee.value) == str(te.value)


@pytest.mark.parametrize('shape', [(3, 4), (5, 3, 2), (6, 2, 3, 3), (2, 3, 1, 2, 4)])
def test_fans(shape):
    e, t = _both(shape)
    assert einit._calculate_fan_in_and_fan_out(e) == tinit._calculate_fan_in_and_fan_out(t)
    with pytest.raises(ValueError, match='fewer than 2 dimensions'):
        einit._calculate_fan_in_and_fan_out(ember.empty(3))


def _stats(e, t, what, bounded):
    a, b = e.numpy().ravel(), t.numpy().ravel()
    assert e.dtype.is_floating_point
    np.testing.assert_allclose(a.std(), b.std(), rtol=0.03, err_msg=what)
    np.testing.assert_allclose(a.mean(), b.mean(), atol=0.03 * b.std() + 1e-12, err_msg=what)
    for q in (1, 10, 50, 90, 99):
        np.testing.assert_allclose(np.percentile(a, q), np.percentile(b, q), atol=0.08 * b.std(),
                                   err_msg=f"{what}: percentile {q}")
    if bounded:  # the support's ends are reached
        np.testing.assert_allclose(a.min(), b.min(), atol=0.01 * b.std(), err_msg=what)
        np.testing.assert_allclose(a.max(), b.max(), atol=0.01 * b.std(), err_msg=what)


UNIFORM_LIKE = {
    'uniform_': (lambda m, t, **k: m.uniform_(t, -0.3, 0.7, **k)),
    'normal_': (lambda m, t, **k: m.normal_(t, 0.5, 2.0, **k)),
    'xavier_uniform_': (lambda m, t, **k: m.xavier_uniform_(t, gain=2.0, **k)),
    'xavier_normal_': (lambda m, t, **k: m.xavier_normal_(t, **k)),
    'kaiming_uniform_': (lambda m, t, **k: m.kaiming_uniform_(t, **k)),
    'kaiming_uniform_sqrt5': (lambda m, t, **k: m.kaiming_uniform_(t, a=math.sqrt(5), **k)),
    'kaiming_uniform_fan_out_relu': (lambda m, t, **k: m.kaiming_uniform_(t, mode='fan_out',
                                                                           nonlinearity='relu', **k)),
    'kaiming_normal_': (lambda m, t, **k: m.kaiming_normal_(t, **k)),
    'kaiming_normal_fan_out': (lambda m, t, **k: m.kaiming_normal_(t, a=0.1, mode='fan_out', **k)),
    'trunc_normal_': (lambda m, t, **k: m.trunc_normal_(t, **k)),
    'trunc_normal_narrow': (lambda m, t, **k: m.trunc_normal_(t, mean=1.0, std=2.0, a=0.5, b=1.5, **k)),
    'trunc_normal_offcentre': (lambda m, t, **k: m.trunc_normal_(t, mean=0.0, std=1.0, a=1.0, b=3.0, **k)),
    'orthogonal_': (lambda m, t, **k: m.orthogonal_(t, gain=1.5, **k)),
    'sparse_': (lambda m, t, **k: m.sparse_(t, 0.3, std=0.1, **k)),
}


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('name', sorted(UNIFORM_LIKE))
def test_distribution_matches_torch(name, dtype):
    shape = (300, 200) if name in ('orthogonal_', 'sparse_') else (400, 50, 3)
    e, t = _both(shape, dtype)
    ember.manual_seed(0)
    torch.manual_seed(0)
    r = UNIFORM_LIKE[name](einit, e)
    assert r is e
    UNIFORM_LIKE[name](tinit, t)
    assert e.dtype == (ember.float32 if dtype == np.float32 else ember.float64)
    _stats(e, t, name, 'uniform' in name or name.startswith('trunc'))
    if name.startswith('trunc'):
        lo, hi = {'trunc_normal_': (-2, 2), 'trunc_normal_narrow': (0.5, 1.5),
                  'trunc_normal_offcentre': (1.0, 3.0)}[name]
        assert e.numpy().min() >= lo and e.numpy().max() <= hi
    if name == 'sparse_':
        zeros_per_col = (e.numpy() == 0).sum(0)
        assert np.all(zeros_per_col == (t.numpy() == 0).sum(0))


def test_kaiming_uniform_bound_formula():
    w = ember.empty(256, 512)
    einit.kaiming_uniform_(w, a=math.sqrt(5))
    bound = math.sqrt(3) * math.sqrt(2 / (1 + 5)) / math.sqrt(512)
    a = w.numpy()
    assert a.max() <= bound and a.min() >= -bound
    assert a.max() > 0.99 * bound and a.min() < -0.99 * bound
    np.testing.assert_allclose(a.std(), bound / math.sqrt(3), rtol=0.01)


def test_orthogonal_is_orthogonal():
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        w = ember.empty(*shape, dtype=ember.float64)
        einit.orthogonal_(w)
        m = w.numpy().reshape(shape[0], -1)
        if m.shape[0] <= m.shape[1]:
            np.testing.assert_allclose(m @ m.T, np.eye(m.shape[0]), atol=1e-10)
        else:
            np.testing.assert_allclose(m.T @ m, np.eye(m.shape[1]), atol=1e-10)


@pytest.mark.parametrize('shape,groups', [((4, 4, 3), 1), ((6, 3, 3, 3), 2), ((2, 5, 3, 3, 3), 1),
                                          ((3, 2, 4, 4), 1), ((4, 4, 2, 4), 2)])
def test_dirac(shape, groups):
    e, t = _both(shape)
    einit.dirac_(e, groups)
    tinit.dirac_(t, groups)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_deterministic_inits_equal_torch():
    for fn in [lambda m, x: m.constant_(x, 0.3), lambda m, x: m.ones_(x), lambda m, x: m.zeros_(x),
               lambda m, x: m.eye_(x)]:
        e, t = _both((3, 5))
        fn(einit, e)
        fn(tinit, t)
        np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_inplace_on_parameters_no_grad_and_version():
    p = ember.nn.Parameter(ember.zeros(4, 5))
    v = p._vc
    out = einit.normal_(p)
    assert out is p and p.requires_grad and p.grad_fn is None
    einit.eye_(p)
    np.testing.assert_array_equal(p.detach().numpy(), np.eye(4, 5))
    einit.orthogonal_(p)
    einit.trunc_normal_(p)
    einit.sparse_(p, 0.5)
    einit.dirac_(ember.nn.Parameter(ember.zeros(2, 2, 3)))
    assert p._vc is v and v[0] > 0


def test_generator_argument():
    g1 = ember.Generator().manual_seed(5)
    g2 = ember.Generator().manual_seed(5)
    for fn in ['uniform_', 'normal_', 'xavier_uniform_', 'xavier_normal_', 'kaiming_uniform_',
               'kaiming_normal_', 'trunc_normal_', 'orthogonal_']:
        a, b = ember.empty(6, 7), ember.empty(6, 7)
        getattr(einit, fn)(a, generator=g1)
        getattr(einit, fn)(b, generator=g2)
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=fn)
    a, b = ember.empty(6, 7), ember.empty(6, 7)
    einit.sparse_(a, 0.5, generator=g1)
    einit.sparse_(b, 0.5, generator=g2)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_errors():
    cases = [
        lambda m, x: m.eye_(x.reshape(-1)),
        lambda m, x: m.dirac_(x),
        lambda m, x: m.dirac_(x.reshape(3, 4, 1), groups=2),
        lambda m, x: m.kaiming_uniform_(x, mode='fan_avg'),
        lambda m, x: m.kaiming_normal_(x, nonlinearity='foo'),
        lambda m, x: m.orthogonal_(x.reshape(-1)),
        lambda m, x: m.sparse_(x.reshape(2, 3, 2), 0.1),
        lambda m, x: m.xavier_uniform_(x.reshape(-1)),
    ]
    for fn in cases:
        e, t = _both((3, 4))
        with pytest.raises(Exception) as te:
            fn(tinit, t)
        with pytest.raises(te.type) as ee:
            fn(einit, e)
        assert str(ee.value) == str(te.value)


def test_zero_element_warning_and_deprecated():
    with pytest.warns(UserWarning, match='zero-element'):
        einit.kaiming_uniform_(ember.empty(0, 3))
    with pytest.warns(FutureWarning, match='nn.init.uniform_'):
        einit.uniform(ember.empty(2, 2))


def test_trunc_normal_warns_far_mean():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        einit.trunc_normal_(ember.empty(10), mean=10.0, std=1.0, a=-2, b=2)
    assert any('more than 2 std' in str(x.message) for x in w)
