"""ember.nn.parallel: DistributedDataParallel (on ember.distributed / MPI) and DataParallel
(a single-device wrapper: ember runs on one CPU device)."""
from .distributed import DistributedDataParallel  # noqa: F401
from .data_parallel import DataParallel, data_parallel  # noqa: F401

__all__ = ['DistributedDataParallel', 'DataParallel', 'data_parallel']
