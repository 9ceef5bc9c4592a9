"""nn.Parameter and nn.Buffer against torch."""
import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from oracle import to_numpy


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('requires_grad', [True, False])
def test_parameter_repr_and_flags(dtype, requires_grad):
    a = np.arange(6, dtype=dtype).reshape(2, 3) / 7
    pe = ember.nn.Parameter(ember.tensor(a), requires_grad=requires_grad)
    pt = torch.nn.Parameter(torch.tensor(a), requires_grad=requires_grad)
    assert repr(pe) == repr(pt).replace('torch.float64', 'ember.float64')   # ember's dtype names
    assert str(pe) == str(pt).replace('torch.float64', 'ember.float64')
    assert pe.requires_grad == pt.requires_grad == requires_grad
    assert pe.is_leaf and pe.grad_fn is None
    assert isinstance(pe, ember.Tensor) and isinstance(pe, ember.nn.Parameter)


def test_parameter_default_and_empty():
    pe, pt = ember.nn.Parameter(), torch.nn.Parameter()
    assert tuple(pe.shape) == tuple(pt.shape) == (0,)
    assert pe.dtype == ember.float32 and pe.requires_grad
    assert repr(pe) == repr(pt)


def test_parameter_shares_memory_with_data():
    t = ember.zeros(3)
    p = ember.nn.Parameter(t)
    t[0] = 5.0
    assert float(p[0]) == 5.0
    assert not t.requires_grad             # the source tensor is untouched


def test_parameter_from_nonleaf_and_parameter():
    for m in (ember, torch):
        w = m.ones(2, requires_grad=True)
        p = m.nn.Parameter(w * 3)
        assert p.is_leaf and p.grad_fn is None and p.requires_grad
        q = m.nn.Parameter(p, requires_grad=False)
        assert isinstance(q, m.nn.Parameter) and not q.requires_grad


def test_parameter_integer_dtype_requires_grad_error():
    with pytest.raises(RuntimeError) as te:
        torch.nn.Parameter(torch.ones(2, dtype=torch.int64))
    with pytest.raises(RuntimeError) as ee:
        ember.nn.Parameter(ember.ones(2, dtype=ember.int64))
    assert str(ee.value) == str(te.value)
    p = ember.nn.Parameter(ember.ones(2, dtype=ember.int64), requires_grad=False)
    assert p.dtype == ember.int64 and not p.requires_grad
    with pytest.raises(TypeError):
        ember.nn.Parameter([1.0, 2.0])


def test_ops_on_parameter_return_tensor_and_grad():
    for m in (ember, torch):
        p = m.nn.Parameter(m.ones(3))
        y = p * 2
        assert type(y) is m.Tensor and y.requires_grad
        assert type(p.detach()) is m.Tensor and type(p.data) is m.Tensor
        (y * m.arange(3.0)).sum().backward()
        np.testing.assert_array_equal(to_numpy(p.grad), [0.0, 2.0, 4.0])
        assert type(p.grad) is m.Tensor


def test_parameter_deepcopy_like_torch():
    for m in (ember, torch):
        p = m.nn.Parameter(m.arange(4.0))
        p.grad = m.ones(4)
        p.tag = 'x'
        q = copy.deepcopy(p)
        assert type(q) is m.nn.Parameter and q.requires_grad
        assert q.grad is None and not hasattr(q, 'tag')          # torch drops both
        q.data[0] = 100.0
        assert float(p[0]) == 0.0
        memo = {}
        a = copy.deepcopy([p, p], memo)
        assert a[0] is a[1]
        r = copy.deepcopy(m.nn.Parameter(m.ones(2), requires_grad=False))
        assert not r.requires_grad


def test_parameter_pickle_like_torch():
    for m in (ember, torch):
        p = m.nn.Parameter(m.arange(4.0).reshape(2, 2))
        p.grad = m.ones(2, 2)
        p.tag = 'x'
        q = pickle.loads(pickle.dumps(p))
        assert type(q) is m.nn.Parameter and q.requires_grad and q.tag == 'x' and q.grad is None
        np.testing.assert_array_equal(to_numpy(q), to_numpy(p))
        r = pickle.loads(pickle.dumps(m.nn.Parameter(m.ones(1), requires_grad=False)))
        assert not r.requires_grad


def test_buffer_semantics_like_torch():
    for m in (ember, torch):
        t = m.ones(2)
        b = m.nn.Buffer(t, persistent=False)
        assert type(b) is m.Tensor and isinstance(b, m.nn.Buffer)
        assert b.persistent is False and b._is_buffer
        assert not isinstance(t, m.nn.Buffer) and not isinstance(m.ones(1), m.nn.Buffer)
        t[0] = 3.0
        assert float(b[0]) == 3.0                            # detached alias
        g = m.nn.Buffer(m.ones(2, requires_grad=True))
        assert g.requires_grad and g.is_leaf and g.persistent
        assert tuple(m.nn.Buffer().shape) == (0,)
        mod = m.nn.Module()
        mod.buf = b
        assert 'buf' in mod._non_persistent_buffers_set and 'buf' not in mod.state_dict()
        assert not isinstance(m.nn.Parameter(m.ones(1)), m.nn.Buffer)


def test_isinstance_parameter_of_plain_tensor():
    assert not isinstance(ember.ones(2), ember.nn.Parameter)
    assert issubclass(ember.nn.Parameter, ember.Tensor)


def test_lazy_parameter_not_supported():
    with pytest.raises(NotImplementedError):
        ember.nn.UninitializedParameter()
