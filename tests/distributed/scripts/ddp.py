"""Run with 2 ranks: DDP training; rank 0 saves the final parameters to argv[1] (npz).
argv[2]: 'plain' | 'nosync' | 'unused' | 'view' | 'buffers'."""
import sys
import numpy as np
import ember as torch
import ember.distributed as dist
from ember import nn
from ember.nn.parallel import DistributedDataParallel as DDP

out_path, mode = sys.argv[1], sys.argv[2]
dist.init_process_group()
r, n = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(0)
X = rng.standard_normal((4 * n, 5)).astype(np.float32)
Y = rng.standard_normal((4 * n, 3)).astype(np.float32)
init = np.load(sys.argv[3])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(5, 7)
        self.b = nn.Linear(7, 3)
        self.unused = nn.Linear(2, 2)
        self.register_buffer('count', torch.zeros(1))

    def forward(self, x, use_b=True):
        self.count += 1
        h = torch.tanh(self.a(x))
        return self.b(h) if use_b else h[:, :3]


torch.manual_seed(100 + r)   # different init per rank: DDP must broadcast rank 0's
m = Net()
if r == 0:
    with torch.no_grad():
        for k, p in m.named_parameters():
            p.copy_(torch.from_numpy(init[k]))
kw = {}
if mode != 'unused':
    m.unused.requires_grad_(False)   # else DDP (like torch's) reports the unfinished reduction
if mode == 'unused':
    kw['find_unused_parameters'] = True
if mode == 'view':
    kw['gradient_as_bucket_view'] = True
ddp = DDP(m, bucket_cap_mb=0.00005, **kw)
assert len(ddp._buckets) >= 2
if mode == 'buffers' and r == 1:
    m.count.fill_(50.0)   # diverged buffer: the next forward re-broadcasts rank 0's
opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
x, y = torch.from_numpy(X[4 * r:4 * r + 4]), torch.from_numpy(Y[4 * r:4 * r + 4])
for step in range(3):
    opt.zero_grad()
    if mode == 'nosync':
        # two half-batches: first accumulates locally, second syncs
        with ddp.no_sync():
            l1 = ((ddp(x[:2]) - y[:2]) ** 2).sum() / 4
            l1.backward()
        g = [None] * n
        dist.all_gather_object(g, m.a.weight.grad.numpy().copy())
        assert not np.allclose(g[0], g[1]), 'no_sync must not communicate'
        l2 = ((ddp(x[2:]) - y[2:]) ** 2).sum() / 4
        l2.backward()
    elif mode == 'unused':
        use_b = not (step == 1 and r == 1)      # rank 1 skips layer b in step 1
        o = ddp(x, use_b=use_b)
        loss = ((o - y[:, :o.shape[1]]) ** 2).mean()
        loss.backward()
    else:
        loss = ((ddp(x) - y) ** 2).mean()
        loss.backward()
    opt.step()
mine = {k: v.detach().numpy() for k, v in m.state_dict().items()}
got = [None] * n
dist.all_gather_object(got, mine)
for k in mine:
    assert np.array_equal(got[0][k], got[1][k]), k
if mode == 'unused':
    assert m.unused.weight.grad is None
if r == 0:
    np.savez(out_path, **mine)
dist.destroy_process_group()
