"""DataLoader (torch.utils.data.dataloader semantics): batching, shuffling and multi-process loading.

The loader itself only validates its arguments and picks the index stream (a sampler, or a batch sampler
when batches are assembled automatically). Each ``iter(loader)`` makes an epoch iterator that turns that
stream into batches, in this process or in worker processes (see ``_worker.py``).
"""
import atexit
import itertools
import multiprocessing as python_multiprocessing
import multiprocessing.connection
import os
import signal
import time
import warnings
import weakref

from ..._dtype import int64
from ..._tensor import Tensor
from ...ops.creation import empty
from . import _worker
from ._collate import default_collate, default_convert
from ._worker import get_worker_info  # noqa: F401  (torch.utils.data.dataloader.get_worker_info)
from .dataset import IterableDataset, _fetch_many
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _NoneForever

__all__ = ['DataLoader', 'get_worker_info', 'default_collate', 'default_convert']

# attributes that define the index stream; reassigning them after construction is an error (as in torch)
_FIXED_AFTER_INIT = frozenset({'batch_size', 'batch_sampler', 'sampler', 'drop_last', 'dataset',
                               'persistent_workers'})


def _as_mp_context(context, num_workers):
    """Validate a ``multiprocessing_context`` argument (None, a start-method name or a context object)."""
    if context is None:
        return None
    if not num_workers > 0:
        raise ValueError("multiprocessing_context can only be used with multi-process loading "
                         f"(num_workers > 0), but got num_workers={num_workers}")
    if isinstance(context, str):
        methods = python_multiprocessing.get_all_start_methods()
        if context not in methods:
            raise ValueError(f"multiprocessing_context option should specify a valid start method in {methods!r}, "
                             f"but got multiprocessing_context={context!r}")
        context = python_multiprocessing.get_context(context)
    if not isinstance(context, python_multiprocessing.context.BaseContext):
        raise TypeError("multiprocessing_context option should be a valid context object or a string specifying "
                        f"the start method, but got multiprocessing_context={context}")
    return context


def _check_arguments(iterable, batch_size, shuffle, sampler, batch_sampler, drop_last, num_workers, timeout,
                     prefetch_factor, persistent_workers, mp_context):
    """Reject inconsistent DataLoader arguments, testing in torch's order so that the same error wins when
    several apply. Returns the normalised ``(batch_size, shuffle, drop_last, prefetch_factor, mp_context)``."""
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if prefetch_factor is None:
        prefetch_factor = 2 if num_workers > 0 else None
    elif num_workers == 0:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                         "to enable multiprocessing, otherwise set prefetch_factor to None.")
    elif prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    mp_context = _as_mp_context(mp_context, num_workers)

    if iterable:   # an iterable dataset decides its own order: no index-choosing options
        for name, value, given in (('shuffle', shuffle, shuffle not in {False, None}),
                                   ('sampler', sampler, sampler is not None),
                                   ('batch_sampler', batch_sampler, batch_sampler is not None)):
            if given:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, "
                                 f"but got {name}={value}")
    else:
        shuffle = bool(shuffle)
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                             "and drop_last")
        batch_size, drop_last = None, False
    elif batch_size is None and drop_last:
        raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
    return batch_size, shuffle, drop_last, prefetch_factor, mp_context


def _cpu_budget():
    """(usable CPU count or None, a note when the process's CPU affinity could not be read)."""
    try:
        return len(os.sched_getaffinity(0)), ''
    except AttributeError:
        return os.cpu_count(), ' (`cpuset` is not taken into account)'


class DataLoader:
    """Iterates over ``dataset`` in (optionally shuffled) batches, in this process or in worker processes.

    Same arguments and argument checks as ``torch.utils.data.DataLoader``. ``pin_memory`` is accepted and
    has no effect (there is no accelerator; torch warns the same way). With ``num_workers > 0`` batches are
    built by worker processes and come back through shared memory.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        iterable = isinstance(dataset, IterableDataset)
        batch_size, shuffle, drop_last, prefetch_factor, mp_context = _check_arguments(
            iterable, batch_size, shuffle, sampler, batch_sampler, drop_last, num_workers, timeout,
            prefetch_factor, persistent_workers, multiprocessing_context)
        if sampler is None:
            if iterable:
                sampler = _NoneForever()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            collate_fn = default_convert if batch_sampler is None else default_collate

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn
        self.generator = generator
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.in_order = in_order
        self._mp_context = mp_context
        self._iterable = iterable
        self._reported_len = None     # len(dataset) as last seen by len(loader), for an iterable dataset
        self._iterator = None         # the reused iterator of persistent workers
        self._frozen = True
        self.check_worker_number_rationality()

    def __setattr__(self, attr, val):
        if attr in _FIXED_AFTER_INIT and self.__dict__.get('_frozen'):
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def multiprocessing_context(self):
        return self._mp_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        self._mp_context = _as_mp_context(context, self.num_workers)

    @property
    def _index_sampler(self):
        """What the epoch iterators draw from: index batches when auto-batching, single indices otherwise."""
        return self.sampler if self.batch_sampler is None else self.batch_sampler

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        if not self.persistent_workers:
            return self._new_worker_iter()
        if self._iterator is None:
            self._iterator = self._new_worker_iter()
        else:
            self._iterator._reset(self)
        return self._iterator

    def _new_worker_iter(self):
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    def __len__(self):
        if not self._iterable:
            return len(self._index_sampler)
        n = self._reported_len = len(self.dataset)
        if self.batch_size is None:
            return n
        full, rest = divmod(n, self.batch_size)
        return full + int(rest > 0 and not self.drop_last)

    def check_worker_number_rationality(self):
        """Warn when more workers are requested than this process may run on CPUs."""
        if not self.num_workers:
            return
        cpus, note = _cpu_budget()
        if cpus is not None and self.num_workers <= cpus:
            return
        if cpus is None:
            why = "DataLoader is not able to compute a suggested max number of worker in current system."
        else:
            why = (f"Our suggested max number of worker in current system is {cpus}{note}, which is smaller "
                   "than what this DataLoader is going to create.")
        warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. {why} "
                      "Please be aware that excessive worker creation might get DataLoader running slow or "
                      "even freeze, lower the worker number to avoid potential slowness/freeze if necessary.",
                      stacklevel=2)


class _EpochIter:
    """What both epoch iterators share: a snapshot of the loader's settings, the stream of indices (or index
    batches), the workers' base seed, and the check that an iterable dataset keeps to its reported length."""

    def __init__(self, loader):
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._batched = loader.batch_sampler is not None      # samples are collated into batches
        self._collate_fn = loader.collate_fn
        self._drop_last = loader.drop_last
        self._indices = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._persistent_workers = loader.persistent_workers
        if loader.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=3)
        self._pin_memory = False
        self._restart(loader)
        self._base_seed = int(empty((), dtype=int64).random_(generator=loader.generator).item())

    def _restart(self, loader):
        self._index_iter = iter(self._indices)
        self._num_yielded = 0
        self._reported_len = loader._reported_len

    def _reset(self, loader, first_iter=False):
        """Start a new epoch over the same index source (persistent workers reuse their iterator)."""
        self._restart(loader)

    def _next_index(self):
        return next(self._index_iter)

    def _next_data(self):
        raise NotImplementedError

    def __iter__(self):
        return self

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if self._iterable and self._reported_len is not None and self._num_yielded > self._reported_len:
            self._warn_too_many()
        return data

    def _warn_too_many(self):
        msg = (f"Length of IterableDataset {self._dataset} was reported to be {self._reported_len}"
               f"(when accessing len(dataloader)), but {self._num_yielded} samples have been fetched. ")
        if self._num_workers > 0:
            msg += ("For multiprocessing data-loading, this could be caused by not properly configuring the "
                    "IterableDataset replica at each worker. Please see "
                    "https://pytorch.org/docs/stable/data.html#torch.utils.data.IterableDataset for examples.")
        warnings.warn(msg, stacklevel=3)

    def __len__(self):
        return len(self._indices)

    def __getstate__(self):
        raise NotImplementedError("{} cannot be pickled", type(self).__name__)


class _SingleProcessDataLoaderIter(_EpochIter):
    """Builds every batch in the calling process."""

    def __init__(self, loader):
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        if self._num_workers != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires num_workers == 0")
        # an iterable dataset is iterated once per epoch; its "indices" only say how many items to take
        self._stream = iter(self._dataset) if self._iterable else None
        self._stream_done = False

    def _next_data(self):
        index = self._next_index()
        if not self._iterable:
            samples = _fetch_many(self._dataset, index) if self._batched else self._dataset[index]
        elif not self._batched:
            samples = next(self._stream)
        else:
            samples = self._take(len(index))
        return self._collate_fn(samples)

    def _take(self, count):
        """Up to ``count`` items of the stream; StopIteration once it has nothing (or, with drop_last, too
        little) left."""
        if self._stream_done:
            raise StopIteration
        samples = list(itertools.islice(self._stream, count))
        if len(samples) < count:
            self._stream_done = True
            if not samples or self._drop_last:
                raise StopIteration
        return samples


_SHUTDOWN_GRACE = 1.0
_live_iters = weakref.WeakSet()
_iter_counter = itertools.count()


@atexit.register
def _shutdown_all():
    for it in list(_live_iters):
        try:
            it._shutdown_workers()
        except Exception:
            pass


def _death_message(proc):
    code = proc.exitcode
    if code is not None and code < 0:
        try:
            name = signal.strsignal(-code) or signal.Signals(-code).name
        except (ValueError, AttributeError):
            name = f"signal {-code}"
        return f"DataLoader worker (pid {proc.pid}) is killed by signal: {name}. "
    return f"DataLoader worker (pid(s) {proc.pid}) exited unexpectedly"


class _MultiProcessingDataLoaderIter(_EpochIter):
    """Worker processes fed index batches over pipes; results come back through shared memory, in order."""

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._limit = max(1, self._prefetch_factor)       # tasks in flight per worker (= its shm slots)
        self._in_order = loader.in_order
        self._shutdown = True
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = python_multiprocessing.get_context()
        forked = ctx.get_start_method() == 'fork'
        self._shm_prefix = f"ember_dl_{os.getpid()}_{next(_iter_counter)}"
        self._reader = _worker._ShmReader(Tensor._make)
        self._workers, self._index_conns, self._result_conns = [], [], []
        self._shutdown = False
        _live_iters.add(self)
        env_saved = None
        if forked:
            _worker._prepare_blas_controller()
        else:   # a fresh interpreter reads the BLAS thread count from the environment
            env_saved = {k: os.environ.get(k) for k in _worker._BLAS_ENV}
            os.environ.update({k: '1' for k in _worker._BLAS_ENV})
        try:
            self._start_workers(ctx, forked, loader)
        except BaseException:
            self._shutdown_workers()
            raise
        finally:
            if env_saved is not None:
                for k, v in env_saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
        self._reset(loader, first_iter=True)

    def _start_workers(self, ctx, forked, loader):
        for i in range(self._num_workers):
            idx_r, idx_w = ctx.Pipe(duplex=False)
            res_r, res_w = ctx.Pipe(duplex=False)
            inherited = (self._index_conns + self._result_conns + [idx_w, res_r]) if forked else []
            w = ctx.Process(target=_worker._worker_loop,
                            args=(self._worker_kind(), self._dataset, idx_r, res_w, inherited,
                                  self._batched, self._collate_fn, self._drop_last, self._base_seed,
                                  loader.worker_init_fn, i, self._num_workers, self._shm_prefix, self._limit),
                            daemon=True)
            w.start()
            idx_r.close()
            res_w.close()
            self._workers.append(w)
            self._index_conns.append(idx_w)
            self._result_conns.append(res_r)

    def _worker_kind(self):
        return _worker._DatasetKind.Iterable if self._iterable else _worker._DatasetKind.Map

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        if not first_iter:
            # persistent workers: drain what the previous epoch left in flight, then restart them
            for w in range(self._num_workers):
                while self._outstanding[w]:
                    self._recv(w)
                    self._outstanding[w] -= 1
                self._index_conns[w].send(('resume', None))
            for w in range(self._num_workers):
                while True:
                    kind, _, _ = self._recv(w)
                    if kind == 'resume':
                        break
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._outstanding = [0] * self._num_workers
        self._workers_status = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        self._sampler_done = False
        self._fill()

    # -------------------------------------------------------------- dispatch
    def _fill(self):
        while not self._sampler_done:
            w = self._free_worker()
            if w is None:
                return
            try:
                index = self._next_index()
            except StopIteration:
                self._sampler_done = True
                return
            try:
                self._index_conns[w].send(('task', self._send_idx, index))
            except OSError:  # the worker died (e.g. killed): report it like torch, not as a pipe error
                pid = self._workers[w].pid
                self._workers[w].join(1.0)
                self._check_workers()  # raises with the signal's name when it can tell
                self._shutdown_workers()
                raise RuntimeError(f"DataLoader worker (pid {pid}) exited unexpectedly") from None
            self._task_info[self._send_idx] = w
            self._outstanding[w] += 1
            self._send_idx += 1

    def _free_worker(self):
        for _ in range(self._num_workers):
            w = next(self._worker_cycle)
            if self._workers_status[w] and self._outstanding[w] < self._limit:
                return w
        return None

    # -------------------------------------------------------------- receive
    def _check_workers(self, ready=()):
        for p in self._workers:
            if p.sentinel in ready or not p.is_alive():
                p.join(0.1)
                msg = _death_message(p)
                self._shutdown_workers()
                raise RuntimeError(msg)

    def _wait(self, conns):
        """Block until one of ``conns`` has a message (raising on a dead worker or a timeout)."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        sentinels = [p.sentinel for p in self._workers]
        while True:
            wait_s = _worker.MP_STATUS_CHECK_INTERVAL
            if deadline is not None:
                wait_s = min(wait_s, max(0.0, deadline - time.monotonic()))
            ready = multiprocessing.connection.wait(list(conns) + sentinels, timeout=wait_s)
            got = [c for c in conns if c in ready]
            if got:
                return got
            if ready:   # only sentinels: a worker exited; deliver anything it sent before dying first
                got = [c for c in conns if c.poll(0)]
                if got:
                    return got
                self._check_workers(ready)
            if deadline is not None and time.monotonic() >= deadline:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _recv(self, w):
        conn = self._result_conns[w]
        if not conn.poll(0):
            self._wait([conn])
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            self._check_workers()
            raise RuntimeError(f"DataLoader worker (pid(s) {self._workers[w].pid}) exited unexpectedly") from None
        return self._reader.loads(data)

    def _next_data(self):
        while True:
            if self._rcvd_idx >= self._send_idx:
                self._fill()
                if self._rcvd_idx >= self._send_idx:
                    if not self._persistent_workers:
                        self._shutdown_workers()
                    raise StopIteration
            if self._in_order:
                w = self._task_info.pop(self._rcvd_idx)
                kind, idx, data = self._recv(w)
            else:
                busy = {self._result_conns[w]: w for w in range(self._num_workers) if self._outstanding[w]}
                conn = next((c for c in busy if c.poll(0)), None) or self._wait(list(busy))[0]
                w = busy[conn]
                kind, idx, data = self._recv(w)
                self._task_info.pop(idx, None)
            self._outstanding[w] -= 1
            self._rcvd_idx += 1
            if kind == 'stop':
                self._workers_status[w] = False
                continue
            self._fill()
            if kind == 'error':
                data.reraise()
            return data

    # -------------------------------------------------------------- shutdown
    def _shutdown_workers(self):
        if self._shutdown:
            return
        self._shutdown = True
        _live_iters.discard(self)
        for c in self._index_conns:
            try:
                c.send(None)
            except Exception:
                pass
        for c in self._result_conns:   # workers blocked on a send see a broken pipe
            try:
                c.close()
            except Exception:
                pass
        # a worker finishing a long item gets a moment to exit on its own, then is terminated: it holds
        # nothing the main process needs (segment names are removed below by prefix)
        deadline = time.monotonic() + _SHUTDOWN_GRACE
        for p in self._workers:
            p.join(max(0.0, deadline - time.monotonic()))
        for p in self._workers:
            if p.is_alive():
                p.terminate()
                p.join()
        for p in self._workers:
            try:
                p.close()
            except Exception:
                pass
        for c in self._index_conns:
            try:
                c.close()
            except Exception:
                pass
        self._reader.close()
        _worker._unlink_prefix(self._shm_prefix + '_')

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:
            pass
