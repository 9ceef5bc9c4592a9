"""Creation functions against torch: values, dtypes, shapes, errors, memory sharing, grads."""
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error, gradcheck, rand


def same(fn, **kw):
    """Values, dtype and shape of fn(ember) equal fn(torch) (no gradients)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return check(fn, [], grad=False, **kw)


# ----------------------------------------------------------------------------- tensor()
TENSOR_DATA = [
    3.5, 3, True, 1j, [True, 1, 2.5], [[1, 2], [3, 4j]], [True, False], [[1, 2], [3, 4]], (1, 2.0),
    [], [[]], [[], []], np.float32(2), np.int32(2), np.float64(2), np.bool_(True), [np.float32(2), 3],
    [np.int16(2), 3], [np.float64(2)], [np.int32(1), np.int32(2)], [[1.5, 2], [3, 4]], [2 ** 40],
    np.arange(6, dtype=np.int16).reshape(2, 3), np.zeros((2, 0), np.float64), np.array([1, 0], bool),
    [np.array([1, 2], np.int8), np.array([3, 4], np.int8)], [-1.5, 1e30],
]


@pytest.mark.parametrize('data', TENSOR_DATA, ids=[repr(d)[:30] for d in TENSOR_DATA])
def test_tensor_infers_dtype(data):
    same(lambda m: m.tensor(data))


@pytest.mark.parametrize('dtype', ['float64', 'float16', 'int8', 'uint8', 'int32', 'bool', 'complex128'])
def test_tensor_explicit_dtype(dtype):
    same(lambda m: m.tensor([[1, 0], [2, 3]], dtype=getattr(m, dtype)))
    same(lambda m: m.tensor(np.array([1.5, -0.0]), dtype=getattr(m, dtype)))


def test_tensor_from_tensors():
    same(lambda m: m.tensor([m.tensor(1), m.tensor(2.)]))
    same(lambda m: m.tensor([m.tensor(1., dtype=m.float64), 2]))
    same(lambda m: m.tensor([m.tensor(1, dtype=m.int32), 2]))
    same(lambda m: m.tensor([[m.tensor(1), m.tensor(2)], [m.tensor(3), m.tensor(4)]]))
    same(lambda m: m.tensor(m.arange(6).reshape(2, 3).t()))


def test_tensor_copies_and_requires_grad():
    a = np.zeros(3, np.float32)
    t = ember.tensor(a)
    a[0] = 5
    assert t[0].item() == 0
    src = ember.ones(2)
    c = ember.tensor(src)
    src.add_(1)
    assert c.tolist() == [1.0, 1.0]
    r = ember.tensor([1., 2.], requires_grad=True)
    assert r.requires_grad and r.is_leaf
    assert not ember.tensor(3.5).requires_grad
    assert ember.tensor(3.5).shape == () and ember.tensor(3.5).dtype is ember.float32


@pytest.mark.parametrize('fn', [
    lambda m: m.tensor([1, 2], requires_grad=True),
    lambda m: m.tensor(3, requires_grad=True),
    lambda m: m.tensor([True], requires_grad=True),
    lambda m: m.tensor([[1, 2], [3]]),
    lambda m: m.tensor([[1, 2], 3]),
    lambda m: m.tensor([1, [2, 3]]),
    lambda m: m.tensor('a'),
    lambda m: m.tensor([1, None]),
    lambda m: m.tensor([2 ** 70]),
    lambda m: m.tensor([300], dtype=m.uint8),
    lambda m: m.tensor([1 + 2j], dtype=m.float32),
    lambda m: m.tensor([1.0], device='cuda'),
    lambda m: m.zeros(2, dtype=m.int64, requires_grad=True),
])
def test_tensor_errors(fn):
    try:
        check_error(fn, [])
    except AssertionError as e:
        # torch raises AssertionError for cuda on a CPU-only build; ember's documented error is RuntimeError
        if 'cuda' not in str(e).lower():
            raise


def test_tensor_wraps_negative_into_uint8():
    same(lambda m: m.tensor([-1, 255], dtype=m.uint8))
    same(lambda m: m.tensor([1.7, -2.7], dtype=m.int64))


def test_device_error():
    with pytest.raises(RuntimeError, match='CUDA'):
        ember.zeros(2, device='cuda')
    with pytest.raises(RuntimeError, match='CUDA'):
        ember.arange(3, device='cuda')
    assert ember.zeros(2, device='cpu').device == ember.device('cpu')


# ----------------------------------------------------------------------------- as_tensor / from_numpy
def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = ember.from_numpy(a)
    assert t.dtype is ember.float64 and t.shape == (2, 3)
    a[0, 0] = 42
    assert t[0, 0].item() == 42
    t.add_(1)
    assert a[1, 2] == 6
    v = ember.from_numpy(a[:, ::2])
    assert v.shape == (2, 2) and v.stride() == torch.from_numpy(a[:, ::2]).stride()
    check_error(lambda m: m.from_numpy([1, 2]), [])


def test_as_tensor_shares_when_possible():
    a = np.ones(3, np.float32)
    t = ember.as_tensor(a)
    a[1] = 7
    assert t[1].item() == 7
    c = ember.as_tensor(a, dtype=ember.float64)
    a[2] = 9
    assert c[2].item() == 1
    x = ember.ones(2)
    assert ember.as_tensor(x) is x
    same(lambda m: m.as_tensor([1, 2], dtype=m.float32))
    same(lambda m: m.as_tensor([[1, 2.5]]))
    same(lambda m: m.as_tensor(np.arange(3, dtype=np.int16)))


# ----------------------------------------------------------------------------- zeros/ones/empty/full
SIZES = [(2, 3), ((2, 3),), ([2, 3],), (0,), ((),), (1, 0, 2), (4,)]


@pytest.mark.parametrize('name', ['zeros', 'ones'])
@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('dtype', [None, 'float64', 'int32', 'bool', 'complex64'])
def test_zeros_ones(name, size, dtype):
    kw = {} if dtype is None else {'dtype': dtype}
    same(lambda m: getattr(m, name)(*size, **{k: getattr(m, v) for k, v in kw.items()}))


@pytest.mark.parametrize('name', ['zeros', 'ones', 'empty', 'rand', 'randn'])
def test_size_forms(name):
    for fn in (lambda m: getattr(m, name)(size=(2, 3)), lambda m: getattr(m, name)(m.Size([2, 3])),
               lambda m: getattr(m, name)(2, 3, dtype=m.float64), lambda m: getattr(m, name)(())):
        e, t = fn(ember), fn(torch)
        assert tuple(e.shape) == tuple(t.shape) and str(e.dtype)[6:] == str(t.dtype)[6:]
    for bad in (lambda m: getattr(m, name)(-1), lambda m: getattr(m, name)((2, -3)),
                lambda m: getattr(m, name)(2.0), lambda m: getattr(m, name)(2, 3, size=(2,)),
                lambda m: getattr(m, name)(2, None)):
        check_error(bad, [])


def test_requires_grad_flag():
    for fn in (lambda m: m.zeros(2, requires_grad=True), lambda m: m.ones(2, 2, requires_grad=True),
               lambda m: m.full((2,), 1.5, requires_grad=True), lambda m: m.arange(3., requires_grad=True),
               lambda m: m.linspace(0, 1, 3, requires_grad=True), lambda m: m.eye(2, requires_grad=True),
               lambda m: m.empty(2, requires_grad=True), lambda m: m.rand(2, requires_grad=True),
               lambda m: m.zeros_like(m.ones(2), requires_grad=True)):
        e, t = fn(ember), fn(torch)
        assert e.requires_grad == t.requires_grad and e.is_leaf
    check_error(lambda m: m.full((2,), 1, requires_grad=True), [])
    check_error(lambda m: m.arange(3, requires_grad=True), [])


def test_empty():
    for fn in (lambda m: m.empty(2, 3), lambda m: m.empty((0, 4), dtype=m.int16),
               lambda m: m.empty_like(m.ones(2, 3).t()), lambda m: m.empty_strided((2, 3), (1, 2)),
               lambda m: m.empty_strided((2, 3), (3, 1), dtype=m.float64)):
        e, t = fn(ember), fn(torch)
        assert e.shape == tuple(t.shape) and e.stride() == t.stride() and str(e.dtype)[6:] == str(t.dtype)[6:]
    check_error(lambda m: m.empty_strided((2, 3), (1,)), [])
    check_error(lambda m: m.empty_strided((2, 3), (1, -2)), [])


FULL_FILL = [True, 3, 3.5, 1j, -2, np.float32(1.5), np.int64(4)]


@pytest.mark.parametrize('fill', FULL_FILL, ids=repr)
@pytest.mark.parametrize('size', [(2, 3), [], (0,), [4]])
def test_full_infers_dtype(fill, size):
    same(lambda m: m.full(size, fill))


def test_full_variants():
    same(lambda m: m.full((2,), m.tensor(3)))
    same(lambda m: m.full((2,), m.tensor(3.5, dtype=m.float64)))
    same(lambda m: m.full((2,), 1.5, dtype=m.int64))
    same(lambda m: m.full((2, 2), -1, dtype=m.uint8))
    same(lambda m: m.full((3,), 2, dtype=m.float64))
    check_error(lambda m: m.full((2,), m.tensor([3])), [])
    check_error(lambda m: m.full(2, 3), [])
    check_error(lambda m: m.full((2,), 300, dtype=m.uint8), [])
    check_error(lambda m: m.full((-1,), 2), [])


@pytest.mark.parametrize('name', ['zeros_like', 'ones_like', 'full_like'])
@pytest.mark.parametrize('dtype', [None, 'float64', 'int64', 'bool'])
def test_like(name, dtype, rng):
    x = rand(3, 4, seed=1)
    extra = (2.5,) if name == 'full_like' else ()
    kw = lambda m: {} if dtype is None else {'dtype': getattr(m, dtype)}
    e, t = same(lambda m, *_: getattr(m, name)(m.tensor(x).t(), *extra, **kw(m)))
    assert e.stride() == t.stride()
    e, t = same(lambda m, *_: getattr(m, name)(m.tensor(x)[:, ::2], *extra, **kw(m)))
    assert e.stride() == t.stride()
    same(lambda m: getattr(m, name)(m.tensor(3), *extra))
    same(lambda m: getattr(m, name)(m.ones(0, 2, dtype=m.int32), *extra))


def test_like_memory_format():
    x = ember.ones(3, 4).t()
    assert ember.zeros_like(x, memory_format='contiguous_format').is_contiguous()
    assert ember.zeros_like(x).stride() == (1, 4) == torch.zeros_like(torch.ones(3, 4).t()).stride()


def test_scalar_tensor():
    for fn in (lambda m: m.scalar_tensor(3), lambda m: m.scalar_tensor(True), lambda m: m.scalar_tensor(2.5),
               lambda m: m.scalar_tensor(3, dtype=m.int64), lambda m: m.scalar_tensor(-1, dtype=m.float64)):
        same(fn)
    check_error(lambda m: m.scalar_tensor(1j), [])


# ----------------------------------------------------------------------------- ranges
ARANGE = [(5,), (0,), (1, 2.5, 0.5), (0, 1, 0.1), (5, 1, -1), (-0.5, 3), (True,), (1, 10, 3), (10, 1, -3),
          (0, 1, 0.3), (-3, 3, 0.7), (2, 2), (0, 1e-3, 1e-4), (1.0, 0, -0.25), (0, 5, 1.5), (3, -7, -2)]


@pytest.mark.parametrize('args', ARANGE, ids=repr)
def test_arange(args):
    same(lambda m: m.arange(*args))


@pytest.mark.parametrize('dtype', ['float64', 'float16', 'int32', 'int8', 'int64', 'float32', 'bfloat16', 'uint8'])
@pytest.mark.parametrize('args', [(0, 10, 3), (0, 5, 1.5), (1, 2.5, 0.5), (-3, 3, 0.7), (7,), (0.5, 5.7, 2),
                                  (-3.5, 4, 2)], ids=repr)
def test_arange_dtype(dtype, args):
    try:
        same(lambda m: m.arange(*args, dtype=getattr(m, dtype)))
    except ValueError:  # torch refuses a float step that truncates to 0 for int64
        check_error(lambda m: m.arange(*args, dtype=getattr(m, dtype)), [])


def test_arange_tensor_args_and_keywords():
    same(lambda m: m.arange(m.tensor(3)))
    same(lambda m: m.arange(m.tensor(3.)))
    same(lambda m: m.arange(m.tensor(3., dtype=m.float64)))
    same(lambda m: m.arange(np.int64(3)))
    same(lambda m: m.arange(start=1, end=4))
    same(lambda m: m.arange(end=4))
    check_error(lambda m: m.arange(0, 5, 0.5, dtype=m.int64), [])
    same(lambda m: m.arange(0, 1, step=0.25, dtype=m.float64))


@pytest.mark.parametrize('fn', [
    lambda m: m.arange(5, 1), lambda m: m.arange(1, 5, 0), lambda m: m.arange(0, -1, 0.3),
    lambda m: m.arange(float('inf')), lambda m: m.arange(10, dtype=m.bool),
    lambda m: m.arange(3, dtype=m.complex64), lambda m: m.arange(1, 0, 0.5), lambda m: m.arange(0, float('nan')),
])
def test_arange_errors(fn):
    check_error(fn, [])


@pytest.mark.parametrize('args,kw', [((0, 3), {}), ((0, 1, 0.25), {}), ((0, 3), {'dtype': 'int64'}),
                                     ((3, 0, -1), {}), ((0, 1, 0.3), {'dtype': 'float64'}), ((1, 1), {})])
def test_range(args, kw):
    same(lambda m: m.range(*args, **{k: getattr(m, v) for k, v in kw.items()}))
    with pytest.warns(UserWarning):
        ember.range(0, 1)
    check_error(lambda m: m.range(0, 3, 0), [])
    check_error(lambda m: m.range(3, 0), [])


LINSPACE = [(0, 1, 5), (0, 1, 1), (0, 1, 0), (-2.5, 7, 11), (3, -1, 4), (0, 1j, 3), (1, 1, 3), (0, 10, 2)]


@pytest.mark.parametrize('args', LINSPACE, ids=repr)
def test_linspace(args):
    same(lambda m: m.linspace(*args))
    if isinstance(args[1], complex):
        check_error(lambda m: m.linspace(*args, dtype=m.float64), [])
        same(lambda m: m.linspace(*args, dtype=m.complex128))
    else:
        same(lambda m: m.linspace(*args, dtype=m.float64))


@pytest.mark.parametrize('dtype', ['int64', 'int16', 'float16'])
def test_linspace_dtype(dtype):
    same(lambda m: m.linspace(0, 10, 5, dtype=getattr(m, dtype)))
    same(lambda m: m.linspace(-7, 9, 6, dtype=getattr(m, dtype)))
    same(lambda m: m.linspace(m.tensor(0.), m.tensor(1.), 3))
    same(lambda m: m.linspace(start=1, end=2, steps=4))


@pytest.mark.parametrize('args,kw', [((0, 2, 3), {}), ((0, 2, 3), {'base': 2}), ((0, 2, 3), {'dtype': 'int64'}),
                                     ((-1, 1, 5), {'dtype': 'float64'}), ((0, 1, 0), {}), ((2, 2, 1), {}),
                                     ((0, 3, 4), {'base': 0.5})])
def test_logspace(args, kw):
    same(lambda m: m.logspace(*args, **{k: (getattr(m, v) if k == 'dtype' else v) for k, v in kw.items()}))


@pytest.mark.parametrize('fn', [lambda m: m.linspace(0, 1, -1), lambda m: m.linspace(0, 1),
                                lambda m: m.linspace(0, 1, 3, dtype=m.bool), lambda m: m.logspace(0, 1, -2),
                                lambda m: m.linspace(0, 1, 2.5)])
def test_linspace_errors(fn):
    check_error(fn, [])


# ----------------------------------------------------------------------------- eye / tri indices
@pytest.mark.parametrize('args', [(3,), (2, 3), (3, 2), (0,), (3, 0), (1,)], ids=repr)
@pytest.mark.parametrize('dtype', [None, 'float64', 'bool', 'int32'])
def test_eye(args, dtype):
    same(lambda m: m.eye(*args, **({} if dtype is None else {'dtype': getattr(m, dtype)})))


def test_eye_errors():
    check_error(lambda m: m.eye(-1), [])
    check_error(lambda m: m.eye(2, -1), [])
    check_error(lambda m: m.eye(2.5), [])


@pytest.mark.parametrize('name', ['tril_indices', 'triu_indices'])
@pytest.mark.parametrize('args', [(3, 3), (3, 4, 1), (3, 4, -1), (4, 3, 2), (0, 3), (3, 3, 10), (3, 3, -10), (1, 1)],
                         ids=repr)
def test_tri_indices(name, args):
    same(lambda m: getattr(m, name)(*args))
    same(lambda m: getattr(m, name)(*args, dtype=m.int32))


@pytest.mark.parametrize('fn', [lambda m: m.tril_indices(-1, 3), lambda m: m.triu_indices(3, -1),
                                lambda m: m.tril_indices(3, 3, dtype=m.float32)])
def test_tri_indices_errors(fn):
    check_error(fn, [])


# ----------------------------------------------------------------------------- meshgrid
@pytest.mark.parametrize('indexing', ['ij', 'xy'])
@pytest.mark.parametrize('shapes', [[(2,), (3,)], [(2,), (3,), (4,)], [(), (3,)], [(4,)], [(0,), (2,)],
                                    [(2,), (1,), (3,)]], ids=repr)
def test_meshgrid(indexing, shapes):
    xs = [rand(*s, seed=i, dtype=np.float64 if len(shapes) == 3 else np.float32) for i, s in enumerate(shapes)]
    check(lambda m, *ts: m.meshgrid(*ts, indexing=indexing), xs)
    check(lambda m, *ts: m.meshgrid(list(ts), indexing=indexing), xs)


def test_meshgrid_default_and_gradcheck():
    xs = [rand(2, seed=1, dtype=np.float64), rand(3, seed=2, dtype=np.float64)]
    with pytest.warns(UserWarning):
        ember.meshgrid(ember.tensor(xs[0]), ember.tensor(xs[1]))
    same(lambda m: m.meshgrid(m.tensor([1, 2]), m.tensor([3, 4, 5]), indexing='xy'))
    gradcheck(lambda a, b: ember.meshgrid(a, b, indexing='xy'), xs)
    gradcheck(lambda a, b: ember.meshgrid(a, b, indexing='ij'), xs)


@pytest.mark.parametrize('fn', [
    lambda m: m.meshgrid(m.tensor([[1, 2]]), m.tensor([3, 4, 5]), indexing='ij'),
    lambda m: m.meshgrid(m.tensor([1, 2]), m.tensor([3., 4, 5]), indexing='ij'),
    lambda m: m.meshgrid(m.tensor([1, 2]), indexing='foo'),
    lambda m: m.meshgrid(),
])
def test_meshgrid_errors(fn):
    check_error(fn, [])


# ----------------------------------------------------------------------------- complex / polar
@pytest.mark.parametrize('name', ['complex', 'polar'])
@pytest.mark.parametrize('shapes', [[(3,), (3,)], [(2, 3), (3,)], [(), (4,)], [(), ()], [(0, 2), (2,)]], ids=repr)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_complex_polar(name, shapes, dtype):
    a, b = rand(*shapes[0], seed=1, dtype=dtype, low=0.1), rand(*shapes[1], seed=2, dtype=dtype)
    check(lambda m, x, y: getattr(m, name)(x, y), [a, b])
    check(lambda m, x, y: getattr(m, name)(x, y), [rand(*shapes[1], seed=3, dtype=dtype, low=0.1), b])


def test_complex_polar_noncontiguous_and_gradcheck():
    a, b = rand(3, 2, seed=1, low=0.2), rand(2, 3, seed=2)
    check(lambda m, x, y: m.complex(x.t(), y), [a, b])
    check(lambda m, x, y: m.polar(x.t(), y[:, ::1]), [a, b])
    from ember.ops.creation import _Real, _Imag  # real-valued view of the complex result

    def real_of(z):
        return _Real.apply(z) + _Imag.apply(z) * 2.0
    x, y = rand(2, 3, seed=3, dtype=np.float64, low=0.2), rand(3, seed=4, dtype=np.float64)
    gradcheck(lambda p, q: real_of(ember.complex(p, q)), [x, y])
    gradcheck(lambda p, q: real_of(ember.polar(p, q)), [x, y])


@pytest.mark.parametrize('name', ['complex', 'polar'])
@pytest.mark.parametrize('args', [((3,), 'float64', (3,), 'float32'), ((3,), 'int64', (3,), 'int64'),
                                  ((2,), 'float32', (3,), 'float32'), ((2,), 'complex64', (2,), 'complex64')])
def test_complex_polar_errors(name, args):
    sa, da, sb, db = args
    check_error(lambda m: getattr(m, name)(m.ones(sa, dtype=getattr(m, da)), m.ones(sb, dtype=getattr(m, db))), [])


# ----------------------------------------------------------------------------- heaviside / vander
@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.int64])
def test_heaviside(dtype):
    x = np.array([[-1, 0, 2], [0, 3, -4]], dtype=dtype)
    v = np.array([5, 7, 0], dtype=dtype)
    check(lambda m, a, b: m.heaviside(a, b), [x, v], grad=False)
    check(lambda m, a, b: m.heaviside(a.t(), b[:2]), [x, v], grad=False)
    check(lambda m, a, b: m.heaviside(a, b[0]), [x, v], grad=False)


def test_heaviside_errors():
    check_error(lambda m: m.heaviside(m.tensor([-1., 0]), m.tensor([5])), [])
    check_error(lambda m: m.heaviside(m.ones(2), m.ones(3)), [])
    check_error(lambda m: m.heaviside(m.tensor([-1., 0, 2], requires_grad=True),
                                      m.tensor([5.])).sum().backward(), [])


@pytest.mark.parametrize('args', [(None, False), (None, True), (2, False), (4, True), (1, False), (0, True)],
                         ids=repr)
@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.int64, np.bool_])
def test_vander(args, dtype):
    n, inc = args
    x = rand(4, seed=5, dtype=dtype)
    # torch's own vander backward fails (in-place version error): compare values here, grads by gradcheck
    check(lambda m, a: m.vander(a, N=n, increasing=inc), [x], grad=False)
    if dtype == np.float64:
        check(lambda m, a: m.vander(a[::2], N=n, increasing=inc), [x], grad=False)
        gradcheck(lambda a: ember.vander(a, N=n, increasing=inc), [x])


def test_vander_errors():
    check_error(lambda m: m.vander(m.ones(2, 2)), [])
    check_error(lambda m: m.vander(m.ones(3), N=-1), [])


def test_out_argument():
    for fn in (lambda m: m.arange(5, out=m.empty(0, dtype=m.int64)),
               lambda m: m.arange(0, 1, 0.25, out=m.empty(4, dtype=m.float64)),
               lambda m: m.zeros(2, 3, out=m.ones(2, 3)), lambda m: m.ones(4, out=m.empty(0, dtype=m.int32)),
               lambda m: m.full((2,), 7, out=m.empty(2)), lambda m: m.linspace(0, 1, 5, out=m.empty(5)),
               lambda m: m.eye(2, 3, out=m.empty(0))):
        e, t = same(fn)
    x = ember.empty(3)
    assert ember.zeros(3, out=x) is x and x._version == 1
    check_error(lambda m: m.zeros(3, out=m.empty(3, requires_grad=True)), [])
    assert ember.full((2,), 7, out=ember.empty(2, dtype=ember.int64)).dtype is ember.int64
