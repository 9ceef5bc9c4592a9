"""Casts and copies (ops/convert.py): to(dtype), float()/double()/half(), clone, contiguous."""
import numpy as np
import pytest

import ember
from oracle import check, check_error, gradcheck, rand
from _both import both, arr, T

CASTS = [
    ('f32->f64', np.float32, lambda m, x: x.to(m.float64)),
    ('f64->f32', np.float64, lambda m, x: x.to(m.float32)),
    ('f32->f16', np.float32, lambda m, x: x.to(m.float16) * 2),
    ('f16->f32', np.float16, lambda m, x: x.float()),
    ('f32->f64 double()', np.float32, lambda m, x: x.double() * x.double()),
    ('f64->f16 half()', np.float64, lambda m, x: x.half()),
    ('dtype kw', np.float32, lambda m, x: x.to(dtype=m.float64)),
    ('type_as', np.float32, lambda m, x: x.type_as(m.zeros(1, dtype=m.float64))),
    ('same dtype', np.float32, lambda m, x: x.to(m.float32) * 1),
    ('noncontig', np.float32, lambda m, x: x.t().to(m.float64)),
    ('clone', np.float32, lambda m, x: x.clone() * 2),
    ('clone noncontig', np.float64, lambda m, x: x.t().clone()),
    ('contiguous', np.float32, lambda m, x: x.t().contiguous()),
    ('contiguous noop', np.float32, lambda m, x: x.contiguous() * 3),
    ('to copy', np.float32, lambda m, x: x.to(m.float32, copy=True)),
]


@pytest.mark.parametrize('name,dtype,fn', CASTS, ids=[c[0] for c in CASTS])
@pytest.mark.parametrize('shape', [(2, 3), (), (0, 3)], ids=['2x3', '0d', 'empty'])
def test_cast_values_grads(name, dtype, fn, shape):
    if 't()' in name or 'noncontig' in name or name == 'contiguous':
        shape = shape if len(shape) == 2 else (3, 1)
    check(fn, [rand(*shape, dtype=dtype, seed=1)])


def test_cast_grad_fn_names():
    def prog(m):
        x = T(m, arr(0, 2, 3), True)
        return [x.double().grad_fn.name(), x.clone().grad_fn.name(), x.t().contiguous().grad_fn.name(),
                x.contiguous() is x, x.to(m.float32) is x, x.to(m.float32, copy=True) is x]
    both(prog)


def test_cast_to_int_drops_grad():
    def prog(m):
        x = T(m, arr(0, 2, 3) * 5, True)
        i = x.long()
        b = x.bool()
        return [i.requires_grad, i.grad_fn is None, i.dtype == m.int64, b.requires_grad], i
    both(prog)


def test_int_to_float_no_grad():
    check(lambda m, x: x.float() * 2, [rand(2, 3, dtype=np.int64, seed=2)])


def test_grad_dtype_follows_input_chain():
    def prog(m):
        x = T(m, arr(0, 3), True)
        y = (x.double() * 3).half().float().sum()
        y.backward()
        return x.grad, y
    both(prog, rtol=1e-3, atol=1e-3)


def test_cast_double_backward():
    def prog(m):
        x = T(m, arr(0, 3, dtype='float64'), True)
        y = x.float()
        z = (y * y * y).double().sum()
        (g,) = m.autograd.grad(z, x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        return g, gg
    both(prog, rtol=1e-5, atol=1e-5)


def test_clone_is_a_copy():
    def prog(m):
        x = T(m, arr(0, 3))
        c = x.clone()
        c.add_(1)
        return x, c
    both(prog)


def test_bad_dtype_error():
    check_error(lambda m, x: x.to('notadtype'), [rand(3)])


@pytest.mark.parametrize('fn', [lambda x: x.float().double(), lambda x: x.t().clone() * x.t(),
                                lambda x: x.t().contiguous() * 2], ids=['cast', 'clone', 'contig'])
def test_gradcheck_convert(fn):
    gradcheck(fn, [rand(2, 3, dtype=np.float64, seed=3)], atol=1e-4, rtol=1e-3, eps=1e-4)


def test_clone_memory_format():
    def prog(m):
        x = T(m, arr(0, 3, 2)).t()
        a = x.clone()
        b = x.clone(memory_format=m.contiguous_format) if hasattr(m, 'contiguous_format') else x.contiguous()
        return a.is_contiguous(), b.is_contiguous(), a.stride(), b.stride(), a, b
    both(prog)


# ---------------------------------------------------------------- copy_
@pytest.mark.parametrize('dst_shape,src_shape', [((2, 3), (3,)), ((2, 3), (2, 3)), ((), ()), ((4,), (1,)),
                                                 ((0, 3), (3,))])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_copy_values_and_grad(dst_shape, src_shape, dtype):
    from oracle import check, rand
    check(lambda m, d, s: (d * 1).copy_(s), [rand(*dst_shape, dtype=dtype, seed=1), rand(*src_shape, dtype=dtype, seed=2)])


def test_copy_casts_and_shares_memory():
    import torch
    for m in (ember, torch):
        x = m.zeros(3, dtype=m.int64)
        v = x[1:]
        v.copy_(m.tensor([1.7, -2.2]))
        assert x.tolist() == [0, 1, -2]


def test_copy_errors_and_leaf():
    from oracle import check_error, rand
    check_error(lambda m, d, s: d.copy_(s), [rand(3), rand(4)])
    check_error(lambda m, d, s: d.copy_(s), [rand(3), rand(2, 3)])
    check_error(lambda m, d: d.requires_grad_().copy_(m.ones(3)), [rand(3)])
    check_error(lambda m, d: d.copy_([1, 2, 3]), [rand(3)])
    x = ember.ones(3, requires_grad=True)
    with ember.no_grad():
        x.copy_(ember.zeros(3))
    assert x.tolist() == [0, 0, 0]
