"""Datasets, samplers, random_split, DistributedSampler against torch.utils.data."""
import math
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata
from _helpers import same_structure


def both(fn):
    """Run fn(module, fw) on ember and torch; return both results."""
    return fn(edata, ember), fn(tdata, torch)


def same_error(fn):
    with pytest.raises(Exception) as te:
        fn(tdata, torch)
    with pytest.raises(Exception) as ee:
        fn(edata, ember)
    assert type(ee.value) is type(te.value), f"ember {type(ee.value).__name__}: {ee.value} / torch {type(te.value).__name__}: {te.value}"
    assert str(ee.value) == str(te.value)


class Range:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i


# ------------------------------------------------------------------ datasets
def test_tensor_dataset():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.arange(4)
    e, t = both(lambda m, fw: m.TensorDataset(fw.from_numpy(x.copy()), fw.from_numpy(y.copy())))
    assert len(e) == len(t) == 4
    for i in range(4):
        same_structure(e[i], t[i])
    same_structure(e[1:3], t[1:3])
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        edata.TensorDataset(ember.zeros(3), ember.zeros(4))
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        tdata.TensorDataset(torch.zeros(3), torch.zeros(4))


def test_concat_dataset():
    e, t = both(lambda m, fw: m.ConcatDataset([Range(3), Range(0), Range(5)]))
    assert len(e) == len(t) == 8 and e.cumulative_sizes == t.cumulative_sizes
    assert [e[i] for i in range(-8, 8)] == [t[i] for i in range(-8, 8)]
    same_error(lambda m, fw: m.ConcatDataset([Range(3)])[-4])
    same_error(lambda m, fw: m.ConcatDataset([]))
    same_error(lambda m, fw: m.ConcatDataset([Range(2), It(m, [1]).ds]))
    e2 = edata.TensorDataset(ember.zeros(2)) + edata.TensorDataset(ember.ones(3))
    assert isinstance(e2, edata.ConcatDataset) and len(e2) == 5


class It:
    def __init__(self, m, items):
        class _It(m.IterableDataset):
            def __iter__(s):
                return iter(items)

            def __len__(s):
                return len(items)
        self.ds = _It()


def test_chain_dataset():
    e, t = both(lambda m, fw: m.ChainDataset([It(m, [1, 2]).ds, It(m, [3]).ds]))
    assert list(e) == list(t) == [1, 2, 3] and len(e) == len(t) == 3
    e2 = It(edata, [1]).ds + It(edata, [2, 3]).ds
    assert isinstance(e2, edata.ChainDataset) and list(e2) == [1, 2, 3]
    same_error(lambda m, fw: list(m.ChainDataset([Range(2)])))


def test_subset_and_stack_dataset():
    e, t = both(lambda m, fw: m.Subset(Range(10), [7, 2, 5]))
    assert len(e) == len(t) == 3 and [e[i] for i in range(3)] == [t[i] for i in range(3)]
    assert e.__getitems__([0, 2]) == t.__getitems__([0, 2])
    e, t = both(lambda m, fw: m.StackDataset(Range(3), m.TensorDataset(fw.arange(3))))
    same_structure(e[1], t[1])
    same_structure(e.__getitems__([0, 2]), t.__getitems__([0, 2]))
    e, t = both(lambda m, fw: m.StackDataset(a=Range(3), b=Range(3)))
    assert e[2] == t[2] and e.__getitems__([1, 0]) == t.__getitems__([1, 0]) and len(e) == 3
    same_error(lambda m, fw: m.StackDataset(Range(3), Range(4)))
    same_error(lambda m, fw: m.StackDataset(Range(3), b=Range(3)))
    same_error(lambda m, fw: m.StackDataset())


def test_abstract_datasets():
    with pytest.raises(NotImplementedError):
        edata.Dataset()[0]
    same_error(lambda m, fw: m.IterableDataset())


# ------------------------------------------------------------------ random_split
@pytest.mark.parametrize('n,lengths', [
    (10, [3, 7]), (10, [0.3, 0.7]), (11, [0.5, 0.5]), (7, [0.1, 0.2, 0.3, 0.4]), (5, [1 / 3] * 3), (3, [0.1, 0.9]),
])
def test_random_split_lengths(n, lengths):
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter('always')
        t = tdata.random_split(Range(n), lengths, generator=torch.Generator().manual_seed(0))
    with warnings.catch_warnings(record=True) as we:
        warnings.simplefilter('always')
        e = edata.random_split(Range(n), lengths, generator=ember.Generator().manual_seed(0))
    assert [len(s) for s in e] == [len(s) for s in t]
    assert [str(w.message) for w in we] == [str(w.message) for w in wt]
    allidx = sorted(i for s in e for i in s.indices)
    assert allidx == list(range(n))  # a partition
    assert all(isinstance(s, edata.Subset) for s in e)


def test_random_split_reproducible_and_errors():
    ember.manual_seed(3)
    a = [s.indices for s in edata.random_split(Range(20), [5, 15])]
    ember.manual_seed(3)
    b = [s.indices for s in edata.random_split(Range(20), [5, 15])]
    c = [s.indices for s in edata.random_split(Range(20), [5, 15], generator=ember.Generator().manual_seed(1))]
    assert a == b and a != c
    same_error(lambda m, fw: m.random_split(Range(10), [3, 3]))
    same_error(lambda m, fw: m.random_split(Range(10), [1.5, -0.5]))


# ------------------------------------------------------------------ samplers
def test_sequential_and_batch_sampler():
    for n, bs, dl in [(10, 3, False), (10, 3, True), (9, 3, True), (1, 4, False), (1, 4, True), (0, 2, False)]:
        e, t = both(lambda m, fw: m.BatchSampler(m.SequentialSampler(range(n)), bs, dl))
        assert list(e) == list(t) and len(e) == len(t)
    assert list(edata.BatchSampler([5, 1, 4], 2, False)) == [[5, 1], [4]]


@pytest.mark.parametrize('args', [(0, False), (-1, False), (2.0, False), (True, False), (2, 1), (2, None)])
def test_batch_sampler_errors(args):
    same_error(lambda m, fw: m.BatchSampler(range(3), *args))


def test_random_sampler():
    e = edata.RandomSampler(range(50))
    order = list(e)
    assert sorted(order) == list(range(50)) and order != list(range(50)) and len(e) == 50
    ember.manual_seed(0)
    a = list(edata.RandomSampler(range(50)))
    ember.manual_seed(0)
    assert list(edata.RandomSampler(range(50))) == a
    g = ember.Generator().manual_seed(5)
    s = edata.RandomSampler(range(7), num_samples=17, generator=g)
    out = list(s)
    assert len(out) == len(s) == 17
    assert sorted(out[:7]) == list(range(7)) and sorted(out[7:14]) == list(range(7)) and len(set(out[14:])) == 3
    r = list(edata.RandomSampler(range(4), replacement=True, num_samples=1000))
    assert len(r) == 1000 and set(r) == {0, 1, 2, 3}
    counts = np.bincount(r, minlength=4)
    assert np.all(np.abs(counts - 250) < 80)
    assert len(list(edata.RandomSampler(range(4), replacement=True, num_samples=64))) == 64


@pytest.mark.parametrize('kw', [dict(replacement=1), dict(num_samples=0), dict(num_samples=2.0)])
def test_random_sampler_errors(kw):
    same_error(lambda m, fw: m.RandomSampler(range(3), **kw))
    same_error(lambda m, fw: m.RandomSampler([]))


def test_subset_random_sampler():
    idx = [10, 20, 30, 40]
    s = edata.SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(0))
    assert sorted(s) == idx and len(s) == 4


def test_weighted_random_sampler():
    w = [0.1, 0.0, 0.6, 0.3]
    s = edata.WeightedRandomSampler(w, 6000, generator=ember.Generator().manual_seed(0))
    out = list(s)
    assert len(out) == len(s) == 6000
    freq = np.bincount(out, minlength=4) / 6000
    np.testing.assert_allclose(freq, w, atol=0.03)
    assert freq[1] == 0
    s2 = edata.WeightedRandomSampler(w, 3, replacement=False)
    out2 = list(s2)
    assert len(set(out2)) == 3 and 1 not in out2
    assert s.weights.dtype == ember.float64


@pytest.mark.parametrize('args,kw', [(([1.0, 2.0], 0), {}), (([1.0, 2.0], True), {}), (([1.0, 2.0], 2), {'replacement': 1}),
                                     (([[1.0, 2.0]], 2), {})])
def test_weighted_random_sampler_errors(args, kw):
    same_error(lambda m, fw: m.WeightedRandomSampler(*args, **kw))


@pytest.mark.parametrize('n,reps,drop,shuffle', [(10, 3, False, False), (10, 3, True, False), (10, 3, False, True),
                                                 (2, 4, False, False), (12, 4, True, True)])
def test_distributed_sampler(n, reps, drop, shuffle):
    shards = []
    for r in range(reps):
        e, t = both(lambda m, fw: m.distributed.DistributedSampler(Range(n), num_replicas=reps, rank=r,
                                                                   shuffle=shuffle, drop_last=drop))
        assert len(e) == len(t) and e.total_size == t.total_size
        if not shuffle:
            assert list(e) == list(t)
        shards.append(list(e))
    flat = sorted(i for s in shards for i in s)
    if not drop:
        assert set(flat) == set(range(n))
    s = edata.DistributedSampler(Range(n), num_replicas=reps, rank=0, shuffle=True, seed=1)
    a = list(s)
    assert a == list(s)
    s.set_epoch(1)
    assert (a != list(s)) or n < 3
    same_error(lambda m, fw: m.distributed.DistributedSampler(Range(4), num_replicas=2, rank=2))
