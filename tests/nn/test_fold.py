"""F.unfold / F.fold and nn.Unfold / nn.Fold vs torch."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error, gradcheck, rand

UNFOLD_CASES = [
    ((2, 3, 6, 5), dict(kernel_size=2)),
    ((1, 2, 7, 8), dict(kernel_size=(3, 2), stride=(2, 1), padding=1, dilation=(1, 2))),
    ((2, 1, 5, 5), dict(kernel_size=5)),
    ((3, 6, 6), dict(kernel_size=3, padding=1)),                       # unbatched
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('xs,kw', UNFOLD_CASES)
def test_unfold(xs, kw, dtype):
    e, t = check(lambda m, x: m.nn.functional.unfold(x, **kw), [rand(*xs, dtype=dtype, seed=0)])
    assert e.grad_fn.name() == t.grad_fn.name()


FOLD_CASES = [
    ((2, 12, 20), dict(output_size=(5, 6), kernel_size=2)),
    ((1, 12, 32), dict(output_size=(7, 8), kernel_size=(3, 2), stride=(2, 1), padding=1, dilation=(1, 2))),
    ((8, 4), dict(output_size=3, kernel_size=2)),                       # unbatched
    ((2, 4, 16), dict(output_size=(8, 8), kernel_size=2, stride=2)),     # non-overlapping tiles
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('xs,kw', FOLD_CASES)
def test_fold(xs, kw, dtype):
    e, t = check(lambda m, x: m.nn.functional.fold(x, **kw), [rand(*xs, dtype=dtype, seed=1)])
    assert e.grad_fn.name() == t.grad_fn.name()


def test_fold_unfold_round_trip():
    """fold(unfold(x)) = x * (number of windows covering each pixel), as in torch's docs."""
    x = rand(2, 3, 7, 6, dtype=np.float64, seed=2)
    kw = dict(kernel_size=(3, 2), padding=1, stride=1)

    def f(m, x):
        F = m.nn.functional
        return F.fold(F.unfold(x, **kw), (7, 6), **kw)
    e, t = check(f, [x])
    ones = ember.ones(2, 3, 7, 6, dtype=ember.float64)
    div = ember.nn.functional.fold(ember.nn.functional.unfold(ones, **kw), (7, 6), **kw)
    np.testing.assert_allclose((e / div).detach().numpy(), x, rtol=1e-12)
    # non-overlapping: exact inverse
    x = rand(2, 3, 8, 6, dtype=np.float64, seed=3)
    cols = ember.nn.functional.unfold(ember.tensor(x), 2, stride=2)
    np.testing.assert_array_equal(ember.nn.functional.fold(cols, (8, 6), 2, stride=2).numpy(), x)


def test_unfold_matches_conv():
    """conv2d == weight @ unfold(x), the im2col identity."""
    rng = np.random.default_rng(4)
    x = rand(2, 3, 6, 7, dtype=np.float64, rng=rng)
    w = rand(4, 3, 3, 2, dtype=np.float64, rng=rng)
    X, W = ember.tensor(x), ember.tensor(w)
    cols = ember.nn.functional.unfold(X, (3, 2), padding=1, stride=2)
    y = (W.reshape(4, -1) @ cols).reshape(2, 4, 3, 4)
    np.testing.assert_allclose(y.numpy(), ember.nn.functional.conv2d(X, W, padding=1, stride=2).numpy(),
                               rtol=1e-12, atol=1e-12)


def test_fold_unfold_gradcheck():
    gradcheck(lambda x: ember.nn.functional.unfold(x, (2, 3), padding=1, stride=(1, 2), dilation=(2, 1)),
              [rand(1, 2, 5, 6, seed=5)])
    gradcheck(lambda x: ember.nn.functional.fold(x, (4, 5), 2, padding=1), [rand(2, 8, 30, seed=6)])
    x = ember.tensor(rand(1, 1, 4, 4, dtype=np.float64, seed=7), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x: ember.nn.functional.unfold(x, 2) ** 2, (x,))


def test_fold_modules():
    for em, tm, xs in [(ember.nn.Unfold(2, padding=1), torch.nn.Unfold(2, padding=1), (2, 3, 4, 5)),
                       (ember.nn.Unfold((2, 3), dilation=2, stride=(1, 2)),
                        torch.nn.Unfold((2, 3), dilation=2, stride=(1, 2)), (1, 2, 6, 7)),
                       (ember.nn.Fold((4, 5), 2), torch.nn.Fold((4, 5), 2), (2, 12, 12)),
                       (ember.nn.Fold(6, (2, 3), stride=2, padding=1), torch.nn.Fold(6, (2, 3), stride=2, padding=1),
                        (1, 6, 12))]:
        assert repr(em) == repr(tm)
        assert em.state_dict().keys() == tm.state_dict().keys()
        check(lambda m, x: (em if m is ember else tm)(x), [rand(*xs, seed=8)])


def test_fold_errors():
    check_error(lambda m, x: m.nn.functional.unfold(x, 4), [rand(1, 3, 3, 3)],
                match=r"Given input with spatial size \(3, 3\), kernel_size=\(4, 4\), dilation=\(1, 1\), "
                      r"padding=\(0, 0\), calculated shape of the array of sliding blocks as \(0, 0\), but its "
                      r"components must be at least one.")
    check_error(lambda m, x: m.nn.functional.unfold(x, 2), [rand(3, 3)])
    check_error(lambda m, x: m.nn.functional.fold(x, (3, 3), 2), [rand(1, 12, 5)],
                match=r"Given output_size=\(3, 3\), kernel_size=\(2, 2\), dilation=\(1, 1\), padding=\(0, 0\), "
                      r"stride=\(1, 1\), expected size of input's dimension 2 to match the calculated number of "
                      r"sliding blocks 2 \* 2 = 4, but got input.size\(2\)=5.")
    check_error(lambda m, x: m.nn.functional.fold(x, (3, 3), 2), [rand(1, 11, 4)],
                match=r"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                      r"got input.size\(1\)=11 and kernel_size=\(2, 2\)")
    check_error(lambda m, x: m.nn.functional.unfold(x, 2, stride=0), [rand(1, 3, 3, 3)])
    check_error(lambda m, x: m.nn.functional.fold(x, (3, 3), 2, dilation=0), [rand(1, 12, 4)])
