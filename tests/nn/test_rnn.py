"""RNN / LSTM / GRU, the cells and nn.utils.rnn against torch (weights copied via state_dict)."""
import math
import sys

import numpy as np
import pytest
import torch

import ember
from ember.nn.modules.rnn import RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell
from ember.nn.utils import rnn as eru
import torch.nn.utils.rnn as tru

from tests.oracle import check_error, gradcheck

E_CLS = {'RNN': RNN, 'LSTM': LSTM, 'GRU': GRU, 'RNNCell': RNNCell, 'LSTMCell': LSTMCell, 'GRUCell': GRUCell}
T_CLS = {'RNN': torch.nn.RNN, 'LSTM': torch.nn.LSTM, 'GRU': torch.nn.GRU, 'RNNCell': torch.nn.RNNCell,
         'LSTMCell': torch.nn.LSTMCell, 'GRUCell': torch.nn.GRUCell}
TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}


def pair(kind, *args, dtype=np.float32, **kw):
    torch.manual_seed(0)
    tm = T_CLS[kind](*args, **kw)
    em = E_CLS[kind](*args, **kw)
    if dtype == np.float64:
        tm = tm.double()
        em = em.double()
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    return em, tm


def close(e, t, dtype, what=''):
    assert tuple(e.shape) == tuple(t.shape), f"{what}: {tuple(e.shape)} != {tuple(t.shape)}"
    assert str(e.dtype) == str(t.dtype).replace('torch', 'ember'), what
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), err_msg=what, **TOL[dtype])


def flat(o):
    if isinstance(o, (tuple, list)):
        r = []
        for x in o:
            r += flat(x)
        return r
    if isinstance(o, (tru.PackedSequence, eru.PackedSequence)):
        return [o.data]
    return [o] if o is not None else []


def compare(em, tm, e_out, t_out, e_ins, t_ins, dtype, seed=1):
    ef, tf = flat(e_out), flat(t_out)
    assert len(ef) == len(tf)
    for i, (e, t) in enumerate(zip(ef, tf)):
        close(e, t, dtype, f'output {i}')
    rng = np.random.default_rng(seed)
    gs = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in tf]
    tl = sum((t * torch.from_numpy(g)).sum() for t, g in zip(tf, gs))
    el = sum((e * ember.tensor(g)).sum() for e, g in zip(ef, gs))
    tl.backward()
    el.backward()
    for i, (e, t) in enumerate(zip(e_ins, t_ins)):
        close(e.grad, t.grad, dtype, f'grad input {i}')
    tp = dict(tm.named_parameters())
    for n, p in em.named_parameters():
        close(p.grad, tp[n].grad, dtype, f'grad {n}')


def mk(shape, dtype, seed=0):
    a = np.random.default_rng(seed).uniform(-1, 1, shape).astype(dtype)
    e = ember.tensor(a.copy()).requires_grad_()
    t = torch.from_numpy(a.copy()).requires_grad_()
    return e, t


@pytest.mark.parametrize('kind', ['RNN', 'LSTM', 'GRU'])
@pytest.mark.parametrize('num_layers,bidirectional', [(1, False), (2, False), (1, True), (2, True)])
@pytest.mark.parametrize('batch_first', [False, True])
def test_padded(kind, num_layers, bidirectional, batch_first):
    dtype = np.float32
    em, tm = pair(kind, 5, 6, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    T, B = 4, 3
    shape = (B, T, 5) if batch_first else (T, B, 5)
    ex, tx = mk(shape, dtype)
    nd = 2 if bidirectional else 1
    eh, th = mk((num_layers * nd, B, 6), dtype, seed=2)
    ins_e, ins_t = [ex, eh], [tx, th]
    if kind == 'LSTM':
        ec, tc = mk((num_layers * nd, B, 6), dtype, seed=3)
        hx_e, hx_t = (eh, ec), (th, tc)
        ins_e.append(ec)
        ins_t.append(tc)
    else:
        hx_e, hx_t = eh, th
    compare(em, tm, em(ex, hx_e), tm(tx, hx_t), ins_e, ins_t, dtype)


@pytest.mark.parametrize('kind', ['RNN', 'LSTM', 'GRU'])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_no_hx_float64_and_options(kind, dtype):
    kw = dict(num_layers=2, bidirectional=True, bias=False)
    if kind == 'RNN':
        kw['nonlinearity'] = 'relu'
    em, tm = pair(kind, 3, 5, dtype=dtype, **kw)
    ex, tx = mk((6, 2, 3), dtype)
    compare(em, tm, em(ex), tm(tx), [ex], [tx], dtype)


@pytest.mark.parametrize('bidirectional', [False, True])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_lstm_proj(bidirectional, dtype):
    em, tm = pair('LSTM', 4, 7, num_layers=2, proj_size=3, bidirectional=bidirectional, dtype=dtype)
    ex, tx = mk((5, 2, 4), dtype)
    nd = 2 if bidirectional else 1
    eh, th = mk((2 * nd, 2, 3), dtype, 1)
    ec, tc = mk((2 * nd, 2, 7), dtype, 2)
    compare(em, tm, em(ex, (eh, ec)), tm(tx, (th, tc)), [ex, eh, ec], [tx, th, tc], dtype)
    assert [tuple(v.shape) for v in em.state_dict().values()] == \
        [tuple(v.shape) for v in tm.state_dict().values()]


@pytest.mark.parametrize('kind', ['RNN', 'LSTM', 'GRU'])
def test_unbatched(kind):
    em, tm = pair(kind, 3, 4, num_layers=2)
    ex, tx = mk((5, 3), np.float64)
    em.double()
    tm.double()
    eh, th = mk((2, 4), np.float64, 1)
    if kind == 'LSTM':
        ec, tc = mk((2, 4), np.float64, 2)
        compare(em, tm, em(ex, (eh, ec)), tm(tx, (th, tc)), [ex, eh, ec], [tx, th, tc], np.float64)
    else:
        compare(em, tm, em(ex, eh), tm(tx, th), [ex, eh], [tx, th], np.float64)


@pytest.mark.parametrize('kind', ['RNN', 'LSTM', 'GRU'])
@pytest.mark.parametrize('enforce_sorted', [True, False])
@pytest.mark.parametrize('bidirectional', [False, True])
@pytest.mark.parametrize('batch_first', [False, True])
def test_packed(kind, enforce_sorted, bidirectional, batch_first):
    dtype = np.float64
    kw = dict(num_layers=2, bidirectional=bidirectional, batch_first=batch_first)
    if kind == 'LSTM':
        kw['proj_size'] = 2
    em, tm = pair(kind, 3, 4, dtype=dtype, **kw)
    lengths = [5, 4, 4, 2, 1] if enforce_sorted else [2, 5, 1, 4, 4]
    B, T = 5, 6
    ex, tx = mk((B, T, 3) if batch_first else (T, B, 3), dtype)
    ep = eru.pack_padded_sequence(ex, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    tp = tru.pack_padded_sequence(tx, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(ep.batch_sizes.numpy(), tp.batch_sizes.numpy())
    nd = 2 if bidirectional else 1
    hs = 2 if kind == 'LSTM' else 4
    eh, th = mk((2 * nd, B, hs), dtype, 1)
    ins_e, ins_t = [ex, eh], [tx, th]
    if kind == 'LSTM':
        ec, tc = mk((2 * nd, B, 4), dtype, 2)
        hx_e, hx_t = (eh, ec), (th, tc)
        ins_e.append(ec)
        ins_t.append(tc)
    else:
        hx_e, hx_t = eh, th
    eo, ehn = em(ep, hx_e)
    to, thn = tm(tp, hx_t)
    assert isinstance(eo, eru.PackedSequence)
    epad, elen = eru.pad_packed_sequence(eo, batch_first=batch_first)
    tpad, tlen = tru.pad_packed_sequence(to, batch_first=batch_first)
    np.testing.assert_array_equal(elen.numpy(), tlen.numpy())
    compare(em, tm, (epad, ehn), (tpad, thn), ins_e, ins_t, dtype)


def test_dropout_train_mode_and_flatten():
    em, tm = pair('LSTM', 3, 4, num_layers=3, dropout=0.5)
    em.flatten_parameters()
    ex = ember.randn(5, 2, 3)
    ember.manual_seed(0)
    o1, _ = em(ex)
    em.eval()
    o2, _ = em(ex)
    o3, _ = em(ex)
    assert not np.allclose(o1.detach().numpy(), o2.detach().numpy())
    np.testing.assert_array_equal(o2.detach().numpy(), o3.detach().numpy())
    with pytest.warns(UserWarning):
        LSTM(3, 4, dropout=0.5)


@pytest.mark.parametrize('kind', ['RNNCell', 'LSTMCell', 'GRUCell'])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('batched', [True, False])
def test_cells(kind, dtype, batched):
    em, tm = pair(kind, 4, 5, dtype=dtype)
    ex, tx = mk((3, 4) if batched else (4,), dtype)
    eh, th = mk((3, 5) if batched else (5,), dtype, 1)
    if kind == 'LSTMCell':
        ec, tc = mk((3, 5) if batched else (5,), dtype, 2)
        compare(em, tm, em(ex, (eh, ec)), tm(tx, (th, tc)), [ex, eh, ec], [tx, th, tc], dtype)
    else:
        compare(em, tm, em(ex, eh), tm(tx, th), [ex, eh], [tx, th], dtype)
    # no hidden state
    em.zero_grad()
    tm.zero_grad()
    ex2, tx2 = mk((2, 4), dtype, 5)
    compare(em, tm, em(ex2), tm(tx2), [ex2], [tx2], dtype)


def test_rnncell_relu_nobias():
    em, tm = pair('RNNCell', 4, 5, bias=False, nonlinearity='relu')
    ex, tx = mk((3, 4), np.float32)
    compare(em, tm, em(ex), tm(tx), [ex], [tx], np.float32)
    assert repr(em) == repr(tm)


@pytest.mark.parametrize('mode', ['LSTM', 'GRU', 'RNN_TANH', 'RNN_RELU'])
def test_gradcheck_layer(mode):
    from ember.nn.modules.rnn import _RNNLayer
    G = {'LSTM': 4, 'GRU': 3}.get(mode, 1)
    H = 3
    rng = np.random.default_rng(0)
    bs = (3, 2, 2, 1)
    N = sum(bs)
    xw = rng.standard_normal((N, G * H))
    h0 = rng.standard_normal((3, H))
    c0 = rng.standard_normal((3, H))
    w = rng.standard_normal((G * H, H)) * 0.5
    b = rng.standard_normal(G * H)
    for rev in (False, True):
        if mode == 'LSTM':
            gradcheck(lambda x, h, c, w_, b_: _RNNLayer.apply(x, h, c, w_, b_, None, mode, bs, rev),
                      [xw, h0, c0, w, b])
        else:
            gradcheck(lambda x, h, w_, b_: _RNNLayer.apply(x, h, None, w_, b_, None, mode, bs, rev),
                      [xw, h0, w, b])


def test_gradcheck_lstm_proj_and_cells():
    from ember.nn.modules.rnn import _RNNLayer
    rng = np.random.default_rng(1)
    bs = (2, 2, 1)
    xw = rng.standard_normal((5, 16))
    h0 = rng.standard_normal((2, 2))
    c0 = rng.standard_normal((2, 4))
    w = rng.standard_normal((16, 2)) * 0.5
    wr = rng.standard_normal((2, 4)) * 0.5
    gradcheck(lambda x, h, c, w_, r_: _RNNLayer.apply(x, h, c, w_, None, r_, 'LSTM', bs, True),
              [xw, h0, c0, w, wr])
    cell = GRUCell(3, 2).double()
    gradcheck(lambda x, h: cell(x, h), [rng.standard_normal((2, 3)), rng.standard_normal((2, 2))])


@pytest.mark.parametrize('kind,kw', [('GRU', {}), ('LSTM', dict(proj_size=2, bidirectional=True)),
                                     ('RNN', dict(nonlinearity='relu'))])
def test_double_backward_matches_torch(kind, kw):
    em, tm = pair(kind, 3, 4, dtype=np.float64, **kw)
    ex, tx = mk((4, 2, 3), np.float64)
    (eg,) = ember.autograd.grad(em(ex)[0].pow(2).sum(), ex, create_graph=True)
    (tg,) = torch.autograd.grad(tm(tx)[0].pow(2).sum(), tx, create_graph=True)
    close(eg, tg, np.float64)
    eg.pow(2).sum().backward()
    tg.pow(2).sum().backward()
    close(ex.grad, tx.grad, np.float64, 'second order')
    close(em.weight_hh_l0.grad, tm.weight_hh_l0.grad, np.float64, 'second order w')


def test_long_sequence_backward():
    em, tm = pair('LSTM', 2, 3)
    ex, tx = mk((1500, 1, 2), np.float64)
    em.double()
    tm.double()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        eo, _ = em(ex)
        eo.sum().backward()
    finally:
        sys.setrecursionlimit(limit)
    to, _ = tm(tx)
    to.sum().backward()
    close(ex.grad, tx.grad, np.float64)


@pytest.mark.parametrize('kind', ['RNN', 'LSTM', 'GRU'])
def test_repr_state_dict_init(kind):
    for kw in [{}, dict(num_layers=2, bidirectional=True, batch_first=True, dropout=0.25, bias=False)]:
        em, tm = pair(kind, 10, 20, **kw)
        assert repr(em) == repr(tm)
        assert list(em.state_dict()) == list(tm.state_dict())
        assert [tuple(v.shape) for v in em.state_dict().values()] == \
            [tuple(v.shape) for v in tm.state_dict().values()]
    m = E_CLS[kind](50, 400)
    bound = 1 / math.sqrt(400)
    w = m.weight_hh_l0.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    if kind == 'RNN':
        assert repr(RNN(3, 4, nonlinearity='relu')) == repr(torch.nn.RNN(3, 4, nonlinearity='relu'))
    else:
        assert len(m.all_weights) == 1 and len(m.all_weights[0]) == 4
    if kind == 'LSTM':
        assert repr(LSTM(3, 4, proj_size=2)) == repr(torch.nn.LSTM(3, 4, proj_size=2))
    for c in ('RNNCell', 'LSTMCell', 'GRUCell'):
        assert repr(E_CLS[c](3, 4, bias=False)) == repr(T_CLS[c](3, 4, bias=False))


def NN(m):
    """torch.nn, or ember's classes (until ember.nn re-exports them)."""
    if m is torch:
        return torch.nn
    import types
    return types.SimpleNamespace(**E_CLS)


def test_errors():
    x = np.zeros((4, 2, 7), np.float32)
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. Expected 10, got 7"):
        LSTM(10, 5)(ember.tensor(x))
    check_error(lambda m, x: NN(m).LSTM(10, 5)(x), [x])
    x = np.zeros((4, 2, 3), np.float32)
    h = np.zeros((1, 3, 5), np.float32)
    check_error(lambda m, x, h: NN(m).GRU(3, 5)(x, h), [x, h], match=r"Expected hidden size \(1, 2, 5\), got \[1, 3, 5\]")
    check_error(lambda m, x, h: NN(m).LSTM(3, 5)(x, (h, h)), [x, h],
                match=r"Expected hidden\[0\] size \(1, 2, 5\), got \[1, 3, 5\]")
    h2 = np.zeros((1, 2, 5), np.float32)
    c2 = np.zeros((1, 2, 4), np.float32)
    check_error(lambda m, x, h, c: NN(m).LSTM(3, 5)(x, (h, c)), [x, h2, c2],
                match=r"Expected hidden\[1\] size \(1, 2, 5\), got \[1, 2, 4\]")
    check_error(lambda m, x, h: NN(m).RNN(3, 5)(x, h), [x, np.zeros((2, 5), np.float32)],
                match="For batched 3-D input, hx should also be 3-D but got 2-D tensor")
    check_error(lambda m, x: NN(m).RNN(3, 5)(x), [np.zeros((2, 3, 4, 3), np.float32)], match="Expected input to be 2D or 3D")
    check_error(lambda m, x: NN(m).RNN(3, 5)(x), [np.zeros((2, 3, 3), np.float64)], match="does not match weight dtype")
    check_error(lambda m: NN(m).RNN(3, 5, proj_size=2), [], match="proj_size argument is only supported")
    check_error(lambda m: NN(m).LSTM(3, 5, proj_size=5), [], match="proj_size has to be smaller")
    check_error(lambda m: NN(m).LSTM(3, 5, dropout=1.5), [], match="dropout should be a number")
    check_error(lambda m: NN(m).RNN(3, 5, nonlinearity='gelu'), [], match="Unknown nonlinearity")
    check_error(lambda m, x: NN(m).LSTMCell(3, 5)(x), [np.zeros((2, 4), np.float32)],
                match="input has inconsistent input_size: got 4 expected 3")
    check_error(lambda m, x, h: NN(m).GRUCell(3, 5)(x, h), [np.zeros((2, 3), np.float32), np.zeros((3, 5), np.float32)],
                match="Input batch size 2 doesn't match hidden0 batch size 3")
    check_error(lambda m, x: NN(m).GRUCell(3, 5)(x), [np.zeros((2, 2, 3), np.float32)], match="Expected input to be 1D or 2D")


# ------------------------------------------------------------------------ nn.utils.rnn
@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('padding_side', ['right', 'left'])
def test_pad_sequence(batch_first, padding_side):
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal((n, 2, 3)) for n in (3, 5, 1)]
    es = [ember.tensor(a).requires_grad_() for a in arrs]
    ts = [torch.from_numpy(a.copy()).requires_grad_() for a in arrs]
    eo = eru.pad_sequence(es, batch_first=batch_first, padding_value=-1.5, padding_side=padding_side)
    to = tru.pad_sequence(ts, batch_first=batch_first, padding_value=-1.5, padding_side=padding_side)
    compare(torch.nn.Module(), torch.nn.Module(), eo, to, es, ts, np.float64)


@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('enforce_sorted', [False, True])
def test_pack_pad_roundtrip(batch_first, enforce_sorted):
    rng = np.random.default_rng(0)
    lengths = [4, 4, 2, 1] if enforce_sorted else [2, 4, 1, 4]
    a = rng.standard_normal((4, 5, 2) if batch_first else (5, 4, 2)).astype(np.float32)
    ex, tx = ember.tensor(a).requires_grad_(), torch.from_numpy(a.copy()).requires_grad_()
    ep = eru.pack_padded_sequence(ex, ember.tensor(lengths), batch_first, enforce_sorted)
    tp = tru.pack_padded_sequence(tx, torch.tensor(lengths), batch_first, enforce_sorted)
    for e, t in zip(ep[1:], tp[1:]):
        if t is None:
            assert e is None
        else:
            np.testing.assert_array_equal(e.numpy(), t.numpy())
            assert str(e.dtype) == 'ember.int64'
    close(ep.data, tp.data, np.float32)
    epd, el = eru.pad_packed_sequence(ep, batch_first, padding_value=9.0, total_length=6)
    tpd, tl = tru.pad_packed_sequence(tp, batch_first, padding_value=9.0, total_length=6)
    np.testing.assert_array_equal(el.numpy(), tl.numpy())
    compare(torch.nn.Module(), torch.nn.Module(), epd, tpd, [ex], [tx], np.float32)
    # pack_sequence / unpack_sequence
    seqs = [a[:n, 0] if not batch_first else a[0, :n] for n in lengths]
    eps = eru.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
    tps = tru.pack_sequence([torch.from_numpy(s) for s in seqs], enforce_sorted=enforce_sorted)
    close(eps.data, tps.data, np.float32)
    for e, t in zip(eru.unpack_sequence(eps), tru.unpack_sequence(tps)):
        close(e, t, np.float32)
    assert isinstance(eps.double().data, ember.Tensor) and eps.double().data.dtype == ember.float64


def test_pack_ties_and_errors():
    lengths = [2, 3, 2, 3, 1, 3]
    x = np.zeros((3, 6, 1), np.float32)
    ep = eru.pack_padded_sequence(ember.tensor(x), lengths, enforce_sorted=False)
    tp = tru.pack_padded_sequence(torch.from_numpy(x), lengths, enforce_sorted=False)
    np.testing.assert_array_equal(ep.sorted_indices.numpy(), tp.sorted_indices.numpy())
    np.testing.assert_array_equal(ep.unsorted_indices.numpy(), tp.unsorted_indices.numpy())
    x = np.zeros((3, 2, 1), np.float32)
    for ln in ([1, 2], [2, 0], [2, 1, 1]):
        check_error(lambda m, x: (tru if m is torch else eru).pack_padded_sequence(x, ln), [x])
    e = eru.pack_padded_sequence(ember.tensor(x), [3, 2])
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        eru.pad_packed_sequence(e, total_length=2)


def test_training_loop_converges():
    """A tiny sequence classifier trained with ember.optim: the loss must drop."""
    ember.manual_seed(0)
    rnn = LSTM(4, 16, batch_first=True)
    head = ember.nn.Linear(16, 2)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = ember.optim.Adam(params, lr=0.02)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 7, 4)).astype(np.float32)
    y = (x[:, :, 0].sum(1) > 0).astype(np.int64)
    X, Y = ember.tensor(x), ember.tensor(y)
    losses = []
    for _ in range(40):
        _, (h, _) = rnn(X)
        loss = ember.nn.functional.cross_entropy(head(h[-1]), Y)
        opt.zero_grad()
        loss.backward()
        ember.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
