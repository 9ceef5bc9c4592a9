"""torch.distributed's process groups and collectives, on MPI (mpi4py + the mpich wheel).

Every collective works in place on the tensors' NumPy arrays (mpi4py's buffer protocol): no
copies for contiguous tensors of MPI-native dtypes. bfloat16/float16 move as their uint16
bits and are reduced in float32; bool moves as uint8 and reduces with logical ops.
Collectives are started non-blocking (MPI-3 ``I*`` calls) and returned as a :class:`Work`;
the blocking form waits on it, honouring the process group's ``timeout``.
"""
import enum
import os
import time
from datetime import timedelta

import numpy as np

from .._tensor import Tensor

__all__ = ['is_available', 'is_mpi_available', 'is_gloo_available', 'is_nccl_available',
           'is_initialized', 'is_torchelastic_launched', 'init_process_group',
           'destroy_process_group', 'get_rank', 'get_world_size', 'get_backend', 'new_group',
           'get_global_rank', 'get_group_rank', 'get_process_group_ranks', 'barrier',
           'monitored_barrier', 'ReduceOp', 'Backend', 'ProcessGroup', 'GroupMember', 'group',
           'Work', 'all_reduce', 'broadcast', 'reduce', 'all_gather', 'all_gather_into_tensor',
           'gather', 'scatter', 'reduce_scatter', 'reduce_scatter_tensor', 'all_to_all',
           'all_to_all_single', 'send', 'recv', 'isend', 'irecv', 'all_gather_object',
           'broadcast_object_list', 'gather_object', 'scatter_object_list',
           'DistBackendError', 'default_pg_timeout']

_INSTALL_HINT = ("ember.distributed needs MPI: pip install ember[distributed] "
                 "(that is: pip install mpich mpi4py)")

default_pg_timeout = timedelta(minutes=30)


def _mpi():
    """The mpi4py.MPI module (imported lazily: importing it initializes MPI)."""
    try:
        from mpi4py import MPI
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError(_INSTALL_HINT) from e
    return MPI


def is_available():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def is_mpi_available():
    return is_available()


def is_gloo_available():
    return is_available()  # 'gloo' is an alias that runs on MPI


def is_nccl_available():
    return False


def is_torchelastic_launched():
    return os.environ.get('TORCHELASTIC_RUN_ID') is not None


class DistBackendError(RuntimeError):
    pass


class _RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8

    def __repr__(self):
        return f'<RedOpType.{self.name}: {int(self)}>'


_RedOpType.__name__ = _RedOpType.__qualname__ = 'RedOpType'


class ReduceOp:
    """The reduction of all_reduce/reduce/reduce_scatter: ReduceOp.SUM, AVG, PRODUCT, MIN, MAX,
    BAND, BOR, BXOR."""
    RedOpType = _RedOpType
    SUM = _RedOpType.SUM
    AVG = _RedOpType.AVG
    PRODUCT = _RedOpType.PRODUCT
    MIN = _RedOpType.MIN
    MAX = _RedOpType.MAX
    BAND = _RedOpType.BAND
    BOR = _RedOpType.BOR
    BXOR = _RedOpType.BXOR
    PREMUL_SUM = _RedOpType.PREMUL_SUM


class Backend(str):
    """A backend name: 'mpi' (and 'gloo', an alias that runs on MPI)."""
    UNDEFINED = 'undefined'
    GLOO = 'gloo'
    NCCL = 'nccl'
    MPI = 'mpi'
    UCC = 'ucc'
    XCCL = 'xccl'

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        value = name.lower()
        if value == 'cpu:gloo' or value == 'cpu:mpi':
            value = value[4:]
        if value == 'nccl' or value.startswith('cuda:') or 'nccl' in value:
            raise RuntimeError("Distributed package doesn't have NCCL built in: ember runs on CPUs "
                               "only (use backend='mpi' or 'gloo', which ember runs on MPI)")
        if value not in ('mpi', 'gloo'):
            raise ValueError(f"Invalid backend: '{name}': ember.distributed supports 'mpi' "
                             "(and 'gloo', run on MPI)")
        return str.__new__(cls, value)


class Work:
    """A pending communication (torch's Work): ``wait()`` blocks until it has completed,
    ``is_completed()`` polls. ``finish`` runs once after completion (copy-back, AVG division)."""

    def __init__(self, requests=(), finish=None, keep=(), timeout=None, result=None, status=None):
        self._reqs = list(requests)
        self._status = status      # an MPI.Status for a single receive (its source)
        self._finish = finish
        self._keep = keep          # buffers MPI is using: alive until completion
        self._done = not self._reqs
        self._timeout = timeout
        self._result = result
        if self._done:
            self._complete()

    def _statuses(self):
        return None if self._status is None else [self._status]

    def _complete(self):
        self._done = True
        self._reqs = []
        f, self._finish = self._finish, None
        self._keep = ()
        if f is not None:
            f()

    def is_completed(self):
        if self._done:
            return True
        MPI = _mpi()
        if MPI.Request.Testall(self._reqs, self._statuses()):
            self._complete()
        return self._done

    def is_success(self):
        return self.is_completed()

    def wait(self, timeout=None):
        if self._done:
            return True
        MPI = _mpi()
        timeout = timeout if timeout is not None else self._timeout
        st = self._statuses()
        if timeout is None:
            MPI.Request.Waitall(self._reqs, st)
        else:
            secs = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
            deadline = time.monotonic() + secs
            reqs = self._reqs
            testall = MPI.Request.Testall
            spins = 0
            while not testall(reqs, st):
                spins += 1
                if spins & 63 == 0:
                    if time.monotonic() > deadline:
                        raise DistBackendError(
                            f"Timed out after {secs:g} seconds waiting for a collective "
                            "(a peer rank may have died or not joined the collective)")
                    if spins > 4096:
                        time.sleep(0)       # a long wait: let other threads run
        self._complete()
        return True

    def result(self):
        self.wait()
        return self._result

    def get_future(self):
        raise NotImplementedError("Work.get_future() is not supported by ember.distributed")

    def source_rank(self):
        """The sender of a completed irecv from any source."""
        self.wait()
        return self._result


class ProcessGroup:
    """A group of ranks backed by an MPI communicator."""

    def __init__(self, comm, ranks, backend, timeout):
        self._comm = comm
        self._ranks = list(ranks)          # global ranks, in group order
        self._backend = backend
        self._timeout = timeout
        self._g2l = {g: i for i, g in enumerate(self._ranks)}

    def rank(self):
        return self._comm.Get_rank()

    def size(self):
        return self._comm.Get_size()

    def name(self):
        return str(self._backend)

    def __repr__(self):
        return f'<ember.distributed.ProcessGroup {self._backend} ranks={self._ranks}>'


class _NonGroupMember:
    def __repr__(self):
        return '<NON_GROUP_MEMBER>'


class GroupMember:
    WORLD = None
    NON_GROUP_MEMBER = _NonGroupMember()


class _GroupProxy:
    """``dist.group.WORLD``: the default process group (None before init)."""

    @property
    def WORLD(self):
        return GroupMember.WORLD


group = _GroupProxy()

_groups = []   # every ProcessGroup created (freed by destroy_process_group())


def is_initialized():
    return GroupMember.WORLD is not None


def _default():
    pg = GroupMember.WORLD
    if pg is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return pg


def _group(g):
    if g is None or g is GroupMember.WORLD:
        return _default()
    if g is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(g, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup, got {type(g).__name__}")
    if g._comm is None:
        raise ValueError("The given process group has been destroyed")
    return g


def _env_int(name):
    v = os.environ.get(name)
    if v is None:
        return None
    try:
        return int(v)
    except ValueError:
        raise ValueError(f"Error initializing torch.distributed using env:// rendezvous: environment "
                         f"variable {name} expected, but not set to an integer (got {v!r})") from None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name='', pg_options=None, device_id=None):
    """Join the MPI job's ranks into the default process group.

    Run under ``python -m ember.distributed.run --nproc-per-node N script.py`` (or any
    ``mpiexec``); a plain ``python script.py`` is a world of size 1. ``world_size``/``rank``
    (or RANK/WORLD_SIZE in the environment) must agree with MPI's.
    """
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    backend = Backend(backend if backend is not None else 'gloo')
    if store is not None:
        raise NotImplementedError("init_process_group(store=...) is not supported: ember's ranks "
                                  "rendezvous through MPI (launch with python -m ember.distributed.run)")
    if pg_options is not None:
        raise NotImplementedError("init_process_group(pg_options=...) is not supported by ember")
    if device_id is not None and str(device_id) != 'cpu':
        raise NotImplementedError(f"init_process_group(device_id={device_id!r}): ember runs on the CPU only")
    if init_method is not None and not (init_method.startswith('env://') or init_method.startswith('tcp://')
                                        or init_method.startswith('file://')):
        raise ValueError(f"Unsupported init_method {init_method!r}")
    # tcp:// and file:// name a rendezvous point; with MPI the job's launcher already did it
    # without an explicit timeout, waits block inside MPI (fastest); with one, they poll and
    # raise DistBackendError when it expires. (A crashed rank aborts the whole job anyway.)
    if timeout is not None and not isinstance(timeout, timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got {type(timeout)}")
    MPI = _mpi()
    comm = MPI.COMM_WORLD
    n, r = comm.Get_size(), comm.Get_rank()
    ws = world_size if world_size != -1 else _env_int('WORLD_SIZE')
    rk = rank if rank != -1 else _env_int('RANK')
    if ws is not None and ws != n:
        raise RuntimeError(f"init_process_group: world_size={ws} but this MPI job has {n} process(es); "
                           f"start the script with python -m ember.distributed.run --nproc-per-node {ws} ...")
    if rk is not None and rk != r:
        raise RuntimeError(f"init_process_group: rank={rk} but MPI gave this process rank {r}; "
                           "start the script with python -m ember.distributed.run")
    pg = ProcessGroup(comm.Dup(), range(n), backend, timeout)
    _groups.append(pg)
    GroupMember.WORLD = pg


def destroy_process_group(group=None):
    global _groups
    if group is None or group is GroupMember.WORLD:
        if GroupMember.WORLD is None:
            raise ValueError("Default process group has not been initialized, please make sure to call "
                             "init_process_group.")
        for pg in _groups:
            if pg._comm is not None:
                pg._comm.Free()
                pg._comm = None
        _groups = []
        GroupMember.WORLD = None
        return
    if group is GroupMember.NON_GROUP_MEMBER:
        return
    g = _group(group)
    g._comm.Free()
    g._comm = None
    _groups = [p for p in _groups if p is not g]


def get_rank(group=None):
    g = _group(group)
    return -1 if g is None else g._comm.Get_rank()


def get_world_size(group=None):
    g = _group(group)
    return -1 if g is None else g._comm.Get_size()


def get_backend(group=None):
    g = _group(group)
    if g is None:
        raise ValueError("Invalid process group specified")
    return g._backend


def get_process_group_ranks(group):
    g = _group(group)
    return list(g._ranks)


def get_global_rank(group, group_rank):
    g = _group(group)
    if not 0 <= group_rank < len(g._ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {g}")
    return g._ranks[group_rank]


def get_group_rank(group, global_rank):
    g = _group(group)
    if global_rank not in g._g2l:
        raise ValueError(f"Global rank {global_rank} is not part of group {g}")
    return g._g2l[global_rank]


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None, sort_ranks=True):
    """A subgroup (an MPI communicator split). Every rank of the default group must call it;
    ranks outside ``ranks`` get ``GroupMember.NON_GROUP_MEMBER``."""
    world = _default()
    if pg_options is not None:
        raise NotImplementedError("new_group(pg_options=...) is not supported by ember")
    if use_local_synchronization:
        raise NotImplementedError("new_group(use_local_synchronization=True) is not supported: "
                                  "ember's groups are MPI communicator splits, made by all ranks")
    n = world.size()
    if ranks is None:
        ranks = list(range(n))
    else:
        ranks = list(ranks)
        if sort_ranks:
            ranks = sorted(ranks)
        for r in ranks:
            if not 0 <= r < n:
                raise ValueError("The new group's rank should be within the world_size set by "
                                 "init_process_group")
        if len(set(ranks)) != len(ranks):
            raise ValueError(f"new_group: duplicate ranks in {ranks}")
    be = Backend(backend) if backend is not None else world._backend
    me = world.rank()
    MPI = _mpi()
    member = me in ranks
    comm = world._comm.Split(0 if member else MPI.UNDEFINED, ranks.index(me) if member else 0)
    if not member:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, ranks, be, timeout if timeout is not None else world._timeout)
    _groups.append(pg)
    return pg


# ------------------------------------------------------------------ buffers

def _is_bf16(dt):
    return dt.name == 'bfloat16'


def _check_tensor(t, name='tensor'):
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor\n"
                        f"             but got {type(t)} instead.")
    return t._data


def _move_view(arr):
    """An MPI-movable view of a contiguous array (same memory)."""
    dt = arr.dtype
    if dt == np.float16 or _is_bf16(dt):
        return arr.view(np.uint16)
    if dt == np.bool_:
        return arr.view(np.uint8)
    return arr


def _contig(arr):
    return arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)


def _bump(t):
    t._vc[0] += 1


def _send_buf(t):
    """A contiguous movable buffer with t's values (no copy when t is contiguous)."""
    return _move_view(_contig(t._data))


def _recv_buf(t):
    """(buffer to receive into, finish): receives in place when t is contiguous."""
    a = t._data
    if a.flags.c_contiguous:
        return _move_view(a), (lambda: _bump(t))
    tmp = np.empty(a.shape, a.dtype)

    def fin():
        np.copyto(a, tmp)
        _bump(t)
    return _move_view(tmp), fin


_OPNAMES = {ReduceOp.SUM: 'SUM', ReduceOp.AVG: 'SUM', ReduceOp.PRODUCT: 'PROD', ReduceOp.MIN: 'MIN',
            ReduceOp.MAX: 'MAX', ReduceOp.BAND: 'BAND', ReduceOp.BOR: 'BOR', ReduceOp.BXOR: 'BXOR'}


def _red_setup(op, dt):
    """(compute dtype, MPI op) for reducing arrays of dtype dt with op."""
    MPI = _mpi()
    if isinstance(op, int) and not isinstance(op, _RedOpType):
        try:
            op = _RedOpType(op)
        except ValueError:
            raise ValueError(f"Unknown reduce op {op}") from None
    if op not in _OPNAMES:
        raise NotImplementedError(f"ReduceOp.{getattr(op, 'name', op)} is not supported by ember.distributed")
    name = _OPNAMES[op]
    if dt == np.bool_:
        m = {'SUM': 'LOR', 'MAX': 'LOR', 'BOR': 'LOR', 'PROD': 'LAND', 'MIN': 'LAND', 'BAND': 'LAND',
             'BXOR': 'LXOR'}[name]
        if op == ReduceOp.AVG:
            raise RuntimeError("all_reduce: ReduceOp.AVG is not supported for bool tensors")
        return np.dtype(np.bool_), getattr(MPI, m)
    if name in ('BAND', 'BOR', 'BXOR') and dt.kind not in 'iu':
        raise RuntimeError(f"Cannot use ReduceOp.{op.name} with a tensor of dtype {_tname(dt)}: "
                           "bitwise reductions need integer tensors")
    if dt.kind == 'c' and name in ('MIN', 'MAX'):
        raise RuntimeError(f"all_reduce does not support ReduceOp.{op.name} on complex tensors")
    cdt = np.dtype(np.float32) if (dt == np.float16 or _is_bf16(dt)) else dt
    return cdt, getattr(MPI, name)


def _tname(dt):
    from .. import _dtype as D
    return str(D.from_numpy_dtype(dt))


def _avg_fix(arr, n):
    if arr.dtype.kind in 'iu':
        np.floor_divide(arr, n, out=arr)
    else:
        np.divide(arr, n, out=arr)


def _work(reqs, finish, keep, g, async_op):
    w = Work(reqs, finish, keep, g._timeout)
    if async_op:
        return w
    w.wait()
    return None


# ------------------------------------------------------------------ collectives

def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across the group's ranks, in place on every rank."""
    a = _check_tensor(tensor)
    g = _group(group)
    if g is None:
        return None
    cdt, mop = _red_setup(op, a.dtype)
    if cdt == a.dtype and a.flags.c_contiguous:
        buf = a
        post = None
    else:
        buf = np.ascontiguousarray(a, dtype=cdt)
        post = buf
    n = g.size()

    def fin():
        if op == ReduceOp.AVG:
            _avg_fix(buf, n)
        if post is not None:
            np.copyto(a, post, casting='unsafe')
        _bump(tensor)
    MPI = _mpi()
    req = g._comm.Iallreduce(MPI.IN_PLACE, buf, mop)
    return _work([req], fin, (buf,), g, async_op)


def _root(g, src, group_src, what='src'):
    if src is not None and group_src is not None:
        raise ValueError(f"Can not specify both {what} and group_{what}")
    if group_src is not None:
        if not 0 <= group_src < g.size():
            raise ValueError(f"Group rank {group_src} is not part of group")
        return group_src
    if src is None:
        src = 0
    if src not in g._g2l:
        raise ValueError(f"Global rank {src} is not part of group {g}")
    return g._g2l[src]


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy ``tensor`` of rank ``src`` into ``tensor`` on every rank of the group."""
    a = _check_tensor(tensor)
    g = _group(group)
    if g is None:
        return None
    root = _root(g, src, group_src)
    if g.rank() == root:
        buf, fin = _send_buf(tensor), None
    else:
        buf, fin = _recv_buf(tensor)
    req = g._comm.Ibcast(buf, root=root)
    return _work([req], fin, (buf, a), g, async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce ``tensor`` of every rank into ``tensor`` on rank ``dst`` (others: unchanged)."""
    a = _check_tensor(tensor)
    g = _group(group)
    if g is None:
        return None
    root = _root(g, dst, group_dst, 'dst')
    cdt, mop = _red_setup(op, a.dtype)
    MPI = _mpi()
    me = g.rank()
    n = g.size()
    send = a if (cdt == a.dtype and a.flags.c_contiguous) else np.ascontiguousarray(a, dtype=cdt)
    if me == root:
        if send is a:
            recv = a
            sbuf = MPI.IN_PLACE
        else:
            recv = send
            sbuf = MPI.IN_PLACE

        def fin():
            if op == ReduceOp.AVG:
                _avg_fix(recv, n)
            if recv is not a:
                np.copyto(a, recv, casting='unsafe')
            _bump(tensor)
        req = g._comm.Ireduce(sbuf, recv, mop, root=root)
        return _work([req], fin, (recv,), g, async_op)
    req = g._comm.Ireduce(send, None, mop, root=root)
    return _work([req], None, (send,), g, async_op)


def _check_same(t, ref, what):
    if t._data.dtype != ref.dtype:
        raise ValueError(f"{what}: all tensors must have the same dtype, got {t.dtype} and "
                         f"{_tname(ref.dtype)}")


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Gather ``tensor`` from every rank into ``tensor_list`` (one tensor per rank)."""
    a = _check_tensor(tensor)
    g = _group(group)
    if g is None:
        return None
    n = g.size()
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != n:
        raise ValueError(f"all_gather: tensor_list must be a list of {n} tensors (the group size), "
                         f"got {len(tensor_list) if isinstance(tensor_list, (list, tuple)) else type(tensor_list)}")
    for t in tensor_list:
        _check_tensor(t, 'tensor_list')
        _check_same(t, a, 'all_gather')
        if t._data.size != a.size:
            raise ValueError(f"all_gather: output tensors of shape {list(t.shape)} do not match input "
                             f"of shape {list(tensor.shape)}")
    out = np.empty((n,) + a.shape, a.dtype)
    sb = _send_buf(tensor)

    def fin():
        for i, t in enumerate(tensor_list):
            np.copyto(t._data, out[i].reshape(t._data.shape))
            _bump(t)
    req = g._comm.Iallgather(sb, _move_view(out))
    return _work([req], fin, (sb, out), g, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Gather every rank's ``input_tensor`` into ``output_tensor`` (concatenated along dim 0, or
    stacked: output of shape (world_size, *input.shape) or (world_size * input.shape[0], ...))."""
    o = _check_tensor(output_tensor, 'output_tensor')
    a = _check_tensor(input_tensor, 'input_tensor')
    g = _group(group)
    if g is None:
        return None
    n = g.size()
    _check_same(output_tensor, a, 'all_gather_into_tensor')
    if o.size != n * a.size:
        raise ValueError(f"all_gather_into_tensor: output tensor size must be equal to world_size "
                         f"times input tensor size: got output of shape {list(output_tensor.shape)} and "
                         f"input of shape {list(input_tensor.shape)} with world_size {n}")
    rb, fin = _recv_buf(output_tensor)
    sb = _send_buf(input_tensor)
    req = g._comm.Iallgather(sb, rb.reshape(-1))
    return _work([req], fin, (sb, rb), g, async_op)


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    a = _check_tensor(tensor)
    g = _group(group)
    if g is None:
        return None
    root = _root(g, dst, group_dst, 'dst')
    n = g.size()
    sb = _send_buf(tensor)
    if g.rank() == root:
        if gather_list is None or len(gather_list) != n:
            raise ValueError(f"Argument ``gather_list`` must be specified on destination rank and hold "
                             f"{n} tensors")
        for t in gather_list:
            _check_tensor(t, 'gather_list')
            _check_same(t, a, 'gather')
            if t._data.size != a.size:
                raise ValueError("gather: tensors in gather_list must have the input's size")
        out = np.empty((n,) + a.shape, a.dtype)

        def fin():
            for i, t in enumerate(gather_list):
                np.copyto(t._data, out[i].reshape(t._data.shape))
                _bump(t)
        req = g._comm.Igather(sb, _move_view(out), root=root)
        return _work([req], fin, (sb, out), g, async_op)
    if gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    req = g._comm.Igather(sb, None, root=root)
    return _work([req], None, (sb,), g, async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    a = _check_tensor(tensor)
    g = _group(group)
    if g is None:
        return None
    root = _root(g, src, group_src)
    n = g.size()
    rb, fin = _recv_buf(tensor)
    if g.rank() == root:
        if scatter_list is None or len(scatter_list) != n:
            raise ValueError(f"Argument ``scatter_list`` must be specified on source rank and hold {n} tensors")
        for t in scatter_list:
            _check_tensor(t, 'scatter_list')
            _check_same(t, a, 'scatter')
            if t._data.size != a.size:
                raise ValueError("scatter: tensors in scatter_list must have the output's size")
        src_arr = np.stack([t._data.reshape(a.shape) for t in scatter_list]) if n else np.empty((0,) + a.shape, a.dtype)
        sb = _move_view(src_arr)
        req = g._comm.Iscatter(sb, rb, root=root)
        return _work([req], fin, (sb, rb), g, async_op)
    if scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    req = g._comm.Iscatter(None, rb, root=root)
    return _work([req], fin, (rb,), g, async_op)


def _reduce_scatter_arrays(g, o_tensor, src, op, async_op):
    """src: contiguous (n, *out.shape) array of the output dtype."""
    o = o_tensor._data
    cdt, mop = _red_setup(op, o.dtype)
    n = g.size()
    if src.dtype != cdt:
        src = src.astype(cdt)
    if cdt == o.dtype and o.flags.c_contiguous:
        rb = o
    else:
        rb = np.empty(o.shape, cdt)

    def fin():
        if op == ReduceOp.AVG:
            _avg_fix(rb, n)
        if rb is not o:
            np.copyto(o, rb, casting='unsafe')
        _bump(o_tensor)
    req = g._comm.Ireduce_scatter_block(src, rb, mop)
    return _work([req], fin, (src, rb), g, async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    o = _check_tensor(output, 'output')
    g = _group(group)
    if g is None:
        return None
    n = g.size()
    if len(input_list) != n:
        raise ValueError(f"reduce_scatter: input_list must hold {n} tensors (the group size)")
    for t in input_list:
        _check_tensor(t, 'input_list')
        _check_same(t, o, 'reduce_scatter')
        if t._data.size != o.size:
            raise ValueError("reduce_scatter: every input must have the output's size")
    src = np.stack([t._data.reshape(o.shape) for t in input_list])
    return _reduce_scatter_arrays(g, output, src, op, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    o = _check_tensor(output, 'output')
    a = _check_tensor(input, 'input')
    g = _group(group)
    if g is None:
        return None
    n = g.size()
    _check_same(input, o, 'reduce_scatter_tensor')
    if a.size != n * o.size:
        raise ValueError(f"reduce_scatter_tensor: input tensor must be the same size as output size times "
                         f"world size: got input of shape {list(input.shape)}, output of shape "
                         f"{list(output.shape)} and world_size {n}")
    src = _contig(a).reshape((n,) + o.shape)
    return _reduce_scatter_arrays(g, output, src, op, async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,
                      async_op=False):
    o = _check_tensor(output, 'output')
    a = _check_tensor(input, 'input')
    g = _group(group)
    if g is None:
        return None
    n = g.size()
    _check_same(input, o, 'all_to_all_single')
    row_in = int(np.prod(a.shape[1:])) if a.ndim else 1
    row_out = int(np.prod(o.shape[1:])) if o.ndim else 1
    if input_split_sizes is None or len(input_split_sizes) == 0:
        if a.ndim == 0 or a.shape[0] % n:
            raise ValueError(f"all_to_all_single: input of shape {list(input.shape)} cannot be split evenly "
                             f"in {n}")
        input_split_sizes = [a.shape[0] // n] * n
    if output_split_sizes is None or len(output_split_sizes) == 0:
        if o.ndim == 0 or o.shape[0] % n:
            raise ValueError(f"all_to_all_single: output of shape {list(output.shape)} cannot be split evenly "
                             f"in {n}")
        output_split_sizes = [o.shape[0] // n] * n
    scount = np.array(input_split_sizes, dtype=np.int64) * row_in
    rcount = np.array(output_split_sizes, dtype=np.int64) * row_out
    sdisp = np.concatenate([[0], np.cumsum(scount)[:-1]])
    rdisp = np.concatenate([[0], np.cumsum(rcount)[:-1]])
    sb = _send_buf(input).reshape(-1)
    rb, fin = _recv_buf(output)
    req = g._comm.Ialltoallv([sb, (scount.tolist(), sdisp.tolist())],
                             [rb.reshape(-1), (rcount.tolist(), rdisp.tolist())])
    return _work([req], fin, (sb, rb), g, async_op)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    g = _group(group)
    if g is None:
        return None
    n = g.size()
    if len(output_tensor_list) != n or len(input_tensor_list) != n:
        raise ValueError(f"all_to_all: both tensor lists must hold {n} tensors (the group size)")
    ref = _check_tensor(input_tensor_list[0], 'input_tensor_list')
    for t in list(input_tensor_list) + list(output_tensor_list):
        _check_tensor(t)
        _check_same(t, ref, 'all_to_all')
    scount = [t._data.size for t in input_tensor_list]
    rcount = [t._data.size for t in output_tensor_list]
    sb = _move_view(np.concatenate([t._data.reshape(-1) for t in input_tensor_list]) if n
                    else np.empty(0, ref.dtype))
    out = np.empty(sum(rcount), ref.dtype)
    sdisp = np.concatenate([[0], np.cumsum(scount)[:-1]]).tolist()
    rdisp = np.concatenate([[0], np.cumsum(rcount)[:-1]]).tolist()

    def fin():
        for t, d, c in zip(output_tensor_list, rdisp, rcount):
            np.copyto(t._data, out[d:d + c].reshape(t._data.shape))
            _bump(t)
    req = g._comm.Ialltoallv([sb, (scount, sdisp)], [_move_view(out), (rcount, rdisp)])
    return _work([req], fin, (sb, out), g, async_op)


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    g = _group(group)
    if g is None:
        return None
    w = Work([g._comm.Ibarrier()], None, (), timeout if timeout is not None else g._timeout)
    if async_op:
        return w
    w.wait()
    return None


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    barrier(group, timeout=timeout)


# ------------------------------------------------------------------ point to point

def _peer(g, peer, group_peer, what):
    if peer is not None and group_peer is not None:
        raise ValueError(f"Can not specify both {what} and group_{what}")
    if group_peer is not None:
        return group_peer
    if peer is None:
        raise ValueError(f"Must specify either {what} or group_{what}")
    if peer not in g._g2l:
        raise ValueError(f"Global rank {peer} is not part of group {g}")
    return g._g2l[peer]


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    _check_tensor(tensor)
    g = _group(group)
    if g is None:
        return None
    d = _peer(g, dst, group_dst, 'dst')
    if d == g.rank():
        raise ValueError("Invalid destination rank: should not be the same as rank of the current process.")
    sb = _send_buf(tensor)
    req = g._comm.Isend(sb, dest=d, tag=tag)
    return Work([req], None, (sb,), g._timeout)


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    _check_tensor(tensor)
    g = _group(group)
    if g is None:
        return None
    MPI = _mpi()
    s = MPI.ANY_SOURCE if src is None and group_src is None else _peer(g, src, group_src, 'src')
    rb, fin0 = _recv_buf(tensor)
    status = MPI.Status()
    req = g._comm.Irecv(rb, source=s, tag=tag)
    w = Work([req], None, (rb,), g._timeout, status=status)

    def fin():
        fin0()
        w._result = g._ranks[status.Get_source()]   # the sender's global rank
    w._finish = fin
    return w


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    w = isend(tensor, dst, group, tag, group_dst)
    if w is not None:
        w.wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into ``tensor``; returns the sender's rank (-1 for a non-member)."""
    w = irecv(tensor, src, group, tag, group_src)
    if w is None:
        return -1
    w.wait()
    return w._result


# ------------------------------------------------------------------ objects (pickled)

def all_gather_object(object_list, obj, group=None):
    g = _group(group)
    if g is None:
        return
    got = g._comm.allgather(obj)
    if len(object_list) != len(got):
        raise ValueError(f"all_gather_object: object_list must have {len(got)} entries (the group size)")
    object_list[:] = got


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    g = _group(group)
    if g is None:
        return
    root = _root(g, src, group_src)
    got = g._comm.bcast(list(object_list) if g.rank() == root else None, root=root)
    if g.rank() != root:
        if len(object_list) != len(got):
            raise ValueError("broadcast_object_list: object_list must have the same length on every rank")
        object_list[:] = got


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    g = _group(group)
    if g is None:
        return
    root = _root(g, dst, group_dst, 'dst')
    got = g._comm.gather(obj, root=root)
    if g.rank() == root:
        if object_gather_list is None or len(object_gather_list) != len(got):
            raise ValueError("Argument ``object_gather_list`` must be specified on destination rank with "
                             "one entry per rank")
        object_gather_list[:] = got


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None):
    g = _group(group)
    if g is None:
        return
    root = _root(g, src, group_src)
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at least 1.")
    if g.rank() == root and (scatter_object_input_list is None or len(scatter_object_input_list) != g.size()):
        raise ValueError("scatter_object_input_list must hold one object per rank on the source rank")
    got = g._comm.scatter(list(scatter_object_input_list) if g.rank() == root else None, root=root)
    scatter_object_output_list[0] = got
