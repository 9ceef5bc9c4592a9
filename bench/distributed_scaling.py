"""Scaling report for ember.distributed (issue 9): all-reduce bandwidth and DDP step time.

    python bench/distributed_scaling.py            # runs itself on 1 and 2 ranks via the launcher

Each rank measures; rank 0 prints. The same script runs across machines by giving the
launcher a hostfile: ``python -m ember.distributed.run --hostfile hosts --nproc-per-node N
bench/distributed_scaling.py --worker`` (MPI places the ranks; nothing in the code changes).
"""
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def _median_time(fn, repeats=7, inner=3):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        ts.append((time.perf_counter() - t0) / inner)
    return statistics.median(ts)


def worker():
    import ember
    import ember.distributed as dist
    import ember.nn as nn
    from ember.nn.parallel import DistributedDataParallel as DDP
    dist.init_process_group('mpi')
    rank, world = dist.get_rank(), dist.get_world_size()
    rows = []
    for n in (1_000, 100_000, 1_000_000, 4_000_000):
        t = ember.ones(n)

        def ar():
            dist.all_reduce(t)
        s = _median_time(ar)
        # ring all-reduce moves 2(p-1)/p of the buffer per rank
        bw = (4 * n * 2 * (world - 1) / world) / s / 1e9 if world > 1 else float('nan')
        rows.append(f"all_reduce {4 * n / 1e6:8.3f} MB: {s * 1e3:8.3f} ms  bus bandwidth {bw:6.2f} GB/s")

    def mlp():
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)), (64, 784)

    def cifar():
        return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(32 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10)), (100, 3, 32, 32)

    for name, build in (('MLP 784-128-10, batch 64/rank', mlp), ('CIFAR CNN, batch 100/rank', cifar)):
        ember.manual_seed(0)
        model, shape = build()
        model = DDP(model)
        opt = ember.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        rng = np.random.default_rng(rank)
        x = ember.from_numpy(rng.standard_normal(shape).astype(np.float32))
        y = ember.from_numpy(rng.integers(0, 10, shape[0]))

        def step():
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        s = _median_time(step)
        rows.append(f"DDP step {name}: {s * 1e3:8.2f} ms  ({shape[0] * world / s:8.0f} samples/s in total)")
    if rank == 0:
        print(f"== {world} rank{'s' if world > 1 else ''} ==")
        print('\n'.join(rows), flush=True)
    dist.destroy_process_group()


def main():
    if '--worker' in sys.argv:
        return worker()
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1')
    for n in (1, 2):
        subprocess.run([sys.executable, '-m', 'ember.distributed.run', '--nproc-per-node', str(n),
                        os.path.abspath(__file__), '--worker'], env=env, check=True)


if __name__ == '__main__':
    main()
