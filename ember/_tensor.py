"""The Tensor: a NumPy array plus autograd fields.

Math, shape and indexing methods are attached by the op modules in ``ember/ops`` (each
module binds its own methods at the bottom), so an op's forward, backward and Tensor
method live together. This file holds what every tensor has: construction, metadata,
the autograd entry points and the Python protocol.
"""
import numpy as np

from . import _dtype as D
from ._device import CPU, as_device, device as _device_cls
from .autograd import function as _fn
from .autograd.grad_mode import STATE

_ndarray = np.ndarray
_NP2DT = D.NP2DT


class Size(tuple):
    """torch.Size: a tuple of ints with torch's repr."""

    def __repr__(self):
        return f"ember.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __reduce__(self):
        return (Size, (tuple(self),))


class Tensor:
    __slots__ = ('_data', '_requires_grad', '_grad_fn', '_output_nr', 'grad', '_version',
                 '_base', '_view_replay', '_hooks', '_post_acc_hooks', '__weakref__', '__dict__')

    __array_priority__ = 1000  # make ndarray (op) Tensor defer to Tensor's reflected ops

    # ------------------------------------------------------------ construction
    def __init__(self, *args, dtype=None, device=None):
        # legacy torch.Tensor(...) constructor: Tensor(2, 3) -> uninitialised float tensor,
        # Tensor([1, 2]) -> float tensor from data
        as_device(device)
        dt = D.as_dtype(dtype) if dtype is not None else D.get_default_dtype()
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            src = args[0]
            if isinstance(src, Tensor):
                arr = src._data.astype(dt.np, copy=False)
            else:
                arr = np.array(src, dtype=dt.np)
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            arr = np.empty(tuple(int(s) for s in shape), dtype=dt.np)
        self._init(arr)

    def _init(self, arr, grad_fn=None, nr=0):
        self._data = arr
        self._grad_fn = grad_fn
        self._requires_grad = grad_fn is not None
        self._output_nr = nr
        self.grad = None
        self._version = [0]
        self._base = None
        self._view_replay = None
        self._hooks = None
        self._post_acc_hooks = None

    @staticmethod
    def _make(arr, grad_fn=None, nr=0):
        """Internal constructor: wrap an array (no copy, no checks)."""
        if arr.__class__ is not _ndarray:
            arr = np.asarray(arr)
        t = _new(Tensor)
        t._data = arr
        t._grad_fn = grad_fn
        t._requires_grad = grad_fn is not None
        t._output_nr = nr
        t.grad = None
        t._version = [0]
        t._base = None
        t._view_replay = None
        t._hooks = None
        t._post_acc_hooks = None
        return t

    def _from_array(self, arr):
        return Tensor._make(arr)

    @staticmethod
    def _mark_view(out, base, op_cls, params):
        """out was computed by a view op from base: share base's memory bookkeeping."""
        arr = out._data
        if arr.base is None and arr.size:  # NumPy had to copy (e.g. reshape): not a view
            return
        root = base._base if base._base is not None else base
        out._base = root
        out._version = base._version
        step = ((op_cls, params),)
        out._view_replay = base._view_replay + step if base._view_replay is not None else step

    # ------------------------------------------------------------ metadata
    @property
    def dtype(self):
        return _NP2DT[self._data.dtype]

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def _wrap_dim(self, dim):
        nd = self._data.ndim
        n = nd if nd else 1
        if not -n <= dim < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {dim})")
        return dim % n if nd else 0

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self):
        return False

    is_cpu = True
    is_sparse = False
    is_quantized = False
    is_meta = False
    layout = 'strided'

    def get_device(self):
        return -1

    def stride(self, dim=None):
        isz = self._data.itemsize
        st = tuple(s // isz for s in self._data.strides)
        # NumPy reports arbitrary strides for size-1/empty dims; torch's contiguous strides differ
        # only there, and such dims never affect addressing.
        if dim is None:
            return st
        return st[self._wrap_dim(dim)]

    def storage_offset(self):
        arr = self._data
        root = arr
        while isinstance(root.base, np.ndarray):
            root = root.base
        if root is arr:
            return 0
        off = arr.__array_interface__['data'][0] - root.__array_interface__['data'][0]
        return off // arr.itemsize

    def is_contiguous(self, memory_format=None):
        a = self._data
        if a.flags.c_contiguous:
            return True
        # torch ignores strides of size-1 dims
        expected = a.itemsize
        for n, s in zip(reversed(a.shape), reversed(a.strides)):
            if n != 1 and s != expected:
                return False
            expected *= n
        return True

    def is_floating_point(self):
        return self._data.dtype.kind == 'f' or self.dtype is D.bfloat16

    def is_complex(self):
        return self._data.dtype.kind == 'c'

    def is_signed(self):
        return self.dtype.is_signed

    def _type_desc(self):
        return f"ember.{self.dtype._short}Tensor {list(self._data.shape)}"

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            return f"torch.{self.dtype._short}Tensor"
        if isinstance(dtype, str) and dtype.endswith('Tensor'):
            short = dtype.rsplit('.', 1)[-1][:-len('Tensor')]
            for d in D.ALL:
                if d._short == short:
                    return self.to(d)
            raise ValueError(f"invalid type: '{dtype}'")
        return self.to(dtype)

    # ------------------------------------------------------------ autograd fields
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self._grad_fn is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach().")
            return
        if value and self._data.dtype.kind not in 'fc' and self.dtype is not D.bfloat16:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _version_value(self):
        return self._version[0]

    @property
    def data(self):
        t = Tensor._make(self._data)
        return t

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data

    @property
    def is_inference(self):
        return False

    def detach(self):
        t = Tensor._make(self._data)
        t._version = self._version
        return t

    def detach_(self):
        if self._base is not None and self._grad_fn is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        if self._grad_fn is None:
            return  # leaves always keep .grad when they require it
        import weakref
        n = self._grad_fn
        if n._retain is None:
            n._retain = {}
        n._retain[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self):
        n = self._grad_fn
        return n is not None and n._retain is not None and self._output_nr in n._retain

    def register_hook(self, hook):
        from .utils.hooks import RemovableHandle
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            return RemovableHandle(self._hooks, hook)
        n = self._grad_fn
        if n._pre_hooks is None:
            n._pre_hooks = {}
        return RemovableHandle(n._pre_hooks.setdefault(self._output_nr, {}), hook)

    def register_post_accumulate_grad_hook(self, hook):
        from .utils.hooks import RemovableHandle
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = {}
        return RemovableHandle(self._post_acc_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ------------------------------------------------------------ conversion
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        v = self._data.reshape(()).item() if self._data.ndim else self._data.item()
        if self.dtype is D.bfloat16:
            v = float(v)
        return v

    def tolist(self):
        if self.dtype is D.bfloat16:
            return self._data.astype(np.float32).tolist()
        return self._data.tolist()

    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        a = self._data
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'more than one value' if self._data.size else 'no values'} is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self):
        self._check_scalar('float')
        return float(self._data.reshape(()))

    def __int__(self):
        self._check_scalar('int')
        return int(self._data.reshape(()))

    def __complex__(self):
        self._check_scalar('complex')
        return complex(self._data.reshape(()))

    def __index__(self):
        if self._data.dtype.kind not in 'iub' or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()))

    def _check_scalar(self, what):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment. If you were attempting to deepcopy "
                               "a module, this may be because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        return (_rebuild, (type(self), self._data, self._requires_grad, self.grad,
                           self.__dict__ or None))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.")
        import copy
        new = _rebuild(type(self), self._data.copy(), self._requires_grad,
                       None, None)
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = copy.deepcopy(self.grad, memo)
        if self.__dict__:
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    def __dlpack__(self, stream=None, **kwargs):
        if self._requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(**kwargs) if kwargs else self._data.__dlpack__()

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    # ------------------------------------------------------------ repr
    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    # ------------------------------------------------------------ device / dtype moves
    def to(self, *args, **kwargs):
        dtype = kwargs.pop('dtype', None)
        dev = kwargs.pop('device', None)
        copy = kwargs.pop('copy', False)
        kwargs.pop('non_blocking', None)
        kwargs.pop('memory_format', None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, _device_cls)) and not (isinstance(a, str) and
                                                           (a.startswith('torch.') or a in D._BY_NAME)):
                dev = a
            elif isinstance(a, bool):
                pass  # non_blocking
            elif a is not None:
                dtype = a
        if dev is not None:
            as_device(dev)
        if dtype is not None:
            dtype = D.as_dtype(dtype)
            if dtype is not self.dtype:
                from .ops.convert import cast
                return cast(self, dtype)
        if copy:
            return self.clone()
        return self

    def cpu(self, memory_format=None):
        return self

    def cuda(self, device=None, non_blocking=False):
        as_device('cuda' if device is None else device)

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    def half(self):
        return self.to(D.float16)

    def bfloat16(self):
        return self.to(D.bfloat16)

    def long(self):
        return self.to(D.int64)

    def int(self):
        return self.to(D.int32)

    def short(self):
        return self.to(D.int16)

    def char(self):
        return self.to(D.int8)

    def byte(self):
        return self.to(D.uint8)

    def bool(self):
        return self.to(D.bool_)

    def cfloat(self):
        return self.to(D.complex64)

    def cdouble(self):
        return self.to(D.complex128)

    def type_as(self, other):
        return self.to(other.dtype)

    def pin_memory(self):
        return self

    def is_pinned(self):
        return False

    def share_memory_(self):
        return self

    def is_shared(self):
        return False


_new = object.__new__


def _rebuild(cls, arr, requires_grad, grad, state):
    t = _new(cls)
    Tensor._init(t, arr)
    t._requires_grad = requires_grad
    t.grad = grad
    if state:
        t.__dict__.update(state)
    return t


_fn._set_tensor_class(Tensor)
