"""DataLoader in the main process (num_workers=0) against torch.utils.data.DataLoader."""
import multiprocessing
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata
from _helpers import same_structure


class MapDS:
    """A map-style dataset built for either framework: (float32 image, int label, dict)."""

    def __init__(self, fw, n=10):
        self.fw, self.n = fw, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        img = self.fw.from_numpy(np.full((2, 3), i, np.float32))
        return img, i, {'idx': np.int64(i), 'w': 0.5 * i}


def make_iterable(m, items):
    class It(m.IterableDataset):
        def __iter__(self):
            return iter(items)

        def __len__(self):
            return len(items)
    return It()


def both(fn):
    return fn(edata, ember), fn(tdata, torch)


@pytest.mark.parametrize('kw', [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                dict(batch_size=None), dict(batch_size=4, sampler=[9, 0, 3, 3, 1]),
                                dict(batch_sampler=[[1, 2], [0], [9, 8, 7]]), dict(batch_size=20),
                                dict(batch_size=1, collate_fn=lambda b: b)])
def test_map_dataset_batches_match_torch(kw):
    e, t = both(lambda m, fw: m.DataLoader(MapDS(fw), **kw))
    assert len(e) == len(t)
    eb, tb = list(e), list(t)
    assert len(eb) == len(tb)
    for a, b in zip(eb, tb):
        same_structure(a, b)


@pytest.mark.parametrize('kw', [dict(batch_size=2), dict(batch_size=2, drop_last=True), dict(batch_size=None),
                                dict(batch_size=4)])
def test_iterable_dataset_batches_match_torch(kw):
    items = [np.float32(i) for i in range(7)]
    e, t = both(lambda m, fw: m.DataLoader(make_iterable(m, items), **kw))
    assert len(e) == len(t)
    eb, tb = list(e), list(t)
    assert len(eb) == len(tb)
    for a, b in zip(eb, tb):
        same_structure(a, b)


def test_shuffle_reproducible_from_manual_seed():
    ds = list(range(40))
    ember.manual_seed(0)
    a = [b.tolist() for b in edata.DataLoader(ds, batch_size=8, shuffle=True)]
    ember.manual_seed(0)
    b = [b.tolist() for b in edata.DataLoader(ds, batch_size=8, shuffle=True)]
    c = [b.tolist() for b in edata.DataLoader(ds, batch_size=8, shuffle=True)]
    assert a == b and a != c
    assert sorted(sum(a, [])) == ds
    g = ember.Generator().manual_seed(1)
    d = [b.tolist() for b in edata.DataLoader(ds, batch_size=8, shuffle=True, generator=g)]
    g.manual_seed(1)
    assert [b.tolist() for b in edata.DataLoader(ds, batch_size=8, shuffle=True, generator=g)] == d


def test_loader_defaults_and_attributes():
    e, t = both(lambda m, fw: m.DataLoader(MapDS(fw)))
    for attr in ('batch_size', 'drop_last', 'num_workers', 'prefetch_factor', 'timeout', 'persistent_workers',
                 'pin_memory', 'in_order'):
        assert getattr(e, attr) == getattr(t, attr), attr
    assert type(e.sampler).__name__ == type(t.sampler).__name__ == 'SequentialSampler'
    assert type(e.batch_sampler).__name__ == 'BatchSampler'
    assert edata.DataLoader(MapDS(ember), shuffle=True).sampler.__class__ is edata.RandomSampler
    assert edata.DataLoader(MapDS(ember), batch_size=None).collate_fn is edata.default_convert
    assert edata.DataLoader(MapDS(ember)).collate_fn is edata.default_collate
    e2 = edata.DataLoader(MapDS(ember), num_workers=2)
    assert e2.prefetch_factor == 2


def test_pin_memory_accepted_with_torch_warning():
    with pytest.warns(UserWarning, match="pin_memory"):
        out = list(edata.DataLoader(MapDS(ember, 3), batch_size=2, pin_memory=True))
    assert len(out) == 2


def _err(fn):
    with pytest.raises(Exception) as te:
        fn(tdata, torch)
    with pytest.raises(Exception) as ee:
        fn(edata, ember)
    assert type(ee.value) is type(te.value), f"ember {ee.value!r} / torch {te.value!r}"
    assert str(ee.value) == str(te.value)


class _S:
    def __iter__(self):
        return iter([0])

    def __len__(self):
        return 1

    def __repr__(self):
        return 'S'


@pytest.mark.parametrize('kw', [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True), dict(sampler=_S(), shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=_S()), dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True), dict(batch_size=0), dict(batch_size=-2),
    dict(multiprocessing_context='fork'), dict(num_workers=1, multiprocessing_context='nope'),
    dict(num_workers=1, multiprocessing_context=3),
])
def test_argument_errors_match_torch(kw):
    _err(lambda m, fw: m.DataLoader(MapDS(fw), **kw))


@pytest.mark.parametrize('kw', [dict(shuffle=True), dict(sampler=_S()), dict(batch_sampler=_S())])
def test_iterable_argument_errors_match_torch(kw):
    _err(lambda m, fw: m.DataLoader(make_iterable(m, [1, 2]), **kw))


def test_timeout_without_workers_and_setattr():
    _err(lambda m, fw: iter(m.DataLoader(MapDS(fw), timeout=1)))
    for attr in ('batch_size', 'sampler', 'dataset', 'drop_last', 'batch_sampler', 'persistent_workers'):
        _err(lambda m, fw: setattr(m.DataLoader(MapDS(fw)), attr, 3))
    d = edata.DataLoader(MapDS(ember))
    d.num_workers = 0   # allowed, as in torch


def test_multiprocessing_context_string_becomes_context():
    d = edata.DataLoader(MapDS(ember), num_workers=1, multiprocessing_context='spawn')
    assert isinstance(d.multiprocessing_context, multiprocessing.context.BaseContext)
    assert d.multiprocessing_context.get_start_method() == 'spawn'


def test_len_of_iterable_and_too_many_warning():
    items = list(range(5))
    d = edata.DataLoader(make_iterable(edata, items), batch_size=2)
    assert len(d) == 3

    class Liar(edata.IterableDataset):
        def __iter__(self):
            return iter(range(6))

        def __len__(self):
            return 2
    d = edata.DataLoader(Liar(), batch_size=None)
    assert len(d) == 2
    with pytest.warns(UserWarning, match="Length of IterableDataset"):
        list(d)


def test_getitems_is_used_for_batches():
    class Batched(edata.Dataset):
        def __init__(self):
            self.calls = []

        def __len__(self):
            return 6

        def __getitems__(self, idx):
            self.calls.append(list(idx))
            return [np.float32(i) for i in idx]
    ds = Batched()
    out = list(edata.DataLoader(ds, batch_size=4))
    assert ds.calls == [[0, 1, 2, 3], [4, 5]] and out[1].tolist() == [4.0, 5.0]


def test_tensor_dataset_training_loop_shape_dtype():
    x = ember.randn(10, 3)
    y = ember.randint(0, 2, (10,))
    batches = list(edata.DataLoader(edata.TensorDataset(x, y), batch_size=4, shuffle=True))
    assert [tuple(b[0].shape) for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert all(b[1].dtype == ember.int64 for b in batches)
    xs = ember.cat([b[0] for b in batches])
    assert sorted(xs[:, 0].tolist()) == sorted(x[:, 0].tolist())
