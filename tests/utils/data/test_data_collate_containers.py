"""default_collate / default_convert on less common containers, against torch.utils.data."""
import collections
import collections.abc as abc

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember.utils.data as edata
from _helpers import same_structure as _same


def same_structure(e, t):
    """_helpers.same_structure, also looking inside Sequence types other than list/tuple."""
    if isinstance(t, abc.Sequence) and not isinstance(t, (str, bytes, list, tuple)):
        assert type(e).__name__ == type(t).__name__
        e, t = list(e), list(t)
    _same(e, t)


class FrozenMap(abc.Mapping):
    """An immutable mapping whose constructor takes a dict."""

    def __init__(self, d):
        self._d = dict(d)

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)


class OddMap(FrozenMap):
    """A mapping that cannot be rebuilt from a dict (falls back to a plain dict)."""

    def __init__(self, *a, **k):
        if a or k:
            raise TypeError("no")
        super().__init__({'a': 1, 'b': 2.0})


class Seq(abc.Sequence):
    def __init__(self, items):
        self._items = list(items)

    def __getitem__(self, i):
        return self._items[i]

    def __len__(self):
        return len(self._items)


class MutSeq(collections.UserList):
    pass


SAMPLES = {
    'ordered': lambda i: collections.OrderedDict([('b', i), ('a', 0.5)]),
    'defaultdict': lambda i: collections.defaultdict(int, {'x': i}),
    'frozenmap': lambda i: FrozenMap({'k': i, 's': 'v'}),
    'oddmap': lambda i: OddMap(),
    'seq': lambda i: Seq([i, 1.5]),
    'userlist': lambda i: MutSeq([i, np.float32(2)]),
    'tuple_of_str': lambda i: ('a', b'b', i),
    'np_str_scalar': lambda i: np.str_('x'),
    'bools': lambda i: [True, i % 2 == 0],
}


@pytest.mark.parametrize('kind', list(SAMPLES))
def test_collate_containers_match_torch(kind):
    batch = [SAMPLES[kind](i) for i in range(3)]
    same_structure(edata.default_collate(batch), tdata.default_collate(batch))


@pytest.mark.parametrize('kind', list(SAMPLES))
def test_convert_containers_match_torch(kind):
    s = SAMPLES[kind](1)
    same_structure(edata.default_convert(s), tdata.default_convert(s))


def test_convert_nested_numpy_and_tuple_to_list():
    s = {'a': (np.arange(3), np.float64(2.0)), 'b': [np.int8(1), 'x']}
    same_structure(edata.default_convert(s), tdata.default_convert(s))


def test_convert_keeps_defaultdict_factory():
    d = collections.defaultdict(list, {'x': np.arange(2)})
    out = edata.default_convert(d)
    assert type(out) is collections.defaultdict and out.default_factory is list


def test_collate_ragged_nested():
    batch = [{'a': [1, 2]}, {'a': [1]}]
    with pytest.raises(RuntimeError) as te:
        tdata.default_collate(batch)
    with pytest.raises(RuntimeError) as ee:
        edata.default_collate(batch)
    assert str(ee.value) == str(te.value)
