"""Smoke tests of the core contract against torch (more thorough suites live beside)."""
import numpy as np
import pytest

import ember
from oracle import check, check_error, gradcheck, rand


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_binary_arith_broadcast(dtype):
    a, b = rand(2, 3, dtype=dtype, seed=1), rand(3, dtype=dtype, seed=2)
    check(lambda m, x, y: (x + y) * y - x / (y + 3), [a, b])


def test_seed_autograd_example():
    x = ember.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 2), 4.5))
    assert repr(out) == "tensor(27., grad_fn=<MeanBackward0>)"


def test_gradcheck_mul_div():
    gradcheck(lambda x, y: x * y / (y * y + 1), [rand(3, 4, seed=1), rand(4, seed=2)])


def test_broadcast_error_type():
    check_error(lambda m, x, y: x + y, [rand(2, 3), rand(4)])


def test_inplace_on_leaf_error():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.add_(1)


def test_backward_twice_error():
    x = ember.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_deep_chain_no_recursion():
    x = ember.ones(1, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1
    y.sum().backward()
    assert x.grad.item() == 1.0
