"""autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp) against torch."""
import pytest

import ember
from _both import both, both_raise, arr, T


def F(m, name):
    import importlib
    return getattr(importlib.import_module(m.__name__ + '.autograd.functional'), name)


def f1(x):
    return x * x * x - x / (x * x + 1)


def f2(x, w):
    return (x * w * x).sum(0), (x - w) * 2


def scal(x, w):
    return (x * x * w * w * w).sum() + (x / (w * w + 2)).sum()


X = arr(0, 3, 2, dtype='float64')
W = arr(1, 3, 2, dtype='float64')
V1 = arr(2, 3, 2, dtype='float64')


@pytest.mark.parametrize('create_graph', [False, True])
def test_vjp_jvp(create_graph):
    def prog(m):
        x, w, v = T(m, X), T(m, W), T(m, V1)
        out1, g1 = F(m, 'vjp')(f1, x, v, create_graph=create_graph)
        out2, g2 = F(m, 'vjp')(f2, (x, w), (T(m, arr(3, 2, dtype='float64')), v), create_graph=create_graph)
        out3, g3 = F(m, 'jvp')(f1, x, v, create_graph=create_graph)
        out4, g4 = F(m, 'jvp')(f2, (x, w), (v, v), create_graph=create_graph)
        out5, g5 = F(m, 'vjp')(lambda a: (a * a).sum(), x)
        return out1, g1, out2, g2, out3, g3, out4, g4, out5, g5, g1.requires_grad
    both(prog, rtol=1e-10, atol=1e-10)


def test_jacobian_hessian():
    def prog(m):
        x, w = T(m, X), T(m, W)
        j1 = F(m, 'jacobian')(f1, x)
        j2 = F(m, 'jacobian')(f2, (x, w))
        j3 = F(m, 'jacobian')(lambda a: (a * 2).sum(), T(m, arr(4, 3, dtype='float64')))
        h1 = F(m, 'hessian')(lambda a: (a * a * a).sum(), x)
        h2 = F(m, 'hessian')(scal, (x, w))
        return j1, j2, j3, h1, h2
    both(prog, rtol=1e-10, atol=1e-10)


def test_jacobian_create_graph_and_unused():
    def prog(m):
        x, w = T(m, X), T(m, W)
        j = F(m, 'jacobian')(lambda a, b: a * 2, (x, w))
        x2 = T(m, X, True)
        jc = F(m, 'jacobian')(f1, x2, create_graph=True)
        (g,) = m.autograd.grad(jc.sum(), x2)
        return j, g, jc.requires_grad
    both(prog, rtol=1e-10, atol=1e-10)


def test_vhp_hvp():
    def prog(m):
        x, w, v = T(m, X), T(m, W), T(m, V1)
        a = F(m, 'vhp')(scal, (x, w), (v, v))
        b = F(m, 'hvp')(scal, (x, w), (v, v))
        c = F(m, 'hvp')(lambda t: (t * t * t).sum(), x, v)
        return a, b, c
    both(prog, rtol=1e-10, atol=1e-10)


def test_functional_errors():
    both_raise(lambda m: F(m, 'vjp')(f1, T(m, X)), RuntimeError, "The vector v can only be None")
    both_raise(lambda m: F(m, 'vjp')(f1, T(m, X), T(m, arr(0, 2))), RuntimeError, "v has invalid size")
    both_raise(lambda m: F(m, 'jacobian')(lambda a: 3.0, T(m, X)), TypeError)
    both_raise(lambda m: F(m, 'hessian')(f1, T(m, X)), RuntimeError,
               "should contain a single element")
    both_raise(lambda m: F(m, 'vjp')(lambda a, b: a * 2, (T(m, X), T(m, W)), T(m, V1), strict=True),
               RuntimeError, "independent of input 1")
