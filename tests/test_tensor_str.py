"""repr/str of tensors, exactly like torch's (with 'ember.' where torch prints 'torch.')."""
import numpy as np
import pytest
import torch

import ember
from ember import _tensor_str
from oracle import to_ember, to_torch

set_printoptions = getattr(ember, 'set_printoptions', _tensor_str.set_printoptions)


def same_repr(e, t):
    want = repr(t).replace('torch.', 'ember.')
    got = repr(e)
    assert got == want, f"\nember:\n{got}\ntorch:\n{want}"
    assert str(e) == str(t).replace('torch.', 'ember.')


def both(arr, **kw):
    return to_ember(arr, **kw), to_torch(arr, **kw)


@pytest.fixture(autouse=True)
def restore_printoptions():
    yield
    set_printoptions(profile='default', sci_mode=None)
    torch.set_printoptions(profile='default', sci_mode=None)


HAND = [
    [1.0, 2.0, 3.0], [1.5, 2.25], [0.1, 0.2], [1e-5, 1.0], [1e8, 1.0], [1e9], [1.0, 1001.0],
    [1.0, 999.0], [123456.789], [-0.0, 0.0], [-0.0], [0.0], [float('nan'), 1.0],
    [float('inf'), -float('inf'), 1.5], [float('nan')], [float('inf'), 2.0], [1e-4, 1.0],
    [-1.0, 2.0, -3.5], [1e-10, 1e10], [3.14159265, -2.71828], [1e300, 1e-300],
    [[1.0, -2.0], [3.0, 400.0]], [[0.5]], [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]],
    [12345678.0, 1.0], [0.00012, 0.5], [100.0, 0.1], [2.5e-5], [-1e-5, 1e-5], [65504.0],
]


@pytest.mark.parametrize('dt', [np.float32, np.float64, np.float16])
@pytest.mark.parametrize('i', range(len(HAND)))
def test_hand_picked_floats(i, dt):
    with np.errstate(all='ignore'):
        a = np.array(HAND[i], dtype=dt)
    same_repr(*both(a))


@pytest.mark.parametrize('i', range(0, len(HAND), 3))
def test_hand_picked_bfloat16(i):
    t = torch.tensor(HAND[i], dtype=torch.bfloat16)
    e = ember.tensor(HAND[i], dtype=ember.bfloat16)
    same_repr(e, t)


@pytest.mark.parametrize('val', [0.0, -0.0, 1.0, 2.5, 1e-7, 1e10, float('nan'), float('inf'), -3.0, 0.1])
@pytest.mark.parametrize('dt', ['float32', 'float64', 'float16', 'int64', 'int32', 'bool', 'complex64'])
def test_zero_dim(val, dt):
    if dt in ('int64', 'int32') and not np.isfinite(val):
        return
    t = torch.tensor(val).to(getattr(torch, dt))
    e = ember.tensor(val).to(getattr(ember, dt))
    same_repr(e, t)


SHAPES = [(5,), (3, 4), (2, 3, 4), (1, 1), (7, 1), (1, 12), (30,), (2, 2, 2, 2), (40, 3), (3, 40)]


@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('scale', [1.0, 1e-6, 1e6, 1e12, 100.0])
def test_random_floats(shape, scale):
    rng = np.random.default_rng(hash((shape, scale)) % 2**32)
    a = (rng.standard_normal(shape) * scale).astype(np.float32)
    same_repr(*both(a))
    same_repr(*both(a.astype(np.float64)))


@pytest.mark.parametrize('shape', SHAPES)
def test_random_int_valued_floats(shape):
    rng = np.random.default_rng(len(shape))
    a = rng.integers(-1000, 1000, shape).astype(np.float32)
    same_repr(*both(a))


@pytest.mark.parametrize('dt', [np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_])
@pytest.mark.parametrize('shape', [(5,), (3, 4), (2, 3, 2), (30,), (50, 50), (0,), (2, 0), ()])
def test_ints_and_bools(dt, shape):
    rng = np.random.default_rng(3)
    if dt is np.bool_:
        a = rng.random(shape) < 0.5
    else:
        info = np.iinfo(dt)
        a = rng.integers(max(info.min, -100000), min(info.max, 100000), shape).astype(dt)
    same_repr(*both(np.asarray(a)))


def test_int_extremes():
    a = np.array([np.iinfo(np.int64).min, 0, np.iinfo(np.int64).max])
    same_repr(*both(a))


@pytest.mark.parametrize('dt', [np.complex64, np.complex128])
@pytest.mark.parametrize('case', range(7))
def test_complex(dt, case):
    rng = np.random.default_rng(case)
    arrs = [
        np.array([1 + 2j, -3 - 4j]), np.array([0.5 - 0.25j]), np.array([1e-6 + 1j, 3 + 0j]),
        (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))),
        np.array([complex(0.0, -0.0), complex(-0.0, 0.0)]),
        np.array([complex(float('nan'), 1), complex(1, float('inf'))]),
        (rng.standard_normal((40, 40)) + 1j * rng.standard_normal((40, 40))) * 1e5,
    ]
    same_repr(*both(arrs[case].astype(dt)))


@pytest.mark.parametrize('shape', [(1001,), (2000,), (40, 40), (11, 10, 10), (1000, 2), (2, 1000),
                                   (3, 4, 100)])
def test_summarized(shape):
    rng = np.random.default_rng(7)
    a = rng.standard_normal(shape).astype(np.float32)
    same_repr(*both(a))
    same_repr(*both(np.arange(np.prod(shape)).reshape(shape)))


@pytest.mark.parametrize('shape', [(0,), (0, 3), (2, 0, 4), (3, 0)])
@pytest.mark.parametrize('dt', [np.float32, np.float64, np.int64, np.bool_, np.complex64, np.int8])
def test_empty(shape, dt):
    same_repr(*both(np.zeros(shape, dtype=dt)))


@pytest.mark.parametrize('dt', [np.float16, np.float64, np.int32, np.uint8, np.complex128, np.int16])
def test_dtype_suffix(dt):
    same_repr(*both(np.arange(4).astype(dt)))


def test_requires_grad_and_grad_fn():
    e, t = both(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    same_repr(e, t)
    same_repr(e + 1, t + 1)
    same_repr(e * 2, t * 2)
    same_repr((e * e).sum(), (t * t).sum())
    e64, t64 = both(np.array([1.0, 2.0]), requires_grad=True)
    same_repr(e64, t64)
    same_repr(e64 + 1, t64 + 1)
    same_repr(e.detach(), t.detach())


def test_long_suffix_wraps():
    a = np.linspace(0, 1, 15).astype(np.float64)
    e, t = both(a, requires_grad=True)
    same_repr(e, t)
    same_repr(e * 2, t * 2)


def test_noncontiguous_and_views():
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 3
    e, t = both(a)
    same_repr(e.t(), t.t())
    same_repr(ember.Tensor._make(a[:, ::2]), t[:, ::2])
    same_repr(ember.Tensor._make(a[1]), t[1])
    same_repr(ember.Tensor._make(a[1, 2]), t[1, 2])
    same_repr(ember.Tensor._make(a[::-1].T), t.flip(0).t())


@pytest.mark.parametrize('opts', [
    dict(precision=2), dict(precision=8), dict(threshold=5), dict(edgeitems=1, threshold=10),
    dict(linewidth=40), dict(sci_mode=True), dict(sci_mode=False), dict(profile='short'),
    dict(profile='full'), dict(edgeitems=0, threshold=5), dict(precision=0),
])
def test_printoptions(opts):
    set_printoptions(**opts)
    torch.set_printoptions(**opts)
    rng = np.random.default_rng(11)
    for a in [rng.standard_normal(20).astype(np.float32), rng.standard_normal((6, 7)) * 1e5,
              np.arange(30), np.array([1.0, 2.0]), np.array(3.25), np.array([1e-8, 1.0]),
              rng.standard_normal((2000,)), rng.standard_normal((4, 3, 5)),
              (rng.standard_normal(12) + 1j * rng.standard_normal(12)).astype(np.complex64)]:
        same_repr(*both(a))


def test_printoptions_context_and_get():
    with _tensor_str.printoptions(precision=2):
        assert repr(ember.tensor([1.23456])) == 'tensor([1.23])'
    assert repr(ember.tensor([1.23456])) == 'tensor([1.2346])'
    opts = _tensor_str.get_printoptions()
    assert opts['precision'] == 4 and opts['threshold'] == 1000 and opts['edgeitems'] == 3


def test_default_dtype_float64_suffixes():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for a in [np.array([1.5, 2.0]), np.array([1.5], dtype=np.float32),
                  np.array([1j]), np.array([1j], dtype=np.complex64), np.zeros((0,)),
                  np.zeros((0,), dtype=np.float32)]:
            same_repr(*both(a))
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


def test_format_zero_dim():
    e, t = both(np.array(2.5, dtype=np.float32))
    assert f"{e:.3f}" == f"{t:.3f}"
    assert f"{e}" == f"{t}"
    e, t = both(np.array([1.0, 2.0], dtype=np.float32))
    assert f"{e}" == f"{t}"


def test_subclass_prefix():
    EmberSub = type('MySub', (ember.Tensor,), {})
    TorchSub = type('MySub', (torch.Tensor,), {})
    e = ember.Tensor._make(np.array([1.0, 2.0], dtype=np.float32))
    e.__class__ = EmberSub
    t = torch.tensor([1.0, 2.0]).as_subclass(TorchSub)
    assert repr(e) == repr(t) == 'MySub([1., 2.])'
