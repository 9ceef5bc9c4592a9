"""ember.multiprocessing: torch.multiprocessing's counterpart.

Re-exports the standard library's multiprocessing API (Process, Queue, Pool, ...) and adds
``spawn(fn, args, nprocs, join)``: start ``nprocs`` processes running ``fn(i, *args)``; if one
of them raises, the others are terminated and the error is re-raised in the parent with the
child's traceback (``ProcessRaisedException``).
Tensors sent through its queues/pipes/process arguments travel via shared memory
(see ``reductions``); ``share_memory_(t)`` puts a tensor there for Hogwild training.
"""
import multiprocessing
import multiprocessing.connection
import signal
import sys
import traceback
from multiprocessing import *  # noqa: F401,F403

from . import reductions  # noqa: E402
from .reductions import share_memory_, is_shared, init_reductions  # noqa: E402,F401

init_reductions()

__all__ = list(multiprocessing.__all__) + [
    'spawn', 'start_processes', 'ProcessContext', 'SpawnContext', 'ProcessException',
    'ProcessRaisedException', 'ProcessExitedException', 'get_sharing_strategy',
    'set_sharing_strategy', 'get_all_sharing_strategies', 'init_reductions', 'share_memory_', 'is_shared']

_sharing_strategy = 'file_system'


def get_all_sharing_strategies():
    return {'file_system'}


def get_sharing_strategy():
    return _sharing_strategy


def set_sharing_strategy(new_strategy):
    if new_strategy not in get_all_sharing_strategies():
        raise ValueError(f"Invalid sharing strategy {new_strategy!r}: ember supports 'file_system'")


class ProcessException(Exception):
    __slots__ = ['error_index', 'error_pid']

    def __init__(self, msg, error_index, pid):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A spawned process raised an exception."""


class ProcessExitedException(ProcessException):
    """A spawned process exited with a non-zero status (or was killed by a signal)."""
    __slots__ = ['exit_code', 'signal_name']

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _wrap(fn, i, args, error_queue):
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass
    except Exception:
        error_queue.put(traceback.format_exc())
        sys.exit(1)


class ProcessContext:
    def __init__(self, processes, error_queues):
        self.error_queues = error_queues
        self.processes = processes
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self):
        return [int(p.pid) for p in self.processes]

    def _terminate_all(self):
        for p in self.processes:
            if p.is_alive():
                p.terminate()
        for p in self.processes:
            p.join()

    def join(self, timeout=None, grace_period=None):
        """Wait for the processes; True when all have exited successfully, False if some are still
        running after ``timeout``. Raises if one of them failed (after terminating the others)."""
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        error_index = None
        for s in ready:
            i = self.sentinels.pop(s)
            p = self.processes[i]
            p.join()
            if p.exitcode != 0:
                error_index = i
                break
        if error_index is None:
            return not self.sentinels
        self._terminate_all()
        p = self.processes[error_index]
        q = self.error_queues[error_index]
        if q.empty():
            code = p.exitcode
            if code < 0:
                name = signal.Signals(-code).name
                raise ProcessExitedException(f"process {error_index} terminated with signal {name}",
                                             error_index, p.pid, code, name)
            raise ProcessExitedException(f"process {error_index} terminated with exit code {code}",
                                         error_index, p.pid, code)
        tb = q.get()
        msg = f"\n\n-- Process {error_index} terminated with the following error:\n{tb}"
        raise ProcessRaisedException(msg, error_index, p.pid)


class SpawnContext(ProcessContext):
    pass


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method='spawn'):
    ctx = multiprocessing.get_context(start_method)
    error_queues, processes = [], []
    for i in range(nprocs):
        q = ctx.SimpleQueue()
        p = ctx.Process(target=_wrap, args=(fn, i, args, q), daemon=daemon)
        p.start()
        error_queues.append(q)
        processes.append(p)
    context = ProcessContext(processes, error_queues)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method='spawn'):
    """Run ``fn(i, *args)`` in ``nprocs`` new processes (i = 0..nprocs-1)."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)
