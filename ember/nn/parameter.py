"""nn.Parameter and nn.Buffer."""
from .._tensor import Tensor
from .. import _dtype as D

__all__ = ['Parameter', 'UninitializedParameter', 'is_lazy', 'Buffer', 'UninitializedBuffer']


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter when assigned as an attribute.

    Shares memory with ``data``; ``requires_grad=True`` by default.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        if requires_grad and data.dtype.category < D.FLOAT:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t = Tensor.__new__(cls)
        Tensor._init(t, data._data)
        if requires_grad:
            t._requires_grad = True
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return 'Parameter containing:\n' + super().__repr__()

    def __reduce_ex__(self, proto):
        # like torch: data, requires_grad and the Python attributes travel; .grad does not
        return (_rebuild_parameter, (self._data, self._requires_grad, self.__dict__ or None))

    def __deepcopy__(self, memo):
        # like torch: a clone of the data with the same requires_grad (no grad, no attributes)
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(Tensor._make(self._data.copy(order='K')), self._requires_grad)
        memo[id(self)] = result
        return result


def _rebuild_parameter(arr, requires_grad, state):
    p = Parameter(Tensor._make(arr), requires_grad)
    if state:
        p.__dict__.update(state)
    return p


class _BufferMeta(type):
    def __instancecheck__(self, instance):
        if self is Buffer and isinstance(instance, Tensor) and getattr(instance, '_is_buffer', False):
            return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute.

    Like torch, ``Buffer(t)`` returns a plain Tensor (``t.detach()``, keeping requires_grad)
    tagged with ``persistent`` and ``_is_buffer``; ``isinstance(x, Buffer)`` checks the tag.
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t


class UninitializedParameter(Parameter):
    def __new__(cls, requires_grad=True, device=None, dtype=None):
        raise NotImplementedError("ember: lazy modules (UninitializedParameter) are not supported")


class UninitializedBuffer(Tensor):
    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        raise NotImplementedError("ember: lazy modules (UninitializedBuffer) are not supported")


def is_lazy(param):
    return isinstance(param, (UninitializedParameter, UninitializedBuffer))


def is_float_dtype(t):
    return t.dtype.category >= D.FLOAT
