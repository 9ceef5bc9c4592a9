"""DataLoader worker processes: the worker loop, worker info, fetchers and the shared-memory transport.

Transport: each worker owns ``nslots`` shared-memory segments (files in /dev/shm, grown on demand).
A result is pickled with a ``persistent_id`` hook that writes every large array/tensor into the
task's slot and leaves only (segment, offset, shape, dtype) in the pickle, which travels over a
pipe. The main process maps the segment (unlinking its name at once, so nothing outlives the
processes), copies the arrays out and releases the slot. The main process never has more than
``nslots`` tasks outstanding per worker, so a slot is only rewritten after its previous result
has been copied out.
"""
import io
import mmap
import os
import pickle
import random
import sys
import tempfile
import traceback

import numpy as np

__all__ = ['get_worker_info', 'WorkerInfo']

MP_STATUS_CHECK_INTERVAL = 5.0
_SHM_DIR = '/dev/shm' if os.path.isdir('/dev/shm') else tempfile.gettempdir()
_MIN_SHM_BYTES = 1024      # smaller arrays are pickled inline
_ALIGN = 64

_worker_info = None


class WorkerInfo:
    """Information about the current DataLoader worker process (``get_worker_info()`` inside a worker)."""

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__dict__.get('_WorkerInfo__initialized', False):
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        items = [f"{k}={getattr(self, k)}" for k in self.__keys]
        return f"{self.__class__.__name__}({', '.join(items)})"


def get_worker_info():
    """The current worker's :class:`WorkerInfo` (id, num_workers, seed, dataset), or None in the main process."""
    return _worker_info


def _generate_state(base_seed, worker_id):
    """torch's NumPy seed for a worker: a SeedSequence-style hash of (base_seed, worker_id) -> 4 uint32."""
    INIT_A, MULT_A = 0x43B0D7E5, 0x931E8875
    INIT_B, MULT_B = 0x8B51F9DD, 0x58F38DED
    MIX_MULT_L, MIX_MULT_R = 0xCA01F9DD, 0x4973F715
    XSHIFT = 4 * 8 // 2
    MASK32 = 0xFFFFFFFF
    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    pool = [0] * 4
    hash_const_A = INIT_A

    def hash(value):
        nonlocal hash_const_A
        value = (value ^ hash_const_A) & MASK32
        hash_const_A = (hash_const_A * MULT_A) & MASK32
        value = (value * hash_const_A) & MASK32
        return (value ^ (value >> XSHIFT)) & MASK32

    def mix(x, y):
        result = ((MIX_MULT_L * x) & MASK32) - ((MIX_MULT_R * y) & MASK32)
        result &= MASK32
        return (result ^ (result >> XSHIFT)) & MASK32

    for i in range(len(pool)):
        pool[i] = hash(entropy[i])
    for i_src in range(len(pool)):
        for i_dst in range(len(pool)):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash(pool[i_src]))
    hash_const_B = INIT_B
    state = []
    for i_dst in range(4):
        data_val = (pool[i_dst] ^ hash_const_B) & MASK32
        hash_const_B = (hash_const_B * MULT_B) & MASK32
        data_val = (data_val * hash_const_B) & MASK32
        state.append((data_val ^ (data_val >> XSHIFT)) & MASK32)
    return state


class ExceptionWrapper:
    """An exception and its formatted traceback, re-raised in the main process."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class KeyErrorMessage(str):
    """A str whose repr is itself (KeyError reprs its argument)."""

    def __repr__(self):
        return self


class _IterableDatasetStopIteration:
    def __init__(self, worker_id):
        self.worker_id = worker_id


# ------------------------------------------------------------------ fetchers
class _MapDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn, self.drop_last = dataset, auto_collation, collate_fn, drop_last

    def fetch(self, possibly_batched_index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems:
                data = getitems(possibly_batched_index)
            else:
                data = [self.dataset[idx] for idx in possibly_batched_index]
        else:
            data = self.dataset[possibly_batched_index]
        return self.collate_fn(data)


class _IterableDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn, self.drop_last = dataset, auto_collation, collate_fn, drop_last
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in possibly_batched_index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(possibly_batched_index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        cls = _MapDatasetFetcher if kind == _DatasetKind.Map else _IterableDatasetFetcher
        return cls(dataset, auto_collation, collate_fn, drop_last)


# ------------------------------------------------------------------ shared-memory transport
def _shm_path(name):
    return os.path.join(_SHM_DIR, name)


class _Slot:
    """A growable shared-memory segment owned by a worker."""

    def __init__(self, base_name):
        self.base_name = base_name
        self.gen = -1
        self.name = None
        self.mm = None
        self.capacity = 0

    def ensure(self, needed):
        """Make the segment hold ``needed`` bytes (its old contents are not kept)."""
        if needed <= self.capacity:
            return
        cap = max(needed + (needed >> 3), 1 << 16)      # some headroom for the next batches
        cap = (cap + mmap.PAGESIZE - 1) // mmap.PAGESIZE * mmap.PAGESIZE
        self.gen += 1
        name = f"{self.base_name}_{self.gen}"
        fd = os.open(_shm_path(name), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.ftruncate(fd, cap)
            mm = mmap.mmap(fd, cap)
        finally:
            os.close(fd)
        if self.mm is not None:
            self.release()
        self.mm, self.name, self.capacity = mm, name, cap

    def release(self):
        if self.mm is not None:
            self.mm.close()
            try:
                os.unlink(_shm_path(self.name))
            except FileNotFoundError:
                pass  # the main process unlinks names as soon as it maps them
            self.mm = None
            self.capacity = 0


class _ShmPickler(pickle.Pickler):
    """Pickles with every large array/tensor replaced by a reference; the arrays are collected in
    ``self.arrays`` (to be written into shared memory once the total size is known)."""

    def __init__(self, file, tensor_cls):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.arrays = []
        self.offset = 0
        self.tensor_cls = tensor_cls

    def persistent_id(self, obj):
        if obj.__class__ is self.tensor_cls:
            if obj._grad_fn is not None:  # a non-leaf: pickled (and refused) as usual
                return None
            arr, is_tensor, rg = obj._data, True, obj._requires_grad
        elif obj.__class__ is np.ndarray:
            arr, is_tensor, rg = obj, False, False
        else:
            return None
        if arr.nbytes < _MIN_SHM_BYTES or arr.dtype.hasobject:
            return None
        off = (self.offset + _ALIGN - 1) // _ALIGN * _ALIGN
        self.offset = off + arr.nbytes
        self.arrays.append((off, arr))
        return (off, arr.shape, arr.dtype, is_tensor, rg)

    def write_arrays(self, slot):
        """Copy the collected arrays into ``slot``; returns the segment name (None if nothing to write)."""
        if not self.arrays:
            return None
        slot.ensure(self.offset)
        mm = slot.mm
        for off, arr in self.arrays:
            np.copyto(np.ndarray(arr.shape, dtype=arr.dtype, buffer=mm, offset=off), arr, casting='no')
        self.arrays = []
        return slot.name


class _ShmReader:
    """Main-process side: maps workers' segments (unlinking their names) and copies arrays out."""

    def __init__(self, tensor_make):
        self.maps = {}      # slot base name -> (segment name, mmap)
        self.tensor_make = tensor_make

    def _map(self, name):
        base = name.rsplit('_', 1)[0]
        cur = self.maps.get(base)
        if cur is not None and cur[0] == name:
            return cur[1]
        if cur is not None:
            cur[1].close()
        path = _shm_path(name)
        fd = os.open(path, os.O_RDONLY)
        try:
            mm = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
        finally:
            os.close(fd)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        self.maps[base] = (name, mm)
        return mm

    def loads(self, data):
        reader = self
        name, data = pickle.loads(data)     # (segment name or None, payload)
        mm = reader._map(name) if name is not None else None

        class _Unpickler(pickle.Unpickler):
            def persistent_load(self, pid):
                off, shape, dtype, is_tensor, rg = pid
                n = 1
                for s in shape:
                    n *= s
                arr = np.frombuffer(mm, dtype=dtype, count=n, offset=off).reshape(shape).copy()
                if not is_tensor:
                    return arr
                t = reader.tensor_make(arr)
                if rg:
                    t.requires_grad_(True)
                return t

        return _Unpickler(io.BytesIO(data)).load()

    def close(self):
        for _, mm in self.maps.values():
            try:
                mm.close()
            except Exception:
                pass
        self.maps.clear()


def _unlink_prefix(prefix):
    try:
        names = os.listdir(_SHM_DIR)
    except OSError:
        return
    for n in names:
        if n.startswith(prefix):
            try:
                os.unlink(os.path.join(_SHM_DIR, n))
            except OSError:
                pass


# ------------------------------------------------------------------ BLAS threads
_BLAS_ENV = ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'VECLIB_MAXIMUM_THREADS',
             'NUMEXPR_NUM_THREADS')


_blas_controller = None


def _prepare_blas_controller():
    """Main process, before forking: find the loaded BLAS/OpenMP libraries once (threadpoolctl, if
    installed), so that forked workers inherit the handles and only have to set their thread counts."""
    global _blas_controller
    if _blas_controller is None:
        try:
            from threadpoolctl import ThreadpoolController
            _blas_controller = ThreadpoolController()
        except Exception:      # not installed: workers only get the environment variables
            _blas_controller = False
    return _blas_controller


def _limit_blas_threads():
    """One BLAS/OpenMP thread per worker, so N workers don't oversubscribe N cores.

    The environment variables cover thread pools started later (and spawned workers, which read
    them before their fresh interpreter loads NumPy). A forked worker inherits its parent's
    already-initialised libraries: their thread counts are set through threadpoolctl's handles.
    For OpenBLAS, whose pool is torn down at fork and rebuilt by ``set_num_threads`` with the old
    size (leaving a thread spinning on a core), the pool size ``blas_num_threads`` is set to 1 first.
    """
    for k in _BLAS_ENV:
        os.environ[k] = '1'
    if not _blas_controller:
        return
    import ctypes
    for lib in _blas_controller.lib_controllers:
        try:
            if lib.internal_api == 'openblas':
                try:
                    n = ctypes.c_int.in_dll(lib.dynlib, 'blas_num_threads')
                    if n.value > 1:
                        n.value = 1
                except (ValueError, AttributeError):
                    pass
            if lib.num_threads != 1:
                lib.set_num_threads(1)
        except Exception:
            pass


# ------------------------------------------------------------------ the worker loop
def _worker_loop(dataset_kind, dataset, index_conn, result_conn, inherited, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, shm_prefix, nslots):
    global _worker_info
    for c in inherited:       # the main process's pipe ends copied by fork
        try:
            c.close()
        except Exception:
            pass
    _limit_blas_threads()
    import ember
    from ..._tensor import Tensor
    parent = os.getppid()
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    np.random.seed(_generate_state(base_seed, worker_id))
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)

    init_exception = None
    fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

    slots = [_Slot(f"{shm_prefix}_{worker_id}_{s}") for s in range(nslots)]
    ntask = 0
    iteration_end = False
    try:
        while True:
            if not index_conn.poll(MP_STATUS_CHECK_INTERVAL):
                if os.getppid() != parent:
                    break     # the main process died
                continue
            try:
                msg = index_conn.recv()
            except (EOFError, OSError):
                break
            if msg is None:
                break
            if msg[0] == 'resume':
                iteration_end = False
                if dataset_kind == _DatasetKind.Iterable and init_exception is None:
                    try:
                        fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                              collate_fn, drop_last)
                    except Exception:
                        init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                result_conn.send_bytes(pickle.dumps((None, pickle.dumps(('resume', None, None)))))
                continue
            _, idx, index = msg
            slot = slots[ntask % nslots]
            ntask += 1
            if init_exception is not None:
                kind, data = 'error', init_exception
                init_exception = None
            elif iteration_end:
                kind, data = 'stop', None
            else:
                try:
                    kind, data = 'data', fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        kind, data = 'stop', None
                        iteration_end = True
                    else:
                        kind, data = 'error', ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            buf = io.BytesIO()
            name = None
            try:
                pk = _ShmPickler(buf, Tensor)
                pk.dump((kind, idx, data))
                name = pk.write_arrays(slot)
            except Exception:
                buf = io.BytesIO()
                err = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                try:
                    pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(('error', idx, err))
                except Exception:     # e.g. an exception class defined in a local scope
                    buf = io.BytesIO()
                    err.exc_type = RuntimeError
                    pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(('error', idx, err))
            del data
            result_conn.send_bytes(pickle.dumps((name, buf.getvalue()), protocol=pickle.HIGHEST_PROTOCOL))
    except (BrokenPipeError, EOFError, OSError):
        pass      # the main process went away or shut us down
    except KeyboardInterrupt:
        pass
    finally:
        for s in slots:
            s.release()
        try:
            result_conn.close()
        except Exception:
            pass
