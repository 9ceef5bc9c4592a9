"""2 ranks: DDP's unfinished-reduction error, find_unused_parameters zero contribution, timeouts."""
from datetime import timedelta
import numpy as np
import ember as torch
import ember.distributed as dist
from ember import nn
from ember.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group(timeout=timedelta(seconds=20))
r = dist.get_rank()
m = nn.ModuleDict({'a': nn.Linear(3, 2), 'b': nn.Linear(3, 2)})


class Wrap(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m['a'](x)      # b is never used


ddp = DDP(Wrap())
# parameters broadcast from rank 0 at construction
w = [None, None]
dist.all_gather_object(w, m['b'].weight.detach().numpy().copy())
assert np.array_equal(w[0], w[1])
ddp(torch.ones(1, 3)).sum().backward()
try:
    ddp(torch.ones(1, 3))
    raise AssertionError('expected the unfinished-reduction error')
except RuntimeError as e:
    assert 'Expected to have finished reduction in the prior iteration' in str(e), e
    assert 'find_unused_parameters=True' in str(e)
# the same module with detection works; b keeps grad None
for p in m.parameters():
    p.grad = None
ddp2 = DDP(Wrap(), find_unused_parameters=True)
x = torch.full((2, 3), float(r + 1))
ddp2(x).sum().backward()
assert m['b'].weight.grad is None
np.testing.assert_allclose(m['a'].weight.grad.numpy(), np.full((2, 3), (2 * 1 + 2 * 2) / 2))
# a timed-out wait raises instead of hanging
if r == 0:
    t = torch.zeros(1)
    wk = dist.irecv(t, src=1, tag=99)
    assert not wk.is_completed()
    try:
        wk.wait(timeout=timedelta(seconds=0.2))
        raise AssertionError('expected a timeout')
    except RuntimeError as e:
        assert 'Timed out' in str(e)
dist.barrier()
if r == 1:
    dist.send(torch.ones(1), dst=0, tag=99)
else:
    wk.wait()
    assert t.tolist() == [1.0]
# half-precision parameters: reduced in float32, written back in the parameter's dtype
lin = nn.Linear(2, 2).to(torch.bfloat16)
ddp3 = DDP(lin)
ddp3(torch.full((1, 2), float(r + 1), dtype=torch.bfloat16)).sum().backward()
assert lin.weight.grad.dtype == torch.bfloat16
np.testing.assert_allclose(lin.weight.grad.float().numpy(), np.full((2, 2), 1.5))
print(f"rank {r}: ddp errors OK", flush=True)
