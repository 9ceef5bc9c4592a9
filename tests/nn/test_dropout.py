"""Dropout family and Flatten/Unflatten against torch (statistics for the random masks)."""
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error, rand

EF = ember.nn.functional
TF = torch.nn.functional


def _x(*shape, dtype=np.float32, seed=0):
    return rand(*shape, dtype=dtype, seed=seed)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('p', [0.2, 0.5, 0.9])
def test_dropout_train_scaling_and_grad(p, dtype):
    ember.manual_seed(0)
    x = ember.tensor(np.ones((200, 300), dtype), requires_grad=True)
    y = EF.dropout(x, p, training=True)
    assert y.dtype == x.dtype and y.shape == x.shape
    assert y.grad_fn.name() == 'MulBackward0'
    vals = np.unique(y.detach().numpy())
    np.testing.assert_allclose(vals, np.array([0, 1 / (1 - p)], dtype), rtol=1e-6)
    keep = (y.detach().numpy() != 0).mean()
    assert abs(keep - (1 - p)) < 0.01
    y.sum().backward()
    # gradient is the mask scaled by 1/(1-p)
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy())


def test_dropout_reproducible_with_manual_seed():
    x = ember.ones(50, 50)
    ember.manual_seed(123)
    a = EF.dropout(x, 0.5).numpy()
    ember.manual_seed(123)
    b = EF.dropout(x, 0.5).numpy()
    c = EF.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_dropout_eval_identity_and_edge_p():
    x = _x(4, 5)
    for m in (ember, torch):
        t = m.tensor(x, requires_grad=True)
        assert m.nn.functional.dropout(t, 0.5, training=False) is t
        assert m.nn.functional.dropout(t, 0.0) is t
        assert m.nn.functional.alpha_dropout(t, 0.5) is t  # training=False by default
    # p = 1: all zeros, MulBackward0, grads zero
    check(lambda m, a: m.nn.functional.dropout(a, 1.0), [x])
    check(lambda m, a: m.nn.functional.alpha_dropout(a, 1.0, True), [x])


def test_dropout_errors():
    for p in (-0.1, 1.5):
        check_error(lambda m, a: m.nn.functional.dropout(a, p), [_x(3)])
        check_error(lambda m, a: m.nn.Dropout(p), [_x(3)])
    check_error(lambda m, a: m.nn.functional.dropout(a, 0.5, True), [np.arange(4)])
    check_error(lambda m, a: m.nn.functional.dropout1d(a, 0.5), [_x(2, 3, 4, 5)])
    check_error(lambda m, a: m.nn.functional.feature_alpha_dropout(a, 0.5, True), [_x(5)])


@pytest.mark.parametrize('fname,shape', [('dropout1d', (4, 50, 7)), ('dropout1d', (50, 7)),
                                         ('dropout2d', (4, 50, 3, 3)), ('dropout3d', (4, 50, 2, 2, 2)),
                                         ('dropout3d', (50, 2, 2, 2))])
def test_feature_dropout_channels(fname, shape):
    ember.manual_seed(1)
    x = ember.ones(*shape, requires_grad=True)
    y = getattr(EF, fname)(x, 0.5, True)
    assert y.shape == x.shape
    a = y.detach().numpy()
    batched = len(shape) in (3, 4, 5) and not (fname == 'dropout3d' and len(shape) == 4) \
        and not (fname == 'dropout1d' and len(shape) == 2)
    a2 = a if batched else a[None]
    flat = a2.reshape(a2.shape[0], a2.shape[1], -1)
    # whole channels are dropped or kept (scaled by 2)
    assert np.all((flat == 0).all(-1) | (flat == 2).all(-1))
    assert 0.3 < (flat[..., 0] != 0).mean() < 0.7
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), a)
    # eval: identity (unbatched inputs go through unsqueeze/squeeze, as in torch)
    r = getattr(EF, fname)(x, 0.5, False)
    assert (r is x) if batched else np.array_equal(r.detach().numpy(), x.detach().numpy())
    tx = torch.ones(*shape, requires_grad=True)
    tr = getattr(TF, fname)(tx, 0.5, False)
    assert (tr is tx) == (r is x)


def test_dropout2d_warns_3d():
    with pytest.warns(UserWarning, match='Received a 3D input to dropout2d'):
        EF.dropout2d(ember.ones(2, 3, 4), 0.5)


@pytest.mark.parametrize('feature', [False, True])
def test_alpha_dropout_stats(feature):
    ember.manual_seed(2)
    p = 0.3
    x = ember.randn(400, 500) if not feature else ember.randn(400, 500, 1)
    fn = EF.feature_alpha_dropout if feature else EF.alpha_dropout
    y = fn(x, p, True)
    assert y.grad_fn is None
    xr = x.clone().requires_grad_(True)
    yr = fn(xr, p, True)
    assert yr.grad_fn.name() == 'AddBackward0'
    # self-normalising: mean ~0, std ~1 preserved
    assert abs(float(y.mean())) < 0.03
    assert abs(float(y.std()) - 1) < 0.03
    # dropped units take torch's value a*(-alpha) + b where a, b come from p
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    b = alpha * a * p
    dropped = -alpha * a + b
    assert np.isclose(y.numpy(), dropped, atol=1e-5).mean() > 0.25


def test_inplace_dropout():
    ember.manual_seed(3)
    x = ember.ones(30, 40)
    y = EF.dropout(x, 0.5, True, inplace=True)
    assert y is x
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}
    x = ember.ones(3, 40, 5)
    y = EF.dropout1d(x, 0.5, True, inplace=True)
    assert y is x
    x = ember.ones(40, 5)
    y = EF.dropout1d(x, 0.5, True, inplace=True)
    assert y is x and x.shape == (40, 5)


MODULES = [('Dropout', ()), ('Dropout', (0.2, True)), ('Dropout1d', ()), ('Dropout2d', (0.3,)),
           ('Dropout3d', ()), ('AlphaDropout', (0.1,)), ('FeatureAlphaDropout', ())]


@pytest.mark.parametrize('name,args', MODULES)
def test_dropout_modules(name, args):
    tm = getattr(torch.nn, name)(*args)
    em = getattr(ember.nn, name)(*args)
    assert repr(em) == repr(tm)
    assert em.state_dict() == {} or list(em.state_dict()) == []
    shape = {'Dropout1d': (2, 3, 4), 'Dropout2d': (2, 3, 4, 4), 'Dropout3d': (2, 3, 2, 2, 2)}.get(name, (4, 6))
    x = _x(*shape)
    em.eval()
    tm.eval()
    check(lambda m, a: (tm if m is torch else em)(a * 1.0), [x])
    em.train()
    ex = ember.tensor(x)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        y = em(ex)
    assert y.shape == ex.shape and y.dtype == ex.dtype


def test_flatten_unflatten():
    x = _x(2, 3, 4, 5)
    for args in [(), (0,), (1, 2), (0, -1), (-3, -2)]:
        tm, em = torch.nn.Flatten(*args), ember.nn.Flatten(*args)
        assert repr(em) == repr(tm)
        check(lambda m, a: (tm if m is torch else em)(a), [x])
    for dim, size in [(1, (3, 1)), (-1, (5, 1)), (2, [2, 2]), (3, (-1, 5))]:
        tm, em = torch.nn.Unflatten(dim, size), ember.nn.Unflatten(dim, size)
        assert repr(em) == repr(tm)
        check(lambda m, a: (tm if m is torch else em)(a), [x])
    check_error(lambda m, a: m.nn.Unflatten(1, (2, 1.5)), [x])
    check_error(lambda m, a: m.nn.Unflatten(1, 3), [x])
    check_error(lambda m, a: m.nn.Unflatten(1, (2, 2))(a), [x])
    check_error(lambda m, a: m.nn.Flatten(4)(a), [x])
    s = ember.nn.Sequential(ember.nn.Flatten(), ember.nn.Linear(60, 3))
    assert s(ember.tensor(x)).shape == (2, 3)
