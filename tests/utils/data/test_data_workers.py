"""DataLoader with worker processes: equality with num_workers=0, seeds, errors, shutdown, leaks."""
import gc
import glob
import os
import signal
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata
from _helpers import same_structure


def child_pids():
    pids = set()
    for f in glob.glob(f'/proc/{os.getpid()}/task/*/children'):
        with open(f) as fh:
            pids.update(int(p) for p in fh.read().split())
    return {p for p in pids if 'resource_tracker' not in _cmdline(p)}   # Python's own helper (spawn)


def _cmdline(pid):
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            return f.read().decode(errors='replace')
    except OSError:
        return ''


def _state(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0]
    except OSError:
        return None


def shm_segments():
    return {n for n in os.listdir('/dev/shm') if n.startswith('ember_dl_')}


@pytest.fixture(autouse=True)
def no_leaks():
    gc.collect()
    before_p, before_s = child_pids(), shm_segments()
    yield
    gc.collect()
    deadline = time.time() + 5
    while time.time() < deadline and (child_pids() - before_p or shm_segments() - before_s):
        time.sleep(0.05)
    assert child_pids() - before_p == set(), "leaked worker processes"
    assert shm_segments() - before_s == set(), "leaked shared-memory segments"


class Images(edata.Dataset):
    """Big (shared-memory) and small (inline) arrays in nested structures."""

    def __init__(self, n=23, size=32):
        self.n, self.size = n, size

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        rng = np.random.default_rng(i)
        img = ember.from_numpy(rng.standard_normal((3, self.size, self.size)).astype(np.float32))
        return {'img': img, 'raw': rng.integers(0, 255, (self.size, 7), dtype=np.uint8)}, i, 0.25 * i


def collect(loader):
    return list(loader)


@pytest.mark.parametrize('workers,bs,pf', [(1, 4, 2), (2, 5, 2), (2, 1, 1), (2, 7, 3)])
def test_workers_equal_single_process(workers, bs, pf):
    ember.manual_seed(0)
    ref = collect(edata.DataLoader(Images(), batch_size=bs, shuffle=True))
    ember.manual_seed(0)
    out = collect(edata.DataLoader(Images(), batch_size=bs, shuffle=True, num_workers=workers, prefetch_factor=pf))
    assert len(out) == len(ref)
    for a, b in zip(out, ref):
        assert a[0]['img'].dtype == ember.float32 and a[1].dtype == ember.int64 and a[2].dtype == ember.float64
        np.testing.assert_array_equal(a[0]['img'].numpy(), b[0]['img'].numpy())
        np.testing.assert_array_equal(a[0]['raw'].numpy(), b[0]['raw'].numpy())
        assert a[1].tolist() == b[1].tolist() and a[2].tolist() == b[2].tolist()


def test_large_batches_grow_shared_memory_and_no_batching():
    ds = Images(n=5, size=300)    # 3*300*300*4 B = 1 MB per image: segments must grow
    out = collect(edata.DataLoader(ds, batch_size=4, num_workers=2))
    ref = collect(edata.DataLoader(ds, batch_size=4))
    for a, b in zip(out, ref):
        np.testing.assert_array_equal(a[0]['img'].numpy(), b[0]['img'].numpy())
    out = collect(edata.DataLoader(ds, batch_size=None, num_workers=2))
    assert isinstance(out[0], list) and out[0][0]['img'].shape == (3, 300, 300)   # default_convert
    assert isinstance(out[0][0]['raw'], ember.Tensor) and out[4][1] == 4


def test_out_of_order_delivery_yields_every_batch():
    out = collect(edata.DataLoader(Images(), batch_size=3, num_workers=2, in_order=False))
    assert sorted(i for b in out for i in b[1].tolist()) == list(range(23))


class WorkerProbe(edata.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = edata.get_worker_info()
        threads = None
        try:
            from threadpoolctl import threadpool_info
            threads = max([d['num_threads'] for d in threadpool_info() if d.get('user_api') == 'blas'] or [1])
        except ImportError:
            pass
        return (info.id, info.num_workers, info.seed, os.getpid(), int(ember.randint(0, 2 ** 30, ()).item()),
                int(np.random.randint(0, 2 ** 30)), os.environ.get('OMP_NUM_THREADS'), threads or 1,
                info.dataset is not None)


def test_worker_info_seeds_and_blas_threads():
    assert edata.get_worker_info() is None
    inits = []
    ember.manual_seed(7)
    loader = edata.DataLoader(WorkerProbe(), batch_size=None, num_workers=2, worker_init_fn=inits.append)
    it = iter(loader)
    base = it._base_seed
    rows = list(it)
    ids = {r[0] for r in rows}
    assert ids == {0, 1} and all(r[1] == 2 for r in rows)
    assert all(r[2] == base + r[0] for r in rows)
    assert len({r[3] for r in rows}) == 2 and os.getpid() not in {r[3] for r in rows}
    per_worker_rand = {r[0]: r[4] for r in rows[:2]}
    assert per_worker_rand[0] != per_worker_rand[1]      # each worker seeded differently
    assert all(r[6] == '1' and r[7] == 1 and r[8] for r in rows)
    # the same base seed gives the same worker random streams
    ember.manual_seed(7)
    rows2 = list(edata.DataLoader(WorkerProbe(), batch_size=None, num_workers=2))
    assert [r[4:6] for r in rows2] == [r[4:6] for r in rows]


class Failing(edata.Dataset):
    def __init__(self, exc=ValueError, at=3):
        self.exc, self.at = exc, at

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.at:
            raise self.exc(f"bad item {i}")
        return np.float32(i)


@pytest.mark.parametrize('exc', [ValueError, KeyError, IndexError])
def test_worker_exception_reraised_with_traceback(exc):
    loader = edata.DataLoader(Failing(exc), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).tolist() == [0.0, 1.0]
    with pytest.raises(exc) as ei:
        next(it)
    msg = str(ei.value)
    assert "Caught " + exc.__name__ + " in DataLoader worker process 1" in msg
    assert "Original Traceback" in msg and "bad item 3" in msg and "in __getitem__" in msg
    assert next(it).tolist() == [4.0, 5.0]       # the loader continues, as torch's does
    del it


def test_worker_init_fn_exception():
    def init(wid):
        raise RuntimeError(f"init failed in {wid}")
    with pytest.raises(RuntimeError, match="Caught RuntimeError in DataLoader worker process 0"):
        list(edata.DataLoader(Failing(), batch_size=2, num_workers=2, worker_init_fn=init))


class Slow(edata.Dataset):
    def __init__(self, n=64, delay=0.0, kill_at=None, sleep_at=None):
        self.n, self.delay, self.kill_at, self.sleep_at = n, delay, kill_at, sleep_at

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if i == self.sleep_at:
            time.sleep(3)
        if self.delay:
            time.sleep(self.delay)
        return np.full(600, i, np.float32)


def test_early_break_shuts_workers_down():
    before = child_pids()
    for k, batch in enumerate(edata.DataLoader(Slow(), batch_size=4, num_workers=2)):
        assert len(child_pids() - before) == 2
        if k == 2:
            break
    gc.collect()
    # the no_leaks fixture checks processes and shared memory


def test_killed_worker_raises():
    t0 = time.time()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) is killed by signal: Killed"):
        list(edata.DataLoader(Slow(kill_at=9), batch_size=2, num_workers=2))
    assert time.time() - t0 < 4


def test_timeout_raises():
    loader = edata.DataLoader(Slow(sleep_at=0), batch_size=2, num_workers=1, timeout=0.3)
    t0 = time.time()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds"):
        list(loader)
    assert time.time() - t0 < 2.5


class Pids(edata.Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        return i, os.getpid()


def test_persistent_workers_reused_across_epochs():
    loader = edata.DataLoader(Pids(), batch_size=3, num_workers=2, persistent_workers=True)
    e1 = list(loader)
    pids1 = {p for b in e1 for p in b[1].tolist()}
    for k, _ in enumerate(loader):      # break mid-epoch: the next epoch starts clean
        if k == 1:
            break
    e3 = list(loader)
    assert [b[0].tolist() for b in e1] == [b[0].tolist() for b in e3] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    assert {p for b in e3 for p in b[1].tolist()} == pids1 and len(pids1) == 2
    loader._iterator._shutdown_workers()
    # non-persistent loaders start new workers each epoch
    plain = edata.DataLoader(Pids(), batch_size=3, num_workers=1)
    assert {p for b in plain for p in b[1].tolist()} != {p for b in plain for p in b[1].tolist()}


def make_sharded(m):
    class Sharded(m.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            info = m.get_worker_info()
            if info is None:
                return iter(range(self.n))
            return iter(range(info.id, self.n, info.num_workers))
    return Sharded


@pytest.mark.parametrize('n,bs,workers,drop', [(11, 2, 2, False), (11, 2, 2, True), (7, None, 2, False),
                                               (5, 3, 1, False), (3, 4, 2, False)])
def test_iterable_sharding_matches_torch(n, bs, workers, drop):
    e = [b.tolist() if hasattr(b, 'tolist') else b
         for b in edata.DataLoader(make_sharded(edata)(n), batch_size=bs, num_workers=workers, drop_last=drop)]
    t = [b.tolist() if hasattr(b, 'tolist') else b
         for b in tdata.DataLoader(make_sharded(tdata)(n), batch_size=bs, num_workers=workers, drop_last=drop)]
    assert e == t


def test_iterable_persistent_restarts_each_epoch():
    loader = edata.DataLoader(make_sharded(edata)(6), batch_size=2, num_workers=2, persistent_workers=True)
    a = [b.tolist() for b in loader]
    b = [b.tolist() for b in loader]
    assert a == b and sorted(sum(a, [])) == list(range(6))
    loader._iterator._shutdown_workers()


def test_spawn_context():
    ds = edata.TensorDataset(ember.arange(10.0).reshape(5, 2))
    out = list(edata.DataLoader(ds, batch_size=2, num_workers=1, multiprocessing_context='spawn'))
    same_structure([o[0] for o in out], [torch.arange(10.0).reshape(5, 2)[i:i + 2] for i in (0, 2, 4)])


class Odd(edata.Dataset):
    """Transport edge cases: non-contiguous, empty, 0-d, bool/float16/complex, a requires_grad leaf."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        big = np.arange(4000, dtype=np.float64).reshape(40, 100) + i
        return {'nc': big[:, ::3], 'T': big.T, 'empty': np.zeros((0, 5), np.float32), 'scalar': np.array(i),
                'b': np.arange(2000) % (i + 2) == 0, 'h': np.linspace(0, 1, 1000).astype(np.float16),
                'c': (np.arange(300) * (1 + 1j)).astype(np.complex128),
                'leaf': ember.ones(500, requires_grad=True)}


def test_transport_edge_cases():
    out = list(edata.DataLoader(Odd(), batch_size=None, num_workers=2))
    ref = [Odd()[i] for i in range(4)]
    for o, r in zip(out, ref):
        for k in r:
            if k == 'leaf':
                assert o[k].requires_grad and o[k].is_leaf and o[k].sum().item() == 500
                continue
            assert isinstance(o[k], ember.Tensor), k
            np.testing.assert_array_equal(o[k].numpy(), r[k], err_msg=k)
            assert o[k].numpy().dtype == r[k].dtype


def test_worker_info_is_read_only():
    info = edata.WorkerInfo(id=1, num_workers=2, seed=5, dataset=None)
    assert repr(info) == "WorkerInfo(id=1, num_workers=2, seed=5, dataset=None)"
    with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo objects"):
        info.id = 3


def test_distributed_sampler_with_workers():
    sampler = edata.DistributedSampler(list(range(10)), num_replicas=2, rank=1, shuffle=False)
    out = [b.tolist() for b in edata.DataLoader(list(range(10)), batch_size=2, sampler=sampler, num_workers=2)]
    assert out == [[1, 3], [5, 7], [9]]
