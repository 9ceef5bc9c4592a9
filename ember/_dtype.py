"""dtypes and PyTorch's type-promotion rules.

Every ember dtype wraps one NumPy dtype (bfloat16 comes from ml_dtypes).  The
promotion table lives in :func:`result_type` and nowhere else.
"""
import numpy as np

try:  # bfloat16 is optional at import time; ml_dtypes is a core dependency
    import ml_dtypes as _ml
    _BF16 = np.dtype(_ml.bfloat16)
except ImportError:  # pragma: no cover
    _ml = None
    _BF16 = None

# categories, in promotion order
BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3


class dtype:
    """An ember dtype (``ember.float32`` ...). Compares by identity, like torch."""

    __slots__ = ('name', 'np', 'category', 'itemsize', 'is_floating_point',
                 'is_complex', 'is_signed', '_short')

    def __init__(self, name, npdtype, category, short):
        self.name = name
        self.np = np.dtype(npdtype) if npdtype is not None else None
        self.category = category
        self.itemsize = self.np.itemsize if self.np is not None else 0
        self.is_floating_point = category == FLOAT
        self.is_complex = category == COMPLEX
        self.is_signed = name not in ('uint8', 'bool')
        self._short = short  # the legacy type name: Float, Long, ...

    def __repr__(self):
        return 'ember.' + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_complex(self):
        if self.category < FLOAT:
            raise RuntimeError(f"Unknown Complex ScalarType for {self._short}")
        return _TO_COMPLEX.get(self.name, self)

    def to_real(self):
        return _TO_REAL.get(self.name, self)


def _dtype_by_name(name):
    return _BY_NAME[name]


bool_ = dtype('bool', np.bool_, BOOL, 'Bool')
uint8 = dtype('uint8', np.uint8, INT, 'Byte')
int8 = dtype('int8', np.int8, INT, 'Char')
int16 = dtype('int16', np.int16, INT, 'Short')
int32 = dtype('int32', np.int32, INT, 'Int')
int64 = dtype('int64', np.int64, INT, 'Long')
float16 = dtype('float16', np.float16, FLOAT, 'Half')
bfloat16 = dtype('bfloat16', _BF16, FLOAT, 'BFloat16') if _BF16 is not None else None
float32 = dtype('float32', np.float32, FLOAT, 'Float')
float64 = dtype('float64', np.float64, FLOAT, 'Double')
complex64 = dtype('complex64', np.complex64, COMPLEX, 'ComplexFloat')
complex128 = dtype('complex128', np.complex128, COMPLEX, 'ComplexDouble')
complex32 = complex64  # NumPy has no complex32; torch.chalf maps to complex64 here
_TO_COMPLEX = {'float16': complex32, 'bfloat16': complex64, 'float32': complex64,
               'float64': complex128}
_TO_REAL = {'complex64': float32, 'complex128': float64}

ALL = [d for d in (bool_, uint8, int8, int16, int32, int64, float16, bfloat16,
                   float32, float64, complex64, complex128) if d is not None]
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME['bool'] = bool_
# NumPy dtype -> ember dtype; used to wrap every array an op returns
NP2DT = {d.np: d for d in ALL}
for _d in ALL:
    NP2DT[_d.np.type] = _d  # scalar types too (np.float32 ...)

_ALIASES = {
    'float': float32, 'double': float64, 'half': float16, 'long': int64, 'int': int32,
    'short': int16, 'cfloat': complex64, 'cdouble': complex128, 'bool': bool_,
}

_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    d = as_dtype(d)
    if d not in (float16, bfloat16, float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d
    _RESULT_CACHE.clear()


def default_complex():
    return complex128 if _default_float is float64 else complex64


def as_dtype(d):
    """Accept an ember dtype, a NumPy dtype/type, a Python type or a name."""
    if d.__class__ is dtype:
        return d
    if d is None:
        return None
    if d is float:
        return float64  # x.to(float) is float64 in torch
    if d is int:
        return int64
    if d is bool:
        return bool_
    if d is complex:
        return complex128
    if isinstance(d, str):
        name = d.replace('torch.', '').replace('ember.', '')
        if name in _BY_NAME:
            return _BY_NAME[name]
        if name in _ALIASES:
            return _ALIASES[name]
        raise TypeError(f"unknown dtype name: {d!r}")
    try:
        return NP2DT[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"cannot interpret {d!r} as an ember dtype") from None


def from_numpy_dtype(npdt):
    try:
        return NP2DT[npdt]
    except KeyError:
        if not npdt.isnative:
            raise ValueError("given numpy array has byte order different from the native byte order. "
                             "Conversion between byte orders is currently not supported.") from None
        raise TypeError(
            f"can't convert np.ndarray of type {npdt}. The only supported types are: "
            "float64, float32, float16, bfloat16, complex64, complex128, int64, int32, int16, "
            "int8, uint8, and bool.") from None


# ---------------------------------------------------------------- promotion
_ORDER = {d: i for i, d in enumerate(ALL)}


def promote_types(a, b):
    """torch.promote_types: the smallest dtype both a and b cast to safely."""
    if a is b:
        return a
    key = (a, b)
    r = _PROMOTE_CACHE.get(key)
    if r is not None:
        return r
    if a.category == b.category == FLOAT and {a, b} == {float16, bfloat16}:
        r = float32
    elif a is bool_:
        r = b
    elif b is bool_:
        r = a
    elif a.category == COMPLEX or b.category == COMPLEX:
        # the complex type whose real part holds both real parts
        r = complex128 if float64 in (a, b) or complex128 in (a, b) else complex64
    elif a.category == FLOAT and b.category == FLOAT:
        r = a if a.itemsize > b.itemsize else b
    elif a.category == FLOAT:
        r = a
    elif b.category == FLOAT:
        r = b
    else:  # two integer types
        if uint8 in (a, b):
            other = b if a is uint8 else a
            r = int16 if other is int8 else other
        else:
            r = a if a.itemsize >= b.itemsize else b
    _PROMOTE_CACHE[key] = r
    return r


_PROMOTE_CACHE = {}


def _combine(higher, lower):
    # torch's combine_categories (c10/core/ScalarType / TensorIterator's result_type)
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == COMPLEX:
        return higher
    if lower.category == COMPLEX:
        if higher.category == FLOAT:
            return higher.to_complex()
        return lower
    if higher.category == FLOAT:
        return higher
    if higher is bool_ or lower.category == FLOAT:
        return promote_types(higher, lower)
    return higher


def _scalar_dtype(x):
    c = x.__class__
    if c is bool:
        return bool_
    if c is int:
        return int64
    if c is float:
        return _default_float
    if c is complex:
        return default_complex()
    # subclasses and NumPy scalars, as torch sees them: np.float64 is a float, np.complex128
    # a complex, NumPy integers are ints, any other NumPy scalar (np.float32, np.bool_,
    # np.complex64 ...) is converted through float()
    if isinstance(x, bool):
        return bool_
    if isinstance(x, (int, np.integer)):
        return int64
    if isinstance(x, float):
        return _default_float
    if isinstance(x, complex):
        return default_complex()
    if isinstance(x, np.generic):
        return _default_float
    raise TypeError(f"unsupported scalar type {type(x).__name__}")


_RESULT_CACHE = {}


def result_type_of(dim_dtypes, zero_dtypes, scalar_dtypes):
    """PyTorch's result_type from three groups: dimensioned tensors, 0-d tensors, Python scalars."""
    dim = zero = wrapped = None
    for d in dim_dtypes:
        dim = d if dim is None else promote_types(dim, d)
    for d in zero_dtypes:
        zero = d if zero is None else promote_types(zero, d)
    for d in scalar_dtypes:
        wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine(dim, _combine(zero, wrapped))


def result_type(*operands):
    """torch.result_type over any mix of Tensors and Python scalars."""
    dims, zeros, scalars = [], [], []
    for x in operands:
        dt = getattr(x, 'dtype', None)
        if dt is not None and dt.__class__ is dtype:
            (dims if x.ndim else zeros).append(dt)
        else:
            scalars.append(_scalar_dtype(x))
    return result_type_of(dims, zeros, scalars)


def binary_result_dtype(a, b):
    """Fast path for two operands; each is a Tensor or a (Python or NumPy) scalar. Cached on
    (array dtype, is-dimensioned) for tensors and on the class for scalars."""
    ca = a.__class__
    ta = _IS_TENSOR.get(ca)
    if ta is None:
        ta = _classify(ca)
    if ta:
        d = a._data
        ka, na = d.dtype, d.ndim != 0
    else:
        ka, na = ca, None
    cb = b.__class__
    tb = _IS_TENSOR.get(cb)
    if tb is None:
        tb = _classify(cb)
    if tb:
        d = b._data
        kb, nb = d.dtype, d.ndim != 0
    else:
        kb, nb = cb, None
    key = (ka, na, kb, nb)
    r = _RESULT_CACHE.get(key)
    if r is None:
        groups = ([], [], [])
        for x, k, n in ((a, ka, na), (b, kb, nb)):
            dt = _NP2DT_FAST[k] if n is not None else _scalar_dtype(x)
            groups[0 if n else (1 if n is False else 2)].append(dt)
        r = _RESULT_CACHE[key] = result_type_of(*groups)
    return r


_IS_TENSOR = {bool: False, int: False, float: False, complex: False}
_NP2DT_FAST = NP2DT


def _classify(cls):
    """Is cls a Tensor class (has the Tensor internals) or a scalar type?"""
    r = hasattr(cls, '_mark_view') and hasattr(cls, '_make')
    if not r and not issubclass(cls, (bool, int, float, complex, np.generic)):
        return False  # not cached: _scalar_dtype raises for it
    _IS_TENSOR[cls] = r
    return r


def can_cast(from_, to):
    """torch.can_cast: same-kind casting (no float->int, no complex->real, nothing->bool)."""
    if from_.category > to.category:
        return False
    if to is bool_ and from_ is not bool_:
        return False
    return True


# ---------------------------------------------------------------- finfo / iinfo
class finfo:
    def __init__(self, type=None):
        d = as_dtype(type) if type is not None else _default_float
        if d.category not in (FLOAT, COMPLEX):
            raise TypeError("ember.finfo() requires a floating point input type. Use ember.iinfo "
                            "to handle 'ember.finfo'")
        d = d.to_real()
        info = np.finfo(d.np) if d is not bfloat16 else _ml.finfo(_BF16)
        self.bits = d.itemsize * 8
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.tiny)
        self.smallest_normal = self.tiny
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = d.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    def __init__(self, type):
        d = as_dtype(type)
        if d is bool_:
            raise TypeError("ember.bool is not supported by ember.iinfo")
        if d.category != INT:
            raise TypeError("ember.iinfo() requires an integer input type. Use ember.finfo to "
                            "handle 'ember.iinfo'")
        info = np.iinfo(d.np)
        self.bits = d.itemsize * 8
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = d.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
