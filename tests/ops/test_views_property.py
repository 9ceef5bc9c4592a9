"""Property tests: random shapes x random chains of view ops give torch's values and layout."""
import numpy as np
import torch
from hypothesis import given, settings, HealthCheck, strategies as st

import ember


def _factor_shape(data, n, max_dims=4):
    """A random shape whose product is n (n > 0), possibly with size-1 dims."""
    dims = []
    rest = n
    for _ in range(data.draw(st.integers(0, max_dims - 1))):
        divs = [d for d in range(1, rest + 1) if rest % d == 0]
        d = data.draw(st.sampled_from(divs))
        dims.append(d)
        rest //= d
    dims.append(rest)
    return tuple(data.draw(st.permutations(dims)))


def draw_op(data, shape):
    """Pick a view op applicable to ``shape``; returns (name, fn(module, x))."""
    nd = len(shape)
    numel = int(np.prod(shape)) if shape else 1
    choices = ['reshape', 'view', 'unsqueeze', 'expand', 'flatten']
    if nd >= 1:
        choices += ['transpose', 'permute', 'narrow', 'squeeze_dim', 'movedim', 'unflatten', 'split_piece',
                    'unbind_piece', 'unfold', 'chunk_piece']
    if nd >= 2:
        choices += ['mT']
    if nd <= 2:
        choices += ['t']
    choices += ['squeeze']
    name = data.draw(st.sampled_from(choices))
    if name in ('reshape', 'view'):
        new = _factor_shape(data, numel) if numel else data.draw(st.sampled_from([(0,), (0, 1), shape]))
        if numel and data.draw(st.booleans()):
            i = data.draw(st.integers(0, len(new) - 1))
            new = new[:i] + (-1,) + new[i + 1:]
        return name, lambda m, x: getattr(x, name)(*new)
    if name == 'unsqueeze':
        d = data.draw(st.integers(-nd - 1, nd))
        return name, lambda m, x: x.unsqueeze(d)
    if name == 'expand':
        lead = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2)))
        tgt = tuple(data.draw(st.sampled_from([s, -1] if s != 1 else [1, 2, 3, -1])) for s in shape)
        return name, lambda m, x: x.expand(*(lead + tgt))
    if name == 'flatten':
        if nd == 0:
            return name, lambda m, x: x.flatten()
        s = data.draw(st.integers(0, nd - 1))
        e = data.draw(st.integers(s, nd - 1))
        return name, lambda m, x: x.flatten(s, e)
    if name == 'transpose':
        a, b = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
        return name, lambda m, x: x.transpose(a, b)
    if name == 'permute':
        p = data.draw(st.permutations(range(nd)))
        return name, lambda m, x: x.permute(*p)
    if name == 'narrow':
        d = data.draw(st.integers(0, nd - 1))
        start = data.draw(st.integers(0, shape[d]))
        ln = data.draw(st.integers(0, shape[d] - start))
        return name, lambda m, x: x.narrow(d, start, ln)
    if name == 'squeeze_dim':
        d = data.draw(st.integers(-nd, nd - 1))
        return name, lambda m, x: x.squeeze(d)
    if name == 'squeeze':
        return name, lambda m, x: x.squeeze()
    if name == 'movedim':
        a, b = data.draw(st.integers(0, nd - 1)), data.draw(st.integers(0, nd - 1))
        return name, lambda m, x: x.movedim(a, b)
    if name == 'unflatten':
        d = data.draw(st.integers(0, nd - 1))
        sizes = _factor_shape(data, shape[d], 3) if shape[d] else (0, 1)
        return name, lambda m, x: x.unflatten(d, sizes)
    if name in ('split_piece', 'chunk_piece'):
        d = data.draw(st.integers(0, nd - 1))
        k = data.draw(st.integers(1, 3))
        if name == 'split_piece':
            pieces = -(-shape[d] // k) if shape[d] else 1
            i = data.draw(st.integers(0, max(pieces - 1, 0)))
            return name, lambda m, x: x.split(k, d)[i]
        i = data.draw(st.integers(0, 2))
        return name, lambda m, x: x.chunk(k, d)[min(i, len(x.chunk(k, d)) - 1)]
    if name == 'unbind_piece':
        d = data.draw(st.integers(0, nd - 1))
        if shape[d] == 0:
            return 'squeeze', lambda m, x: x.squeeze()
        i = data.draw(st.integers(0, shape[d] - 1))
        return name, lambda m, x: x.unbind(d)[i]
    if name == 'unfold':
        d = data.draw(st.integers(0, nd - 1))
        size = data.draw(st.integers(0, shape[d]))
        step = data.draw(st.integers(1, 3))
        return name, lambda m, x: x.unfold(d, size, step)
    if name == 'mT':
        return name, lambda m, x: x.mT
    return name, lambda m, x: x.t()


def _layout(t):
    if isinstance(t, ember.Tensor):
        # the exact strides ember built (Tensor.stride() rewrites a 0 stride on a size-1 dim)
        strides = tuple(s // t._data.itemsize for s in t._data.strides)
    else:
        strides = t.stride()
    return tuple(t.shape), strides, t.storage_offset(), t.is_contiguous()


def _stride_ok(e, t):
    """Tensor.stride() agrees with torch except where torch has stride 0 on a size-1 dim."""
    return all(a == b or (n == 1 and b == 0) for a, b, n in zip(e.stride(), t.stride(), t.shape))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_view_chains(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=0, max_size=4)))
    a = np.arange(int(np.prod(shape)) if shape else 1, dtype=np.float32).reshape(shape)
    e = ember.tensor(a.copy())
    t = torch.tensor(a.copy())
    e_base, t_base = e, t
    for _ in range(data.draw(st.integers(1, 6))):
        name, fn = draw_op(data, tuple(t.shape))
        t_exc = e_exc = None
        try:
            t2 = fn(torch, t)
        except Exception as ex:  # noqa: BLE001
            t_exc = ex
        try:
            e2 = fn(ember, e)
        except Exception as ex:  # noqa: BLE001
            e_exc = ex
        if t_exc is not None:
            assert e_exc is not None, f"{name}: torch raised {t_exc!r}, ember did not"
            expected = type(t_exc)
            while expected.__module__ != 'builtins':
                expected = expected.__mro__[1]
            assert isinstance(e_exc, expected), f"{name}: {e_exc!r} vs torch {t_exc!r}"
            break
        assert e_exc is None, f"{name}: ember raised {e_exc!r}, torch did not"
        e, t = e2, t2
        assert tuple(e.shape) == tuple(t.shape), name
        np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=name)
        if not t.numel():
            # (NumPy cannot place an empty array's pointer past the end of its buffer)
            if t.storage_offset() < t.untyped_storage().nbytes() // t.element_size():
                assert e.storage_offset() == t.storage_offset(), f"{name}: storage_offset of an empty view"
        else:
            assert _layout(e) == _layout(t), f"{name}: {_layout(e)} != torch {_layout(t)}"
            assert _stride_ok(e, t), f"{name}: stride() {e.stride()} != torch {t.stride()}"
    # writing through the final view changes the base exactly as in torch
    pos = t.storage_offset() + sum(np.arange(n).reshape((-1,) + (1,) * (t.dim() - 1 - d)) * s
                                   for d, (n, s) in enumerate(zip(t.shape, t.stride())))
    overlapping = np.unique(np.asarray(pos)).size < t.numel()  # e.g. unfold windows: ill-defined
    if not overlapping and t.numel():
        with torch.no_grad():
            t.mul_(-1)
        with ember.no_grad():
            e.mul_(-1)
        np.testing.assert_array_equal(e_base.numpy(), t_base.numpy())


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_chain_grads(data):
    """Gradients through a random view chain match torch."""
    shape = tuple(data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    a = np.random.default_rng(0).standard_normal(shape)
    e = ember.tensor(a.copy(), requires_grad=True)
    t = torch.tensor(a.copy(), requires_grad=True)
    ye, yt = e * 1, t * 1
    for _ in range(data.draw(st.integers(1, 4))):
        name, fn = draw_op(data, tuple(yt.shape))
        if name == 'view':
            name, fn = 'reshape', (lambda f: (lambda m, x: f(m, x.contiguous())))(fn)
        try:
            yt2 = fn(torch, yt)
        except Exception:  # noqa: BLE001
            break
        ye, yt = fn(ember, ye), yt2
    w = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    (ye * ember.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)
