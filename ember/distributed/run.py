"""The launcher (torchrun's counterpart) on top of MPI's ``mpiexec``:

    python -m ember.distributed.run --nproc-per-node N script.py args...
    python -m ember.distributed.run --nproc-per-node N -m package.module args...
    python -m ember.distributed.run --hostfile hosts --nproc-per-node N script.py   # several machines

Every rank gets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR and
MASTER_PORT, so ``init_process_group()`` needs no arguments. If a rank raises, its traceback is
printed and the whole job is aborted (exit status 1), instead of leaving the others hanging.
"""
import argparse
import os
import shutil
import sys

_HINT = "ember.distributed.run needs MPI: pip install ember[distributed] (that is: pip install mpich mpi4py)"


def _mpiexec():
    here = os.path.join(os.path.dirname(os.path.abspath(sys.executable)), 'mpiexec')
    if os.path.exists(here):
        return here
    found = shutil.which('mpiexec')
    if found is None:
        raise SystemExit(f"error: mpiexec not found. {_HINT}")
    return found


def _nproc(v):
    if v in ('auto', 'cpu'):
        return os.cpu_count() or 1
    if v == 'gpu':
        raise argparse.ArgumentTypeError("--nproc-per-node=gpu: ember runs on CPUs only")
    try:
        n = int(v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid --nproc-per-node {v!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--nproc-per-node must be >= 1")
    return n


def get_args_parser():
    p = argparse.ArgumentParser(prog='python -m ember.distributed.run',
                                description="Start N processes of a training script with MPI "
                                            "(ember's torchrun).")
    p.add_argument('--nproc-per-node', '--nproc_per_node', type=_nproc, default=1, dest='nproc_per_node')
    p.add_argument('--nnodes', type=str, default='1',
                   help='number of machines: more than 1 needs --hostfile')
    p.add_argument('--hostfile', type=str, default=None,
                   help="MPI hostfile (one host per line, 'host:slots'): run ranks across machines")
    p.add_argument('--master-addr', '--master_addr', default='127.0.0.1', dest='master_addr')
    p.add_argument('--master-port', '--master_port', type=int, default=29500, dest='master_port')
    p.add_argument('--standalone', action='store_true', help='single machine (the default)')
    p.add_argument('-m', '--module', action='store_true', help='run training_script as a module (python -m)')
    p.add_argument('--no-python', '--no_python', action='store_true', dest='no_python',
                   help='run training_script as an executable, not with python')
    p.add_argument('training_script')
    p.add_argument('training_script_args', nargs=argparse.REMAINDER)
    return p


def build_command(args):
    nnodes = int(args.nnodes.split(':')[-1])
    if nnodes != 1 and args.hostfile is None:
        raise SystemExit("error: --nnodes > 1 needs --hostfile (the machines MPI starts the ranks on)")
    n = args.nproc_per_node * nnodes
    cmd = [_mpiexec(), '-n', str(n)]
    if args.hostfile is not None:
        cmd += ['-f', args.hostfile, '-ppn', str(args.nproc_per_node)]
    if args.no_python:
        if args.module:
            raise SystemExit("error: --no-python and -m cannot be used together")
        cmd += [args.training_script]
    else:
        cmd += [sys.executable, '-u', '-m', 'ember.distributed._bootstrap']
        if args.module:
            cmd += ['-m']
        cmd += [args.training_script]
    cmd += list(args.training_script_args)
    env = dict(os.environ)
    env.update(MASTER_ADDR=str(args.master_addr), MASTER_PORT=str(args.master_port),
               LOCAL_WORLD_SIZE=str(args.nproc_per_node), WORLD_SIZE=str(n))
    env.setdefault('TORCHELASTIC_RUN_ID', 'none')   # what torchrun sets: is_torchelastic_launched()
    return cmd, env


def main(argv=None):
    args = get_args_parser().parse_args(argv)
    cmd, env = build_command(args)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(cmd[0], cmd, env)   # mpiexec's exit status is the job's


if __name__ == '__main__':
    main()
