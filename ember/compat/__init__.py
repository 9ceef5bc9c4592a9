"""Run PyTorch programs on ember: ``torch``/``torchvision`` imports resolve to ember's modules.

    python -m ember.compat script.py [args...]      # a program, unchanged
    python -m ember.compat -m package.module [args...]

or, in a notebook, before the first ``import torch``::

    import ember.compat; ember.compat.install()

For this process only, ``import torch`` gives an alias module of ``ember``, ``torch.nn`` of
``ember.nn``, ``torch.nn.functional``, ``torch.optim``, ``torch.utils.data`` ... of their ember
counterparts (``torch.X`` -> ``ember.X``), and ``torchvision[.X]`` of ``ember.vision[.X]``.
A torch API ember lacks raises an AttributeError (or ModuleNotFoundError for a module) that
names it. Nothing named ``torch`` is installed on disk: libraries that look for a real torch
in other processes are unaffected.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

__all__ = ['install', 'uninstall', 'is_installed', 'ember_name']

_ROOTS = {'torch': 'ember', 'torchvision': 'ember.vision'}
_NOTE = 'this program runs on ember through ember.compat'


def ember_name(name):
    """The ember module a torch module name maps to ('torch.nn' -> 'ember.nn'), or None."""
    top, _, rest = name.partition('.')
    base = _ROOTS.get(top)
    if base is None:
        return None
    return base + ('.' + rest if rest else '')


def _torch_name(ember_mod_name):
    """'ember.nn.functional' -> 'torch.nn.functional'; 'ember.vision.x' -> 'torchvision.x'."""
    if ember_mod_name == 'ember.vision' or ember_mod_name.startswith('ember.vision.'):
        return 'torchvision' + ember_mod_name[len('ember.vision'):]
    if ember_mod_name == 'ember' or ember_mod_name.startswith('ember.'):
        return 'torch' + ember_mod_name[len('ember'):]
    return None


def _missing_module(fullname, ename):
    return ModuleNotFoundError(f"No module named '{fullname}': ember does not implement "
                               f"{fullname} yet (it would be {ename}; {_NOTE})", name=fullname)


class _AliasModule(types.ModuleType):
    """``torch`` (or ``torch.nn`` ...) in sys.modules: forwards attributes to the ember module."""

    def __init__(self, name, target):
        super().__init__(name, target.__doc__)
        object.__setattr__(self, '_ember_module', target)

    def __getattr__(self, attr):
        if attr.startswith('__') and attr.endswith('__'):
            raise AttributeError(f"module '{self.__name__}' has no attribute '{attr}'")
        target = self._ember_module
        try:
            value = getattr(target, attr)
        except AttributeError:
            value = None
            try:  # a submodule ember has but has not imported yet
                importlib.import_module(f"{target.__name__}.{attr}")
            except ModuleNotFoundError as e:
                if e.name != f"{target.__name__}.{attr}":
                    raise
            else:
                value = getattr(target, attr, None)
            if value is None:
                raise AttributeError(
                    f"module '{self.__name__}' has no attribute '{attr}': ember does not "
                    f"implement {self.__name__}.{attr} yet ({_NOTE})") from None
        if isinstance(value, types.ModuleType) and not isinstance(value, _AliasModule):
            tname = _torch_name(value.__name__)
            if tname is not None:
                return importlib.import_module(tname)
        return value

    def __dir__(self):
        return sorted(set(dir(self._ember_module)) | set(self.__dict__))

    def __repr__(self):
        return f"<module '{self.__name__}' (ember.compat alias of '{self._ember_module.__name__}')>"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, ename):
        self.ename = ename

    def create_module(self, spec):
        target = importlib.import_module(self.ename)
        return _AliasModule(spec.name, target)

    def exec_module(self, module):
        pass


class _TorchFinder(importlib.abc.MetaPathFinder):
    """Resolves torch / torchvision imports to ember before any real torch on sys.path."""

    def find_spec(self, fullname, path=None, target=None):
        ename = ember_name(fullname)
        if ename is None:
            return None
        try:
            found = importlib.util.find_spec(ename)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise _missing_module(fullname, ename)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(ename), is_package=True)


_finder = _TorchFinder()


def is_installed():
    return _finder in sys.meta_path


def install():
    """Make ``import torch``/``import torchvision`` resolve to ember in this process.

    Call it before anything imports torch: a real torch that is already imported cannot be
    swapped out (RuntimeError)."""
    if is_installed():
        return
    for name in list(sys.modules):
        top = name.partition('.')[0]
        if top in _ROOTS and not isinstance(sys.modules[name], _AliasModule):
            raise RuntimeError(f"ember.compat.install(): '{name}' is already imported in this "
                               "process; call install() before the first import of torch/"
                               "torchvision")
    sys.meta_path.insert(0, _finder)


def uninstall():
    """Undo :func:`install`: remove the finder and the alias modules."""
    while _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if isinstance(sys.modules[name], _AliasModule):
            del sys.modules[name]
