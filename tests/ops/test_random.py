"""Random numbers: dtypes/shapes and errors equal torch's; distributions are plausible; seeding
is reproducible; in-place samplers write into the tensor's memory."""
import math
import pickle
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error

N = 100_000


def meta(fn):
    """fn(ember) and fn(torch) give tensors of the same dtype and shape (values are random)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        e, t = fn(ember), fn(torch)
    es = e if isinstance(e, (tuple, list)) else [e]
    ts = t if isinstance(t, (tuple, list)) else [t]
    assert len(es) == len(ts)
    for a, b in zip(es, ts):
        assert isinstance(a, ember.Tensor)
        assert str(a.dtype).split('.')[-1] == str(b.dtype).split('.')[-1], (a.dtype, b.dtype)
        assert tuple(a.shape) == tuple(b.shape), (a.shape, b.shape)
        assert a.requires_grad == b.requires_grad
        if b.grad_fn is not None:
            assert a.grad_fn is not None and a.grad_fn.name() == b.grad_fn.name()
    return e


def gen(m, seed=0):
    return m.Generator().manual_seed(seed)


META = [
    lambda m: m.rand(2, 3), lambda m: m.rand((2, 3)), lambda m: m.rand(size=(4,)), lambda m: m.rand(()),
    lambda m: m.rand(0, 3), lambda m: m.rand(2, dtype=m.float64), lambda m: m.rand(2, dtype=m.float16),
    lambda m: m.rand(2, dtype=m.bfloat16), lambda m: m.rand(2, dtype=m.complex64),
    lambda m: m.rand(2, requires_grad=True), lambda m: m.rand(3, generator=gen(m)),
    lambda m: m.randn(2, 3), lambda m: m.randn(m.Size([2, 3])), lambda m: m.randn(5, dtype=m.float64),
    lambda m: m.randn(5, dtype=m.complex128), lambda m: m.randn(2, dtype=m.float16), lambda m: m.randn(()),
    lambda m: m.randn(2, 2, generator=gen(m), requires_grad=True),
    lambda m: m.randint(5, (3,)), lambda m: m.randint(2, 5, (3,)), lambda m: m.randint(3, size=(2, 2)),
    lambda m: m.randint(-3, 3, (3,), dtype=m.int8), lambda m: m.randint(5, (3,), dtype=m.float32),
    lambda m: m.randint(2, (3,), dtype=m.bool), lambda m: m.randint(m.tensor(5), (2,)),
    lambda m: m.randint(0, 10, (0,)), lambda m: m.randint(10, (), generator=gen(m)),
    lambda m: m.randint(low=2, high=5, size=(3,)), lambda m: m.randint(high=5, size=(3,)),
    lambda m: m.randint(0, 256, (4,), dtype=m.uint8),
    lambda m: m.randperm(5), lambda m: m.randperm(0), lambda m: m.randperm(5, dtype=m.float32),
    lambda m: m.randperm(256, dtype=m.uint8), lambda m: m.randperm(4, generator=gen(m)),
    lambda m: m.rand_like(m.ones(2, 3)), lambda m: m.rand_like(m.ones(2, dtype=m.float64)),
    lambda m: m.rand_like(m.ones(2, dtype=m.int64), dtype=m.float32), lambda m: m.randn_like(m.ones(3, 2).t()),
    lambda m: m.randn_like(m.ones(()), generator=gen(m)), lambda m: m.rand_like(m.ones(2), requires_grad=True),
    lambda m: m.randint_like(m.ones(2), 5), lambda m: m.randint_like(m.ones(2, dtype=m.int32), 2, 5),
    lambda m: m.randint_like(m.ones(2), 5, dtype=m.int64, generator=gen(m)),
    lambda m: m.normal(m.zeros(3), m.ones(3)), lambda m: m.normal(0., m.ones(3)), lambda m: m.normal(m.zeros(3), 1.),
    lambda m: m.normal(m.zeros(3)), lambda m: m.normal(0., 1., (3,)), lambda m: m.normal(0, 1, size=(2, 3)),
    lambda m: m.normal(m.zeros(2, 3), m.ones(3)), lambda m: m.normal(m.zeros(3, dtype=m.float64), m.ones(3)),
    lambda m: m.normal(m.zeros(3), m.ones(3, dtype=m.float64)), lambda m: m.normal(0., 1., (3,), dtype=m.float64),
    lambda m: m.normal(m.zeros(3, requires_grad=True), m.ones(3)),
    lambda m: m.normal(m.zeros(3), m.ones(3, requires_grad=True)),
    lambda m: m.normal(m.zeros(3, requires_grad=True), 2.), lambda m: m.normal(1., m.ones(3, requires_grad=True)),
    lambda m: m.normal(0., 1., (3,), requires_grad=True), lambda m: m.normal(m.zeros(2), m.ones(2), generator=gen(m)),
    lambda m: m.bernoulli(m.full((3,), 0.5)), lambda m: m.bernoulli(m.full((3,), 0.5), 0.2),
    lambda m: m.bernoulli(m.full((3,), 0.5), p=0.2), lambda m: m.bernoulli(m.full((3,), 0.5, dtype=m.float64)),
    lambda m: m.bernoulli(m.full((2, 3), 0.5, requires_grad=True)), lambda m: m.full((3,), 0.5).bernoulli(),
    lambda m: m.bernoulli(m.ones(2), generator=gen(m)), lambda m: m.bernoulli(m.zeros(3, dtype=m.int64), 0.5),
    lambda m: m.multinomial(m.tensor([0.2, 0.8]), 3, True), lambda m: m.multinomial(m.tensor([[0.2, 0.8], [1, 0]]), 1),
    lambda m: m.multinomial(m.ones(3), 2), lambda m: m.ones(2, 4).multinomial(3),
    lambda m: m.multinomial(m.ones(3, dtype=m.float64), 5, replacement=True, generator=gen(m)),
    lambda m: m.poisson(m.tensor([1., 2])), lambda m: m.poisson(m.ones(2, 2, dtype=m.float64)),
    lambda m: m.poisson(m.tensor([1., 2], requires_grad=True)), lambda m: m.poisson(m.ones(3), gen(m)),
]


@pytest.mark.parametrize('fn', META)
def test_dtype_shape_like_torch(fn):
    meta(fn)


INPLACE_META = [
    lambda m: m.zeros(3).uniform_(), lambda m: m.zeros(3).uniform_(2, 5), lambda m: m.zeros(2, dtype=m.float64).uniform_(-1, 1),
    lambda m: m.zeros(3).normal_(), lambda m: m.zeros(3, dtype=m.float16).normal_(2, 3),
    lambda m: m.zeros(3).bernoulli_(0.3), lambda m: m.zeros(3, dtype=m.int64).bernoulli_(0.5),
    lambda m: m.zeros(3, dtype=m.bool).bernoulli_(0.5), lambda m: m.zeros(3).bernoulli_(m.tensor([0.1, 0.5, 0.9])),
    lambda m: m.zeros(3).random_(5), lambda m: m.zeros(3).random_(2, 5), lambda m: m.zeros(3).random_(),
    lambda m: m.zeros(3, dtype=m.uint8).random_(), lambda m: m.zeros(3, dtype=m.bool).random_(),
    lambda m: m.zeros(3, dtype=m.int64).random_(-5, 5), lambda m: m.zeros(3).random_(to=4),
    lambda m: m.zeros(3).exponential_(), lambda m: m.zeros(3, dtype=m.float64).exponential_(2),
    lambda m: m.zeros(3).geometric_(0.5), lambda m: m.zeros(3, dtype=m.int64).geometric_(0.5),
    lambda m: m.zeros(3).cauchy_(), lambda m: m.zeros(3).cauchy_(1, 2), lambda m: m.zeros(3).log_normal_(),
    lambda m: m.zeros(3, dtype=m.float64).log_normal_(0, 0.5), lambda m: m.zeros(3).fill_(2),
    lambda m: m.zeros(3).normal_(generator=gen(m)), lambda m: m.zeros(3).uniform_(generator=gen(m)),
    lambda m: m.zeros(3).random_(3, generator=gen(m)), lambda m: m.zeros(3).exponential_(generator=gen(m)),
    lambda m: m.zeros(3).geometric_(0.2, generator=gen(m)), lambda m: m.zeros(3).cauchy_(generator=gen(m)),
    lambda m: m.zeros(3).log_normal_(generator=gen(m)), lambda m: m.zeros(3).bernoulli_(0.5, generator=gen(m)),
    lambda m: (m.zeros(3, requires_grad=True) * 2).normal_(), lambda m: (m.zeros(3, requires_grad=True) * 2).uniform_(),
    lambda m: (m.zeros(3, requires_grad=True) * 2).fill_(1), lambda m: (m.zeros(3, requires_grad=True) * 2).zero_(),
    lambda m: (m.zeros(3, requires_grad=True) * 2).fill_(m.tensor(1., requires_grad=True)),
    lambda m: m.zeros(3).fill_(m.tensor(1., requires_grad=True)),
    lambda m: (m.zeros(3, requires_grad=True) * 2).bernoulli_(0.5),
    lambda m: (m.zeros(3, requires_grad=True) * 2).exponential_(),
    lambda m: (m.zeros(3, requires_grad=True) * 2).bernoulli_(m.tensor(0.5)),
    lambda m: (m.zeros(3, requires_grad=True) * 2).random_(), lambda m: (m.zeros(3, requires_grad=True) * 2).random_(3),
    lambda m: (m.zeros(3, requires_grad=True) * 2).random_(1, 3),
    lambda m: (m.zeros(3, requires_grad=True) * 2).geometric_(0.5),
    lambda m: (m.zeros(3, requires_grad=True) * 2).cauchy_(), lambda m: (m.zeros(3, requires_grad=True) * 2).log_normal_(),
    lambda m: m.bernoulli(m.full((3,), 0.5, requires_grad=True), 0.3),
]


@pytest.mark.parametrize('fn', INPLACE_META)
def test_inplace_dtype_shape_like_torch(fn):
    meta(fn)


ERRORS = [
    lambda m: m.rand(-1), lambda m: m.randn(2, -1), lambda m: m.rand(2, dtype=m.int64), lambda m: m.rand(2, dtype=m.bool),
    lambda m: m.randn(2, dtype=m.int64), lambda m: m.rand(2.5), lambda m: m.rand(2, 3, size=(2,)),
    lambda m: m.rand(2, generator=3), lambda m: m.rand(2, device='cuda:0') if m is ember else m.rand(2, device='nope'),
    lambda m: m.randint(5, 2, (3,)), lambda m: m.randint(5, 5, (3,)), lambda m: m.randint(5, (3,), dtype=m.bool),
    lambda m: m.randint(300, (3,), dtype=m.uint8), lambda m: m.randint(-1, 300, (3,), dtype=m.uint8),
    lambda m: m.randint(5), lambda m: m.randint(5, 3), lambda m: m.randint(0, 2 ** 63, (2,)),
    lambda m: m.randint(2.5, (3,)), lambda m: m.randint(5, (-1,)), lambda m: m.randint(200, (2,), dtype=m.int8),
    lambda m: m.randperm(-1), lambda m: m.randperm(300, dtype=m.uint8), lambda m: m.randperm(3000, dtype=m.float16),
    lambda m: m.rand_like(m.tensor([1, 2])), lambda m: m.randn_like(m.tensor([1, 2])),
    lambda m: m.randint_like(m.ones(2), 5, 2), lambda m: m.randint_like(m.ones(2, dtype=m.uint8), 300),
    lambda m: m.normal(m.zeros(3), m.ones(2)), lambda m: m.normal(m.zeros(3), -m.ones(3)),
    lambda m: m.normal(0., -1., (3,)), lambda m: m.normal(m.zeros(3, dtype=m.int64), m.ones(3, dtype=m.int64)),
    lambda m: m.normal(m.zeros(3), m.ones(3), size=(3,)), lambda m: m.normal(1., 2.), lambda m: m.normal(m.zeros(3), -1.),
    lambda m: m.normal(m.zeros(4), m.ones(2, 2)), lambda m: m.normal(m.zeros(3, dtype=m.int64), 1.),
    lambda m: m.bernoulli(m.full((3,), 1.5)), lambda m: m.bernoulli(m.tensor([0, 1])),
    lambda m: m.bernoulli(m.full((3,), 0.5), 2.), lambda m: m.bernoulli(m.full((3,), -0.5)),
    lambda m: m.multinomial(m.tensor([0.2, 0.8]), 3), lambda m: m.multinomial(m.tensor([0.2, 0.8]), 0),
    lambda m: m.multinomial(m.tensor([-0.2, 0.8]), 1), lambda m: m.multinomial(m.tensor([0., 0.]), 1),
    lambda m: m.multinomial(m.ones(2, 2, 2), 1), lambda m: m.multinomial(m.tensor([1, 2]), 1),
    lambda m: m.multinomial(m.tensor(1.), 1), lambda m: m.multinomial(m.tensor([float('inf'), 1]), 1),
    lambda m: m.multinomial(m.tensor([float('nan'), 1]), 1), lambda m: m.multinomial(m.ones(0), 1),
    lambda m: m.multinomial(m.tensor([[1., 1], [0, 0]]), 1, True),
    lambda m: m.poisson(m.tensor([1, 2])), lambda m: m.poisson(m.tensor([-1., 2])),
    lambda m: m.zeros(3).uniform_(2, 1), lambda m: m.zeros(3).uniform_(0, float('inf')),
    lambda m: m.zeros(3, dtype=m.int64).uniform_(), lambda m: m.zeros(3).normal_(0, -1),
    lambda m: m.zeros(3, dtype=m.int64).normal_(), lambda m: m.zeros(3).bernoulli_(2.),
    lambda m: m.zeros(3).bernoulli_(-0.1), lambda m: m.zeros(3).bernoulli_(m.tensor([0.5, 1.5, 0.5])),
    lambda m: m.zeros(3).random_(5, 2), lambda m: m.zeros(3, dtype=m.int8).random_(0, 300),
    lambda m: m.zeros(3, dtype=m.uint8).random_(-1, 3), lambda m: m.zeros(3).exponential_(-1),
    lambda m: m.zeros(3).exponential_(0), lambda m: m.zeros(3, dtype=m.int64).exponential_(),
    lambda m: m.zeros(3).geometric_(1.5), lambda m: m.zeros(3).geometric_(0), lambda m: m.zeros(3).cauchy_(0, -1),
    lambda m: m.zeros(3, dtype=m.int64).cauchy_(), lambda m: m.zeros(3).log_normal_(0, -1),
    lambda m: m.zeros(3, dtype=m.int64).log_normal_(),
    lambda m: m.zeros(3).fill_(m.tensor([2])), lambda m: m.zeros(3, dtype=m.uint8).fill_(300),
    lambda m: m.zeros(3, dtype=m.int8).fill_(200), lambda m: m.zeros(3).fill_(1j), lambda m: m.zeros(3).fill_('a'),
    lambda m: m.zeros(3, requires_grad=True).normal_(), lambda m: m.zeros(3, requires_grad=True).uniform_(),
    lambda m: m.zeros(3, requires_grad=True).fill_(1), lambda m: m.zeros(3, requires_grad=True).zero_(),
    lambda m: m.zeros(3, requires_grad=True).bernoulli_(), lambda m: m.zeros(3, requires_grad=True).random_(),
    lambda m: m.zeros(3, requires_grad=True).exponential_(), lambda m: m.zeros(3, requires_grad=True)[1:].normal_(),
    lambda m: m.zeros(2, 3).expand(2, 2, 3).normal_(), lambda m: m.zeros(2, 3).expand(2, 2, 3).uniform_(),
    lambda m: m.set_rng_state(m.zeros(5)), lambda m: m.set_rng_state(m.zeros(5, dtype=m.uint8)),
    lambda m: m.manual_seed(2 ** 64), lambda m: m.manual_seed('a'), lambda m: m.Generator('cuda'),
    lambda m: m.Generator().set_state(m.zeros(5)),
]


@pytest.mark.parametrize('fn', ERRORS)
def test_errors_like_torch(fn):
    check_error(fn, [])


def test_leaf_error_message():
    x = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match='leaf Variable that requires grad'):
        x.normal_()
    with ember.no_grad():  # allowed without grad mode (init code does this)
        x.normal_()
        x.fill_(2.0)
        x.zero_()
        x.uniform_(-1, 1)
    assert x.is_leaf and x.requires_grad and x.grad_fn is None


# ----------------------------------------------------------------------------- statistics
def _np(t):
    return t.numpy().astype(np.float64)


def test_rand_randn_stats():
    ember.manual_seed(1)
    for dt in (ember.float32, ember.float64, ember.float16, ember.bfloat16):
        u = _np(ember.rand(N, dtype=dt).float())
        assert u.min() >= 0 and u.max() < 1
        assert abs(u.mean() - 0.5) < 0.01 and abs(u.std() - math.sqrt(1 / 12)) < 0.01
        z = _np(ember.randn(N, dtype=dt).float())
        assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02
    c = ember.randn(N, dtype=ember.complex64).numpy()
    assert abs(np.mean(np.abs(c) ** 2) - 1) < 0.02 and abs(c.real.std() - math.sqrt(0.5)) < 0.01
    cu = ember.rand(N, dtype=ember.complex128).numpy()
    assert 0 <= cu.real.min() and cu.real.max() < 1 and abs(cu.imag.mean() - 0.5) < 0.01


def test_randint_bounds_and_coverage():
    ember.manual_seed(2)
    r = ember.randint(-3, 4, (N,)).numpy()
    assert r.min() == -3 and r.max() == 3 and set(np.unique(r)) == set(range(-3, 4))
    counts = np.bincount(r + 3)
    assert np.all(np.abs(counts / N - 1 / 7) < 0.01)
    b = ember.randint(2, (1000,), dtype=ember.bool).numpy()
    assert b.dtype == np.bool_ and 0 < b.sum() < 1000
    u = ember.randint(0, 256, (N,), dtype=ember.uint8).numpy()
    assert u.min() == 0 and u.max() == 255
    f = ember.randint(10, (N,), dtype=ember.float64).numpy()
    assert np.all(f == np.floor(f)) and f.min() == 0 and f.max() == 9
    ri = ember.randint_like(ember.zeros(N), 3, 6).numpy()
    assert ri.min() == 3 and ri.max() == 5


def test_randperm_is_permutation():
    ember.manual_seed(3)
    for n in (0, 1, 7, 1000):
        p = ember.randperm(n).numpy()
        assert sorted(p.tolist()) == list(range(n))
    assert ember.randperm(1000).tolist() != list(range(1000))
    assert sorted(ember.randperm(256, dtype=ember.uint8).tolist()) == list(range(256))


def test_normal_overloads_stats():
    ember.manual_seed(4)
    a = _np(ember.normal(3.0, 2.0, (N,)))
    assert abs(a.mean() - 3) < 0.05 and abs(a.std() - 2) < 0.05
    mean = ember.full((N,), -1.0)
    std = ember.full((N,), 0.5)
    for out in (ember.normal(mean, std), ember.normal(mean, 0.5), ember.normal(-1.0, std)):
        o = _np(out)
        assert abs(o.mean() + 1) < 0.02 and abs(o.std() - 0.5) < 0.02
    # broadcast mean/std: column-wise parameters
    m = ember.tensor([0.0, 10.0])
    s = ember.tensor([1.0, 0.0])
    o = ember.normal(m.expand(N // 10, 2), s).numpy()
    assert abs(o[:, 0].std() - 1) < 0.05 and np.all(o[:, 1] == 10)


def test_bernoulli_multinomial_poisson_stats():
    ember.manual_seed(5)
    p = ember.tensor([0.0, 0.2, 0.7, 1.0]).expand(N // 4, 4)
    b = ember.bernoulli(p).numpy()
    assert np.all(b[:, 0] == 0) and np.all(b[:, 3] == 1)
    assert abs(b[:, 1].mean() - 0.2) < 0.02 and abs(b[:, 2].mean() - 0.7) < 0.02
    assert abs(ember.bernoulli(ember.zeros(N), 0.3).numpy().mean() - 0.3) < 0.01
    probs = ember.tensor([0.1, 0.0, 0.6, 0.3])
    s = ember.multinomial(probs, N, replacement=True).numpy()
    freq = np.bincount(s, minlength=4) / N
    assert np.all(np.abs(freq - probs.numpy()) < 0.01) and freq[1] == 0
    w = ember.tensor([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 5.0, 0.0]])
    s = ember.multinomial(w, 3000, replacement=True).numpy()
    assert np.all(s[1] == 2) and abs((s[0] == 3).mean() - 0.4) < 0.05
    # without replacement: distinct draws, zero-probability categories last
    for _ in range(50):
        d = ember.multinomial(ember.tensor([0.0, 1.0, 3.0, 0.0, 2.0]), 3).tolist()
        assert sorted(d) == [1, 2, 4]
        assert len(set(ember.multinomial(ember.ones(10), 10).tolist())) == 10
    first = np.array([ember.multinomial(ember.tensor([1.0, 3.0]), 1).item() for _ in range(2000)])
    assert abs(first.mean() - 0.75) < 0.04
    lam = ember.full((N,), 3.5)
    k = _np(ember.poisson(lam))
    assert np.all(k == np.floor(k)) and abs(k.mean() - 3.5) < 0.05 and abs(k.var() - 3.5) < 0.1


def test_inplace_samplers_stats():
    ember.manual_seed(6)
    x = ember.empty(N)
    u = _np(x.uniform_(2, 5))
    assert u.min() >= 2 and u.max() < 5 and abs(u.mean() - 3.5) < 0.02
    z = _np(x.normal_(3, 2))
    assert abs(z.mean() - 3) < 0.03 and abs(z.std() - 2) < 0.03
    e = _np(x.exponential_(2))
    assert e.min() >= 0 and abs(e.mean() - 0.5) < 0.01
    g = _np(x.geometric_(0.25))
    assert g.min() >= 1 and np.all(g == np.floor(g)) and abs(g.mean() - 4) < 0.1
    c = _np(x.cauchy_(1, 2))
    assert abs(np.median(c) - 1) < 0.05 and abs(np.percentile(c, 75) - 3) < 0.1
    ln = _np(x.log_normal_(1, 0.5))
    assert ln.min() > 0 and abs(np.log(ln).mean() - 1) < 0.01 and abs(np.log(ln).std() - 0.5) < 0.01
    bb = _np(x.bernoulli_(0.25))
    assert set(np.unique(bb)) == {0.0, 1.0} and abs(bb.mean() - 0.25) < 0.01
    bt = x.bernoulli_(ember.tensor(0.75)).numpy()
    assert abs(bt.mean() - 0.75) < 0.01
    r = _np(x.random_(3, 7))
    assert set(np.unique(r)) == {3, 4, 5, 6}
    r = _np(x.random_(4))
    assert set(np.unique(r)) == {0, 1, 2, 3}
    r = _np(x.random_())
    assert r.min() >= 0 and r.max() <= 2 ** 24 and r.max() > 2 ** 23
    i8 = ember.zeros(N, dtype=ember.int8).random_().numpy()
    assert i8.min() == 0 and i8.max() == 127
    bl = ember.zeros(1000, dtype=ember.bool).random_().numpy()
    assert 0 < bl.sum() < 1000
    i64 = ember.zeros(1000, dtype=ember.int64).random_().numpy()
    assert i64.min() >= 0 and i64.max() > 2 ** 60


# ----------------------------------------------------------------------------- seeding
@pytest.mark.parametrize('fn', [
    lambda g: ember.rand(5, generator=g), lambda g: ember.randn(5, generator=g),
    lambda g: ember.randint(0, 100, (5,), generator=g), lambda g: ember.randperm(10, generator=g),
    lambda g: ember.normal(0., 1., (5,), generator=g), lambda g: ember.bernoulli(ember.full((9,), 0.5), generator=g),
    lambda g: ember.multinomial(ember.ones(10), 4, generator=g), lambda g: ember.poisson(ember.ones(5), g),
    lambda g: ember.empty(5).normal_(generator=g), lambda g: ember.empty(5).uniform_(generator=g),
    lambda g: ember.empty(5).exponential_(generator=g), lambda g: ember.empty(5).random_(9, generator=g),
    lambda g: ember.rand_like(ember.ones(4), generator=g),
])
def test_generator_reproducible_and_independent(fn):
    a = fn(ember.Generator().manual_seed(123))
    b = fn(ember.Generator().manual_seed(123))
    assert a.tolist() == b.tolist()
    # the global stream is not touched by a private generator
    ember.manual_seed(7)
    ref = ember.rand(4).tolist()
    ember.manual_seed(7)
    fn(ember.Generator().manual_seed(1))
    assert ember.rand(4).tolist() == ref
    # and the default generator is used when none is given
    ember.manual_seed(11)
    x = fn(None)
    ember.manual_seed(11)
    assert fn(None).tolist() == x.tolist()
    assert fn(ember.default_generator.manual_seed(11)).tolist() == x.tolist()


def test_manual_seed_api():
    g = ember.manual_seed(5)
    assert g is ember.default_generator and isinstance(g, ember.Generator)
    assert ember.initial_seed() == 5 and ember.random.initial_seed() == 5
    a = ember.rand(3).tolist()
    ember.random.manual_seed(5)
    assert ember.rand(3).tolist() == a
    ember.manual_seed(-1)
    assert ember.initial_seed() == torch.manual_seed(-1).initial_seed() == 2 ** 64 - 1
    ember.manual_seed(2.7)
    assert ember.initial_seed() == 2
    s = ember.seed()
    assert isinstance(s, int) and ember.initial_seed() == s
    assert ember.Generator().initial_seed() == torch.Generator().initial_seed()
    g2 = ember.Generator()
    assert g2.manual_seed(9) is g2 and g2.device == ember.device('cpu') and g2.device.type == 'cpu'
    assert g2.seed() == g2.initial_seed()
    torch.manual_seed(0)


def test_rng_state_roundtrip():
    ember.manual_seed(8)
    ember.rand(3)
    st = ember.get_rng_state()
    assert st.dtype is ember.uint8 and st.dim() == 1
    a = (ember.rand(4).tolist(), ember.randn(3).tolist(), ember.randint(9, (5,)).tolist())
    ember.manual_seed(99)
    ember.set_rng_state(st)
    assert (ember.rand(4).tolist(), ember.randn(3).tolist(), ember.randint(9, (5,)).tolist()) == a
    assert ember.initial_seed() == 8
    # the returned state is a copy: changing the generator does not change it
    st2 = ember.random.get_rng_state()
    ember.rand(10)
    ember.random.set_rng_state(st2)
    b = ember.rand(2).tolist()
    ember.random.set_rng_state(st2)
    assert ember.rand(2).tolist() == b
    g = ember.Generator().manual_seed(3)
    gs = g.get_state()
    x = ember.randn(5, generator=g).tolist()
    assert g.set_state(gs) is g
    assert ember.randn(5, generator=g).tolist() == x
    # a generator survives pickling with its state
    g3 = pickle.loads(pickle.dumps(g.set_state(gs)))
    assert ember.randn(5, generator=g3).tolist() == x
    bad = st.clone()
    bad[0] = 0
    with pytest.raises(RuntimeError):
        ember.set_rng_state(bad)


def test_fork_rng():
    ember.manual_seed(12)
    with ember.random.fork_rng():
        ember.rand(100)
    a = ember.rand(3).tolist()
    ember.manual_seed(12)
    assert ember.rand(3).tolist() == a
    with ember.random.fork_rng(enabled=False):
        ember.rand(1)
    with pytest.raises(RuntimeError):
        with ember.random.fork_rng(devices=[0]):
            pass


# ----------------------------------------------------------------------------- in-place semantics
@pytest.mark.parametrize('op', [
    lambda t: t.normal_(), lambda t: t.uniform_(1, 2), lambda t: t.bernoulli_(0.5), lambda t: t.random_(1, 9),
    lambda t: t.exponential_(), lambda t: t.geometric_(0.5), lambda t: t.cauchy_(), lambda t: t.log_normal_(),
    lambda t: t.fill_(3.0), lambda t: t.fill_(ember.tensor(4.0)), lambda t: t.zero_(),
])
def test_inplace_writes_into_views(op):
    w = ember.full((3, 4), 7.0)
    base_arr = w._data
    v0 = w._version
    r = op(w[0])
    assert isinstance(r, ember.Tensor)
    assert w._data is base_arr
    assert not np.all(w.numpy()[0] == 7.0) or op(w[0]) is None
    assert np.all(w.numpy()[1:] == 7.0)
    assert w._version > v0
    wt = ember.full((4, 3), 7.0)
    out = op(wt.t())
    assert out.shape == (3, 4) and not np.all(wt.numpy() == 7.0)
    x = ember.full((5,), 7.0)
    assert op(x) is x and x._version == 1


def test_fill_zero_values_and_grads(rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    v = np.array(2.5, dtype=np.float32)
    check(lambda m, a: (a * 1).fill_(3), [x])
    check(lambda m, a: (a * 1).zero_(), [x])
    check(lambda m, a, b: (a * 1).fill_(b), [x, v])
    check(lambda m, a, b: (a * 2)[1].fill_(b), [x, v])
    check(lambda m, a, b: (a.t() * 1).fill_(b), [x, v.astype(np.float64)], grad_rtol=1e-5)
    check(lambda m, a: (a * 1)[:, 1:].zero_(), [x])
    check(lambda m, a: m.ones(2, 3, dtype=m.int64).fill_(2.7), [x], grad=False)
    check(lambda m, a: m.ones(3, dtype=m.uint8).fill_(-1), [x], grad=False)
    check(lambda m, a: m.ones(3, dtype=m.int32).fill_(m.tensor(2.7)), [x], grad=False)
    check(lambda m, a: m.ones(3, dtype=m.bool).fill_(3), [x], grad=False)
    check(lambda m, a: m.zeros(3).fill_(m.tensor(2)), [x], grad=False)
    check(lambda m, a: m.zeros(3, dtype=m.complex64).fill_(1 + 2j), [x], grad=False)
    check(lambda m, a: m.zeros(()).fill_(5), [x], grad=False)
    check(lambda m, a: m.zeros(0, 3).fill_(5), [x], grad=False)
    # fill_/zero_ may write through an expanded tensor (every alias takes the same value)
    check(lambda m, a: m.zeros(2, 3).expand(4, 2, 3).fill_(1), [x], grad=False)
    check(lambda m, a: (a * 1).expand(2, 3, 4).zero_(), [x], grad=False)
    base = ember.ones(3)
    base[1:].expand(2, 2).fill_(4)
    assert base.tolist() == [1, 4, 4]


def test_random_inplace_on_nonleaf_gives_zero_grad():
    for name, op in [('NormalBackward0', lambda t: t.normal_()), ('UniformBackward0', lambda t: t.uniform_()),
                     ('ExponentialBackward0', lambda t: t.exponential_())]:
        x = ember.ones(2, 3, requires_grad=True)
        y = x * 2
        op(y)
        assert y.grad_fn.name() == name
        (y * 3).sum().backward()
        assert np.all(x.grad.numpy() == 0)
        x = ember.ones(2, 3, requires_grad=True)
        y = x * 2
        op(y[0])  # a view of a non-leaf: the other row keeps its gradient
        (y * 3).sum().backward()
        assert x.grad.tolist() == [[0, 0, 0], [6, 6, 6]]


def test_sampler_parameter_grads_are_zero():
    m = ember.zeros(3, requires_grad=True)
    s = ember.ones(3, requires_grad=True)
    out = ember.normal(m, s)
    gm, gs = ember.autograd.grad(out.sum(), [m, s])
    assert gm.tolist() == [0, 0, 0] and gs.tolist() == [0, 0, 0]
    p = ember.full((3,), 0.5, requires_grad=True)
    assert ember.autograd.grad(ember.bernoulli(p).sum(), [p])[0].tolist() == [0, 0, 0]
    assert ember.autograd.grad(ember.poisson(p).sum(), [p])[0].tolist() == [0, 0, 0]
    with ember.no_grad():
        assert not ember.normal(m, s).requires_grad


def test_like_functions_keep_layout():
    for name, extra in (('rand_like', ()), ('randn_like', ()), ('randint_like', (5,))):
        e = getattr(ember, name)(ember.ones(3, 4).t(), *extra)
        t = getattr(torch, name)(torch.ones(3, 4).t(), *extra)
        assert e.stride() == t.stride() and e.shape == tuple(t.shape)
        e = getattr(ember, name)(ember.ones(3, 4).t(), *extra, memory_format='contiguous_format')
        assert e.is_contiguous()
    assert ember.rand_like(ember.ones(())).shape == ()
    assert ember.randn_like(ember.ones(0, 3, dtype=ember.float64)).dtype is ember.float64
