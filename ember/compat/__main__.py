"""python -m ember.compat script.py [args...]   (or -m module, or -c code)

Runs a PyTorch program with ``torch``/``torchvision`` resolved to ember (see ember.compat)."""
import os
import runpy
import sys

from . import install

_USAGE = ("usage: python -m ember.compat script.py [args ...]\n"
          "       python -m ember.compat -m module [args ...]\n"
          "       python -m ember.compat -c code [args ...]\n"
          "Runs a PyTorch program with torch/torchvision imports resolved to ember.\n")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-h', '--help'):
        sys.stderr.write(_USAGE) if not argv else sys.stdout.write(_USAGE)
        return 2 if not argv else 0
    install()
    first = argv[0]
    if first in ('-m', '-c'):
        if len(argv) < 2:
            sys.stderr.write(f"ember.compat: argument expected for the {first} option\n" + _USAGE)
            return 2
        if first == '-m':
            sys.argv = [argv[1]] + argv[2:]  # runpy fills in argv[0] with the module's path
            sys.path.insert(0, os.getcwd())
            runpy.run_module(argv[1], run_name='__main__', alter_sys=True)
        else:
            sys.argv = ['-c'] + argv[2:]
            sys.path.insert(0, '')
            code = compile(argv[1], '<string>', 'exec')
            exec(code, {'__name__': '__main__', '__builtins__': __builtins__})
        return 0
    if first.startswith('-'):
        sys.stderr.write(f"ember.compat: unknown option {first}\n" + _USAGE)
        return 2
    if not os.path.exists(first):
        sys.stderr.write(f"ember.compat: can't open file '{first}': No such file or directory\n")
        return 2
    sys.argv = argv
    # like `python script.py`: the script's directory comes first on sys.path
    sys.path[0] = os.path.dirname(os.path.abspath(first))
    runpy.run_path(first, run_name='__main__')
    return 0


if __name__ == '__main__':
    sys.exit(main())
