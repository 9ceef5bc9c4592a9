"""default_collate / default_convert against torch.utils.data."""
import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata
from _helpers import same_structure, to_fw

Point = collections.namedtuple('Point', ['x', 'y'])
rng = np.random.default_rng(0)

SAMPLES = {
    'tensor': lambda i: ('T', rng.standard_normal((2, 3)).astype(np.float32)),
    'int_tensor': lambda i: ('T', np.arange(4, dtype=np.int32) + i),
    'bool_tensor': lambda i: ('T', np.array([True, i % 2 == 0])),
    'f64_tensor_0d': lambda i: ('T', np.array(1.5 * i)),
    'ndarray': lambda i: rng.standard_normal((3,)).astype(np.float64),
    'ndarray_u8': lambda i: np.full((2, 2), i, np.uint8),
    'np_scalar_f32': lambda i: np.float32(i),
    'np_scalar_i16': lambda i: np.int16(i),
    'np_bool': lambda i: np.bool_(i % 2),
    'float': lambda i: 0.5 * i,
    'int': lambda i: i,
    'bool': lambda i: i % 2 == 0,
    'str': lambda i: f"s{i}",
    'bytes': lambda i: b"b",
    'tuple': lambda i: (('T', np.ones(2, np.float32) * i), i, 'a'),
    'list': lambda i: [float(i), ('T', np.zeros((1, 2), np.int64))],
    'dict': lambda i: {'img': ('T', np.ones((2, 2), np.float32)), 'label': i, 'name': 'x'},
    'namedtuple': lambda i: Point(('T', np.ones(3, np.float32)), i),
    'nested': lambda i: {'a': [(i, 0.5), {'b': np.arange(3) + i}], 'c': Point(1.0, [i, i])},
}


@pytest.mark.parametrize('kind', list(SAMPLES))
def test_default_collate_matches_torch(kind):
    samples = [SAMPLES[kind](i) for i in range(3)]
    e = edata.default_collate([to_fw(ember, s) for s in samples])
    t = tdata.default_collate([to_fw(torch, s) for s in samples])
    same_structure(e, t)


@pytest.mark.parametrize('kind', list(SAMPLES))
def test_default_convert_matches_torch(kind):
    s = SAMPLES[kind](1)
    same_structure(edata.default_convert(to_fw(ember, s)), tdata.default_convert(to_fw(torch, s)))


def test_collate_batch_of_one_and_empty_string_array():
    same_structure(edata.default_collate([np.ones((1,), np.float32)]),
                   tdata.default_collate([np.ones((1,), np.float32)]))
    arr = np.array(['a', 'b'])
    assert edata.default_convert(arr) is arr


@pytest.mark.parametrize('bad', [
    [object(), object()],
    [np.array(['a']), np.array(['b'])],
    [np.array([object()]), np.array([object()])],
    [None, None],
])
def test_collate_unsupported_types(bad):
    with pytest.raises(TypeError) as te:
        tdata.default_collate(bad)
    with pytest.raises(TypeError) as ee:
        edata.default_collate(bad)
    assert str(ee.value) == str(te.value).replace('torch', 'ember')


def test_collate_ragged_sequences_and_tensors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        edata.default_collate([[1, 2], [1]])
    with pytest.raises(RuntimeError):
        tdata.default_collate([torch.zeros(2), torch.zeros(3)])
    with pytest.raises(RuntimeError):
        edata.default_collate([ember.zeros(2), ember.zeros(3)])


def test_custom_collate_fn_map():
    from ember.utils.data._collate import collate, default_collate_fn_map

    class Box:
        def __init__(self, v):
            self.v = v

    def collate_box(batch, *, collate_fn_map=None):
        return sum(b.v for b in batch)

    fmap = dict(default_collate_fn_map)
    fmap[Box] = collate_box
    out = collate([(Box(1), 2), (Box(3), 4)], collate_fn_map=fmap)
    assert out[0] == 4 and out[1].tolist() == [2, 4]
