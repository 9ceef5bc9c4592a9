"""Runs inside each rank started by ``ember.distributed.run``: sets the torchrun-style
environment from MPI, runs the user's script as ``__main__``, and aborts the whole MPI job if
the script fails (so the other ranks do not hang in a collective)."""
import os
import runpy
import sys
import traceback


def main():
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    local = comm.Split_type(MPI.COMM_TYPE_SHARED, key=rank)
    env = os.environ
    env['RANK'] = str(rank)
    env['WORLD_SIZE'] = str(size)
    env['LOCAL_RANK'] = str(local.Get_rank())
    env['LOCAL_WORLD_SIZE'] = str(local.Get_size())
    env['GROUP_RANK'] = str(rank // max(local.Get_size(), 1))
    env.setdefault('MASTER_ADDR', '127.0.0.1')
    env.setdefault('MASTER_PORT', '29500')
    local.Free()
    argv = sys.argv[1:]
    as_module = bool(argv) and argv[0] == '-m'
    if as_module:
        argv = argv[1:]
    if not argv:
        sys.stderr.write("usage: python -m ember.distributed._bootstrap [-m] script [args...]\n")
        comm.Abort(2)
    target = argv[0]
    code = 0
    try:
        if as_module:
            sys.argv = list(argv)
            sys.path.insert(0, os.getcwd())
            runpy.run_module(target, run_name='__main__', alter_sys=True)
        else:
            sys.argv = list(argv)
            sys.path[0] = os.path.dirname(os.path.abspath(target))
            runpy.run_path(target, run_name='__main__')
    except SystemExit as e:
        if e.code is None or e.code == 0:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            sys.stderr.write(f"{e.code}\n")
            code = 1
        if code:
            sys.stderr.write(f"ember.distributed.run: rank {rank} exited with status {code}; "
                             "aborting the job\n")
    except BaseException:
        sys.stderr.write(f"ember.distributed.run: rank {rank} failed:\n")
        traceback.print_exc()
        code = 1
    if code:
        sys.stdout.flush()
        sys.stderr.flush()
        comm.Abort(code)
    sys.exit(0)


if __name__ == '__main__':
    main()
