import time
import ember as torch
import ember.distributed as dist
dist.init_process_group()
if dist.get_rank() == 1:
    raise ValueError("rank one exploded")
dist.all_reduce(torch.ones(3))   # rank 0 would hang here without the abort
time.sleep(60)
