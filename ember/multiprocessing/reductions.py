"""Tensors in shared memory, and their pickling between processes (torch.multiprocessing's
reductions, file_system strategy).

``share_memory_(t)`` moves a tensor's values into a named shared-memory segment (a file in
/dev/shm mapped with MAP_SHARED): processes forked afterwards, or receiving the tensor through
a multiprocessing Queue/Pipe/Process arguments, map the same memory — no copies, writes are
seen by all (Hogwild). Tensors that are not shared are copied once into a fresh segment when
sent through multiprocessing, and mapped (not copied) by the receiver.
"""
import atexit
import itertools
import mmap
import os
import secrets
from multiprocessing.reduction import ForkingPickler

import numpy as np

from .._tensor import Tensor

__all__ = ['share_memory_', 'is_shared', 'init_reductions']

_SHM_DIR = '/dev/shm' if os.path.isdir('/dev/shm') else None
_counter = itertools.count()
_created = []      # segment paths this process created (unlinked at exit)


class _Segment(mmap.mmap):
    """A MAP_SHARED mapping of a named file; ``name`` lets other processes map it too."""
    name = None


def _shm_path(name):
    import tempfile
    return os.path.join(_SHM_DIR or tempfile.gettempdir(), name)


def _new_segment(nbytes):
    name = f'ember_{os.getpid()}_{next(_counter)}_{secrets.token_hex(4)}'
    path = _shm_path(name)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.ftruncate(fd, max(nbytes, 1))
        seg = _Segment(fd, max(nbytes, 1))
    finally:
        os.close(fd)
    seg.name = name
    _created.append((os.getpid(), path))
    return seg


def _open_segment(name):
    fd = os.open(_shm_path(name), os.O_RDWR)
    try:
        seg = _Segment(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)
    seg.name = name
    return seg


@atexit.register
def _cleanup():
    pid = os.getpid()
    for owner, path in _created:
        if owner == pid:
            try:
                os.unlink(path)
            except OSError:
                pass


def _segment_of(arr):
    """The shared segment an array lives in (or None)."""
    a = arr
    while a is not None:
        b = a.base
        if isinstance(b, memoryview):
            return b.obj if isinstance(b.obj, _Segment) else None
        if isinstance(b, _Segment):
            return b
        a = b if isinstance(b, np.ndarray) else None
    return None


def _shared_copy(arr):
    seg = _new_segment(arr.nbytes)
    out = np.frombuffer(seg, dtype=arr.dtype, count=arr.size).reshape(arr.shape)
    np.copyto(out, arr)
    return out


def is_shared(tensor):
    return _segment_of(tensor._data) is not None


def share_memory_(tensor):
    """Move ``tensor``'s values into shared memory (in place; a no-op if already shared)."""
    if not is_shared(tensor):
        tensor._data = _shared_copy(tensor._data)
    return tensor


def _array_handle(arr):
    seg = _segment_of(arr)
    if seg is None:
        arr = _shared_copy(arr)
        seg = _segment_of(arr)
    start = np.frombuffer(seg, np.uint8, count=1).__array_interface__['data'][0]
    offset = arr.__array_interface__['data'][0] - start
    return (seg.name, arr.dtype, arr.shape, arr.strides, offset)


def _array_from_handle(name, dtype, shape, strides, offset):
    seg = _open_segment(name)
    return np.ndarray(shape, dtype, buffer=seg, offset=offset, strides=strides)


def _rebuild_tensor(cls, handle, requires_grad, state):
    arr = _array_from_handle(*handle)
    if cls is Tensor:
        t = Tensor._make(arr)
        t._requires_grad = requires_grad
    else:
        from ..nn.parameter import Parameter
        if issubclass(cls, Parameter):
            t = cls(Tensor._make(arr), requires_grad)
        else:
            t = Tensor._make(arr)
            t._requires_grad = requires_grad
    if state:
        t.__dict__.update(state)
    return t


def _reduce_tensor(t):
    if t._grad_fn is not None:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
                           "autograd does not support crossing process boundaries.  If you just want to "
                           "transfer the data, call detach() on the tensor before serializing (e.g., "
                           "putting it on the queue).")
    return (_rebuild_tensor, (type(t), _array_handle(t._data), t._requires_grad, t.__dict__ or None))


def init_reductions():
    """Send ember tensors through multiprocessing (Queue, Pipe, spawn arguments) via shared memory."""
    from ..nn.parameter import Parameter
    ForkingPickler.register(Tensor, _reduce_tensor)
    ForkingPickler.register(Parameter, _reduce_tensor)
