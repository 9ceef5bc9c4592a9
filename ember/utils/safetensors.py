"""Read and write the safetensors format (Hugging Face's) for dicts of ember tensors.

The same API as ``safetensors.torch``: :func:`save_file`, :func:`load_file`, :func:`save`,
:func:`load`. The format is implemented here (an 8-byte little-endian header length, a JSON
header ``{name: {"dtype", "shape", "data_offsets"}, "__metadata__": {...}}`` padded with spaces
to 8 bytes, then the raw little-endian tensor bytes), so no extra package is needed and
bfloat16 works (``safetensors.numpy`` has no bfloat16). Loading never runs code.
"""
import json
import os
import struct
import tempfile
import contextlib

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _root_of

__all__ = ['save', 'save_file', 'load', 'load_file']

_CODES = {D.bool_: 'BOOL', D.uint8: 'U8', D.int8: 'I8', D.int16: 'I16', D.int32: 'I32',
          D.int64: 'I64', D.float16: 'F16', D.bfloat16: 'BF16', D.float32: 'F32',
          D.float64: 'F64', D.complex64: 'C64'}
_FROM_CODE = {v: k for k, v in _CODES.items()}
_KNOWN_UNSUPPORTED = ('U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3',
                      'F6_E3M2')
_MAX_HEADER = 100_000_000


def _check_tensors(tensors):
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, ember.Tensor] but received {type(tensors)}")
    invalid = {k for k, v in tensors.items() if not isinstance(v, Tensor)}
    if invalid:
        raise ValueError(f"Key `{sorted(invalid)[0]}` is invalid, expected ember.Tensor but "
                         f"received {type(tensors[sorted(invalid)[0]])}")
    for k in tensors:
        if not isinstance(k, str):
            raise ValueError(f"Expected the keys to be strings, got {k!r}")
    # like safetensors.torch: shared memory would be written twice and come back unshared
    seen = {}
    for name, t in tensors.items():
        if t.numel() == 0:
            continue
        root = id(_root_of(t._data))
        seen.setdefault(root, []).append(name)
    failing = [names for names in seen.values() if len(names) > 1]
    if failing:
        raise RuntimeError(
            f"Some tensors share memory, this will lead to duplicate memory on disk and potential "
            f"differences when loading them again: {failing}.\nA potential way to correctly save "
            "your model is to clone the tensors that share memory "
            "({k: v.clone() for k, v in tensors.items()}).")
    for name, t in tensors.items():
        if not t.is_contiguous():
            raise ValueError(f"You are trying to save a non contiguous tensor: `{name}` which is "
                             "not allowed. It either means you are trying to save tensors which "
                             "are reference of each other in which case it's recommended to save "
                             "only the full tensors, and reslice at load time, or simply call "
                             "`.contiguous()` on your tensor to pack it before saving.")
        if t.dtype not in _CODES:
            raise ValueError(f"safetensors: dtype {t.dtype} is not supported by the safetensors "
                             "format")


def _layout(tensors, metadata):
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("safetensors: metadata must be a dict of str to str")
    order = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))
    header = {}
    if metadata:
        header['__metadata__'] = dict(metadata)
    arrays, off = [], 0
    for name in order:
        t = tensors[name]
        a = np.ascontiguousarray(t._data)
        if a.dtype.byteorder == '>':
            a = a.astype(a.dtype.newbyteorder('<'))
        header[name] = {'dtype': _CODES[t.dtype], 'shape': list(a.shape),
                        'data_offsets': [off, off + a.nbytes]}
        off += a.nbytes
        arrays.append(a)
    hb = json.dumps(header, separators=(',', ':')).encode('utf-8')
    hb += b' ' * ((-len(hb)) % 8)
    return struct.pack('<Q', len(hb)) + hb, arrays


def save(tensors, metadata=None):
    """The safetensors bytes of a dict of tensors."""
    _check_tensors(tensors)
    head, arrays = _layout(tensors, metadata)
    return head + b''.join(a.reshape(-1).view(np.uint8).tobytes() for a in arrays)


def save_file(tensors, filename, metadata=None):
    """Write a dict of tensors to ``filename`` (atomically: temp file + rename)."""
    _check_tensors(tensors)
    head, arrays = _layout(tensors, metadata)
    path = os.fspath(filename)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.' + os.path.basename(path) + '.',
                               suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as fh:
            fh.write(head)
            for a in arrays:
                if a.size:
                    fh.write(memoryview(a.reshape(-1).view(np.uint8)))
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _parse_header(prefix, total):
    if total < 8 or len(prefix) < 8:
        raise ValueError("safetensors: HeaderTooSmall (the file is truncated or not a "
                         "safetensors file)")
    (n,) = struct.unpack('<Q', prefix[:8])
    if n > _MAX_HEADER:
        raise ValueError(f"safetensors: HeaderTooLarge ({n} bytes): not a safetensors file")
    if 8 + n > total:
        raise ValueError("safetensors: InvalidHeaderLength (the file is truncated)")
    try:
        header = json.loads(bytes(prefix[8:8 + n]).decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"safetensors: InvalidHeaderDeserialization ({e})") from None
    if not isinstance(header, dict):
        raise ValueError("safetensors: InvalidHeaderDeserialization (header is not an object)")
    header.pop('__metadata__', None)
    data_len = total - 8 - n
    entries = []
    for name, info in header.items():
        try:
            code, shape, (begin, end) = info['dtype'], list(info['shape']), info['data_offsets']
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"safetensors: invalid header entry for {name!r}") from None
        if code not in _FROM_CODE:
            what = 'is not supported by ember' if code in _KNOWN_UNSUPPORTED else 'is unknown'
            raise ValueError(f"safetensors: tensor {name!r} has dtype {code}, which {what}")
        dt = _FROM_CODE[code]
        if not all(isinstance(s, int) and s >= 0 for s in shape):
            raise ValueError(f"safetensors: invalid shape {shape} for {name!r}")
        numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= data_len
                and end - begin == numel * dt.itemsize):
            raise ValueError(f"safetensors: TensorInvalidInfo for {name!r} (offsets "
                             f"[{begin}, {end}] do not fit shape {shape} of {code} in a data "
                             f"buffer of {data_len} bytes)")
        entries.append((name, dt, tuple(shape), begin, end))
    return 8 + n, entries


def _build(entries, read):
    out = {}
    for name, dt, shape, begin, end in entries:
        arr = np.empty(shape, dt.np)
        if arr.size:
            arr.reshape(-1).view(np.uint8)[...] = np.frombuffer(read(begin, end), np.uint8)
        out[name] = Tensor._make(arr)
    return out


def load(data):
    """A dict of tensors from safetensors bytes."""
    mv = memoryview(data)
    start, entries = _parse_header(mv[:_MAX_HEADER + 8], len(mv))
    return _build(entries, lambda b, e: mv[start + b:start + e])


def load_file(filename, device='cpu'):
    """A dict of tensors from a safetensors file (``device`` must be the CPU)."""
    from .._device import device as _dev
    if _dev(str(device) if not isinstance(device, int) else 'cpu').type != 'cpu' \
            or isinstance(device, int):
        raise RuntimeError(f"safetensors: ember runs on the CPU; cannot load onto device "
                           f"{device!r} (use device='cpu')")
    path = os.fspath(filename)
    total = os.path.getsize(path)
    with open(path, 'rb') as fh:
        head = fh.read(8)
        if len(head) == 8:
            (n,) = struct.unpack('<Q', head)
            head += fh.read(min(n, _MAX_HEADER))
        start, entries = _parse_header(head, total)

        def read(b, e):
            fh.seek(start + b)
            return fh.read(e - b)

        return _build(entries, read)
