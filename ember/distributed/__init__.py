"""ember.distributed: torch.distributed on MPI (mpi4py + the mpich wheel).

Install with ``pip install ember[distributed]`` (= ``pip install mpich mpi4py``). Launch
``python -m ember.distributed.run --nproc-per-node N script.py args...``; inside the script
``init_process_group()`` needs no arguments. A plain ``python script.py`` is a world of size 1.
Across machines: ``python -m ember.distributed.run --hostfile hosts --nproc-per-node N script.py``
(MPI starts the ranks on the listed hosts).
"""
from .distributed_c10d import *  # noqa: F401,F403
from .distributed_c10d import __all__  # noqa: F401
