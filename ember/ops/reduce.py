"""Reductions and scans: sum, mean, prod, max/min, var/std, norm, sort/topk, cumsum, softmax...

Each reduces over ``dim`` (None = all) with ``keepdim``. Ops that *select* elements (max with
a dim, sort, topk, median, ...) return int64 indices (non-differentiable) and send the
gradient back to the selected positions through a differentiable scatter (``_ScatterAdd``),
so double backward works.
"""
import builtins as _b

from .._backend import xp
from .. import _dtype as D
from .. import return_types as _rt
from .._tensor import Tensor
from ..autograd.function import Op, NULL_CTX
from ._util import wrap_dims, wrap_dim

_make = Tensor._make
_INF = float('inf')


def _kept_shape(shape, dims):
    """Shape of the result with keepdim=True."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _back(g, in_shape, dims):
    """Broadcast a reduced gradient back over the reduced dims (keepdim or not)."""
    if g._data.shape == in_shape:
        return g
    return g.reshape(_kept_shape(in_shape, dims)).expand(in_shape)


def _dims(input, dim):
    """dim argument (None / int / sequence; empty = all) -> sorted tuple of wrapped dims."""
    nd = input._data.ndim
    if dim is None:
        return tuple(range(nd))
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return tuple(range(nd))
        for d in dim:
            if isinstance(d, str):
                raise NotImplementedError("ember does not support named dimensions (Dimname)")
    elif isinstance(dim, str):
        raise NotImplementedError("ember does not support named dimensions (Dimname)")
    dims = wrap_dims(dim, nd)
    return dims if nd else ()


def _dim1(input, dim):
    if isinstance(dim, str):
        raise NotImplementedError("ember does not support named dimensions (Dimname)")
    if not isinstance(dim, (int, xp.integer)):
        raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    return wrap_dim(int(dim), input._data.ndim)


def _nonempty(input, dims, name):
    shape = input._data.shape
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _const(arr):
    return _make(xp.asarray(arr))


def _is_float(x):
    return x._data.dtype.kind in 'fc' or x.dtype is D.bfloat16


def _finish(result, out):
    """Honour ``out=``: copy the result(s) into the given tensor(s), torch's rules."""
    from .elementwise import _out
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"out= must be a tuple of {len(result)} Tensors")
        res = tuple(_out(r, o) for r, o in zip(result, out))
        return res if type(result) is tuple else type(result)(res)
    if not isinstance(out, Tensor):
        raise TypeError(f"out= must be a Tensor, not {type(out).__name__}")
    return _out(result, out)


def _with_out(fn):
    """Add torch's keyword-only ``out=`` to a public function."""
    def wrapper(*args, out=None, **kwargs):
        r = fn(*args, **kwargs)
        return r if out is None else _finish(r, out)
    wrapper.__name__ = wrapper.__qualname__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


# ====================================================================== private helper ops
def _fancy(idx, dim):
    grid = list(xp.indices(idx.shape, sparse=True))
    grid[dim] = idx
    return tuple(grid)


class _ScatterAdd(Op):
    """zeros(shape) with g added at ``idx`` along ``dim`` (the backward of a selection)."""
    _name = 'ScatterAddBackward0'

    @staticmethod
    def forward(ctx, g, idx, dim, shape, unique):
        if ctx is not NULL_CTX:
            ctx.idx, ctx.dim = idx, dim
        out = xp.zeros(shape, g.dtype)
        if g.size:
            if unique:
                xp.put_along_axis(out, idx, g, dim)
            else:
                xp.add.at(out, _fancy(idx, dim), g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return _Gather.apply(gg, ctx.idx, ctx.dim)


class _Gather(Op):
    _name = 'GatherBackward0'

    @staticmethod
    def forward(ctx, x, idx, dim):
        if ctx is not NULL_CTX:
            ctx.idx, ctx.dim, ctx.shape = idx, dim, x.shape
        return xp.take_along_axis(x, idx, dim)

    @staticmethod
    def backward(ctx, g):
        return _ScatterAdd.apply(g, ctx.idx, ctx.dim, ctx.shape, False)


class _Exp(Op):
    _name = 'ExpBackward0'

    @staticmethod
    def forward(ctx, x):
        out = xp.asarray(xp.exp(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out


class _PowS(Op):
    """x ** p for a Python scalar p."""
    _name = 'PowBackward0'

    @staticmethod
    def forward(ctx, x, p):
        ctx.p = p
        ctx.save_for_backward(x)
        return xp.asarray(xp.power(x, x.dtype.type(p)))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return g * 0
        return g * (_PowS.apply(x, p - 1) * p)


class _Flip(Op):
    _name = 'FlipBackward0'

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return xp.flip(x, dim).copy()

    @staticmethod
    def backward(ctx, g):
        return _Flip.apply(g, ctx.dim)


# ====================================================================== sum / mean / prod
_LETTERS = 'abcdefghijklmnopqrstuvwxyz'


def sum_array(x, dims, keepdim, npdtype):
    """Sum of an array over ``dims``: the kernel behind sum and mean.

    For large float inputs reduced over their innermost axis, ``einsum`` (SIMD with several
    accumulators) is 2-4x faster than ``add.reduce`` (pairwise, cache-unfriendly for inner
    axes); it is used there. Everything else goes to ``add.reduce``.
    """
    nd = x.ndim
    if (nd and x.size >= 4096 and x.dtype.kind == 'f' and x.dtype == npdtype and x.itemsize >= 4
            and (nd - 1) in dims and nd <= 26):
        sub = _LETTERS[:nd]
        out = ''.join(c for i, c in enumerate(sub) if i not in dims)
        r = xp.einsum(sub + '->' + out, x)
        if keepdim:
            r = xp.reshape(r, tuple(1 if i in dims else n for i, n in enumerate(x.shape)))
        return r
    return xp.add.reduce(x, axis=dims, dtype=npdtype, keepdims=keepdim)


class Sum(Op):
    _name = 'SumBackward1'

    @staticmethod
    def forward(ctx, x, dims, keepdim, npdtype):
        ctx.in_shape = x.shape
        ctx.dims = dims
        return sum_array(x, dims, keepdim, npdtype)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(_kept_shape(ctx.in_shape, ctx.dims)).expand(ctx.in_shape)


class SumAll(Sum):
    _name = 'SumBackward0'


def _cast(x, dt):
    from .convert import cast
    return cast(x, dt)


class _NoDim:
    """Default of ``dim`` for sum/mean: torch names the node ...Backward0 only when no dim is given."""
    __slots__ = ()

    def __repr__(self):
        return 'None'


_NODIM = _NoDim()


def sum(input, dim=_NODIM, keepdim=False, *, dtype=None, out=None):
    if out is not None:
        return _finish(sum(input, dim, keepdim, dtype=dtype), out)
    if dtype is not None:
        dt = D.as_dtype(dtype)
        if dt.np != input._data.dtype:
            input = _cast(input, dt)
        npdtype = dt.np
    elif input._data.dtype.kind in 'biu':
        npdtype = xp.int64  # torch sums bool and integer tensors into int64
    else:
        npdtype = input._data.dtype
    if dim is _NODIM:
        return (Sum if keepdim else SumAll).apply(input, tuple(range(input._data.ndim)), keepdim, npdtype)
    if dim is None or dim == () or dim == []:
        return Sum.apply(input, tuple(range(input._data.ndim)), keepdim, npdtype)
    return Sum.apply(input, _dims(input, dim), keepdim, npdtype)


def sum_to_size(self, *size):
    """Sum broadcast dimensions away so the result has ``size`` (reverse of expand)."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    xs = self._data.shape
    if xs == shape:
        return self
    lead = len(xs) - len(shape)
    if lead < 0:
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(xs)}}}.")
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and xs[lead + i] != 1:
            dims.append(lead + i)
        elif s != xs[lead + i]:
            raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(xs)}}}.")
    r = Sum.apply(self, tuple(dims), True, self._data.dtype) if dims else self
    return r.reshape(shape)


class Mean(Op):
    _name = 'MeanBackward1'

    @staticmethod
    def forward(ctx, x, dims, keepdim, npdtype):
        ctx.in_shape = x.shape
        ctx.dims = dims
        n = 1
        for d in dims:
            n *= x.shape[d]
        ctx.n = n
        acc = xp.float32 if npdtype == xp.float16 else npdtype
        s = sum_array(x, dims, keepdim, acc)
        return xp.asarray(xp.true_divide(s, n)).astype(npdtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(_kept_shape(ctx.in_shape, ctx.dims)).expand(ctx.in_shape) / ctx.n


class MeanAll(Mean):
    _name = 'MeanBackward0'


def mean(input, dim=_NODIM, keepdim=False, *, dtype=None, out=None):
    if out is not None:
        return _finish(mean(input, dim, keepdim, dtype=dtype), out)
    dt = D.as_dtype(dtype) if dtype is not None else input.dtype
    if dt.category < D.FLOAT:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {dt._short}")
    if dt is not input.dtype:
        input = _cast(input, dt)
    if dim is _NODIM:
        return (Mean if keepdim else MeanAll).apply(input, tuple(range(input._data.ndim)), keepdim, dt.np)
    if dim is None or dim == () or dim == []:
        return Mean.apply(input, tuple(range(input._data.ndim)), keepdim, dt.np)
    return Mean.apply(input, _dims(input, dim), keepdim, dt.np)


class Prod(Op):
    _name = 'ProdBackward1'

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims = dims
        out = xp.asarray(xp.prod(x, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, dims = x._data.shape, ctx.dims
        g = _back(g, shape, dims)
        out = _back(out, shape, dims)
        xa = x._data
        zm = xa == 0
        cplx = xa.dtype.kind == 'c'
        if not zm.any():
            d = out / x
            return g * (d.conj() if cplx else d)
        # some slices hold zeros: d/dx_i prod = prod of the others, written without dividing by 0
        dt = xa.dtype
        nz = xp.broadcast_to(zm.sum(axis=dims, keepdims=True), shape)
        xm = x * _const((~zm).astype(dt)) + _const(zm.astype(dt))    # zeros replaced by 1
        pnz = _back(Prod.apply(xm, dims, True), shape, dims)          # product of the non-zeros
        xz = _back(Prod.apply(x * _const(zm.astype(dt)) + _const((~zm).astype(dt)), dims, True),
                   shape, dims)  # the single zero of a slice (value 0, still differentiable)
        one = nz == 1
        factor = _const(((nz == 0) | (one & zm)).astype(dt)) + _const((one & ~zm).astype(dt)) * xz
        d = pnz / xm * factor
        return g * (d.conj() if cplx else d)


class ProdAll(Prod):
    _name = 'ProdBackward0'


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if out is not None:
        return _finish(prod(input, dim, keepdim, dtype=dtype), out)
    if dtype is not None:
        dt = D.as_dtype(dtype)
        if dt.np != input._data.dtype:
            input = _cast(input, dt)
    elif input._data.dtype.kind in 'biu':
        input = _cast(input, D.int64)
    if dim is None:
        return ProdAll.apply(input, tuple(range(input._data.ndim)), False)
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod() received an invalid combination of arguments - got (tuple), but "
                        "expected one of:\n * (*, torch.dtype dtype = None)\n * (int dim, bool keepdim "
                        "= False, *, torch.dtype dtype = None)")
    d = _dim1(input, dim)
    return Prod.apply(input, (d,) if input._data.ndim else (), keepdim)


# ====================================================================== max / min / amax / amin
def _even_backward(ctx, g, nan_aware=True):
    """Spread the gradient evenly over the elements equal to the result (torch's tie rule)."""
    x, out = ctx.saved_tensors
    shape, dims = x._data.shape, ctx.dims
    xa = x._data
    oa = out._data.reshape(_kept_shape(shape, dims))
    mask = xa == oa
    if nan_aware and xa.dtype.kind in 'fc':
        mask |= xp.isnan(xa) & xp.isnan(oa)
    cnt = mask.sum(axis=dims, keepdims=True)
    return _back(g, shape, dims) * _const((mask / cnt).astype(xa.dtype))


def _extreme_fwd(ctx, fn, x, dims, keepdim):
    ctx.dims = dims
    out = xp.asarray(fn(x, axis=dims, keepdims=keepdim))
    ctx.save_for_backward(x, out)
    return out


class MaxAll(Op):
    _name = 'MaxBackward1'
    forward = staticmethod(lambda ctx, x, dims, keepdim: _extreme_fwd(ctx, xp.max, x, dims, keepdim))
    backward = staticmethod(_even_backward)


class MinAll(Op):
    _name = 'MinBackward1'
    forward = staticmethod(lambda ctx, x, dims, keepdim: _extreme_fwd(ctx, xp.min, x, dims, keepdim))
    backward = staticmethod(_even_backward)


def _amax_backward(ctx, g):
    return _even_backward(ctx, g, False)  # torch's amax/amin backward: no NaN special case


class Amax(Op):
    _name = 'AmaxBackward0'
    forward = staticmethod(lambda ctx, x, dims, keepdim: _extreme_fwd(ctx, xp.max, x, dims, keepdim))
    backward = staticmethod(_amax_backward)


class Amin(Op):
    _name = 'AminBackward0'
    forward = staticmethod(lambda ctx, x, dims, keepdim: _extreme_fwd(ctx, xp.min, x, dims, keepdim))
    backward = staticmethod(_amax_backward)


def _median_all(x, axis, keepdims):
    f = x.reshape(-1)
    if f.size == 0 or x.dtype.kind == 'f' and xp.isnan(f).any():
        return xp.array(xp.nan, x.dtype)
    return xp.sort(f)[(f.size - 1) // 2]


def _nanmedian_all(x, axis, keepdims):
    f = x.reshape(-1)
    if x.dtype.kind == 'f':
        f = f[~xp.isnan(f)]
    if f.size == 0:
        return xp.array(xp.nan, x.dtype)
    return xp.sort(f)[(f.size - 1) // 2]


class MedianAll(Op):
    _name = 'MedianBackward0'
    forward = staticmethod(lambda ctx, x, dims, keepdim: _extreme_fwd(ctx, _median_all, x, dims, keepdim))
    backward = staticmethod(_even_backward)


class NanmedianAll(Op):
    _name = 'NanmedianBackward0'
    forward = staticmethod(lambda ctx, x, dims, keepdim: _extreme_fwd(ctx, _nanmedian_all, x, dims,
                                                                      keepdim))
    backward = staticmethod(_even_backward)


# ---- selections along one dim: (values, indices); gradient scattered to the indices
def _sel_fwd(ctx, x, dim, keepdim, pick, unique, *args):
    x1 = x.reshape(1) if x.ndim == 0 else x
    idx = pick(x1, dim, *args)
    vals = xp.take_along_axis(x1, idx, dim)
    if ctx is not NULL_CTX:
        ctx.idx, ctx.dim, ctx.shape1, ctx.in_shape, ctx.unique = idx, dim, x1.shape, x.shape, unique
    if x.ndim == 0:
        vals, oidx = vals.reshape(()), idx.reshape(())
    elif not keepdim:
        vals, oidx = vals.squeeze(dim), idx.squeeze(dim)
    else:
        oidx = idx
    if ctx is not NULL_CTX:
        oidx = oidx.copy()  # the backward keeps idx: in-place edits of the output must not reach it
        ctx.mark_non_differentiable(oidx)
    return vals, oidx


def _sel_bwd(ctx, g, gi=None):
    idx = ctx.idx
    r = _ScatterAdd.apply(g.reshape(idx.shape), idx, ctx.dim, ctx.shape1, ctx.unique)
    return r.reshape(ctx.in_shape) if ctx.shape1 != ctx.in_shape else r


def _pick_argmax(x, dim):
    return xp.argmax(x, axis=dim, keepdims=True)


def _pick_argmin(x, dim):
    return xp.argmin(x, axis=dim, keepdims=True)


def _argsort(x, dim, descending):
    if not descending:
        return xp.argsort(x, axis=dim, kind='stable')
    # stable descending: sort the reversed array ascending, reverse back (NaN first, like torch)
    n = x.shape[dim]
    r = xp.argsort(xp.flip(x, dim), axis=dim, kind='stable')
    return (n - 1) - xp.flip(r, dim)


def _take_first(a, dim, k):
    sl = [slice(None)] * a.ndim
    sl[dim] = slice(0, k)
    return a[tuple(sl)]


def _pick_sort(x, dim, descending):
    return _argsort(x, dim, descending)


def _pick_topk(x, dim, k, largest):
    return _take_first(_argsort(x, dim, largest), dim, k)


def _pick_kth(x, dim, k):
    s = _argsort(x, dim, False)
    return xp.take(s, [k - 1], axis=dim)


def _pick_median(x, dim):
    s = xp.argsort(x, axis=dim, kind='stable')  # NaN sorts last
    n = x.shape[dim]
    idx = xp.take(s, [(n - 1) // 2], axis=dim)
    if x.dtype.kind == 'f':
        isn = xp.isnan(x)
        has = isn.any(axis=dim, keepdims=True)
        if has.any():
            idx = xp.where(has, xp.argmax(isn, axis=dim, keepdims=True), idx)
    return idx


def _pick_nanmedian(x, dim):
    s = xp.argsort(x, axis=dim, kind='stable')
    if x.dtype.kind != 'f':
        return xp.take(s, [(x.shape[dim] - 1) // 2], axis=dim)
    m = (~xp.isnan(x)).sum(axis=dim, keepdims=True)
    pos = xp.maximum((m - 1) // 2, 0)
    return xp.take_along_axis(s, pos, dim)


def _pick_mode(x, dim):
    """Most frequent value per slice (ties -> smallest value); index of its last occurrence."""
    xm = xp.moveaxis(x, dim, -1)
    n = xm.shape[-1]
    rows = xm.reshape(-1, n)
    s = xp.argsort(rows, axis=1, kind='stable')  # equal values keep their original order
    v = xp.take_along_axis(rows, s, 1)
    ar = xp.arange(n)
    start = xp.ones(v.shape, bool)
    start[:, 1:] = v[:, 1:] != v[:, :-1]
    end = xp.ones(v.shape, bool)
    end[:, :-1] = start[:, 1:]
    first = xp.maximum.accumulate(xp.where(start, ar, 0), axis=1)
    last = xp.flip(xp.minimum.accumulate(xp.flip(xp.where(end, ar, n), 1), axis=1), 1)
    pos = xp.argmax(last - first, axis=1)  # first position of the earliest longest run
    run_end = xp.take_along_axis(last, pos[:, None], 1)
    out = xp.take_along_axis(s, run_end, 1).reshape(xm.shape[:-1])
    return xp.expand_dims(out, dim)


def _pick_cum(x, dim, ufunc):
    v = ufunc.accumulate(x, axis=dim)
    mask = x == v
    if x.dtype.kind == 'f':
        mask |= xp.isnan(x)
    n = x.shape[dim]
    shp = [1] * x.ndim
    shp[dim] = n
    ar = xp.arange(n, dtype=xp.int64).reshape(shp)
    return xp.maximum.accumulate(xp.where(mask, ar, 0), axis=dim)


def _sel_op(name, pick, unique=True, extra=0):
    if extra == 0:
        def forward(ctx, x, dim, keepdim):
            return _sel_fwd(ctx, x, dim, keepdim, pick, unique)
    else:
        def forward(ctx, x, dim, keepdim, *args):
            return _sel_fwd(ctx, x, dim, keepdim, pick, unique, *args)
    return type(name.replace('Backward', ''), (Op,), {
        '_name': name, 'forward': staticmethod(forward), 'backward': staticmethod(_sel_bwd)})


MaxDim = _sel_op('MaxBackward0', _pick_argmax)
MinDim = _sel_op('MinBackward0', _pick_argmin)
SortOp = _sel_op('SortBackward0', _pick_sort, extra=1)
SortStableOp = _sel_op('SortBackward1', _pick_sort, extra=1)
TopkOp = _sel_op('TopkBackward0', _pick_topk, extra=2)
KthvalueOp = _sel_op('KthvalueBackward0', _pick_kth, extra=1)
MedianDim = _sel_op('MedianBackward1', _pick_median)
NanmedianDim = _sel_op('NanmedianBackward1', _pick_nanmedian)
ModeOp = _sel_op('ModeBackward0', _pick_mode)
CummaxOp = _sel_op('CummaxBackward0', _pick_cum, unique=False, extra=1)
CumminOp = _sel_op('CumminBackward0', _pick_cum, unique=False, extra=1)


def _binary_extreme(name, input, other):
    from . import elementwise as E
    fn = getattr(E, name, None)
    if fn is None:
        raise NotImplementedError(f"ember.{name} is not available yet (needed by {name[:3]}(input, other))")
    return fn(input, other)


def _max_min(input, dim, keepdim, out, name, AllOp, DimOp, rt):
    if out is not None:
        return _finish(_max_min(input, dim, keepdim, None, name, AllOp, DimOp, rt), out)
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            "(keepdim=bool) without dim")
        if input._data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return AllOp.apply(input, tuple(range(input._data.ndim)), False)
    if isinstance(dim, Tensor):
        return _binary_extreme('maximum' if name == 'max' else 'minimum', input, dim)
    d = _dim1(input, dim)
    if input._data.ndim:
        _nonempty(input, (d,), name)
    return rt(DimOp.apply(input, d, keepdim))


def max(input, dim=None, keepdim=False, *, out=None):
    return _max_min(input, dim, keepdim, out, 'max', MaxAll, MaxDim, _rt.max)


def min(input, dim=None, keepdim=False, *, out=None):
    return _max_min(input, dim, keepdim, out, 'min', MinAll, MinDim, _rt.min)


def _amax_amin(input, dim, keepdim, name, Op_):
    dims = _dims(input, dim)
    if input._data.size == 0:
        if dim is None or dim == () or dim == []:
            if input._data.ndim:
                raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                                   "== 0. Specify the reduction dim with the 'dim' argument.")
        _nonempty(input, dims, name)
    return Op_.apply(input, dims, keepdim)


@_with_out
def amax(input, dim=(), keepdim=False):
    return _amax_amin(input, dim, keepdim, 'amax', Amax)


@_with_out
def amin(input, dim=(), keepdim=False):
    return _amax_amin(input, dim, keepdim, 'amin', Amin)


class Aminmax(Op):
    _name = 'AminmaxBackward0'

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims = dims
        mn = xp.asarray(xp.min(x, axis=dims, keepdims=keepdim))
        mx = xp.asarray(xp.max(x, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, mn, mx)
        return mn, mx

    @staticmethod
    def backward(ctx, gmin, gmax):
        x, mn, mx = ctx.saved_tensors
        r = None
        for g, o in ((gmin, mn), (gmax, mx)):
            ctx_ = _Pair(x, o, ctx.dims)
            part = _even_backward(ctx_, g, False)
            r = part if r is None else r + part
        return r


class _Pair:
    __slots__ = ('saved_tensors', 'dims')

    def __init__(self, x, o, dims):
        self.saved_tensors = (x, o)
        self.dims = dims


@_with_out
def aminmax(input, *, dim=None, keepdim=False):
    if dim is None:
        dims = tuple(range(input._data.ndim))
    else:
        d = _dim1(input, dim)
        dims = (d,) if input._data.ndim else ()
    if input._data.size == 0 and dim is not None and input._data.shape[dims[0]] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    if input._data.size == 0 and dim is None:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                           "has no identity.")
    return _rt.aminmax(Aminmax.apply(input, dims, keepdim))


def _arg_extreme(input, dim, keepdim, name, fn):
    x = input._data
    if x.dtype == xp.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        r = xp.asarray(fn(x), dtype=xp.int64)
        if keepdim:
            r = r.reshape((1,) * x.ndim)
        return _make(r)
    d = _dim1(input, dim)
    if x.ndim == 0:
        return _make(xp.zeros((), xp.int64))
    _nonempty(input, (d,), name)
    return _make(xp.asarray(fn(x, axis=d, keepdims=keepdim), dtype=xp.int64))


@_with_out
def argmax(input, dim=None, keepdim=False):
    return _arg_extreme(input, dim, keepdim, 'argmax', xp.argmax)


@_with_out
def argmin(input, dim=None, keepdim=False):
    return _arg_extreme(input, dim, keepdim, 'argmin', xp.argmin)


# ====================================================================== var / std
def _var_fwd(x, dims, keepdim, c):
    n = 1
    for d in dims:
        n *= x.shape[d]
    m = xp.true_divide(xp.sum(x, axis=dims, keepdims=True), n)
    dev = x - m
    sq = (dev * dev.conj()).real if x.dtype.kind == 'c' else dev * dev
    v = xp.asarray(xp.true_divide(xp.sum(sq, axis=dims, keepdims=keepdim), sq.dtype.type(_b.max(0, n - c))))
    if not keepdim:
        m = m.reshape(v.shape)
    return v, xp.asarray(m), n


def _var_backward(g, x, dims, n, c):
    """grad of var: g * 2 (x - mean) / (n - c)  (g already broadcast to x's shape)."""
    k = 2.0 / (n - c) if n != c else _INF
    return g * (x - mean(x, dims, True)) * k


def _std_grad_to_var(g, std):
    """torch's std backward: grad / (2 std), with 0 where std == 0."""
    z = std._data == 0
    if z.any():
        dt = std._data.dtype
        return g * _const((~z).astype(dt)) / (std * 2 + _const(z.astype(dt)))
    return g / (std * 2)


class Var(Op):
    _name = 'VarBackward0'

    @staticmethod
    def forward(ctx, x, dims, keepdim, c):
        v, _, n = _var_fwd(x, dims, keepdim, c)
        ctx.dims, ctx.n, ctx.c = dims, n, c
        ctx.save_for_backward(x)
        return v

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return _var_backward(_back(g, x._data.shape, ctx.dims), x, ctx.dims, ctx.n, ctx.c)


class Std(Op):
    _name = 'StdBackward0'

    @staticmethod
    def forward(ctx, x, dims, keepdim, c):
        v, _, n = _var_fwd(x, dims, keepdim, c)
        out = xp.sqrt(v)
        ctx.dims, ctx.n, ctx.c = dims, n, c
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        gv = _std_grad_to_var(g, out)
        return _var_backward(_back(gv, x._data.shape, ctx.dims), x, ctx.dims, ctx.n, ctx.c)


class VarMean(Op):
    _name = 'VarMeanBackward0'

    @staticmethod
    def forward(ctx, x, dims, keepdim, c):
        v, m, n = _var_fwd(x, dims, keepdim, c)
        ctx.dims, ctx.n, ctx.c = dims, n, c
        ctx.save_for_backward(x)
        return v, m

    @staticmethod
    def backward(ctx, gv, gm):
        x, = ctx.saved_tensors
        shape = x._data.shape
        return (_var_backward(_back(gv, shape, ctx.dims), x, ctx.dims, ctx.n, ctx.c)
                + _back(gm, shape, ctx.dims) / ctx.n)


class StdMean(Op):
    _name = 'StdMeanBackward0'

    @staticmethod
    def forward(ctx, x, dims, keepdim, c):
        v, m, n = _var_fwd(x, dims, keepdim, c)
        s = xp.sqrt(v)
        ctx.dims, ctx.n, ctx.c = dims, n, c
        ctx.save_for_backward(x, s)
        return s, m

    @staticmethod
    def backward(ctx, gs, gm):
        x, s = ctx.saved_tensors
        shape = x._data.shape
        gv = _std_grad_to_var(gs, s)
        return (_var_backward(_back(gv, shape, ctx.dims), x, ctx.dims, ctx.n, ctx.c)
                + _back(gm, shape, ctx.dims) / ctx.n)


def _var_args(input, dim, unbiased, keepdim, correction, name):
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    if not _is_float(input):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is not None and unbiased is not None:
        raise RuntimeError("Cannot specify both unbiased and correction")
    if correction is None:
        c = 1 if unbiased is None or unbiased else 0
    else:
        c = correction
    dims = _dims(input, dim)
    n = 1
    for d in dims:
        n *= input._data.shape[d]
    if n - c <= 0:
        import warnings
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    return dims, keepdim, c


@_with_out
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return Var.apply(input, *_var_args(input, dim, unbiased, keepdim, correction, 'var'))


@_with_out
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return Std.apply(input, *_var_args(input, dim, unbiased, keepdim, correction, 'std'))


@_with_out
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return VarMean.apply(input, *_var_args(input, dim, unbiased, keepdim, correction, 'var_mean'))


@_with_out
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return StdMean.apply(input, *_var_args(input, dim, unbiased, keepdim, correction, 'std_mean'))


# ====================================================================== norm
class Norm(Op):
    _name = 'LinalgVectorNormBackward0'

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        a = xp.abs(x)
        if p == 2:
            r = xp.sqrt(xp.sum(a * a, axis=dims, keepdims=keepdim))
        elif p == 1:
            r = xp.sum(a, axis=dims, keepdims=keepdim)
        elif p == _INF:
            r = xp.max(a, axis=dims, keepdims=keepdim)
        elif p == -_INF:
            r = xp.min(a, axis=dims, keepdims=keepdim)
        elif p == 0:
            r = xp.sum(a != 0, axis=dims, keepdims=keepdim).astype(a.dtype)
        else:
            pt = a.dtype.type(p)
            r = xp.power(xp.sum(xp.power(a, pt), axis=dims, keepdims=keepdim), a.dtype.type(1) / pt)
        out = xp.asarray(r, dtype=a.dtype)
        ctx.p, ctx.dims = p, dims
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        p, dims = ctx.p, ctx.dims
        shape = x._data.shape
        xa = x._data
        dt = xa.dtype
        g = _back(g, shape, dims)
        if p == 0:
            return g * 0
        cplx = dt.kind == 'c'
        if cplx:
            a = xp.abs(xa)
            sgn = xp.where(a == 0, 0, xa / xp.where(a == 0, 1, a))
        else:
            sgn = xp.sign(xa)
        sign = _const(sgn)
        if p == 1:
            return g * sign
        o = _back(out, shape, dims)
        if p == _INF or p == -_INF:
            mask = xp.abs(xa) == o._data
            cnt = mask.sum(axis=dims, keepdims=True)
            return g * _const((sgn * mask / cnt).astype(dt))
        z = o._data == 0
        if z.any():  # torch: zero gradient where the norm is 0
            keep = _const((~z).astype(dt))
            o = o + _const(z.astype(dt))
            g = g * keep
        if p == 2:
            return g * x / o
        ax = x.abs() if cplx else x * sign
        return g * sign * _PowS.apply(ax, p - 1) / _PowS.apply(o, p - 1)


def norm(input, p='fro', dim=None, keepdim=False, out=None, dtype=None):
    if out is not None:
        return _finish(norm(input, p, dim, keepdim, dtype=dtype), out)
    if p is None:
        p = 'fro'
    if isinstance(p, str):
        if p == 'nuc':
            from .linalg import matrix_norm
            return matrix_norm(input, 'nuc', (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
        if p != 'fro':
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point value for ord, got {p}")
        if dim is not None and not isinstance(dim, int) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        p = 2
    if not _is_float(input):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {input.dtype._short}")
    if dtype is not None:
        dt = D.as_dtype(dtype)
        if dt.np != input._data.dtype:
            input = _cast(input, dt)
    p = float(p)
    dims = _dims(input, dim)
    if input._data.size == 0 and (p < 0 or p == _INF):
        if dim is None or _b.any(input._data.shape[d] == 0 for d in dims):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_fmt_p(p)} norm on an empty tensor "
                               "because the operation does not have an identity")
    return Norm.apply(input, p, dims, keepdim)


def _fmt_p(p):
    if p == _INF:
        return 'inf'
    if p == -_INF:
        return '-inf'
    return repr(p)


# ====================================================================== logsumexp / softmax
class Logsumexp(Op):
    _name = 'LogsumexpBackward0'

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims = dims
        if x.size == 0:
            out = xp.log(xp.sum(xp.exp(x), axis=dims, keepdims=keepdim))
        else:
            m = xp.max(x, axis=dims, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0).astype(x.dtype)
            out = xp.log(xp.sum(xp.exp(x - m), axis=dims, keepdims=True)) + m
            if not keepdim:
                out = out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))
        out = xp.asarray(out)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape = x._data.shape
        return _back(g, shape, ctx.dims) * _Exp.apply(x - _back(out, shape, ctx.dims))


@_with_out
def logsumexp(input, dim, keepdim=False):
    if not _is_float(input):
        input = _cast(input, D.get_default_dtype())
    return Logsumexp.apply(input, _dims(input, dim), keepdim)


class Softmax(Op):
    _name = 'SoftmaxBackward0'

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.size == 0:
            out = x.copy()
        else:
            x1 = x.reshape(1) if x.ndim == 0 else x
            e = xp.exp(x1 - xp.max(x1, axis=dim, keepdims=True))
            out = (e / xp.sum(e, axis=dim, keepdims=True)).reshape(x.shape)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        if y._data.ndim == 0:
            return g * 0
        return y * (g - sum(g * y, ctx.dim, True))


class LogSoftmax(Op):
    _name = 'LogSoftmaxBackward0'

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.size == 0:
            out = x.copy()
        else:
            x1 = x.reshape(1) if x.ndim == 0 else x
            s = x1 - xp.max(x1, axis=dim, keepdims=True)
            out = (s - xp.log(xp.sum(xp.exp(s), axis=dim, keepdims=True))).reshape(x.shape)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        if y._data.ndim == 0:
            return g * 0
        return g - _Exp.apply(y) * sum(g, ctx.dim, True)


def _softmax_prep(input, dim, dtype, kernel):
    if dim is None:
        raise TypeError(f"{kernel}() missing required argument 'dim' (ember has no implicit-dim softmax; "
                        "use ember.nn.functional for that)")
    d = _dim1(input, dim)
    if dtype is not None:
        dt = D.as_dtype(dtype)
        if dt.np != input._data.dtype:
            input = _cast(input, dt)
    if not _is_float(input):
        raise NotImplementedError(f"\"{kernel}_lastdim_kernel_impl\" not implemented for '{input.dtype._short}'")
    return input, d


def softmax(input, dim=None, dtype=None, *, _stacklevel=None):
    input, d = _softmax_prep(input, dim, dtype, 'softmax')
    return Softmax.apply(input, d)


def log_softmax(input, dim=None, dtype=None, *, _stacklevel=None):
    input, d = _softmax_prep(input, dim, dtype, 'log_softmax')
    return LogSoftmax.apply(input, d)


# ====================================================================== cumulative ops
def _rev_cumsum(g, dim):
    return _Flip.apply(cumsum(_Flip.apply(g, dim), dim), dim)


class Cumsum(Op):
    _name = 'CumsumBackward0'

    @staticmethod
    def forward(ctx, x, dim, npdtype):
        ctx.dim = dim
        if x.ndim == 0:
            return x.astype(npdtype, copy=True)
        return xp.cumsum(x, axis=dim, dtype=npdtype)

    @staticmethod
    def backward(ctx, g):
        if g._data.ndim == 0:
            return g
        return _rev_cumsum(g, ctx.dim)


class Cumprod(Op):
    _name = 'CumprodBackward0'

    @staticmethod
    def forward(ctx, x, dim, npdtype):
        ctx.dim = dim
        out = x.astype(npdtype, copy=True) if x.ndim == 0 else xp.cumprod(x, axis=dim, dtype=npdtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if x._data.ndim == 0:
            return g
        dim = ctx.dim
        xa = x._data
        zm = xa == 0
        cplx = xa.dtype.kind == 'c'
        x0 = x
        if cplx:  # torch's convention: grad * conj(d out / d x)
            out, x = out.conj(), x.conj()
        if not zm.any():
            return _rev_cumsum(g * out, dim) / x
        # k < z (first zero of the slice): reverse cumsum of g*out / x;  k == z: sum_{i>=z} g_i *
        # prod_{j<=i, j!=z} x_j;  k > z: 0.
        dt = xa.dtype
        n = xa.shape[dim]
        shp = [1] * xa.ndim
        shp[dim] = n
        ar = xp.arange(n).reshape(shp)
        has = zm.any(axis=dim, keepdims=True)
        z = xp.where(has, xp.argmax(zm, axis=dim, keepdims=True), n)
        lt, eq, ge = ar < z, ar == z, ar >= z
        xs = x + _const(zm.astype(dt))  # never divide by 0 (those positions are masked out)
        part1 = _rev_cumsum(g * out, dim) / xs * _const(lt.astype(dt))
        xr = x0 * _const((~eq).astype(dt)) + _const(eq.astype(dt))  # first zero replaced by 1
        outr = cumprod(xr, dim)
        if cplx:
            outr = outr.conj()
        s = sum(g * outr * _const(ge.astype(dt)), dim, True)
        return part1 + s * _const(eq.astype(dt))


def _cum_dtype(input, dtype):
    if dtype is not None:
        dt = D.as_dtype(dtype)
        if dt.np != input._data.dtype:
            input = _cast(input, dt)
        return input, dt.np
    if input._data.dtype.kind in 'biu':
        return input, xp.int64
    return input, input._data.dtype


@_with_out
def cumsum(input, dim, *, dtype=None):
    d = _dim1(input, dim)
    input, npdt = _cum_dtype(input, dtype)
    return Cumsum.apply(input, d, npdt)


@_with_out
def cumprod(input, dim, *, dtype=None):
    d = _dim1(input, dim)
    input, npdt = _cum_dtype(input, dtype)
    if npdt != input._data.dtype:
        input = _cast(input, D.NP2DT[xp.dtype(npdt)])
    return Cumprod.apply(input, d, npdt)


@_with_out
def cummax(input, dim):
    d = _dim1(input, dim)
    return _rt.cummax(CummaxOp.apply(input, d, True, xp.maximum))


@_with_out
def cummin(input, dim):
    d = _dim1(input, dim)
    return _rt.cummin(CumminOp.apply(input, d, True, xp.minimum))


class Logcumsumexp(Op):
    _name = 'LogcumsumexpBackward0'

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        out = x.copy() if x.ndim == 0 else xp.logaddexp.accumulate(x, axis=dim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if x._data.ndim == 0:
            return g
        # torch's stable formula: split the upstream gradient by sign, work in log space
        from .. import where
        dim = ctx.dim
        lowest = _const(xp.array(xp.finfo(x._data.dtype).min, x._data.dtype))
        log_abs = g.abs().log()
        pos = where(g > 0, log_abs, lowest)
        neg = where(g < 0, log_abs, lowest)

        def rev(t):
            return _Flip.apply(logcumsumexp(_Flip.apply(t, dim), dim), dim)
        return (rev(pos - out) + x).exp() - (rev(neg - out) + x).exp()


@_with_out
def logcumsumexp(input, dim):
    d = _dim1(input, dim)
    if input._data.dtype.kind == 'c':
        raise NotImplementedError("ember.logcumsumexp: complex inputs are not supported")
    if not _is_float(input):
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{input.dtype._short}'")
    return Logcumsumexp.apply(input, d)


def _cum_inplace(fn):
    def method(self, dim, *, dtype=None):
        from .inplace import apply_inplace
        return apply_inplace(self, lambda s: fn(s, dim, dtype=dtype))
    method.__name__ = fn.__name__ + '_'
    return method


# ====================================================================== sort / topk / median ...
@_with_out
def sort(input, dim=-1, descending=False, stable=None):
    # always a stable sort; torch's stable= overload only changes the node name
    d = _dim1(input, dim)
    return _rt.sort((SortOp if stable is None else SortStableOp).apply(input, d, True, bool(descending)))


def argsort(input, dim=-1, descending=False, stable=False):
    d = _dim1(input, dim)
    x = input._data
    if x.ndim == 0:
        return _make(xp.zeros((), xp.int64))
    return _make(xp.asarray(_argsort(x, d, bool(descending)), dtype=xp.int64))


@_with_out
def msort(input):
    return sort(input, 0).values


@_with_out
def topk(input, k, dim=-1, largest=True, sorted=True):
    if input._data.dtype == xp.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = _dim1(input, dim)
    n = input._data.shape[d] if input._data.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    return _rt.topk(TopkOp.apply(input, d, True, int(k), bool(largest)))


@_with_out
def kthvalue(input, k, dim=-1, keepdim=False):
    _no_bool(input, 'kthvalue_cpu')
    d = _dim1(input, dim)
    if input._data.ndim:
        _nonempty(input, (d,), 'kthvalue')
    n = input._data.shape[d] if input._data.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return _rt.kthvalue(KthvalueOp.apply(input, d, keepdim, int(k)))


@_with_out
def _no_bool(input, kernel):
    if input._data.dtype == xp.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def median(input, dim=None, keepdim=False):
    _no_bool(input, 'median_cpu' if dim is None else 'median_out')
    if dim is None:
        return MedianAll.apply(input, tuple(range(input._data.ndim)), False)
    d = _dim1(input, dim)
    if input._data.ndim:
        _nonempty(input, (d,), 'median')
    return _rt.median(MedianDim.apply(input, d, keepdim))


@_with_out
def nanmedian(input, dim=None, keepdim=False):
    _no_bool(input, 'median_cpu' if dim is None else 'median_out')
    if dim is None:
        return NanmedianAll.apply(input, tuple(range(input._data.ndim)), False)
    d = _dim1(input, dim)
    if input._data.ndim:
        _nonempty(input, (d,), 'nanmedian')
    return _rt.nanmedian(NanmedianDim.apply(input, d, keepdim))


@_with_out
def mode(input, dim=-1, keepdim=False):
    d = _dim1(input, dim)
    if input._data.ndim:
        _nonempty(input, (d,), 'mode')
    return _rt.mode(ModeOp.apply(input, d, keepdim))


# ====================================================================== logical / counting
def _logical(input, dim, keepdim, fn):
    x = input._data
    r = fn(x, axis=_dims(input, dim), keepdims=keepdim)
    return _make(xp.asarray(r, dtype=xp.uint8 if x.dtype == xp.uint8 else xp.bool_))


@_with_out
def all(input, dim=None, keepdim=False):
    return _logical(input, dim, keepdim, xp.all)


@_with_out
def any(input, dim=None, keepdim=False):
    return _logical(input, dim, keepdim, xp.any)


def count_nonzero(input, dim=None):
    dims = _dims(input, dim)
    return _make(xp.asarray(xp.count_nonzero(input._data, axis=dims), dtype=xp.int64))


class Nansum(Op):
    _name = 'NansumBackward0'

    @staticmethod
    def forward(ctx, x, dims, keepdim, npdtype):
        ctx.dims = dims
        ctx.save_for_backward(x)
        return xp.asarray(xp.nansum(x, axis=dims, keepdims=keepdim, dtype=npdtype))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        xa = x._data
        return _back(g, xa.shape, ctx.dims) * _const((~xp.isnan(xa)).astype(xa.dtype))


@_with_out
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    if input._data.dtype.kind == 'c':
        raise RuntimeError("nansum on CPU does not support complex inputs")
    if dtype is not None:
        dt = D.as_dtype(dtype)
        if dt.np != input._data.dtype:
            input = _cast(input, dt)
        npdt = dt.np
    elif input._data.dtype.kind in 'biu':
        npdt = xp.int64
    else:
        npdt = input._data.dtype
    return Nansum.apply(input, _dims(input, dim), keepdim, npdt)


@_with_out
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    if not _is_float(input):
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{input.dtype._short}")
    cnt = _make(xp.asarray(xp.sum(~xp.isnan(input._data), axis=_dims(input, dim), keepdims=keepdim),
                           dtype=xp.int64))
    return nansum(input, dim, keepdim, dtype=dtype) / cnt


# ====================================================================== unique / bincount / histc
class _NoGrad(Op):
    """Outputs that carry a grad_fn whose backward is not implemented (as in torch)."""

    @staticmethod
    def forward(ctx, x, fn, *args):
        outs = fn(x, *args)
        ctx.mark_non_differentiable(*outs[1:])
        return outs

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(f"the derivative for '{ctx._deriv}' is not implemented.")


def _nograd_op(name, deriv):
    return type(name.replace('Backward0', ''), (_NoGrad,), {'_name': name, '_deriv': deriv})


Unique2 = _nograd_op('Unique2Backward0', '_unique2')
UniqueDim = _nograd_op('UniqueDimBackward0', 'unique_dim')
UniqueConsecutive = _nograd_op('UniqueConsecutiveBackward0', 'unique_consecutive')


def _unique_impl(x, dim):
    if dim is None:
        u, inv, cnt = xp.unique(x.reshape(-1), return_inverse=True, return_counts=True)
        inv = inv.reshape(x.shape)
    else:
        u, inv, cnt = xp.unique(x, return_inverse=True, return_counts=True, axis=dim)
        inv = inv.reshape(-1)
    return u, inv.astype(xp.int64), cnt.astype(xp.int64)


def _unique_consecutive_impl(x, dim):
    if dim is None:
        f = x.reshape(-1)
        if f.size == 0:
            return f.copy(), xp.zeros(x.shape, xp.int64), xp.zeros(0, xp.int64)
        start = xp.concatenate([[True], f[1:] != f[:-1]])
        u = f[start]
        inv = (xp.cumsum(start) - 1).reshape(x.shape)
    else:
        n = x.shape[dim]
        if n == 0:
            return x.copy(), xp.zeros(0, xp.int64), xp.zeros(0, xp.int64)
        xm = xp.moveaxis(x, dim, 0).reshape(n, -1)
        start = xp.concatenate([[True], (xm[1:] != xm[:-1]).any(axis=1)])
        u = xp.compress(start, x, axis=dim)
        inv = xp.cumsum(start) - 1
    b = xp.flatnonzero(xp.concatenate([start, [True]]))
    return u, inv.astype(xp.int64), xp.diff(b).astype(xp.int64)


def _unique_result(outs, return_inverse, return_counts):
    u, inv, cnt = outs
    if not return_inverse and not return_counts:
        return u
    r = [u]
    if return_inverse:
        r.append(inv)
    if return_counts:
        r.append(cnt)
    return tuple(r)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    # torch's CPU kernels sort even when sorted=False, so the result is always sorted
    if dim is None:
        outs = Unique2.apply(input, _unique_impl, None)
    else:
        d = _dim1(input, dim)
        outs = UniqueDim.apply(input, _unique_impl, d)
    return _unique_result(outs, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    d = None if dim is None else _dim1(input, dim)
    outs = UniqueConsecutive.apply(input, _unique_consecutive_impl, d)
    return _unique_result(outs, return_inverse, return_counts)


def bincount(input, weights=None, minlength=0):
    x = input._data
    if x.dtype.kind not in 'iub':
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{input.dtype._short}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None or x.size == 0:
        return _make(xp.bincount(x, minlength=minlength).astype(xp.int64))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    odt = xp.float32 if w.dtype == xp.float32 else xp.float64
    return _make(xp.bincount(x, weights=w.astype(xp.float64), minlength=minlength).astype(odt))


@_with_out
def histc(input, bins=100, min=0, max=0):
    x = input._data
    if x.dtype.kind != 'f':
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{input.dtype._short}'")
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    f = x.reshape(-1)
    f = f[(f >= lo) & (f <= hi)]
    pos = ((f.astype(xp.float64) - lo) * bins / (hi - lo)).astype(xp.int64)
    pos[pos == bins] = bins - 1
    return _make(xp.bincount(pos, minlength=bins).astype(x.dtype))


# ====================================================================== Tensor methods
Tensor.sum = sum
Tensor.sum_to_size = sum_to_size
Tensor.mean = mean
Tensor.prod = prod
Tensor.max = max
Tensor.min = min
Tensor.amax = amax
Tensor.amin = amin
Tensor.aminmax = aminmax
Tensor.argmax = argmax
Tensor.argmin = argmin
Tensor.var = var
Tensor.std = std
Tensor.norm = norm
Tensor.logsumexp = logsumexp
Tensor.softmax = softmax
Tensor.log_softmax = log_softmax
Tensor.cumsum = cumsum
Tensor.cumprod = cumprod
Tensor.cumsum_ = _cum_inplace(cumsum)
Tensor.cumprod_ = _cum_inplace(cumprod)
Tensor.logcumsumexp = logcumsumexp
Tensor.cummax = cummax
Tensor.cummin = cummin
Tensor.sort = sort
Tensor.argsort = argsort
Tensor.msort = msort
Tensor.topk = topk
Tensor.kthvalue = kthvalue
Tensor.median = median
Tensor.nanmedian = nanmedian
Tensor.mode = mode
Tensor.all = all
Tensor.any = any
Tensor.count_nonzero = count_nonzero
Tensor.nansum = nansum
Tensor.nanmean = nanmean
Tensor.unique = unique
Tensor.unique_consecutive = unique_consecutive
Tensor.bincount = bincount
Tensor.histc = histc

__all__ = ['sum', 'mean', 'prod', 'max', 'min', 'amax', 'amin', 'aminmax', 'argmax', 'argmin',
           'var', 'std', 'var_mean', 'std_mean', 'norm', 'logsumexp', 'softmax', 'log_softmax',
           'cumsum', 'cumprod', 'logcumsumexp', 'cummax', 'cummin', 'sort', 'argsort', 'msort', 'topk', 'kthvalue',
           'median', 'nanmedian', 'mode', 'all', 'any', 'count_nonzero', 'nansum', 'nanmean',
           'unique', 'unique_consecutive', 'bincount', 'histc']
