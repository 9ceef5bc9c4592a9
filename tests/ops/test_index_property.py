"""Property tests: random shapes x random index expressions behave like torch (values, shapes, grads, writes)."""
import numpy as np
from hypothesis import given, settings, HealthCheck, strategies as st

from oracle import check

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _draw_part(data, shape, dim, forward, state, unique, room):
    """One index part consuming dims from ``dim`` (forward) or ending at ``dim`` (backward).

    Returns (part, dims consumed) or (None, 0) when the drawn part is not allowed here."""
    kinds = ['none', 'slice', 'slice']
    if shape[dim] > 0:
        kinds += ['int', 'list']
    # masks mix with index lists only when those broadcast against any mask count (length 1)
    if not state['has_mask'] and (state['n_adv'] == 0 or state['list_len'] == 1):
        kinds.append('mask')
    kind = data.draw(st.sampled_from(kinds))
    n = shape[dim]
    if kind == 'none':
        return ('none', None), 0
    if kind == 'slice':
        start = data.draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
        stop = data.draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
        step = data.draw(st.one_of(st.none(), st.integers(1, 3)))
        return ('slice', slice(start, stop, step)), 1
    if kind == 'int':
        return ('int', data.draw(st.integers(-n, n - 1))), 1
    if kind == 'list':
        if state['has_mask'] and state['list_len'] != 1:
            return None, 0
        L = state['list_len']
        if unique:
            if L > n:
                return None, 0
            vals = data.draw(st.lists(st.integers(0, n - 1), min_size=L, max_size=L, unique=True))
        else:
            vals = data.draw(st.lists(st.integers(-n, n - 1), min_size=L, max_size=L))
        state['n_adv'] += 1
        return ('list', vals), 1
    # a bool mask over 1 or 2 dims
    k = data.draw(st.integers(1, min(2, room)))
    mshape = shape[dim:dim + k] if forward else shape[dim - k + 1:dim + 1]
    seed = data.draw(st.integers(0, 2 ** 16))
    mask = np.random.default_rng(seed).random(mshape) < 0.5
    state['has_mask'] = True
    return ('mask', mask), k


def _draw_index(data, shape, unique=False):
    """A random index expression for a tensor of ``shape``, as a list of (kind, payload) parts."""
    ndim = len(shape)
    state = {'list_len': data.draw(st.sampled_from([1, 1, 2, 3])), 'n_adv': 0, 'has_mask': False}
    pre = []
    dim = 0
    for _ in range(data.draw(st.integers(0, ndim + 1))):
        if dim >= ndim:
            if data.draw(st.booleans()):
                pre.append(('none', None))
            continue
        part, k = _draw_part(data, shape, dim, True, state, unique, ndim - dim)
        if part is not None:
            pre.append(part)
            dim += k
    if not data.draw(st.booleans()):
        return pre
    post = []
    end = ndim - 1
    for _ in range(data.draw(st.integers(0, ndim + 1))):
        if end < dim:
            break
        part, k = _draw_part(data, shape, end, False, state, unique, end - dim + 1)
        if part is not None:
            post.append(part)
            end -= k
    return pre + [('ellipsis', None)] + post[::-1]


def _build(m, parts):
    out = []
    for kind, p in parts:
        if kind == 'none':
            out.append(None)
        elif kind == 'ellipsis':
            out.append(Ellipsis)
        elif kind == 'mask':
            out.append(m.tensor(p))
        elif kind == 'list':
            out.append(m.tensor(np.array(p, dtype=np.int64)))
        else:
            out.append(p)
    return tuple(out)


shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)


@SETTINGS
@given(shape=shapes, data=st.data(), f64=st.booleans())
def test_getitem_matches_torch(shape, data, f64):
    parts = _draw_index(data, shape)
    x = np.random.default_rng(len(parts)).standard_normal(shape).astype(np.float64 if f64 else np.float32)
    transpose = data.draw(st.booleans()) and len(shape) >= 2
    if transpose:  # index a non-contiguous view with the same expression (shape reversed)
        x = np.ascontiguousarray(x.T)

    def fn(m, t):
        if transpose:
            t = t.permute(*range(t.dim() - 1, -1, -1))
        return t[_build(m, parts)]
    check(fn, [x])


@SETTINGS
@given(shape=shapes.filter(lambda s: len(s) >= 1), data=st.data(), scalar=st.booleans())
def test_setitem_matches_torch(shape, data, scalar):
    parts = _draw_index(data, shape, unique=True)
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(np.float32)
    # result shape of the index, from NumPy-free torch run below; value drawn to fit (maybe broadcast)
    import torch
    rshape = tuple(torch.from_numpy(x)[_build(torch, parts)].shape)
    if scalar:
        value = 1.25
    else:
        drop = data.draw(st.integers(0, len(rshape)))
        vshape = tuple(1 if data.draw(st.booleans()) else s for s in rshape[drop:])
        value = rng.standard_normal(vshape).astype(np.float32)

    def fn(m, t, *v):
        y = t * 1
        y[_build(m, parts)] = v[0] if v else value
        return y
    check(fn, [x] if scalar else [x, value])


@SETTINGS
@given(n=st.integers(1, 6), rows=st.integers(1, 4), k=st.integers(0, 8), seed=st.integers(0, 1000),
       dim=st.integers(0, 1))
def test_gather_scatter_family(n, rows, k, seed, dim):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, n)).astype(np.float64)
    size = x.shape[dim]
    idx = rng.integers(0, size, size=(k,)).astype(np.int64)
    check(lambda m, x, i: x.index_select(dim, i), [x, idx])
    src_shape = (k, n) if dim == 0 else (rows, k)
    src = rng.standard_normal(src_shape)
    check(lambda m, x, i, s: x.index_add(dim, i, s), [x, idx, src])
    g_idx = rng.integers(0, size, size=(rows, n)).astype(np.int64)
    check(lambda m, x, i: x.gather(dim, i), [x, g_idx])
    check(lambda m, x, i, s: x.scatter_add(dim, i, s), [x, g_idx, rng.standard_normal((rows, n))])
    check(lambda m, x, i: x.take(i), [x, rng.integers(-x.size, x.size, size=(k,)).astype(np.int64)])
