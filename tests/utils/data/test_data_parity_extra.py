"""More ember.utils.data vs torch.utils.data parity: iterable-dataset batching, dataset combinations,
sampler lengths and errors."""
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata
from _helpers import same_structure


def _stream(m, n):
    class Stream(m.IterableDataset):
        def __iter__(self):
            return iter([np.float32(i) for i in range(n)])
    return Stream()


@pytest.mark.parametrize('n', [0, 1, 5, 6])
@pytest.mark.parametrize('bs', [None, 1, 3, 7])
@pytest.mark.parametrize('drop', [False, True])
def test_iterable_batching_matches_torch(n, bs, drop):
    if bs is None and drop:
        return
    e = list(edata.DataLoader(_stream(edata, n), batch_size=bs, drop_last=drop))
    t = list(tdata.DataLoader(_stream(tdata, n), batch_size=bs, drop_last=drop))
    same_structure(e, t)


def test_iterable_stream_not_resumed_after_short_batch():
    class Resuming(edata.IterableDataset):
        """An iterator that hands out more items after signalling its end once."""

        def __iter__(self):
            state = {'k': 0}

            class It:
                def __iter__(self):
                    return self

                def __next__(self):
                    state['k'] += 1
                    if state['k'] == 3:
                        raise StopIteration
                    return state['k']
            return It()
    assert [b.tolist() for b in edata.DataLoader(Resuming(), batch_size=2)] == [[1, 2]]
    assert [b.tolist() for b in edata.DataLoader(Resuming(), batch_size=5)] == [[1, 2]]


def test_loader_iterator_len_and_pickle():
    e_it = iter(edata.DataLoader(list(range(7)), batch_size=3))
    t_it = iter(tdata.DataLoader(list(range(7)), batch_size=3))
    assert len(e_it) == len(t_it) == 3
    import pickle
    with pytest.raises(NotImplementedError):
        pickle.dumps(e_it)


def test_setting_multiprocessing_context_later():
    d = edata.DataLoader(list(range(4)), num_workers=1)
    d.multiprocessing_context = 'spawn'
    assert d.multiprocessing_context.get_start_method() == 'spawn'
    d0 = edata.DataLoader(list(range(4)))
    t0 = tdata.DataLoader(list(range(4)))
    with pytest.raises(ValueError) as ee:
        d0.multiprocessing_context = 'spawn'
    with pytest.raises(ValueError) as te:
        t0.multiprocessing_context = 'spawn'
    assert str(ee.value) == str(te.value)


def test_too_many_workers_warning_matches_torch():
    n = 4096
    with warnings.catch_warnings(record=True) as we:
        warnings.simplefilter('always')
        edata.DataLoader(list(range(4)), num_workers=n)
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter('always')
        tdata.DataLoader(list(range(4)), num_workers=n)
    assert [str(w.message) for w in we] == [str(w.message) for w in wt]


def _pair(m, fw):
    a = fw.from_numpy(np.arange(12, dtype=np.float32).reshape(6, 2))
    b = fw.from_numpy(np.arange(6, dtype=np.int64))
    return m.TensorDataset(a), m.TensorDataset(b)


def test_stack_dataset_items_and_getitems():
    for kwargs in (False, True):
        sides = []
        for m, fw in ((edata, ember), (tdata, torch)):
            x, y = _pair(m, fw)
            s = m.StackDataset(x=x, y=y) if kwargs else m.StackDataset(x, m.Subset(y, [5, 4, 3, 2, 1, 0]))
            sides.append((s[2], s.__getitems__([0, 3, 5]), len(s)))
        same_structure(*sides)


@pytest.mark.parametrize('make', [
    lambda m: m.StackDataset(),
    lambda m: m.StackDataset([1, 2], y=[1, 2]),
    lambda m: m.StackDataset([1, 2], [1]),
    lambda m: m.StackDataset(a=[1, 2], b=[1]),
])
def test_stack_dataset_errors(make):
    with pytest.raises(ValueError) as te:
        make(tdata)
    with pytest.raises(ValueError) as ee:
        make(edata)
    assert str(ee.value) == str(te.value)


def test_stack_dataset_nested_getitems_size_check():
    class Short(edata.Dataset):
        def __len__(self):
            return 4

        def __getitems__(self, idx):
            return [0]

    with pytest.raises(ValueError, match="Nested dataset's output size mismatch. Expected 2, got 1"):
        edata.StackDataset(Short(), [1, 2, 3, 4]).__getitems__([0, 1])


def test_concat_dataset_indexing():
    for m in (edata, tdata):
        c = m.ConcatDataset([[0, 1, 2], [], [3, 4]])
        assert [c[i] for i in range(-5, 5)] == [0, 1, 2, 3, 4] * 2
        assert c.cumulative_sizes == [3, 3, 5] and m.ConcatDataset.cumsum([[1], [2, 3]]) == [1, 3]
        with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
            c[-6]
        with pytest.raises(IndexError):
            c[5]


def test_random_split_fraction_sizes_and_warnings():
    for fractions in ([0.9, 0.05, 0.05], [0.5, 0.5], [0.2, 0.3, 0.5], [1 / 3] * 3):
        with warnings.catch_warnings(record=True) as we:
            warnings.simplefilter('always')
            e = [len(p) for p in edata.random_split(range(7), fractions)]
        with warnings.catch_warnings(record=True) as wt:
            warnings.simplefilter('always')
            t = [len(p) for p in tdata.random_split(range(7), fractions)]
        assert e == t
        assert [str(w.message) for w in we] == [str(w.message) for w in wt]
    for bad in ([1.5, -0.5], [0.5, 1.5, -1.0], [0.4, 0.4]):
        with pytest.raises(ValueError) as ee:
            edata.random_split(range(4), bad)
        with pytest.raises(ValueError) as te:
            tdata.random_split(range(4), bad)
        assert str(ee.value) == str(te.value)


@pytest.mark.parametrize('n,bs,drop', [(0, 2, False), (7, 3, False), (7, 3, True), (6, 3, True), (2, 5, True)])
def test_batch_sampler_matches_torch(n, bs, drop):
    e = edata.BatchSampler(range(n), bs, drop)
    t = tdata.BatchSampler(range(n), bs, drop)
    assert list(e) == list(t) and len(e) == len(t)


@pytest.mark.parametrize('n,num,repl', [(5, None, False), (5, 12, False), (5, 10, False), (5, 70, True), (3, 64, True)])
def test_random_sampler_counts(n, num, repl):
    s = edata.RandomSampler(range(n), replacement=repl, num_samples=num)
    out = list(s)
    assert len(out) == len(s) == (num or n) and all(0 <= i < n for i in out)
    if not repl:
        full = (num or n) // n
        assert sorted(out[:full * n]) == sorted(list(range(n)) * full)


def test_sampler_data_source_warning():
    with pytest.warns(UserWarning, match="`data_source` argument is not used"):
        edata.Sampler([1, 2])
