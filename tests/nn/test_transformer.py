"""Transformer encoder/decoder layers, stacks and nn.Transformer vs torch (weights via state_dict)."""
import math

import numpy as np
import pytest
import torch

import ember
from ember.nn.modules.transformer import (Transformer, TransformerEncoder, TransformerDecoder,
                                          TransformerEncoderLayer, TransformerDecoderLayer)
from ember.nn import LayerNorm

from tests.oracle import rand

E = {'Transformer': Transformer, 'TransformerEncoderLayer': TransformerEncoderLayer,
     'TransformerDecoderLayer': TransformerDecoderLayer}


def copy_weights(em, tm):
    assert list(em.state_dict()) == list(tm.state_dict())
    assert [tuple(v.shape) for v in em.state_dict().values()] == [tuple(v.shape) for v in tm.state_dict().values()]
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})


def make(kind, *a, dtype=np.float32, train=False, **kw):
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(*a, **kw)
    em = E[kind](*a, **kw)
    if dtype == np.float64:
        tm.double()
        em.double()
    copy_weights(em, tm)
    tm.train(train)
    em.train(train)
    return em, tm


def compare(em, tm, e_out, t_out, e_ins, t_ins, dtype):
    tol = {'rtol': 3e-4, 'atol': 3e-5} if dtype == np.float32 else {'rtol': 1e-9, 'atol': 1e-10}
    assert tuple(e_out.shape) == tuple(t_out.shape)
    assert str(e_out.dtype)[6:] == str(t_out.dtype)[6:]
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), **tol)
    g = np.random.default_rng(3).standard_normal(tuple(t_out.shape)).astype(dtype)
    (e_out * ember.tensor(g)).sum().backward()
    (t_out * torch.from_numpy(g)).sum().backward()
    for i, (e, t) in enumerate(zip(e_ins, t_ins)):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), err_msg=f'grad input {i}', **tol)
    tp = dict(tm.named_parameters())
    for n, p in em.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), err_msg=n, **tol)


def inputs(*arrs):
    return ([ember.tensor(a.copy()).requires_grad_() for a in arrs],
            [torch.from_numpy(a.copy()).requires_grad_() for a in arrs])


def T(m, a):
    return torch.from_numpy(a) if m is torch else ember.tensor(a)


@pytest.mark.parametrize('norm_first', [False, True])
@pytest.mark.parametrize('activation', ['relu', 'gelu'])
@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_encoder_layer(norm_first, activation, batch_first, dtype):
    em, tm = make('TransformerEncoderLayer', 8, 2, dim_feedforward=16, activation=activation, dtype=dtype,
                  norm_first=norm_first, batch_first=batch_first)
    x = rand(*((2, 5, 8) if batch_first else (5, 2, 8)), dtype=dtype, seed=0)
    (ex,), (tx,) = inputs(x)
    compare(em, tm, em(ex), tm(tx), [ex], [tx], dtype)


@pytest.mark.parametrize('masks', ['src_mask', 'kpm', 'both', 'causal'])
def test_encoder_layer_masks_train_dropout0(masks):
    dtype = np.float64
    em, tm = make('TransformerEncoderLayer', 8, 4, dim_feedforward=12, dropout=0.0, dtype=dtype, train=True,
                  layer_norm_eps=1e-3, bias=False)
    x = rand(4, 3, 8, dtype=dtype, seed=0)
    kpm = np.zeros((3, 4), bool)
    kpm[2, 3:] = True
    sm = np.triu(np.full((4, 4), -np.inf), 1)

    def kw(m):
        if masks == 'src_mask':
            return dict(src_mask=T(m, np.random.default_rng(0).standard_normal((4, 4))))
        if masks == 'kpm':
            return dict(src_key_padding_mask=T(m, kpm))
        if masks == 'both':
            return dict(src_mask=T(m, sm), src_key_padding_mask=T(m, kpm))
        return dict(src_mask=T(m, sm), is_causal=True)
    (ex,), (tx,) = inputs(x)
    compare(em, tm, em(ex, **kw(ember)), tm(tx, **kw(torch)), [ex], [tx], dtype)


@pytest.mark.parametrize('norm_first', [False, True])
@pytest.mark.parametrize('batch_first', [False, True])
def test_decoder_layer(norm_first, batch_first):
    dtype = np.float64
    em, tm = make('TransformerDecoderLayer', 6, 3, dim_feedforward=10, dtype=dtype, norm_first=norm_first,
                  batch_first=batch_first, activation='gelu')
    tg = rand(*((2, 4, 6) if batch_first else (4, 2, 6)), dtype=dtype, seed=0)
    mem = rand(*((2, 5, 6) if batch_first else (5, 2, 6)), dtype=dtype, seed=1)
    tmask = np.triu(np.full((4, 4), -np.inf), 1)
    mkpm = np.zeros((2, 5), bool)
    mkpm[0, 4] = True

    def kw(m):
        return dict(tgt_mask=T(m, tmask), memory_key_padding_mask=T(m, mkpm), tgt_is_causal=True)
    (et, emem), (tt, tmem) = inputs(tg, mem)
    compare(em, tm, em(et, emem, **kw(ember)), tm(tt, tmem, **kw(torch)), [et, emem], [tt, tmem], dtype)


@pytest.mark.parametrize('norm', [False, True])
def test_encoder_decoder_stacks(norm):
    dtype = np.float32
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    tenc = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8) if norm else None, enable_nested_tensor=False)
    eenc = TransformerEncoder(TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, norm=LayerNorm(8) if norm else None)
    copy_weights(eenc, tenc)
    x = rand(5, 3, 8, seed=0)
    mask = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
    (ex,), (tx,) = inputs(x)
    compare(eenc, tenc, eenc(ex, mask=ember.tensor(mask)), tenc(tx, mask=torch.from_numpy(mask)), [ex], [tx], dtype)
    tdec = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2,
                                       norm=torch.nn.LayerNorm(8) if norm else None)
    edec = TransformerDecoder(TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2, norm=LayerNorm(8) if norm else None)
    copy_weights(edec, tdec)
    (et, em_), (tt, tm_) = inputs(rand(4, 3, 8, seed=1), rand(5, 3, 8, seed=2))
    compare(edec, tdec, edec(et, em_), tdec(tt, tm_), [et, em_], [tt, tm_], dtype)


@pytest.mark.parametrize('norm_first', [False, True])
@pytest.mark.parametrize('batch_first', [False, True])
def test_full_transformer(norm_first, batch_first):
    dtype = np.float32
    em, tm = make('Transformer', d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=12,
                  norm_first=norm_first, batch_first=batch_first)
    src = rand(*((2, 5, 8) if batch_first else (5, 2, 8)), seed=0)
    tgt = rand(*((2, 3, 8) if batch_first else (3, 2, 8)), seed=1)
    tmask = Transformer.generate_square_subsequent_mask(3)
    ttmask = torch.nn.Transformer.generate_square_subsequent_mask(3)
    np.testing.assert_array_equal(tmask.numpy(), ttmask.numpy())
    assert tmask.dtype == ember.float32
    skpm = np.zeros((2, 5), bool)
    skpm[1, 3:] = True
    (es, et), (ts, tt) = inputs(src, tgt)
    eo = em(es, et, tgt_mask=tmask, src_key_padding_mask=ember.tensor(skpm), memory_key_padding_mask=ember.tensor(skpm))
    to = tm(ts, tt, tgt_mask=ttmask, src_key_padding_mask=torch.from_numpy(skpm),
            memory_key_padding_mask=torch.from_numpy(skpm))
    compare(em, tm, eo, to, [es, et], [ts, tt], dtype)


def test_repr_init_and_errors():
    torch.manual_seed(0)
    for kind, a, kw in [('TransformerEncoderLayer', (8, 2), dict(dim_feedforward=16)),
                        ('TransformerDecoderLayer', (8, 2), dict(dim_feedforward=16, bias=False)),
                        ('Transformer', (), dict(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                                                 dim_feedforward=16))]:
        e, t = E[kind](*a, **kw), getattr(torch.nn, kind)(*a, **kw)
        assert repr(e) == repr(t)
        assert list(e.state_dict()) == list(t.state_dict())
    m = Transformer(d_model=32, nhead=4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=64)
    w = m.encoder.layers[0].linear1.weight.detach().numpy()       # xavier_uniform_
    bound = math.sqrt(6 / (32 + 64))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        TransformerEncoderLayer(8, 2, activation='tanh')
    with pytest.raises(AssertionError):
        TransformerEncoderLayer(8, 3)
    # callable activation
    layer = TransformerEncoderLayer(8, 2, 16, activation=lambda x: x.tanh())
    assert layer(ember.randn(3, 2, 8)).shape == (3, 2, 8)
    m = Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        m(ember.randn(3, 2, 8), ember.randn(3, 3, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        m(ember.randn(3, 2, 8), ember.randn(3, 2, 7))


def test_train_mode_dropout_changes_output():
    m = TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = ember.randn(4, 2, 8)
    m.train()
    a, b = m(x), m(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    m.eval()
    np.testing.assert_array_equal(m(x).detach().numpy(), m(x).detach().numpy())


@pytest.mark.parametrize('left_aligned', [True, False])
def test_encoder_inference_fast_path_padding(left_aligned):
    torch.manual_seed(0)
    tenc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2,
                                       norm=torch.nn.LayerNorm(8))
    eenc = TransformerEncoder(TransformerEncoderLayer(8, 2, 16, batch_first=True), 2, norm=LayerNorm(8))
    copy_weights(eenc, tenc)
    tenc.eval()
    eenc.eval()
    x = rand(3, 5, 8, seed=0)
    kpm = np.zeros((3, 5), bool)
    kpm[1, 3:] = True
    kpm[2, 1:] = True
    if not left_aligned:
        kpm[0, 0] = True
    with torch.no_grad():
        to = tenc(torch.from_numpy(x), src_key_padding_mask=torch.from_numpy(kpm))
    with ember.no_grad():
        eo = eenc(ember.tensor(x), src_key_padding_mask=ember.tensor(kpm))
    np.testing.assert_allclose(eo.numpy(), to.numpy(), rtol=3e-4, atol=3e-5)
    # with grad enabled torch takes the regular path: padded positions are computed
    to2 = tenc(torch.from_numpy(x), src_key_padding_mask=torch.from_numpy(kpm))
    eo2 = eenc(ember.tensor(x), src_key_padding_mask=ember.tensor(kpm))
    np.testing.assert_allclose(eo2.detach().numpy(), to2.detach().numpy(), rtol=3e-4, atol=3e-5)


def test_nested_tensor_warning():
    with pytest.warns(UserWarning, match="self.use_nested_tensor is False because encoder_layer.norm_first was True"):
        e = TransformerEncoder(TransformerEncoderLayer(8, 2, 16, norm_first=True, batch_first=True), 1)
    assert e.use_nested_tensor is False
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert TransformerEncoder(TransformerEncoderLayer(8, 2, 16, batch_first=True), 1).use_nested_tensor
