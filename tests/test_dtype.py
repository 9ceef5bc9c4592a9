"""dtypes and type promotion vs torch: promote_types, result_type, can_cast, binary ops,
default dtype, finfo/iinfo, dtype attributes."""
import itertools
import pickle

import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error

NAMES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'bfloat16',
         'float32', 'float64', 'complex64', 'complex128']
PAIRS = list(itertools.product(NAMES, NAMES))


def tname(d):
    """torch dtype -> ember name (ember has no complex32: it maps to complex64)."""
    n = str(d).split('.')[-1]
    return 'complex64' if n == 'complex32' else n


def T(n):
    return getattr(torch, n)


def E(n):
    return getattr(ember, n)


@pytest.fixture
def default_float64():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


# ------------------------------------------------------------------ promotion tables
@pytest.mark.parametrize('a,b', PAIRS)
def test_promote_types_and_can_cast(a, b):
    assert ember.promote_types(E(a), E(b)) is E(tname(torch.promote_types(T(a), T(b))))
    assert ember.can_cast(E(a), E(b)) == torch.can_cast(T(a), T(b))


SHAPES = [(2,), (), (0,)]


@pytest.mark.parametrize('a', NAMES)
def test_result_type_tensor_tensor(a):
    for b in NAMES:
        for sa, sb in itertools.product(SHAPES, SHAPES):
            ta, tb = torch.zeros(sa, dtype=T(a)), torch.zeros(sb, dtype=T(b))
            ea, eb = ember.zeros(sa, dtype=E(a)), ember.zeros(sb, dtype=E(b))
            want = E(tname(torch.result_type(ta, tb)))
            assert ember.result_type(ea, eb) is want, (a, b, sa, sb)
            assert ember._dtype.binary_result_dtype(ea, eb) is want, (a, b, sa, sb)


SCALARS = [True, False, 3, -7, 2.5, 1 + 2j, np.float64(1.5), np.int32(2), np.int64(3),
           np.float32(1.5), np.bool_(True), np.float16(1), np.complex128(1 + 1j), np.uint8(4)]


@pytest.mark.parametrize('a', NAMES)
def test_result_type_tensor_scalar(a):
    for s in SCALARS:
        for sa in SHAPES:
            ta, ea = torch.zeros(sa, dtype=T(a)), ember.zeros(sa, dtype=E(a))
            want = E(tname(torch.result_type(ta, s)))
            assert ember.result_type(ea, s) is want, (a, s, sa)
            assert ember._dtype.binary_result_dtype(ea, s) is want, (a, s, sa)
            assert ember._dtype.binary_result_dtype(s, ea) is want, (a, s, sa)


@pytest.mark.parametrize('a', NAMES)
def test_binary_add_result_dtype(a):
    # the result dtype of a real binary op agrees with torch for every pair (incl. 0-d)
    for b in NAMES:
        if 'bool' == a == b:
            continue
        for sa, sb in [((2,), (2,)), ((), (2,)), ((2,), ())]:
            t = torch.zeros(sa, dtype=T(a)) + torch.zeros(sb, dtype=T(b))
            e = ember.zeros(sa, dtype=E(a)) + ember.zeros(sb, dtype=E(b))
            assert e.dtype is E(tname(t.dtype)) and tuple(e.shape) == tuple(t.shape), (a, b, sa, sb)


@pytest.mark.parametrize('s', [True, 2, 2.5, 1 + 1j, np.float32(2), np.int32(3)])
@pytest.mark.parametrize('a', ['bool', 'uint8', 'int32', 'float16', 'float32', 'float64', 'complex64'])
def test_binary_mul_scalar_values(a, s):
    if a == 'float16' and isinstance(s, complex):
        return  # torch gives complex32, which ember maps to complex64 (NumPy has no complex32)
    x = np.arange(-1, 3).astype(np.dtype(a) if a != 'bool' else bool)
    check(lambda m, x: x * s, [x], grad=False)
    check(lambda m, x: s * x, [x], grad=False)


def test_result_type_multi():
    tt = [torch.zeros(2, dtype=torch.int8), torch.zeros((), dtype=torch.float64), 2]
    ee = [ember.zeros(2, dtype=ember.int8), ember.zeros((), dtype=ember.float64), 2]
    assert ember.result_type(*ee[:2]) is E(tname(torch.result_type(*tt[:2])))
    assert ember.result_type(ee[0], 2.5) is E(tname(torch.result_type(tt[0], 2.5)))


# ------------------------------------------------------------------ default dtype
def test_default_dtype_is_float32():
    assert ember.get_default_dtype() is ember.float32
    assert ember.tensor([1.5]).dtype is ember.float32
    assert ember.tensor(1j).dtype is ember.complex64
    assert ember.Tensor([1]).dtype is ember.float32


def test_set_default_dtype_float64(default_float64):
    assert ember.get_default_dtype() is ember.float64
    for data in [[1.5], 2.0, [1, 2.0], 1j, [1, 2], True]:
        assert ember.tensor(data).dtype is E(tname(torch.tensor(data).dtype)), data
    for a in ['bool', 'int32', 'int64', 'float16', 'float32']:
        for s in [1.5, 2, 1j]:
            t = torch.ones(2, dtype=T(a)) * s
            e = ember.ones(2, dtype=E(a)) * s
            assert e.dtype is E(tname(t.dtype)), (a, s)
            assert ember.result_type(ember.ones(2, dtype=E(a)), s) is E(tname(torch.result_type(
                torch.ones(2, dtype=T(a)), s)))
    assert ember.ones(2).dtype is ember.float64
    assert ember.Tensor(2).dtype is ember.float64
    assert ember.finfo().dtype == torch.finfo().dtype
    assert (ember.tensor([0, 1, 2]) / 2).dtype is ember.float64
    assert repr(ember.ones(2, dtype=ember.float32)) == repr(torch.ones(2, dtype=torch.float32)).replace('torch.', 'ember.')


def test_set_default_dtype_errors():
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int32)
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int32)
    assert ember.get_default_dtype() is ember.float32


# ------------------------------------------------------------------ finfo / iinfo
@pytest.mark.parametrize('n', ['float16', 'bfloat16', 'float32', 'float64', 'complex64', 'complex128'])
def test_finfo(n):
    t, e = torch.finfo(T(n)), ember.finfo(E(n))
    for f in ['bits', 'eps', 'max', 'min', 'tiny', 'smallest_normal', 'resolution', 'dtype']:
        assert getattr(e, f) == getattr(t, f), f
        assert type(getattr(e, f)) is type(getattr(t, f)), f
    assert repr(e) == repr(t)


@pytest.mark.parametrize('n', ['uint8', 'int8', 'int16', 'int32', 'int64'])
def test_iinfo(n):
    t, e = torch.iinfo(T(n)), ember.iinfo(E(n))
    for f in ['bits', 'max', 'min', 'dtype']:
        assert getattr(e, f) == getattr(t, f), f
        assert type(getattr(e, f)) is type(getattr(t, f)), f
    assert repr(e) == repr(t)


@pytest.mark.parametrize('fn,n', [('finfo', 'int32'), ('finfo', 'bool'), ('iinfo', 'float32'),
                                  ('iinfo', 'bool'), ('iinfo', 'complex64')])
def test_info_errors(fn, n):
    with pytest.raises(TypeError) as t:
        getattr(torch, fn)(T(n))
    with pytest.raises(TypeError) as e:
        getattr(ember, fn)(E(n))
    assert str(e.value) == str(t.value).replace('torch.', 'ember.')


def test_finfo_default():
    assert ember.finfo().eps == torch.finfo().eps


# ------------------------------------------------------------------ dtype objects
@pytest.mark.parametrize('n', NAMES)
def test_dtype_attributes(n):
    t, e = T(n), E(n)
    for f in ['is_floating_point', 'is_complex', 'is_signed', 'itemsize']:
        assert getattr(e, f) == getattr(t, f), f
    assert repr(e) == repr(t).replace('torch.', 'ember.')
    assert str(e) == str(t).replace('torch.', 'ember.')
    assert pickle.loads(pickle.dumps(e)) is e
    if t.is_floating_point or t.is_complex:
        assert E(tname(t.to_complex())) is e.to_complex()
    else:
        with pytest.raises(RuntimeError) as te:
            t.to_complex()
        with pytest.raises(RuntimeError) as ee:
            e.to_complex()
        assert str(te.value) == str(ee.value)
    assert E(tname(t.to_real())) is e.to_real()
    x = ember.zeros(2, dtype=e)
    assert x.is_floating_point() == torch.zeros(2, dtype=t).is_floating_point()
    assert x.is_complex() == torch.zeros(2, dtype=t).is_complex()
    assert x.is_signed() == torch.zeros(2, dtype=t).is_signed()
    assert x.element_size() == torch.zeros(2, dtype=t).element_size()
    assert x.dtype is e


ALIASES = ['float', 'double', 'half', 'long', 'int', 'short', 'cfloat', 'cdouble', 'bool']


@pytest.mark.parametrize('a', ALIASES)
def test_dtype_aliases(a):
    assert getattr(ember, a) is E(tname(getattr(torch, a)))


def test_dtype_identity_and_hash():
    assert ember.float is ember.float32
    assert ember.long is ember.int64
    assert ember.float32 == ember.float32 and ember.float32 != ember.float64
    assert {ember.float32: 1}[ember.float] == 1
    assert isinstance(ember.float32, ember.dtype)


@pytest.mark.parametrize('src', [np.float32, np.float64, np.int64, np.bool_, np.int8, np.complex64])
def test_from_numpy_dtype(src):
    a = np.zeros(3, dtype=src)
    assert ember.from_numpy(a).dtype is E(tname(torch.from_numpy(a).dtype))


def test_numpy_dtype_errors():
    with pytest.raises(TypeError):
        ember._dtype.from_numpy_dtype(np.dtype('U3'))
    with pytest.raises(TypeError):
        ember._dtype.as_dtype('notadtype')
    assert ember._dtype.as_dtype(np.float32) is ember.float32
    assert ember._dtype.as_dtype(float) is ember.float64
    assert ember._dtype.as_dtype('torch.int64') is ember.int64


def test_non_native_byte_order():
    check_error(lambda m: m.from_numpy(np.zeros(2, dtype='>f4')), [])
    check_error(lambda m: m.tensor(np.zeros(2, dtype='>i8')), [])
