"""Indexing ops against torch: getitem/setitem, gather/scatter, index_*, masked_*, take/put, nonzero."""
import warnings

import numpy as np
import pytest

import ember
from oracle import check, check_error, gradcheck, rand

I64 = np.int64


def ia(*vals):
    return np.array(vals, dtype=I64)


X3 = rand(3, 4, 5, seed=1)
X2 = rand(3, 4, seed=2)
MASK34 = rand(3, 4, dtype=np.bool_, seed=3)
MASK345 = rand(3, 4, 5, dtype=np.bool_, seed=4)

# ------------------------------------------------------------------------- getitem
GETITEM_CASES = [
    lambda x: x[1],
    lambda x: x[-1],
    lambda x: x[1:3],
    lambda x: x[::2],
    lambda x: x[1, 2],
    lambda x: x[1, 2, 3],
    lambda x: x[-1, -2, -5],
    lambda x: x[None],
    lambda x: x[..., 1],
    lambda x: x[:, None, 1:4:2],
    lambda x: x[..., None],
    lambda x: x[1:2, ..., ::3],
    lambda x: x[()],
    lambda x: x[...],
    lambda x: x[0:0],
    lambda x: x[5:],
    lambda x: x[-10:10],
    lambda x: x[:, 1:],
    lambda x: x[None, 1, None, :, 2],
    # advanced
    lambda x: x[[0, 2, 0]],
    lambda x: x[[-1, 0]],
    lambda x: x[:, [1, 3]],
    lambda x: x[[0, 1], [1, 2]],
    lambda x: x[[0, 1], :, [1, 2]],
    lambda x: x[:, [0, 1], 2],
    lambda x: x[1, :, [0, 3, 3]],
    lambda x: x[:, [[0, 1], [1, 1]], 1:3],
    lambda x: x[[[0], [2]], [1, 2, 3]],
    lambda x: x[..., [0, 4]],
    lambda x: x[None, [0, 1]],
    lambda x: x[True],
    lambda x: x[False],
    lambda x: x[[]],
    lambda x: x[1:, [0, 2], None],
    lambda x: x[x > 0],
    lambda x: x[x[:, :, 0] > 0],
    lambda x: x[:, x[0, :, 0] > 0],
    lambda x: x[[True, False, True], 1:3, [1, 4]],
    lambda x: x[(0, 1),],
    lambda x: x[np.int64(2)],
    lambda x: x[np.array([0, 2])],
    lambda x: x[range(1, 3)],
    # non-contiguous inputs
    lambda x: x.transpose(0, 2)[1:, [0, 2]],
    lambda x: x[:, ::2][[0, 2, 2]],
    lambda x: x.permute(2, 0, 1)[[4, 0], 1],
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('case', range(len(GETITEM_CASES)))
def test_getitem(case, dtype):
    fn = GETITEM_CASES[case]
    check(lambda m, x: fn(x), [X3.astype(dtype)])


@pytest.mark.parametrize('idx_dtype', [np.int64, np.int32])
def test_getitem_tensor_index(idx_dtype):
    i = np.array([[0, 2], [-1, 0]], dtype=idx_dtype)
    check(lambda m, x, i: x[i], [X3, i])
    check(lambda m, x, i: x[:, i, 1:], [X3, np.array([3, 0, 3], dtype=idx_dtype)])
    check(lambda m, x, i, j: x[i, j], [X2, ia(0, 1, 2), ia(3, 3, 0)])
    check(lambda m, x, i: x[i], [X2, np.array(1, dtype=idx_dtype)])       # 0-d tensor: like an int
    check(lambda m, x, i: x[i, 1:], [X2, np.array(-2, dtype=idx_dtype)])
    check(lambda m, x, mk: x[mk], [X2, MASK34])
    check(lambda m, x, mk: x[mk], [X3, MASK34])
    check(lambda m, x, mk: x[:, mk], [X3, MASK345[0]])
    check(lambda m, x, mk: x[mk], [X2, np.array(True)])
    check(lambda m, x, mk: x[mk], [X2, np.array(False)])


def test_getitem_list_as_tuple():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        check(lambda m, x: x[[[0, 1], [1, 0]]], [X2])
        check(lambda m, x: x[[slice(None), 1]], [X2])


def test_getitem_0d_and_empty():
    x0 = np.array(1.5, dtype=np.float32)
    for fn in (lambda x: x[()], lambda x: x[None], lambda x: x[...], lambda x: x[True], lambda x: x[None, ..., None]):
        check(lambda m, x: fn(x), [x0])
    e = rand(0, 3, seed=5)
    for fn in (lambda x: x[:, 1], lambda x: x[[]], lambda x: x[..., [0, 2]], lambda x: x[:0, None],
               lambda x: x[True], lambda x: x[True, :, [0, 2]], lambda x: x[x > 0]):
        check(lambda m, x: fn(x), [e])


@pytest.mark.parametrize('dtype', [np.int64, np.int32, np.bool_, np.uint8])
def test_getitem_other_dtypes(dtype):
    x = rand(3, 4, dtype=dtype, seed=6) if dtype != np.uint8 else np.arange(12, dtype=np.uint8).reshape(3, 4)
    check(lambda m, x: x[1:, [0, 3]], [x])
    check(lambda m, x: x[:, 2], [x])


def test_getitem_views_and_grad_fn():
    x = ember.zeros(3, 4)
    v = x[1:, 2]
    assert x[1, 2:][None]._base is x
    assert v._base is x
    v[1] = 7.0
    assert x[2, 2].item() == 7.0 and x.sum().item() == 7.0
    y = ember.ones(3, 4, requires_grad=True) * 1
    assert y[1].grad_fn.name() == 'SelectBackward0'
    assert y[1:].grad_fn.name() == 'SliceBackward0'
    assert y[None].grad_fn.name() == 'UnsqueezeBackward0'
    assert y[...].grad_fn.name() == 'AliasBackward0'
    assert y[[0, 1]].grad_fn.name() == 'IndexBackward0'
    assert y[[0, 1]]._base is None


GETITEM_ERRORS = [
    lambda x: x[5],
    lambda x: x[-4],
    lambda x: x[:, 5],
    lambda x: x[[5]],
    lambda x: x[:, [0, -5]],
    lambda x: x[0, 0, 0],
    lambda x: x[1.0],
    lambda x: x[::-1],
    lambda x: x[[0, 1], [0, 1, 2]],
    lambda x: x[x[0] > 0],
    lambda x: x[(x > 0)[:, :2]],
    lambda x: x['a'],
]


@pytest.mark.parametrize('case', range(len(GETITEM_ERRORS)))
def test_getitem_errors(case):
    fn = GETITEM_ERRORS[case]
    check_error(lambda m, x: fn(x), [X2])


def test_getitem_tensor_index_errors():
    check_error(lambda m, x, i: x[i], [X2, np.array([0.0])])
    check_error(lambda m, x, i: x[i], [X2, np.array([0], dtype=np.int8)])
    check_error(lambda m, x, i: x[i], [X2, np.array([1, 7])])
    check_error(lambda m, x: x[0], [np.array(1.0, dtype=np.float32)])


# ------------------------------------------------------------------------- setitem
def _setter(idx_fn):
    def f(m, x, v):
        y = x.clone()
        y[idx_fn(m)] = v
        return y
    return f


SETITEM_CASES = [  # (index builder, value shape or 'scalar')
    (lambda m: 1, (5,)),
    (lambda m: 1, 'scalar'),
    (lambda m: (slice(None), 2), (3, 1)),
    (lambda m: (slice(1, None), slice(None, None, 2)), (5,)),
    (lambda m: (Ellipsis, 0), (4,)),
    (lambda m: (None, 0, 1), (5,)),
    (lambda m: [0, 2], (4, 5)),
    (lambda m: ([0, 2], slice(None), [1, 4]), (2, 4)),
    (lambda m: (slice(None), [0, 3]), (5,)),
    (lambda m: (1, [0, 3], 2), (2,)),
    (lambda m: m.tensor(np.array([[True, False, True, True]] * 3)), (5,)),
    (lambda m: m.tensor(np.array([[True, False, True, True]] * 3)), 'scalar'),
    (lambda m: (), (3, 4, 5)),
    (lambda m: Ellipsis, 'scalar'),
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('case', range(len(SETITEM_CASES)))
def test_setitem(case, dtype):
    idx_fn, vshape = SETITEM_CASES[case]
    v = 0.75 if vshape == 'scalar' else rand(*vshape, dtype=dtype, seed=7)
    check(_setter(idx_fn), [X3.astype(dtype), v])


def test_setitem_mask_tensor_values():
    m = MASK34
    v = rand(int(m.sum()), seed=8)
    check(lambda md, x, v, mk: (lambda y: (y.__setitem__(mk, v), y)[1])(x.clone()), [X2, v, m])


def test_setitem_view_chain_and_noncontiguous():
    def f(m, x, v):
        y = x.clone()
        y[1][2] = v            # setitem on a view of a non-leaf: CopySlices
        z = y.t()
        z[0, [1, 2]] = v * 2   # advanced setitem on a non-contiguous view
        return y
    check(f, [X2, np.array(0.5, dtype=np.float32)])


def test_setitem_value_only_requires_grad():
    def f(m, x, v):
        y = m.zeros(3, 4)
        y[:, 1:3] = v
        y[[0, 0], [0, 3]] = v[0]
        return y * x
    check(f, [X2, rand(3, 2, seed=9)])


def test_setitem_fast_path_and_casts():
    def f(m, x):
        y = x.clone()
        y[0] = 2.7
        y[1, [0, 2]] = 5
        y[2:] = m.tensor([1.9, 2.9, 3.9, 4.9])
        y[y > 3] = -1
        return y
    check(f, [rand(3, 4, dtype=np.int64, seed=10)])
    x = ember.zeros(3)
    v0 = x._version
    x[1] = 1.0
    assert x._version == v0 + 1 and x.tolist() == [0.0, 1.0, 0.0]


def test_setitem_errors():
    def leaf(m, x):
        x.requires_grad_(True)
        x[0] = 1.0
    check_error(leaf, [X2])

    def leaf_adv(m, x):
        x.requires_grad_(True)
        x[[0]] = 1.0
    check_error(leaf_adv, [X2])
    check_error(lambda m, x, v: x.__setitem__(0, v), [X2, rand(3)])
    check_error(lambda m, x, v: x.__setitem__([0, 1], v), [X2, rand(3)])
    check_error(lambda m, x, v: x.__setitem__([0, 1], v), [X2, rand(4, dtype=np.float64)])
    check_error(lambda m, x: x.__setitem__(5, 1.0), [X2])


def test_setitem_version_error():
    # saved tensor modified in place
    a = ember.ones(3, requires_grad=True)
    b = a * 1
    c = b * b
    b[0] = 2.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


# ------------------------------------------------------------------------- masked ops
def test_masked_fill():
    check(lambda m, x, mk: x.masked_fill(mk, 0.5), [X2, MASK34])
    check(lambda m, x, mk: m.masked_fill(x, mk, -2), [X2, MASK34[0]])
    check(lambda m, x, mk: x.masked_fill(mk, 0.5), [rand(4, seed=11), MASK34])   # result broadcasts
    check(lambda m, x, mk, v: x.masked_fill(mk, v), [X2, MASK34, np.array(0.3, dtype=np.float32)])
    check(lambda m, x, mk, v: x.masked_fill(mk, v), [X2, MASK34, np.array(0.3)])  # float64 value
    check(lambda m, x, mk: x.t().masked_fill(mk, 1.5), [X2, MASK34.T.copy()])
    check(lambda m, x, mk: x.masked_fill(mk, 2.7), [rand(3, 4, dtype=np.int32, seed=12), MASK34])
    check(lambda m, x, mk: x.masked_fill(mk, 1.0), [np.array(1.0), np.array(True)])
    check(lambda m, x, mk: x.masked_fill(mk, 1.0), [rand(0, 4), MASK34[0]])

    def inplace(m, x, mk, v):
        y = x * 1
        y.masked_fill_(mk, v)
        return y
    check(inplace, [X2, MASK34[:, :1].copy(), np.array(0.25, dtype=np.float64)])


def test_masked_fill_errors():
    check_error(lambda m, x, mk: x.masked_fill(mk, 0.5), [X2, MASK34.astype(np.int64)])
    check_error(lambda m, x, mk, v: x.masked_fill(mk, v), [X2, MASK34, rand(1)])
    check_error(lambda m, x, mk: x.masked_fill(mk, 0.5), [X2, MASK345[0, :3, :3]])
    check_error(lambda m, x, mk: x.masked_fill_(mk, 0.5), [rand(4), MASK34])


def test_masked_select():
    check(lambda m, x, mk: x.masked_select(mk), [X2, MASK34])
    check(lambda m, x, mk: m.masked_select(x, mk), [rand(4, seed=13, dtype=np.float64), MASK34])
    check(lambda m, x, mk: x.masked_select(mk), [X2, MASK34[0]])
    check(lambda m, x, mk: x.t().masked_select(mk), [X2, MASK34.T.copy()])
    check(lambda m, x, mk: x.masked_select(mk), [np.array(2.0), np.array(True)])
    check_error(lambda m, x, mk: x.masked_select(mk), [X2, MASK34.astype(np.uint8)])
    check_error(lambda m, x, mk: x.masked_select(mk), [X2, MASK345[0, :2]])


def test_masked_scatter():
    n = int(MASK34.sum())
    check(lambda m, x, mk, s: x.masked_scatter(mk, s), [X2, MASK34, rand(n + 3, seed=14)])
    check(lambda m, x, mk, s: x.masked_scatter(mk, s), [X2, MASK34[1], rand(2, 10, seed=15)])
    check(lambda m, x, mk, s: x.masked_scatter(mk, s), [rand(4, seed=16, dtype=np.float64), MASK34,
                                                       rand(12, dtype=np.float64, seed=17)])

    def inplace(m, x, mk, s):
        y = x * 1
        return y.masked_scatter_(mk, s)
    check(inplace, [X2, MASK34, rand(12, seed=18)])
    check_error(lambda m, x, mk, s: x.masked_scatter(mk, s), [X2, MASK34, rand(n - 1)])
    check_error(lambda m, x, mk, s: x.masked_scatter(mk, s), [X2, MASK34, rand(12, dtype=np.float64)])


# ------------------------------------------------------------------------- gather / scatter
IDX_G = np.array([[0, 2, 1, 0], [2, 2, 0, 1]], dtype=I64)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_gather(dtype):
    x = X2.astype(dtype)
    check(lambda m, x, i: x.gather(0, i), [x, IDX_G])
    check(lambda m, x, i: m.gather(x, 1, i), [x, IDX_G[:, :3] % 4 + 1 - 1])
    check(lambda m, x, i: x.gather(-1, i), [x, np.array([[3], [0]], dtype=I64)])
    check(lambda m, x, i: x.t().gather(0, i), [x, np.array([[3, 1, 0], [0, 0, 0]], dtype=I64)])
    check(lambda m, x, i: x.gather(1, i), [x, np.zeros((2, 0), dtype=I64)])
    check(lambda m, x, i: x.gather(0, i), [np.array(2.0, dtype=dtype), np.array(0, dtype=I64)])
    check(lambda m, x, i: x.gather(0, i), [x, IDX_G.astype(np.int32)])


def test_gather_errors():
    check_error(lambda m, x, i: x.gather(0, i), [X2, np.array([[3]], dtype=I64)])
    check_error(lambda m, x, i: x.gather(0, i), [X2, np.array([[-1]], dtype=I64)])
    check_error(lambda m, x, i: x.gather(0, i), [X2, np.zeros((1, 5), dtype=I64)])
    check_error(lambda m, x, i: x.gather(0, i), [X2, np.zeros(2, dtype=I64)])
    check_error(lambda m, x, i: x.gather(0, i), [X2, np.zeros((1, 1))])
    check_error(lambda m, x, i: x.gather(2, i), [X2, np.zeros((1, 1), dtype=I64)])


IDX_S = np.array([[0, 2, 1, 0], [2, 1, 0, 1]], dtype=I64)   # no duplicate targets along dim 0


def test_scatter():
    check(lambda m, x, i, s: x.scatter(0, i, s), [X2, IDX_S, rand(2, 4, seed=20)])
    check(lambda m, x, i, s: m.scatter(x, 1, i, s), [X2, np.array([[3, 1], [0, 2]], dtype=I64), rand(2, 2, seed=21)])
    check(lambda m, x, i: x.scatter(0, i, 1.5), [X2, IDX_S])
    check(lambda m, x, i: x.scatter(0, i, value=-1.0), [X2.astype(np.float64), IDX_S])
    check(lambda m, x, i, s: x.t().scatter(1, i, s), [X2, np.array([[0, 1], [2, 0]], dtype=I64), rand(2, 2, seed=22)])
    # src larger than index: forward only (torch's backward refuses it)
    check(lambda m, x, i, s: x.scatter(0, i, s), [X2, IDX_S[:1], rand(3, 4, seed=23)], grad=False)
    check(lambda m, x, i, s: x.scatter(0, i, s, reduce='add'), [X2, IDX_G, rand(2, 4, seed=24)], grad=False)
    check(lambda m, x, i, s: x.scatter(0, i, s, reduce='multiply'), [X2, IDX_G, rand(2, 4, seed=25)], grad=False)
    check(lambda m, x, i: x.scatter(0, i, 2.0, reduce='add'), [X2, IDX_G], grad=False)

    def inplace(m, x, i, s):
        y = x * 1
        return y.scatter_(0, i, s)
    check(inplace, [X2, IDX_S, rand(2, 4, seed=26)])
    check_error(lambda m, x, i, s: x.scatter(0, i, s), [X2, IDX_S, rand(2, 4, dtype=np.float64)])
    check_error(lambda m, x, i, s: x.scatter(0, i, s), [X2, IDX_S + 5, rand(2, 4)])
    check_error(lambda m, x, i, s: x.scatter(0, i, s, reduce='max'), [X2, IDX_S, rand(2, 4)])


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_scatter_add(dtype):
    x = X2.astype(dtype)
    check(lambda m, x, i, s: x.scatter_add(0, i, s), [x, IDX_G, rand(2, 4, dtype=dtype, seed=27)])
    check(lambda m, x, i, s: m.scatter_add(x, 1, i, s), [x, IDX_G[:, :3], rand(3, 5, dtype=dtype, seed=28)],
          grad=False)
    check(lambda m, x, i, s: x.scatter_add(1, i, s), [x, IDX_G[:, :3], rand(2, 3, dtype=dtype, seed=29)])
    check(lambda m, x, i, s: (x * 1).scatter_add_(0, i, s), [x, IDX_G, rand(2, 4, dtype=dtype, seed=30)])
    check(lambda m, x, i, s: x.scatter_add(0, i, s), [np.array(1.0, dtype=dtype), np.array(0, dtype=I64),
                                                      np.array(2.0, dtype=dtype)])


@pytest.mark.parametrize('include_self', [True, False])
@pytest.mark.parametrize('reduce', ['sum', 'prod', 'mean', 'amax', 'amin'])
def test_scatter_reduce(reduce, include_self):
    src = rand(2, 4, seed=31)
    check(lambda m, x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self), [X2, IDX_G, src])
    check(lambda m, x, i, s: m.scatter_reduce(x, 1, i, s, reduce=reduce, include_self=include_self),
          [X2.astype(np.float64), IDX_G[:, :3], rand(2, 3, seed=32, dtype=np.float64)])
    xi = rand(3, 4, dtype=np.int64, seed=33)
    check(lambda m, x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self),
          [xi, IDX_G, rand(2, 4, dtype=np.int64, seed=34)])


def test_scatter_reduce_ties_and_zeros():
    x = np.array([[1., 0., 2.], [3., 3., 0.]], dtype=np.float64)
    src = np.array([[3., 0., 2.], [1., 5., 0.]], dtype=np.float64)
    idx = np.array([[1, 0, 0], [1, 0, 1]], dtype=I64)
    for red in ('prod', 'amax', 'amin'):
        for inc in (True, False):
            check(lambda m, x, i, s: x.scatter_reduce(0, i, s, red, include_self=inc), [x, idx, src])
    check(lambda m, x, i, s: x.scatter_reduce(0, i, s, 'max'), [x, idx, src], grad=False)
    check_error(lambda m, x, i, s: x.scatter_reduce(0, i, s, 'add'), [x, idx, src])
    check_error(lambda m, x, i, s: x.scatter_reduce(0, i, s, 'sum'), [x, idx, src.astype(np.float32)])


# ------------------------------------------------------------------------- index_* along a dim
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_index_select(dtype):
    x = X3.astype(dtype)
    check(lambda m, x, i: x.index_select(0, i), [x, ia(2, 0, 2, 1)])
    check(lambda m, x, i: m.index_select(x, 2, i), [x, ia(4, 4, 0)])
    check(lambda m, x, i: x.index_select(-2, i), [x, np.array([3, 1], dtype=np.int32)])
    check(lambda m, x, i: x.index_select(1, i), [x, np.array(2, dtype=I64)])
    check(lambda m, x, i: x.index_select(0, i), [x, np.zeros(0, dtype=I64)])
    check(lambda m, x, i: x.transpose(0, 2).index_select(0, i), [x, ia(1, 1, 3)])
    check(lambda m, x, i: x.index_select(0, i), [np.array(3.0, dtype=dtype), np.array([0], dtype=I64)])
    check_error(lambda m, x, i: x.index_select(0, i), [np.array(3.0, dtype=dtype), np.array([0, 0], dtype=I64)])
    # embedding-like: big table, many repeated ids
    w = rand(50, 8, dtype=dtype, seed=35)
    ids = np.random.default_rng(0).integers(0, 50, size=(200,)).astype(I64)
    check(lambda m, w, i: w.index_select(0, i), [w, ids])
    check(lambda m, w, i: w[i], [w, ids])
    check(lambda m, w, i: w[i], [w[:, 0].copy(), ids])


def test_index_select_errors():
    check_error(lambda m, x, i: x.index_select(0, i), [X2, ia(0, 3)])
    check_error(lambda m, x, i: x.index_select(0, i), [X2, ia(0, -1)])
    check_error(lambda m, x, i: x.index_select(1, i), [X2, ia(0, -1)])
    check_error(lambda m, x, i: x.index_select(0, i), [X2, np.array([[0]], dtype=I64)])
    check_error(lambda m, x, i: x.index_select(0, i), [X2, np.array([0.0])])
    check_error(lambda m, x, i: x.index_select(2, i), [X2, ia(0)])


def test_index_add_copy_fill():
    s = rand(4, 3, seed=36)
    check(lambda m, x, i, s: x.index_add(1, i, s), [X2.T.copy(), ia(0, 2, 0), s])
    check(lambda m, x, i, s: x.index_add(0, i, s, alpha=2.5), [X2, ia(0, 2, 0, 1), rand(4, 4, seed=37)])
    check(lambda m, x, i, s: m.index_add(x, 0, i, s), [X2.astype(np.float64), ia(1), rand(1, 4, dtype=np.float64)])
    check(lambda m, x, i, s: (x * 1).index_add_(0, i, s), [X2, ia(2, 2), rand(2, 4, seed=38)])
    check(lambda m, x, i, s: x.index_add(0, i, s, alpha=3),
          [rand(3, 4, dtype=np.int64, seed=39), ia(1, 1), rand(2, 4, dtype=np.int64, seed=40)])
    check(lambda m, x, i, s: x.index_copy(0, i, s), [X2, ia(2, 0), rand(2, 4, seed=41)])
    check(lambda m, x, i, s: x.t().index_copy(1, i, s), [X2, ia(1, 0), rand(4, 2, seed=42)])
    check(lambda m, x, i, s: (x * 1).index_copy_(1, i, s), [X2, ia(3), rand(3, 1, seed=43)])
    check(lambda m, x, i: x.index_fill(1, i, -1.5), [X2, ia(0, -1, 0)])
    check(lambda m, x, i, v: x.index_fill(0, i, v), [X2, ia(2), np.array(0.7, dtype=np.float32)])
    check(lambda m, x, i, v: (x * 1).index_fill_(0, i, v), [X2.astype(np.float64), ia(1, 2), np.array(0.7)])
    check(lambda m, x, i: x.index_fill(0, i, 3), [rand(3, 4, dtype=np.int32, seed=44), ia(1)])


def test_index_add_copy_fill_errors():
    check_error(lambda m, x, i, s: x.index_add(0, i, s), [X2, ia(0, 1), rand(3, 4)])
    check_error(lambda m, x, i, s: x.index_add(0, i, s), [X2, ia(0, 5), rand(2, 4)])
    check_error(lambda m, x, i, s: x.index_add(0, i, s), [X2, ia(0, -1), rand(2, 4)])
    check_error(lambda m, x, i, s: x.index_add(0, i, s), [X2, ia(0, 1), rand(2, 4, dtype=np.float64)])
    check_error(lambda m, x, i, s: x.index_add(0, i, s), [X2, ia(0, 1), rand(2, 5)])
    check_error(lambda m, x, i, s: x.index_copy(0, i, s), [X2, ia(0, 5), rand(2, 4)])
    check_error(lambda m, x, i, s: x.index_copy(0, i, s), [X2, ia(0), rand(2, 4)])
    check_error(lambda m, x, i: x.index_fill(0, i, 1.0), [X2, ia(3)])
    check_error(lambda m, x, i, v: x.index_fill(0, i, v), [X2, ia(0), rand(2)])


# ------------------------------------------------------------------------- index_put
def test_index_put():
    v = rand(2, 4, seed=45)
    check(lambda m, x, i, v: x.index_put((i,), v), [X2, ia(2, 0), v])
    check(lambda m, x, i, v: m.index_put(x, (i,), v, accumulate=True), [X2, ia(2, 2, 0, 2), rand(4, 4, seed=46)])
    check(lambda m, x, i, j, v: x.index_put((i, j), v), [X2, ia(0, 1, 2), ia(3, 3, -1), rand(3, seed=47)])
    check(lambda m, x, i, j, v: x.index_put((i, j), v, True), [X2, ia(0, 0, 2), ia(3, 3, 3), rand(1, seed=48)])
    check_error(lambda m, x, j, v: x.index_put((None, j), v), [X2, ia(1, 2), rand(3, 1, seed=49)])
    check(lambda m, x, mk, v: x.index_put((mk,), v), [X2, MASK34, np.array(5.0, dtype=np.float32)])
    check(lambda m, x, i, v: x.index_put((i,), v), [X2, np.array(1, dtype=I64), rand(4, seed=50)])
    check(lambda m, x, i, v: (x * 1).index_put_((i,), v, accumulate=True), [X2, ia(1, 1), rand(4, seed=51)])
    check(lambda m, x, i, v: x.clone().index_put_((i,), v), [X2, ia(1), rand(4, seed=52)])
    check(lambda m, x, i, v: x.t().index_put((i,), v), [X2, ia(3, 0), rand(2, 3, dtype=np.float32, seed=53)])


def test_index_put_errors():
    check_error(lambda m, x, i, v: x.index_put((i,), v), [X2, ia(0), rand(4, dtype=np.float64)])
    check_error(lambda m, x, i, v: x.index_put((i,), v), [X2, ia(0, 1), rand(3)])
    check_error(lambda m, x, i, v: x.index_put((i,), v), [X2, ia(3), rand(4)])
    check_error(lambda m, x, i, v: x.index_put((i,), v), [X2, np.array([0.0]), rand(4)])
    check_error(lambda m, x, i, v: x.index_put((i, i, i), v), [X2, ia(0), rand(1)])


# ------------------------------------------------------------------------- take / put / take_along_dim
def test_take_put():
    check(lambda m, x, i: x.take(i), [X2, np.array([[0, 11], [-1, 5]], dtype=I64)])
    check(lambda m, x, i: m.take(x, i), [X2.astype(np.float64), ia(3, 3, 3)])
    check(lambda m, x, i: x.t().take(i), [X2, ia(1, 2, 7)])
    check(lambda m, x, i: x.take(i), [np.array(2.0, dtype=np.float32), np.array(0, dtype=I64)])
    check(lambda m, x, i, s: x.put(i, s), [X2, ia(0, 5, -1), rand(3, seed=54)])
    check(lambda m, x, i, s: x.put(i, s, accumulate=True), [X2, ia(0, 5, 0), rand(3, seed=55)])
    check(lambda m, x, i, s: (x * 1).put_(i, s, True), [X2, np.array([[1, 1]], dtype=I64), rand(2, seed=56)])
    check(lambda m, x, i, s: x.clone().put_(i, s), [X2.astype(np.float64), ia(4, 2), rand(1, 2, dtype=np.float64)])
    check_error(lambda m, x, i: x.take(i), [X2, ia(12)])
    check_error(lambda m, x, i: x.take(i), [X2, ia(-13)])
    check_error(lambda m, x, i: x.take(i), [X2, np.array([1], dtype=np.int32)])
    check_error(lambda m, x, i, s: x.put(i, s), [X2, ia(0, 1), rand(3)])
    check_error(lambda m, x, i, s: x.put(i, s), [X2, ia(0), rand(1, dtype=np.float64)])


def test_take_along_dim():
    x = X3
    check(lambda m, x, i: x.take_along_dim(i, 1), [x, np.array([[[0], [3]]] * 3, dtype=I64)])
    check(lambda m, x, i: m.take_along_dim(x, i, dim=2), [x, np.array([[[0, 4]]], dtype=I64)])   # broadcast
    check(lambda m, x, i: m.take_along_dim(x, i), [x, ia(0, 59, 7)])
    check(lambda m, x, i: x.t().take_along_dim(i, 0), [X2, np.array([[1], [0]], dtype=I64)])
    check(lambda m, x, i: x[:1].take_along_dim(i, 1), [X2, np.array([[1], [0]], dtype=I64)])
    check_error(lambda m, x, i: x.take_along_dim(i, 1), [X2, np.array([[[0]]], dtype=I64)])
    check_error(lambda m, x, i: x.take_along_dim(i, 1), [X2, np.array([[0.0]])])


# ------------------------------------------------------------------------- nonzero / argwhere / where
@pytest.mark.parametrize('shape', [(3, 4), (5,), (), (0, 3), (2, 3, 2)])
def test_nonzero(shape):
    x = (rand(*shape, seed=57) > 0).astype(np.float32) if shape else np.array(1.0, dtype=np.float32)
    check(lambda m, x: x.nonzero(), [x])
    check(lambda m, x: m.nonzero(x, as_tuple=True), [x])
    check(lambda m, x: m.argwhere(x), [x])
    check(lambda m, x: (x > 0).argwhere(), [x])
    if shape == ():
        check(lambda m, x: m.nonzero(x * 0), [x])
        check(lambda m, x: (x * 0).nonzero(as_tuple=True), [x])


# ------------------------------------------------------------------------- double backward
def test_double_backward():
    def f(m, x, i, s):
        y = x[i] * x[1:, :2].sum()
        z = y.gather(1, m.tensor([[0], [1], [0]])) + x.index_select(1, i).sum() * s.sum()
        (g,) = m.autograd.grad(z.sum() + (z * z).sum(), x, create_graph=True)
        return g
    check(f, [X2.astype(np.float64), ia(0, 2, 0), rand(2, dtype=np.float64, seed=58)])

    def h(m, x):
        y = x.clone()
        y[1] = x[0] * x[2]
        (g,) = m.autograd.grad((y ** 2).sum() if hasattr(y, '__pow__') else (y * y).sum(), x, create_graph=True)
        return g
    check(h, [X2.astype(np.float64)])


# ------------------------------------------------------------------------- gradcheck (float64 finite differences)
GRADCHECK_CASES = [
    (lambda x: x[1:, None, ::2], [X2]),
    (lambda x: x[[0, 2, 0], 1:], [X2]),
    (lambda x: x[:, [1, 1], 0], [X3]),
    (lambda x: x[X2 > 0], [X2]),
    (lambda x, v: x.masked_fill(ember.tensor(MASK34), v), [X2, np.array(0.5)]),
    (lambda x: x.masked_select(ember.tensor(MASK34)), [X2]),
    (lambda x, s: x.masked_scatter(ember.tensor(MASK34), s), [X2, rand(12)]),
    (lambda x: x.gather(0, ember.tensor(IDX_G)), [X2]),
    (lambda x, s: x.scatter(0, ember.tensor(IDX_S), s), [X2, rand(2, 4)]),
    (lambda x, s: x.scatter_add(0, ember.tensor(IDX_G), s), [X2, rand(2, 4)]),
    (lambda x, s: x.scatter_reduce(0, ember.tensor(IDX_G), s, 'mean', include_self=False), [X2, rand(2, 4)]),
    (lambda x, s: x.scatter_reduce(0, ember.tensor(IDX_G), s, 'amax'), [X2, rand(2, 4)]),
    (lambda x, s: x.scatter_reduce(0, ember.tensor(IDX_G), s, 'prod'), [X2, rand(2, 4)]),
    (lambda x: x.index_select(1, ember.tensor(ia(3, 0, 3))), [X2]),
    (lambda x, s: x.index_add(0, ember.tensor(ia(0, 0)), s, alpha=2.0), [X2, rand(2, 4)]),
    (lambda x, s: x.index_copy(0, ember.tensor(ia(2, 0)), s), [X2, rand(2, 4)]),
    (lambda x, v: x.index_fill(1, ember.tensor(ia(2, 0)), v), [X2, np.array(0.1)]),
    (lambda x, v: x.index_put((ember.tensor(ia(2, 2, 0)),), v, accumulate=True), [X2, rand(3, 4)]),
    (lambda x, s: x.index_reduce(0, ember.tensor(ia(0, 2, 0)), s, 'amin'), [X2, rand(3, 4)]),
    (lambda x, s: x.index_reduce(1, ember.tensor(ia(1, 1)), s, 'mean', include_self=False), [X2, rand(3, 2)]),
    (lambda x: x.take(ember.tensor(ia(0, 11, 0))), [X2]),
    (lambda x, s: x.put(ember.tensor(ia(0, 11, 3)), s), [X2, rand(3)]),
    (lambda x: x.take_along_dim(ember.tensor(np.array([[1], [0], [3]], dtype=I64)), 1), [X2]),
]


@pytest.mark.parametrize('case', range(len(GRADCHECK_CASES)))
def test_gradcheck(case):
    fn, inputs = GRADCHECK_CASES[case]
    gradcheck(fn, inputs)


def test_gradcheck_setitem():
    def f(x, v):
        y = x * 1
        y[1:, [0, 2]] = v
        y[0] = v[0, 0] * 2
        return y
    gradcheck(f, [X2, rand(2, 2)])


def test_out_arguments():
    def f(m, x, i):
        o1 = m.empty(0)
        m.index_select(x, 1, i, out=o1)
        o2 = m.empty(0)
        m.gather(x, 1, m.tensor([[0, 0], [1, 2], [3, 3]]), out=o2)
        o3 = m.empty(0)
        m.masked_select(x, x > 0, out=o3)
        o4 = m.empty(0, dtype=m.int64)
        m.nonzero(x > 0, out=o4)
        o5 = m.empty(0)
        m.take_along_dim(x, m.tensor([[1], [0], [2]]), 1, out=o5)
        o6 = m.empty(3, 4)
        m.index_add(x, 0, m.tensor([1]), x[:1], alpha=2, out=o6)
        return o1, o2, o3, o4, o5, o6
    check(f, [X2, ia(3, 0, 3)], grad=False)


def test_where_one_arg_is_nonzero_tuple():
    check(lambda m, x: m.where(x > 0), [X3])


def test_augmented_setitem():
    def f(m, x, v):
        y = x * 1
        y[1:, [0, 2]] += v
        y[0] *= 2
        y[y > 0.5] -= 1
        y[True] = y[True] * 1
        return y
    check(f, [X2, rand(2, 2, seed=60)])
    check_error(lambda m, x: x.__setitem__(0, [1.0, 2.0, 3.0, 4.0]), [X2])


ZERO_D_CASES = [
    lambda m, x, s: x.scatter(0, m.tensor(0), s),
    lambda m, x, s: x.scatter_reduce(0, m.tensor(0), s, 'prod'),
    lambda m, x, s: x.scatter_reduce(0, m.tensor(0), s, 'amax', include_self=False),
    lambda m, x, s: x.scatter_reduce(0, m.tensor(0), s, 'mean'),
    lambda m, x, s: x.index_add(0, m.tensor([0]), s, alpha=2),
    lambda m, x, s: x.index_copy(0, m.tensor([0]), s),
    lambda m, x, s: x.index_fill(0, m.tensor([0]), s),
    lambda m, x, s: x.put(m.tensor(0), s),
    lambda m, x, s: x.masked_fill(m.tensor(False), s),
    lambda m, x, s: x.gather(0, m.tensor([0, 0])) * s,
]


@pytest.mark.parametrize('case', range(len(ZERO_D_CASES)))
def test_zero_dim_inputs(case):
    fn = ZERO_D_CASES[case]
    check(fn, [np.array(1.5), np.array(-0.5)])


@pytest.mark.parametrize('include_self', [True, False])
@pytest.mark.parametrize('reduce', ['prod', 'mean', 'amax', 'amin'])
def test_index_reduce(reduce, include_self):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        check(lambda m, x, i, s: x.index_reduce(0, i, s, reduce, include_self=include_self),
              [X2, ia(0, 2, 0), rand(3, 4, seed=61)])
        check(lambda m, x, i, s: m.index_reduce(x, 1, i, s, reduce, include_self=include_self),
              [X2.astype(np.float64), ia(3, 3), rand(3, 2, dtype=np.float64, seed=62)])
        check(lambda m, x, i, s: (x * 1).index_reduce_(1, i, s, reduce, include_self=include_self),
              [X2, ia(1), rand(3, 1, seed=63)])


def test_index_reduce_errors():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        check_error(lambda m, x, i, s: x.index_reduce(0, i, s, 'sum'), [X2, ia(0, 0), rand(2, 4)])
        check_error(lambda m, x, i, s: x.index_reduce(0, i, s, 'prod'), [X2, ia(0, 5), rand(2, 4)])
        check_error(lambda m, x, i, s: x.index_reduce(0, i, s, 'prod'), [X2, ia(0, 1, 2), rand(2, 4)])
        check_error(lambda m, x, i, s: x.index_reduce(0, i, s, 'prod'), [X2, ia(0, 1), rand(2, 4, dtype=np.float64)])
        check_error(lambda m, x, i, s: x.index_reduce(0, i, s, 'prod'), [X2, ia(0, 1), rand(2, 5)])


def test_saved_input_modified_in_place():
    x = ember.tensor(X2).requires_grad_(True)
    y = x * 1
    z = y.scatter_reduce(0, ember.tensor(IDX_G), ember.tensor(rand(2, 4)), 'amax')
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_select_and_scatter_views():
    check(lambda m, x: x.select(1, -1), [X3])
    check(lambda m, x: m.select(x, 0, 2), [X2.astype(np.float64)])
    check(lambda m, x: x.t().select(0, 1), [X2])
    check(lambda m, x, s: m.select_scatter(x, s, 0, 1), [X2, rand(4, seed=64)])
    check(lambda m, x, s: x.select_scatter(s, -1, 0), [X2, rand(3, dtype=np.float64, seed=65)])
    check(lambda m, x, s: m.slice_scatter(x, s, 1, 0, 4, 2), [X2, rand(3, 2, seed=66)])
    check(lambda m, x, s: x.slice_scatter(s, start=1), [X2, rand(2, 4, seed=67)])
    check_error(lambda m, x: x.select(0, 5), [X2])
    check_error(lambda m, x: x.select(2, 0), [X2])
    check_error(lambda m, x: x.select(0, 0), [np.array(1.0)])
    check_error(lambda m, x, s: m.select_scatter(x, s, 0, 1), [X2, rand(3)])
    check_error(lambda m, x, s: m.slice_scatter(x, s, 1, 0, 4, 2), [X2, rand(3, 3)])
    gradcheck(lambda x, s: x.slice_scatter(s, 1, 1, None, 2) * 2, [X2, rand(3, 2)])
    gradcheck(lambda x, s: x.select_scatter(s, 0, 1).select(1, 2), [X2, rand(4)])
