"""Pooling vs torch: max/avg/adaptive/lp pooling and max_unpool, functional and modules."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error, gradcheck, rand, to_numpy


def _distinct(*shape, dtype=np.float64, seed=0):
    """Values without ties (max pooling's argmax is then unique in both frameworks)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) / n - 0.5).astype(dtype)


MAX_CASES = [
    ('max_pool2d', (2, 3, 8, 8), (2,), {}),
    ('max_pool2d', (1, 2, 9, 7), ((2, 2),), {}),
    ('max_pool2d', (2, 3, 9, 8), (3,), dict(stride=2, padding=1)),
    ('max_pool2d', (2, 3, 9, 8), (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ('max_pool2d', (2, 2, 10, 9), ((3, 2),), dict(stride=(2, 1), padding=(1, 0), dilation=(2, 3))),
    ('max_pool2d', (1, 2, 7, 7), (3,), dict(stride=3, ceil_mode=True)),
    ('max_pool2d', (3, 7, 6), (2,), dict(stride=1)),                                  # unbatched
    ('max_pool1d', (2, 3, 11), (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ('max_pool1d', (3, 10), (2,), dict(dilation=2)),
    ('max_pool3d', (2, 2, 5, 6, 5), (2,), dict(stride=2, padding=1)),
    ('max_pool3d', (1, 2, 5, 5, 6), ((2, 3, 2),), dict(stride=(1, 2, 2), ceil_mode=True)),
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('return_indices', [False, True])
@pytest.mark.parametrize('fn,xs,args,kw', MAX_CASES)
def test_max_pool(fn, xs, args, kw, return_indices, dtype):
    x = _distinct(*xs, dtype=dtype)
    e, t = check(lambda m, x: getattr(m.nn.functional, fn)(x, *args, return_indices=return_indices, **kw), [x])
    if return_indices:
        assert e[1].dtype == ember.int64


def test_max_pool_modules_and_reprs():
    for cls, args, kw, xs in [('MaxPool2d', (2,), {}, (2, 3, 8, 8)),
                              ('MaxPool2d', ((3, 2),), dict(stride=2, padding=1, ceil_mode=True), (2, 3, 9, 8)),
                              ('MaxPool2d', (3,), dict(return_indices=True, dilation=2), (1, 2, 9, 9)),
                              ('MaxPool1d', (3,), dict(stride=2, ceil_mode=True), (2, 3, 10)),
                              ('MaxPool3d', (2,), {}, (1, 2, 4, 4, 4))]:
        em, tm = getattr(ember.nn, cls)(*args, **kw), getattr(torch.nn, cls)(*args, **kw)
        assert repr(em) == repr(tm)
        assert em.state_dict().keys() == tm.state_dict().keys()
        check(lambda m, x: (em if m is ember else tm)(x), [_distinct(*xs)])


def test_max_pool_nan_and_inf():
    x = _distinct(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    x[0, 0, 3, 3] = np.inf
    x[0, 0, 2, 2] = -np.inf
    check(lambda m, x: m.nn.functional.max_pool2d(x, 2, return_indices=True), [x])


def test_max_pool_overlapping_grads_accumulate():
    # constant input -> every window's argmax is its first element; overlaps accumulate
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 2, 2] = 1.0
    check(lambda m, x: m.nn.functional.max_pool2d(x, 3, stride=1, padding=1), [x])


def test_max_pool_integer():
    x = (np.arange(2 * 3 * 6 * 6) * 7919 % 101).reshape(2, 3, 6, 6).astype(np.int64)
    check(lambda m, x: m.nn.functional.max_pool2d(x, 2, return_indices=True), [x], grad=False)


def test_max_pool_gradcheck():
    gradcheck(lambda x: ember.nn.functional.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
              [_distinct(1, 2, 6, 5)])
    gradcheck(lambda x: ember.nn.functional.max_pool1d(x, 2, dilation=2), [_distinct(2, 7)])
    x = ember.tensor(_distinct(1, 1, 4, 4), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x: ember.nn.functional.max_pool2d(x, 2, stride=1), (x,))


AVG_CASES = [
    ('avg_pool2d', (2, 3, 8, 8), (2,), {}),
    ('avg_pool2d', (2, 3, 9, 8), (3,), dict(stride=2, padding=1)),
    ('avg_pool2d', (2, 3, 9, 8), (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ('avg_pool2d', (2, 3, 9, 8), (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ('avg_pool2d', (2, 3, 9, 8), ((3, 2),), dict(stride=(2, 1), padding=(1, 1), divisor_override=4)),
    ('avg_pool2d', (1, 2, 7, 7), (3,), dict(stride=3, ceil_mode=True, count_include_pad=False)),
    ('avg_pool2d', (3, 7, 6), (2,), dict(stride=1)),                                  # unbatched
    ('avg_pool1d', (2, 3, 11), (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ('avg_pool1d', (2, 3, 11), (4,), dict(stride=3, padding=2, count_include_pad=False)),
    ('avg_pool3d', (2, 2, 5, 6, 5), (2,), dict(stride=2, padding=1)),
    ('avg_pool3d', (1, 2, 5, 5, 6), ((2, 3, 2),), dict(stride=2, ceil_mode=True, count_include_pad=False)),
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('fn,xs,args,kw', AVG_CASES)
def test_avg_pool(fn, xs, args, kw, dtype):
    e, t = check(lambda m, x: getattr(m.nn.functional, fn)(x, *args, **kw), [rand(*xs, dtype=dtype, seed=3)])
    assert e.grad_fn.name() == t.grad_fn.name()


def test_avg_pool_gradcheck_and_double_backward():
    gradcheck(lambda x: ember.nn.functional.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True,
                                                       count_include_pad=False), [rand(1, 2, 6, 5, seed=1)])
    x = ember.tensor(rand(1, 1, 5, 5, dtype=np.float64, seed=2), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x: ember.nn.functional.avg_pool2d(x, 2, stride=1, padding=1), (x,))


def test_avg_pool_modules_and_reprs():
    for cls, args, kw, xs in [('AvgPool2d', (2,), {}, (2, 3, 8, 8)),
                              ('AvgPool2d', ((3, 2),), dict(stride=2, padding=1, ceil_mode=True,
                                                           count_include_pad=False), (2, 3, 9, 8)),
                              ('AvgPool2d', (3,), dict(divisor_override=2), (1, 2, 9, 9)),
                              ('AvgPool1d', (3,), dict(stride=2, ceil_mode=True), (2, 3, 10)),
                              ('AvgPool3d', (2,), {}, (1, 2, 4, 4, 4))]:
        em, tm = getattr(ember.nn, cls)(*args, **kw), getattr(torch.nn, cls)(*args, **kw)
        assert repr(em) == repr(tm)
        check(lambda m, x: (em if m is ember else tm)(x), [rand(*xs, seed=4)], rtol=1e-5, atol=1e-6)


ADAPTIVE_CASES = [
    ('2d', (2, 3, 9, 8), (4, 3)),
    ('2d', (2, 3, 8, 8), 1),
    ('2d', (2, 3, 8, 8), (4, 4)),
    ('2d', (1, 2, 5, 7), (7, 9)),             # output larger than input
    ('2d', (3, 9, 8), (None, 3)),             # unbatched, None keeps the size
    ('1d', (2, 3, 11), 4),
    ('1d', (3, 10), 3),
    ('3d', (1, 2, 5, 6, 7), (2, 3, 4)),
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('nd,xs,out', ADAPTIVE_CASES)
def test_adaptive_avg_pool(nd, xs, out, dtype):
    e, t = check(lambda m, x: getattr(m.nn.functional, f'adaptive_avg_pool{nd}')(x, out),
                 [rand(*xs, dtype=dtype, seed=5)])
    assert e.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize('return_indices', [False, True])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('nd,xs,out', ADAPTIVE_CASES)
def test_adaptive_max_pool(nd, xs, out, dtype, return_indices):
    check(lambda m, x: getattr(m.nn.functional, f'adaptive_max_pool{nd}')(x, out, return_indices=return_indices),
          [_distinct(*xs, dtype=dtype, seed=6)])


def test_adaptive_gradcheck():
    gradcheck(lambda x: ember.nn.functional.adaptive_avg_pool2d(x, (3, 2)), [rand(1, 2, 7, 5, seed=7)])
    gradcheck(lambda x: ember.nn.functional.adaptive_max_pool2d(x, (3, 2)), [_distinct(1, 2, 7, 5)])
    x = ember.tensor(rand(1, 1, 5, 4, dtype=np.float64, seed=2), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x: ember.nn.functional.adaptive_avg_pool2d(x, 3), (x,))


def test_adaptive_modules_and_reprs():
    for cls, args, xs in [('AdaptiveAvgPool2d', ((None, 3),), (2, 3, 9, 8)), ('AdaptiveAvgPool2d', (1,), (2, 3, 4, 4)),
                          ('AdaptiveAvgPool1d', (4,), (2, 3, 10)), ('AdaptiveAvgPool3d', (2,), (1, 2, 4, 5, 4)),
                          ('AdaptiveMaxPool2d', ((4, 3),), (2, 3, 9, 8)), ('AdaptiveMaxPool1d', (3,), (2, 3, 10)),
                          ('AdaptiveMaxPool3d', ((2, 2, 3),), (1, 2, 4, 5, 4))]:
        em, tm = getattr(ember.nn, cls)(*args), getattr(torch.nn, cls)(*args)
        assert repr(em) == repr(tm)
        check(lambda m, x: (em if m is ember else tm)(x), [_distinct(*xs)])
    em, tm = ember.nn.AdaptiveMaxPool2d(3, return_indices=True), torch.nn.AdaptiveMaxPool2d(3, return_indices=True)
    check(lambda m, x: (em if m is ember else tm)(x), [_distinct(2, 2, 7, 7)])


@pytest.mark.parametrize('nd', [1, 2, 3])
def test_max_unpool(nd):
    xs = {1: (2, 3, 10), 2: (2, 3, 8, 6), 3: (1, 2, 4, 6, 4)}[nd]
    x = _distinct(*xs)

    def f(m, x):
        F = m.nn.functional
        out, idx = getattr(F, f'max_pool{nd}d')(x, 2, return_indices=True)
        return getattr(F, f'max_unpool{nd}d')(out, idx, 2)
    e, t = check(f, [x])
    if nd == 2:
        assert e.grad_fn.name() == t.grad_fn.name() == 'MaxUnpool2DBackward0'


def test_max_unpool_output_size_and_module():
    x = _distinct(2, 3, 9, 7)

    def f(m, x):
        F = m.nn.functional
        out, idx = F.max_pool2d(x, 2, return_indices=True)
        return F.max_unpool2d(out, idx, 2, output_size=x.shape)
    check(f, [x])
    em, tm = ember.nn.MaxUnpool2d(2), torch.nn.MaxUnpool2d(2)
    assert repr(em) == repr(tm)
    assert repr(ember.nn.MaxUnpool1d(3, 2)) == repr(torch.nn.MaxUnpool1d(3, 2))

    def g(m, x):
        pool = (ember if m is ember else torch).nn.MaxPool2d(2, stride=2, return_indices=True)
        out, idx = pool(x)
        return (em if m is ember else tm)(out, idx, output_size=[9, 7])
    check(g, [x])
    x1 = _distinct(2, 3, 9)
    check(lambda m, x: m.nn.functional.max_unpool1d(*m.nn.functional.max_pool1d(x, 2, return_indices=True), 2,
                                                    output_size=[9]), [x1])


def test_lp_pool():
    x = rand(2, 3, 9, 8, seed=8, low=0.1, high=2.0)
    check(lambda m, x: m.nn.functional.lp_pool2d(x, 2, 3, stride=2), [x], rtol=1e-4, atol=1e-5)
    check(lambda m, x: m.nn.functional.lp_pool2d(x, 3.0, (2, 3)), [x], rtol=1e-4, atol=1e-5)
    check(lambda m, x: m.nn.functional.lp_pool1d(x[0], 2, 3), [x], rtol=1e-4, atol=1e-5)
    for cls, args in [('LPPool2d', (2, 3)), ('LPPool1d', (1.5, 2, 1))]:
        em, tm = getattr(ember.nn, cls)(*args), getattr(torch.nn, cls)(*args)
        assert repr(em) == repr(tm)
        xs = x if cls == 'LPPool2d' else x[0]
        check(lambda m, x: (em if m is ember else tm)(x), [xs], rtol=1e-4, atol=1e-5)


def test_pooling_errors():
    x = rand(1, 3, 8, 8)
    check_error(lambda m, x: m.nn.functional.max_pool2d(x, 2), [rand(8)],
                match='non-empty 3D or 4D \\(batch mode\\) tensor expected for input')
    check_error(lambda m, x: m.nn.functional.max_pool2d(x, 2, padding=2), [x],
                match='pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and '
                      'dilation=1')
    check_error(lambda m, x: m.nn.functional.max_pool2d(x, 9), [x],
                match=r'Given input size: \(3x8x8\). Calculated output size: \(3x0x0\). Output size is too small')
    check_error(lambda m, x: m.nn.functional.avg_pool2d(x, 9), [x],
                match=r'Given input size: \(3x8x8\). Calculated output size: \(3x0x0\). Output size is too small')
    check_error(lambda m, x: m.nn.functional.avg_pool2d(x, 2, padding=2), [x],
                match='pad should be at most half of effective kernel size')
    check_error(lambda m, x: m.nn.functional.max_pool2d(x, 2, stride=0), [x], match='stride should not be zero')
    check_error(lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, 2), [rand(8)],
                match=r'adaptive_avg_pool2d\(\): Expected 3D or 4D tensor, but got \[8\]')
    check_error(lambda m, x: m.nn.functional.adaptive_max_pool2d(x, 2), [rand(8)],
                match=r'adaptive_max_pool2d\(\): Expected 3D or 4D tensor, but got: \[8\]')
    check_error(lambda m, x: m.nn.functional.max_pool3d(x, 2), [x[0, 0]])
    check_error(lambda m, x: m.nn.functional.avg_pool1d(x, 2), [x])
    check_error(lambda m, x: m.nn.functional.max_pool1d(x, 2), [x])

    def unpool_bad(m, x):
        out, idx = m.nn.functional.max_pool2d(x, 2, return_indices=True)
        return m.nn.functional.max_unpool2d(out, idx, 2, output_size=(20, 20))
    check_error(unpool_bad, [x])


def test_pooling_in_cnn_matches_torch():
    """Conv -> ReLU -> MaxPool -> Conv -> AvgPool -> AdaptiveAvgPool stack, grads of input and weights."""
    rng = np.random.default_rng(9)
    x = rand(3, 3, 16, 16, rng=rng)
    w1 = rand(8, 3, 3, 3, rng=rng)
    w2 = rand(4, 8, 3, 3, rng=rng)

    def f(m, x, w1, w2):
        F = m.nn.functional
        y = F.max_pool2d(F.relu(F.conv2d(x, w1, padding=1)), 2)
        y = F.avg_pool2d(F.conv2d(y, w2, padding=1), 2, ceil_mode=True)
        return F.adaptive_avg_pool2d(y, 1).flatten(1)
    check(f, [x, w1, w2], rtol=1e-4, atol=1e-5)


def test_unbatched_grad_fn_names():
    x = _distinct(3, 6, 6)

    def f(m, x):
        F = m.nn.functional
        out, idx = F.max_pool2d(x, 2, return_indices=True)
        return out, F.max_unpool2d(out, idx, 2), F.avg_pool2d(x, 2), F.adaptive_max_pool2d(x, 4)
    e, t = check(f, [x])
    assert [o.grad_fn.name() for o in e] == [o.grad_fn.name() for o in t]


def test_pooling_double_backward_matches_torch():
    x = _distinct(2, 2, 6, 6)
    res = []
    for m in (ember, torch):
        X = m.tensor(x, requires_grad=True)
        F = m.nn.functional
        y = F.max_pool2d(X, 3, stride=2, padding=1) * 2 + F.adaptive_max_pool2d(X, 4).sum() + \
            F.avg_pool2d(X, 2, stride=1, padding=1, count_include_pad=False)[..., :3, :3]
        (g,) = m.autograd.grad((y ** 3).sum(), (X,), create_graph=True)
        (gg,) = m.autograd.grad((g ** 2).sum(), (X,))
        res.append(to_numpy(gg))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10, atol=1e-12)
