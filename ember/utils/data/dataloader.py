"""DataLoader (torch.utils.data.dataloader): batching, shuffling and multi-process loading."""
import atexit
import itertools
import math
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
from ._worker import _DatasetKind, get_worker_info  # noqa: F401  (torch.utils.data.dataloader.get_worker_info)
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _InfiniteConstantSampler

__all__ = ['DataLoader', 'get_worker_info', 'default_collate', 'default_convert']


class DataLoader:
    """Iterates over ``dataset`` in (optionally shuffled) batches, in this process or in worker processes.

    Same arguments and argument checks as ``torch.utils.data.DataLoader``. ``pin_memory`` is accepted and
    has no effect (there is no accelerator; torch warns the same way). With ``num_workers > 0`` batches are
    built by worker processes and come back through shared memory.
    """

    __initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; "
                             "use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        elif num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, "
                                 f"but got sampler={sampler}")
            elif batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive "
                                 "with batch_size, shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching "
                                 "and is mutually exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, multiprocessing_context):
        if multiprocessing_context is not None:
            if self.num_workers > 0:
                if isinstance(multiprocessing_context, str):
                    valid_start_methods = python_multiprocessing.get_all_start_methods()
                    if multiprocessing_context not in valid_start_methods:
                        raise ValueError("multiprocessing_context option "
                                         f"should specify a valid start method in {valid_start_methods!r}, but got "
                                         f"multiprocessing_context={multiprocessing_context!r}")
                    multiprocessing_context = python_multiprocessing.get_context(multiprocessing_context)
                if not isinstance(multiprocessing_context, python_multiprocessing.context.BaseContext):
                    raise TypeError("multiprocessing_context option should be a valid context "
                                    "object or a string specifying the start method, but got "
                                    f"multiprocessing_context={multiprocessing_context}")
            else:
                raise ValueError("multiprocessing_context can only be used with "
                                 "multi-process loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
        self.__multiprocessing_context = multiprocessing_context

    def __setattr__(self, attr, val):
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                           "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._dataset_kind == _DatasetKind.Iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self):
        if not self.num_workers:
            return
        try:
            suggest = len(os.sched_getaffinity(0))
            cpuset_checked = True
        except AttributeError:
            suggest = os.cpu_count()
            cpuset_checked = False
        if suggest is None or self.num_workers > suggest:
            msg = (f"Our suggested max number of worker in current system is {suggest}"
                   f"{'' if cpuset_checked else ' (`cpuset` is not taken into account)'}, which is smaller "
                   "than what this DataLoader is going to create." if suggest is not None else
                   "DataLoader is not able to compute a suggested max number of worker in current system.")
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. {msg} "
                          "Please be aware that excessive worker creation might get DataLoader running slow or "
                          "even freeze, lower the worker number to avoid potential slowness/freeze if necessary.",
                          stacklevel=2)


class _BaseDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=3)
        self._pin_memory = False
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = int(empty((), dtype=int64).random_(generator=loader.generator).item())
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        if self._sampler_iter is None:
            self._reset()
        data = self._next_data()
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be {self._IterableDataset_len_called}"
                   f"(when accessing len(dataloader)), but {self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly configuring the "
                        "IterableDataset replica at each worker. Please see "
                        "https://pytorch.org/docs/stable/data.html#torch.utils.data.IterableDataset for examples.")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError("{} cannot be pickled", self.__class__.__name__)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        if self._num_workers != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires num_workers == 0")
        self._dataset_fetcher = _DatasetKind.create_fetcher(self._dataset_kind, self._dataset, self._auto_collation,
                                                            self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._dataset_fetcher.fetch(index)


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


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
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
                            args=(self._dataset_kind, self._dataset, idx_r, res_w, inherited,
                                  self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                                  loader.worker_init_fn, i, self._num_workers, self._shm_prefix, self._limit),
                            daemon=True)
            w.start()
            idx_r.close()
            res_w.close()
            self._workers.append(w)
            self._index_conns.append(idx_w)
            self._result_conns.append(res_r)

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
            self._index_conns[w].send(('task', self._send_idx, index))
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
