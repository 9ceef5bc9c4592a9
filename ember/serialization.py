"""ember.save / ember.load in PyTorch's own checkpoint format (both directions).

A checkpoint written by ``ember.save`` is a file ``torch.load(..., weights_only=True)``
accepts, and a file written by ``torch.save`` loads in ember -- without torch installed:
the format is implemented here with ``zipfile``/``struct`` and ``pickle``.

The zip format (torch >= 1.6)::

    <archive>/data.pkl                 the object, pickled (protocol 2 by default); every
                                       storage is a persistent id
                                       ('storage', torch.<Type>Storage, key, location, numel)
    <archive>/.format_version          b'1'
    <archive>/.storage_alignment       b'64'
    <archive>/byteorder                b'little'
    <archive>/data/<key>               the storage's raw bytes, 64-byte aligned, uncompressed
    <archive>/version                  b'3\\n'
    <archive>/.data/serialization_id   40 digits

Tensors are pickled as ``torch._utils._rebuild_tensor_v2(storage, storage_offset, size,
stride, requires_grad, OrderedDict())``; Parameters wrap that in
``torch._utils._rebuild_parameter(tensor, requires_grad, OrderedDict())``. Tensors that share
memory (views, tied weights) share one storage record and come back as views of one array.

Loading is safe by default: with ``weights_only=True`` (the default, as in torch >= 2.6) the
unpickler only resolves an allow-list of globals (tensor rebuild functions, storage types,
dtypes, ``torch.Size``, ``torch.device``, ``collections.OrderedDict`` and a few builtins) and
refuses anything else, naming the global. ``add_safe_globals``/``safe_globals`` extend the
list. **``weights_only=False`` runs arbitrary code from the file: use it only on files you
trust.**

The legacy (pre-1.6) non-zip format is read too; TorchScript archives are refused.
"""
import collections
import contextlib
import io
import os
import pickle
import random
import struct
import sys
import tempfile
import zipfile
import zlib
import _compat_pickle

import numpy as np

from . import _dtype as D
from ._device import device as _device_cls
from ._tensor import Tensor, Size, UntypedStorage, memory_format, layout, strided

__all__ = ['save', 'load', 'add_safe_globals', 'clear_safe_globals', 'get_safe_globals',
           'safe_globals', 'get_unsafe_globals_in_checkpoint', 'DEFAULT_PROTOCOL',
           'StorageType']

DEFAULT_PROTOCOL = 2
_ALIGNMENT = 64
_ZIP64_LIMIT = 0xFFFFFFFF  # sizes/offsets at or above this need zip64 records (patched in tests)
_LEGACY_MAGIC = 0x1950a86a20f9469cfc6c
_LEGACY_PROTOCOL = 1001

# torch's legacy storage class names <-> ember dtypes
_STORAGE_DTYPE = {
    'BoolStorage': D.bool_, 'ByteStorage': D.uint8, 'CharStorage': D.int8,
    'ShortStorage': D.int16, 'IntStorage': D.int32, 'LongStorage': D.int64,
    'HalfStorage': D.float16, 'BFloat16Storage': D.bfloat16, 'FloatStorage': D.float32,
    'DoubleStorage': D.float64, 'ComplexFloatStorage': D.complex64,
    'ComplexDoubleStorage': D.complex128,
}
_DTYPE_STORAGE = {dt: name for name, dt in _STORAGE_DTYPE.items() if dt is not None}
_UNSUPPORTED_STORAGES = ('QUInt8Storage', 'QInt8Storage', 'QInt32Storage', 'QUInt4x2Storage',
                         'QUInt2x4Storage', 'ComplexHalfStorage')
# torch dtype names that ember lacks (torch.<name> globals in a pickle)
_UNSUPPORTED_DTYPES = ('uint16', 'uint32', 'uint64', 'float8_e4m3fn', 'float8_e5m2',
                       'float8_e4m3fnuz', 'float8_e5m2fnuz', 'float8_e8m0fnu', 'float4_e2m1fn_x2',
                       'qint8', 'quint8', 'qint32', 'quint4x2', 'quint2x4', 'bits1x8', 'bits2x4',
                       'bits4x2', 'bits8', 'bits16', 'int1', 'int2', 'int3', 'int4', 'int5',
                       'int6', 'int7', 'uint1', 'uint2', 'uint3', 'uint4', 'uint5', 'uint6',
                       'uint7')
_LEGACY_TENSOR_CLASSES = ('DoubleTensor', 'FloatTensor', 'HalfTensor', 'BFloat16Tensor',
                          'LongTensor', 'IntTensor', 'ShortTensor', 'CharTensor', 'ByteTensor',
                          'BoolTensor')


# ====================================================================== the storage type
class StorageType:
    """What a ``torch.<Type>Storage`` global in a checkpoint resolves to: its dtype."""
    __slots__ = ('name', 'dtype')

    def __init__(self, name, dtype):
        self.name = name
        self.dtype = dtype

    def __repr__(self):
        return f'StorageType(dtype={self.dtype})'

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"ember.serialization: torch.{self.name} objects cannot be built; "
                           "only tensors are supported")


_STORAGE_TYPES = {name: StorageType(name, dt) for name, dt in _STORAGE_DTYPE.items()
                  if dt is not None}
_UNTYPED = StorageType('UntypedStorage', D.uint8)


# ====================================================================== safe globals
_user_safe_globals = {}  # 'module.qualname' -> object


def _global_name(obj):
    mod = getattr(obj, '__module__', None)
    qual = getattr(obj, '__qualname__', None) or getattr(obj, '__name__', None)
    if mod is None or qual is None:
        raise TypeError(f"add_safe_globals: cannot determine the module/name of {obj!r}; pass "
                        "a (object, 'module.name') tuple")
    return f"{mod}.{qual}"


def _normalize_safe(items):
    if not isinstance(items, (list, tuple, set)):
        raise TypeError(f"safe_globals must be a list of objects or (object, 'module.name') "
                        f"tuples, got {type(items).__name__}")
    out = {}
    for it in items:
        if isinstance(it, tuple):
            if len(it) != 2 or not isinstance(it[1], str):
                raise TypeError("a safe global given as a tuple must be (object, 'module.name'), "
                                f"got {it!r}")
            out[it[1]] = it[0]
        else:
            out[_global_name(it)] = it
    return out


def add_safe_globals(safe_globals):
    """Allow these globals (classes/functions, or ``(obj, 'module.name')`` tuples) when
    loading with ``weights_only=True``. Only add what you trust: an allowed class is
    constructed (and its ``__setstate__`` run) with data from the file."""
    _user_safe_globals.update(_normalize_safe(safe_globals))


def clear_safe_globals():
    """Forget every global added by :func:`add_safe_globals`."""
    _user_safe_globals.clear()


def get_safe_globals():
    """The globals added by :func:`add_safe_globals` (a list, like torch)."""
    return [obj if name == _safe_name_or_none(obj) else (obj, name)
            for name, obj in _user_safe_globals.items()]


def _safe_name_or_none(obj):
    try:
        return _global_name(obj)
    except TypeError:
        return None


class safe_globals:
    """Context manager: ``with ember.serialization.safe_globals([MyClass]): ember.load(f)``."""

    def __init__(self, safe_globals):
        self._new = _normalize_safe(safe_globals)
        self._saved = None

    def __enter__(self):
        self._saved = dict(_user_safe_globals)
        _user_safe_globals.update(self._new)
        return self

    def __exit__(self, *exc):
        _user_safe_globals.clear()
        _user_safe_globals.update(self._saved)
        return False


# ====================================================================== saving
class _Global:
    """A stand-in for a torch global (``torch._utils._rebuild_tensor_v2``, ``torch.FloatStorage``...)
    so ember can write torch's names without torch being importable."""
    __slots__ = ('module', 'name')
    _cache = {}

    def __new__(cls, module, name):
        key = (module, name)
        g = cls._cache.get(key)
        if g is None:
            g = object.__new__(cls)
            g.module, g.name = module, name
            cls._cache[key] = g
        return g

    def __call__(self, *args, **kwargs):  # pickle requires the reduce callable to be callable
        raise RuntimeError(f"{self.module}.{self.name} is a placeholder for pickling")

    def __repr__(self):
        return f"<torch global {self.module}.{self.name}>"


_G_REBUILD_V2 = _Global('torch._utils', '_rebuild_tensor_v2')
_G_REBUILD_PARAM = _Global('torch._utils', '_rebuild_parameter')
_G_REBUILD_PARAM_STATE = _Global('torch._utils', '_rebuild_parameter_with_state')
_G_REBUILD_FROM_TYPE = _Global('torch._tensor', '_rebuild_from_type_v2')
_G_TENSOR = _Global('torch', 'Tensor')
_G_SIZE = _Global('torch', 'Size')
_G_DEVICE = _Global('torch', 'device')
_G_GET_LAYOUT = _Global('torch.serialization', '_get_layout')
_G_UNTYPED = _Global('torch', 'UntypedStorage')


class _StorageRef:
    """One storage record being written: key, dtype, the bytes (a contiguous array)."""
    __slots__ = ('key', 'dtype', 'array', 'untyped')

    def __init__(self, key, dtype, array, untyped=False):
        self.key, self.dtype, self.array, self.untyped = key, dtype, array, untyped


def _root_of(arr):
    root = arr
    while True:
        b = root.base
        if isinstance(b, np.ndarray):
            root = b
        elif b is not None and isinstance(getattr(b, 'base', None), np.ndarray):
            root = b.base  # as_strided's DummyArray
        else:
            return root


def _c_strides(shape):
    st, acc = [], 1
    for n in reversed(shape):
        st.append(acc)
        acc *= n if n > 1 else 1
    return tuple(reversed(st))


class _Pickler(pickle._Pickler):
    """The pure-Python pickler, taught to write torch's global names and storages as
    persistent ids. (The C pickler cannot write a global that does not import.)"""
    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = []        # _StorageRef in key order
        self._by_root = {}        # (id(root), dtype) -> (_StorageRef, root, base address)

    # --------------------------------------------------------------- torch globals
    def _write_global(self, obj, module, name):
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + module.encode('utf-8') + b'\n'
                       + name.encode('utf-8') + b'\n')
        self.memoize(obj)

    def _save_torch_global(self, obj):
        self._write_global(obj, obj.module, obj.name)

    def _save_named(self, obj):  # ember dtypes and memory formats: torch.<name>
        self._write_global(obj, 'torch', obj.name)

    dispatch[_Global] = _save_torch_global
    dispatch[D.dtype] = _save_named
    dispatch[memory_format] = _save_named

    def persistent_id(self, obj):
        cls = obj.__class__
        if cls is UntypedStorage:
            root = obj._root
            k = (id(root), 'untyped')
            hit = self._by_root.get(k)
            if hit is None:
                flat = np.ascontiguousarray(root).reshape(-1).view(np.uint8)
                hit = (self._new_ref(D.uint8, flat, True), root, 0)
                self._by_root[k] = hit
            obj = hit[0]
        elif cls is not _StorageRef:
            return None
        stype = _G_UNTYPED if obj.untyped else _Global('torch', _DTYPE_STORAGE[obj.dtype])
        n = obj.array.size if not obj.untyped else obj.array.nbytes
        return ('storage', stype, obj.key, 'cpu', n)

    # --------------------------------------------------------------- storages
    def _storage_for(self, arr, dt):
        """(storage ref, element offset, element strides) for the memory under arr."""
        root = _root_of(arr)
        isz = arr.itemsize
        if arr.size and (root.flags.c_contiguous or root.flags.f_contiguous):
            base_addr = root.__array_interface__['data'][0]
            off = arr.__array_interface__['data'][0] - base_addr
            if (off % isz == 0 and root.nbytes % isz == 0
                    and all(s >= 0 and s % isz == 0 for s in arr.strides)):
                ref = self._register(root, dt, base_addr)
                st = list(s // isz for s in arr.strides)
                acc = 1  # torch's stride for size-1 dims (NumPy may give 0)
                for i in range(arr.ndim - 1, -1, -1):
                    if arr.shape[i] == 1 and st[i] == 0:
                        st[i] = acc
                    acc = st[i] * arr.shape[i]
                return ref, off // isz, tuple(st)
        if arr.size == 0:
            ref = self._new_ref(dt, np.empty(0, arr.dtype), None)
            return ref, 0, _c_strides(arr.shape)
        # an F-ordered owner, a view of memory ember cannot describe as one storage: a copy
        c = np.ascontiguousarray(arr)
        return self._new_ref(dt, c.reshape(-1), None), 0, _c_strides(arr.shape)

    def _register(self, root, dt, base_addr):
        k = (id(root), dt)
        hit = self._by_root.get(k)
        if hit is not None:
            return hit[0]
        flat = np.ravel(root, order='K') if root.flags.c_contiguous or root.flags.f_contiguous \
            else np.ascontiguousarray(root).reshape(-1)
        if flat.dtype != dt.np:
            flat = flat.view(np.uint8).view(dt.np)
        ref = self._new_ref(dt, flat, None)
        self._by_root[k] = (ref, root, base_addr)  # keeps root alive: ids stay unique
        return ref

    def _new_ref(self, dt, flat, untyped):
        ref = _StorageRef(str(len(self.storages)), dt, flat, bool(untyped))
        self.storages.append(ref)
        return ref

    # --------------------------------------------------------------- objects
    def reducer_override(self, obj):
        cls = obj.__class__
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if cls is _device_cls:
            return (_G_DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index))
        if cls is Size:
            return (_G_SIZE, (tuple(obj),))
        if cls is layout:
            return (_G_GET_LAYOUT, ('torch.' + obj.name,))
        return NotImplemented

    def _reduce_tensor(self, t):
        from .nn.parameter import Parameter, Buffer
        arr = t._data
        dt = t.dtype
        if arr.dtype.byteorder == '>':
            arr = arr.astype(arr.dtype.newbyteorder('<'))
        ref, off, st = self._storage_for(arr, dt)
        hooks = collections.OrderedDict()
        cls = t.__class__
        state = dict(t.__dict__) if t.__dict__ else {}
        if isinstance(t, Parameter):
            inner = (_G_REBUILD_V2, (ref, off, tuple(arr.shape), st, False, hooks))
            if state:
                return (_G_REBUILD_PARAM_STATE, (_Reduced(inner), t._requires_grad, hooks, state))
            return (_G_REBUILD_PARAM, (_Reduced(inner), t._requires_grad, hooks))
        args = (ref, off, tuple(arr.shape), st, t._requires_grad, hooks)
        if cls is Buffer:
            state.pop('persistent', None)
            cls = Tensor
        if cls is not Tensor:
            raise pickle.PicklingError(
                f"ember.save: cannot save a tensor of subclass {cls.__module__}.{cls.__qualname__}"
                " in torch's format; convert it with .as_subclass(ember.Tensor) or save its "
                "state_dict")
        if state:
            return (_G_REBUILD_FROM_TYPE, (_G_REBUILD_V2, _G_TENSOR, args, state))
        return (_G_REBUILD_V2, args)


class _Reduced:
    """A value pickled through a fixed reduce tuple (a tensor inside a Parameter)."""
    __slots__ = ('rv',)

    def __init__(self, rv):
        self.rv = rv

    def __reduce__(self):
        return self.rv


# ------------------------------------------------------------------ the zip writer
class _ZipWriter:
    """Writes a stored (uncompressed) zip the way torch's PyTorchStreamWriter does: each
    record's data starts at a multiple of 64 bytes (padding in an 'FB' extra field)."""

    def __init__(self, f, archive_name):
        self.f = f
        self.prefix = archive_name + '/'
        self.pos = 0
        self.entries = []  # (name bytes, crc, size, header offset)

    def _write(self, b):
        self.f.write(b)
        self.pos += len(b) if not isinstance(b, memoryview) else b.nbytes

    def write_record(self, name, data):
        """data: bytes or a contiguous NumPy array."""
        if isinstance(data, np.ndarray):
            mv = memoryview(np.ascontiguousarray(data).reshape(-1).view(np.uint8))
        else:
            mv = memoryview(data)
        size = mv.nbytes
        crc = zlib.crc32(mv) & 0xFFFFFFFF
        bname = (self.prefix + name).encode('utf-8')
        offset = self.pos
        extra = b''
        lsize = size
        if size >= _ZIP64_LIMIT:
            extra = struct.pack('<HHQQ', 1, 16, size, size)
            lsize = 0xFFFFFFFF
        start = offset + 30 + len(bname) + len(extra) + 4
        pad = (-start) % _ALIGNMENT
        extra += b'FB' + struct.pack('<H', pad) + b'Z' * pad
        version = 45 if extra[:2] == b'\x01\x00' else 20
        header = struct.pack('<IHHHHHIIIHH', 0x04034b50, version, 0x0800, 0, 0, 0x21,
                             crc, lsize, lsize, len(bname), len(extra))
        self._write(header + bname + extra)
        if size:
            self._write(mv)
        self.entries.append((bname, crc, size, offset))

    def finish(self):
        cd_start = self.pos
        for bname, crc, size, offset in self.entries:
            z64 = []
            csize = size
            coff = offset
            if size >= _ZIP64_LIMIT:
                z64 += [size, size]
                csize = 0xFFFFFFFF
            if offset >= _ZIP64_LIMIT:
                z64.append(offset)
                coff = 0xFFFFFFFF
            extra = struct.pack('<HH', 1, 8 * len(z64)) + struct.pack(f'<{len(z64)}Q', *z64) \
                if z64 else b''
            version = 45 if z64 else 20
            self._write(struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, version, version, 0x0800,
                                    0, 0, 0x21, crc, csize, csize, len(bname), len(extra), 0,
                                    0, 0, 0, coff) + bname + extra)
        cd_size = self.pos - cd_start
        n = len(self.entries)
        if n >= 0xFFFF or cd_start >= _ZIP64_LIMIT or cd_size >= _ZIP64_LIMIT:
            z64_start = self.pos
            self._write(struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 45, 45, 0, 0, n, n,
                                    cd_size, cd_start))
            self._write(struct.pack('<IIQI', 0x07064b50, 0, z64_start, 1))
            self._write(struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, min(n, 0xFFFF),
                                    min(n, 0xFFFF), min(cd_size, 0xFFFFFFFF),
                                    min(cd_start, 0xFFFFFFFF), 0))
        else:
            self._write(struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, n, n, cd_size, cd_start, 0))


def _archive_name(path):
    """torch's rule: the file's base name up to its first dot ('model.pth' -> 'model')."""
    if path is None:
        return 'archive'
    name = os.path.basename(os.fspath(path))
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    name = name.split('.', 1)[0]
    return name or 'archive'


def _write_checkpoint(obj, f, archive_name, pickle_protocol, byteorder_record):
    buf = io.BytesIO()
    p = _Pickler(buf, pickle_protocol)
    p.dump(obj)
    w = _ZipWriter(f, archive_name)
    w.write_record('data.pkl', buf.getbuffer())
    w.write_record('.format_version', b'1')
    w.write_record('.storage_alignment', str(_ALIGNMENT).encode())
    if byteorder_record:
        w.write_record('byteorder', sys.byteorder.encode())
    for ref in p.storages:
        _write_storage(w, ref)
    w.write_record('version', b'3\n')
    w.write_record('.data/serialization_id',
                   ''.join(random.choice('0123456789') for _ in range(40)).encode())
    w.finish()


def _write_storage(w, ref):  # a function so tests can interrupt a save halfway
    w.write_record('data/' + ref.key, ref.array)


def _is_path(f):
    return isinstance(f, (str, bytes, os.PathLike))


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save ``obj`` to ``f`` (a path, ``os.PathLike`` or a writable binary file object) in
    PyTorch's zip checkpoint format: ``torch.load`` reads it (with ``weights_only=True`` when
    it holds only tensors, containers, numbers and strings).

    Writing to a path is atomic: the checkpoint goes to a temporary file in the same
    directory, which then replaces ``f``; an error (or a crash) mid-save leaves an existing
    file untouched.
    """
    if pickle_module is not pickle:
        raise NotImplementedError(
            f"ember.save: pickle_module={getattr(pickle_module, '__name__', pickle_module)!r} is "
            "not supported (ember writes torch's format with the standard pickle module)")
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("ember.save: the legacy (pre-1.6, non-zip) format is not "
                                  "written by ember; use the default zip format")
    if not isinstance(pickle_protocol, int) or not 2 <= pickle_protocol <= pickle.HIGHEST_PROTOCOL:
        raise ValueError(f"ember.save: pickle_protocol must be an int in [2, "
                         f"{pickle.HIGHEST_PROTOCOL}], got {pickle_protocol!r}")
    byteorder = not _disable_byteorder_record
    if _is_path(f):
        path = os.fspath(f)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise RuntimeError(f"Parent directory {directory} does not exist.")
        # build the pickle before touching the disk: an unpicklable object fails early
        fd, tmp = tempfile.mkstemp(dir=directory, prefix='.' + os.path.basename(path) + '.',
                                   suffix='.tmp')
        try:
            with os.fdopen(fd, 'wb') as fh:
                _write_checkpoint(obj, fh, _archive_name(path), pickle_protocol, byteorder)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                mode = os.stat(path).st_mode & 0o7777
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return
    if not hasattr(f, 'write'):
        raise AttributeError(f"ember.save: expected a path or a writable file object, got "
                             f"{type(f).__name__} (it has no 'write' attribute)")
    _write_checkpoint(obj, f, _archive_name(None), pickle_protocol, byteorder)
    if hasattr(f, 'flush'):
        f.flush()


# ====================================================================== loading
def _unsupported(what):
    def fn(*args, **kwargs):
        raise NotImplementedError(f"ember.load: {what} are not supported by ember")
    fn.__name__ = 'unsupported'
    return fn


def _check_bounds(numel, offset, size, stride, itemsize):
    if offset < 0 or any(s < 0 for s in stride) or any(n < 0 for n in size) \
            or len(size) != len(stride):
        raise RuntimeError(f"ember.load: invalid tensor geometry (size {list(size)}, stride "
                           f"{list(stride)}, storage offset {offset}): corrupt checkpoint?")
    if any(n == 0 for n in size):
        return
    need = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if need > numel:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {itemsize} requiring a storage size "
                           f"of {need * itemsize} are out of bounds for storage of size "
                           f"{numel * itemsize}")


def _typed_view(storage, dtype):
    """The storage's memory as a flat array of dtype (a view)."""
    root = storage._root
    if dtype is None or root.dtype == dtype.np:
        return root
    raw = root.view(np.uint8) if root.ndim == 1 else root.reshape(-1).view(np.uint8)
    if raw.nbytes % dtype.itemsize:
        raise RuntimeError(f"ember.load: a storage of {raw.nbytes} bytes cannot hold "
                           f"{dtype} elements")
    return raw.view(dtype.np)


def _rebuild_tensor(storage, storage_offset, size, stride, dtype=None):
    if isinstance(storage, _TypedStorage):
        flat = storage.array
    else:
        flat = _typed_view(storage, dtype)
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    storage_offset = int(storage_offset)
    _check_bounds(flat.size, storage_offset, size, stride, flat.itemsize)
    numel = 1
    for s in size:
        numel *= s
    if numel == 0:
        arr = flat[:0].reshape(size)
    elif stride == _c_strides(size):
        arr = flat[storage_offset:storage_offset + numel].reshape(size)
    else:
        isz = flat.itemsize
        arr = np.lib.stride_tricks.as_strided(flat[storage_offset:], size,
                                              tuple(s * isz for s in stride))
    return Tensor._make(arr)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    if metadata:
        unsupported = {k: v for k, v in dict(metadata).items() if v}
        if unsupported:
            raise NotImplementedError(f"ember.load: tensor metadata {unsupported} (conjugate/"
                                      "negative bits) is not supported by ember")
    t._requires_grad = bool(requires_grad)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _set_obj_state(obj, state):
    if isinstance(state, tuple):
        if len(state) != 2:
            raise RuntimeError(f"Invalid serialized state: {state}")
        dict_state, slots_state = state
    else:
        dict_state, slots_state = state, None
    if dict_state:
        for k, v in dict_state.items():
            setattr(obj, k, v)
    if slots_state:
        for k, v in slots_state.items():
            setattr(obj, k, v)
    return obj


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    return _set_obj_state(p, state)


def _rebuild_from_type_v2(func, new_type, args, state):
    ret = func(*args)
    if new_type is not Tensor and type(ret) is not new_type:
        if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
            raise TypeError(f"ember.load: cannot rebuild a tensor as {new_type!r}")
        ret.__class__ = new_type
    if state:
        _set_obj_state(ret, state)
    return ret


def _get_layout(name):
    if name != 'torch.strided':
        raise NotImplementedError(f"ember.load: layout {name} is not supported by ember "
                                  "(only torch.strided)")
    return strided


class _TypedStorage:
    """A storage loaded from the legacy format (typed, possibly a slice of a root)."""
    __slots__ = ('array',)

    def __init__(self, array):
        self.array = array


def _torch_globals():
    """'module.name' of a torch global -> the ember object it loads as (the allow-list)."""
    from .nn.parameter import Parameter
    g = {
        'collections.OrderedDict': collections.OrderedDict,
        'collections.Counter': collections.Counter,
        'torch.nn.parameter.Parameter': Parameter,
        'torch.serialization._get_layout': _get_layout,
        'torch.Size': Size,
        'torch.Tensor': Tensor,
        'torch.device': _device_cls,
        '_codecs.encode': __import__('codecs').encode,
        'builtins.bytearray': bytearray,
        'builtins.set': set,
        'builtins.complex': complex,
        'torch._utils._rebuild_tensor': _rebuild_tensor,
        'torch._utils._rebuild_tensor_v2': _rebuild_tensor_v2,
        'torch._utils._rebuild_parameter': _rebuild_parameter,
        'torch._utils._rebuild_parameter_with_state': _rebuild_parameter_with_state,
        'torch._tensor._rebuild_from_type_v2': _rebuild_from_type_v2,
        'torch.UntypedStorage': _UNTYPED,
        'torch.storage.UntypedStorage': _UNTYPED,
        'torch._utils._rebuild_tensor_v3': _unsupported('tensors saved with _rebuild_tensor_v3'),
        'torch._utils._rebuild_sparse_tensor': _unsupported('sparse tensors'),
        'torch._utils._rebuild_nested_tensor': _unsupported('nested tensors'),
        'torch._utils._rebuild_qtensor': _unsupported('quantized tensors'),
        'torch._utils._rebuild_meta_tensor_no_storage': _unsupported('meta tensors'),
        'torch._utils._rebuild_wrapper_subclass': _unsupported('tensor wrapper subclasses'),
        'torch._utils._rebuild_device_tensor_from_numpy':
            _unsupported('tensors of non-CPU backends saved as NumPy arrays'),
        'torch._utils._rebuild_device_tensor_from_cpu_tensor':
            _unsupported('tensors of non-CPU backends'),
    }
    for d in D.ALL:
        g['torch.' + d.name] = d
    g['torch.complex32'] = D.complex32
    for name in _UNSUPPORTED_DTYPES:
        g['torch.' + name] = _unsupported(f'tensors of dtype torch.{name}')
    for name, st in _STORAGE_TYPES.items():
        g['torch.' + name] = st
    for name in _UNSUPPORTED_STORAGES:
        g['torch.' + name] = _unsupported(f'storages of type torch.{name}')
    for name in _LEGACY_TENSOR_CLASSES:
        g['torch.' + name] = Tensor
    for q in ('per_tensor_affine', 'per_tensor_symmetric', 'per_channel_affine',
              'per_channel_symmetric', 'per_channel_affine_float_qparams'):
        g['torch.' + q] = _unsupported('quantization schemes')
    for mf in ('contiguous_format', 'preserve_format', 'channels_last', 'channels_last_3d'):
        from . import _tensor
        g['torch.' + mf] = getattr(_tensor, mf)
    return g


_TORCH_GLOBALS = None


def _allowed():
    global _TORCH_GLOBALS
    if _TORCH_GLOBALS is None:
        _TORCH_GLOBALS = _torch_globals()
    return _TORCH_GLOBALS


def _fix_import(module, name):
    """Python 2 names written by protocol <= 2 pickles (``__builtin__.set``)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    if module in _compat_pickle.IMPORT_MAPPING:
        return _compat_pickle.IMPORT_MAPPING[module], name
    return module, name


def _weights_only_error(full):
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two options, "
        "do those steps only if you trust the source of the checkpoint.\n"
        "\t(1) Re-running `ember.load` with `weights_only` set to `False` will likely succeed, but "
        "it can result in arbitrary code execution. Do it only if you got the file from a "
        "trusted source.\n"
        "\t(2) Alternatively, to load with `weights_only=True` please check the recommended "
        "steps in the following error message.\n"
        f"\tWeightsUnpickler error: Unsupported global: GLOBAL {full} was not an allowed global "
        f"by default. Please use `ember.serialization.add_safe_globals([{full}])` or the "
        f"`ember.serialization.safe_globals([{full}])` context manager to allowlist this global "
        "if you trust this class/function.")


def _find_full(module, name):
    """For weights_only=False: torch.* names -> ember objects, anything else imported."""
    full = f"{module}.{name}"
    allowed = _allowed()
    if full in allowed:
        return allowed[full]
    if full in _user_safe_globals:
        return _user_safe_globals[full]
    if module == 'torch' or module.startswith('torch.'):
        emod = 'ember' + module[5:]
        import importlib
        try:
            m = importlib.import_module(emod)
            obj = m
            for part in name.split('.'):
                obj = getattr(obj, part)
            return obj
        except (ImportError, AttributeError):
            raise pickle.UnpicklingError(
                f"ember.load: the checkpoint refers to {full}, which ember does not implement"
            ) from None
    return None


def _make_unpickler(base, file, weights_only, persistent_load, load_args):
    class _Unpickler(base):
        def find_class(self, module, name):
            module, name = _fix_import(module, name)
            full = f"{module}.{name}"
            if weights_only:
                allowed = _allowed()
                if full in allowed:
                    return allowed[full]
                if full in _user_safe_globals:
                    return _user_safe_globals[full]
                raise _weights_only_error(full)
            obj = _find_full(module, name)
            if obj is not None:
                return obj
            return super().find_class(module, name)

        def persistent_load(self, pid):
            return persistent_load(pid)

    return _Unpickler(file, **load_args)


def _cuda_error(loc):
    backend = str(loc).split(':', 1)[0]
    return RuntimeError(
        f"Attempting to deserialize object on a {backend.upper()} device but "
        f"ember.{backend}.is_available() is False. If you are running on a CPU-only machine, "
        "please use ember.load with map_location=ember.device('cpu') to map your storages to "
        "the CPU.")


def _default_restore(storage, location):
    if isinstance(location, _device_cls):
        location = str(location)
    if isinstance(location, bytes):
        location = location.decode()
    if not isinstance(location, str):
        raise TypeError(f"ember.load: a storage location must be a string or a device, got "
                        f"{type(location).__name__}")
    dev = _device_cls(location)
    if dev.type != 'cpu':
        raise _cuda_error(location)
    return storage


def _restore_fn(map_location):
    if map_location is None:
        return _default_restore
    if isinstance(map_location, dict):
        return lambda s, loc: _default_restore(s, map_location.get(loc, loc))
    if isinstance(map_location, (str, bytes, _device_cls)):
        target = map_location
        if isinstance(target, bytes):
            target = target.decode()
        _default_restore(None, target)  # refuse a non-CPU target up front
        return lambda s, loc: _default_restore(s, target)
    if callable(map_location):
        def restore(s, loc):
            r = map_location(s, loc)
            if r is None:
                return _default_restore(s, loc)
            if not isinstance(r, UntypedStorage):
                raise TypeError(f"ember.load: the map_location callable must return a storage or "
                                f"None, got {type(r).__name__}")
            return r
        return restore
    raise TypeError(f"ember.load: map_location must be None, a string, an ember.device, a dict "
                    f"or a callable, got {type(map_location).__name__}")


class _FileSource:
    """The opened checkpoint: a seekable binary file object (and the path, for mmap)."""

    def __init__(self, f):
        self.path = None
        self.own = False
        if _is_path(f):
            self.path = os.fsdecode(os.fspath(f))
            self.fh = open(self.path, 'rb')
            self.own = True
        else:
            if not hasattr(f, 'read'):
                raise AttributeError(f"ember.load: expected a path or a readable file object, got "
                                     f"{type(f).__name__} (it has no 'read' attribute)")
            if not (hasattr(f, 'seek') and hasattr(f, 'tell')):
                f = io.BytesIO(f.read())  # zip needs random access
            self.fh = f

    def close(self):
        if self.own:
            self.fh.close()


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load an object saved by ``ember.save`` or ``torch.save``.

    ``weights_only=True`` (the default unless ``pickle_module`` is given) only loads tensors,
    containers, numbers, strings and globals added with :func:`add_safe_globals`.
    ``weights_only=False`` unpickles anything -- it can run arbitrary code: only use it for
    files you trust. ``map_location`` (a string, ``ember.device``, dict or callable) maps the
    saved storage locations; ember runs on the CPU, so storages saved on 'cuda' need
    ``map_location='cpu'``. ``mmap=True`` memory-maps the storages (``f`` must be a path).
    """
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_module is None:
        pickle_module = pickle
    if 'encoding' not in pickle_load_args:
        pickle_load_args['encoding'] = 'utf-8'
    if _is_path(f) and os.fsdecode(os.fspath(f)).endswith('.safetensors'):
        # like torch.load: a .safetensors path is read with the safetensors format
        from .utils import safetensors as _st
        if isinstance(map_location, dict):
            raise RuntimeError("Loading safetensors file with dict map_location is not "
                               "supported. Use a device string or ember.device instead.")
        if map_location is not None and not isinstance(map_location, (str, bytes, _device_cls)):
            raise RuntimeError("Loading safetensors file with callable map_location is not "
                               "supported. Use a device string or ember.device instead.")
        dev = 'cpu' if map_location is None else map_location
        return _st.load_file(f, device=dev.decode() if isinstance(dev, bytes) else str(dev))
    restore = _restore_fn(map_location)
    src = _FileSource(f)
    try:
        start = src.fh.tell()
        magic = src.fh.read(4)
        src.fh.seek(start)
        if not magic:
            raise EOFError("ember.load: the file is empty (not a checkpoint)")
        if magic == b'PK\x03\x04':
            try:
                return _load_zip(src, restore, weights_only, pickle_module, mmap,
                                 pickle_load_args)
            except (zipfile.BadZipFile, zlib.error, EOFError, struct.error) as e:
                raise RuntimeError(f"ember.load: the checkpoint is truncated or corrupt "
                                   f"(failed reading zip archive: {e})") from None
        if mmap:
            raise RuntimeError("mmap can only be used with files saved in the zip format (the "
                               "default of torch.save since PyTorch 1.6 and of ember.save); "
                               "this is a legacy-format checkpoint")
        return _load_legacy(src.fh, restore, weights_only, pickle_module, pickle_load_args)
    finally:
        src.close()


def _load_zip(src, restore, weights_only, pickle_module, mmap, load_args):
    try:
        zf = zipfile.ZipFile(src.fh)
    except zipfile.BadZipFile as e:
        raise RuntimeError(f"ember.load: the checkpoint is truncated or corrupt (failed reading "
                           f"zip archive: {e})") from None
    names = zf.namelist()
    if not names:
        raise RuntimeError("ember.load: the zip archive is empty (not a checkpoint)")
    prefix = names[0].split('/', 1)[0] + '/' if '/' in names[0] else ''
    records = {n[len(prefix):]: n for n in names if n.startswith(prefix)}
    if 'constants.pkl' in records or any(r.startswith('code/') for r in records):
        raise RuntimeError("ember.load: this is a TorchScript archive (written by "
                           "torch.jit.save); TorchScript is not supported by ember. In torch, "
                           "save the model's state_dict with torch.save and load that instead")
    if 'data.pkl' not in records:
        raise RuntimeError("ember.load: the zip archive has no data.pkl record: not a PyTorch "
                           "checkpoint, or a corrupt one")
    if 'version' not in records and '.data/version' not in records:
        raise RuntimeError("ember.load: the zip archive has no version record: not a PyTorch "
                           "checkpoint, or a corrupt one")
    byteorder = 'little'
    if 'byteorder' in records:
        byteorder = zf.read(records['byteorder']).decode()
        if byteorder not in ('little', 'big'):
            raise ValueError("Unknown endianness type: " + byteorder)
    mm_path = None
    if mmap:
        if src.path is None:
            raise ValueError("f must be a file path in order to use the mmap argument")
        mm_path = src.path

    loaded = {}

    def load_storage(dtype, numel, key, location):
        name = records.get('data/' + key)
        if name is None:
            raise RuntimeError(f"ember.load: storage record data/{key} is missing: corrupt "
                               "checkpoint")
        info = zf.getinfo(name)
        nbytes = numel * dtype.itemsize
        if info.file_size < nbytes:
            raise RuntimeError(f"ember.load: storage record data/{key} holds {info.file_size} "
                               f"bytes, expected {nbytes}: truncated or corrupt checkpoint")
        npdt = dtype.np if byteorder == 'little' else dtype.np.newbyteorder('>')
        count = info.file_size // dtype.itemsize
        if mm_path is not None and count:
            if info.compress_type != zipfile.ZIP_STORED:
                raise RuntimeError(f"ember.load: mmap=True needs uncompressed records; "
                                   f"data/{key} is compressed")
            src.fh.seek(info.header_offset)
            hdr = src.fh.read(30)
            if len(hdr) < 30 or hdr[:4] != b'PK\x03\x04':
                raise RuntimeError("ember.load: the checkpoint is truncated or corrupt (bad local "
                                   "file header)")
            nl, el = struct.unpack('<HH', hdr[26:30])
            off = info.header_offset + 30 + nl + el
            if off + info.file_size > os.path.getsize(mm_path):
                raise RuntimeError("ember.load: the checkpoint is truncated or corrupt "
                                   f"(data/{key} runs past the end of the file)")
            arr = np.memmap(mm_path, dtype=npdt, mode='c', offset=off, shape=(count,))
        else:
            arr = np.empty(count, npdt)
            if count:
                with zf.open(name) as rec:
                    buf = arr.view(np.uint8)
                    got = 0
                    mv = memoryview(buf)
                    while got < buf.nbytes:
                        n = rec.readinto(mv[got:])
                        if not n:
                            raise RuntimeError(f"ember.load: storage record data/{key} is "
                                               "truncated: corrupt checkpoint")
                        got += n
                    rec.read(1)  # reach EOF so zipfile verifies the CRC
        if byteorder == 'big':
            arr = arr.astype(dtype.np)
        return arr

    def persistent_load(saved_id):
        if not isinstance(saved_id, tuple) or len(saved_id) != 5 or saved_id[0] != 'storage':
            raise pickle.UnpicklingError(f"ember.load: unknown persistent id {saved_id!r} in the "
                                         "checkpoint")
        _, stype, key, location, numel = saved_id
        if not isinstance(stype, StorageType):
            raise pickle.UnpicklingError(f"ember.load: {stype!r} is not a storage type")
        if not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
            raise pickle.UnpicklingError(f"ember.load: bad storage id {saved_id!r}")
        dtype = stype.dtype
        st = loaded.get(key)
        if st is None:
            arr = load_storage(dtype, numel, key, location)
            st = UntypedStorage(arr)
            st = restore(st, location)
            loaded[key] = st
        if stype is _UNTYPED:
            return st
        return _TypedStorage(_typed_view(st, dtype)[:numel])

    with zf.open(records['data.pkl']) as fh:
        data = io.BytesIO(fh.read())
    up = _make_unpickler(pickle_module.Unpickler, data, weights_only, persistent_load, load_args)
    try:
        return up.load()
    except pickle.UnpicklingError:
        raise
    except EOFError:
        raise RuntimeError("ember.load: data.pkl is truncated: corrupt checkpoint") from None


# ------------------------------------------------------------------ the legacy format
def _load_legacy(fh, restore, weights_only, pickle_module, load_args):
    """torch.save(..., _use_new_zipfile_serialization=False) files (PyTorch < 1.6 default):
    pickles of (magic, protocol, sys_info, object, storage keys) then the raw storages."""
    import tarfile
    start = fh.tell()
    try:
        if tarfile.is_tarfile(fh):
            raise RuntimeError("ember.load: this is a tar-based checkpoint (the format of "
                               "PyTorch < 0.4), which ember does not read; re-save it with a "
                               "recent torch")
    finally:
        fh.seek(start)

    def plain(file):
        return _make_unpickler(pickle.Unpickler, file, True, _no_persistent, load_args)

    try:
        magic = plain(fh).load()
    except Exception:
        raise RuntimeError("ember.load: not a PyTorch checkpoint (neither the zip format nor "
                           "the legacy format): invalid magic number; corrupt file?") from None
    if magic != _LEGACY_MAGIC:
        raise RuntimeError("ember.load: invalid magic number; corrupt file? (not a PyTorch "
                           "checkpoint)")
    try:
        proto = plain(fh).load()
        if proto != _LEGACY_PROTOCOL:
            raise RuntimeError(f"Invalid protocol version: {proto}")
        sys_info = plain(fh).load()
    except (pickle.UnpicklingError, EOFError) as e:
        raise RuntimeError(f"ember.load: corrupt legacy-format checkpoint ({e})") from None
    if not sys_info.get('little_endian', True):
        raise NotImplementedError("ember.load: big-endian legacy-format checkpoints are not "
                                  "supported")

    roots = {}     # root key -> (flat array, dtype)
    pending = {}   # root key -> (dtype, numel)

    def persistent_load(saved_id):
        if not isinstance(saved_id, tuple) or not saved_id:
            raise pickle.UnpicklingError(f"ember.load: bad persistent id {saved_id!r}")
        if saved_id[0] == 'module':
            return saved_id[1]  # source of a pickled module class (weights_only=False only)
        if saved_id[0] != 'storage' or len(saved_id) != 6:
            raise pickle.UnpicklingError(f"Unknown saved id type: {saved_id[0]!r}")
        _, stype, root_key, location, numel, view_meta = saved_id
        if not isinstance(stype, StorageType):
            raise pickle.UnpicklingError(f"ember.load: {stype!r} is not a storage type")
        dt = stype.dtype
        if root_key not in roots:
            holder = _LegacyStorage(dt, int(numel), location)
            roots[root_key] = holder
        holder = roots[root_key]
        if view_meta is not None:
            _, off, view_size = view_meta
            return _LegacyView(holder, int(off), int(view_size))
        return _LegacyView(holder, 0, None)

    up = _make_unpickler(pickle_module.Unpickler, fh, weights_only, persistent_load, load_args)
    try:
        result = up.load()
        keys = plain(fh).load()
    except EOFError:
        raise RuntimeError("ember.load: the legacy-format checkpoint is truncated") from None
    for key in keys:
        holder = roots.get(key)
        if holder is None:
            raise RuntimeError(f"ember.load: storage key {key!r} not found: corrupt checkpoint")
        hdr = fh.read(8)
        if len(hdr) < 8:
            raise RuntimeError("ember.load: the legacy-format checkpoint is truncated")
        (n,) = struct.unpack('<q', hdr)
        if n != holder.numel:
            raise RuntimeError(f"ember.load: storage {key!r} has {n} elements, expected "
                               f"{holder.numel}: corrupt checkpoint")
        arr = np.empty(n, holder.dtype.np)
        buf = arr.view(np.uint8)
        if fh.readinto(memoryview(buf)) != buf.nbytes:
            raise RuntimeError("ember.load: the legacy-format checkpoint is truncated")
        st = restore(UntypedStorage(arr), holder.location)
        holder.array[...] = _typed_view(st, holder.dtype)
    return result


def _no_persistent(pid):
    raise pickle.UnpicklingError("ember.load: unexpected persistent id in a legacy header")


class _LegacyStorage:
    """A legacy storage: allocated when referenced, filled after the object pickle."""
    __slots__ = ('dtype', 'numel', 'location', 'array')

    def __init__(self, dtype, numel, location):
        if numel < 0:
            raise pickle.UnpicklingError("ember.load: negative storage size: corrupt checkpoint")
        self.dtype, self.numel, self.location = dtype, numel, location
        self.array = np.empty(numel, dtype.np)


class _LegacyView(_TypedStorage):
    __slots__ = ()

    def __init__(self, holder, offset, size):
        a = holder.array
        _TypedStorage.__init__(self, a[offset:] if size is None else a[offset:offset + size])


# ------------------------------------------------------------------ inspection
def get_unsafe_globals_in_checkpoint(f):
    """The globals a checkpoint's data.pkl uses that ``weights_only=True`` would refuse."""
    import pickletools
    src = _FileSource(f)
    try:
        zf = zipfile.ZipFile(src.fh)
        names = zf.namelist()
        pkl = next((n for n in names if n.endswith('/data.pkl') or n == 'data.pkl'), None)
        if pkl is None:
            raise RuntimeError("ember.serialization: expected a zip checkpoint with a data.pkl")
        data = zf.read(pkl)
    finally:
        src.close()
    found, strings = set(), []
    for op, arg, _ in pickletools.genops(data):
        if op.name in ('GLOBAL', 'INST'):
            m, n = arg.split(' ', 1)
            found.add('.'.join(_fix_import(m, n)))
        elif op.name == 'STACK_GLOBAL' and len(strings) >= 2:
            found.add('.'.join(_fix_import(strings[-2], strings[-1])))
        if isinstance(arg, str):
            strings.append(arg)
    allowed = _allowed()
    return sorted(g for g in found if g not in allowed and g not in _user_safe_globals)
