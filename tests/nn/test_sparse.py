"""Embedding, EmbeddingBag and F.embedding / embedding_bag / one_hot against torch."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error, gradcheck, rand

EF = ember.nn.functional
TF = torch.nn.functional

IDX = np.array([[0, 2, 2, 5], [4, 1, 2, 0], [3, 3, 3, 3]])


def _pair_modules(name, *args, **kw):
    t_mod = getattr(torch.nn, name)(*args, **kw)
    e_mod = getattr(ember.nn, name)(*args, **kw)
    e_mod.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in t_mod.state_dict().items()})
    return e_mod, t_mod


# ------------------------------------------------------------------ F.embedding
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('kw', [dict(), dict(padding_idx=2), dict(padding_idx=-1), dict(scale_grad_by_freq=True),
                                dict(padding_idx=3, scale_grad_by_freq=True)])
def test_embedding_functional(kw, dtype):
    w = rand(6, 5, dtype=dtype, seed=0)
    e, t = check(lambda m, w: m.nn.functional.embedding(m.tensor(IDX), w, **kw), [w])
    assert e.grad_fn.name() == t.grad_fn.name() == 'EmbeddingBackward0'
    check(lambda m, w: m.nn.functional.embedding(m.tensor(IDX[0].astype(np.int32)), w, **kw), [w])
    check(lambda m, w: m.nn.functional.embedding(m.tensor(3), w, **kw), [w])  # 0-d index


def test_embedding_padding_row_gets_zero_grad():
    w = ember.tensor(rand(6, 3, seed=0), requires_grad=True)
    EF.embedding(ember.tensor(IDX), w, padding_idx=2).sum().backward()
    assert np.all(w.grad.numpy()[2] == 0)
    counts = np.bincount(IDX.ravel(), minlength=6).astype(np.float32)
    counts[2] = 0
    np.testing.assert_allclose(w.grad.numpy(), np.repeat(counts[:, None], 3, 1))


def test_embedding_gradcheck_and_double_backward():
    gradcheck(lambda w: EF.embedding(ember.tensor(IDX), w), [rand(6, 3, seed=0)])
    # second order through the embedding backward
    w = rand(6, 3, dtype=np.float64, seed=1)
    res = []
    for m in (ember, torch):
        ws = m.tensor(w, requires_grad=True)
        y = m.nn.functional.embedding(m.tensor(IDX), ws, padding_idx=1)
        (gw,) = m.autograd.grad((y ** 3).sum(), [ws], create_graph=True)
        res.append(m.autograd.grad((gw * gw).sum(), [ws])[0].numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10)


@pytest.mark.parametrize('norm_type', [2.0, 1.0, 3.0, float('inf')])
def test_embedding_max_norm_renormalizes_in_place(norm_type):
    w = rand(6, 4, seed=0) * 3
    tw, ew = torch.tensor(w), ember.tensor(w)
    ty = TF.embedding(torch.tensor(IDX[:2]), tw, max_norm=1.5, norm_type=norm_type)
    ey = EF.embedding(ember.tensor(IDX[:2]), ew, max_norm=1.5, norm_type=norm_type)
    np.testing.assert_allclose(ey.numpy(), ty.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ew.numpy(), tw.numpy(), rtol=1e-5, atol=1e-6)  # weight modified in place
    assert not np.allclose(ew.numpy(), w)
    np.testing.assert_array_equal(ew.numpy()[3], w[3])  # rows not looked up are untouched


def test_embedding_module():
    e_mod, t_mod = _pair_modules('Embedding', 10, 4, padding_idx=1)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict()) == ['weight']
    idx = np.array([[1, 2, 9], [1, 0, 0]])
    ey, ty = e_mod(ember.tensor(idx)), t_mod(torch.tensor(idx))
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy())
    g = rand(2, 3, 4, seed=3)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(e_mod.weight.grad.numpy(), t_mod.weight.grad.numpy(), rtol=1e-6, atol=1e-6)
    for kw in (dict(max_norm=2.0), dict(norm_type=1.0, scale_grad_by_freq=True), dict(padding_idx=-2)):
        assert repr(ember.nn.Embedding(5, 3, **kw)) == repr(torch.nn.Embedding(5, 3, **kw))
    # init: N(0, 1) and zero padding row
    m = ember.nn.Embedding(2000, 50, padding_idx=0)
    w = m.weight.detach().numpy()
    assert np.all(w[0] == 0) and abs(w[1:].std() - 1) < 0.02 and abs(w[1:].mean()) < 0.02
    assert m.weight.requires_grad


def test_embedding_from_pretrained():
    w = rand(4, 3, seed=0)
    for freeze in (True, False):
        e = ember.nn.Embedding.from_pretrained(ember.tensor(w), freeze=freeze, padding_idx=1)
        t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze, padding_idx=1)
        assert repr(e) == repr(t)
        assert e.weight.requires_grad == t.weight.requires_grad
        np.testing.assert_array_equal(e(ember.tensor([1, 3])).detach().numpy(),
                                      t(torch.tensor([1, 3])).detach().numpy())
    with pytest.raises(AssertionError):
        ember.nn.Embedding.from_pretrained(ember.ones(3))


def test_embedding_errors():
    check_error(lambda m, w: m.nn.functional.embedding(m.tensor([5]), w), [rand(3, 2)],
                match="index out of range in self")
    check_error(lambda m, w: m.nn.functional.embedding(m.tensor([-1]), w), [rand(3, 2)])
    check_error(lambda m, w: m.nn.functional.embedding(m.tensor([0.]), w), [rand(3, 2)],
                match="Expected tensor for argument #1 'indices' to have one of the following scalar types")
    check_error(lambda m, w: m.nn.functional.embedding(m.tensor([0]), w, padding_idx=3), [rand(3, 2)],
                match="Padding_idx must be within num_embeddings")
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        ember.nn.Embedding(3, 2, padding_idx=-4)
    with pytest.raises(NotImplementedError, match="sparse"):
        ember.nn.Embedding(3, 2, sparse=True)


# ------------------------------------------------------------------ embedding_bag
FLAT = np.array([0, 2, 2, 5, 4, 1, 2, 0, 3])
OFFS = np.array([0, 3, 3, 7])  # includes an empty bag


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('mode', ['sum', 'mean', 'max'])
@pytest.mark.parametrize('kw', [dict(), dict(padding_idx=2), dict(include_last_offset=True)])
def test_embedding_bag_offsets(mode, kw, dtype):
    w = rand(6, 5, dtype=dtype, seed=0)
    offs = np.append(OFFS, len(FLAT)) if kw.get('include_last_offset') else OFFS
    check(lambda m, w: m.nn.functional.embedding_bag(m.tensor(FLAT), w, m.tensor(offs), mode=mode, **kw), [w])
    check(lambda m, w: m.nn.functional.embedding_bag(m.tensor(IDX), w, mode=mode, **kw), [w])


def test_embedding_bag_per_sample_weights_and_scale():
    w, psw = rand(6, 5, seed=0), rand(9, seed=1)
    check(lambda m, w, p: m.nn.functional.embedding_bag(m.tensor(FLAT), w, m.tensor(OFFS), mode='sum',
                                                        per_sample_weights=p), [w, psw])
    check(lambda m, w, p: m.nn.functional.embedding_bag(m.tensor(FLAT), w, m.tensor(OFFS), mode='sum',
                                                        per_sample_weights=p, padding_idx=0), [w, psw])
    check(lambda m, w, p: m.nn.functional.embedding_bag(m.tensor(IDX), w, mode='sum', per_sample_weights=p),
          [w, rand(3, 4, seed=2)])
    # torch's dense embedding_bag backward with scale_grad_by_freq divides by misaligned counts
    # (a torch bug): compare values only
    check(lambda m, w: m.nn.functional.embedding_bag(m.tensor(FLAT), w, m.tensor(OFFS), mode='mean',
                                                     scale_grad_by_freq=True), [w], grad=False)
    gradcheck(lambda w, p: EF.embedding_bag(ember.tensor(FLAT), w, ember.tensor(OFFS), mode='sum',
                                            per_sample_weights=p), [w, psw])
    for mode in ('mean', 'max'):
        gradcheck(lambda w: EF.embedding_bag(ember.tensor(FLAT), w, ember.tensor(OFFS), mode=mode), [w])
    gradcheck(lambda w: EF.embedding_bag(ember.tensor(FLAT), w, ember.tensor(OFFS), mode='mean',
                                         padding_idx=2), [w])


def test_embedding_bag_module():
    for kw in (dict(), dict(mode='sum', padding_idx=0), dict(mode='max', max_norm=1.0),
               dict(mode='sum', include_last_offset=True)):
        offs = np.append(OFFS, len(FLAT)) if kw.get('include_last_offset') else OFFS
        e_mod, t_mod = _pair_modules('EmbeddingBag', 6, 4, **kw)
        assert repr(e_mod) == repr(t_mod)
        assert list(e_mod.state_dict()) == list(t_mod.state_dict())
        ey = e_mod(ember.tensor(FLAT), ember.tensor(offs))
        ty = t_mod(torch.tensor(FLAT), torch.tensor(offs))
        np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
        g = rand(*ty.shape, seed=4)
        ey.backward(ember.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(e_mod.weight.grad.numpy(), t_mod.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(e_mod.weight.detach().numpy(), t_mod.weight.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    e = ember.nn.EmbeddingBag.from_pretrained(ember.tensor(rand(4, 3)), mode='sum')
    t = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(rand(4, 3)), mode='sum')
    assert repr(e) == repr(t) and e.weight.requires_grad is False


def test_embedding_bag_errors():
    w = rand(6, 3)
    check_error(lambda m, w: m.nn.functional.embedding_bag(m.tensor(FLAT), w), [w],
                match="offsets has to be a 1D Tensor but got None")
    check_error(lambda m, w: m.nn.functional.embedding_bag(m.tensor(IDX), w, m.tensor([0])), [w],
                match="if input is 2D, then offsets has to be None")
    check_error(lambda m, w: m.nn.functional.embedding_bag(m.tensor(FLAT), w, m.tensor([0]), mode='mean',
                                                           per_sample_weights=m.ones(9)), [w],
                match="per_sample_weights is only supported for mode='sum'")
    check_error(lambda m, w: m.nn.functional.embedding_bag(m.tensor(FLAT), w, m.tensor([1])), [w],
                match="offsets\\[0\\] has to be 0")
    check_error(lambda m, w: m.nn.functional.embedding_bag(m.tensor(FLAT), w, m.tensor([0]), mode='foo'), [w],
                match="mode has to be one of sum, mean or max")
    check_error(lambda m, w: m.nn.functional.embedding_bag(m.tensor(FLAT), w, m.tensor([0]), mode='max',
                                                           scale_grad_by_freq=True), [w])
    check_error(lambda m, w: m.nn.functional.embedding_bag(m.tensor([7]), w, m.tensor([0])), [w])


# ------------------------------------------------------------------ one_hot
def test_one_hot():
    for a, n in ((np.array([0, 3, 1]), -1), (np.array([[0, 2], [1, 1]]), 5), (np.array(2), 3),
                 (np.zeros(0, np.int64), 4)):
        e, t = EF.one_hot(ember.tensor(a), n), TF.one_hot(torch.tensor(a), n)
        assert e.dtype == ember.int64 and tuple(e.shape) == tuple(t.shape)
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    check_error(lambda m: m.nn.functional.one_hot(m.tensor([0.])), [], match="LongTensor")
    check_error(lambda m: m.nn.functional.one_hot(m.tensor([3]), 2), [], match="smaller than num_classes")
    check_error(lambda m: m.nn.functional.one_hot(m.tensor([-1])), [], match="non-negative")
    check_error(lambda m: m.nn.functional.one_hot(m.tensor([], dtype=m.int64)), [])
