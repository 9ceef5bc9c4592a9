"""Parametrizations (torch.nn.utils.parametrize).

After ``register_parametrization(module, 'weight', P)``:

* the stored tensor moves to ``module.parametrizations.weight.original`` (or to
  ``original0, original1, ...`` when ``P.right_inverse`` splits it into several);
* ``module.weight`` becomes a property of a per-instance subclass
  (``ParametrizedLinear``...) that evaluates ``P(original)`` on every read, and whose
  setter pushes a new value back through the ``right_inverse`` chain.
"""
import copyreg
import itertools
from collections.abc import Sequence
from contextlib import contextmanager
from copy import deepcopy

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..modules.container import Module, ModuleDict, ModuleList  # noqa: F401 (torch exposes Module here too)
from ..parameter import Parameter

__all__ = ['cached', 'ParametrizationList', 'register_parametrization', 'is_parametrized',
           'remove_parametrizations', 'type_before_parametrizations',
           'transfer_parametrizations_and_params']

# ``with cached():`` nesting depth, and the values computed inside it:
# (id(module), tensor_name) -> tensor
_cache_enabled = 0
_cache = {}


@contextmanager
def cached():
    """Inside this context each parametrized tensor is computed once and then reused."""
    global _cache_enabled, _cache
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if _cache_enabled == 0:
            _cache = {}


def _store(module, name, tensor):
    """Register ``tensor`` as a parameter if it is one, else as a buffer."""
    if isinstance(tensor, Parameter):
        module.register_parameter(name, tensor)
    else:
        module.register_buffer(name, tensor)


def _adopt_storage(dest, src):
    """``dest.set_(src)``: ``dest`` (same object) now holds ``src``'s data and shape."""
    dest._data = src._data
    dest._vc[0] += 1


_SKIP = object()


def _require_same(a, b, template):
    """Raise ValueError(template) at the first of dtype/shape where tensors a and b differ."""
    for attr in ('dtype', 'shape'):
        if getattr(a, attr) != getattr(b, attr):
            raise ValueError(template.format(attr=attr, a=getattr(a, attr), b=getattr(b, attr)))


class ParametrizationList(ModuleList):
    """The chain of parametrizations of one tensor, and the tensor(s) it is computed from."""

    def __init__(self, modules, original, unsafe=False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        # remember what the tensor looked like, to check that the chain reproduces it
        orig_dtype, orig_shape = original.dtype, original.shape

        # what to store: ``original`` pulled back through every right_inverse that exists
        with no_grad():
            stored = original
            for step in reversed(self):
                if hasattr(step, 'right_inverse'):
                    try:
                        stored = step.right_inverse(stored)
                    except NotImplementedError:
                        pass    # this step keeps the value as it is
        if not isinstance(stored, (Tensor, Sequence)):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                             f"Got {type(stored).__name__}")
        self.is_tensor = isinstance(stored, Tensor)
        self.ntensors = 1 if self.is_tensor else len(stored)

        if self.is_tensor:
            if stored.dtype != original.dtype:
                raise ValueError("When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                                 f"original.dtype: {original.dtype}\n"
                                 f"right_inverse(original).dtype: {stored.dtype}")
            # keep the very same object (a Parameter stays the optimizer's Parameter)
            with no_grad():
                _adopt_storage(original, stored)
            _store(self, 'original', original)
        else:
            for i, piece in enumerate(stored):
                if not isinstance(piece, Tensor):
                    raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                                     f"(list, tuple...). Got element {i} of the sequence with type "
                                     f"{type(piece).__name__}.")
                if isinstance(original, Parameter):
                    piece = Parameter(piece, original.requires_grad)
                piece.requires_grad_(original.requires_grad)
                _store(self, f'original{i}', piece)

        if not self.unsafe:
            value = self()
            if not isinstance(value, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(value).__name__}.")
            if value.dtype != orig_dtype:
                raise ValueError("Registering a parametrization may not change the dtype of the tensor, "
                                 "unless `unsafe` flag is enabled.\n"
                                 f"unparametrized dtype: {orig_dtype}\nparametrized dtype: {value.dtype}")
            if value.shape != orig_shape:
                raise ValueError("Registering a parametrization may not change the shape of the tensor, "
                                 "unless `unsafe` flag is enabled.\n"
                                 f"unparametrized shape: {orig_shape}\nparametrized shape: {value.shape}")

    def _originals(self):
        return [getattr(self, f'original{i}') for i in range(self.ntensors)]

    def right_inverse(self, value):
        """``module.<name> = value``: store the value pulled back through the whole chain."""
        with no_grad():
            for step in reversed(self):
                if not hasattr(step, 'right_inverse'):
                    raise RuntimeError(f"parametrization {type(step).__name__} does not implement "
                                       "right_inverse.")
                value = step.right_inverse(value)

            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(f"The tensor returned by `right_inverse` has dtype {value.dtype} while "
                                     f"`original` has dtype {self.original.dtype}")
                _adopt_storage(self.original, value)
                return

            if not isinstance(value, Sequence):
                raise ValueError("'right_inverse' must return a sequence of tensors. Got "
                                 f"{type(value).__name__}.")
            if len(value) != self.ntensors:
                raise ValueError("'right_inverse' must return a sequence of tensors of length "
                                 f"{self.ntensors}. Got a sequence of length {len(value)}.")
            for i, (target, piece) in enumerate(zip(self._originals(), value)):
                if not isinstance(piece, Tensor):
                    raise ValueError("'right_inverse' must return a sequence of tensors or "
                                     f"reference-type opaques. Got element {i} of type "
                                     f"{type(piece).__name__}.")
                if piece.dtype != target.dtype:
                    raise ValueError(f"Tensor {i} returned by `right_inverse` has dtype {piece.dtype} "
                                     f"while `original{i}` has dtype {target.dtype}")
                _adopt_storage(target, piece)

    def forward(self):
        first, *rest = self
        value = first(self.original) if self.is_tensor else first(*self._originals())
        for step in rest:
            value = step(value)
        return value


# ----------------------------------------------------------------------------- class surgery
def _parametrized_deepcopy(self, memo):
    """Plain attribute-by-attribute deepcopy (the default pickling path is disabled)."""
    if id(self) in memo:
        return memo[id(self)]
    clone = self.__new__(type(self))
    memo[id(self)] = clone
    clone.__dict__ = deepcopy(self.__dict__, memo)
    for slot in copyreg._slotnames(type(self)):
        if hasattr(self, slot):
            setattr(clone, slot, deepcopy(getattr(self, slot), memo))
    return clone


def _refuse_pickle(self):
    raise RuntimeError(
        "Serialization of parametrized modules is only supported through state_dict(). See:\n"
        "https://pytorch.org/tutorials/beginner/saving_loading_models.html"
        "#saving-loading-a-general-checkpoint-for-inference-and-or-resuming-training")


def _give_own_class(module):
    """Move ``module`` to a fresh subclass ``Parametrized<Cls>`` that can carry properties."""
    base = type(module)
    namespace = {'__getstate__': _refuse_pickle}
    if not hasattr(base, '__deepcopy__'):
        namespace['__deepcopy__'] = _parametrized_deepcopy
    module.__class__ = type(f'Parametrized{base.__name__}', (base,), namespace)


def _add_property(module, tensor_name):
    """``module.<tensor_name>``: computed by its ParametrizationList; assignment inverts it."""
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def read(self):
        chain = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return chain()
        key = (id(self), tensor_name)
        if _cache.get(key) is None:
            _cache[key] = chain()
        return _cache[key]

    def write(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(type(module), tensor_name, property(read, write))


# ----------------------------------------------------------------------------- public API
def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make ``module.<tensor_name>`` the output of ``parametrization`` applied to the original."""
    parametrization.train(module.training)

    if is_parametrized(module, tensor_name):
        # stacking onto an existing chain: the new step must map the current value to a
        # tensor of the same dtype/shape (and so must its right_inverse), unless unsafe
        if not unsafe:
            current = getattr(module, tensor_name)
            mapped = parametrization(current)
            if not isinstance(mapped, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(mapped).__name__}.")
            _require_same(current, mapped,
                          "Registering a parametrization may not change the {attr} of the tensor, unless "
                          "the `unsafe` flag is enabled.\n"
                          f"module.{tensor_name}.{{attr}}: {{a}}\n"
                          f"parametrization(module.{tensor_name}).{{attr}}: {{b}}")
            if hasattr(parametrization, 'right_inverse'):
                try:
                    pulled = parametrization.right_inverse(mapped)
                except NotImplementedError:
                    pulled = _SKIP     # the step has no usable inverse: nothing to check
                if pulled is not _SKIP:
                    if not isinstance(pulled, Tensor):
                        raise ValueError("parametrization.right_inverse must return a tensor. Got: "
                                         f"{type(pulled).__name__}")
                    _require_same(current, pulled,
                                  "The tensor returned by parametrization.right_inverse must have the same "
                                  f"{{attr}} as module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
                                  f"module.{tensor_name}.{{attr}}: {{a}}\nreturned {{attr}}: {{b}}")
        chain = module.parametrizations[tensor_name]
        chain.append(parametrization)
        chain.unsafe |= unsafe
        return module

    if tensor_name not in module._buffers and tensor_name not in module._parameters:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element "
                         f"with name '{tensor_name}'")
    # first parametrization of this tensor: build the chain (it takes over the tensor),
    # then replace the plain attribute by the property
    chain = ParametrizationList([parametrization], getattr(module, tensor_name), unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _give_own_class(module)
        module.parametrizations = ModuleDict()
    _add_property(module, tensor_name)
    module.parametrizations[tensor_name] = chain
    return module


def is_parametrized(module, tensor_name=None):
    chains = getattr(module, 'parametrizations', None)
    if not isinstance(chains, ModuleDict):
        return False
    return len(chains) > 0 if tensor_name is None else tensor_name in chains


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo register_parametrization; the tensor keeps its current (parametrized) value by default."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    chain = module.parametrizations[tensor_name]
    if chain.is_tensor:
        # reuse the original object (optimizers may hold it), with the final value if asked
        restored = chain.original
        if leave_parametrized:
            with no_grad():
                _adopt_storage(restored, getattr(module, tensor_name))
    elif leave_parametrized:
        value = getattr(module, tensor_name)
        restored = Parameter(value.detach()) if value.requires_grad else value
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
                         "parametrized in terms of a sequence of tensors.")

    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _store(module, tensor_name, restored)
    if not is_parametrized(module):
        # last one gone: back to the module's own class
        delattr(module, 'parametrizations')
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module):
    return type(module).__bases__[0] if is_parametrized(module) else type(module)


def transfer_parametrizations_and_params(from_module, to_module, tensor_name=None):
    """Give ``to_module`` the same parametrizations as ``from_module``, sharing the originals."""
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        source = from_module.parametrizations[name]
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name)))
        for step in source:
            register_parametrization(to_module, name, step)
        target = to_module.parametrizations[name]
        if hasattr(source, 'original'):
            target.original = source.original
        else:
            for i in itertools.count():
                if not hasattr(source, f'original{i}'):
                    break
                setattr(target, f'original{i}', getattr(source, f'original{i}'))
    return to_module
