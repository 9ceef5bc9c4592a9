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


class memory_format:
    """ember.contiguous_format / preserve_format (channels_last is refused where used)."""
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return 'ember.' + self.name

    def __reduce__(self):
        return self.name


contiguous_format = memory_format('contiguous_format')
preserve_format = memory_format('preserve_format')
channels_last = memory_format('channels_last')
channels_last_3d = memory_format('channels_last_3d')


class UntypedStorage:
    """A read-only window on a tensor's memory: what ``untyped_storage()`` returns."""
    __slots__ = ('_root',)

    def __init__(self, root):
        self._root = root

    device = property(lambda self: CPU)

    def data_ptr(self):
        return self._root.__array_interface__['data'][0] if self._root.size else 0

    def nbytes(self):
        return self._root.nbytes

    def size(self):
        return self._root.nbytes

    def __len__(self):
        return self._root.nbytes

    def element_size(self):
        return 1

    def tolist(self):
        r = self._root
        flat = r.reshape(-1, order='A') if (r.flags.c_contiguous or r.flags.f_contiguous) else r.copy().reshape(-1)
        return flat.view(np.uint8).tolist()

    def __repr__(self):
        body = '\n'.join(f" {b}" for b in self.tolist())
        return (body + '\n' if body else '') + \
            f"[ember.storage.UntypedStorage(device=cpu) of size {self.nbytes()}]"


class layout:
    """A tensor memory layout (only ``ember.strided`` exists)."""
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return 'ember.' + self.name

    def __reduce__(self):
        return 'strided'


strided = layout('strided')

# the C++ names torch uses for dtypes in a few messages
_CPP_NAME = {D.float64: 'double', D.float32: 'float', D.float16: 'c10::Half',
             D.bfloat16: 'c10::BFloat16', D.int64: 'long int', D.int32: 'int', D.int16: 'short int',
             D.int8: 'signed char', D.uint8: 'unsigned char', D.bool_: 'bool',
             D.complex64: 'c10::complex<float>', D.complex128: 'c10::complex<double>'}


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
    __slots__ = ('_data', '_requires_grad', '_grad_fn', '_output_nr', '_grad', '_vc',
                 '_base', '_view_replay', '_hooks', '_post_acc_hooks', '__weakref__', '__dict__')

    __array_priority__ = 1000  # make ndarray (op) Tensor defer to Tensor's reflected ops

    # ------------------------------------------------------------ construction
    def __new__(cls, *args, device=None, **kwargs):
        """The legacy constructor: Tensor() (empty), Tensor(2, 3) (uninitialised),
        Tensor(Size), Tensor([1, 2]) / Tensor(ndarray) (data, default float dtype),
        Tensor(tensor) (an alias of tensor)."""
        return _legacy_new(cls, args, device, kwargs, D.get_default_dtype())

    def __init__(self, *args, **kwargs):
        pass  # everything happens in __new__

    def _init(self, arr, grad_fn=None, nr=0):
        self._data = arr
        self._grad_fn = grad_fn
        self._requires_grad = grad_fn is not None
        self._output_nr = nr
        self._grad = None
        self._vc = [0]
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
        t._grad = None
        t._vc = [0]
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
        out._vc = base._vc
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
        return self._data.shape[self._wrap_dim_strict(dim)]

    def _wrap_dim_strict(self, dim):
        """dim for size()/stride(): like _wrap_dim, but a 0-d tensor has no dimension at all."""
        if self._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return self._wrap_dim(dim)

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
    is_mps = False
    is_xpu = False
    is_mkldnn = False
    is_nested = False
    layout = strided

    def get_device(self):
        return -1

    def stride(self, dim=None):
        a = self._data
        isz = a.itemsize
        shape = a.shape
        if a.size == 0:
            # NumPy zeroes the strides of empty arrays; torch keeps contiguous-style strides
            st = []
            acc = 1
            for n in reversed(shape):
                st.append(acc)
                acc *= n if n > 1 else 1
            st = tuple(reversed(st))
        else:
            st = [s // isz for s in a.strides]
            # a size-1 dim made by NumPy's newaxis has stride 0; torch's unsqueeze gives it
            # size * stride of the next dim (1 for the innermost)
            acc = 1
            for i in range(len(st) - 1, -1, -1):
                if shape[i] == 1 and st[i] == 0:
                    st[i] = acc
                acc = st[i] * shape[i]
            st = tuple(st)
        if dim is None:
            return st
        return st[self._wrap_dim_strict(dim)]

    def data_ptr(self):
        """Address of the first element (0 for an empty tensor, like torch)."""
        if self._data.size == 0:
            return 0
        return self._data.__array_interface__['data'][0]

    def _storage_root(self):
        return _root_of(self._data)

    def is_set_to(self, tensor):
        """True if both tensors view the same memory with the same size, stride and offset."""
        a, b = self._data, tensor._data
        return (self._storage_root() is tensor._storage_root() and a.shape == b.shape
                and a.dtype == b.dtype and self.data_ptr() == tensor.data_ptr()
                and self.stride() == tensor.stride())

    def storage_offset(self):
        arr = self._data
        root = _root_of(arr)
        if root is arr:
            return 0
        off = arr.__array_interface__['data'][0] - root.__array_interface__['data'][0]
        return off // arr.itemsize

    def is_contiguous(self, memory_format=None):
        if memory_format is not None and memory_format is not contiguous_format:
            return _is_contiguous_as(self, memory_format)
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

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """type() -> 'torch.FloatTensor' (torch's string, which programs compare);
        type(dtype or 'torch.DoubleTensor') -> the tensor cast to that type."""
        if kwargs:
            raise TypeError(f"type() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if dtype is None:
            return f"torch.{self.dtype._short}Tensor"
        if isinstance(dtype, str):
            if dtype.startswith(('torch.cuda.', 'ember.cuda.')):
                as_device('cuda')
            if dtype.endswith('Tensor'):
                short = dtype.rsplit('.', 1)[-1][:-len('Tensor')]
                for d in D.ALL:
                    if d._short == short:
                        return self.to(d)
            raise ValueError(f"invalid type: '{dtype}'")
        if dtype.__class__ is not D.dtype and dtype not in _PY_DTYPES:
            raise TypeError("dtype must be a type, str, or dtype object")
        return self.to(dtype)

    # ------------------------------------------------------------ autograd fields
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self._grad_fn is not None:
            if value.__class__ is not bool:
                raise RuntimeError("requires_grad must be a bool")
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach().")
            return
        if value.__class__ is not bool:
            raise RuntimeError("requires_grad must be a bool")
        if value and self.dtype.category < D.FLOAT:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        if requires_grad.__class__ is not bool:
            raise TypeError("requires_grad_(): argument 'requires_grad' (position 1) must be bool, "
                            f"not {type(requires_grad).__module__ + '.' if type(requires_grad).__module__ != 'builtins' else ''}"
                            f"{type(requires_grad).__name__}")
        if requires_grad and self.dtype.category < D.FLOAT and self._grad_fn is None:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
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
        return self._vc[0]

    @property
    def _version(self):
        """The in-place version counter (an int, as in torch). The shared counter object is
        ``_vc`` (a one-element list shared by a tensor, its views and its detach()es)."""
        return self._vc[0]

    @property
    def data(self):
        t = Tensor._make(self._data)
        return t

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data

    def is_inference(self):
        return False

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            a, g = self._data, value._data
            if g.shape != a.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(g.shape)}' to a "
                                   f"tensor of size '{list(a.shape)}'. Please ensure that the "
                                   "gradient and the tensor are the same size")
            if g.dtype != a.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_CPP_NAME[_NP2DT[g.dtype]]}' to a "
                    f"tensor with grad_dtype '{self.dtype._short}'. The gradient must match the "
                    "tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
                    "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
                    "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may "
                    "break downstream systems that assume they match.")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    def detach(self):
        t = Tensor._make(self._data)
        t._vc = self._vc
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
        _autograd_backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ------------------------------------------------------------ conversion
    def item(self):
        a = self._data
        if a.size != 1:
            raise RuntimeError(f"a Tensor with {a.size} elements cannot be converted to Scalar")
        v = a.reshape(()).item()
        if a.dtype.kind == 'V' or v.__class__ not in _PY_TYPES:  # bfloat16 scalars
            v = float(v)
        return v

    def tolist(self):
        if self.dtype is D.bfloat16:
            return self._data.astype(np.float32).tolist()
        return self._data.tolist()

    def numpy(self, *, force=False):
        """The tensor's NumPy array (shares memory). bfloat16 tensors give an ml_dtypes
        bfloat16 array (torch refuses them)."""
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
            if copy is False:
                raise ValueError("Unable to avoid copy while creating an array as requested.")
            return a.astype(dtype)
        return a.copy() if copy else a

    def __array_wrap__(self, array, context=None, return_scalar=False):
        # NumPy ufuncs on tensors give tensors (torch turns bool results into uint8)
        if array.dtype == np.bool_:
            array = array.astype(np.uint8)
        return Tensor._make(np.asarray(array))

    def __contains__(self, element):
        if isinstance(element, Tensor):
            element = element._data
        elif not isinstance(element, (bool, int, float, complex, np.generic)):
            raise RuntimeError("Tensor.__contains__ only supports Tensor or scalar, but you passed in "
                               f"a {type(element)}.")
        return bool(np.any(element == self._data))

    def __reversed__(self):
        if self._data.ndim == 0:
            return self
        return self.flip(0)

    def untyped_storage(self):
        """The memory under this tensor (shared by all its views)."""
        return UntypedStorage(_root_of(self._data))

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        n = self._data.size
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'more than one value' if n else 'no values'} "
                               "is ambiguous")
        return bool(self._data.reshape(()))

    def _py_scalar(self, what):
        a = self._data
        if a.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if a.dtype.kind == 'c' and what != 'complex':
            raise RuntimeError(f"value cannot be converted to type {what} without overflow")
        return a.reshape(()).item() if a.dtype.kind != 'V' else float(a.reshape(()))

    def __float__(self):
        return float(self._py_scalar('double'))

    def __int__(self):
        return int(self._py_scalar('int64_t'))

    def __complex__(self):
        return complex(self._py_scalar('complex'))

    def __index__(self):
        if self._data.dtype.kind not in 'iub' or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()))

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        # like torch: the values and requires_grad travel, not .grad nor the graph. A view
        # travels with its whole storage and comes back as a view of it (same storage_offset and
        # strides); like torch's pickle, each tensor brings its own copy of the storage.
        root, spec = _storage_spec(self._data)
        if spec is not None:
            root = root.copy(order='A')
        return (_rebuild, (type(self), root, spec, self._requires_grad, self.__dict__ or None))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                "because of a ember.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001")
        import copy
        root, spec = _storage_spec(self._data)
        new_root = memo.get(id(root))
        if new_root is None:
            new_root = root.copy(order='A')
            memo[id(root)] = new_root
        new = _rebuild(type(self), new_root, spec, self._requires_grad, None)
        memo[id(self)] = new
        if self._grad is not None:
            new._grad = copy.deepcopy(self._grad, memo)
        if self.__dict__:
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        if self._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        if stream is not None and stream != -1:
            raise BufferError("ember tensors live on the CPU: stream must be None")
        kw = {}
        if max_version is not None:
            kw['max_version'] = max_version
        if dl_device is not None:
            kw['dl_device'] = dl_device
        if copy is not None:
            kw['copy'] = copy
        return self._data.__dlpack__(**kw)

    def __dlpack_device__(self):
        return (DLDeviceType.kDLCPU, 0)

    # ------------------------------------------------------------ repr
    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr
        return tensor_repr(self, tensor_contents)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    # ------------------------------------------------------------ device / dtype moves
    def to(self, *args, **kwargs):
        """to(device=None, dtype=None, non_blocking=False, copy=False, *, memory_format=None),
        to(dtype, non_blocking=False, copy=False, *, memory_format=None),
        to(tensor, non_blocking=False, copy=False, *, memory_format=None)."""
        if len(args) > 4:
            raise TypeError(f"to() takes from 0 to 4 positional arguments but {len(args)} were given")
        first = args[0] if args else None
        if isinstance(first, Tensor):
            names = ('tensor', 'non_blocking', 'copy')
        elif first is not None and (first.__class__ is D.dtype or first in _PY_DTYPES):
            names = ('dtype', 'non_blocking', 'copy')
        else:
            names = ('device', 'dtype', 'non_blocking', 'copy')
        allowed = names + ('memory_format',)
        bad = len(args) > len(names) or any(k not in allowed for k in kwargs) \
            or any(n in kwargs for n in names[:len(args)])
        if bad:
            got = _got_str(args, kwargs)
            raise TypeError(
                f"to() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                " * (ember.device device = None, ember.dtype dtype = None, bool non_blocking = False, "
                "bool copy = False, *, ember.memory_format memory_format = None)\n"
                " * (ember.dtype dtype, bool non_blocking = False, bool copy = False, *, "
                "ember.memory_format memory_format = None)\n"
                " * (Tensor tensor, bool non_blocking = False, bool copy = False, *, "
                "ember.memory_format memory_format = None)\n")
        opts = dict(zip(names, args))
        opts.update(kwargs)
        dev = opts.get('device')
        dtype = opts.get('dtype')
        other = opts.get('tensor')
        if other is not None:
            dtype = other.dtype
        if dev is not None:
            if dev.__class__ is not _device_cls and not isinstance(dev, (str, int)):
                raise TypeError(f"to(): argument 'device' must be ember.device, not {type(dev).__name__}")
            as_device(dev)
        if dtype is not None:
            dtype = D.as_dtype(dtype)
        mf = opts.get('memory_format')
        out = self
        if dtype is not None and dtype is not self.dtype:
            from .ops.convert import cast
            out = cast(self, dtype)
        elif opts.get('copy', False):
            out = self.clone()
        if mf is not None and out is not self:
            out = _apply_memory_format(out, mf)
        return out

    def cpu(self, memory_format=None):
        return self  # already on the CPU: torch returns the tensor itself

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        as_device('cuda' if device is None or isinstance(device, int) else device)
        return self  # only reached for device='cpu'

    def new(self, *args, device=None, **kwargs):
        """Legacy x.new(...): like the Tensor(...) constructor, in x's dtype."""
        return _legacy_new(Tensor, args, device, kwargs, self.dtype)

    def as_subclass(self, cls):
        """The same tensor (memory, autograd history) as an instance of cls."""
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError("Creating a Tensor subclass from a class that does not inherit from "
                            "Tensor is not possible. Make sure your class inherits from Tensor.")
        t = _alias(self)  # AliasBackward0 when self requires grad, like torch
        t.__class__ = cls
        return t

    def is_same_size(self, other):
        return self._data.shape == other._data.shape

    def is_nonzero(self):
        n = self._data.size
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'more than one value' if n else 'no values'} "
                               "is ambiguous")
        return bool(self._data.reshape(()))

    def dim_order(self, *, ambiguity_check=False):
        """Dims from outermost to innermost in memory (stable for equal strides)."""
        if ambiguity_check is not False:
            raise NotImplementedError("dim_order(ambiguity_check=...) is not supported by ember")
        st = self.stride()
        return tuple(sorted(range(len(st)), key=lambda i: -st[i]))

    def const_data_ptr(self):
        return self.data_ptr()

    def _no_device(self, *args, **kwargs):
        raise RuntimeError("ember runs on the CPU only: this device is not available")

    xpu = ipu = mtia = _no_device
    is_xla = is_ipu = is_vulkan = is_mtia = is_maia = is_sparse_csr = False

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
                   pin_memory=False):
        """A new tensor (a copy of data) with this tensor's dtype unless dtype is given."""
        _check_factory(device, layout, pin_memory)
        dt = D.as_dtype(dtype) if dtype is not None else self.dtype
        if isinstance(data, Tensor):
            data = data._data
        arr = np.array(data, dtype=dt.np)
        return _finish_new(arr, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
                  pin_memory=False):
        _check_factory(device, layout, pin_memory)
        dt = D.as_dtype(dtype) if dtype is not None else self.dtype
        return _finish_new(np.empty(_parse_size(size), dt.np), requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
                  pin_memory=False):
        _check_factory(device, layout, pin_memory)
        dt = D.as_dtype(dtype) if dtype is not None else self.dtype
        return _finish_new(np.zeros(_parse_size(size), dt.np), requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
                 pin_memory=False):
        _check_factory(device, layout, pin_memory)
        dt = D.as_dtype(dtype) if dtype is not None else self.dtype
        return _finish_new(np.ones(_parse_size(size), dt.np), requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
                 layout=None, pin_memory=False):
        _check_factory(device, layout, pin_memory)
        dt = D.as_dtype(dtype) if dtype is not None else self.dtype
        if isinstance(fill_value, Tensor):
            fill_value = fill_value.item()
        arr = np.empty(_parse_size((size,)), dt.np)
        if dt.category < D.COMPLEX and isinstance(fill_value, complex):
            raise RuntimeError(f"value cannot be converted to type {_CPP_NAME[dt]} without overflow")
        arr.fill(fill_value)
        return _finish_new(arr, requires_grad)

    def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False,
                          layout=None, pin_memory=False):
        _check_factory(device, layout, pin_memory)
        dt = D.as_dtype(dtype) if dtype is not None else self.dtype
        size = _parse_size((size,))
        stride = tuple(int(x) for x in stride)
        if len(stride) != len(size):
            raise RuntimeError(f"mismatch in length of strides and shape")
        if any(x < 0 for x in stride):
            raise RuntimeError("as_strided: Negative strides are not supported at the moment, "
                               f"got strides: {list(stride)}")
        n = 1 + sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else 0
        buf = np.empty(n, dt.np)
        arr = np.lib.stride_tricks.as_strided(buf, size, tuple(st * dt.itemsize for st in stride))
        return _finish_new(arr, requires_grad)

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
        from .multiprocessing.reductions import share_memory_
        return share_memory_(self)

    def is_shared(self):
        from .multiprocessing.reductions import is_shared
        return is_shared(self)


_new = object.__new__
_PY_TYPES = (bool, int, float, complex)
_PY_DTYPES = (float, int, bool, complex)


def _rebuild(cls, root, spec, requires_grad, state):
    """Inverse of _storage_spec (pickling/deepcopy): the tensor, as a view of root if it was one."""
    if spec is None:
        arr = root
    else:
        offset, shape, strides = spec
        flat = root.reshape(-1, order='A')
        arr = np.lib.stride_tricks.as_strided(flat[offset:], shape, strides, writeable=True)
    t = _new(cls)
    Tensor._init(t, arr)
    t._requires_grad = requires_grad
    if state:
        t.__dict__.update(state)
    return t


def _storage_spec(arr):
    """(root array, None) for an array that owns its memory; (root, (element offset, shape,
    byte strides)) for a view of a contiguous root of the same dtype; otherwise (copy, None)."""
    root = _root_of(arr)
    if root is arr:
        return arr, None
    if root.dtype != arr.dtype or not (root.flags.c_contiguous or root.flags.f_contiguous) \
            or arr.size == 0:
        return arr.copy(), None
    start = root.__array_interface__['data'][0]
    off = arr.__array_interface__['data'][0] - start
    if off % arr.itemsize:
        return arr.copy(), None
    return root, (off // arr.itemsize, arr.shape, arr.strides)


class _Alias(_fn.Op):
    """torch.Tensor(t): a new tensor object on t's memory."""
    _name = 'AliasBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, g):
        return g


def _alias(t):
    return _Alias.apply(t)


try:
    import enum as _enum

    class DLDeviceType(_enum.IntEnum):
        kDLCPU = 1
        kDLCUDA = 2
        kDLCUDAHost = 3
        kDLOpenCL = 4
        kDLVulkan = 7
        kDLMetal = 8
        kDLVPI = 9
        kDLROCM = 10
        kDLROCMHost = 11
        kDLExtDev = 12
        kDLCUDAManaged = 13
        kDLOneAPI = 14
finally:
    pass


class _Capsule:
    """Lets NumPy import a bare (legacy) DLPack capsule."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (DLDeviceType.kDLCPU, 0)


def from_dlpack(ext_tensor):
    """ember.from_dlpack: a tensor sharing memory with any CPU DLPack exporter (a NumPy array,
    a torch tensor, another ember tensor...) or a legacy DLPack capsule."""
    if isinstance(ext_tensor, Tensor):
        return _alias(ext_tensor) if ext_tensor._requires_grad else Tensor._make(ext_tensor._data)
    if hasattr(ext_tensor, '__dlpack_device__'):
        dev = ext_tensor.__dlpack_device__()
        if int(dev[0]) != 1:
            raise RuntimeError(f"ember.from_dlpack: only CPU tensors can be imported (got DLPack "
                               f"device type {int(dev[0])}); move the tensor to the CPU first")
    elif not hasattr(ext_tensor, '__dlpack__'):
        ext_tensor = _Capsule(ext_tensor)
    try:
        arr = np.from_dlpack(ext_tensor)
    except (TypeError, BufferError) as e:
        raise BufferError(f"ember.from_dlpack: {e}") from None
    if arr.dtype not in _NP2DT:
        raise TypeError(f"ember.from_dlpack: unsupported dtype {arr.dtype}")
    if not arr.flags.writeable:
        try:
            arr.flags.writeable = True
        except ValueError:
            pass
    return Tensor._make(arr)


def _legacy_new(cls, args, device, kwargs, dt):
    if kwargs:
        raise TypeError(
            f"new() received an invalid combination of arguments - got ({_got_str(args, kwargs)}), "
            "but expected one of:\n"
            " * (*, ember.device device = None)\n"
            " * (Tensor other)\n"
            " * (tuple of ints size, *, ember.device device = None)\n"
            " * (object data, *, ember.device device = None)\n")
    as_device(device)
    if not args:
        arr = np.empty((0,), dt.np)
    elif len(args) == 1 and not isinstance(args[0], (int, np.integer)) \
            and not isinstance(args[0], Size):
        src = args[0]
        if isinstance(src, Tensor):
            if cls is Tensor:
                return _alias(src)
            arr = src._data
        elif isinstance(src, (list, tuple, np.ndarray)):
            arr = np.array(src, dtype=dt.np)
        elif isinstance(src, (float, complex, bool)):
            raise TypeError(f"new(): data must be a sequence (got {type(src).__name__})")
        else:
            raise TypeError(f"new(): invalid data type '{type(src).__name__}'")
    else:
        shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
        for i, n in enumerate(shape):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
                raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {i + 1} "
                                f"with error \"type must be tuple of ints,but got "
                                f"{type(n).__name__}\"")
        if any(n < 0 for n in shape):
            bad = next(n for n in shape if n < 0)
            raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: "
                               f"{[int(n) for n in shape]}")
        arr = np.empty(tuple(int(n) for n in shape), dtype=dt.np)
    t = _new(cls)
    t._init(arr)
    return t


def _got_str(args, kwargs):
    pos = ', '.join(_arg_type_name(a) for a in args)
    kw = ', '.join(f"{k}={_arg_type_name(v)}" for k, v in kwargs.items())
    if not args:
        return kw + ', '
    return pos + (', ' + kw if kw else '')


def _root_of(arr):
    """The array that owns arr's memory (through NumPy views and as_strided wrappers)."""
    root = arr
    while True:
        b = root.base
        if isinstance(b, np.ndarray):
            root = b
        elif b is not None and isinstance(getattr(b, 'base', None), np.ndarray):
            root = b.base  # np.lib.stride_tricks.as_strided's DummyArray
        else:
            return root


def _is_contiguous_as(t, mf):
    name = str(mf).rsplit('.', 1)[-1]
    if name in ('contiguous_format', 'preserve_format'):  # torch checks preserve_format as contiguous
        return t.is_contiguous()
    order = {'channels_last': (4, (1, 3, 2, 0)), 'channels_last_3d': (5, (1, 4, 3, 2, 0))}.get(name)
    if order is None:
        raise TypeError(f"is_contiguous(): argument 'memory_format' must be ember.memory_format, "
                        f"not {type(mf).__name__}")
    nd, dims = order
    if t.ndim != nd:
        return False
    shape, st = t.shape, t.stride()
    expected = 1
    for d in dims:
        if shape[d] != 1:
            if st[d] != expected:
                return False
            expected *= shape[d]
    return True


def _arg_type_name(a):
    if isinstance(a, Tensor):
        return 'Tensor'
    if a.__class__ is D.dtype:
        return 'ember.dtype'
    if a.__class__ is _device_cls:
        return 'ember.device'
    return type(a).__name__


def _apply_memory_format(t, mf):
    name = str(mf).rsplit('.', 1)[-1]
    if name == 'preserve_format':
        return t
    if name == 'contiguous_format':
        return t.contiguous()
    raise NotImplementedError(f"memory_format={mf} is not supported by ember (only "
                              "contiguous_format and preserve_format)")


def _check_factory(device, layout, pin_memory):
    as_device(device)
    if layout is not None and layout is not strided:
        raise NotImplementedError(f"layout={layout} is not supported by ember (only ember.strided)")
    if pin_memory:
        raise RuntimeError("pin_memory=True needs an accelerator; ember runs on the CPU only")


def _parse_size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for i, n in enumerate(size):
        if isinstance(n, Tensor):
            n = n.__index__()
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"argument 'size' must be tuple of ints, but found element of type "
                            f"{type(n).__name__} at pos {i}")
        out.append(int(n))
    for n in out:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {out}")
    return tuple(out)


def _finish_new(arr, requires_grad):
    t = Tensor._make(arr)
    if requires_grad:
        if t.dtype.category < D.FLOAT:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


_fn._set_tensor_class(Tensor)

from .autograd import backward as _autograd_backward  # noqa: E402  (after Tensor exists)
