"""ember.distributed on MPI: multi-process tests run 2 ranks through the launcher."""
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import ember
import ember.distributed as dist
from ember import nn
from ember.nn.parallel import DistributedDataParallel, DataParallel

torch = pytest.importorskip('torch')

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, 'scripts')
PY = sys.executable


def launch(script, *args, n=2, timeout=120):
    return subprocess.run([PY, '-m', 'ember.distributed.run', '--nproc-per-node', str(n),
                           os.path.join(SCRIPTS, script), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def test_available():
    assert dist.is_available()
    assert dist.is_mpi_available() and dist.is_gloo_available() and not dist.is_nccl_available()


def test_collectives_two_ranks():
    p = launch('collectives.py')
    assert p.returncode == 0, p.stdout + p.stderr
    assert 'rank 0: collectives OK' in p.stdout and 'rank 1: collectives OK' in p.stdout


def test_failing_rank_aborts_job_quickly():
    t0 = time.monotonic()
    p = launch('fail.py', timeout=60)
    assert p.returncode != 0
    assert time.monotonic() - t0 < 30
    assert 'ValueError: rank one exploded' in p.stderr
    assert 'Traceback' in p.stderr and 'rank 1 failed' in p.stderr


class TNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(5, 7)
        self.b = torch.nn.Linear(7, 3)
        self.unused = torch.nn.Linear(2, 2)
        self.register_buffer('count', torch.zeros(1))

    def forward(self, x, use_b=True):
        self.count += 1
        h = torch.tanh(self.a(x))
        return self.b(h) if use_b else h[:, :3]


def torch_reference(mode, n=2):
    """Single-process torch training: the mean of the per-rank losses (= DDP's averaged grads)."""
    torch.manual_seed(0)
    m = TNet()
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.standard_normal((4 * n, 5)).astype(np.float32))
    Y = torch.from_numpy(rng.standard_normal((4 * n, 3)).astype(np.float32))
    init = {k: v.detach().numpy().copy() for k, v in m.named_parameters()}
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    for step in range(3):
        opt.zero_grad()
        total = 0
        for r in range(n):
            x, y = X[4 * r:4 * r + 4], Y[4 * r:4 * r + 4]
            if mode == 'nosync':
                lr_ = ((m(x[:2]) - y[:2]) ** 2).sum() / 4 + ((m(x[2:]) - y[2:]) ** 2).sum() / 4
            elif mode == 'unused':
                o = m(x, use_b=not (step == 1 and r == 1))
                lr_ = ((o - y[:, :o.shape[1]]) ** 2).mean()
            else:
                lr_ = ((m(x) - y) ** 2).mean()
            total = total + lr_
        (total / n).backward()
        opt.step()
    final = {k: v.detach().numpy() for k, v in m.state_dict().items()}
    return init, final


@pytest.mark.parametrize('mode', ['plain', 'nosync', 'unused', 'view', 'buffers'])
def test_ddp_two_ranks_matches_single_process(mode, tmp_path):
    init, ref = torch_reference(mode)
    np.savez(tmp_path / 'init.npz', **init)
    out = tmp_path / 'out.npz'
    p = launch('ddp.py', out, mode, tmp_path / 'init.npz')
    assert p.returncode == 0, p.stdout + p.stderr
    got = np.load(out)
    assert sorted(got.files) == sorted(ref)
    for k in ref:
        if k == 'count':
            # every forward counts once per process; rank 0's value is broadcast
            assert got[k][0] == (6 if mode == 'nosync' else 3), got[k]
            continue
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-5, atol=1e-6, err_msg=k)
    # the untrained layer kept its init (no gradient anywhere)
    np.testing.assert_array_equal(got['unused.weight'], init['unused.weight'])


# ---------------------------------------------------------------- world size 1, in process

@pytest.fixture
def world1():
    dist.init_process_group('gloo')
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_not_initialized_errors():
    assert not dist.is_initialized()
    for f in (dist.get_rank, dist.get_world_size):
        with pytest.raises(ValueError, match='Default process group has not been initialized'):
            f()
    with pytest.raises(ValueError, match='Default process group has not been initialized'):
        dist.all_reduce(ember.ones(2))


def test_nccl_and_bad_backend():
    with pytest.raises(RuntimeError, match='NCCL'):
        dist.init_process_group('nccl')
    with pytest.raises(ValueError, match='Invalid backend'):
        dist.init_process_group('foo')
    assert not dist.is_initialized()


def test_world_size_one_no_launcher(world1):
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    assert dist.get_backend() == 'gloo'
    with pytest.raises(ValueError, match='twice'):
        dist.init_process_group()
    t = ember.tensor([1.0, 2.0])
    dist.all_reduce(t)
    assert t.tolist() == [1.0, 2.0]
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    assert t.tolist() == [1.0, 2.0]
    out = [ember.zeros(2)]
    dist.all_gather(out, t)
    assert out[0].tolist() == [1.0, 2.0]
    objs = [None]
    dist.all_gather_object(objs, {'a': 1})
    assert objs == [{'a': 1}]
    dist.barrier()
    z = ember.tensor(3.0)
    dist.all_reduce(z, op=dist.ReduceOp.MAX)
    dist.broadcast(z, 0)
    assert z.item() == 3.0
    e = ember.zeros(0, 3)
    dist.all_reduce(e)
    assert e.shape == (0, 3)
    assert dist.is_torchelastic_launched() is False or 'TORCHELASTIC_RUN_ID' in os.environ
    assert repr(dist.ReduceOp.SUM) == repr(torch.distributed.ReduceOp.SUM)
    assert int(dist.ReduceOp.MAX) == int(torch.distributed.ReduceOp.MAX)
    with pytest.raises(TypeError):
        dist.all_reduce(np.ones(2))


def test_ddp_world1_matches_module_and_state_dict(world1):
    ember.manual_seed(0)
    m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    ddp = DistributedDataParallel(m)
    assert ddp.module is m
    tm = torch.nn.parallel.DistributedDataParallel.__new__(torch.nn.parallel.DistributedDataParallel)
    assert list(ddp.state_dict()) == ['module.0.weight', 'module.0.bias', 'module.2.weight', 'module.2.bias']
    assert repr(ddp) == ('DistributedDataParallel(\n  (module): Sequential(\n    (0): Linear(in_features=4, '
                         'out_features=3, bias=True)\n    (1): ReLU()\n    (2): Linear(in_features=3, '
                         'out_features=2, bias=True)\n  )\n)')
    del tm
    x = ember.randn(5, 4)
    ddp(x).sum().backward()
    g1 = [p.grad.numpy().copy() for p in m.parameters()]
    m.zero_grad()
    m(x).sum().backward()
    for a, p in zip(g1, m.parameters()):
        np.testing.assert_array_equal(a, p.grad.numpy())
    with ddp.no_sync():
        ddp(x).sum().backward()
    with pytest.raises(ValueError, match='device_ids'):
        DistributedDataParallel(m, device_ids=[0])
    with pytest.raises(NotImplementedError, match='mixed_precision'):
        DistributedDataParallel(m, mixed_precision=object())
    frozen = nn.Linear(2, 2).requires_grad_(False)
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
        DistributedDataParallel(frozen)


def test_ddp_requires_init():
    with pytest.raises(ValueError, match='Default process group has not been initialized'):
        DistributedDataParallel(nn.Linear(2, 2))


def test_data_parallel_single_device():
    ember.manual_seed(0)
    m = nn.Linear(3, 2)
    dp = DataParallel(m)
    tm = torch.nn.DataParallel(torch.nn.Linear(3, 2))
    assert repr(dp) == repr(tm)
    assert list(dp.state_dict()) == list(tm.state_dict()) == ['module.weight', 'module.bias']
    x = ember.randn(4, 3)
    np.testing.assert_array_equal(dp(x).detach().numpy(), m(x).detach().numpy())
    dp(x).sum().backward()
    assert m.weight.grad is not None
    assert dp.device_ids == tm.device_ids == []


# ---------------------------------------------------------------- multiprocessing

def _ok(i, q):
    q.put(i * 10)


def _boom(i):
    if i == 1:
        raise KeyError('child failed')


def test_multiprocessing_spawn():
    import ember.multiprocessing as mp
    ctx = mp.get_context('fork')
    q = ctx.SimpleQueue()
    mp.spawn(_ok, args=(q,), nprocs=2, start_method='fork')
    assert sorted([q.get(), q.get()]) == [0, 10]
    with pytest.raises(mp.ProcessRaisedException, match="KeyError: 'child failed'") as ei:
        mp.spawn(_boom, nprocs=2, start_method='fork')
    assert ei.value.error_index == 1
    ctx = mp.spawn(_boom, nprocs=1, join=False, start_method='fork')
    while not ctx.join():
        pass
    assert mp.Process is not None and mp.Queue is not None and mp.Pool is not None


def test_ddp_errors_unused_and_timeouts_two_ranks():
    p = launch('ddp_errors.py')
    assert p.returncode == 0, p.stdout + p.stderr
    assert 'rank 0: ddp errors OK' in p.stdout and 'rank 1: ddp errors OK' in p.stdout


def test_launcher_env_and_exit_status(tmp_path):
    s = tmp_path / 's.py'
    s.write_text("import os, sys\n"
                 f"print('ENV', os.environ['RANK'], os.environ['WORLD_SIZE'], os.environ['LOCAL_RANK'],\n"
                 "      os.environ['LOCAL_WORLD_SIZE'], os.environ['MASTER_ADDR'], os.environ['MASTER_PORT'],\n"
                 f"      sys.argv[1:], __name__, file=open(r'{tmp_path}/o' + os.environ['RANK'], 'w'))\n"
                 "if os.environ['RANK'] == '1' and sys.argv[1] == 'fail':\n"
                 "    sys.exit(3)\n")
    p = subprocess.run([PY, '-m', 'ember.distributed.run', '--nproc_per_node=2', '--master-port', '1234',
                        str(s), 'ok', '--x'], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    lines = [(tmp_path / f'o{k}').read_text().strip() for k in range(2)]
    assert lines == ["ENV 0 2 0 2 127.0.0.1 1234 ['ok', '--x'] __main__",
                     "ENV 1 2 1 2 127.0.0.1 1234 ['ok', '--x'] __main__"]
    p = subprocess.run([PY, '-m', 'ember.distributed.run', '--nproc-per-node', '2', str(s), 'fail'],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert 'rank 1 exited with status 3' in p.stderr


def test_without_mpi4py_says_how_to_install():
    code = ("import sys; sys.modules['mpi4py'] = None; sys.modules['mpi4py.MPI'] = None\n"
            "import ember.distributed as d\n"
            "assert not d.is_available()\n"
            "try:\n    d.init_process_group()\nexcept RuntimeError as e:\n    print(e)\n")
    p = subprocess.run([PY, '-c', code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert 'pip install ember[distributed]' in p.stdout


from dist_mp_workers import _writer, _hogwild, _echo  # noqa: E402  (spawned children import it, not torch)


@pytest.mark.parametrize('method', ['fork', 'spawn'])
def test_multiprocessing_shared_tensors(method):
    import ember.multiprocessing as mp
    t = ember.zeros(4)
    assert not mp.is_shared(t)
    mp.share_memory_(t)
    assert mp.is_shared(t) and t.tolist() == [0.0] * 4
    mp.spawn(_writer, args=(t,), nprocs=2, start_method=method)
    assert t.tolist() == [100.0, 101.0, 0.0, 0.0]
    if method == 'spawn':
        return
    ctx = mp.get_context(method)
    qi, qo = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=_echo, args=(qi, qo))
    p.start()
    s = ember.arange(5.0)[1:4]          # a non-shared view: copied once into shared memory
    qi.put(s)
    back = qo.get()
    p.join()
    assert back.tolist() == [2.0, 3.0, 4.0] and mp.is_shared(back)


def test_hogwild_shared_model():
    import ember.multiprocessing as mp
    ember.manual_seed(0)
    model = nn.Linear(3, 1)
    before = model.weight.detach().numpy().copy()
    for p in model.parameters():
        mp.share_memory_(p)
    mp.spawn(_hogwild, args=(model, 20), nprocs=2, start_method='fork')
    after = model.weight.detach().numpy()
    assert not np.allclose(before, after)          # the children trained the parent's model
    x = ember.randn(64, 3)
    loss = ((model(x) - x.sum(1, keepdim=True)) ** 2).mean().item()
    assert loss < 1.0
