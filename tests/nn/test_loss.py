"""Loss functions (ember.nn.functional.*_loss and nn.*Loss) against torch."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error, gradcheck, rand

REDS = ['none', 'mean', 'sum']
FLOATS = [np.float32, np.float64]


def F(m):
    return m.nn.functional


def _idx(*shape, C, seed=1):
    return np.random.default_rng(seed).integers(0, C, size=shape).astype(np.int64)


# ------------------------------------------------------------------ regression losses
@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('dt', FLOATS)
@pytest.mark.parametrize('name,kw', [('mse_loss', {}), ('l1_loss', {}), ('smooth_l1_loss', {}),
                                     ('smooth_l1_loss', {'beta': 0.3}), ('smooth_l1_loss', {'beta': 0.0}),
                                     ('huber_loss', {}), ('huber_loss', {'delta': 0.4}),
                                     ('soft_margin_loss', {})])
def test_pointwise_losses(name, kw, red, dt):
    x = rand(4, 3, 5, dtype=dt, seed=0, low=-2, high=2)
    y = rand(4, 3, 5, dtype=dt, seed=1, low=-2, high=2)
    if name == 'soft_margin_loss':   # torch does not differentiate its target
        y = np.sign(y).astype(dt)
        check(lambda m, a: getattr(F(m), name)(a, m.tensor(y), reduction=red, **kw), [x])
        return
    check(lambda m, a, b: getattr(F(m), name)(a, b, reduction=red, **kw), [x, y])


@pytest.mark.parametrize('name', ['mse_loss', 'l1_loss', 'huber_loss', 'smooth_l1_loss'])
def test_pointwise_broadcast_warns(name):
    x, y = rand(3, 1, seed=0), rand(3, seed=1)
    with pytest.warns(UserWarning, match=r"Using a target size \(.*Size\(\[3\]\)\) that is different to "
                                         r"the input size \(.*Size\(\[3, 1\]\)\)"):
        check(lambda m, a, b: getattr(F(m), name)(a, b), [x, y])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        check_error(lambda m, a, b: getattr(F(m), name)(a, b), [rand(3, 2), rand(4)])


@pytest.mark.parametrize('name', ['mse_loss', 'l1_loss', 'huber_loss'])
@pytest.mark.parametrize('red', REDS)
def test_weighted_pointwise(name, red):
    x, y, w = rand(4, 3, seed=0), rand(4, 3, seed=1), rand(4, 3, seed=2, low=0.1)
    check(lambda m, a, b: getattr(F(m), name)(a, b, reduction=red, weight=m.tensor(w)), [x, y])
    check_error(lambda m, a, b: getattr(F(m), name)(a, b, weight=m.ones(3)), [x, y],
                match='Weights and input must have the same size')


def test_pointwise_errors():
    x, y = rand(3, 4), rand(3, 4)
    check_error(lambda m, a, b: F(m).mse_loss(a, b, reduction='foo'), [x, y],
                match='foo is not a valid value for reduction')
    check_error(lambda m, a, b: F(m).smooth_l1_loss(a, b, beta=-1.0), [x, y], match='negative values for beta')
    check_error(lambda m, a, b: F(m).huber_loss(a, b, delta=0.0), [x, y], match='non-positive values for delta')
    check_error(lambda m, a, b: F(m).mse_loss(a, b), [np.ones(3, np.int64), np.ones(3, np.int64)],
                match='mse_cpu')


def test_mse_mixed_dtype_and_grad_fn():
    e, t = check(lambda m, a, b: F(m).mse_loss(a, b), [rand(5, seed=0), rand(5, seed=1, dtype=np.float64)])
    x = ember.randn(3, requires_grad=True)
    assert F(ember).mse_loss(x, ember.zeros(3)).grad_fn.name() == 'MseLossBackward0'
    for name, node in [('smooth_l1_loss', 'SmoothL1LossBackward0'), ('huber_loss', 'HuberLossBackward0'),
                       ('soft_margin_loss', 'SoftMarginLossBackward0'), ('l1_loss', 'MeanBackward0')]:
        assert getattr(F(ember), name)(x, ember.ones(3)).grad_fn.name() == node


@pytest.mark.parametrize('name,kw', [('smooth_l1_loss', {'beta': 0.5}), ('huber_loss', {'delta': 0.5}),
                                     ('soft_margin_loss', {}), ('mse_loss', {})])
def test_pointwise_double_backward(name, kw):
    x = rand(3, 4, seed=0, dtype=np.float64)
    y = np.sign(rand(3, 4, seed=1, dtype=np.float64))

    def fn(m, a):
        loss = getattr(F(m), name)(a, m.tensor(y) * 0.3, **kw)
        g, = m.autograd.grad(loss, a, create_graph=True)
        return (g * g * a).sum()
    check(fn, [x])


def test_legacy_size_average_reduce():
    x, y = rand(4, 3, seed=0), rand(4, 3, seed=1)
    for sa, rd in [(False, None), (None, False), (True, True), (False, True)]:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            check(lambda m, a, b: F(m).mse_loss(a, b, size_average=sa, reduce=rd), [x, y])
            check(lambda m, a, b: m.nn.L1Loss(size_average=sa, reduce=rd)(a, b), [x, y])
            assert ember.nn.MSELoss(size_average=sa, reduce=rd).reduction == \
                torch.nn.MSELoss(size_average=sa, reduce=rd).reduction
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        ember.nn.MSELoss(size_average=False)


# ------------------------------------------------------------------ NLL / cross entropy
@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('dt', FLOATS)
@pytest.mark.parametrize('shape', [(4, 5), (1, 3), (3, 4, 2), (2, 3, 4, 5), (2, 3, 2, 2, 3)])
def test_cross_entropy_indices(shape, dt, red):
    x = rand(*shape, dtype=dt, seed=0, low=-3, high=3)
    t = _idx(shape[0], *shape[2:], C=shape[1])
    check(lambda m, a: F(m).cross_entropy(a, m.tensor(t), reduction=red), [x])
    check(lambda m, a: F(m).nll_loss(a, m.tensor(t), reduction=red), [x])


@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('shape', [(6, 5), (3, 4, 3)])
def test_cross_entropy_weight_ignore(shape, red):
    x = rand(*shape, seed=0, low=-3, high=3, dtype=np.float64)
    C = shape[1]
    t = _idx(shape[0], *shape[2:], C=C)
    t.flat[::3] = -100
    w = rand(C, seed=3, low=0.2, high=2.0, dtype=np.float64)
    check(lambda m, a: F(m).cross_entropy(a, m.tensor(t), weight=m.tensor(w), reduction=red), [x])
    check(lambda m, a: F(m).nll_loss(a, m.tensor(t), weight=m.tensor(w), reduction=red), [x])
    t2 = _idx(shape[0], *shape[2:], C=C)
    check(lambda m, a: F(m).cross_entropy(a, m.tensor(t2), weight=m.tensor(w), ignore_index=1,
                                          reduction=red), [x])
    check(lambda m, a: F(m).cross_entropy(a, m.tensor(t2), ignore_index=2, reduction=red), [x])


def test_cross_entropy_all_ignored_is_nan():
    x = rand(3, 4)
    e, t = check(lambda m, a: F(m).cross_entropy(a, m.tensor([-100, -100, -100])), [x], grad=False)
    assert np.isnan(e.item())


@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('ls', [0.1, 0.7])
@pytest.mark.parametrize('weighted', [False, True])
def test_cross_entropy_label_smoothing(ls, red, weighted):
    x = rand(5, 4, 3, seed=0, low=-3, high=3, dtype=np.float64)
    t = _idx(5, 3, C=4)
    t[0, 0] = -100
    w = rand(4, seed=3, low=0.2, high=2.0, dtype=np.float64)
    check(lambda m, a: F(m).cross_entropy(a, m.tensor(t), weight=m.tensor(w) if weighted else None,
                                          reduction=red, label_smoothing=ls), [x])
    # probability targets with smoothing; target gradient too
    p = rand(5, 4, 3, seed=4, low=0, high=1, dtype=np.float64)
    p = p / p.sum(1, keepdims=True)
    check(lambda m, a, b: F(m).cross_entropy(a, b, weight=m.tensor(w) if weighted else None,
                                             reduction=red, label_smoothing=ls), [x, p])


@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('dt', FLOATS)
def test_cross_entropy_prob_targets(red, dt):
    x = rand(4, 6, dtype=dt, seed=0, low=-3, high=3)
    p = rand(4, 6, dtype=dt, seed=1, low=0, high=1)
    check(lambda m, a, b: F(m).cross_entropy(a, b, reduction=red), [x, p])
    check(lambda m, a, b: m.nn.CrossEntropyLoss(reduction=red)(a, b), [x, p])


def test_cross_entropy_unbatched():
    x = rand(5, seed=0, dtype=np.float64)
    for red in REDS:
        check(lambda m, a: F(m).cross_entropy(a, m.tensor(3), reduction=red), [x])
        check(lambda m, a: F(m).nll_loss(a, m.tensor(1), weight=m.arange(1., 6.).double(), reduction=red), [x])
        check(lambda m, a, b: F(m).cross_entropy(a, b, reduction=red), [x, rand(5, seed=2, low=0)])


def test_cross_entropy_large_logits_stable():
    x = np.array([[1000., -1000., 0.], [-5e4, 5e4, 1.]], dtype=np.float32)
    check(lambda m, a: F(m).cross_entropy(a, m.tensor([0, 2])), [x])


def test_cross_entropy_module_and_grad_fn():
    w = rand(5, seed=1, low=0.5)
    for kw in [{}, {'ignore_index': 2}, {'label_smoothing': 0.2}, {'reduction': 'sum'}]:
        check(lambda m, a: m.nn.CrossEntropyLoss(weight=m.tensor(w), **kw)(a, m.tensor(_idx(7, C=5))),
              [rand(7, 5, seed=0)])
        check(lambda m, a: m.nn.NLLLoss(**{k: v for k, v in kw.items() if k != 'label_smoothing'})(
            a, m.tensor(_idx(7, C=5))), [rand(7, 5, seed=0)])
    x = ember.randn(3, 4, requires_grad=True)
    l = F(ember).cross_entropy(x, ember.tensor([0, 1, 2]))
    assert l.grad_fn.name() == 'NllLossBackward0'
    assert F(ember).nll_loss(ember.randn(2, 3, 4, requires_grad=True),
                             ember.zeros(2, 4, dtype=ember.long)).grad_fn.name() == 'NllLoss2DBackward0'


@pytest.mark.parametrize('shape,red,weighted', [((3, 4), 'mean', False), ((3, 4), 'none', True),
                                                 ((2, 4, 3), 'sum', True), ((4,), 'mean', False)])
def test_cross_entropy_double_backward(shape, red, weighted):
    x = rand(*shape, seed=0, dtype=np.float64)
    t = _idx(*((shape[0],) + shape[2:]), C=shape[1]) if len(shape) > 1 else np.array(2)
    if t.ndim:
        t.flat[0] = -100
    w = rand(4, seed=1, low=0.3, dtype=np.float64)

    def fn(m, a):
        loss = F(m).cross_entropy(a, m.tensor(t), weight=m.tensor(w) if weighted else None, reduction=red)
        g, = m.autograd.grad(loss.sum(), a, create_graph=True)
        return (g * g * a).sum()
    check(fn, [x])


def test_uint8_targets_and_state_dict_weight():
    x = rand(5, 3, seed=0)
    t = np.array([0, 2, 1, 1, 0], np.uint8)
    check(lambda m, a: F(m).cross_entropy(a, m.tensor(t)), [x])
    check(lambda m, a: F(m).nll_loss(a, m.tensor(t), reduction='none'), [x])
    tm = torch.nn.CrossEntropyLoss(weight=torch.tensor([1., 2., 3.]))
    em = ember.nn.CrossEntropyLoss(weight=ember.ones(3))
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    check(lambda m, a: (em if m is ember else tm)(a, m.tensor(t.astype(np.int64))), [x])


def test_nll_errors():
    x = rand(3, 5)
    ce = lambda tgt, **kw: (lambda m, a: F(m).cross_entropy(a, m.tensor(tgt), **kw))  # noqa: E731
    check_error(lambda m, a: F(m).cross_entropy(a, m.zeros(3)), [x],
                match='expected target dtype to be Long or Byte, but got Float')
    check_error(lambda m, a: F(m).cross_entropy(a, m.zeros(3, dtype=m.int32)), [x], match='but got Int')
    check_error(ce([0, 1, 2, 3]), [x], match=r'Expected input batch_size \(3\) to match target batch_size \(4\)\.')
    check_error(ce([0, 1, 5]), [x], match='Target 5 is out of bounds.')
    check_error(ce([0, -3, 1]), [x], match='Target -3 is out of bounds.')
    check_error(ce([[0, 1], [1, 1], [2, 2]]), [x], match='multi-target not supported')
    check_error(ce([0, 1, 2], weight=None, reduction='bad'), [x], match='bad is not a valid value')
    check_error(lambda m, a: F(m).cross_entropy(a, m.tensor([0, 1, 2]), weight=m.ones(4)), [x],
                match=r'for all 5 classes or no classes but got weight tensor of shape: \[4\]')
    check_error(lambda m, a, b: F(m).cross_entropy(a, b, weight=m.ones(4)), [x, rand(3, 5)],
                match=r'cross_entropy: weight tensor should be defined')
    check_error(ce([0, 1, 2], label_smoothing=1.5), [x], match='label_smoothing must be between 0.0 and 1.0')
    check_error(lambda m, a: F(m).cross_entropy(a, m.zeros(3, 5, dtype=m.long)), [x],
                match='Expected floating point type for target with class probabilities, got Long')
    check_error(lambda m, a: F(m).cross_entropy(a, m.zeros(3, 5, dtype=m.long)), [x],
                match='Expected floating point type for target with class probabilities, got Long')
    x4 = rand(2, 5, 3, 4)
    check_error(lambda m, a: F(m).cross_entropy(a, m.zeros(2, 3, 5, dtype=m.long)), [x4],
                match=r'size mismatch \(got input: \[2, 5, 3, 4\] , target: \[2, 3, 5\]')
    check_error(lambda m, a: F(m).cross_entropy(a, m.zeros(2, 3, dtype=m.long)), [x4],
                match='only batches of spatial targets supported')
    check_error(lambda m, a: F(m).cross_entropy(a, m.zeros(2, 4, dtype=m.long)), [rand(2, 5, 3)],
                match=r'Expected target size \[2, 3\], got \[2, 4\]')
    check_error(lambda m, a: F(m).nll_loss(a, m.full((2, 3, 4), 9)), [x4], match='Target 9 is out of bounds.')
    check_error(lambda m, a: F(m).nll_loss(a, m.tensor(0)), [np.array(1.0, np.float32)],
                match=r'Expected 1 or more dimensions \(got 0\)')
    check_error(lambda m, a: F(m).cross_entropy(a, m.tensor([0, 1, 2])), [np.zeros((3, 5), np.int64)])
    # an out-of-range target equal to ignore_index is fine
    check(lambda m, a: F(m).nll_loss(a, m.tensor([0, 1, 7]), ignore_index=7), [x])


# ------------------------------------------------------------------ binary cross entropy
@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('dt', FLOATS)
def test_bce(red, dt):
    x = rand(4, 3, dtype=dt, seed=0, low=0.02, high=0.98)
    y = rand(4, 3, dtype=dt, seed=1, low=0, high=1)
    check(lambda m, a, b: F(m).binary_cross_entropy(a, b, reduction=red), [x, y])
    w = rand(3, dtype=dt, seed=2, low=0.1, high=2)
    check(lambda m, a, b: F(m).binary_cross_entropy(a, b, weight=m.tensor(w), reduction=red), [x, y])
    check(lambda m, a, b: m.nn.BCELoss(weight=m.tensor(w), reduction=red)(a, b), [x, y])


def test_bce_log_clamp_and_errors():
    x = np.array([0.0, 1.0, 0.5, 1e-30], np.float32)
    y = np.array([1.0, 0.0, 0.5, 1.0], np.float32)
    check(lambda m, a, b: F(m).binary_cross_entropy(a, b, reduction='none'), [x, y], grad=False)
    check_error(lambda m, a, b: F(m).binary_cross_entropy(a, b), [rand(3, 1, low=0), rand(3, low=0)],
                match=r'Using a target size \(.*\[3\]\)\) that is different to the input size \(.*\[3, 1\]\)\) '
                      'is deprecated')
    check_error(lambda m, a, b: F(m).binary_cross_entropy(a, b), [rand(3, low=1.1, high=2), rand(3, low=0)],
                match='all elements of input should be between 0 and 1')
    check_error(lambda m, a, b: F(m).binary_cross_entropy(a, b), [rand(3, low=0), rand(3, low=1.1, high=2)],
                match='all elements of target should be between 0 and 1')
    check_error(lambda m, a, b: F(m).binary_cross_entropy(a, b), [rand(3, low=0), np.ones(3, np.int64)],
                match='Found dtype Long but expected Float')


@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('dt', FLOATS)
def test_bce_with_logits(red, dt):
    x = rand(4, 3, dtype=dt, seed=0, low=-4, high=4)
    y = rand(4, 3, dtype=dt, seed=1, low=0, high=1)
    w = rand(3, dtype=dt, seed=2, low=0.1, high=2)
    pw = rand(3, dtype=dt, seed=3, low=0.1, high=3)
    check(lambda m, a, b: F(m).binary_cross_entropy_with_logits(a, b, reduction=red), [x, y])
    check(lambda m, a, b: F(m).binary_cross_entropy_with_logits(a, b, m.tensor(w), reduction=red,
                                                                pos_weight=m.tensor(pw)), [x, y])
    check(lambda m, a, b: m.nn.BCEWithLogitsLoss(pos_weight=m.tensor(pw), reduction=red)(a, b), [x, y])


def test_bce_with_logits_stable_and_errors():
    x = np.array([1e4, -1e4, 88.0, -100.0, 0.0], np.float32)
    y = np.array([0.0, 1.0, 0.3, 0.0, 1.0], np.float32)
    e, _ = check(lambda m, a, b: F(m).binary_cross_entropy_with_logits(a, b, reduction='none',
                                                                       pos_weight=m.tensor([2.0])), [x, y])
    assert np.isfinite(e.detach().numpy()).all()
    check_error(lambda m, a, b: F(m).binary_cross_entropy_with_logits(a, b), [rand(3, 1), rand(3)],
                match=r'Target size \(.*\[3\]\)\) must be the same as input size \(.*\[3, 1\]\)\)')
    check_error(lambda m, a, b: F(m).binary_cross_entropy_with_logits(a, b), [rand(3), np.ones(3, np.int64)])


# ------------------------------------------------------------------ KL / Poisson / Gaussian
@pytest.mark.parametrize('red', REDS + ['batchmean'])
@pytest.mark.parametrize('log_target', [False, True])
def test_kl_div(red, log_target):
    x = np.log(rand(3, 5, seed=0, low=0.05, high=1, dtype=np.float64))
    y = rand(3, 5, seed=1, low=0, high=1, dtype=np.float64)
    y[0, 0] = 0.0
    if log_target:
        y = np.log(y + 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        check(lambda m, a, b: F(m).kl_div(a, b, reduction=red, log_target=log_target), [x, y])
        check(lambda m, a, b: m.nn.KLDivLoss(reduction=red, log_target=log_target)(a, b), [x, y])
    if red == 'mean':
        with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
            F(ember).kl_div(ember.tensor(x), ember.tensor(y))


@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('log_input,full', [(True, False), (False, False), (True, True), (False, True)])
def test_poisson_nll(red, log_input, full):
    x = rand(4, 3, seed=0, low=0.1, high=2, dtype=np.float64)
    y = rand(4, 3, seed=1, low=0, high=4, dtype=np.float64)
    check(lambda m, a, b: F(m).poisson_nll_loss(a, b, log_input=log_input, full=full, reduction=red), [x, y])
    check(lambda m, a, b: m.nn.PoissonNLLLoss(log_input=log_input, full=full, eps=1e-3, reduction=red)(a, b),
          [x, y])


@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('vshape', [(4, 3), (4,), (4, 1)])
def test_gaussian_nll(red, vshape):
    x = rand(4, 3, seed=0, dtype=np.float64)
    y = rand(4, 3, seed=1, dtype=np.float64)
    v = rand(*vshape, seed=2, low=0.0, high=2, dtype=np.float64)
    v.flat[0] = 1e-9   # clamped to eps
    for full in (False, True):
        check(lambda m, a, b, c: F(m).gaussian_nll_loss(a, b, c, full=full, reduction=red), [x, y, v])
        check(lambda m, a, b, c: m.nn.GaussianNLLLoss(full=full, eps=1e-4, reduction=red)(a, b, c), [x, y, v])
    check(lambda m, a, b: F(m).gaussian_nll_loss(a, b, 0.5, reduction=red), [x, y])


def test_gaussian_nll_errors():
    x, y = rand(3, 5), rand(3, 5)
    check_error(lambda m, a, b, c: F(m).gaussian_nll_loss(a, b, c), [x, y, rand(3, 4, low=0)],
                match='var is of incorrect size')
    check_error(lambda m, a, b, c: F(m).gaussian_nll_loss(a, b, c), [x, y, -rand(3, 5, low=0.1)],
                match='var has negative entry')
    check_error(lambda m, a, b, c: F(m).gaussian_nll_loss(a, b, c, reduction='x'), [x, y, rand(3, 5, low=0)],
                match='x is not valid')


# ------------------------------------------------------------------ margin / embedding losses
@pytest.mark.parametrize('red', REDS)
def test_cosine_embedding(red):
    a, b = rand(5, 4, seed=0, dtype=np.float64), rand(5, 4, seed=1, dtype=np.float64)
    t = np.array([1, -1, 1, -1, -1], np.float64)
    for margin in (0.0, 0.3):
        check(lambda m, x, y: F(m).cosine_embedding_loss(x, y, m.tensor(t), margin=margin, reduction=red), [a, b])
        check(lambda m, x, y: m.nn.CosineEmbeddingLoss(margin, reduction=red)(x, y, m.tensor(t)), [a, b])
    check(lambda m, x, y: F(m).cosine_embedding_loss(x, y, m.tensor(-1.), reduction=red), [a[0], b[0]])
    check_error(lambda m, x, y: F(m).cosine_embedding_loss(x, y, m.ones(5, 1)), [a, b],
                match='0D or 1D target tensor expected')
    check_error(lambda m, x, y: F(m).cosine_embedding_loss(x, y, m.ones(5)), [a[0], b[0]],
                match='1D target tensor expects 2D input tensors')


@pytest.mark.parametrize('red', REDS)
def test_margin_ranking_and_hinge(red):
    a, b = rand(6, seed=0, dtype=np.float64), rand(6, seed=1, dtype=np.float64)
    t = np.array([1, -1, 1, -1, 1, 1], np.float64)
    check(lambda m, x, y, z: F(m).margin_ranking_loss(x, y, z, margin=0.2, reduction=red), [a, b, t])
    check(lambda m, x, y: m.nn.MarginRankingLoss(reduction=red)(x, y, m.tensor(t)), [a, b])
    check(lambda m, x: F(m).hinge_embedding_loss(x, m.tensor(t), margin=0.5, reduction=red), [a])
    check(lambda m, x: m.nn.HingeEmbeddingLoss(reduction=red)(x, m.tensor(t)), [a])
    check_error(lambda m, x, y, z: F(m).margin_ranking_loss(x, y, z), [a, b, t[None]],
                match='All input tensors should have same dimension')


@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('p,swap', [(2, False), (1, True), (3, False)])
def test_triplet_margin(red, p, swap):
    a, po, ne = (rand(5, 4, seed=s, dtype=np.float64) for s in range(3))
    check(lambda m, x, y, z: F(m).triplet_margin_loss(x, y, z, margin=1.5, p=p, swap=swap, reduction=red),
          [a, po, ne])
    check(lambda m, x, y, z: m.nn.TripletMarginLoss(p=p, swap=swap, reduction=red)(x, y, z), [a, po, ne])
    check(lambda m, x, y, z: F(m).triplet_margin_with_distance_loss(
        x, y, z, distance_function=lambda u, v: (u - v).abs().sum(-1), swap=swap, reduction=red), [a, po, ne])
    check(lambda m, x, y, z: F(m).triplet_margin_with_distance_loss(x, y, z, reduction=red), [a, po, ne])


def test_triplet_errors():
    check_error(lambda m, x, y, z: F(m).triplet_margin_loss(x, y, z), [rand(3, 5), rand(3, 5), rand(3)],
                match='anchor 2D, positive 2D, and negative 1D inputs')
    check_error(lambda m, x, y, z: F(m).triplet_margin_loss(x, y, z), [rand(3, 5), rand(3, 5), rand(2, 5)])
    with pytest.raises(ValueError, match='expected margin to be greater than 0'):
        ember.nn.TripletMarginLoss(margin=0)


@pytest.mark.parametrize('red', REDS)
def test_multilabel_soft_margin(red):
    x = rand(4, 5, seed=0, low=-3, high=3, dtype=np.float64)
    y = (rand(4, 5, seed=1, low=0, high=1) > 0.5).astype(np.float64)
    w = rand(5, seed=2, low=0.2, dtype=np.float64)
    check(lambda m, a, b: F(m).multilabel_soft_margin_loss(a, b, reduction=red), [x, y])
    check(lambda m, a, b: m.nn.MultiLabelSoftMarginLoss(weight=m.tensor(w), reduction=red)(a, b), [x, y])


@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('p', [1, 2])
def test_multi_margin(red, p):
    x = rand(6, 4, seed=0, low=-2, high=2, dtype=np.float64)
    t = _idx(6, C=4)
    w = rand(4, seed=2, low=0.2, dtype=np.float64)
    check(lambda m, a: F(m).multi_margin_loss(a, m.tensor(t), p=p, margin=0.7, reduction=red), [x])
    check(lambda m, a: m.nn.MultiMarginLoss(p=p, weight=m.tensor(w), reduction=red)(a, m.tensor(t)), [x])
    check(lambda m, a: F(m).multi_margin_loss(a, m.tensor([2]), p=p, reduction=red), [x[0]])
    check(lambda m, a: F(m).multi_margin_loss(a, m.tensor(2), p=p, reduction=red), [x[0]])


def test_multi_margin_errors():
    x = rand(3, 5)
    check_error(lambda m, a: F(m).multi_margin_loss(a, m.tensor([0, 1, 2]), p=3), [x], match='only p == 1 and p == 2')
    check_error(lambda m, a: F(m).multi_margin_loss(a, m.tensor([0, 1])), [x],
                match=r'Expected target size \[3\], but got \[2\]\. Input has shape \[3, 5\]\.')
    check_error(lambda m, a: F(m).multi_margin_loss(a, m.tensor([0, 1, 7])), [x], match='target out of range')
    check_error(lambda m, a: F(m).multi_margin_loss(a, m.tensor([0., 1, 2])), [x],
                match='expected scalar type Long but found Float')
    check_error(lambda m, a: F(m).multi_margin_loss(a, m.tensor([0, 1])), [rand(2, 3, 4)],
                match=r'Expected non-empty vector or matrix with optional 0-dim batch size, but got: \[2, 3, 4\]')


@pytest.mark.parametrize('red', REDS)
def test_multilabel_margin(red):
    x = rand(3, 4, seed=0, dtype=np.float64)
    t = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [-1, 1, 0, 0]], np.int64)
    check(lambda m, a: F(m).multilabel_margin_loss(a, m.tensor(t), reduction=red), [x])
    check(lambda m, a: m.nn.MultiLabelMarginLoss(reduction=red)(a, m.tensor(t[0])), [x[0]])


# ------------------------------------------------------------------ gradcheck (float64)
def _gc_inputs():
    r = np.random.default_rng(5)
    x = r.uniform(-2, 2, (3, 4))
    y = r.uniform(-2, 2, (3, 4))
    p = r.uniform(0.1, 0.9, (3, 4))
    q = r.uniform(0.1, 0.9, (3, 4))
    return x, y, p, q


_T = ember.tensor
_GC = {
    'mse_loss': lambda x, y, p, q: (lambda a, b: F(ember).mse_loss(a, b), [x, y]),
    'l1_loss': lambda x, y, p, q: (lambda a, b: F(ember).l1_loss(a, b, reduction='sum'), [x, y]),
    'smooth_l1_loss': lambda x, y, p, q: (lambda a, b: F(ember).smooth_l1_loss(a, b, beta=0.5), [x, y]),
    'huber_loss': lambda x, y, p, q: (lambda a, b: F(ember).huber_loss(a, b, reduction='none', delta=0.7), [x, y]),
    'cross_entropy': lambda x, y, p, q: (lambda a: F(ember).cross_entropy(
        a, _T([0, 3, -100]), weight=_T([1., 2., .5, 1.]).double(), label_smoothing=0.1), [x]),
    'cross_entropy_prob': lambda x, y, p, q: (lambda a, b: F(ember).cross_entropy(a, b), [x, p]),
    'nll_loss': lambda x, y, p, q: (lambda a: F(ember).nll_loss(a, _T([0, 3, 1]), reduction='none'), [x]),
    'binary_cross_entropy': lambda x, y, p, q: (lambda a, b: F(ember).binary_cross_entropy(a, b), [p, q]),
    'bce_with_logits': lambda x, y, p, q: (lambda a, b: F(ember).binary_cross_entropy_with_logits(
        a, b, pos_weight=_T([1., 2., .5, 3.]).double()), [x, q]),
    'kl_div': lambda x, y, p, q: (lambda a, b: F(ember).kl_div(a, b, reduction='batchmean'), [x, p]),
    'poisson_nll_loss': lambda x, y, p, q: (lambda a, b: F(ember).poisson_nll_loss(a, b, log_input=False), [p, q]),
    'gaussian_nll_loss': lambda x, y, p, q: (lambda a, b, c: F(ember).gaussian_nll_loss(a, b, c), [x, y, p]),
    'cosine_embedding_loss': lambda x, y, p, q: (lambda a, b: F(ember).cosine_embedding_loss(
        a, b, _T([1., -1., -1.]).double(), margin=-0.5), [x, y]),
    'margin_ranking_loss': lambda x, y, p, q: (lambda a, b: F(ember).margin_ranking_loss(
        a, b, _T(np.sign(y)), margin=0.1), [x, y]),
    'hinge_embedding_loss': lambda x, y, p, q: (lambda a: F(ember).hinge_embedding_loss(a, _T(np.sign(y))), [x]),
    'soft_margin_loss': lambda x, y, p, q: (lambda a: F(ember).soft_margin_loss(a, _T(np.sign(y))), [x]),
    'triplet_margin_loss': lambda x, y, p, q: (lambda a, b, c: F(ember).triplet_margin_loss(a, b, c, margin=3.),
                                               [x, y, p]),
    'multilabel_soft_margin_loss': lambda x, y, p, q: (lambda a: F(ember).multilabel_soft_margin_loss(
        a, _T((q > 0.5).astype(np.float64))), [x]),
    'multi_margin_loss': lambda x, y, p, q: (lambda a: F(ember).multi_margin_loss(a, _T([0, 3, 1]), p=2), [x]),
    'multilabel_margin_loss': lambda x, y, p, q: (lambda a: F(ember).multilabel_margin_loss(
        a, _T([[3, 0, -1, 1], [0, 1, 2, 3], [-1, 1, 0, 0]])), [x]),
    'ctc_loss': lambda x, y, p, q: (lambda a: F(ember).ctc_loss(
        a.reshape(3, 2, 2).log_softmax(2), _T([[1], [1]]), [3, 2], [1, 1]), [x]),
    'cross_entropy_nd': lambda x, y, p, q: (lambda a: F(ember).cross_entropy(
        a.reshape(1, 3, 2, 2), _T([[[0, 2], [1, -100]]]), reduction='sum'), [x]),
}


@pytest.mark.parametrize('name', list(_GC))
def test_gradcheck(name):
    fn, inputs = _GC[name](*_gc_inputs())
    gradcheck(fn, inputs)


# ------------------------------------------------------------------ modules: repr, state_dict, attributes
_MODS = [
    ('L1Loss', {}), ('MSELoss', {'reduction': 'sum'}), ('SmoothL1Loss', {'beta': 0.5}), ('HuberLoss', {'delta': 2.0}),
    ('CrossEntropyLoss', {'weight': 'w', 'ignore_index': 3, 'label_smoothing': 0.1}), ('NLLLoss', {'weight': 'w'}),
    ('BCELoss', {'weight': 'w'}), ('BCEWithLogitsLoss', {'weight': 'w', 'pos_weight': 'w'}),
    ('BCEWithLogitsLoss', {}), ('KLDivLoss', {'log_target': True}), ('PoissonNLLLoss', {'full': True}),
    ('GaussianNLLLoss', {'full': True}), ('CosineEmbeddingLoss', {'margin': 0.2}), ('MarginRankingLoss', {}),
    ('HingeEmbeddingLoss', {}), ('SoftMarginLoss', {}), ('TripletMarginLoss', {'p': 1.0, 'swap': True}),
    ('TripletMarginWithDistanceLoss', {'margin': 2.0}),
    ('MultiLabelSoftMarginLoss', {'weight': 'w'}), ('MultiLabelMarginLoss', {}), ('MultiMarginLoss', {'p': 2}),
    ('CTCLoss', {'blank': 2, 'zero_infinity': True}),
]


@pytest.mark.parametrize('name,kw', _MODS)
def test_module_repr_state_dict_attrs(name, kw):

    def build(m):
        k = {a: (m.ones(4) if v == 'w' else v) for a, v in kw.items()}
        return getattr(m.nn, name)(**k)
    e, t = build(ember), build(torch)
    assert repr(e) == repr(t)
    esd, tsd = e.state_dict(), t.state_dict()
    assert list(esd) == list(tsd)
    for k in tsd:
        assert tuple(esd[k].shape) == tuple(tsd[k].shape)
    for attr in ('reduction', 'ignore_index', 'blank', 'zero_infinity', 'label_smoothing', 'beta', 'delta',
                 'margin', 'p', 'swap', 'eps',
                 'full', 'log_input', 'log_target'):
        if hasattr(t, attr):
            assert getattr(e, attr) == getattr(t, attr), attr
    assert list(dict(e.named_buffers())) == list(dict(t.named_buffers()))


def test_modules_train_eval_same():
    x, y = rand(4, 3, seed=0), rand(4, 3, seed=1)
    for mode in ('train', 'eval'):
        check(lambda m, a, b: getattr(m.nn.SmoothL1Loss(), mode)()(a, b), [x, y])


def test_weight_moves_with_to():
    e = ember.nn.CrossEntropyLoss(weight=ember.ones(3)).double()
    assert e.weight.dtype == ember.float64


@pytest.mark.parametrize('fn', [
    lambda m, x, y, w: F(m).binary_cross_entropy_with_logits(x, y, w),
    lambda m, x, y, w: F(m).binary_cross_entropy_with_logits(x, y, pos_weight=w),
    lambda m, x, y, w: F(m).binary_cross_entropy(x.sigmoid(), y, w),
    lambda m, x, y, w: F(m).cross_entropy(x, m.tensor([0, 1, 2]), w),
    lambda m, x, y, w: F(m).cross_entropy(x, m.tensor([0, 1, 2]), w, label_smoothing=0.2),
    lambda m, x, y, w: F(m).nll_loss(x, m.tensor([0, 1, 2]), w),
    lambda m, x, y, w: F(m).multi_margin_loss(x, m.tensor([0, 1, 2]), weight=w),
    lambda m, x, y, w: F(m).soft_margin_loss(x, y.requires_grad_()),
])
def test_non_differentiable_arguments(fn):
    x, y, w = rand(3, 4, seed=0), rand(3, 4, seed=1, low=0), rand(4, seed=2, low=0.1)
    check_error(lambda m, a, b, c: fn(m, a.requires_grad_(), b, c.requires_grad_()), [x, y, w],
                match='is not differentiable with respect to argument')


def test_weight_grads_where_torch_differentiates():
    x, p, w = rand(3, 4, seed=0), rand(3, 4, seed=1, low=0), rand(4, seed=2, low=0.1)
    check(lambda m, a, b, c: F(m).cross_entropy(a, b, c), [x, p, w])
    check(lambda m, a, b, c: F(m).multilabel_soft_margin_loss(a, b, c), [x, p, w])


# ------------------------------------------------------------------ CTC
@pytest.mark.parametrize('red', REDS)
@pytest.mark.parametrize('dt', FLOATS)
@pytest.mark.parametrize('zero_infinity', [False, True])
def test_ctc_loss(red, dt, zero_infinity):
    rng = np.random.default_rng(0)
    T, N, C = 12, 4, 5
    x = rng.standard_normal((T, N, C)).astype(dt)
    tg = rng.integers(1, C, (N, 5))
    tg[1, 1] = tg[1, 0]          # a repeated label needs a blank in between
    il, tl = [12, 10, 7, 12], [4, 2, 3, 0]
    check(lambda m, a: F(m).ctc_loss(a.log_softmax(2), m.tensor(tg), il, tl, reduction=red,
                                     zero_infinity=zero_infinity), [x])
    # log-probs as the leaf (torch's kernel gradient), lengths as tensors, concatenated targets
    flat = np.concatenate([tg[i, :tl[i]] for i in range(N)])
    lp = torch.tensor(x).log_softmax(2).numpy()
    check(lambda m, a: m.nn.CTCLoss(reduction=red, zero_infinity=zero_infinity)(
        a, m.tensor(flat), m.tensor(il), m.tensor(tl)), [lp])
    # impossible alignment: inf loss (or 0 with zero_infinity)
    check(lambda m, a: F(m).ctc_loss(a.log_softmax(2), m.tensor([[1, 1, 1]] * N), [4] * N, [3] * N,
                                     reduction=red, zero_infinity=zero_infinity), [x], grad=zero_infinity)


def test_ctc_unbatched_blank_and_errors():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 4))
    check(lambda m, a: F(m).ctc_loss(a.log_softmax(1), m.tensor([0, 1, 1]), m.tensor(6), m.tensor(3), blank=3,
                                     reduction='none'), [x])
    x3 = rng.standard_normal((5, 2, 4)).astype(np.float32)
    tg = np.array([[1, 2], [3, 3]])
    check_error(lambda m, a: F(m).ctc_loss(a, m.tensor(tg), [6, 4], [2, 2]), [x3],
                match='Expected input_lengths to have value at most 5, but got value 6')
    check_error(lambda m, a: F(m).ctc_loss(a, m.tensor(tg), [5, 4], [3, 2]), [x3],
                match='Expected tensor to have size at least 3 at dimension 1')
    check_error(lambda m, a: F(m).ctc_loss(a, m.tensor(tg), [5], [2, 2]), [x3],
                match='input_lengths must be of size batch_size')
    check_error(lambda m, a: F(m).ctc_loss(a[0, 0], m.tensor([1]), [5], [1]), [x3],
                match='Expected 3-dimensional tensor, but got 2-dimensional tensor')


def test_cross_entropy_more_shapes():
    x = rand(5, seed=0, dtype=np.float64)
    for red in REDS:
        check(lambda m, a: F(m).cross_entropy(a, m.tensor(1), label_smoothing=0.3, reduction=red,
                                              weight=m.arange(1., 6.).double()), [x])
    x4 = rand(2, 3, 2, 2, seed=1, dtype=np.float64)
    p4 = rand(2, 3, 2, 2, seed=2, low=0, dtype=np.float64)
    w = rand(3, seed=3, low=0.2, dtype=np.float64)
    for red in REDS:
        check(lambda m, a, b: F(m).cross_entropy(a, b, weight=m.tensor(w), reduction=red), [x4, p4])
    check_error(lambda m, a, b: F(m).cross_entropy(a, b, ignore_index=1), [x4, p4],
                match='ignore_index is not supported for floating point target')
