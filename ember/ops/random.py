"""Random sampling: rand/randn/randint/randperm, normal, bernoulli, multinomial, poisson and the
in-place samplers (``uniform_``, ``normal_`` ...), plus ``fill_``/``zero_``.

Every function takes ``generator=`` (an ``ember.Generator``; the default generator otherwise).
Samples are drawn with NumPy's PCG64 streams: reproducible within ember, not bit-equal to torch.
"""
import math
import warnings

import numpy as np

from .. import _dtype as D
from .._device import as_device
from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ..random import (Generator, default_generator, manual_seed, seed, initial_seed,  # noqa: F401
                      get_rng_state, set_rng_state)
from ._util import check_broadcast
from .creation import _size, _check_opts, _finish, _kw_size, _NOT_IMPL
from .inplace import apply_inplace, _check_leaf

_make = Tensor._make
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_CTYPE = {'bool': 'bool', 'uint8': 'unsigned char', 'int8': 'signed char', 'int16': 'short',
          'int32': 'int', 'int64': 'long'}
_CTYPE_T = {'bool': 'bool', 'uint8': 'uint8_t', 'int8': 'int8_t', 'int16': 'int16_t', 'int32': 'int32_t',
            'int64': 'int64_t', 'float16': 'c10::Half', 'bfloat16': 'c10::BFloat16', 'float32': 'float',
            'float64': 'double'}
_TYPEID = {'bool': 'bool', 'uint8': 'unsigned char', 'int8': 'signed char', 'int16': 'short int',
           'int32': 'int', 'int64': 'long int'}
_DIGITS = {'float16': 11, 'bfloat16': 8, 'float32': 24, 'float64': 53}


# ----------------------------------------------------------------------------- helpers
def _gen(generator):
    if generator is None:
        return default_generator._np
    if generator.__class__ is not Generator:
        raise TypeError(f"expected a ember.Generator for argument 'generator', got "
                        f"{type(generator).__name__}")
    return generator._np


def _num(x):
    if isinstance(x, Tensor):
        return x._data.item()
    return x


def _fmt(v):
    """A number as torch's C++ streams print it (-1, 0.5, 1e-05)."""
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _uniform01(g, shape, npdt):
    """Uniform samples in [0, 1) of ``npdt`` (a float or complex NumPy dtype)."""
    if npdt is _F32 or npdt is _F64 or npdt == _F32 or npdt == _F64:
        return g.random(shape, dtype=npdt)
    if npdt.kind == 'c':
        real = _F32 if npdt.itemsize == 8 else _F64
        return g.random(tuple(shape) + (2,), dtype=real).view(npdt).reshape(shape)
    a = g.random(shape, dtype=_F32).astype(npdt)
    below_one = np.array(1.0 - D.finfo(D.NP2DT[npdt]).eps / 2, dtype=npdt)
    return np.minimum(a, below_one)


def _std_normal(g, shape, npdt):
    if npdt is _F32 or npdt is _F64 or npdt == _F32 or npdt == _F64:
        return g.standard_normal(shape, dtype=npdt)
    if npdt.kind == 'c':
        real = _F32 if npdt.itemsize == 8 else _F64
        r = g.standard_normal(tuple(shape) + (2,), dtype=real)
        r *= real.type(math.sqrt(0.5))
        return r.view(npdt).reshape(shape)
    return g.standard_normal(shape, dtype=_F32).astype(npdt)


def _float_dtype(dt, kernel):
    if dt.category < D.FLOAT:
        raise NotImplementedError(_NOT_IMPL.format(kernel, dt._short))
    return dt


def _int_bound(x, fname, name, pos):
    if x.__class__ is int and -(1 << 63) <= x < (1 << 63):
        return x
    if isinstance(x, Tensor) and x._data.ndim == 0 and x._data.dtype.kind in 'biu':
        x = int(x._data)
    elif isinstance(x, np.integer):
        x = int(x)
    elif x.__class__ is not int and not isinstance(x, int):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be int, not {type(x).__name__}")
    if not -(1 << 63) <= x < (1 << 63):
        raise ValueError("Overflow when unpacking long long")
    return int(x)


_IBOUNDS = {}


def _check_from_to(lo, hi, dt):
    """torch's random_(from, to) checks: from < to, both within the dtype's range."""
    if lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
    if dt.category <= D.INT:
        b = _IBOUNDS.get(dt)
        if b is None:
            info = np.iinfo(dt.np) if dt is not D.bool_ else None
            b = _IBOUNDS[dt] = (0, 1) if info is None else (int(info.min), int(info.max))
        mn, mx = b
        if not mn <= lo <= mx:
            raise RuntimeError(f"from is out of bounds for {_CTYPE[dt.name]}")
        if not mn <= hi - 1 <= mx:
            raise RuntimeError(f"to - 1 is out of bounds for {_CTYPE[dt.name]}")
    elif dt.category == D.FLOAT:
        lim = 1 << _DIGITS[dt.name]
        if not (-lim <= lo <= lim and -lim <= hi - 1 <= lim):
            warnings.warn(f"to - 1 is out of bounds [-(2^{_DIGITS[dt.name]}), 2^{_DIGITS[dt.name]}]. Due to "
                          f"precision limitations {dt.name} can support discrete uniform distribution only "
                          "within this range.", UserWarning, stacklevel=3)
    else:
        raise NotImplementedError(_NOT_IMPL.format('random_from_to_cpu', dt._short))


def _int_sample(g, lo, hi, shape):
    """Uniform int64 integers in [lo, hi). Generator.integers has a ~15 us fixed cost, so ranges
    up to 2^32 scale a double uniform (53 random bits: bias below 2^-21 of a bucket)."""
    r = hi - lo
    if r <= (1 << 32):
        u = g.random(shape)
        u *= r
        arr = u.astype(np.int64)
        if r > (1 << 24):  # guard the rounding of u * r up to r
            np.minimum(arr, r - 1, out=arr)
        if lo:
            arr += lo
        return arr
    if hi > (1 << 63) - 1:
        return g.integers(lo, hi, size=shape, dtype=np.uint64 if lo >= 0 else np.int64)
    return g.integers(lo, hi, size=shape, dtype=np.int64)


def _randint_array(g, lo, hi, shape, dt):
    arr = _int_sample(g, lo, hi, shape)
    return arr if dt is D.int64 else arr.astype(dt.np)


class _NoGrad(Op):
    """Output of a sampler given tensor parameters: a sample, so every input's gradient is zero."""
    _name = 'NormalBackward3'

    @staticmethod
    def forward(ctx, *args):
        ctx.metas = [(a.shape, a.dtype) for a in args[:-1]]
        return args[-1]

    @staticmethod
    def backward(ctx, g):
        return tuple(_make(np.zeros(s, d)) if need else None
                     for (s, d), need in zip(ctx.metas, ctx.needs_input_grad))


_NOGRAD = {}


def _no_grad_op(name):
    c = _NOGRAD.get(name)
    if c is None:
        c = _NOGRAD[name] = type(name.replace('Backward', '_'), (_NoGrad,), {'_name': name})
    return c


def _wrap_sample(arr, name, *params):
    """Wrap a sample; when a parameter requires grad the result gets a zero-gradient node."""
    if STATE.enabled and any(isinstance(p, Tensor) and p._requires_grad for p in params):
        return _no_grad_op(name).apply(*[p for p in params if isinstance(p, Tensor)], arr)
    return _make(arr)


def _like_shape(input, npdt, memory_format):
    if not isinstance(input, Tensor):
        raise TypeError(f"argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input._data.shape


def _like_layout(input, arr, mf):
    """Give ``arr`` input's memory layout (memory_format=preserve_format), as torch does."""
    a = input._data
    if mf == 'contiguous_format' or a.flags.c_contiguous or a.ndim < 2:
        return arr
    out = np.empty_like(a, arr.dtype, 'K')
    out[...] = arr
    return out


# ----------------------------------------------------------------------------- factories
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw):
    if device is not None:
        as_device(device)
    if layout is not None or pin_memory:
        _check_opts(layout, pin_memory)
    shape = _size(size, 'rand', _kw_size(kw, 'rand') if kw else None)
    dt = D.as_dtype(dtype) if dtype is not None else (out.dtype if out is not None else D.get_default_dtype())
    if dt.category < D.FLOAT:
        raise NotImplementedError(_NOT_IMPL.format('check_uniform_bounds', dt._short))
    return _finish(_uniform01(_gen(generator), shape, dt.np), requires_grad, out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw):
    if device is not None:
        as_device(device)
    if layout is not None or pin_memory:
        _check_opts(layout, pin_memory)
    shape = _size(size, 'randn', _kw_size(kw, 'randn') if kw else None)
    dt = D.as_dtype(dtype) if dtype is not None else (out.dtype if out is not None else D.get_default_dtype())
    if dt.category < D.FLOAT:
        raise NotImplementedError(_NOT_IMPL.format('normal_kernel_cpu', dt._short))
    return _finish(_std_normal(_gen(generator), shape, dt.np), requires_grad, out)


_RANDINT_SIG = ("randint() received an invalid combination of arguments - got ({}), but expected one of:\n"
                " * (int high, tuple of ints size, *, ember.Generator generator, Tensor out = None, "
                "ember.dtype dtype = None, ...)\n"
                " * (int low, int high, tuple of ints size, *, ember.Generator generator, ...)")


def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False, low=None, high=None):
    """randint(high, size) or randint(low, high, size); ``low`` defaults to 0."""
    if device is not None:
        as_device(device)
    if layout is not None or pin_memory:
        _check_opts(layout, pin_memory)
    a = list(args)
    if size is None:
        if a and isinstance(a[-1], (tuple, list)):
            size = a.pop()
        elif len(a) >= 2 or (len(a) == 1 and high is not None):
            raise TypeError(f"randint(): argument 'size' (position {len(a)}) must be tuple of ints, not "
                            f"{type(a[-1]).__name__}")
        else:
            raise TypeError(_RANDINT_SIG.format(', '.join(type(x).__name__ for x in args)))
    if high is None:
        if not a:
            raise TypeError(_RANDINT_SIG.format(', '.join(type(x).__name__ for x in args)))
        high = a.pop()
    if low is None:
        low = a.pop() if a else 0
    if a:
        raise TypeError(_RANDINT_SIG.format(', '.join(type(x).__name__ for x in args)))
    hpos = 2 if len(args) >= 3 else 1
    lo = _int_bound(low, 'randint', 'low', 1)
    hi = _int_bound(high, 'randint', 'high', hpos)
    shape = _size((size,), 'randint')
    dt = D.as_dtype(dtype) if dtype is not None else (out.dtype if out is not None else D.int64)
    _check_from_to(lo, hi, dt)
    return _finish(_randint_array(_gen(generator), lo, hi, shape, dt), requires_grad, out)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    if device is not None:
        as_device(device)
    if layout is not None or pin_memory:
        _check_opts(layout, pin_memory)
    n = _int_bound(n, 'randperm', 'n', 1)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = D.as_dtype(dtype) if dtype is not None else (out.dtype if out is not None else D.int64)
    if dt.category == D.INT and dt is not D.int64 and n > 0 and n - 1 > np.iinfo(dt.np).max:
        raise RuntimeError(f"value cannot be converted to type {_CTYPE_T[dt.name]} without overflow")
    if dt is D.bool_ and n > 2:
        raise RuntimeError("value cannot be converted to type bool without overflow")
    if dt.category == D.FLOAT and dt.name in ('float16', 'bfloat16'):
        lim = (1 << _DIGITS[dt.name]) + 1
        if n > lim:
            raise RuntimeError(f"n cannot be greater than {lim} for {'Half' if dt is D.float16 else 'BFloat16'} "
                               "type.")
    if dt.category == D.COMPLEX:
        raise NotImplementedError(_NOT_IMPL.format('randperm_cpu', dt._short))
    arr = _gen(generator).permutation(n)
    return _finish(arr if dt is D.int64 else arr.astype(dt.np), requires_grad, out)


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    if device is not None:
        as_device(device)
    mf = _check_opts(layout, False, memory_format)
    shape = _like_shape(input, None, mf)
    dt = D.as_dtype(dtype) if dtype is not None else input.dtype
    if dt.category < D.FLOAT:
        raise NotImplementedError(_NOT_IMPL.format('check_uniform_bounds', dt._short))
    return _finish(_like_layout(input, _uniform01(_gen(generator), shape, dt.np), mf), requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    if device is not None:
        as_device(device)
    mf = _check_opts(layout, False, memory_format)
    shape = _like_shape(input, None, mf)
    dt = D.as_dtype(dtype) if dtype is not None else input.dtype
    if dt.category < D.FLOAT:
        raise NotImplementedError(_NOT_IMPL.format('normal_kernel_cpu', dt._short))
    return _finish(_like_layout(input, _std_normal(_gen(generator), shape, dt.np), mf), requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    """randint_like(input, high) or randint_like(input, low, high)."""
    if device is not None:
        as_device(device)
    mf = _check_opts(layout, False, memory_format)
    shape = _like_shape(input, None, mf)
    if high is None:
        low, high = 0, low
    lo = _int_bound(low, 'randint_like', 'low', 2)
    hi = _int_bound(high, 'randint_like', 'high', 3 if low else 2)
    dt = D.as_dtype(dtype) if dtype is not None else input.dtype
    _check_from_to(lo, hi, dt)
    return _finish(_like_layout(input, _randint_array(_gen(generator), lo, hi, shape, dt), mf), requires_grad)


# ----------------------------------------------------------------------------- distributions
_NORMAL_SIG = ("normal() received an invalid combination of arguments - got ({}), but expected one of:\n"
               " * (Tensor mean, Tensor std, *, ember.Generator generator = None, Tensor out = None)\n"
               " * (Tensor mean, float std = 1, *, ember.Generator generator = None, Tensor out = None)\n"
               " * (float mean, Tensor std, *, ember.Generator generator = None, Tensor out = None)\n"
               " * (float mean, float std, tuple of ints size, *, ember.Generator generator = None, "
               "Tensor out = None, ember.dtype dtype = None, ...)")


def _is_num(x):
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    """The four overloads of torch.normal (tensor/float mean and std; float, float, size)."""
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if (tm or ts) and (size is not None or dtype is not None or requires_grad or layout is not None
                       or device is not None or pin_memory):
        got = ', '.join(type(x).__name__ for x in (mean, std) + ((size,) if size is not None else ()))
        raise TypeError(_NORMAL_SIG.format(got))
    if out is not None:
        raise NotImplementedError("ember.normal: the out= argument is not supported")
    g = _gen(generator)
    if tm or ts:
        if tm and ts:
            check_broadcast(mean._data.shape, std._data.shape)
            shape = np.broadcast_shapes(mean._data.shape, std._data.shape)
            dt, name = mean.dtype, 'NormalBackward3'
        elif tm:
            if not _is_num(std):
                raise TypeError(_NORMAL_SIG.format(f"Tensor, {type(std).__name__}"))
            shape, dt, name = mean._data.shape, mean.dtype, 'NormalBackward1'
        else:
            if not _is_num(mean):
                raise TypeError(_NORMAL_SIG.format(f"{type(mean).__name__}, Tensor"))
            shape, dt, name = std._data.shape, std.dtype, 'NormalBackward2'
        _float_dtype(dt, 'normal_kernel_cpu')
        if ts:
            if std._data.size and bool((std._data < 0).any()):
                raise RuntimeError("normal expects all elements of std >= 0.0")
            s = std._data
        else:
            s = float(std)
            if s < 0:
                raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(s)}")
        m = mean._data if tm else float(mean)
        z = _std_normal(g, shape, dt.np)
        arr = (z * s + m).astype(dt.np, copy=False)
        return _wrap_sample(arr, name, mean, std)
    if size is None:
        raise TypeError(_NORMAL_SIG.format(f"{type(mean).__name__}, {type(std).__name__}"))
    if not (_is_num(mean) and _is_num(std)):
        raise TypeError(_NORMAL_SIG.format(f"{type(mean).__name__}, {type(std).__name__}, "
                                           f"{type(size).__name__}"))
    if device is not None:
        as_device(device)
    _check_opts(layout, pin_memory)
    shape = _size((size,), 'normal')
    dt = _float_dtype(D.as_dtype(dtype) if dtype is not None else D.get_default_dtype(), 'normal_kernel_cpu')
    s = float(std)
    if s < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(s)}")
    arr = _std_normal(g, shape, dt.np)
    if s != 1.0:
        arr *= s
    if mean != 0:
        arr += float(mean)
    return _finish(arr, requires_grad)


_P_MSG = ("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be "
          "improved?  If so, please report an enhancement request to PyTorch.)")


def bernoulli(input, p=None, *, generator=None, out=None):
    """Draws 0/1 with probability ``input`` (or the scalar ``p``); result has input's dtype and shape."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if out is not None:
        raise NotImplementedError("ember.bernoulli: the out= argument is not supported")
    g = _gen(generator)
    a = input._data
    if p is None:
        if input.dtype.category != D.FLOAT:
            raise NotImplementedError(_NOT_IMPL.format('bernoulli_tensor_cpu_p_', input.dtype._short))
        if a.size and not bool(((a >= 0) & (a <= 1)).all()):
            raise RuntimeError(_P_MSG)
        arr = (g.random(a.shape) < a).astype(a.dtype)
        return _wrap_sample(arr, 'BernoulliBackward0', input)
    p = float(_num(p))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")
    arr = (g.random(a.shape) < p).astype(a.dtype)
    if STATE.enabled and input._requires_grad:  # torch has no derivative for this overload
        return _NoDerivative.apply(input, arr)
    return _make(arr)


class _NoDerivative(Op):
    _name = 'torch::autograd::NotImplemented'

    @staticmethod
    def forward(ctx, x, arr):
        return arr

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("the derivative for 'bernoulli' is not implemented.")


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if out is not None:
        raise NotImplementedError("ember.multinomial: the out= argument is not supported")
    dt = input.dtype
    if dt.category != D.FLOAT:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {dt._short}")
    a = input._data
    if a.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    n = _int_bound(num_samples, 'multinomial', 'num_samples', 2)
    k = a.shape[-1]
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and n > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if k > (1 << 24):
        raise RuntimeError("number of categories cannot exceed 2^24")
    p = a.astype(np.float64).reshape(-1, k)
    if p.size and not bool((np.isfinite(p) & (p >= 0)).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    tot = p.sum(1)
    if p.shape[0] and bool((tot <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    g = _gen(generator)
    rows = p.shape[0]
    if replacement:
        cdf = np.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        u = g.random((rows, n))
        res = np.empty((rows, n), np.int64)
        for r in range(rows):
            idx = np.searchsorted(cdf[r], u[r], side='right')
            # never pick a zero-probability category that sits at the end of the cdf
            res[r] = np.minimum(idx, np.flatnonzero(p[r])[-1])
    else:
        # Efraimidis-Spirakis: the n largest p / Exp(1) keys, as torch does
        keys = p / g.standard_exponential((rows, k))
        res = np.argsort(-keys, axis=1, kind='stable')[:, :n].astype(np.int64)
    if a.ndim == 1:
        res = res.reshape(n)
    return _make(res)


def poisson(input, generator=None):
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    dt = input.dtype
    if dt.category != D.FLOAT:
        raise NotImplementedError(_NOT_IMPL.format('poisson_cpu', dt._short))
    a = input._data
    if a.size and not bool((a >= 0).all()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    arr = _gen(generator).poisson(a.astype(np.float64)).astype(a.dtype)
    return _wrap_sample(arr, 'PoissonBackward0', input)


# ----------------------------------------------------------------------------- in place
class _Overwrite(Op):
    """self's values replaced by a constant array (a sample or a fill): self gets zero gradient."""
    _name = 'NormalBackward0'

    @staticmethod
    def forward(ctx, x, arr):
        ctx.meta = (x.shape, x.dtype)
        return arr

    @staticmethod
    def backward(ctx, g):
        return _make(np.zeros(*ctx.meta))


_OVERWRITE = {}


def _overwrite_op(name):
    c = _OVERWRITE.get(name)
    if c is None:
        c = _OVERWRITE[name] = type(name.replace('Backward', '_'), (_Overwrite,), {'_name': name})
    return c


_OVERLAP_MSG = ("unsupported operation: more than one element of the written-to tensor refers to a single "
                "memory location. Please clone() the tensor before performing the operation.")


def _write(t, arr, name):
    """Write ``arr`` into t's memory (views included), bump its version; a node when t needs grad."""
    if t._requires_grad and STATE.enabled:
        _check_leaf(t)
        if not t._data.flags.writeable:
            raise RuntimeError(_OVERLAP_MSG)
        if arr.dtype != t._data.dtype:
            arr = arr.astype(t._data.dtype)
        return apply_inplace(t, lambda s: _overwrite_op(name).apply(s, arr))
    dst = t._data
    if not dst.flags.writeable:
        raise RuntimeError(_OVERLAP_MSG)
    if dst.ndim:
        np.copyto(dst, arr, casting='unsafe')
    else:
        dst[...] = arr
    t._vc[0] += 1
    return t


def _writable(arr):
    """A writeable alias of ``arr``. Expanded (broadcast) arrays are read-only in NumPy; torch lets
    fill_/zero_ write through them (every alias gets the same value), so go to the owning buffer."""
    if arr.flags.writeable:
        return arr
    root = arr
    while isinstance(root.base, np.ndarray):
        root = root.base
    if root is arr or not root.flags.writeable or not root.flags.c_contiguous:
        raise RuntimeError(_OVERLAP_MSG)
    off = arr.__array_interface__['data'][0] - root.__array_interface__['data'][0]
    return np.ndarray(arr.shape, arr.dtype, buffer=root.reshape(-1).view(np.uint8), offset=off,
                      strides=arr.strides)


def _self_float(t, kernel):
    dt = t.dtype
    if dt.category < D.FLOAT:
        raise NotImplementedError(_NOT_IMPL.format(kernel, dt._short))
    return dt


_FMAX = {}


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
    if kw:
        from_ = _pop_from(kw, from_, 'uniform_')
    dt = _self_float(self, 'check_uniform_bounds')
    lo, hi = float(_num(from_)), float(_num(to))
    if lo > hi:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_fmt(lo)} > "
                           f"to={_fmt(hi)}")
    fmax = _FMAX.get(dt)
    if fmax is None:
        fmax = _FMAX[dt] = D.finfo(dt).max
    if not -fmax <= lo <= fmax:
        raise RuntimeError(f"from is out of bounds for {_CTYPE_T.get(dt.to_real().name, dt.name)}")
    if not -fmax <= hi <= fmax:
        raise RuntimeError(f"to is out of bounds for {_CTYPE_T.get(dt.to_real().name, dt.name)}")
    if hi - lo > fmax:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{_CTYPE_T[dt.to_real().name]}>"
                           f"::max(), but found to={_fmt(hi)} and from={_fmt(lo)} which result in to-from to "
                           f"exceed the limit")
    u = _uniform01(_gen(generator), self._data.shape, dt.np)
    if lo != 0.0 or hi != 1.0:
        u = (u * (hi - lo) + lo).astype(dt.np, copy=False)
    return _write(self, u, 'UniformBackward0')


def _pop_from(kw, default, fname):
    if set(kw) - {'from'}:
        bad = next(k for k in kw if k != 'from')
        raise TypeError(f"{fname}() got an unexpected keyword argument '{bad}'")
    return kw['from']


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    dt = _self_float(self, 'normal_kernel_cpu')
    m, s = float(_num(mean)), float(_num(std))
    if s < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(s)}")
    z = _std_normal(_gen(generator), self._data.shape, dt.np)
    if m != 0.0 or s != 1.0:
        z = (z * s + m).astype(dt.np, copy=False)
    return _write(self, z, 'NormalBackward0')


def bernoulli_(self, p=0.5, *, generator=None):
    g = _gen(generator)
    shape = self._data.shape
    if isinstance(p, Tensor):
        pa = p._data
        if pa.dtype.kind not in 'f' and p.dtype is not D.bfloat16:
            raise NotImplementedError(_NOT_IMPL.format('bernoulli_tensor_cpu_self_', p.dtype._short))
        try:
            pa = np.broadcast_to(pa, shape)
        except ValueError:
            raise RuntimeError(f"The size of tensor a ({shape[-1] if shape else 1}) must match the size of "
                               f"tensor b ({pa.shape[-1] if pa.ndim else 1}) at non-singleton dimension "
                               f"{len(shape) - 1}") from None
        if pa.size and not bool(((pa >= 0) & (pa <= 1)).all()):
            raise RuntimeError(_P_MSG)
        arr = g.random(shape) < pa
        name = 'BernoulliBackward1'  # torch: bernoulli_(Tensor p)
    else:
        pv = float(_num(p))
        if not 0 <= pv <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(pv)}")
        arr = g.random(shape) < pv
        name = 'BernoulliBackward2'  # torch: bernoulli_(float p)
    return _write(self, arr.astype(self._data.dtype), name)


def random_(self, *args, generator=None, **kw):
    """random_() / random_(to) / random_(from, to): integers, uniform over the range."""
    if len(args) > 2 or set(kw) - {'from', 'to'}:
        raise TypeError("random_() received an invalid combination of arguments: expected (), (int to) or "
                        "(int from, int to)")
    dt = self.dtype
    if 'from' in kw or len(args) == 2 or (len(args) == 1 and 'to' in kw):
        frm = args[0] if args else kw['from']
        to = args[1] if len(args) == 2 else kw.get('to')
    elif len(args) == 1 or 'to' in kw:
        if 'to' in kw and kw['to'] is None:
            raise TypeError("random_() received an invalid combination of arguments - got (to=NoneType, )")
        frm, to = 0, (args[0] if args else kw['to'])
    else:
        frm, to = 0, None
    frm = _int_bound(frm, 'random_', 'from', 1)
    if to is None:
        if dt.category == D.COMPLEX:
            raise NotImplementedError(_NOT_IMPL.format('random_from_to_cpu', dt._short))
        if dt is D.bool_:
            hi = 2
        elif dt.category == D.INT:
            hi = int(np.iinfo(dt.np).max) + 1
        else:
            hi = (1 << _DIGITS[dt.name]) + 1
        if frm >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={frm} >= to={hi}")
        if args or 'from' in kw:
            _check_from_to(frm, hi, dt)
    else:
        hi = _int_bound(to, 'random_', 'to', 2)
        _check_from_to(frm, hi, dt)
    g = _gen(generator)
    name = 'RandomBackward2' if to is None and not (args or 'from' in kw) else (
        'RandomBackward1' if len(args) == 1 or set(kw) == {'to'} else 'RandomBackward0')
    arr = _int_sample(g, frm, hi, self._data.shape)
    return _write(self, arr.astype(self._data.dtype), name)


def _continuous(self, what, typeid=False):
    dt = self.dtype
    if dt.category < D.FLOAT:
        name = _TYPEID[dt.name] if typeid else dt._short
        raise RuntimeError(f"{what} distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {name}")
    return dt


def exponential_(self, lambd=1.0, *, generator=None):
    dt = _continuous(self, 'Exponential')
    lam = float(_num(lambd))
    if not lam > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lam)}")
    g = _gen(generator)
    if dt.np == _F32 or dt.np == _F64:
        e = g.standard_exponential(self._data.shape, dtype=dt.np)
    else:
        e = g.standard_exponential(self._data.shape)
    return _write(self, e / lam, 'ExponentialBackward0')


def geometric_(self, p, *, generator=None):
    pv = float(_num(p))
    if not 0 < pv < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(pv)}")
    if self.dtype.category == D.COMPLEX:
        raise NotImplementedError(_NOT_IMPL.format('geometric_cpu', self.dtype._short))
    arr = _gen(generator).geometric(pv, self._data.shape)
    return _write(self, arr, 'GeometricBackward0')


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    _continuous(self, 'Cauchy', typeid=True)
    s = float(_num(sigma))
    if not s > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(s)}")
    arr = float(_num(median)) + s * _gen(generator).standard_cauchy(self._data.shape)
    return _write(self, arr, 'CauchyBackward0')


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    _self_float(self, 'log_normal_cpu')
    s = float(_num(std))
    if not s > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(s)}")
    arr = _gen(generator).lognormal(float(_num(mean)), s, self._data.shape)
    return _write(self, arr, 'LogNormalBackward0')


# ----------------------------------------------------------------------------- fill_ / zero_
def _fill_scalar(value, dt):
    """A fill value converted like torch's checked scalar conversion (errors on overflow)."""
    if isinstance(value, (bool, np.bool_)) or dt is D.bool_:
        return bool(value) if not isinstance(value, complex) else bool(value != 0)
    if isinstance(value, complex) or isinstance(value, np.complexfloating):
        if dt.category != D.COMPLEX:
            raise RuntimeError(f"value cannot be converted to type {_CTYPE_T.get(dt.name, dt.name)} without "
                               "overflow")
        return value
    if dt.category == D.INT:
        v = value
        if isinstance(v, float) and not math.isfinite(v):
            raise RuntimeError(f"value cannot be converted to type {_CTYPE_T[dt.name]} without overflow")
        iv = int(v)
        info = np.iinfo(dt.np)
        lo = -int(info.max) if info.min == 0 else int(info.min)
        if not lo <= iv <= int(info.max):
            raise RuntimeError(f"value cannot be converted to type {_CTYPE_T[dt.name]} without overflow")
        return iv & int(info.max) if iv < 0 and info.min == 0 else iv
    return value


class _FillScalar(Op):
    _name = 'FillBackward2'

    @staticmethod
    def forward(ctx, x, value):
        ctx.meta = (x.shape, x.dtype)
        return np.full(x.shape, value, x.dtype)

    @staticmethod
    def backward(ctx, g):
        return _make(np.zeros(*ctx.meta))


class _FillTensor(Op):
    _name = 'FillBackward3'

    @staticmethod
    def forward(ctx, x, v):
        ctx.meta = (x.shape, x.dtype)
        ctx.vdt = v.dtype
        out = np.empty(x.shape, x.dtype)
        out[...] = v
        return out

    @staticmethod
    def backward(ctx, g):
        nx, nv = ctx.needs_input_grad
        gx = _make(np.zeros(*ctx.meta)) if nx else None
        gv = None
        if nv:
            gv = g.sum()
            if gv._data.dtype != ctx.vdt:
                gv = gv.to(D.NP2DT[ctx.vdt])
        return gx, gv


class _Zero(Op):
    _name = 'ZeroBackward0'

    @staticmethod
    def forward(ctx, x):
        ctx.meta = (x.shape, x.dtype)
        return np.zeros(x.shape, x.dtype)

    @staticmethod
    def backward(ctx, g):
        return _make(np.zeros(*ctx.meta))


def fill_(self, value):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        if STATE.enabled and (self._requires_grad or value._requires_grad):
            return apply_inplace(self, lambda s: _FillTensor.apply(s, value))
        value = value._data.item()
    elif not isinstance(value, (bool, int, float, complex, np.generic)):
        raise TypeError(f"fill_(): argument 'value' (position 1) must be Number, not {type(value).__name__}")
    v = _fill_scalar(value, self.dtype)
    if self._requires_grad and STATE.enabled:
        return apply_inplace(self, lambda s: _FillScalar.apply(s, v))
    dst = _writable(self._data)
    if v.__class__ is complex and dst.dtype.kind != 'c':
        v = v.real
    dst[...] = v
    self._vc[0] += 1
    return self


def zero_(self):
    if self._requires_grad and STATE.enabled:
        return apply_inplace(self, _Zero.apply)
    dst = _writable(self._data)
    dst[...] = 0
    self._vc[0] += 1
    return self


__all__ = ['rand', 'randn', 'randint', 'randperm', 'rand_like', 'randn_like', 'randint_like', 'normal',
           'bernoulli', 'multinomial', 'poisson',
           # re-exported from ember.random (torch.manual_seed ...)
           'Generator', 'default_generator', 'manual_seed', 'seed', 'initial_seed', 'get_rng_state',
           'set_rng_state']

Tensor.uniform_ = uniform_
Tensor.normal_ = normal_
Tensor.bernoulli_ = bernoulli_
Tensor.random_ = random_
Tensor.exponential_ = exponential_
Tensor.geometric_ = geometric_
Tensor.cauchy_ = cauchy_
Tensor.log_normal_ = log_normal_
Tensor.fill_ = fill_
Tensor.zero_ = zero_
Tensor.bernoulli = bernoulli
Tensor.multinomial = multinomial
