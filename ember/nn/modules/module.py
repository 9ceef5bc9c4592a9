"""nn.Module: parameters, buffers and submodules registered by attribute assignment.

The public surface is torch.nn.Module's (methods, hook semantics, state-dict layout,
error messages and the per-instance attributes ``_parameters``, ``_buffers``,
``_modules``, ``_forward_hooks``, ... that user code reads), so code written against
torch runs unchanged. The implementation is ember's own:

* one table (``_SLOTS``) describes the three kinds of registered members, and
  ``_check_member_name`` / ``_run_registration_hooks`` serve all of them;
* hooks are kept in ordered dicts keyed by handle id; ``_add_hook`` files them;
* ``_call_with_hooks`` is the (slow) call path taken only when some hook exists.
"""
import functools
import inspect
import itertools
import warnings
import weakref
from collections import OrderedDict, namedtuple
from collections.abc import Mapping
from typing import TypeVar

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...utils.hooks import RemovableHandle
from ..parameter import Buffer, Parameter

__all__ = ['register_module_forward_pre_hook', 'register_module_forward_hook',
           'register_module_full_backward_pre_hook', 'register_module_backward_hook',
           'register_module_full_backward_hook', 'register_module_buffer_registration_hook',
           'register_module_module_registration_hook',
           'register_module_parameter_registration_hook', 'Module']


def _typename(obj):
    """What torch.typename prints: 'torch.FloatTensor' for a tensor, else 'module.QualName'."""
    if isinstance(obj, Tensor):
        return obj.type()
    if hasattr(obj, '__qualname__') or hasattr(obj, '__name__'):
        owner = getattr(obj, '__module__', '') or ''
        name = getattr(obj, '__qualname__', None) or obj.__name__
    else:
        owner = type(obj).__module__ or ''
        name = type(obj).__qualname__
    return name if owner in ('', 'builtins') else f'{owner}.{name}'


# ----------------------------------------------------------------------------- hook plumbing
class _Handle(RemovableHandle):
    """RemovableHandle whose ``remove()`` also clears the hook's flags (with_kwargs, ...)."""

    def __init__(self, hooks_dict, flag_dicts=()):
        super().__init__(hooks_dict)
        self._flag_dicts = tuple(flag_dicts)

    def remove(self):
        super().remove()
        for flags in self._flag_dicts:
            flags.pop(self.id, None)


def _add_hook(table, hook, *, prepend=False, flags=()):
    """File ``hook`` in ``table``; ``flags`` is ``[(flag_dict, enabled), ...]``."""
    handle = _Handle(table, [d for d, _ in flags])
    table[handle.id] = hook
    for flag_dict, enabled in flags:
        if enabled:
            flag_dict[handle.id] = True
    if prepend:
        table.move_to_end(handle.id, last=False)
    return handle


class _BoundHook:
    """Calls ``hook(module, *args)`` with the module held weakly; without a module it just
    forwards the call. Pickles together with its module."""

    def __init__(self, hook, module=None):
        self.hook = hook
        functools.update_wrapper(self, hook)
        self._owner = None if module is None else weakref.ref(module)

    def __call__(self, *args, **kwargs):
        if self._owner is None:
            return self.hook(*args, **kwargs)
        module = self._owner()
        if module is None:
            raise RuntimeError("You are trying to call the hook of a dead Module!")
        return self.hook(module, *args, **kwargs)

    def __getstate__(self):
        # a weakref can't be pickled: store the module itself
        bound = self._owner is not None
        return {'hook': self.hook, 'bound': bound, 'module': self._owner() if bound else None}

    def __setstate__(self, state):
        self.hook = state['hook']
        self._owner = None
        if state['bound']:
            if state['module'] is None:
                raise RuntimeError("You are trying to revive the hook of a dead Module!")
            self._owner = weakref.ref(state['module'])


class _GlobalHooks:
    """Hooks set with the module-level ``register_module_*`` functions: they apply to every Module."""

    def __init__(self):
        self.parameter_registration = OrderedDict()
        self.buffer_registration = OrderedDict()
        self.module_registration = OrderedDict()
        self.forward_pre = OrderedDict()
        self.forward = OrderedDict()
        self.forward_with_kwargs = OrderedDict()
        self.forward_always_called = OrderedDict()
        self.backward_pre = OrderedDict()
        self.backward = OrderedDict()
        self.backward_is_full = None   # None until the first backward hook; then full or legacy


_GLOBAL = _GlobalHooks()

_MIXED_GLOBAL_BACKWARD = ("Cannot use both regular backward hooks and full backward hooks as a "
                          "global Module hook. Please use only one of them.")
_MIXED_BACKWARD = ("Cannot use both regular backward hooks and full backward hooks on a "
                   "single Module. Please use only one of them.")


def register_module_parameter_registration_hook(hook):
    return _add_hook(_GLOBAL.parameter_registration, hook)


def register_module_buffer_registration_hook(hook):
    return _add_hook(_GLOBAL.buffer_registration, hook)


def register_module_module_registration_hook(hook):
    return _add_hook(_GLOBAL.module_registration, hook)


def register_module_forward_pre_hook(hook):
    return _add_hook(_GLOBAL.forward_pre, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    return _add_hook(_GLOBAL.forward, hook, flags=[(_GLOBAL.forward_with_kwargs, with_kwargs),
                                                   (_GLOBAL.forward_always_called, always_call)])


def register_module_full_backward_pre_hook(hook):
    return _add_hook(_GLOBAL.backward_pre, hook)


def _register_global_backward_hook(hook, full):
    if _GLOBAL.backward_is_full is (not full):
        raise RuntimeError(_MIXED_GLOBAL_BACKWARD)
    _GLOBAL.backward_is_full = full
    return _add_hook(_GLOBAL.backward, hook)


def register_module_backward_hook(hook):
    return _register_global_backward_hook(hook, full=False)


def register_module_full_backward_hook(hook):
    return _register_global_backward_hook(hook, full=True)


# ----------------------------------------------------------------------------- small helpers
class _IncompatibleKeys(namedtuple('IncompatibleKeys', ['missing_keys', 'unexpected_keys'])):
    __slots__ = ()

    def __repr__(self):
        if self.missing_keys or self.unexpected_keys:
            return super().__repr__()
        return '<All keys matched successfully>'

    __str__ = __repr__


def _indent_tail(text, n):
    """Indent the lines after the first by ``n`` spaces; whitespace-only lines become empty."""
    head, *rest = text.split('\n')
    if not rest:
        return text
    return '\n'.join([head] + [' ' * n + line if line.strip() else '' for line in rest])


_EXTRA_STATE_KEY_SUFFIX = '_extra_state'


def _forward_unimplemented(self, *input):
    raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')


def _parse_to(*args, **kwargs):
    """Decode Module.to's arguments -> (device, dtype, non_blocking, memory_format)."""
    from ... import _dtype as D
    from ..._device import as_device
    kwargs = dict(kwargs)
    memory_format = kwargs.pop('memory_format', None)
    device = dtype = None
    args = list(args)
    if args and isinstance(args[0], Tensor):
        like = args.pop(0)
        device, dtype = like.device, like.dtype
        names = ['non_blocking']
    elif args and isinstance(args[0], D.dtype):
        dtype = args.pop(0)
        names = ['non_blocking', 'copy']
    else:
        names = ['device', 'dtype', 'non_blocking', 'copy']
    if 'tensor' in kwargs:
        like = kwargs.pop('tensor')
        device, dtype = like.device, like.dtype
    if len(args) > len(names):
        raise TypeError(f"to() received an invalid combination of arguments: {len(args)} extra "
                        "positional arguments")
    opts = dict(zip(names, args))
    for k, v in kwargs.items():
        if k not in ('device', 'dtype', 'non_blocking', 'copy') or k in opts:
            raise TypeError(f"to() got an unexpected keyword argument '{k}'")
        opts[k] = v
    if opts.get('device') is not None:
        device = as_device(opts['device'])
    if opts.get('dtype') is not None:
        dtype = D.as_dtype(opts['dtype'])
    return device, dtype, bool(opts.get('non_blocking', False)), memory_format


# The three kinds of registered members. For each: the dict it lives in, the global
# registration hooks, and the error texts (torch's) used by _check_member_name.
_Slot = namedtuple('_Slot', 'store global_hooks label')
_SLOTS = {
    'parameter': _Slot('_parameters', 'parameter_registration', 'parameter'),
    'buffer': _Slot('_buffers', 'buffer_registration', 'buffer'),
    'module': _Slot('_modules', 'module_registration', 'module'),
}

# every per-instance dict/set that Module.__init__ creates, in creation order
# ('_is_full_backward_hook' and 'training' are plain values, set separately)
_INSTANCE_TABLES = (
    ('_parameters', dict), ('_buffers', dict), ('_non_persistent_buffers_set', set),
    ('_backward_pre_hooks', OrderedDict), ('_backward_hooks', OrderedDict),
    ('_forward_hooks', OrderedDict), ('_forward_hooks_with_kwargs', OrderedDict),
    ('_forward_hooks_always_called', OrderedDict), ('_forward_pre_hooks', OrderedDict),
    ('_forward_pre_hooks_with_kwargs', OrderedDict), ('_state_dict_hooks', OrderedDict),
    ('_state_dict_pre_hooks', OrderedDict), ('_load_state_dict_pre_hooks', OrderedDict),
    ('_load_state_dict_post_hooks', OrderedDict), ('_modules', dict),
)


class Module:
    """Base class for all neural network modules (torch.nn.Module)."""

    T_destination = TypeVar('T_destination', bound=dict)

    dump_patches = False
    _version = 1
    training: bool
    call_super_init = False
    _compiled_call_impl = None

    def __init__(self, *args, **kwargs):
        if not self.call_super_init:
            if kwargs:
                raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument "
                                f"'{next(iter(kwargs))}'")
            if args:
                raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument but "
                                f"{len(args) + 1} were given")
        # written straight into __dict__: __setattr__ relies on these existing
        state = self.__dict__
        state['training'] = True
        for name, factory in _INSTANCE_TABLES:
            state[name] = factory()
        state['_is_full_backward_hook'] = None
        if self.call_super_init:
            super().__init__(*args, **kwargs)

    forward = _forward_unimplemented

    # ------------------------------------------------------------------ registration
    def _check_member_name(self, kind, name):
        """Raise torch's error if ``name`` can't be used for a new ``kind`` member."""
        slot = _SLOTS[kind]
        if kind != 'module' and slot.store not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
        if '.' in name:
            got = f", got: {name}" if kind == 'module' else ''
            raise KeyError(f"{kind} name can't contain \".\"{got}")
        if name == '':
            raise KeyError(f"{kind} name can't be empty string \"\"")
        if hasattr(self, name) and name not in getattr(self, slot.store):
            raise KeyError(f"attribute '{name}' already exists")

    def _run_registration_hooks(self, kind, name, value):
        """Global registration hooks may replace the value being registered."""
        for hook in getattr(_GLOBAL, _SLOTS[kind].global_hooks).values():
            replaced = hook(self, name, value)
            if replaced is not None:
                value = replaced
        return value

    def register_buffer(self, name, tensor, persistent=True):
        self._check_member_name('buffer', name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = self._run_registration_hooks('buffer', name, tensor)
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        self._check_member_name('parameter', name)
        if param is not None:
            if not isinstance(param, Parameter):
                raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                                "(torch.nn.Parameter or None required)")
            if param.grad_fn is not None:
                raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters "
                                 f"must be created explicitly. To express '{name}' as a function of "
                                 "another Tensor, compute the value in the forward() method.")
            param = self._run_registration_hooks('parameter', name, param)
        self._parameters[name] = param

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_member_name('module', name)
        self._modules[name] = self._run_registration_hooks('module', name, module)

    def register_module(self, name, module):
        self.add_module(name, module)

    # ------------------------------------------------------------------ lookup by dotted path
    def get_submodule(self, target):
        node = self
        if target == '':
            return node
        for part in target.split('.'):
            if not hasattr(node, part):
                raise AttributeError(node._get_name() + " has no attribute `" + part + "`")
            node = getattr(node, part)
            if not isinstance(node, Module):
                raise AttributeError("`" + part + "` is not an nn.Module")
        return node

    def set_submodule(self, target, module, strict=False):
        if target == '':
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, leaf = target.rpartition('.')
        parent = self.get_submodule(parent_path)
        if hasattr(parent, leaf):
            if not isinstance(getattr(parent, leaf), Module):
                raise AttributeError("`" + leaf + "` is not an nn.Module")
        elif strict:
            raise AttributeError(parent._get_name() + " has no attribute `" + leaf + "`")
        setattr(parent, leaf, module)

    def _get_member(self, target, kind):
        """get_parameter / get_buffer: resolve 'a.b.name' and check the member's kind."""
        owner_path, _, name = target.rpartition('.')
        owner = self.get_submodule(owner_path)
        if not hasattr(owner, name):
            raise AttributeError(owner._get_name() + " has no attribute `" + name + "`")
        value = getattr(owner, name)
        if kind == 'parameter' and not isinstance(value, Parameter):
            raise AttributeError("`" + name + "` is not an nn.Parameter")
        if kind == 'buffer' and name not in owner._buffers:
            raise AttributeError("`" + name + "` is not a buffer")
        return value

    def get_parameter(self, target):
        return self._get_member(target, 'parameter')

    def get_buffer(self, target):
        return self._get_member(target, 'buffer')

    def get_extra_state(self):
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called. "
                           "Please file an issue at https://github.com/pytorch/pytorch/issues/new?"
                           "template=bug-report.yml to report this bug.")

    def set_extra_state(self, state):
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called. "
                           "Please file an issue at https://github.com/pytorch/pytorch/issues/new?"
                           "template=bug-report.yml to report this bug.")

    def _overrides(self, method):
        """Does this module's class override Module.<method>?"""
        return getattr(type(self), method, None) is not getattr(Module, method)

    # ------------------------------------------------------------------ attribute protocol
    def __getattr__(self, name):
        # only reached when normal lookup failed: search the three member stores
        state = self.__dict__
        for store in ('_parameters', '_buffers', '_modules'):
            members = state.get(store)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _forget(self, name, *stores):
        """Drop ``name`` from the given stores ('__dict__' = plain attributes)."""
        for store in stores:
            where = self.__dict__ if store == '__dict__' else self.__dict__[store]
            if isinstance(where, set):
                where.discard(name)
            else:
                where.pop(name, None)

    def __setattr__(self, name, value):
        state = self.__dict__
        params = state.get('_parameters')
        modules = state.get('_modules')
        buffers = state.get('_buffers')

        if isinstance(value, Parameter) or (params is not None and name in params):
            if not isinstance(value, Parameter):
                if value is not None:
                    raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                    "(torch.nn.Parameter or None expected)")
            elif params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            else:
                self._forget(name, '__dict__', '_buffers', '_modules', '_non_persistent_buffers_set')
            self.register_parameter(name, value)

        elif isinstance(value, Module) or (modules is not None and name in modules):
            if not isinstance(value, Module):
                if value is not None:
                    raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                    "(torch.nn.Module or None expected)")
            elif modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            else:
                self._forget(name, '__dict__', '_parameters', '_buffers', '_non_persistent_buffers_set')
            # no name checks here (unlike add_module), but the registration hooks do run
            modules[name] = self._run_registration_hooks('module', name, value)

        elif isinstance(value, Buffer) or (buffers is not None and name in buffers):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(torch.nn.Buffer, torch.Tensor or None expected)")
            self._assign_buffer(name, value)

        else:
            object.__setattr__(self, name, value)

    def _assign_buffer(self, name, value):
        """``self.name = tensor`` for a buffer; goes through a possibly overridden register_buffer."""
        if isinstance(value, Buffer):
            persistent = value.persistent
        else:
            persistent = name not in self._non_persistent_buffers_set
        register = self.register_buffer
        if (getattr(register, '__func__', None) is Module.register_buffer
                or 'persistent' in inspect.signature(register).parameters):
            register(name, value, persistent)
        elif persistent:
            register(name, value)
        else:
            raise RuntimeError("Registering a non-persistent buffer on a Module subclass that implements "
                               "register_buffer() without the persistent argument is not allowed.")

    def __delattr__(self, name):
        for store in ('_parameters', '_buffers', '_modules'):
            members = self.__dict__.get(store, {})
            if name in members:
                del members[name]
                if store == '_buffers':
                    self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        names = itertools.chain(dir(type(self)), self.__dict__, self._parameters, self._modules,
                                self._buffers)
        return sorted(n for n in names if not n[0].isdigit())

    # ------------------------------------------------------------------ calling
    def _any_hooks(self):
        g = _GLOBAL
        return bool(self._forward_pre_hooks or self._forward_hooks or self._backward_pre_hooks
                    or self._backward_hooks or g.forward_pre or g.forward or g.backward_pre
                    or g.backward)

    def _call_impl(self, *args, **kwargs):
        if self._any_hooks():
            return self._call_with_hooks(self.forward, args, kwargs)
        return self.forward(*args, **kwargs)

    def _backward_hook_lists(self):
        """(full hooks, legacy hooks, backward pre-hooks) that apply to this call, globals first."""
        full, legacy = [], []
        for is_full, table in ((_GLOBAL.backward_is_full, _GLOBAL.backward),
                               (self._is_full_backward_hook, self._backward_hooks)):
            if is_full is True:
                full.extend(table.values())
            elif is_full is False:
                legacy.extend(table.values())
        pre = [*_GLOBAL.backward_pre.values(), *self._backward_pre_hooks.values()]
        return full, legacy, pre

    def _forward_hook_entries(self):
        """(id, hook, with_kwargs, always_call, is_global) for each forward hook, globals first."""
        g = _GLOBAL
        entries = [(i, h, i in g.forward_with_kwargs, i in g.forward_always_called, True)
                   for i, h in g.forward.items()]
        entries += [(i, h, i in self._forward_hooks_with_kwargs, i in self._forward_hooks_always_called,
                     False) for i, h in self._forward_hooks.items()]
        return entries

    def _call_with_hooks(self, forward, args, kwargs):
        post_hooks = self._forward_hook_entries()
        already_run = set()       # ids of always_call hooks that ran before an error
        result = None
        try:
            # 1. forward pre-hooks may replace the positional args (and kwargs, if with_kwargs)
            pre_hooks = [*_GLOBAL.forward_pre.items(), *self._forward_pre_hooks.items()]
            for hook_id, hook in pre_hooks:
                if hook_id in self._forward_pre_hooks_with_kwargs:
                    out = hook(self, args, kwargs)
                    if out is None:
                        continue
                    if not (isinstance(out, tuple) and len(out) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {out}.")
                    args, kwargs = out
                else:
                    out = hook(self, args)
                    if out is not None:
                        args = out if isinstance(out, tuple) else (out,)

            # 2. full backward hooks: tap the inputs before forward runs
            full, legacy, pre = self._backward_hook_lists()
            grad_hooks = None
            if full or pre:
                from ._backward_hooks import ModuleGradHooks
                grad_hooks = ModuleGradHooks(self, full, pre)
                args = grad_hooks.wrap_inputs(args)

            result = forward(*args, **kwargs)

            # 3. forward hooks may replace the result
            for hook_id, hook, with_kwargs, always_call, _ in post_hooks:
                if always_call:
                    already_run.add(hook_id)
                out = hook(self, args, kwargs, result) if with_kwargs else hook(self, args, result)
                if out is not None:
                    result = out

            # 4. ... and tap the outputs
            if grad_hooks is not None:
                if not isinstance(result, (Tensor, tuple)):
                    warnings.warn("For backward hooks to be called, module output should be a Tensor "
                                  f"or a tuple of Tensors but received {type(result)}", stacklevel=2)
                result = grad_hooks.wrap_outputs(result)

            # 5. legacy (non-full) backward hooks sit on the grad_fn of the first output tensor
            if legacy:
                first = result
                while not isinstance(first, Tensor):
                    first = (next(v for v in first.values() if isinstance(v, Tensor))
                             if isinstance(first, dict) else first[0])
                if first.grad_fn is not None:
                    for hook in legacy:
                        first.grad_fn.register_hook(_BoundHook(hook, self))
            return result
        except Exception:
            # forward (or a hook) failed: still run the always_call forward hooks not yet run
            for hook_id, hook, with_kwargs, always_call, is_global in post_hooks:
                if not always_call or hook_id in already_run:
                    continue
                try:
                    if with_kwargs and not is_global:
                        out = hook(self, args, kwargs, result)
                    else:
                        out = hook(self, args, result)
                    if out is not None:
                        result = out
                except Exception as e:
                    where = "global module forward hook" if is_global else "module forward hook"
                    warnings.warn(f"{where} with ``always_call=True`` raised an exception that was "
                                  f"silenced as another error was raised in forward: {str(e)}",
                                  stacklevel=2)
            raise

    def _wrapped_call_impl(self, *args, **kwargs):
        if self._compiled_call_impl is not None:
            return self._compiled_call_impl(*args, **kwargs)
        return self._call_impl(*args, **kwargs)

    __call__ = _wrapped_call_impl

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        return _add_hook(self._forward_pre_hooks, hook, prepend=prepend,
                         flags=[(self._forward_pre_hooks_with_kwargs, with_kwargs)])

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        return _add_hook(self._forward_hooks, hook, prepend=prepend,
                         flags=[(self._forward_hooks_with_kwargs, with_kwargs),
                                (self._forward_hooks_always_called, always_call)])

    def register_full_backward_pre_hook(self, hook, prepend=False):
        return _add_hook(self._backward_pre_hooks, hook, prepend=prepend)

    def _register_backward(self, hook, full, prepend=False):
        if self._is_full_backward_hook is (not full):
            raise RuntimeError(_MIXED_BACKWARD)
        self._is_full_backward_hook = full
        return _add_hook(self._backward_hooks, hook, prepend=prepend)

    def register_backward_hook(self, hook):
        return self._register_backward(hook, full=False)

    def register_full_backward_hook(self, hook, prepend=False):
        return self._register_backward(hook, full=True, prepend=prepend)

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix='', remove_duplicate=True):
        seen = set() if memo is None else memo
        # explicit stack instead of recursion (deep models must not hit the recursion
        # limit); children are pushed reversed so they pop in pre-order
        pending = [(prefix, self)]
        while pending:
            path, mod = pending.pop()
            if mod in seen:
                continue
            if remove_duplicate:
                seen.add(mod)
            yield path, mod
            below = [(f'{path}.{name}' if path else name, child)
                     for name, child in mod._modules.items() if child is not None]
            pending.extend(reversed(below))

    def modules(self, remove_duplicate=True):
        return (m for _, m in self.named_modules(remove_duplicate=remove_duplicate))

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and child not in seen:
                seen.add(child)
                yield name, child

    def children(self):
        return (m for _, m in self.named_children())

    def _walk_store(self, store, prefix, recurse, remove_duplicate):
        """(dotted name, tensor) for every non-None entry of ``store`` in this module (tree)."""
        owners = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse
                  else [(prefix, self)])
        seen = set()
        for path, owner in owners:
            for name, value in getattr(owner, store).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (f'{path}.{name}' if path else name), value

    def named_parameters(self, prefix='', recurse=True, remove_duplicate=True):
        yield from self._walk_store('_parameters', prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix='', recurse=True, remove_duplicate=True):
        yield from self._walk_store('_buffers', prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            grad = p.grad
            if grad is None:
                continue
            if set_to_none:
                p.grad = None
                continue
            # zero in place, first cutting the grad out of any graph
            if grad.grad_fn is not None:
                grad.detach_()
            else:
                grad.requires_grad_(False)
            grad.zero_()

    def apply(self, fn):
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _apply(self, fn, recurse=True):
        """Apply ``fn`` to every parameter (in place: the same Parameter object gets the new
        data, like torch's ``param.data = fn(param)``), its grad, and every buffer."""
        if recurse:
            for child in self.children():
                child._apply(fn)
        for param in self._parameters.values():
            if param is None:
                continue
            grad = param.grad
            with no_grad():
                converted = fn(param)
            if converted is not param:
                param.data = converted
            if grad is not None:
                with no_grad():
                    grad_converted = fn(grad)
                if grad_converted is not grad:
                    grad._data = grad_converted._data   # the grad object itself is kept
        for name, buf in self._buffers.items():
            if buf is not None:
                self._buffers[name] = fn(buf)
        return self

    def to(self, *args, **kwargs):
        device, dtype, non_blocking, memory_format = _parse_to(*args, **kwargs)
        if dtype is not None:
            if not (dtype.is_floating_point or dtype.is_complex):
                raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got "
                                f"desired dtype={dtype}")
            if dtype.is_complex:
                warnings.warn(
                    "Complex modules are a new feature under active development whose design may change, "
                    "and some modules might not work as expected when using complex tensors as "
                    "parameters or buffers. Please file an issue at https://github.com/pytorch/pytorch/"
                    "issues/new?template=bug-report.yml if a complex module does not work as expected.",
                    stacklevel=2)

        def move(t):
            # only floating/complex tensors change dtype; memory_format applies to 4-D/5-D
            target_dtype = dtype if (t.is_floating_point() or t.is_complex()) else None
            if memory_format is not None and t.dim() in (4, 5):
                return t.to(device, target_dtype, non_blocking, memory_format=memory_format)
            return t.to(device, target_dtype, non_blocking)
        return self._apply(move)

    def _cast_floats(self, method):
        return self._apply(lambda t: getattr(t, method)() if t.is_floating_point() else t)

    def float(self):
        return self._cast_floats('float')

    def double(self):
        return self._cast_floats('double')

    def half(self):
        return self._cast_floats('half')

    def bfloat16(self):
        return self._cast_floats('bfloat16')

    def type(self, dst_type):
        return self._apply(lambda t: t.type(dst_type))

    def cpu(self):
        return self._apply(lambda t: t.cpu())

    def cuda(self, device=None):
        return self._apply(lambda t: t.cuda(device))

    def ipu(self, device=None):
        return self._apply(lambda t: t.to('ipu' if device is None else device))

    def xpu(self, device=None):
        return self._apply(lambda t: t.to('xpu' if device is None else device))

    def mtia(self, device=None):
        return self._apply(lambda t: t.to('mtia' if device is None else device))

    def to_empty(self, *, device, recurse=True):
        from ...ops.creation import empty_like
        return self._apply(lambda t: empty_like(t, device=device), recurse=recurse)

    def share_memory(self):
        return self._apply(lambda t: t.share_memory_())

    # ------------------------------------------------------------------ state dict: saving
    def _register_state_dict_hook(self, hook):
        # private API: the hook may return a replacement destination
        if getattr(hook, '_from_public_api', False):
            raise RuntimeError("Cannot register the same function as the state dict post hook that was "
                               "previously registered via register_state_dict_post_hook")
        return _add_hook(self._state_dict_hooks, hook)

    def register_state_dict_post_hook(self, hook):
        hook._from_public_api = True     # public API: the hook must return None
        return _add_hook(self._state_dict_hooks, hook)

    def register_state_dict_pre_hook(self, hook):
        return _add_hook(self._state_dict_pre_hooks, hook)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        """Write this module's own entries (not its children's) into ``destination``."""
        persistent_buffers = ((n, b) for n, b in self._buffers.items()
                              if n not in self._non_persistent_buffers_set)
        for name, value in itertools.chain(self._parameters.items(), persistent_buffers):
            if value is not None:
                destination[prefix + name] = value if keep_vars else value.detach()
        if self._overrides('get_extra_state'):
            destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

    def state_dict(self, *args, destination=None, prefix='', keep_vars=False):
        if args:
            warnings.warn("Positional args are being deprecated, use kwargs instead. Refer to "
                          "https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.state_dict"
                          " for details.", FutureWarning, stacklevel=2)
            # old positional order: (destination, prefix, keep_vars); keywords win
            destination = args[0] if destination is None else destination
            if len(args) > 1 and prefix == '':
                prefix = args[1]
            if len(args) > 2 and keep_vars is False:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()

        my_metadata = {'version': self._version}
        if hasattr(destination, '_metadata'):
            destination._metadata[prefix[:-1]] = my_metadata
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=destination, prefix=f'{prefix}{name}.', keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            out = hook(self, destination, prefix, my_metadata)
            if getattr(hook, '_from_public_api', False):
                if out is not None:
                    raise RuntimeError("state_dict post-hook must return None")
            elif out is not None:
                destination = out
        return destination

    # ------------------------------------------------------------------ state dict: loading
    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        return _add_hook(self._load_state_dict_pre_hooks, _BoundHook(hook, self if with_module else None))

    def register_load_state_dict_pre_hook(self, hook):
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def register_load_state_dict_post_hook(self, hook):
        return _add_hook(self._load_state_dict_post_hooks, hook)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        """Load this module's own entries (not its children's); problems are appended to the
        three lists rather than raised."""
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)

        own = {n: v for n, v in self._parameters.items() if v is not None}
        own.update((n, v) for n, v in self._buffers.items()
                   if v is not None and n not in self._non_persistent_buffers_set)
        assign = local_metadata.get('assign_to_params_buffers', False)

        for name, current in own.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            incoming = state_dict[key]
            if not isinstance(incoming, Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor or '
                                  f'Tensor-like object from checkpoint but received {type(incoming)}')
                continue
            # a 1-element 1-D checkpoint entry may fill a 0-D tensor (old checkpoints)
            if current.dim() == 0 and tuple(incoming.shape) == (1,):
                incoming = incoming[0]
            if incoming.shape != current.shape:
                error_msgs.append(f'size mismatch for {key}: copying a param with shape {incoming.shape} '
                                  f'from checkpoint, the shape in current model is {current.shape}.')
                continue
            try:
                with no_grad():
                    if not assign:
                        current.copy_(incoming)
                    else:
                        if isinstance(current, Parameter):
                            if isinstance(incoming, Parameter):
                                incoming.requires_grad_(current.requires_grad)
                            else:
                                incoming = Parameter(incoming, requires_grad=current.requires_grad)
                        setattr(self, name, incoming)
            except Exception as ex:
                error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in the '
                                  f'model are {current.size()} and whose dimensions in the checkpoint are '
                                  f'{incoming.size()}, an exception occurred : {ex.args}.')

        extra_key = prefix + _EXTRA_STATE_KEY_SUFFIX
        if self._overrides('set_extra_state'):
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)

        if strict:
            # keys under this prefix that neither this module nor a child claims
            for key in state_dict:
                if not key.startswith(prefix) or key == extra_key:
                    continue
                head, dot, _ = key[len(prefix):].partition('.')
                claimed = head in self._modules if dot else head in own
                if not claimed:
                    unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        metadata = getattr(state_dict, '_metadata', None)
        state_dict = OrderedDict(state_dict)     # pre-hooks may edit it; keep the caller's intact
        if metadata is not None:
            state_dict._metadata = metadata

        # iterative walk: each module loads its own entries, then its children (each given
        # only the entries under its prefix), then its post-hooks run (marker entries)
        pending = [(self, state_dict, '', False)]
        while pending:
            mod, entries, prefix, subtree_done = pending.pop()
            if subtree_done:
                report = _IncompatibleKeys(missing, unexpected)
                for hook in mod._load_state_dict_post_hooks.values():
                    if hook(mod, report) is not None:
                        raise AssertionError(
                            "Hooks registered with ``register_load_state_dict_post_hook`` are not expected "
                            "to return new values, if incompatible_keys need to be modified, it should be "
                            "done inplace.")
                continue
            meta = metadata.get(prefix[:-1], {}) if metadata is not None else {}
            if assign:
                meta['assign_to_params_buffers'] = assign
            mod._load_from_state_dict(entries, prefix, meta, True, missing, unexpected, errors)
            pending.append((mod, None, prefix, True))
            children = [(name, child) for name, child in mod._modules.items() if child is not None]
            for name, child in reversed(children):
                child_prefix = f'{prefix}{name}.'
                pending.append((child, {k: v for k, v in entries.items() if k.startswith(child_prefix)},
                                child_prefix, False))

        if strict:
            if unexpected:
                errors.insert(0, 'Unexpected key(s) in state_dict: {}. '.format(
                    ', '.join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, 'Missing key(s) in state_dict: {}. '.format(
                    ', '.join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError('Error(s) in loading state_dict for {}:\n\t{}'.format(
                type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ repr / pickling
    def extra_repr(self):
        return ''

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split('\n') if extra else []
        child_lines = [f'({name}): ' + _indent_tail(repr(child), 2) for name, child in self._modules.items()]
        if not extra_lines and not child_lines:
            return self._get_name() + '()'
        if len(extra_lines) == 1 and not child_lines:
            return f'{self._get_name()}({extra_lines[0]})'     # short form: Linear(in_features=...)
        body = '\n  '.join(extra_lines + child_lines)
        return f'{self._get_name()}(\n  {body}\n)'

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop('_compiled_call_impl', None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        # objects pickled by older versions may lack some tables
        for name, factory in _INSTANCE_TABLES:
            self.__dict__.setdefault(name, factory())
        self.__dict__.setdefault('_is_full_backward_hook', None)

    def compile(self, *args, **kwargs):
        raise NotImplementedError("ember: Module.compile (torch.compile) is not supported")
