"""Run with 2+ ranks: every collective against the expected NumPy result (asserts)."""
import numpy as np
import ember as torch
import ember.distributed as dist
from ember.distributed import ReduceOp

dist.init_process_group(backend='mpi')
r, n = dist.get_rank(), dist.get_world_size()
assert dist.is_initialized() and dist.get_backend() == 'mpi'


def vals(rank, dtype, shape=(2, 3)):
    base = np.arange(int(np.prod(shape))).reshape(shape) % 4 + 1 + rank
    if dtype == torch.bool:
        return torch.tensor((base + rank) % 2 == 0)
    return torch.tensor(base, dtype=dtype)


def npv(t):
    return t.float().numpy() if t.dtype in (torch.bfloat16, torch.float16) else t.numpy()


ops = {ReduceOp.SUM: np.sum, ReduceOp.PRODUCT: np.prod, ReduceOp.MIN: np.min, ReduceOp.MAX: np.max,
       ReduceOp.AVG: np.mean}
for dt in (torch.float32, torch.float64, torch.int64, torch.int32, torch.bfloat16, torch.float16,
           torch.uint8, torch.complex64):
    stack = np.stack([npv(vals(k, dt)) for k in range(n)])
    for op, f in ops.items():
        if dt == torch.complex64 and op in (ReduceOp.MIN, ReduceOp.MAX):
            continue
        t = vals(r, dt)
        dist.all_reduce(t, op=op)
        exp = f(stack, axis=0)
        if op == ReduceOp.AVG and not dt.is_floating_point and not dt.is_complex:
            exp = np.floor_divide(stack.sum(0), n)
        assert t.dtype == dt, (t.dtype, dt)
        np.testing.assert_allclose(npv(t), exp.astype(npv(t).dtype), rtol=1e-2 if dt in (torch.bfloat16, torch.float16) else 1e-6,
                                   err_msg=f"all_reduce {op!r} {dt}")
        # reduce to rank 1
        t = vals(r, dt)
        w = dist.reduce(t, dst=n - 1, op=op, async_op=True)
        w.wait()
        assert w.is_completed()
        np.testing.assert_allclose(npv(t), (exp if r == n - 1 else npv(vals(r, dt))).astype(npv(t).dtype),
                                   rtol=1e-2, err_msg=f"reduce {op!r} {dt}")
# bool all_reduce: SUM = logical or, MIN = and
b = vals(r, torch.bool)
stack = np.stack([vals(k, torch.bool).numpy() for k in range(n)])
dist.all_reduce(b)
assert b.dtype == torch.bool and (b.numpy() == stack.any(0)).all()
# bitwise
t = torch.tensor([r + 1, 6], dtype=torch.int32)
dist.all_reduce(t, op=ReduceOp.BOR)
exp = np.bitwise_or.reduce(np.array([[k + 1, 6] for k in range(n)], np.int32))
assert (t.numpy() == exp).all()
# non-contiguous tensor all_reduce
base = torch.arange(12.).reshape(3, 4) * (r + 1)
v = base.t()
dist.all_reduce(v)
assert np.allclose(base.numpy(), np.arange(12.).reshape(3, 4) * sum(range(1, n + 1)))
# async all_reduce
t = torch.ones(1000) * r
w = dist.all_reduce(t, async_op=True)
assert w.wait() is True and w.is_completed()
assert np.all(t.numpy() == sum(range(n)))
# broadcast (from the last rank), bfloat16 + non-contiguous
for dt in (torch.float32, torch.bfloat16, torch.int64, torch.bool):
    t = vals(r, dt)
    dist.broadcast(t, src=n - 1)
    assert (npv(t) == npv(vals(n - 1, dt))).all(), dt
t = torch.zeros(4, 3).t() + r
dist.broadcast(t, 0)
assert (t.numpy() == 0).all()
# all_gather
out = [torch.zeros(2, 3) for _ in range(n)]
dist.all_gather(out, vals(r, torch.float32))
for k in range(n):
    assert (out[k].numpy() == vals(k, torch.float32).numpy()).all()
out = torch.zeros(2 * n, 3, dtype=torch.bfloat16)
dist.all_gather_into_tensor(out, vals(r, torch.bfloat16))
assert (out.float().numpy() == np.concatenate([npv(vals(k, torch.bfloat16)) for k in range(n)])).all()
out = torch.zeros(n, 2, 3, dtype=torch.int64)
dist.all_gather_into_tensor(out, vals(r, torch.int64))
assert (out.numpy() == np.stack([vals(k, torch.int64).numpy() for k in range(n)])).all()
# gather / scatter
gl = [torch.zeros(2, 3) for _ in range(n)] if r == 0 else None
dist.gather(vals(r, torch.float32), gl, dst=0)
if r == 0:
    for k in range(n):
        assert (gl[k].numpy() == vals(k, torch.float32).numpy()).all()
t = torch.zeros(2, 3)
dist.scatter(t, [vals(k, torch.float32) * 10 for k in range(n)] if r == 1 else None, src=1)
assert (t.numpy() == vals(r, torch.float32).numpy() * 10).all()
# reduce_scatter
inp = [vals(r, torch.float64) + k for k in range(n)]
o = torch.zeros(2, 3, dtype=torch.float64)
dist.reduce_scatter(o, inp, op=ReduceOp.MAX)
assert (o.numpy() == np.max([vals(k, torch.float64).numpy() + r for k in range(n)], 0)).all()
inp = torch.arange(4 * n, dtype=torch.float32) * (r + 1)
o = torch.zeros(4)
dist.reduce_scatter_tensor(o, inp)
assert (o.numpy() == np.arange(4 * n, dtype=np.float32)[4 * r:4 * r + 4] * sum(range(1, n + 1))).all()
# all_to_all
inp = [torch.tensor([r * 10 + k, -1.0]) for k in range(n)]
outl = [torch.zeros(2) for _ in range(n)]
dist.all_to_all(outl, inp)
for k in range(n):
    assert outl[k].tolist() == [k * 10 + r, -1.0]
inp = torch.arange(n * 2, dtype=torch.float32) + 100 * r
o = torch.zeros(n * 2)
dist.all_to_all_single(o, inp)
assert o.tolist() == sum([[100 * k + 2 * r, 100 * k + 2 * r + 1] for k in range(n)], [])
# send / recv / isend / irecv
if r == 0:
    dist.send(torch.tensor([1.5, 2.5], dtype=torch.float64), dst=1)
    w = dist.isend(torch.arange(6).reshape(2, 3), dst=1, tag=7)
    w.wait()
    got = torch.zeros(3, dtype=torch.bfloat16)
    src = dist.recv(got)
    assert src == 1 and got.tolist() == [1.0, 2.0, 3.0]
elif r == 1:
    t = torch.zeros(2, dtype=torch.float64)
    assert dist.recv(t, src=0) == 0 and t.tolist() == [1.5, 2.5]
    t = torch.zeros(2, 3, dtype=torch.int64)
    w = dist.irecv(t, src=0, tag=7)
    assert w.wait() and t.tolist() == [[0, 1, 2], [3, 4, 5]]
    dist.send(torch.tensor([1.0, 2.0, 3.0], dtype=torch.bfloat16), dst=0)
# objects
objs = [None] * n
dist.all_gather_object(objs, {'rank': r, 't': torch.tensor([float(r)])})
assert [o['rank'] for o in objs] == list(range(n)) and objs[1]['t'].tolist() == [1.0]
lst = [r, 'x', None] if r == 0 else [None, None, None]
dist.broadcast_object_list(lst, src=0)
assert lst == [0, 'x', None]
go = [None] * n if r == 0 else None
dist.gather_object(r * 2, go, dst=0)
if r == 0:
    assert go == [2 * k for k in range(n)]
so = [None]
dist.scatter_object_list(so, [f"o{k}" for k in range(n)] if r == 0 else None, src=0)
assert so == [f"o{r}"]
# subgroups: {1} and {0}; a group of rank 1 only
g_odd = dist.new_group([1])
g_all = dist.new_group()
if r == 1:
    assert dist.get_rank(g_odd) == 0 and dist.get_world_size(g_odd) == 1
    t = torch.tensor([5.0])
    dist.all_reduce(t, group=g_odd)
    assert t.tolist() == [5.0]
    dist.broadcast(t, src=1, group=g_odd)
else:
    assert g_odd is dist.GroupMember.NON_GROUP_MEMBER
    assert dist.get_rank(g_odd) == -1 and dist.get_world_size(g_odd) == -1
    assert dist.all_reduce(torch.ones(1), group=g_odd) is None
t = torch.tensor([float(r)])
dist.all_reduce(t, group=g_all, op=ReduceOp.MAX)
assert t.tolist() == [n - 1.0]
assert dist.get_process_group_ranks(g_all) == list(range(n))
if n >= 2:
    g_rev = dist.new_group([n - 1, 0], sort_ranks=False)
    if r in (0, n - 1):
        assert dist.get_rank(g_rev) == (0 if r == n - 1 else 1)
        t = torch.tensor([float(r)])
        dist.broadcast(t, src=n - 1, group=g_rev)
        assert t.tolist() == [n - 1.0]
# errors
try:
    dist.all_reduce(torch.ones(2, dtype=torch.complex64), op=ReduceOp.MAX)
    raise AssertionError('no error')
except RuntimeError:
    pass
try:
    dist.all_gather_into_tensor(torch.zeros(3), torch.zeros(2))
    raise AssertionError('no error')
except ValueError as e:
    assert '[3]' in str(e) and '[2]' in str(e)
dist.barrier()
w = dist.barrier(async_op=True)
w.wait()
dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {r}: collectives OK", flush=True)
