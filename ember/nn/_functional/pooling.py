"""Functional pooling: max/avg pool 1d/2d/3d, adaptive avg/max pool 1d/2d/3d, max_unpool 1d/2d/3d,
lp_pool 1d/2d.

Max pooling: a strided window view of the (-inf padded) input, argmax over the window; the
backward scatters the gradient through the saved flat indices (a direct assignment when the
windows cannot overlap, np.bincount otherwise), an Op whose own backward is a gather.
Average pooling: window sums by one strided slice-add per kernel position; its adjoint is
the same loop in reverse (two Ops calling each other, so double backward works).
"""
import itertools
import math

import numpy as np

from ..._backend import xp
from ..._tensor import Tensor
from ...autograd.function import Op
from ...ops.elementwise import relu as _relu

__all__ = ['max_pool1d', 'max_pool2d', 'max_pool3d', 'max_pool1d_with_indices', 'max_pool2d_with_indices',
           'max_pool3d_with_indices', 'avg_pool1d', 'avg_pool2d', 'avg_pool3d',
           'adaptive_avg_pool1d', 'adaptive_avg_pool2d', 'adaptive_avg_pool3d',
           'adaptive_max_pool1d', 'adaptive_max_pool2d', 'adaptive_max_pool3d',
           'adaptive_max_pool1d_with_indices', 'adaptive_max_pool2d_with_indices',
           'adaptive_max_pool3d_with_indices', 'max_unpool1d', 'max_unpool2d', 'max_unpool3d',
           'lp_pool1d', 'lp_pool2d', 'lp_pool3d']

_make = Tensor._make


def _shape_str(shape):
    return '[' + ', '.join(str(s) for s in shape) + ']'


def _tuple(v, n, name, fname):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return tuple(int(v[0]) for _ in range(n))
        if len(v) != n:
            raise RuntimeError(f"{fname}: {name} must either be a single int, or a tuple of {n} ints")
        return tuple(int(a) for a in v)
    return (int(v),) * n


# ---------------------------------------------------------------------------------- geometry
class _PoolGeom:
    __slots__ = ('S', 'O', 'K', 's', 'd', 'p', 'hi')

    def __init__(self, S, O, K, s, d, p):
        self.S, self.O, self.K, self.s, self.d, self.p = S, O, K, s, d, p
        # right padding needed so that every window (ceil_mode may overhang) lies in the buffer
        self.hi = tuple(max(0, (o - 1) * ss + dd * (k - 1) + 1 - n - pp)
                        for o, ss, dd, k, n, pp in zip(O, s, d, K, S, p))

    @property
    def padded(self):
        return tuple(n + pp + h for n, pp, h in zip(self.S, self.p, self.hi))

    def window_slices(self, kk):
        return tuple(slice(k * dd, k * dd + (o - 1) * ss + 1, ss)
                     for k, dd, o, ss in zip(kk, self.d, self.O, self.s))

    def crop(self):
        return tuple(slice(pp, pp + n) for pp, n in zip(self.p, self.S))

    @property
    def overlapping(self):
        return any(ss < dd * (k - 1) + 1 for ss, dd, k in zip(self.s, self.d, self.K))


def _pool_geom(fname, x, nd, kernel_size, stride, padding, dilation, ceil_mode, avg=False):
    K = _tuple(kernel_size, nd, 'kernel_size', fname)
    s = K if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else \
        _tuple(stride, nd, 'stride', fname)
    p = _tuple(padding, nd, 'padding', fname)
    d = _tuple(dilation, nd, 'dilation', fname)
    if any(k <= 0 for k in K):
        raise RuntimeError(f"kernel_size must be greater than zero, but got {_shape_str(K)}")
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v < 0 for v in s):
        raise RuntimeError(f"stride must be greater than zero, but got {_shape_str(s)}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation must be greater than zero, but got {_shape_str(d)}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"pad must be non-negative, but got pad: {_shape_str(p)}")
    for pp, k, dd in zip(p, K, d):
        if avg and pp > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={k} and dilation=1" if nd == 2 else
                               "pad should be smaller than or equal to half of kernel size, but got "
                               f"padW = {pp}, padH = {pp}, kW = {k}, kH = {k}")
        if not avg and pp > ((k - 1) * dd + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={k} and dilation={dd}")
    S = tuple(x.shape[x.dim() - nd:])
    O = []
    for n, pp, k, dd, ss in zip(S, p, K, d, s):
        num = n + 2 * pp - dd * (k - 1) - 1 + ((ss - 1) if ceil_mode else 0)
        o = num // ss + 1
        if ceil_mode and (o - 1) * ss >= n + pp:
            o -= 1
        O.append(o)
    O = tuple(O)
    if any(o < 1 for o in O):
        C = x.shape[x.dim() - nd - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (C,) + S))}). Calculated output size: "
                           f"({'x'.join(map(str, (C,) + O))}). Output size is too small")
    return _PoolGeom(S, O, K, s, d, p)


def _check_rank(fname, input, nd):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dim() not in (nd + 1, nd + 2) or input.numel() == 0 and input.dim() == nd + 1:
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")


# ---------------------------------------------------------------------------------- scatter / gather
class _IndexScatter(Op):
    """out (*lead, *S) zeros with g placed (accumulated) at the flat spatial indices idx (*lead, *O)."""
    _name = 'MaxPool2DWithIndicesBackwardBackward0'

    @staticmethod
    def forward(ctx, g, idx, S, accumulate):
        lead = g.shape[:g.ndim - len(S)]
        M = math.prod(lead)
        L = math.prod(S)
        if accumulate:
            flat = (idx.reshape(M, -1) + (np.arange(M) * L)[:, None]).ravel()
            out = np.bincount(flat, weights=g.ravel(), minlength=M * L).astype(g.dtype, copy=False)
        else:
            out = xp.zeros((M, L), dtype=g.dtype)
            np.put_along_axis(out, idx.reshape(M, -1), g.reshape(M, -1), axis=1)
        if ctx.needs_input_grad:
            ctx.idx = idx
            ctx.nlead = len(lead)
        return out.reshape(lead + tuple(S))

    @staticmethod
    def backward(ctx, h):
        idx = ctx.idx
        M = math.prod(idx.shape[:ctx.nlead])
        return h.reshape(M, -1).gather(1, _make(idx.reshape(M, -1))).reshape(idx.shape)


class _MaxUnpool(_IndexScatter):
    _name = 'MaxUnpool2DBackward0'


# ---------------------------------------------------------------------------------- max pool
def _low(dtype):
    if dtype.kind == 'f':
        return -np.inf
    if dtype.kind == 'b':
        return False
    return np.iinfo(dtype).min


def _pad_fill(x, g, value):
    if not any(g.p) and not any(g.hi):
        return x
    out = xp.full(x.shape[:x.ndim - len(g.K)] + g.padded, value, dtype=x.dtype)
    out[(Ellipsis,) + g.crop()] = x
    return out


def _window_views(arr, g):
    """One strided view (N, C, *O) of the padded array per kernel position."""
    return [arr[(Ellipsis,) + g.window_slices(kk)]
            for kk in itertools.product(*(range(k) for k in g.K))]


def _kidx_dtype(g):
    return np.uint8 if math.prod(g.K) < 256 else np.int64


def _kidx_to_flat(kidx, g):
    """window-local argmax (N, C, *O) -> flat index into the unpadded input plane (int64)."""
    nd = len(g.K)
    # offset of each kernel position, and of each window origin, in the flat input plane
    table = np.zeros(math.prod(g.K), np.int64)
    base = np.zeros(g.O, np.int64)
    mul = 1
    for i in range(nd - 1, -1, -1):
        kpos = np.arange(g.K[i]) * g.d[i] * mul
        shp = [1] * nd
        shp[i] = g.K[i]
        table = (table.reshape(g.K) + kpos.reshape(shp)).ravel()
        shp[i] = g.O[i]
        base = base + ((np.arange(g.O[i]) * g.s[i] - g.p[i]) * mul).reshape(shp)
        mul *= g.S[i]
    return table[kidx] + base


class _MaxPool(Op):
    """max over each window; the argmax is kept as a window-local position (one byte)."""
    _name = 'MaxPool2DWithIndicesBackward0'

    @staticmethod
    def forward(ctx, x, g, want_idx):
        views = _window_views(_pad_fill(x, g, _low(x.dtype)), g)
        best = views[0].copy()
        kd = _kidx_dtype(g)
        kidx = xp.zeros(best.shape, kd)
        isf = x.dtype.kind == 'f'
        mask = xp.empty(best.shape, bool)
        nan = xp.empty(best.shape, bool) if isf else None
        tmp = xp.empty(best.shape, kd)
        # branch-free: positions only grow, so kidx = max(kidx, mask * k) records the last winner
        for k in range(1, len(views)):
            v = views[k]
            xp.greater(v, best, out=mask)
            if isf:  # torch: a NaN always wins (the last one); maximum propagates it
                xp.not_equal(v, v, out=nan)
                mask |= nan
            xp.maximum(best, v, out=best)
            xp.multiply(mask, k, out=tmp, casting='unsafe')
            xp.maximum(kidx, tmp, out=kidx)
        if ctx.needs_input_grad:
            ctx.g = g
            ctx.kidx = kidx
        if want_idx:
            idx = _kidx_to_flat(kidx, g)
            ctx.mark_non_differentiable(idx)
            return best, idx
        return best

    @staticmethod
    def backward(ctx, gy, _gi=None):
        return _MaxPoolGrad.apply(gy, ctx.kidx, ctx.g)


class _MaxPool3(_MaxPool):
    _name = 'MaxPool3DWithIndicesBackward0'


class _MaxPoolGrad(Op):
    """gy routed to each window's argmax (the backward of max pooling)."""
    _name = 'MaxPool2DWithIndicesBackwardBackward0'

    @staticmethod
    def forward(ctx, gy, kidx, g):
        out = xp.zeros(gy.shape[:gy.ndim - len(g.K)] + g.padded, dtype=gy.dtype)
        views = _window_views(out, g)
        over = g.overlapping
        mask = xp.empty(kidx.shape, bool)
        for k, v in enumerate(views):
            xp.equal(kidx, k, out=mask)
            if over:
                v += gy * mask
            else:
                xp.multiply(gy, mask, out=v)
        if any(g.p) or any(g.hi):
            out = xp.ascontiguousarray(out[(Ellipsis,) + g.crop()])
        if ctx.needs_input_grad:
            ctx.kidx = kidx
            ctx.g = g
        return out

    @staticmethod
    def backward(ctx, h):
        return _MaxPoolGather.apply(h, ctx.kidx, ctx.g)


class _MaxPoolGather(Op):
    """h picked at each window's argmax (the adjoint of _MaxPoolGrad)."""
    _name = 'MaxPool2DWithIndicesBackwardBackward0'

    @staticmethod
    def forward(ctx, h, kidx, g):
        views = _window_views(_pad_fill(h, g, 0), g)
        out = xp.zeros(kidx.shape, dtype=h.dtype)
        mask = xp.empty(kidx.shape, bool)
        for k, v in enumerate(views):
            xp.equal(kidx, k, out=mask)
            out += v * mask
        if ctx.needs_input_grad:
            ctx.kidx = kidx
            ctx.g = g
        return out

    @staticmethod
    def backward(ctx, gy):
        return _MaxPoolGrad.apply(gy, ctx.kidx, ctx.g)


def _max_pool(fname, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _check_rank(fname, input, nd)
    if input._data.dtype.kind in 'cb':
        kind = 'Bool' if input._data.dtype.kind == 'b' else 'Complex'
        raise RuntimeError(f"\"max_pool{nd}d\" not implemented for '{kind}'")
    g = _pool_geom(fname, input, nd, kernel_size, stride, padding, dilation, ceil_mode)
    return (_MaxPool3 if nd == 3 else _MaxPool).apply(input, g, bool(return_indices))


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool('max_pool2d', 2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool('max_pool2d', 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool('max_pool3d', 3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool('max_pool3d', 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _one(v, name):
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise RuntimeError(f"{name} must be a single int, or a tuple of one int")
        return int(v[0])
    return int(v)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if not isinstance(input, Tensor):
        raise TypeError(f"max_pool1d(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"max_pool1d() Expected 2D or 3D input tensor, but got {_shape_str(input.shape)}")
    k = _one(kernel_size, 'kernel_size')
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else _one(stride, 'stride')
    p, d = _one(padding, 'padding'), _one(dilation, 'dilation')
    r = _max_pool('max_pool1d', 2, input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode,
                  return_indices)
    if not return_indices:
        return r.squeeze(-2)
    return r[0].squeeze(-2), r[1].squeeze(-2)


# ---------------------------------------------------------------------------------- avg pool
def _avg_divisor(g, count_include_pad, divisor_override, dtype):
    if divisor_override is not None:
        return None
    div = None
    nd = len(g.K)
    for i in range(nd):
        start = np.arange(g.O[i]) * g.s[i] - g.p[i]
        end = np.minimum(start + g.K[i], g.S[i] + g.p[i])
        if count_include_pad:
            cnt = end - start
        else:
            cnt = np.minimum(end, g.S[i]) - np.maximum(start, 0)
        shp = [1] * nd
        shp[i] = g.O[i]
        cnt = cnt.reshape(shp)
        div = cnt if div is None else div * cnt
    return div.astype(dtype)


def _window_sum(x, g):
    xpad = _pad_fill(x, g, 0)
    out = None
    for kk in itertools.product(*(range(k) for k in g.K)):
        sl = xpad[(Ellipsis,) + g.window_slices(kk)]
        if out is None:
            out = sl.copy()
        else:
            out += sl
    return out


def _window_spread(gy, g):
    """adjoint of _window_sum."""
    out = xp.zeros(gy.shape[:gy.ndim - len(g.K)] + g.padded, dtype=gy.dtype)
    for kk in itertools.product(*(range(k) for k in g.K)):
        out[(Ellipsis,) + g.window_slices(kk)] += gy
    if any(g.p) or any(g.hi):
        out = xp.ascontiguousarray(out[(Ellipsis,) + g.crop()])
    return out


class _AvgPool(Op):
    _name = 'AvgPool2DBackward0'

    @staticmethod
    def forward(ctx, x, g, div, override):
        y = _window_sum(x, g)
        if override is not None:
            y /= override
        else:
            y /= div
        if ctx.needs_input_grad:
            ctx.args = (g, div, override)
        return y

    @staticmethod
    def backward(ctx, gy):
        return _AvgPoolT.apply(gy, *ctx.args)


class _AvgPoolT(Op):
    _name = 'AvgPool2DBackwardBackward0'

    @staticmethod
    def forward(ctx, gy, g, div, override):
        if ctx.needs_input_grad:
            ctx.args = (g, div, override)
        return _window_spread(gy / (override if override is not None else div), g)

    @staticmethod
    def backward(ctx, h):
        return _AvgPool.apply(h, *ctx.args)


class _AvgPool3(_AvgPool):
    _name = 'AvgPool3DBackward0'


def _avg_pool(fname, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    _check_rank(fname, input, nd)
    if input._data.dtype.kind not in 'fc':
        raise NotImplementedError(f"\"{fname.replace('avg_pool', 'avg_pool')}\" not implemented for "
                                  f"'{str(input.dtype).split('.')[-1]}'")
    if divisor_override is not None and int(divisor_override) == 0:
        raise RuntimeError("divisor must be not zero")
    g = _pool_geom(fname, input, nd, kernel_size, stride, padding, 1, ceil_mode, avg=True)
    div = _avg_divisor(g, count_include_pad, divisor_override, input._data.dtype)
    return (_AvgPool3 if nd == 3 else _AvgPool).apply(
        input, g, div, None if divisor_override is None else int(divisor_override))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool('avg_pool2d', 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool('avg_pool3d', 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    if not isinstance(input, Tensor):
        raise TypeError(f"avg_pool1d(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"avg_pool1d() Expected 2D or 3D input tensor, but got {_shape_str(input.shape)}")
    k = _one(kernel_size, 'kernel_size')
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else _one(stride, 'stride')
    p = _one(padding, 'padding')
    return _avg_pool('avg_pool1d', 2, input.unsqueeze(-2), (1, k), (1, s), (0, p), ceil_mode,
                     count_include_pad, None).squeeze(-2)


# ---------------------------------------------------------------------------------- adaptive
def _adaptive_bounds(n, o):
    i = np.arange(o)
    start = (i * n) // o
    end = -((-(i + 1) * n) // o)
    return start, end


def _adaptive_out(fname, x, nd, output_size):
    S = tuple(x.shape[-nd:])
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != nd:
            raise RuntimeError(f"{fname}: output_size must be {nd}")
        O = tuple(S[i] if v is None else int(v) for i, v in enumerate(output_size))
    else:
        O = (int(output_size),) * nd
    if any(o < 0 for o in O):
        raise RuntimeError(f"{fname}: elements of output_size must be greater than or equal to 0 but "
                           f"received {_shape_str(O)}")
    return S, O


def _adaptive_check(fname, input, nd, colon=False):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{fname}(): Expected {nd + 1}D or {nd + 2}D tensor, but got"
                           f"{':' if colon else ''} {_shape_str(input.shape)}")
    for i in range(1, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError(f"{fname}(): Expected input to have non-zero size for non-batch dimensions, "
                               f"but input has sizes {_shape_str(input.shape)} with dimension {i} being empty")


def _pool_matrix(n, o, dtype):
    start, end = _adaptive_bounds(n, o)
    j = np.arange(n)
    m = (j[None, :] >= start[:, None]) & (j[None, :] < end[:, None])
    return (m / (end - start)[:, None]).astype(dtype)        # (o, n)


class _AdaptiveAvg(Op):
    """y = x contracted with one averaging matrix per spatial dim (linear: adjoint by transposes)."""
    _name = 'AdaptiveAvgPool2DBackward0'

    @staticmethod
    def forward(ctx, x, mats):
        if ctx.needs_input_grad:
            ctx.mats = mats
        return _apply_mats(x, mats, False)

    @staticmethod
    def backward(ctx, gy):
        return _AdaptiveAvgT.apply(gy, ctx.mats)


class _AdaptiveAvgT(Op):
    _name = 'AdaptiveAvgPool2DBackwardBackward0'

    @staticmethod
    def forward(ctx, g, mats):
        if ctx.needs_input_grad:
            ctx.mats = mats
        return _apply_mats(g, mats, True)

    @staticmethod
    def backward(ctx, h):
        return _AdaptiveAvg.apply(h, ctx.mats)


class _AdaptiveAvg3(_AdaptiveAvg):
    _name = 'AdaptiveAvgPool3DBackward0'


def _apply_mats(x, mats, transpose):
    """Contract each of the trailing len(mats) dims of x with its matrix (o, n) (or its transpose)."""
    nd = len(mats)
    y = x
    for i, m in enumerate(mats):
        ax = y.ndim - nd + i
        mm = m if not transpose else m.T
        if ax == y.ndim - 1:
            y = xp.matmul(y, mm.T)
        else:
            y = xp.moveaxis(xp.tensordot(y, mm, axes=([ax], [1])), -1, ax)
    return xp.ascontiguousarray(y)


def _adaptive_avg(fname, nd, input, output_size):
    _adaptive_check(fname, input, nd)
    if input._data.dtype.kind not in 'fc':
        raise NotImplementedError(f"\"{fname}\" not implemented for '{str(input.dtype).split('.')[-1]}'")
    S, O = _adaptive_out(fname, input, nd, output_size)
    if all(o == 1 for o in O):   # torch: a mean over the spatial dims
        return input.mean(tuple(range(input.dim() - nd, input.dim())), keepdim=True)
    mats = tuple(_pool_matrix(n, o, input._data.dtype) for n, o in zip(S, O))
    return (_AdaptiveAvg3 if nd == 3 else _AdaptiveAvg).apply(input, mats)


def adaptive_avg_pool1d(input, output_size):
    _adaptive_check('adaptive_avg_pool1d', input, 1)
    return _adaptive_avg('adaptive_avg_pool2d', 2, input.unsqueeze(-2),
                         (1,) + _adaptive_out('adaptive_avg_pool1d', input, 1, output_size)[1]).squeeze(-2)


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg('adaptive_avg_pool2d', 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg('adaptive_avg_pool3d', 3, input, output_size)


class _AdaptiveMax(Op):
    _name = 'AdaptiveMaxPool2DBackward0'

    @staticmethod
    def forward(ctx, x, S, O):
        nd = len(S)
        lead = x.shape[:-nd]
        # per dim: (o, kmax) index table, windows padded by repeating their last index
        idxs, kms = [], []
        for n, o in zip(S, O):
            start, end = _adaptive_bounds(n, o)
            km = int((end - start).max())
            t = np.minimum(start[:, None] + np.arange(km)[None, :], (end - 1)[:, None])
            idxs.append(t)
            kms.append(km)
        # fancy index: result dims (*lead, o1, k1, o2, k2, ...)
        ix = []
        for i, t in enumerate(idxs):
            shp = [1] * (2 * nd)
            shp[2 * i], shp[2 * i + 1] = t.shape
            ix.append(t.reshape(shp))
        w = x[(Ellipsis,) + tuple(ix)]
        perm = tuple(range(len(lead))) + tuple(len(lead) + 2 * i for i in range(nd)) + \
            tuple(len(lead) + 2 * i + 1 for i in range(nd))
        w = w.transpose(perm).reshape(lead + O + (-1,))
        kidx = w.argmax(-1)
        out = np.take_along_axis(w, kidx[..., None], -1)[..., 0]
        ks = np.unravel_index(kidx, tuple(kms)) if nd > 1 else (kidx,)
        flat = None
        for i in range(nd):
            t = idxs[i]
            shp = [1] * (len(lead) + nd)
            shp[len(lead) + i] = O[i]
            pos = np.take_along_axis(np.broadcast_to(t.reshape(shp + [kms[i]]), lead + O + (kms[i],)),
                                     ks[i][..., None], -1)[..., 0]
            flat = pos if flat is None else flat * S[i] + pos
        idx = flat.astype(np.int64)
        if ctx.needs_input_grad:
            ctx.mark_non_differentiable(idx)
            ctx.idx = idx
            ctx.S = S
        return out, idx

    @staticmethod
    def backward(ctx, gy, _gi):
        return _IndexScatter.apply(gy, ctx.idx, ctx.S, True)


class _AdaptiveMax3(_AdaptiveMax):
    _name = 'AdaptiveMaxPool3DBackward0'


def _adaptive_max(fname, nd, input, output_size, return_indices):
    _adaptive_check(fname, input, nd, colon=True)
    if input._data.dtype.kind != 'f':
        raise NotImplementedError(f"\"{fname}\" not implemented for '{str(input.dtype).split('.')[-1]}'")
    S, O = _adaptive_out(fname, input, nd, output_size)
    out, idx = (_AdaptiveMax3 if nd == 3 else _AdaptiveMax).apply(input, S, O)
    return (out, idx) if return_indices else out


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max('adaptive_max_pool2d', 2, input, output_size, return_indices)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max('adaptive_max_pool2d', 2, input, output_size, True)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max('adaptive_max_pool3d', 3, input, output_size, return_indices)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max('adaptive_max_pool3d', 3, input, output_size, True)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    _adaptive_check('adaptive_max_pool1d', input, 1)
    O = _adaptive_out('adaptive_max_pool1d', input, 1, output_size)[1]
    out, idx = _adaptive_max('adaptive_max_pool2d', 2, input.unsqueeze(-2), (1,) + O, True)
    out, idx = out.squeeze(-2), idx.squeeze(-2)
    return (out, idx) if return_indices else out


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool1d(input, output_size, True)


# ---------------------------------------------------------------------------------- max_unpool
def _unpool_output_size(input, kernel_size, stride, padding, output_size, nd):
    K = _tuple(kernel_size, nd, 'kernel_size', 'max_unpool')
    s = K if stride is None else _tuple(stride, nd, 'stride', 'max_unpool')
    p = _tuple(padding, nd, 'padding', 'max_unpool')
    default = tuple((input.shape[input.dim() - nd + i] - 1) * s[i] + K[i] - 2 * p[i] for i in range(nd))
    if output_size is None:
        return default
    out = tuple(int(v) for v in output_size)
    if len(out) == nd + 2:
        out = out[2:]
    elif len(out) == nd + 1:
        out = out[1:]
    if len(out) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has "
                         f"a length of '{len(output_size)}'")
    for i in range(nd):
        mn = default[i] - s[i]
        mx = default[i] + s[i]
        if not mn < out[i] < mx:
            raise ValueError(f'invalid output_size "{list(out)}" (dim {i} must be between {mn} and {mx})')
    return out


class _MaxUnpool3(_MaxUnpool):
    _name = 'MaxUnpool3DBackward0'


def _max_unpool(fname, nd, input, indices, kernel_size, stride, padding, output_size):
    if not isinstance(input, Tensor) or not isinstance(indices, Tensor):
        raise TypeError(f"{fname}(): expected Tensor arguments")
    if indices.dtype.__str__().split('.')[-1] != 'int64':
        got = str(indices.dtype).split('.')[-1].capitalize()
        raise RuntimeError(f"elements in indices should be type int64 but got: {got}")
    if tuple(input.shape) != tuple(indices.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({_shape_str(input.shape)}) but got indices tensor with shape: "
                           f"{_shape_str(indices.shape)}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d Tensor, but got a "
                           f"tensor with {input.dim()} dimensions.")
    S = _unpool_output_size(input, kernel_size, stride, padding, output_size, nd)
    x = input
    idx = indices._data
    L = math.prod(S)
    if idx.size and (idx.min() < 0 or idx.max() >= L):
        bad = int(idx.max()) if idx.max() >= L else int(idx.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, S))}")
    return (_MaxUnpool3 if nd == 3 else _MaxUnpool).apply(x, idx, S, False)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    K = _tuple(kernel_size, 1, 'kernel_size', 'max_unpool1d')
    s = K if stride is None else _tuple(stride, 1, 'stride', 'max_unpool1d')
    p = _tuple(padding, 1, 'padding', 'max_unpool1d')
    if output_size is not None:
        output_size = tuple(output_size)[-1:] + (1,)
    return _max_unpool('max_unpool1d', 2, input.unsqueeze(-1), indices.unsqueeze(-1), K + (1,), s + (1,),
                       p + (0,), output_size).squeeze(-1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool('max_unpool2d', 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool('max_unpool3d', 3, input, indices, kernel_size, stride, padding, output_size)


# ---------------------------------------------------------------------------------- lp pool
def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kw, kh = _tuple(kernel_size, 2, 'kernel_size', 'lp_pool2d')
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * _relu(out.abs())).mul(kw * kh).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * _relu(out.abs())).mul(_one(kernel_size, 'kernel_size')).pow(1.0 / norm_type)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kd, kw, kh = _tuple(kernel_size, 3, 'kernel_size', 'lp_pool3d')
    out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * _relu(out.abs())).mul(kd * kw * kh).pow(1.0 / norm_type)
