"""Functional misc ops: pad, interpolate, pixel_shuffle/unshuffle, cosine_similarity,
pairwise_distance, pdist.

Non-constant padding and interpolation are separable: each is a weighted gather along one dim
at a time with precomputed index/weight "taps" (``_AxisGather``); its backward is the adjoint
scatter (``_AxisScatter``: runs of equal targets summed with a few ``take``s, or ``reduceat``;
no ``ufunc.at``), whose backward is the gather again -- so any order of gradients works.
"""
import math

from ..._backend import xp
from ..._tensor import Tensor
from ...autograd.function import Op

__all__ = ['pad', 'interpolate', 'upsample', 'upsample_nearest', 'upsample_bilinear', 'pixel_shuffle',
           'pixel_unshuffle', 'cosine_similarity', 'pairwise_distance', 'pdist']

_make = Tensor._make


# ------------------------------------------------------------------ weighted gather along one axis
def _expand_w(w, d, ndim):
    s = [1] * ndim
    s[d] = -1
    return w.reshape(s)


def _center(idx, n_in):
    """Position p0 with idx[p0:p0+n_in] == arange(n_in) (a padding map's interior), or None."""
    if idx.shape[0] < n_in or n_in == 0:
        return None
    for p0 in xp.flatnonzero(idx == 0):
        p0 = int(p0)
        if p0 + n_in <= idx.shape[0] and idx[p0 + n_in - 1] == n_in - 1 and \
                xp.array_equal(idx[p0:p0 + n_in], xp.arange(n_in)):
            return p0
    return None


def _sl(d, a, b):
    return (slice(None),) * d + (slice(a, b),)


def _gather(x, d, taps):
    """out = sum_k w_k * take(x, idx_k, axis=d); taps: [(idx, w or None)]."""
    if len(taps) == 1 and taps[0][1] is None:
        idx = taps[0][0]
        n = x.shape[d]
        p0 = _center(idx, n)
        if p0 is not None and idx.shape[0] > n:   # padding: copy the interior, gather the borders
            shape = list(x.shape)
            shape[d] = idx.shape[0]
            out = xp.empty(shape, dtype=x.dtype)
            out[_sl(d, p0, p0 + n)] = x
            if p0:
                out[_sl(d, 0, p0)] = xp.take(x, idx[:p0], axis=d)
            if p0 + n < idx.shape[0]:
                out[_sl(d, p0 + n, None)] = xp.take(x, idx[p0 + n:], axis=d)
            return out
    out = None
    for idx, w in taps:
        t = xp.take(x, idx, axis=d)
        if w is not None:
            t *= _expand_w(w, d, x.ndim)
        if out is None:
            out = t
        else:
            out += t
    return out


def _scatter_rows(g, d, idx, w):
    """(rows, r): r[.., k, ..] = sum of w[j] * g[.., j, ..] over j with idx[j] == rows[k]."""
    from .sparse import segment_sum
    n = idx.shape[0]
    if w is not None:
        g = g * _expand_w(w, d, g.ndim)
    order = None
    if n > 1 and xp.any(idx[1:] < idx[:-1]):
        order = xp.argsort(idx, kind='stable')
        idx = idx[order]
    flag = xp.empty(n, dtype=bool)
    flag[0] = True
    xp.not_equal(idx[1:], idx[:-1], out=flag[1:])
    starts = xp.flatnonzero(flag)
    rows = idx[starts]
    lens = xp.diff(xp.append(starts, n))
    return rows, segment_sum(g, starts, lens, d, order)


def _scatter(g, d, taps, n_in):
    """Adjoint of _gather: out[.., i, ..] = sum over (k, j) with idx_k[j] == i of w_k[j] * g[.., j, ..]."""
    lead = (slice(None),) * d
    if len(taps) == 1 and taps[0][1] is None:
        idx = taps[0][0]
        p0 = _center(idx, n_in)
        if p0 is not None and idx.shape[0] > n_in:
            out = g[_sl(d, p0, p0 + n_in)].copy()
            for a, b in ((0, p0), (p0 + n_in, idx.shape[0])):
                if b > a:
                    rows, r = _scatter_rows(g[_sl(d, a, b)], d, idx[a:b], None)
                    out[lead + (rows,)] += r
            return out
    return _gather(g, d, _transpose_taps(taps, n_in, g.dtype, g.shape[d]))


def _transpose_taps(taps, n_in, dt, n_out):
    """The adjoint map as gather taps: for each input i, the outputs j (and weights) that read it.

    Inputs read by fewer outputs than the maximum get zero-weight filler taps."""
    ii = xp.concatenate([idx for idx, _ in taps])
    jj = xp.concatenate([xp.arange(idx.shape[0]) for idx, _ in taps])
    unit = all(w is None for _, w in taps)
    ww = None if unit else xp.concatenate([w if w is not None else xp.ones(idx.shape[0], dt) for idx, w in taps])
    if ii.shape[0] == 0 or n_out == 0:
        return [(xp.zeros(n_in, dtype=xp.int64), xp.zeros(n_in, dtype=dt))]
    order = xp.argsort(ii, kind='stable')
    ii, jj = ii[order], jj[order]
    counts = xp.bincount(ii, minlength=n_in)
    R = int(counts.max())
    starts = xp.cumsum(counts) - counts
    rank = xp.arange(ii.shape[0]) - xp.repeat(starts, counts)
    J = xp.zeros((R, n_in), dtype=xp.int64)
    J[rank, ii] = jj
    full = bool((counts == R).all())
    if unit and full:
        return [(J[r], None) for r in range(R)]
    Wt = xp.zeros((R, n_in), dtype=dt)
    Wt[rank, ii] = 1 if unit else ww[order]
    return [(J[r], Wt[r]) for r in range(R)]


class _AxisGather(Op):
    _name = 'IndexBackward0'

    @staticmethod
    def forward(ctx, x, d, taps, name=None):
        ctx.args = (d, taps, x.shape[d])
        return _gather(x, d, taps)

    @staticmethod
    def backward(ctx, g):
        d, taps, n_in = ctx.args
        return _AxisScatter.apply(g, d, taps, n_in)


class _AxisScatter(Op):
    _name = 'IndexAddBackward0'

    @staticmethod
    def forward(ctx, g, d, taps, n_in):
        ctx.args = (d, taps)
        return _scatter(g, d, taps, n_in)

    @staticmethod
    def backward(ctx, gg):
        d, taps = ctx.args
        return _AxisGather.apply(gg, d, taps)


_NAMED = {}


def _gather_axis(x, d, taps, name=None):
    """Gather along axis d; ``name`` sets the node's grad_fn name (torch's kernel name)."""
    if name is None:
        return _AxisGather.apply(x, d, taps)
    cls = _NAMED.get(name)
    if cls is None:
        cls = _NAMED[name] = type('_AxisGather_' + name, (_AxisGather,), {'_name': name})
    return cls.apply(x, d, taps)


# ------------------------------------------------------------------ pad
def _pad_slices(shape, pads):
    """pads: per dim (l, r) for all dims. Returns out shape, src slices, dst slices."""
    out_shape, src, dst = [], [], []
    for n, (l, r) in zip(shape, pads):
        o = n + l + r
        if o < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        out_shape.append(o)
        s0 = max(-l, 0)
        s1 = n - max(-r, 0)
        d0 = max(l, 0)
        if s1 < s0:
            raise RuntimeError("narrow(): length must be non-negative.")
        src.append(slice(s0, s1))
        dst.append(slice(d0, d0 + (s1 - s0)))
    return tuple(out_shape), tuple(src), tuple(dst)


class _ConstantPad(Op):
    _name = 'ConstantPadNdBackward0'

    @staticmethod
    def forward(ctx, x, pads, value):
        out_shape, src, dst = _pad_slices(x.shape, pads)
        out = xp.full(out_shape, value, dtype=x.dtype)
        out[dst] = x[src]
        ctx.pads = pads
        return out

    @staticmethod
    def backward(ctx, g):
        return _ConstantPad.apply(g, tuple((-l, -r) for l, r in ctx.pads), 0)


def _pad_index(n, l, r, mode):
    p = xp.arange(-l, n + r)
    if mode == 'reflect':
        if n == 1:
            return xp.zeros_like(p)
        period = 2 * (n - 1)
        q = p % period
        return xp.where(q >= n, period - q, q)
    if mode == 'replicate':
        return xp.clip(p, 0, n - 1)
    # circular: torch crops negative pads first, then wraps around the cropped extent
    s0 = max(-l, 0)
    m = n - s0 - max(-r, 0)
    return s0 + xp.arange(-max(l, 0), m + max(r, 0)) % m


_NONCONST_MSG = ("Padding size {} is not supported for {}D input tensor.\n"
                 "Supported combinations for non-constant padding:\n"
                 "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                 "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                 "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input, pad, mode='constant', value=None):
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    pad = [int(p) for p in pad]
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.dim()
    if len(pad) // 2 > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension "
                           f"but got padding length {len(pad)} and input of dimension {nd}")
    k = len(pad) // 2
    shape = tuple(input.shape)
    # torch order: last dim first
    per_dim = [(0, 0)] * (nd - k) + [(pad[2 * (k - 1 - i)], pad[2 * (k - 1 - i) + 1]) for i in range(k)]
    if mode == 'constant':
        v = 0 if value is None else value
        if all(l == 0 and r == 0 for l, r in per_dim):
            return input.clone()
        return _ConstantPad.apply(input, tuple(per_dim), v)
    if mode not in ('reflect', 'replicate', 'circular'):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if not (k in (1, 2, 3) and nd in (k + 1, k + 2)):
        raise NotImplementedError(_NONCONST_MSG.format(len(pad), nd))
    out = input
    kind = {'reflect': 'ReflectionPad', 'replicate': 'ReplicationPad'}.get(mode)
    name = f"{kind}{k}DBackward0" if kind else None
    last = max([d for d in range(nd - k, nd) if per_dim[d] != (0, 0)], default=-1)
    for d in range(nd - k, nd):
        l, r = per_dim[d]
        n = shape[d]
        if mode == 'reflect' and (l >= n or r >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({l}, {r}) at dimension {d} of input {list(shape)}")
        if mode == 'circular' and (l > n or r > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == 'replicate' and n == 0 and (l > 0 or r > 0):
            raise RuntimeError(f"Expected a non-empty input to replicate-pad, got input of size {list(shape)}")
        if l == 0 and r == 0:
            continue
        if n + l + r < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        out = _gather_axis(out, d, [(_pad_index(n, l, r, mode), None)], name if d == last else None)
    if out is input:
        out = input.clone()
    return out


# ------------------------------------------------------------------ interpolate
_MODES = ('nearest', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact')


def _scale_for(in_size, out_size, align_corners, scale):
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    if scale is not None and scale > 0:
        return 1.0 / scale
    return in_size / out_size


def _nearest_index(n_in, n_out, scale, exact):
    """torch's nearest_idx / nearest_neighbor_exact_compute_source_index (float32 arithmetic)."""
    d = xp.arange(n_out, dtype=xp.float32)
    if not exact:
        if n_out == n_in:
            return xp.arange(n_out)
        if n_out == 2 * n_in:
            return xp.arange(n_out) >> 1
    if scale is not None and scale > 0:
        s = xp.float32(1.0 / scale)
    else:
        s = xp.float32(n_in) / xp.float32(n_out)
    src = xp.floor((d + xp.float32(0.5)) * s) if exact else xp.floor(d * s)
    return xp.minimum(src.astype(xp.int64), n_in - 1)


def _src_coord(n_in, n_out, align_corners, scale, cubic=False):
    s = _scale_for(n_in, n_out, align_corners, scale)
    d = xp.arange(n_out, dtype=xp.float64)
    if align_corners:
        src = d * s
    else:
        src = s * (d + 0.5) - 0.5
        if not cubic:
            src = xp.maximum(src, 0.0)
    return src


def _area_taps(n_in, n_out, dt):
    """adaptive average pooling windows [floor(j*n/o), ceil((j+1)*n/o)) as weighted taps."""
    j = xp.arange(n_out)
    start = (j * n_in) // n_out
    end = -((-(j + 1) * n_in) // n_out)
    lens = end - start
    taps = []
    for k in range(int(lens.max())):
        valid = lens > k
        taps.append((xp.minimum(start + k, n_in - 1), (valid / lens).astype(dt)))
    return taps


def _linear_taps(n_in, n_out, align_corners, scale, dt):
    src = _src_coord(n_in, n_out, align_corners, scale)
    i0 = xp.minimum(src.astype(xp.int64), n_in - 1)
    i1 = xp.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    return [(i0, (1 - lam).astype(dt)), (i1, lam.astype(dt))]


def _cubic_taps(n_in, n_out, align_corners, scale, dt):
    A = -0.75
    src = _src_coord(n_in, n_out, align_corners, scale, cubic=True)
    i = xp.floor(src).astype(xp.int64)
    t = src - i

    def c1(z):
        return ((A + 2) * z - (A + 3)) * z * z + 1

    def c2(z):
        return ((A * z - 5 * A) * z + 8 * A) * z - 4 * A
    ws = (c2(t + 1), c1(t), c1(1 - t), c2(2 - t))
    return [(xp.clip(i - 1 + k, 0, n_in - 1), w.astype(dt)) for k, w in enumerate(ws)]


def interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
                recompute_scale_factor=None, antialias=False):
    if mode in ('nearest', 'area', 'nearest-exact'):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if dim < 1 or dim > 3 or mode not in _MODES:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  "for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | "
                                  f"area | nearest-exact (got {mode})")
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported by ember")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    in_sp = tuple(input.shape[2:])
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError("Input and output must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(in_sp)} and output size of {size}. "
                                 "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                                 "size in (o1, o2, ...,oK) format.")
            out_sp = tuple(int(s) for s in size)
        else:
            out_sp = (int(size),) * dim
        scales = [None] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but "
                                 f"got input with spatial dimensions of {list(in_sp)} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                                 "and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        out_sp = tuple(int(math.floor(n * s)) for n, s in zip(in_sp, scales))
        if recompute_scale_factor:
            scales = [None] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    need = {'linear': 1, 'bilinear': 2, 'trilinear': 3}
    if mode in need and need[mode] != dim:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {need[mode] + 2}D input")
    if mode == 'bicubic' and dim != 2:
        raise NotImplementedError(f"Got {input.dim()}D input, but bicubic mode needs 4D input")
    if any(o <= 0 for o in out_sp):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(f'{k}: {v}' for k, v in zip('DHW'[-dim:], in_sp))}) output "
                           f"({', '.join(f'{k}: {v}' for k, v in zip('DHW'[-dim:], out_sp))})")
    x = input
    kname = {'nearest': 'UpsampleNearest', 'nearest-exact': 'UpsampleNearestExact', 'linear': 'UpsampleLinear',
             'bilinear': 'UpsampleBilinear', 'trilinear': 'UpsampleTrilinear', 'bicubic': 'UpsampleBicubic',
             'area': 'AdaptiveAvgPool'}[mode] + f"{dim}DBackward0"
    for k in range(dim):
        d = 2 + k
        n_in, n_out, s = in_sp[k], out_sp[k], scales[k]
        if mode in ('nearest', 'nearest-exact'):
            taps = [(_nearest_index(n_in, n_out, s, mode == 'nearest-exact'), None)]
        elif mode == 'area':
            taps = _area_taps(n_in, n_out, x._data.dtype)
        elif mode == 'bicubic':
            taps = _cubic_taps(n_in, n_out, align_corners, s, x._data.dtype)
        else:
            taps = _linear_taps(n_in, n_out, align_corners, s, x._data.dtype)
        x = _gather_axis(x, d, taps, kname if k == dim - 1 else None)
    if x is input:
        x = input.clone()
    return x


def upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode='nearest')


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)


# ------------------------------------------------------------------ pixel shuffle
def pixel_shuffle(input, upscale_factor):
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError("pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *b, c, h, w = input.shape
    if c % (r * r) != 0:
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    oc = c // (r * r)
    nb = len(b)
    x = input.reshape(tuple(b) + (oc, r, r, h, w))
    perm = tuple(range(nb)) + (nb, nb + 3, nb + 1, nb + 4, nb + 2)
    return x.permute(perm).reshape(tuple(b) + (oc, h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *b, c, h, w = input.shape
    if h % r != 0:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r != 0:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    nb = len(b)
    x = input.reshape(tuple(b) + (c, h // r, r, w // r, r))
    perm = tuple(range(nb)) + (nb, nb + 2, nb + 4, nb + 1, nb + 3)
    return x.permute(perm).reshape(tuple(b) + (c * r * r, h // r, w // r))


# ------------------------------------------------------------------ distances
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    from ... import linalg
    from ...ops.shape import broadcast_tensors
    if x1.shape != x2.shape:
        x1, x2 = broadcast_tensors(x1, x2)
    n1 = linalg.vector_norm(x1, 2, dim, keepdim=True).clamp_min(eps)
    n2 = linalg.vector_norm(x2, 2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    from ... import linalg
    nd = max(x1.dim(), x2.dim())
    if nd == 0:
        raise RuntimeError("pairwise_distance(): expected at least 1-dimensional inputs")
    return linalg.vector_norm(x1 - x2 + eps, p, nd - 1, keepdim=keepdim)


def pdist(input, p=2):
    from ... import linalg
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = xp.triu_indices(n, 1)
    diff = input.index_select(0, _make(i)) - input.index_select(0, _make(j))
    return linalg.vector_norm(diff, p, 1)


# ------------------------------------------------------------------ affine_grid / grid_sample
_AC_WARN = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
            "Please specify align_corners=True if the old behavior is desired. See the documentation of "
            "grid_sample for details.")


def _base_coords(n, align_corners, dt):
    if n <= 1:
        return xp.zeros(max(n, 0), dtype=dt)
    c = xp.linspace(-1.0, 1.0, n)
    if not align_corners:
        c = c * (n - 1) / n
    return c.astype(dt)


def affine_grid(theta, size, align_corners=None):
    import warnings
    if align_corners is None:
        warnings.warn(_AC_WARN, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if align_corners and len(size) in (4, 5) and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the "
                      "documentation of affine_grid for details.", stacklevel=2)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got torch.Size({list(theta.shape)}).")
        N, C, H, W = size
        dt = theta._data.dtype
        ys, xs = _base_coords(H, align_corners, dt), _base_coords(W, align_corners, dt)
        base = xp.empty((H, W, 3), dtype=dt)
        base[..., 0] = xs[None, :]
        base[..., 1] = ys[:, None]
        base[..., 2] = 1
        grid = _make(base.reshape(1, H * W, 3)).matmul(theta.transpose(1, 2))
        return grid.reshape(N, H, W, 2)
    if len(size) == 5:
        raise NotImplementedError("affine_grid: 3D (5-D size) affine grids are not supported by ember yet")
    raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                              f"respectively. Got size {size}.")


def _grid_unnormalize(c, n, align_corners):
    if align_corners:
        return (c + 1) * ((n - 1) / 2)
    return ((c + 1) * n - 1) / 2


def _reflect(c, lo2, hi2):
    from ...ops.elementwise import where
    if lo2 == hi2:
        return c * 0
    mn = lo2 / 2
    span = (hi2 - lo2) / 2
    a = (c - mn).abs()
    extra = a.fmod(span)
    flips = (a.detach() / span).floor()
    even = (flips.fmod(2) == 0)
    return where(even, extra + mn, (extra * -1) + (span + mn))


def _grid_coord(c, n, padding_mode, align_corners):
    c = _grid_unnormalize(c, n, align_corners)
    if padding_mode == 'border':
        c = c.clamp(0, n - 1)
    elif padding_mode == 'reflection':
        c = _reflect(c, 0, 2 * (n - 1)) if align_corners else _reflect(c, -1, 2 * n - 1)
        c = c.clamp(0, n - 1)
    return c


def grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=None):
    import warnings
    if mode not in ('bilinear', 'nearest', 'bicubic'):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ('zeros', 'border', 'reflection'):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_AC_WARN, stacklevel=2)
        align_corners = False
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in last dimension, but "
                           f"got grid with sizes {list(grid.shape)}")
    if input.dim() != grid.dim() or input.shape[0] != grid.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.dim() != 4:
        raise NotImplementedError("grid_sample: only 4-D input (2-D sampling) is supported by ember yet")
    if mode == 'bicubic':
        raise NotImplementedError("grid_sample: mode='bicubic' is not supported by ember yet")
    N, C, H, W = input.shape
    Ho, Wo = grid.shape[1], grid.shape[2]
    ix = _grid_coord(grid[..., 0], W, padding_mode, align_corners)   # (N, Ho, Wo)
    iy = _grid_coord(grid[..., 1], H, padding_mode, align_corners)
    flat = input.reshape(N, C, H * W)

    def corner(xi, yi):
        """values (N, C, Ho*Wo) at integer corner arrays, and the in-bounds mask."""
        valid = (xi >= 0) & (xi <= W - 1) & (yi >= 0) & (yi <= H - 1)
        lin = (xp.clip(yi, 0, H - 1) * W + xp.clip(xi, 0, W - 1)).astype(xp.int64).reshape(N, 1, -1)
        idx = _make(xp.broadcast_to(lin, (N, C, lin.shape[-1])))
        return flat.gather(2, idx), valid.reshape(N, 1, -1)

    dt = input._data.dtype
    if mode == 'nearest':
        xn = xp.rint(ix._data)
        yn = xp.rint(iy._data)
        v, valid = corner(xn, yn)
        out = v * _make(valid.astype(dt))
        if grid.requires_grad:  # torch hands the grid a zero gradient in nearest mode
            out = out + (ix * 0).reshape(N, 1, -1)
        return out.reshape(N, C, Ho, Wo)
    x0 = xp.floor(ix._data)
    y0 = xp.floor(iy._data)
    wx1 = ix - _make(x0)
    wy1 = iy - _make(y0)
    wx0 = 1 - wx1
    wy0 = 1 - wy1
    out = None
    for xs, ys, wx, wy in ((x0, y0, wx0, wy0), (x0 + 1, y0, wx1, wy0), (x0, y0 + 1, wx0, wy1),
                           (x0 + 1, y0 + 1, wx1, wy1)):
        v, valid = corner(xs, ys)
        w = (wx * wy).reshape(N, 1, -1) * _make(valid.astype(dt))
        term = v * w
        out = term if out is None else out + term
    return out.reshape(N, C, Ho, Wo)


__all__ += ['affine_grid', 'grid_sample']
