"""ember.device vs torch.device; CPU-only moves; memory formats and layouts."""
import pickle

import numpy as np
import pytest
import torch

import ember
from ember import _device, _tensor
from oracle import check_error

memfmt = {n: getattr(ember, n, getattr(_tensor, n)) for n in
          ('contiguous_format', 'preserve_format', 'channels_last', 'channels_last_3d')}


def both(f):
    """(torch outcome, ember outcome): a repr or the exception type and message."""
    out = []
    for m in (torch, ember):
        try:
            out.append(('ok', repr(f(m)).replace('torch.', 'ember.')))
        except Exception as ex:  # noqa: BLE001
            out.append((type(ex), str(ex).replace('torch.', 'ember.')))
    return out


@pytest.mark.parametrize('args', [('cpu',), ('cpu', 0), ('cuda',), ('cuda', 3), ('cuda:1',), ('mps',),
                                  ('meta',), ('xla:2',), ('cpu:0',), ('hip', 1)])
def test_device_construction(args):
    t, e = torch.device(*args), ember.device(*args)
    assert repr(e) == repr(t) and str(e) == str(t)
    assert e.type == t.type and e.index == t.index
    assert pickle.loads(pickle.dumps(e)) == e
    assert ember.device(e) == e and hash(ember.device(*args)) == hash(e)
    assert (e == ember.device('cpu')) == (t == torch.device('cpu'))
    assert (e == str(e)) == (t == str(t))  # torch: a device never equals a string


@pytest.mark.parametrize('args', [('foo',), ('cuda:x',), ('cuda', -1), ('cuda:-1',), ('cuda:01',), ('float64',),
                                  (1,), (1.5,), ('cuda', 1.5), ('cuda:0', 1), (True,), (None,), ('',),
                                  ('cpu:',), ('CUDA',)])
def test_device_errors(args):
    (tt, tm), (et, em) = both(lambda m: m.device(*args))
    assert tt != 'ok' and et != 'ok'
    base = tt
    while base.__module__ != 'builtins':
        base = base.__mro__[1]
    assert issubclass(et, base), (et, tt, em, tm)
    if not args or not isinstance(args[0], (float, bool)) and args[0] is not None:
        assert em == tm


def test_device_kwargs_and_context():
    assert ember.device(type='cuda', index=2) == ember.device('cuda:2')
    with ember.device('cpu') as d:
        assert d.type == 'cpu'
        assert ember.zeros(2).device == ember.device('cpu')
    with pytest.raises(RuntimeError):
        with ember.device('cuda'):
            pass


def test_tensor_device():
    x = ember.ones(2)
    assert x.device == ember.device('cpu') and x.device.type == 'cpu' and str(x.device) == 'cpu'
    assert repr(x.device) == repr(torch.ones(2).device)
    assert x.get_device() == torch.ones(2).get_device() == -1
    assert not x.is_cuda and x.is_cpu


@pytest.mark.parametrize('dev', ['cuda', 'cuda:0', 'mps', 'meta', 'xla'])
def test_non_cpu_refused(dev):
    x = ember.ones(2)
    with pytest.raises(RuntimeError, match='ember'):
        x.to(dev)
    with pytest.raises(RuntimeError):
        ember.zeros(2, device=dev)
    with pytest.raises(RuntimeError):
        ember.tensor([1.0], device=ember.device(dev))


def test_cuda_error_is_assertion_and_runtime():
    # torch raises AssertionError('Torch not compiled with CUDA enabled'): both handlers work here
    for f in (lambda: ember.ones(2).cuda(), lambda: ember.ones(2).to('cuda'),
              lambda: ember.ones(2).cuda(0), lambda: ember.zeros(1, device='cuda')):
        with pytest.raises(AssertionError):
            f()
        with pytest.raises(RuntimeError, match='CUDA'):
            f()
    check_error(lambda m: m.ones(2).cuda(), [])
    check_error(lambda m: m.ones(2).to('cuda:0'), [])


def test_cpu_moves_are_identity():
    x = ember.ones(2, 3)
    assert x.cpu() is x and x.to('cpu') is x and x.to(ember.device('cpu')) is x and x.to('cpu:0') is x
    assert x.cuda('cpu') is x
    assert x.to('cpu', copy=True) is not x
    assert x.pin_memory() is x and not x.is_pinned()


@pytest.mark.parametrize('shape', [(2, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (0, 3, 2, 2), (2, 3), (1, 2, 3, 4, 5)])
@pytest.mark.parametrize('fmt', ['contiguous_format', 'channels_last', 'channels_last_3d', 'preserve_format'])
def test_is_contiguous_memory_format(shape, fmt):
    t, e = torch.zeros(shape), ember.zeros(shape)
    tf, ef = getattr(torch, fmt), memfmt[fmt]
    assert e.is_contiguous(memory_format=ef) == t.is_contiguous(memory_format=tf)
    if len(shape) == 4:
        p, q = (0, 2, 3, 1), (0, 3, 1, 2)
        tc = t.permute(p).contiguous().permute(q)
        ec = ember.permute(ember.permute(e, p).contiguous(), q)
        assert ec.stride() == tc.stride() or e.numel() == 0
        assert ec.is_contiguous(memory_format=ef) == tc.is_contiguous(memory_format=tf)
        assert ec.is_contiguous() == tc.is_contiguous()


def test_layout_and_memory_format_objects():
    lay = getattr(ember, 'strided', _tensor.strided)
    assert ember.ones(2).layout is lay
    assert repr(lay) == repr(torch.strided).replace('torch.', 'ember.')
    assert pickle.loads(pickle.dumps(lay)) is lay
    for n, f in memfmt.items():
        assert repr(f) == repr(getattr(torch, n)).replace('torch.', 'ember.')
        assert pickle.loads(pickle.dumps(f)) is f
    x = ember.ones(2, 3).t()
    y = x.to(ember.float64, memory_format=memfmt['contiguous_format'])
    assert y.is_contiguous() and y.dtype is ember.float64
    with pytest.raises(NotImplementedError):
        x.to(ember.float64, memory_format=memfmt['channels_last'])


def test_as_device_normalises():
    assert _device.as_device(None) is _device.CPU
    assert _device.as_device('cpu:0') is _device.CPU
    assert _device.as_device(ember.device('cpu')) is _device.CPU
    np.testing.assert_array_equal(ember.zeros(2, device='cpu').numpy(), [0, 0])
