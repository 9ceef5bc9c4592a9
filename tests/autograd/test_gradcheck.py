"""gradcheck / gradgradcheck: pass on correct backward, fail on a wrong one (like torch)."""
import numpy as np
import pytest
import torch

import ember
from _both import arr


def _fns(m, wrong=False, wrong_double=False):
    k = 3.0 if wrong else 2.0

    class Sq(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            if wrong_double:  # right value, but computed off the graph: second order is wrong
                return g * m.tensor((2 * x).detach().numpy())
            return g * k * x
    return Sq


def _x(m, *shape, seed=0, dtype='float64'):
    return m.tensor(arr(seed, *shape, dtype=dtype), requires_grad=True)


@pytest.mark.parametrize('m', [torch, ember], ids=['torch', 'ember'])
def test_gradcheck_pass_and_fail(m):
    x = _x(m, 3, 2)
    assert m.autograd.gradcheck(_fns(m).apply, (x,))
    assert m.autograd.gradcheck(lambda a, b: a * b / (b * b + 1), (x, _x(m, 2, seed=1)))
    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
        m.autograd.gradcheck(_fns(m, wrong=True).apply, (x,))
    import sys
    err = sys.modules[m.__name__ + '.autograd.gradcheck'].GradcheckError
    with pytest.raises(err):
        m.autograd.gradcheck(_fns(m, wrong=True).apply, (x,))
    assert m.autograd.gradcheck(_fns(m, wrong=True).apply, (x,), raise_exception=False) is False


@pytest.mark.parametrize('m', [torch, ember], ids=['torch', 'ember'])
def test_gradcheck_tolerances(m):
    x = _x(m, 4)
    # a backward off by 1e-4 relative: fails by default, passes with loose rtol / atol
    class Off(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2.0002
    assert not m.autograd.gradcheck(Off.apply, (x,), raise_exception=False, rtol=1e-6, atol=1e-6)
    assert m.autograd.gradcheck(Off.apply, (x,), rtol=1e-3, atol=0)
    assert m.autograd.gradcheck(Off.apply, (x,), rtol=0, atol=1e-3)
    assert m.autograd.gradcheck(lambda a: a * a, (x,), eps=1e-3)


@pytest.mark.parametrize('m', [torch, ember], ids=['torch', 'ember'])
def test_gradgradcheck_pass_and_fail(m):
    x = _x(m, 3)
    assert m.autograd.gradgradcheck(_fns(m).apply, (x,))
    assert m.autograd.gradgradcheck(lambda a, b: a * a * b / (b + 3), (x, _x(m, 3, seed=2)))
    assert m.autograd.gradgradcheck(lambda a: a * a * a, (x,), gen_non_contig_grad_outputs=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        m.autograd.gradgradcheck(_fns(m, wrong_double=True).apply, (x,))
    assert m.autograd.gradgradcheck(_fns(m, wrong_double=True).apply, (x,), raise_exception=False) is False


@pytest.mark.parametrize('m', [torch, ember], ids=['torch', 'ember'])
def test_gradcheck_noncontiguous_and_multi_output(m):
    base = m.tensor(arr(0, 4, 3, dtype='float64'))
    xt = base.t().requires_grad_()         # non-contiguous leaf
    xs = m.tensor(arr(1, 3, 4, dtype='float64')).permute(1, 0).requires_grad_()
    assert not xt.is_contiguous() and not xs.is_contiguous()
    assert m.autograd.gradcheck(lambda a, b: (a.t() * b, (a.t() - b).sum(0)), (xt, xs))
    z = m.tensor(arr(0, 3, dtype='float64'), requires_grad=True)
    assert m.autograd.gradcheck(lambda a: (a * 2).sum(), (z,))          # 0-d output
    assert m.autograd.gradcheck(lambda a: a.reshape(0, 3) * 2, (m.zeros(0, 3, dtype=m.float64,
                                                                        requires_grad=True),))


@pytest.mark.parametrize('m', [torch, ember], ids=['torch', 'ember'])
def test_gradcheck_errors(m):
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        m.autograd.gradcheck(lambda a: a * 2, (m.ones(2, dtype=m.float64),))
    e = m.ones(3, dtype=m.float64).expand(2, 3).requires_grad_()
    with pytest.raises(RuntimeError, match="has a dimension with stride 0"):
        m.autograd.gradcheck(lambda a: a * 2, (e,))


def test_gradcheck_float32_warns():
    x = ember.tensor(arr(0, 3), requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        ember.autograd.gradcheck(lambda a: a * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)


def test_gradcheck_unsupported_flags():
    x = _x(ember, 3)
    with pytest.raises(NotImplementedError):
        ember.autograd.gradcheck(lambda a: a * 2, (x,), check_forward_ad=True)
    with pytest.raises(NotImplementedError):
        ember.autograd.gradcheck(lambda a: a * 2, (x,), check_batched_grad=True)


def test_gradcheck_error_is_runtime_error():
    assert issubclass(ember.autograd.GradcheckError, RuntimeError)
