"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict.

Sequential and ModuleList keep their children in ``self._modules`` under the keys
'0', '1', ...; the helpers below translate a Python index into such a key and
renumber the keys after a deletion.
"""
import itertools
import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ..._tensor import Tensor
from ..parameter import Parameter
from .module import Module, _typename

__all__ = ['Sequential', 'ModuleList', 'ModuleDict', 'ParameterList', 'ParameterDict']


# ----------------------------------------------------------------------------- helpers
def _indent_tail(text, n):
    """Indent every line after the first by ``n`` spaces (blank lines included)."""
    head, *rest = text.split('\n')
    if not rest:
        return text
    pad = ' ' * n
    return '\n'.join([head] + [pad + line for line in rest])


def _position(idx, length):
    """Python index (possibly negative) -> position in ``range(length)``, or IndexError."""
    pos = operator.index(idx)
    if pos < -length or pos >= length:
        raise IndexError(f"index {pos} is out of range")
    return pos + length if pos < 0 else pos


def _key_at(module, idx):
    """The ``_modules`` key holding the child at position ``idx``."""
    keys = list(module._modules)
    return keys[_position(idx, len(keys))]


def _renumber(module):
    """Re-key the children as '0', '1', ... in their current order."""
    module._modules = OrderedDict((str(i), m) for i, m in enumerate(module._modules.values()))


def _shift_in(module, index, child):
    """Insert ``child`` under key str(index), moving keys index.. one place up."""
    for i in range(len(module._modules), index, -1):
        module._modules[str(i)] = module._modules[str(i - 1)]
    module._modules[str(index)] = child


def _no_digit_names(names):
    # numbered children are reachable by indexing, so hide them from dir()
    return [n for n in names if not n.isdigit()]


def _sequential_operand_error(other):
    return ValueError("add operator supports only objects of Sequential class, but "
                      f"{str(type(other))} is given.")


def _check_factor(seq, factor):
    if not isinstance(factor, int):
        raise TypeError(f"unsupported operand type(s) for *: {type(seq)} and {type(factor)}")
    if factor <= 0:
        raise ValueError(f"Non-positive multiplication factor {factor} for {type(seq)}")


def _tensor_line(key, value, dtype_text):
    """One line of ParameterList/ParameterDict extra_repr."""
    if not isinstance(value, Tensor):
        return f'  ({key}): Object of type: {type(value).__name__}'
    kind = 'Parameter' if isinstance(value, Parameter) else 'Tensor'
    dims = 'x'.join(str(d) for d in value.size())
    return f'  ({key}): {kind} containing: [{dtype_text} of size {dims}]'


def _pairs(items, owner):
    """Validate an iterable of (key, value) pairs for ``owner``.update()."""
    for n, pair in enumerate(items):
        if not isinstance(pair, Iterable):
            raise TypeError(f"{owner} update sequence element #{n} should be Iterable; "
                            f"is{type(pair).__name__}")
        if len(pair) != 2:
            raise ValueError(f"{owner} update sequence element #{n} has length {len(pair)}; "
                             "2 is required")
        yield pair[0], pair[1]


# ----------------------------------------------------------------------------- Sequential
class Sequential(Module):
    """Children called one after another; ``Sequential(OrderedDict)`` names them."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            named = args[0].items()
        else:
            named = ((str(i), m) for i, m in enumerate(args))
        for name, child in named:
            self.add_module(name, child)

    def forward(self, input):
        for child in self:
            input = child(input)
        return input

    # --- sequence protocol
    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __dir__(self):
        return _no_digit_names(super().__dir__())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            chosen = list(self._modules.items())[idx]
            return self.__class__(OrderedDict(chosen))
        return self._modules[_key_at(self, idx)]

    def __setitem__(self, idx, module):
        setattr(self, _key_at(self, idx), module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            doomed = list(self._modules)[idx]
        else:
            doomed = [_key_at(self, idx)]
        for key in doomed:
            delattr(self, key)
        _renumber(self)

    # --- building
    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, sequential):
        for child in sequential:
            self.append(child)
        return self

    def insert(self, index, module):
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        size = len(self._modules)
        if index < -size or index > size:
            raise IndexError(f"Index out of range: {index}")
        _shift_in(self, index + size if index < 0 else index, module)
        return self

    def pop(self, key):
        child = self[key]
        del self[key]
        return child

    # --- arithmetic: + concatenates, * repeats (the same child objects, not copies)
    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise _sequential_operand_error(other)
        joined = Sequential()
        for child in itertools.chain(self, other):
            joined.append(child)
        return joined

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise _sequential_operand_error(other)
        base = len(self)
        for i, child in enumerate(other):
            self.add_module(str(base + i), child)
        return self

    def __mul__(self, other):
        _check_factor(self, other)
        repeated = Sequential()
        for i, child in enumerate(itertools.chain.from_iterable(itertools.repeat(self, other))):
            repeated.add_module(str(i), child)
        return repeated

    def __rmul__(self, other):
        return self.__mul__(other)

    def __imul__(self, other):
        _check_factor(self, other)
        size = len(self)
        # the originals are looked up by their numeric key, like torch does
        for copy_no in range(1, other):
            for i in range(size):
                self.add_module(str(copy_no * size + i), self._modules[str(i)])
        return self


# ----------------------------------------------------------------------------- ModuleList
class ModuleList(Module):
    """A list of submodules, registered under '0', '1', ... (no forward of its own)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __dir__(self):
        return _no_digit_names(super().__dir__())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(list(self._modules.values())[idx])
        return self._modules[str(_position(idx, len(self)))]

    def __setitem__(self, idx, module):
        setattr(self, str(_position(idx, len(self))), module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            doomed = [str(i) for i in range(len(self))[idx]]
        else:
            doomed = [str(_position(idx, len(self)))]
        for key in doomed:
            delattr(self, key)
        _renumber(self)

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        joined = ModuleList()
        for i, child in enumerate(itertools.chain(self, other)):
            joined.add_module(str(i), child)
        return joined

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        if not isinstance(modules, Iterable):
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__)
        base = len(self)
        for i, child in enumerate(modules):
            self.add_module(str(base + i), child)
        return self

    def insert(self, index, module):
        _shift_in(self, index, module)

    def pop(self, key):
        child = self[key]
        del self[key]
        return child

    def __repr__(self):
        # consecutive children with the same repr are shown once: "(0-2): 3 x Linear(...)"
        texts = [repr(child) for child in self]
        if not texts:
            return self._get_name() + '()'
        entries = []
        first = 0
        for text, run in itertools.groupby(texts):
            count = sum(1 for _ in run)
            if count == 1:
                entry = f'({first}): {text}'
            else:
                entry = f'({first}-{first + count - 1}): {count} x {text}'
            entries.append(_indent_tail(entry, 2))
            first += count
        return self._get_name() + '(\n  ' + '\n  '.join(entries) + '\n)'


# ----------------------------------------------------------------------------- ModuleDict
class ModuleDict(Module):
    """An ordered dict of submodules (no forward of its own)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def clear(self):
        self._modules.clear()

    def pop(self, key):
        child = self[key]
        del self[key]
        return child

    def update(self, modules):
        if not isinstance(modules, Iterable):
            raise TypeError("ModuleDict.update should be called with an iterable of key/value pairs, "
                            "but got " + type(modules).__name__)
        if isinstance(modules, (Mapping, ModuleDict)):
            pairs = modules.items()
        else:
            pairs = _pairs(modules, 'ModuleDict')
        for key, child in pairs:
            self[key] = child


# ----------------------------------------------------------------------------- ParameterList
def _as_parameter(value):
    """Plain tensors stored in a Parameter container are promoted to Parameters."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class ParameterList(Module):
    """A list of parameters (or other objects), stored as attributes '0', '1', ..."""

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __len__(self):
        return self._size

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __dir__(self):
        return _no_digit_names(super().__dir__())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            part = self.__class__()
            for i in range(len(self))[idx]:
                part.append(self[i])
            return part
        return getattr(self, str(_position(idx, len(self))))

    def __setitem__(self, idx, param):
        setattr(self, str(_position(idx, len(self))), _as_parameter(param))

    def __iadd__(self, parameters):
        return self.extend(parameters)

    def append(self, value):
        self._size += 1          # grow first so that the new last index is valid
        self[self._size - 1] = value
        return self

    def extend(self, values):
        if isinstance(values, Tensor) or not isinstance(values, Iterable):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            + type(values).__name__)
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        # torch prints the dtype here (and a device suffix, empty on CPU)
        return '\n'.join(_tensor_line(i, v, getattr(v, 'dtype', None)) for i, v in enumerate(self))

    def __call__(self, *args, **kwargs):
        raise RuntimeError('ParameterList should not be called.')


# ----------------------------------------------------------------------------- ParameterDict
class ParameterDict(Module):
    """An ordered dict of parameters (or other objects) with string keys.

    Values live as attributes of the module; ``self._keys`` (a dict used as an ordered
    set) remembers the insertion order.
    """

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _key_to_attr(key):
        if not isinstance(key, str):
            raise TypeError("Index given to ParameterDict cannot be used as a key as it is not a string "
                            f"(type is '{type(key).__name__}'). Open an issue on github if you need "
                            "non-string keys.")
        return key

    # --- item access
    def __getitem__(self, key):
        return getattr(self, self._key_to_attr(key))

    def __setitem__(self, key, value):
        self._keys[key] = None
        setattr(self, self._key_to_attr(key), _as_parameter(value))

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, self._key_to_attr(key))

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(self._keys)

    def __contains__(self, key):
        return key in self._keys

    # --- dict API
    def keys(self):
        return self._keys.keys()

    def values(self):
        return (self[k] for k in self._keys)

    def items(self):
        return ((k, self[k]) for k in self._keys)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        if not self._keys:
            raise KeyError('popitem(): dictionary is empty')
        last = next(reversed(self._keys))
        return last, self.pop(last)

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def copy(self):
        return ParameterDict(OrderedDict(self.items()))

    def fromkeys(self, keys, default=None):
        return ParameterDict((k, default) for k in keys)

    def update(self, parameters):
        if not isinstance(parameters, Iterable):
            raise TypeError("ParametersDict.update should be called with an iterable of key/value pairs, "
                            "but got " + type(parameters).__name__)
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = parameters.items()
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())   # a plain dict is taken in key order
        else:
            pairs = _pairs(parameters, 'ParameterDict')
        for key, value in pairs:
            self[key] = value

    def __or__(self, other):
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other):
        merged = other.copy()
        merged.update(self)
        return merged

    def __ior__(self, other):
        self.update(other)
        return self

    def extra_repr(self):
        # unlike ParameterList, torch shows the legacy type name here ('torch.FloatTensor')
        return '\n'.join(_tensor_line(k, v, _typename(v) if isinstance(v, Tensor) else None)
                         for k, v in self.items())

    def __call__(self, input):
        raise RuntimeError('ParameterDict should not be called.')
