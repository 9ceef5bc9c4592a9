"""ember.save / ember.load against real torch: both directions, safety, atomicity."""
import io
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from ember import serialization as ser
from ember.serialization import save, load

DTYPES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'bfloat16',
          'float32', 'float64', 'complex64', 'complex128']


def np_of(t):
    """Either framework's tensor -> ndarray (bfloat16 via float32)."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy()
    a = t.detach().numpy()
    return a.astype(np.float32) if a.dtype.name == 'bfloat16' else a


def assert_same(e, t):
    """An ember tensor equals a torch tensor: values, dtype, shape, strides, offset."""
    assert isinstance(e, ember.Tensor), type(e)
    assert str(e.dtype).split('.')[-1] == str(t.dtype).split('.')[-1]
    assert tuple(e.shape) == tuple(t.shape)
    assert e.stride() == t.stride()
    assert e.storage_offset() == t.storage_offset()
    assert e.requires_grad == t.requires_grad
    np.testing.assert_array_equal(np_of(e), np_of(t))


def assert_tree(e, t):
    if isinstance(t, torch.Tensor):
        assert_same(e, t)
        assert isinstance(e, ember.nn.Parameter) == isinstance(t, torch.nn.Parameter)
    elif isinstance(t, dict):
        assert type(e) is type(t)
        assert list(e.keys()) == list(t.keys())
        for k in t:
            assert_tree(e[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t)
        for a, b in zip(e, t):
            assert_tree(a, b)
    else:
        assert e == t


def torch_tensor(dtype, shape=(2, 3), seed=0):
    g = torch.Generator().manual_seed(seed)
    dt = getattr(torch, dtype)
    if dt == torch.bool:
        return torch.rand(shape, generator=g) > 0.5
    if dt.is_complex:
        return torch.randn(shape, dtype=dt, generator=g)
    if dt.is_floating_point:
        return (torch.randn(shape, generator=g) * 10).to(dt)
    return torch.randint(0, 100, shape, generator=g).to(dt)


def ember_tensor(dtype, shape=(2, 3), seed=0):
    return ember.from_numpy(np.array(np_of(torch_tensor(dtype, shape, seed)))).to(
        getattr(ember, dtype)) if dtype != 'bfloat16' else \
        ember.from_numpy(np_of(torch_tensor('float32', shape, seed)).copy()).to(ember.bfloat16)


class SmallCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.conv2 = torch.nn.Conv2d(4, 8, 3)
        self.fc = torch.nn.Linear(8 * 2 * 2, 10)


class Tied(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(5, 3)
        self.out = torch.nn.Linear(3, 5, bias=False)
        self.out.weight = self.emb.weight


# ====================================================================== torch -> ember
def test_torch_state_dict_of_cnn(tmp_path):
    torch.manual_seed(0)
    m = SmallCNN()
    m.bn.running_mean.add_(1.5)
    sd = m.state_dict()
    p = tmp_path / 'cnn.pth'
    torch.save(sd, p)
    got = load(p)
    assert isinstance(got, OrderedDict)
    assert_tree(got, sd)
    assert got['bn.num_batches_tracked'].dtype is ember.int64
    assert got['bn.num_batches_tracked'].dim() == 0


@pytest.mark.parametrize('dtype', DTYPES)
def test_torch_every_dtype(tmp_path, dtype):
    t = torch_tensor(dtype)
    p = tmp_path / 't.pt'
    torch.save({'x': t, 'scalar': t[0, 0].clone(), 'empty': t[:0]}, p)
    got = load(p)
    assert_same(got['x'], t)
    assert_same(got['scalar'], t[0, 0])
    assert got['empty'].shape == (0, 3) and got['empty'].dtype is getattr(ember, dtype)


def test_torch_views_share_storage(tmp_path):
    base = torch.arange(24.).reshape(4, 6)
    obj = {'base': base, 't': base.t(), 'row': base[2], 'cols': base[:, 1::2],
           'exp': torch.arange(3.).unsqueeze(0).expand(4, 3), 'empty': torch.empty(2, 0)}
    torch.save(obj, tmp_path / 'v.pt')
    got = load(tmp_path / 'v.pt')
    for k in obj:
        assert_same(got[k], obj[k])
    ptr = got['base'].untyped_storage().data_ptr()
    for k in ('t', 'row', 'cols'):
        assert got[k].untyped_storage().data_ptr() == ptr
    got['base'][2, 3] = -1.0  # views of one storage: writes show through
    assert float(got['row'][3]) == -1.0 and float(got['t'][3, 2]) == -1.0


def test_torch_tied_weights(tmp_path):
    torch.manual_seed(0)
    m = Tied()
    torch.save(m.state_dict(), tmp_path / 'tied.pt')
    got = load(tmp_path / 'tied.pt')
    assert_tree(got, m.state_dict())
    assert np.shares_memory(got['emb.weight'].numpy(), got['out.weight'].numpy())


def test_torch_parameters_and_nested(tmp_path):
    p = torch.nn.Parameter(torch.randn(3))
    q = torch.nn.Parameter(torch.randn(2), requires_grad=False)
    obj = {'params': [p, q], 'tup': (1, 2.5, 'x', None, True), 'nested': {'a': [{'b': p}]},
           'bytes': b'\x00\xff', 'set': {1, 2}, 'complex': 1 + 2j, 'dtype': torch.float16,
           'device': torch.device('cpu'), 'size': torch.Size([2, 3]),
           'req': torch.ones(2, requires_grad=True)}
    torch.save(obj, tmp_path / 'n.pt')
    got = load(tmp_path / 'n.pt')
    assert isinstance(got['params'][0], ember.nn.Parameter)
    assert got['params'][0].requires_grad and not got['params'][1].requires_grad
    assert_same(got['params'][0], p)
    assert got['nested']['a'][0]['b'] is got['params'][0]  # identity kept through the pickle
    assert got['tup'] == (1, 2.5, 'x', None, True)
    assert got['bytes'] == b'\x00\xff' and got['set'] == {1, 2} and got['complex'] == 1 + 2j
    assert got['dtype'] is ember.float16
    assert got['device'] == ember.device('cpu')
    assert isinstance(got['size'], ember.Size) and got['size'] == (2, 3)
    assert got['req'].requires_grad and got['req'].is_leaf


def test_torch_checkpoint_with_optimizer(tmp_path):
    torch.manual_seed(0)
    m = SmallCNN()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    x = torch.randn(2, 1, 6, 6)
    out = m.fc(m.conv2(m.bn(m.conv1(x))).flatten(1))
    out.sum().backward()
    opt.step()
    ckpt = {'epoch': 3, 'model_state_dict': m.state_dict(),
            'optimizer_state_dict': opt.state_dict(), 'loss': 0.25}
    torch.save(ckpt, tmp_path / 'ckpt.tar')
    got = load(tmp_path / 'ckpt.tar')
    assert_tree(got, ckpt)
    osd = got['optimizer_state_dict']
    assert set(osd) == {'state', 'param_groups'}
    assert osd['state'][0]['step'].dim() == 0
    assert osd['param_groups'][0]['lr'] == 1e-3


def test_torch_legacy_format(tmp_path):
    base = torch.arange(6.).reshape(2, 3)
    obj = {'a': base, 't': base.t(), 'i': torch.arange(4), 'p': torch.nn.Parameter(torch.ones(2))}
    torch.save(obj, tmp_path / 'old.pt', _use_new_zipfile_serialization=False)
    got = load(tmp_path / 'old.pt')
    for k in obj:
        assert_same(got[k], obj[k])
    assert np.shares_memory(got['a'].numpy(), got['t'].numpy())
    with pytest.raises(RuntimeError, match='mmap'):
        load(tmp_path / 'old.pt', mmap=True)


# ====================================================================== ember -> torch
@pytest.mark.parametrize('dtype', DTYPES)
def test_ember_every_dtype_to_torch(tmp_path, dtype):
    e = ember_tensor(dtype)
    save({'x': e, 'scalar': e[0, 0].clone(), 'empty': e[:0]}, tmp_path / 'e.pt')
    got = torch.load(tmp_path / 'e.pt', weights_only=True)
    assert got['x'].dtype == getattr(torch, dtype)
    np.testing.assert_array_equal(np_of(got['x']), np_of(e))
    assert got['scalar'].shape == () and got['empty'].shape == (0, 3)
    back = load(tmp_path / 'e.pt')
    assert_same(back['x'], got['x'])


def test_ember_views_and_strides_to_torch(tmp_path):
    base = ember.arange(24.).reshape(4, 6)
    obj = {'base': base, 't': base.t(), 'row': base[2], 'cols': base[:, 1::2],
           'zero_d': ember.tensor(3.5), 'empty': ember.empty(2, 0)}
    save(obj, tmp_path / 'v.pt')
    got = torch.load(tmp_path / 'v.pt', weights_only=True)
    for k in obj:
        assert got[k].stride() == obj[k].stride(), k
        assert got[k].storage_offset() == obj[k].storage_offset(), k
        np.testing.assert_array_equal(got[k].numpy(), obj[k].numpy())
    ptr = got['base'].untyped_storage().data_ptr()
    assert all(got[k].untyped_storage().data_ptr() == ptr for k in ('t', 'row', 'cols'))
    # saved once: one storage record for the four views
    names = zipfile.ZipFile(tmp_path / 'v.pt').namelist()
    assert sum('/data/' in n for n in names) == 3


def test_ember_module_state_dict_to_torch_model(tmp_path):
    torch.manual_seed(0)
    ref = SmallCNN()
    # an ember model with the same parameter names (built from torch's values, then changed)
    sd = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in ref.state_dict().items()}
    sd['fc.weight'] = sd['fc.weight'] * 2
    sd = OrderedDict(sd)
    save(sd, tmp_path / 'm.pth')
    m = SmallCNN()
    m.load_state_dict(torch.load(tmp_path / 'm.pth'))
    np.testing.assert_array_equal(m.fc.weight.detach().numpy(), sd['fc.weight'].numpy())
    np.testing.assert_array_equal(m.bn.running_var.numpy(), sd['bn.running_var'].numpy())


def test_ember_module_state_dict_roundtrip(tmp_path):
    class Net(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = ember.nn.Parameter(ember.randn(3, 2))
            self.b = ember.nn.Parameter(ember.zeros(3))
            self.register_buffer('steps', ember.tensor(7))
            self.sub = ember.nn.Sequential()

    net = Net()
    save(net.state_dict(), tmp_path / 'net.pt')
    t = torch.load(tmp_path / 'net.pt', weights_only=True)
    assert list(t) == ['w', 'b', 'steps']
    assert isinstance(t, OrderedDict)
    np.testing.assert_array_equal(t['w'].numpy(), net.w.detach().numpy())
    back = load(tmp_path / 'net.pt')
    assert list(back) == ['w', 'b', 'steps']
    np.testing.assert_array_equal(back['w'].numpy(), net.w.detach().numpy())
    if hasattr(ember.Tensor, 'copy_'):  # load_state_dict needs Tensor.copy_ (core)
        other = Net()
        other.load_state_dict(back)
        np.testing.assert_array_equal(other.w.detach().numpy(), net.w.detach().numpy())
        assert int(other.steps) == 7


def test_ember_parameters_checkpoint_to_torch(tmp_path):
    w = ember.nn.Parameter(ember.randn(2, 2))
    frozen = ember.nn.Parameter(ember.ones(2), requires_grad=False)
    ckpt = {'epoch': 2, 'model_state_dict': OrderedDict(w=w.detach()),
            'optimizer_state_dict': {'state': {0: {'step': ember.tensor(3.),
                                                   'exp_avg': ember.zeros(2, 2)}},
                                     'param_groups': [{'lr': 0.1, 'betas': (0.9, 0.999),
                                                       'params': [0]}]},
            'loss': 0.5, 'params': [w, frozen], 'dtype': ember.bfloat16,
            'size': ember.Size([1, 2]), 'device': ember.device('cpu'), 'blob': b'abc'}
    save(ckpt, tmp_path / 'c.pt')
    got = torch.load(tmp_path / 'c.pt', weights_only=True)
    assert isinstance(got['params'][0], torch.nn.Parameter) and got['params'][0].requires_grad
    assert not got['params'][1].requires_grad
    assert got['dtype'] == torch.bfloat16 and got['size'] == torch.Size([1, 2])
    assert got['device'] == torch.device('cpu') and got['blob'] == b'abc'
    assert got['optimizer_state_dict']['param_groups'][0]['betas'] == (0.9, 0.999)
    assert got['optimizer_state_dict']['state'][0]['step'].item() == 3.0
    back = load(tmp_path / 'c.pt')
    assert isinstance(back['params'][0], ember.nn.Parameter)
    assert back['epoch'] == 2 and back['loss'] == 0.5 and back['dtype'] is ember.bfloat16


def test_archive_layout_matches_torch(tmp_path):
    save({'a': ember.ones(3), 'b': ember.zeros(2, dtype=ember.int64)}, tmp_path / 'model.pth')
    torch.save({'a': torch.ones(3), 'b': torch.zeros(2, dtype=torch.int64)}, tmp_path / 'ref.pth')
    ours = zipfile.ZipFile(tmp_path / 'model.pth')
    ref = zipfile.ZipFile(tmp_path / 'ref.pth')
    strip = lambda z: [n.split('/', 1)[1] for n in z.namelist()]  # noqa: E731
    assert strip(ours) == strip(ref)
    assert ours.namelist()[0] == 'model/data.pkl'
    for n in ('version', 'byteorder', '.format_version', '.storage_alignment'):
        assert ours.read('model/' + n) == ref.read('ref/' + n)
    raw = (tmp_path / 'model.pth').read_bytes()
    for info in ours.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        nl, el = struct.unpack('<HH', raw[info.header_offset + 26:info.header_offset + 30])
        assert (info.header_offset + 30 + nl + el) % 64 == 0
    # the pickle uses torch's names only
    pkl = ours.read('model/data.pkl')
    assert b'ember' not in pkl and b'torch._utils' in pkl and b'FloatStorage' in pkl
    assert ser.get_unsafe_globals_in_checkpoint(tmp_path / 'model.pth') == []


def test_zip64_records_readable_by_torch(tmp_path, monkeypatch):
    monkeypatch.setattr(ser, '_ZIP64_LIMIT', 16)
    e = ember.arange(100.)
    save({'x': e, 'y': e[10:20]}, tmp_path / 'z64.pt')
    got = torch.load(tmp_path / 'z64.pt', weights_only=True)
    np.testing.assert_array_equal(got['y'].numpy(), np.arange(10., 20.))
    np.testing.assert_array_equal(load(tmp_path / 'z64.pt')['x'].numpy(), e.numpy())


@pytest.mark.parametrize('protocol', [2, 4, 5])
def test_pickle_protocol(tmp_path, protocol):
    save({'x': ember.arange(3), 'd': ember.float32}, tmp_path / 'p.pt', pickle_protocol=protocol)
    # torch's weights_only unpickler only speaks protocol 2 (it refuses its own protocol-4 files)
    got = torch.load(tmp_path / 'p.pt', weights_only=protocol == 2)
    assert got['x'].tolist() == [0, 1, 2] and got['d'] == torch.float32
    assert load(tmp_path / 'p.pt')['x'].tolist() == [0, 1, 2]


# ====================================================================== file arguments
def test_bytesio_and_file_objects(tmp_path):
    buf = io.BytesIO()
    save({'x': ember.arange(4.)}, buf)
    buf.seek(0)
    assert zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()[0] == 'archive/data.pkl'
    assert load(buf)['x'].tolist() == [0., 1., 2., 3.]
    buf.seek(0)
    assert torch.load(buf)['x'].tolist() == [0., 1., 2., 3.]
    tbuf = io.BytesIO()
    torch.save([torch.ones(2)], tbuf)
    tbuf.seek(0)
    assert load(tbuf)[0].tolist() == [1., 1.]
    with open(tmp_path / 'f.pt', 'wb') as fh:
        save(ember.ones(2), fh)
    with open(tmp_path / 'f.pt', 'rb') as fh:
        assert load(fh).tolist() == [1., 1.]
    save(ember.ones(1), str(tmp_path / 'str.pt'))
    assert load(str(tmp_path / 'str.pt')).tolist() == [1.]


def test_bad_arguments(tmp_path):
    with pytest.raises(RuntimeError, match='explicit pickle_module'):
        load(tmp_path / 'x.pt', pickle_module=pickle, weights_only=True)
    with pytest.raises(RuntimeError, match='Parent directory'):
        save(ember.ones(1), tmp_path / 'no' / 'such' / 'x.pt')
    with pytest.raises(NotImplementedError, match='legacy'):
        save(ember.ones(1), tmp_path / 'x.pt', _use_new_zipfile_serialization=False)
    save(ember.ones(1), tmp_path / 'x.pt')
    with pytest.raises(TypeError, match='map_location'):
        load(tmp_path / 'x.pt', map_location=3)
    with pytest.raises(AttributeError, match='write'):
        save(ember.ones(1), 42)


# ====================================================================== map_location / mmap
def _cuda_checkpoint(path):
    """A torch checkpoint whose storages claim to live on cuda:0."""
    buf = io.BytesIO()
    torch.save({'w': torch.arange(4.)}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as dst:
        for n in src.namelist():
            data = src.read(n)
            if n.endswith('data.pkl'):
                data = data.replace(b'X\x03\x00\x00\x00cpu', b'X\x06\x00\x00\x00cuda:0')
            dst.writestr(n, data)


@pytest.mark.parametrize('ml', ['cpu', ember.device('cpu'), {'cuda:0': 'cpu'},
                                lambda storage, loc: storage, lambda storage, loc: None])
def test_map_location_cuda_to_cpu(tmp_path, ml):
    p = tmp_path / 'cuda.pt'
    _cuda_checkpoint(p)
    if callable(ml) and ml(1, 2) is None:
        with pytest.raises(RuntimeError, match='CUDA device'):
            load(p, map_location=ml)
        return
    assert load(p, map_location=ml)['w'].tolist() == [0., 1., 2., 3.]


def test_map_location_errors(tmp_path):
    p = tmp_path / 'cuda.pt'
    _cuda_checkpoint(p)
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device.*"
                                           "map_location"):
        load(p)
    with pytest.raises(RuntimeError, match='CUDA device'):
        load(p, map_location='cuda')
    seen = []
    load(p, map_location=lambda s, loc: seen.append(loc) or s)
    assert seen == ['cuda:0']


def test_mmap(tmp_path):
    base = ember.arange(30.).reshape(5, 6)
    save({'a': base, 't': base.t(), 'i': ember.arange(7)}, tmp_path / 'm.pt')
    got = load(tmp_path / 'm.pt', mmap=True)
    root = got['a'].numpy()
    while not isinstance(root, np.memmap) and root.base is not None:
        root = root.base
    assert isinstance(root, np.memmap)
    np.testing.assert_array_equal(got['t'].numpy(), base.t().numpy())
    np.testing.assert_array_equal(got['i'].numpy(), np.arange(7))
    got['a'][0, 0] = 99.0  # copy-on-write: the file is unchanged
    assert load(tmp_path / 'm.pt')['a'][0, 0].item() == 0.0
    buf = io.BytesIO()
    save(base, buf)
    buf.seek(0)
    with pytest.raises(ValueError, match='file path'):
        load(buf, mmap=True)
    torch.save({'x': torch.arange(5.)}, tmp_path / 'tm.pt')
    assert load(tmp_path / 'tm.pt', mmap=True)['x'].tolist() == [0., 1., 2., 3., 4.]


# ====================================================================== safety
class Evil:
    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null',))


def _craft(path, obj):
    """A torch-layout archive whose data.pkl is pickle.dumps(obj)."""
    with zipfile.ZipFile(path, 'w') as z:
        z.writestr('archive/data.pkl', pickle.dumps(obj, protocol=2))
        z.writestr('archive/version', '3\n')
        z.writestr('archive/byteorder', 'little')


def test_malicious_pickle_refused(tmp_path):
    p = tmp_path / 'evil.pt'
    _craft(p, {'x': Evil()})
    with pytest.raises(pickle.UnpicklingError, match=r'GLOBAL (posix|os)\.system was not an allowed'
                                                     r'.*add_safe_globals'):
        load(p)
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        load(p, weights_only=True)


def test_eval_pickle_refused(tmp_path):
    payload = b"\x80\x02cbuiltins\neval\nX\x0b\x00\x00\x001+1 or None\x85R."
    with zipfile.ZipFile(tmp_path / 'e.pt', 'w') as z:
        z.writestr('archive/data.pkl', payload)
        z.writestr('archive/version', '3\n')
    with pytest.raises(pickle.UnpicklingError, match=r'GLOBAL builtins\.eval'):
        load(tmp_path / 'e.pt')


def test_weights_only_false_loads_arbitrary(tmp_path):
    import fractions
    p = tmp_path / 'obj.pt'
    save({'f': fractions.Fraction(1, 3), 'x': ember.ones(2)}, p)
    with pytest.raises(pickle.UnpicklingError, match='fractions.Fraction'):
        load(p)
    got = load(p, weights_only=False)
    assert got['f'] == fractions.Fraction(1, 3) and got['x'].tolist() == [1., 1.]
    assert ser.get_unsafe_globals_in_checkpoint(p) == ['fractions.Fraction']


def test_safe_globals(tmp_path):
    import fractions
    p = tmp_path / 'obj.pt'
    save([fractions.Fraction(2, 5)], p)
    with ser.safe_globals([fractions.Fraction]):
        assert load(p) == [fractions.Fraction(2, 5)]
        assert fractions.Fraction in ser.get_safe_globals()
    with pytest.raises(pickle.UnpicklingError):
        load(p)
    try:
        ser.add_safe_globals([fractions.Fraction])
        assert load(p) == [fractions.Fraction(2, 5)]
    finally:
        ser.clear_safe_globals()
    assert ser.get_safe_globals() == []


def test_torch_full_model_pickle_needs_weights_only_false(tmp_path):
    torch.save(torch.nn.Linear(2, 2), tmp_path / 'lin.pt')
    with pytest.raises(pickle.UnpicklingError, match='torch.nn.modules.linear.Linear'):
        load(tmp_path / 'lin.pt')


def test_out_of_bounds_geometry_refused(tmp_path):
    buf = io.BytesIO()
    torch.save(torch.arange(4.), buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(tmp_path / 'oob.pt', 'w') as dst:
        for n in src.namelist():
            data = src.read(n)
            if n.endswith('data.pkl'):  # size (4,) -> (100,): would read past the storage
                data = data.replace(b'K\x04\x85', b'Kd\x85', 1)
            dst.writestr(n, data)
    with pytest.raises(RuntimeError, match='out of bounds'):
        load(tmp_path / 'oob.pt')


# ====================================================================== broken files
def test_truncated_and_corrupt_files(tmp_path):
    p = tmp_path / 'good.pt'
    torch.save({'w': torch.randn(100)}, p)
    raw = p.read_bytes()
    for i, cut in enumerate((len(raw) // 2, len(raw) - 10, 40)):
        q = tmp_path / f'cut{i}.pt'
        q.write_bytes(raw[:cut])
        with pytest.raises(RuntimeError, match='truncated or corrupt'):
            load(q)
    # flip bytes inside the storage record: the CRC check catches it
    info = [i for i in zipfile.ZipFile(p).infolist() if '/data/' in i.filename][0]
    nl, el = struct.unpack('<HH', raw[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + nl + el
    bad = bytearray(raw)
    bad[start:start + 8] = b'\xff' * 8
    (tmp_path / 'crc.pt').write_bytes(bytes(bad))
    with pytest.raises(RuntimeError, match='truncated or corrupt'):
        load(tmp_path / 'crc.pt')
    (tmp_path / 'empty.pt').write_bytes(b'')
    with pytest.raises(EOFError, match='empty'):
        load(tmp_path / 'empty.pt')
    (tmp_path / 'junk.pt').write_bytes(b'hello, not a checkpoint')
    with pytest.raises(RuntimeError, match='not a PyTorch checkpoint'):
        load(tmp_path / 'junk.pt')


def test_torchscript_refused(tmp_path):
    m = torch.jit.script(torch.nn.Linear(2, 2))
    torch.jit.save(m, tmp_path / 'ts.pt')
    with pytest.raises(RuntimeError, match='TorchScript.*not supported'):
        load(tmp_path / 'ts.pt')


# ====================================================================== atomic writes
def test_interrupted_save_keeps_old_file(tmp_path, monkeypatch):
    p = tmp_path / 'ckpt.pt'
    save({'w': ember.ones(3)}, p)
    before = p.read_bytes()
    calls = []

    def failing(w, ref):
        calls.append(ref.key)
        if len(calls) == 2:
            raise OSError(28, 'No space left on device')
        w.write_record('data/' + ref.key, ref.array)

    monkeypatch.setattr(ser, '_write_storage', failing)
    with pytest.raises(OSError, match='No space'):
        save({'w': ember.zeros(3), 'v': ember.zeros(5)}, p)
    assert p.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ['ckpt.pt']
    assert load(p)['w'].tolist() == [1., 1., 1.]


def test_unpicklable_object_keeps_old_file(tmp_path):
    p = tmp_path / 'ckpt.pt'
    save({'w': ember.ones(3)}, p)
    before = p.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        save({'w': ember.zeros(3), 'f': lambda x: x}, p)
    assert p.read_bytes() == before
    assert os.listdir(tmp_path) == ['ckpt.pt']


def test_save_keeps_permissions(tmp_path):
    p = tmp_path / 'perm.pt'
    save(ember.ones(1), p)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(p).st_mode & 0o777 == 0o666 & ~umask
    os.chmod(p, 0o640)
    save(ember.ones(1), p)
    assert os.stat(p).st_mode & 0o777 == 0o640


# ====================================================================== safetensors
try:  # the cross-checks need the safetensors package (ember's reader/writer does not)
    import safetensors.torch as st_torch
except ImportError:  # pragma: no cover
    st_torch = None
from ember.utils import safetensors as est  # noqa: E402

needs_st = pytest.mark.skipif(st_torch is None, reason='the safetensors package is not installed')

ST_DTYPES = [d for d in DTYPES if d != 'complex128']


@needs_st
@pytest.mark.parametrize('dtype', ST_DTYPES)
def test_safetensors_torch_to_ember(tmp_path, dtype):
    t = torch_tensor(dtype, (3, 4))
    st_torch.save_file({'w': t, 's': t[0, 0].clone(), 'e': t[:0].clone()}, tmp_path / 'a.safetensors',
                       metadata={'format': 'pt'})
    got = est.load_file(tmp_path / 'a.safetensors')
    assert_same(got['w'], t)
    assert_same(got['s'], t[0, 0])
    assert got['e'].shape == (0, 4)
    got2 = load(tmp_path / 'a.safetensors')  # ember.load dispatches on the suffix, like torch
    assert_same(got2['w'], t)


@needs_st
@pytest.mark.parametrize('dtype', ST_DTYPES)
def test_safetensors_ember_to_torch(tmp_path, dtype):
    e = ember_tensor(dtype, (3, 4))
    est.save_file({'w': e, 'b': ember.zeros(2)}, tmp_path / 'b.safetensors', metadata={'k': 'v'})
    got = st_torch.load_file(tmp_path / 'b.safetensors')
    assert got['w'].dtype == getattr(torch, dtype)
    np.testing.assert_array_equal(np_of(got['w']), np_of(e))
    blob = est.save({'w': e})
    assert_same(est.load(blob)['w'], st_torch.load(blob)['w'])


def test_safetensors_errors(tmp_path):
    base = ember.ones(4)
    with pytest.raises(RuntimeError, match='share memory'):
        est.save({'a': base, 'b': base[:2]})
    with pytest.raises(ValueError, match='non contiguous'):
        est.save({'a': ember.ones(2, 3).t()})
    with pytest.raises(ValueError, match='complex128'):
        est.save({'a': ember.ones(2, dtype=ember.complex128)})
    blob = est.save({'a': ember.ones(100)})
    with pytest.raises(ValueError, match='truncated|TensorInvalidInfo'):
        est.load(blob[:-8])
    with pytest.raises(ValueError, match='HeaderTooLarge|HeaderTooSmall'):
        est.load(b'garbage!')
    est.save_file({'a': ember.ones(1)}, tmp_path / 'x.safetensors')
    with pytest.raises(RuntimeError, match='dict map_location'):
        load(tmp_path / 'x.safetensors', map_location={'cuda': 'cpu'})
    assert load(tmp_path / 'x.safetensors', map_location='cpu')['a'].tolist() == [1.]
    with pytest.raises(RuntimeError, match='CPU'):
        est.load_file(tmp_path / 'x.safetensors', device='cuda')
    assert os.listdir(tmp_path) == ['x.safetensors']


def test_model_trained_in_ember_runs_identically_in_torch(tmp_path):
    """Train a small CNN in ember, save it, load it into the same architecture in torch."""
    import ember.nn as enn
    import torch.nn as tnn

    def build(nn):
        return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 10))

    ember.manual_seed(0)
    model = build(enn)
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((8, 1, 8, 8)).astype(np.float32))
    y = ember.tensor(rng.integers(0, 10, 8))
    for _ in range(3):
        opt.zero_grad()
        enn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    path = tmp_path / 'model.pt'
    ember.save(model.state_dict(), path)
    tmodel = build(tnn)
    tmodel.load_state_dict(torch.load(path, weights_only=True))
    tmodel.eval()
    with torch.no_grad():
        expected = tmodel(torch.from_numpy(x.numpy())).numpy()
    np.testing.assert_allclose(model(x).detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    assert int(tmodel[1].num_batches_tracked) == 3
