"""DistributedDataParallel on ember.distributed (MPI).

- Construction: parameter shapes are checked across ranks, then parameters and buffers are
  broadcast from rank 0.
- Gradients are averaged with **bucketed** all-reduce: parameters (in reverse registration
  order, roughly the order backward produces their gradients) are packed into flat buckets of
  ``bucket_cap_mb`` (the first one 1 MiB). A post-accumulate-grad hook on every parameter copies
  its gradient into its bucket; when a bucket is full a non-blocking MPI ``Iallreduce`` starts
  (buckets start in the same order on every rank), so communication overlaps the rest of
  backward. When the last bucket has started, the hook waits for all of them and writes the
  averaged gradients back into ``.grad``.
- ``find_unused_parameters``: at forward the autograd graph is walked from the outputs;
  parameters it does not reach contribute zeros (and parameters unused on every rank keep
  their ``.grad``).
- ``no_sync()``: backward passes inside it only accumulate locally; the next synchronised
  backward all-reduces the accumulated gradients.
- ``broadcast_buffers``: buffers are broadcast from rank 0 before every forward.
"""
from contextlib import contextmanager

import numpy as np

from ..modules.module import Module
from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled
from ... import distributed as dist
from ...distributed import distributed_c10d as _c10d

__all__ = ['DistributedDataParallel']

_FIRST_BUCKET_BYTES = 1024 * 1024
_DEFAULT_BUCKET_MB = 25

_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error "
    "indicates that your module has parameters that were not used in producing loss. You can enable "
    "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
    "`torch.nn.parallel.DistributedDataParallel`, and by \nmaking sure all `forward` function outputs "
    "participate in calculating loss. \nIf you already have done the above, then the distributed data "
    "parallel module wasn't able to locate the output tensors in the return value of your module's "
    "`forward` function. Please include the loss function and the structure of the return value of "
    "`forward` of your module when reporting this issue (e.g. list, dict, iterable).\n"
    "Parameter indices which did not receive grad for rank {rank}: {idx}")


def _tensors_in(obj, out):
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _tensors_in(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _tensors_in(o, out)
    return out


def _reachable_leaves(outputs):
    """ids of the leaf tensors the autograd graph of ``outputs`` reaches."""
    leaves = set()
    stack = []
    seen = set()
    for t in _tensors_in(outputs, []):
        if t._grad_fn is not None:
            if t._grad_fn not in seen:
                seen.add(t._grad_fn)
                stack.append(t._grad_fn)
        elif t._requires_grad:
            leaves.add(id(t))
    while stack:
        n = stack.pop()
        for e in n._next:
            if e is None:
                continue
            if e.__class__ is tuple:
                m = e[0]
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
            else:
                leaves.add(id(e))
    return leaves


class _Bucket:
    __slots__ = ('index', 'params', 'offsets', 'flat', 'pending', 'dtype', 'views')

    def __init__(self, index, params, dtype):
        self.index = index
        self.params = params                    # indices into DDP._params
        self.dtype = dtype                      # the parameters' dtype
        self.offsets = []
        self.views = []
        n = 0
        for p in params:
            self.offsets.append(n)
            n += p.numel()
        # reductions of half types run in float32 (MPI has no half types)
        cdt = np.float32 if (dtype == np.float16 or dtype.name == 'bfloat16') else dtype
        self.flat = np.zeros(n, cdt)
        self.pending = len(params)


class DistributedDataParallel(Module):
    """Data parallelism across the processes of a process group (torch's DDP on MPI)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=None,
                 init_sync=True, process_group=None, bucket_cap_mb=None, find_unused_parameters=False,
                 check_reduction=False, gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None, mixed_precision=None,
                 device_mesh=None, skip_all_reduce_unused_params=False, bucket_cap_mb_list=None,
                 batched_grad_copy=False, forward_sync_buffers=None):
        super().__init__()
        for name, val in (('delay_all_reduce_named_params', delay_all_reduce_named_params),
                          ('param_to_hook_all_reduce', param_to_hook_all_reduce),
                          ('mixed_precision', mixed_precision), ('device_mesh', device_mesh),
                          ('bucket_cap_mb_list', bucket_cap_mb_list)):
            if val is not None:
                raise NotImplementedError(f"DistributedDataParallel({name}=...) is not supported by ember")
        if skip_all_reduce_unused_params:
            raise NotImplementedError("DistributedDataParallel(skip_all_reduce_unused_params=True) is not "
                                      "supported by ember")
        if device_ids is not None or output_device is not None:
            ids = list(device_ids) if device_ids is not None else None
            if not (ids is None or all(str(getattr(d, 'type', d)) == 'cpu' for d in ids)) or \
                    (output_device is not None and str(getattr(output_device, 'type', output_device)) != 'cpu'):
                raise ValueError(
                    "DistributedDataParallel device_ids and output_device arguments only work with "
                    "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                    f"{device_ids}, output_device {output_device}, and module parameters "
                    "{device(type='cpu')}.")
        if any(p.requires_grad for p in module.parameters()) is False:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any "
                               "parameter that requires a gradient.")
        pg = process_group if process_group is not None else _c10d._default()
        if pg is dist.GroupMember.NON_GROUP_MEMBER:
            raise ValueError("DistributedDataParallel: this rank is not a member of process_group")
        self.module = module
        object.__setattr__(self, 'process_group', pg)
        self.device_ids = None
        self.output_device = None
        self.dim = dim
        self.device_type = 'cpu'
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        if forward_sync_buffers is not None:
            self.broadcast_buffers = self.broadcast_buffers and bool(forward_sync_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph     # a hint: ember's reducer needs no graph analysis for it
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        cap = _DEFAULT_BUCKET_MB if bucket_cap_mb is None else bucket_cap_mb
        self.bucket_bytes_cap = int(cap * 1024 * 1024)
        self._world = pg.size()
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._param_names = [n for n, p in module.named_parameters() if p.requires_grad]
        self._verify_shapes()
        if init_sync and self._world > 1:
            self._broadcast([p for p in module.parameters()] + list(module.buffers()))
        self._buckets = self._build_buckets()
        self._loc = {}
        for b in self._buckets:
            for k, (pi, off) in enumerate(zip(b.params, b.offsets)):
                self._loc[pi] = (b, k, off)
        self._armed = False
        self._next = 0
        self._reqs = []
        self._ready = np.zeros(len(self._params), bool)
        self._local_used = None
        self._used_req = None
        self._handles = []
        if self._world > 1:
            for i, p in enumerate(self._params):
                self._handles.append(p.register_post_accumulate_grad_hook(self._make_hook(i)))

    # -------------------------------------------------------------- setup
    def _verify_shapes(self):
        sig = [(tuple(p.shape), str(p.dtype)) for p in self.module.parameters()]
        if self._world == 1:
            return
        allsig = self.process_group._comm.allgather(sig)
        for r, s in enumerate(allsig):
            if s != sig:
                raise RuntimeError(
                    f"DDP expects same model across all ranks, but rank {self.process_group.rank()} has "
                    f"{len(sig)} params while rank {r} has inconsistent {len(s)} params or shapes/dtypes.")

    def _broadcast(self, tensors):
        """Copy rank 0's values of ``tensors`` to every rank (non-blocking broadcasts, one wait)."""
        ws = [dist.broadcast(t.detach(), src=self.process_group._ranks[0], group=self.process_group,
                             async_op=True) for t in tensors]
        for w in ws:
            w.wait()

    def _build_buckets(self):
        buckets = []
        cur, cur_bytes, cur_dt = [], 0, None
        cap = min(_FIRST_BUCKET_BYTES, self.bucket_bytes_cap)
        for i in reversed(range(len(self._params))):
            p = self._params[i]
            dt = p._data.dtype
            if cur and (dt != cur_dt or cur_bytes >= cap):
                buckets.append(_Bucket(len(buckets), [self._params[j] for j in cur], cur_dt))
                buckets[-1].params = cur
                cur, cur_bytes = [], 0
                cap = self.bucket_bytes_cap
            cur.append(i)
            cur_dt = dt
            cur_bytes += p._data.nbytes
        if cur:
            buckets.append(_Bucket(len(buckets), [self._params[j] for j in cur], cur_dt))
            buckets[-1].params = cur
        for b in buckets:
            b.views = [b.flat[off:off + self._params[pi]._data.size].reshape(self._params[pi]._data.shape)
                       for pi, off in zip(b.params, b.offsets)]
        return buckets

    # -------------------------------------------------------------- reducer
    def _reset(self):
        self._next = 0
        self._reqs = []
        self._ready[:] = False
        for b in self._buckets:
            b.pending = len(b.params)

    def _make_hook(self, i):
        def hook(p):
            if self._armed and not self._ready[i]:
                self._mark_ready(i, p._grad)
        return hook

    def _mark_ready(self, i, grad):
        b, k, off = self._loc[i]
        view = b.views[k]
        if grad is None:
            view[...] = 0
        elif grad._data is not view:
            np.copyto(view, grad._data, casting='unsafe')
        self._ready[i] = True
        b.pending -= 1
        if b.pending == 0:
            self._launch_ready()

    def _launch_ready(self):
        MPI = _c10d._mpi()
        comm = self.process_group._comm
        buckets = self._buckets
        inv = 1.0 / self._world
        while self._next < len(buckets) and buckets[self._next].pending == 0:
            flat = buckets[self._next].flat
            flat *= inv           # average: divide first, then sum (like torch)
            self._reqs.append(comm.Iallreduce(MPI.IN_PLACE, flat, MPI.SUM))
            self._next += 1
        if self._next == len(buckets):
            self._finalize()

    def _finalize(self):
        MPI = _c10d._mpi()
        MPI.Request.Waitall(self._reqs)
        gused = None
        if self._used_req is not None:
            self._used_req.Wait()
            gused = self._global_used
        self._armed = False
        params = self._params
        for b in self._buckets:
            for pi, v in zip(b.params, b.views):
                p = params[pi]
                if gused is not None and not self._local_used[pi]:
                    if not gused[pi]:
                        continue      # unused on every rank: .grad untouched
                g = p._grad
                if self.gradient_as_bucket_view and v.dtype == p._data.dtype:
                    if g is None or g._data is not v:
                        p._grad = Tensor._make(v)
                    continue
                if g is None:
                    p._grad = Tensor._make(v.astype(p._data.dtype, copy=True))
                else:
                    np.copyto(g._data, v, casting='unsafe')
                    g._vc[0] += 1
        self._used_req = None
        self._reset()

    def _prepare_for_backward(self, output):
        self._reset()
        self._armed = True
        if self.find_unused_parameters:
            reached = _reachable_leaves(output)
            used = np.array([id(p) in reached for p in self._params], np.int32)
            self._local_used = used
            self._global_used = used.copy()
            MPI = _c10d._mpi()
            self._used_req = self.process_group._comm.Iallreduce(MPI.IN_PLACE, self._global_used, MPI.MAX)
            for i in np.flatnonzero(used == 0):
                self._mark_ready(int(i), None)
                if not self._armed:
                    break

    def _check_previous_reduction(self):
        if self._armed and self._ready.any():
            missing = np.flatnonzero(~self._ready).tolist()
            self._armed = False
            self._reset()
            raise RuntimeError(_UNFINISHED.format(rank=self.process_group.rank(), idx=missing))
        self._armed = False

    def _sync_buffers(self):
        bufs = list(self.module.buffers())
        if bufs:
            self._broadcast(bufs)

    # -------------------------------------------------------------- public
    def forward(self, *inputs, **kwargs):
        if self._world > 1:
            self._check_previous_reduction()
            if self.broadcast_buffers and self.require_forward_param_sync:
                self._sync_buffers()
        out = self.module(*inputs, **kwargs)
        if self._world > 1 and is_grad_enabled() and self.require_backward_grad_sync:
            self._prepare_for_backward(out)
        return out

    @contextmanager
    def no_sync(self):
        """Backward passes inside accumulate gradients locally, without communication; the first
        synchronised backward after it all-reduces the accumulated gradients."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def register_comm_hook(self, state, hook):
        raise NotImplementedError("DistributedDataParallel.register_comm_hook is not supported by ember")

    def join(self, divide_by_initial_world_size=True, enable=True, throw_on_early_termination=False):
        raise NotImplementedError("DistributedDataParallel.join (uneven inputs) is not supported by ember")

    def _get_ddp_logging_data(self):
        return {'world_size': self._world, 'bucket_cap_bytes': self.bucket_bytes_cap,
                'find_unused_parameters': self.find_unused_parameters,
                'gradient_as_bucket_view': self.gradient_as_bucket_view,
                'num_buckets': len(self._buckets)}

    def __getstate__(self):
        raise RuntimeError("DistributedDataParallel cannot be pickled: pickle its .module instead")
