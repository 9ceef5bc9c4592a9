"""F.scaled_dot_product_attention, F.multi_head_attention_forward and nn.MultiheadAttention vs torch."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
from ember.nn._functional.attention import scaled_dot_product_attention, multi_head_attention_forward
from ember.nn.modules.activation_attention import MultiheadAttention

from tests.oracle import check, check_error, gradcheck, rand


def sdpa(m, *a, **k):
    return (TF.scaled_dot_product_attention if m is torch else scaled_dot_product_attention)(*a, **k)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape', [((2, 3, 5, 4), (2, 3, 6, 4)), ((5, 4), (7, 4)), ((1, 1, 3, 8), (1, 1, 2, 8))])
def test_sdpa_plain_and_scale(dtype, shape):
    qs, ks = shape
    q, k, v = rand(*qs, dtype=dtype, seed=0), rand(*ks, dtype=dtype, seed=1), rand(*ks[:-1], 3, dtype=dtype, seed=2)
    check(lambda m, q, k, v: sdpa(m, q, k, v), [q, k, v])
    check(lambda m, q, k, v: sdpa(m, q, k, v, scale=0.3), [q, k, v])


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_sdpa_masks(dtype):
    q, k, v = rand(2, 3, 5, 4, dtype=dtype, seed=0), rand(2, 3, 6, 4, dtype=dtype, seed=1), \
        rand(2, 3, 6, 4, dtype=dtype, seed=2)
    bmask = rand(5, 6, dtype=bool, seed=3)
    bmask[:, 0] = True
    check(lambda m, q, k, v, msk: sdpa(m, q, k, v, attn_mask=msk), [q, k, v, bmask])
    fmask = rand(2, 1, 5, 6, dtype=dtype, seed=4)
    check(lambda m, q, k, v, msk: sdpa(m, q, k, v, attn_mask=msk), [q, k, v, fmask])   # grad of mask too
    check(lambda m, q, k, v: sdpa(m, q, k, v, is_causal=True), [q, k, v])
    q2 = rand(2, 3, 7, 4, dtype=dtype, seed=5)
    check(lambda m, q, k, v: sdpa(m, q, k, v, is_causal=True), [q2, k, v])


def test_sdpa_fully_masked_rows_are_zero():
    q, k, v = rand(2, 3, 4, seed=0), rand(2, 5, 4, seed=1), rand(2, 5, 4, seed=2)
    m = np.zeros((3, 5), bool)
    m[1] = True
    check(lambda M, q, k, v, msk: sdpa(M, q, k, v, attn_mask=msk), [q, k, v, m])
    f = np.where(m, 0, -np.inf).astype(np.float32)
    check(lambda M, q, k, v, msk: sdpa(M, q, k, v, attn_mask=msk), [q, k, v, f], grad=False)


def test_sdpa_gqa_dropout_errors():
    q, k, v = rand(1, 4, 3, 2, seed=0), rand(1, 2, 5, 2, seed=1), rand(1, 2, 5, 2, seed=2)
    check(lambda m, q, k, v: sdpa(m, q, k, v, enable_gqa=True), [q, k, v])
    # dropout: p=1 zeroes everything, p in (0,1) keeps the expectation
    e = scaled_dot_product_attention(*(ember.tensor(x) for x in (q, k, v)), enable_gqa=True, dropout_p=1.0)
    assert np.all(e.numpy() == 0)
    ember.manual_seed(0)
    x = ember.ones(1, 1, 200, 2)
    out = scaled_dot_product_attention(x, x, ember.ones(1, 1, 200, 2), dropout_p=0.5)
    assert 0.8 < out.mean().item() < 1.2 and not np.allclose(out.numpy(), 1)
    qd = rand(2, 3, 4, dtype=np.float64)
    check_error(lambda m, q, k: sdpa(m, q, k, k), [qd, rand(2, 5, 4)], match='same dtype')
    check_error(lambda m, q, k, msk: sdpa(m, q, k, k, attn_mask=msk, is_causal=True),
                [rand(2, 3, 4), rand(2, 5, 4), np.ones((3, 5), bool)], match='is_causal')
    check_error(lambda m, q, k, msk: sdpa(m, q, k, k, attn_mask=msk),
                [rand(2, 3, 4), rand(2, 5, 4), np.ones((3, 5), np.int64)], match='attn_mask dtype')
    check_error(lambda m, q, k: sdpa(m, q, k, k), [rand(2, 3, 4), rand(2, 5, 3)])


def test_sdpa_gradcheck():
    rng = np.random.default_rng(0)
    gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v, is_causal=True),
              [rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 4, 3))])
    m = np.array([[True, False, True, False], [False, False, False, False], [True, True, True, True]])
    gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v, attn_mask=ember.tensor(m), scale=0.7),
              [rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 4, 3))])


# ------------------------------------------------------------------- MultiheadAttention
def pair(*args, dtype=np.float32, **kw):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(*args, **kw)
    em = MultiheadAttention(*args, **kw)
    if dtype == np.float64:
        tm.double()
        em.double()
    assert list(em.state_dict()) == list(tm.state_dict())
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    return em, tm


def run_pair(em, tm, ins, dtype, kwargs_fn=lambda m: {}, self_attn=False, tol=None):
    tol = tol or ({'rtol': 2e-4, 'atol': 2e-5} if dtype == np.float32 else {'rtol': 1e-9, 'atol': 1e-11})
    e_in = [ember.tensor(a.copy()).requires_grad_() for a in ins]
    t_in = [torch.from_numpy(a.copy()).requires_grad_() for a in ins]
    if self_attn:
        eo = em(e_in[0], e_in[0], e_in[0], **kwargs_fn(ember))
        to = tm(t_in[0], t_in[0], t_in[0], **kwargs_fn(torch))
    else:
        eo = em(*e_in, **kwargs_fn(ember))
        to = tm(*t_in, **kwargs_fn(torch))
    rng = np.random.default_rng(7)
    el = tl = 0
    for e, t in zip(eo, to):
        if t is None:
            assert e is None
            continue
        assert tuple(e.shape) == tuple(t.shape) and str(e.dtype)[6:] == str(t.dtype)[6:]
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), **tol)
        g = rng.standard_normal(tuple(t.shape)).astype(dtype)
        el = el + (e * ember.tensor(g)).sum()
        tl = tl + (t * torch.from_numpy(g)).sum()
    el.backward()
    tl.backward()
    for i, (e, t) in enumerate(zip(e_in, t_in)):
        if self_attn and i > 0:
            break
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), err_msg=f'grad input {i}', **tol)
    tp = dict(tm.named_parameters())
    for n, p in em.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), err_msg=n, **tol)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('need_weights,average', [(True, True), (True, False), (False, True)])
def test_mha_basic(dtype, batch_first, need_weights, average):
    em, tm = pair(8, 2, batch_first=batch_first, dtype=dtype)
    L, S, N = 3, 5, 2
    q = rand(*((N, L, 8) if batch_first else (L, N, 8)), dtype=dtype, seed=0)
    k = rand(*((N, S, 8) if batch_first else (S, N, 8)), dtype=dtype, seed=1)
    v = rand(*k.shape, dtype=dtype, seed=2)
    kw = lambda m: dict(need_weights=need_weights, average_attn_weights=average)  # noqa: E731
    run_pair(em, tm, [q, k, v], dtype, kw)
    em.zero_grad()
    tm.zero_grad()
    run_pair(em, tm, [q], dtype, kw, self_attn=True)


@pytest.mark.parametrize('need_weights', [True, False])
@pytest.mark.parametrize('mask_kind', ['bool2d', 'float2d', 'float3d', 'kpm_bool', 'kpm_float', 'both', 'causal'])
def test_mha_masks(need_weights, mask_kind):
    dtype = np.float64
    em, tm = pair(6, 3, dtype=dtype)
    L, S, N = 4, 4, 2
    x = rand(L, N, 6, dtype=dtype, seed=0)
    rng = np.random.default_rng(3)
    bm = rng.random((L, S)) < 0.3
    bm[:, 0] = False
    fm2 = rng.standard_normal((L, S))
    fm3 = rng.standard_normal((N * 3, L, S))
    kpm = np.zeros((N, S), bool)
    kpm[1, 2:] = True

    def kw(m):
        T = (lambda a: torch.from_numpy(a)) if m is torch else (lambda a: ember.tensor(a))
        d = dict(need_weights=need_weights)
        if mask_kind == 'bool2d':
            d['attn_mask'] = T(bm)
        elif mask_kind == 'float2d':
            d['attn_mask'] = T(fm2)
        elif mask_kind == 'float3d':
            d['attn_mask'] = T(fm3)
        elif mask_kind == 'kpm_bool':
            d['key_padding_mask'] = T(kpm)
        elif mask_kind == 'kpm_float':
            d['key_padding_mask'] = T(np.where(kpm, -np.inf, 0.0))
        elif mask_kind == 'both':
            d['attn_mask'] = T(bm)
            d['key_padding_mask'] = T(kpm)
        else:
            d['attn_mask'] = T(np.triu(np.full((L, S), -np.inf), 1))
            d['is_causal'] = True
        return d
    run_pair(em, tm, [x], dtype, kw, self_attn=True)


@pytest.mark.parametrize('opts', [dict(bias=False), dict(add_bias_kv=True), dict(add_zero_attn=True),
                                  dict(kdim=3, vdim=5), dict(kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True),
                                  dict(dropout=0.3)])
def test_mha_options(opts):
    dtype = np.float64
    em, tm = pair(6, 2, dtype=dtype, **opts)
    em.eval()
    tm.eval()
    kd, vd = opts.get('kdim', 6), opts.get('vdim', 6)
    q, k, v = rand(3, 2, 6, dtype=dtype, seed=0), rand(4, 2, kd, dtype=dtype, seed=1), rand(4, 2, vd, dtype=dtype, seed=2)
    kpm = np.zeros((2, 4), bool)
    kpm[0, 3] = True
    am = np.zeros((3, 4), bool)
    am[2, 1] = True

    def kw(m):
        T = torch.from_numpy if m is torch else ember.tensor
        return dict(key_padding_mask=T(kpm), attn_mask=T(am))
    run_pair(em, tm, [q, k, v], dtype, kw)
    assert repr(em) == repr(tm)
    assert [tuple(p.shape) for p in em.state_dict().values()] == [tuple(p.shape) for p in tm.state_dict().values()]


def test_mha_unbatched_and_train_dropout0():
    em, tm = pair(4, 2)
    x = rand(3, 4, seed=0)
    run_pair(em, tm, [x], np.float32, self_attn=True)
    m3 = np.zeros((2, 3, 3), bool)
    m3[0, :, 1] = True
    em.zero_grad()
    tm.zero_grad()
    run_pair(em, tm, [x], np.float32, lambda m: dict(attn_mask=(torch.from_numpy if m is torch else ember.tensor)(m3)),
             self_attn=True)


def test_mha_init_and_errors():
    m = MultiheadAttention(64, 4, add_bias_kv=True)
    bound = math.sqrt(6 / (64 + 192))
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.all(m.in_proj_bias.detach().numpy() == 0) and np.all(m.out_proj.bias.detach().numpy() == 0)
    assert type(m.out_proj).__name__ == 'NonDynamicallyQuantizableLinear'
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        MultiheadAttention(10, 3)
    with pytest.raises(ValueError):
        MultiheadAttention(0, 3)

    def mha(M):
        if M is torch:
            torch.manual_seed(0)
            return torch.nn.MultiheadAttention(4, 2)
        return MultiheadAttention(4, 2)
    x = rand(3, 2, 4)
    check_error(lambda M, x, msk: mha(M)(x, x, x, attn_mask=msk), [x, np.zeros((3, 4), bool)],
                match=r"The shape of the 2D attn_mask is .*\[3, 4\]\), but should be \(3, 3\)")
    check_error(lambda M, x, msk: mha(M)(x, x, x, attn_mask=msk), [x, np.zeros((3, 3, 3), bool)],
                match=r"The shape of the 3D attn_mask")
    check_error(lambda M, x, msk: mha(M)(x, x, x, key_padding_mask=msk), [x, np.zeros((2, 4), bool)])
    check_error(lambda M, x: mha(M)(x, x, x), [rand(3, 2, 5)], match="was expecting embedding dimension of 4")
    check_error(lambda M, x: mha(M)(x, x, x), [rand(2, 3, 2, 4)], match="query should be unbatched 2D or batched 3D")
    check_error(lambda M, x: mha(M)(x, x, x, is_causal=True), [x], match="Need attn_mask")
    check_error(lambda M, x, msk: mha(M)(x, x, x, attn_mask=msk), [x, np.zeros((3, 3), np.int64)],
                match="only bool and floating types of attn_mask are supported")


def test_functional_mha_matches_torch():
    rng = np.random.default_rng(0)
    q = rng.standard_normal((3, 2, 4))
    w = rng.standard_normal((12, 4))
    b = rng.standard_normal(12)
    ow = rng.standard_normal((4, 4))
    ob = rng.standard_normal(4)

    def f(m, q, w, b, ow, ob):
        fn = TF.multi_head_attention_forward if m is torch else multi_head_attention_forward
        return fn(q, q, q, 4, 2, w, b, None, None, False, 0.0, ow, ob, training=False)
    check(f, [q, w, b, ow, ob], rtol=1e-9, atol=1e-10)
    gradcheck(lambda q, w, ow: multi_head_attention_forward(q, q, q, 4, 2, w, None, None, None, True, 0.0, ow, None,
                                                            need_weights=False)[0],
              [q[:2, :1], w, ow])
