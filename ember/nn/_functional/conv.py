"""Functional convolutions: conv1d/2d/3d, conv_transpose1d/2d/3d, unfold, fold.

One N-d engine. Forward: im2col (a strided window view of the zero-padded input copied into
columns) + one batched GEMM over groups. Three linear Ops close under differentiation, so
double backward works:

* ``_Conv(x, w, b)``          y = conv(x, w) + b
* ``_ConvT(g, w, b)``         the adjoint in x (col2im of w^T g): conv_transpose / grad_input
* ``_ConvW(x, g)``            the adjoint in w: grad_weight

col2im accumulates with one slice-add per kernel position (never np.add.at); for stride 1 it runs
as one GEMM per group into a zero-extended flat plane, so each add is a long contiguous run.
"""
import itertools
import math

from numpy.lib.stride_tricks import as_strided

from ..._backend import xp
from ..._tensor import Tensor
from ...autograd.function import Op

__all__ = ['conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d',
           'conv_transpose3d', 'unfold', 'fold']


# ---------------------------------------------------------------------------------- geometry
class _Geom:
    """Geometry of a convolution: input spatial size S, output O, kernel K, stride s,
    dilation d, padding lo/hi per spatial dim, groups."""
    __slots__ = ('S', 'O', 'K', 's', 'd', 'lo', 'hi', 'groups')

    def __init__(self, S, O, K, s, d, lo, hi, groups):
        self.S, self.O, self.K, self.s, self.d = S, O, K, s, d
        self.lo, self.hi, self.groups = lo, hi, groups

    @property
    def padded(self):
        return tuple(a + b + c for a, b, c in zip(self.S, self.lo, self.hi))

    @property
    def zero_pad(self):
        return not any(self.lo) and not any(self.hi)


def _pad_zeros(x, g):
    """x (N, C, *S) -> zero-padded (N, C, *Sp); no copy without padding."""
    if g.zero_pad:
        return x
    out = xp.zeros(x.shape[:2] + g.padded, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(lo, lo + n) for lo, n in zip(g.lo, g.S))] = x
    return out


def _im2col(x, g):
    """x (N, C, *S) -> columns (N, G, Cg*prod(K), prod(O)), C-contiguous."""
    xp_ = _pad_zeros(x, g)
    N, C = xp_.shape[:2]
    G = g.groups
    Cg = C // G
    st = xp_.strides
    sp = st[2:]
    shape = (N, G, Cg) + g.K + g.O
    strides = (st[0], st[1] * Cg, st[1]) + tuple(a * d for a, d in zip(sp, g.d)) + \
        tuple(a * s for a, s in zip(sp, g.s))
    win = as_strided(xp_, shape, strides, writeable=False)
    return win.reshape(N, G, Cg * math.prod(g.K), math.prod(g.O))


def _col2im(cols, g, C):
    """columns (N, C*prod(K), prod(O)) (any group split) -> (N, C, *S), summing overlaps."""
    N = cols.shape[0]
    nd = len(g.K)
    c = cols.reshape((N, C) + g.K + g.O)
    Sp = g.padded
    dt = cols.dtype
    # windows that do not overlap and tile the padded input exactly: one reshape, no adds
    if all(k == s and (d == 1 or k == 1) and o * s == p for k, s, d, o, p in zip(g.K, g.s, g.d, g.O, Sp)):
        perm = (0, 1) + tuple(v for i in range(nd) for v in (2 + nd + i, 2 + i))
        out = c.transpose(perm).reshape((N, C) + Sp)
    else:
        out = xp.zeros((N, C) + Sp, dtype=dt)
        for kk in itertools.product(*(range(k) for k in g.K)):
            idx = (slice(None), slice(None)) + tuple(
                slice(k * d, k * d + (o - 1) * s + 1, s) for k, d, o, s in zip(kk, g.d, g.O, g.s))
            out[idx] += c[(slice(None), slice(None)) + kk]
    if g.zero_pad:
        return out
    return out[(Ellipsis,) + tuple(slice(lo, lo + n) for lo, n in zip(g.lo, g.S))]


def _wt_matmul(W, x):
    """W^T @ x for W (G, Og, CgK), x (N, G, Og, L); an outer product when Og == 1 (depthwise), where
    BLAS with an inner dimension of 1 is slow."""
    if W.shape[1] == 1:
        return W.transpose(0, 2, 1)[None] * x
    return xp.matmul(W.transpose(0, 2, 1), x)


def _col2im_flat(x, W, g, C):
    """Stride-1 col2im(W^T x) as one GEMM per group plus long contiguous adds.

    x (N, G*Og, *O) is laid out channel-major (Og, N, ...) and zero-extended to the padded size in
    every spatial dim but the first, so that each kernel position's contribution is one contiguous run
    of the flattened padded plane (the extra columns carry zeros)."""
    N = x.shape[0]
    G, Og, CgK = W.shape
    Sp = g.padded
    nd = len(Sp)
    xe = xp.zeros((G * Og, N, g.O[0]) + Sp[1:], dtype=x.dtype)
    xe[(slice(None), slice(None), slice(None)) + tuple(slice(0, o) for o in g.O[1:])] = \
        x.transpose((1, 0) + tuple(range(2, 2 + nd)))
    Lp = math.prod(xe.shape[2:])
    xe = xe.reshape(G, Og, N * Lp)
    if Og == 1:
        cols = W.transpose(0, 2, 1) * xe                                     # outer product (depthwise)
    else:
        cols = xp.matmul(W.transpose(0, 2, 1), xe)                           # (G, CgK, N*Lp)
    K = math.prod(g.K)
    cols = cols.reshape(C, K, N, Lp)
    P = math.prod(Sp)
    strides = [math.prod(Sp[i + 1:]) for i in range(nd)]
    slack = sum((k - 1) * d * st for k, d, st in zip(g.K, g.d, strides))
    out = xp.zeros((C, N, P + slack), dtype=x.dtype)
    for j, kk in enumerate(itertools.product(*(range(k) for k in g.K))):
        off = sum(k * d * st for k, d, st in zip(kk, g.d, strides))
        out[:, :, off:off + Lp] += cols[:, j]
    out = out[:, :, :P].reshape((C, N) + Sp).transpose((1, 0) + tuple(range(2, 2 + nd)))
    if not g.zero_pad:
        out = out[(Ellipsis,) + tuple(slice(lo, lo + n) for lo, n in zip(g.lo, g.S))]
    return xp.ascontiguousarray(out)


def _bias_shape(C, nd):
    return (1, C) + (1,) * nd


# ---------------------------------------------------------------------------------- the Ops
class _Conv(Op):
    _name = 'ConvolutionBackward0'

    @staticmethod
    def forward(ctx, x, w, b, g):
        N = x.shape[0]
        G = g.groups
        Cout = w.shape[0]
        cols = _im2col(x, g)                                   # (N, G, CgK, L)
        W = w.reshape(G, Cout // G, -1)                        # (G, Og, CgK)
        y = xp.matmul(W, cols)                                 # (N, G, Og, L)
        y = y.reshape((N, Cout) + g.O)
        if b is not None:
            y += b.reshape(_bias_shape(Cout, len(g.O)))
        if ctx.needs_input_grad:
            ctx.g = g
            ctx.has_b = b is not None
            ctx.save_for_backward(x, w)
            if ctx.needs_input_grad[1]:
                ctx.cols = cols
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        g = ctx.g
        need = ctx.needs_input_grad
        gx = _ConvT.apply(gy, w, None, g) if need[0] else None
        gw = _ConvW.apply(x, gy, g, ctx.__dict__.pop('cols', None)) if need[1] else None
        if ctx.has_b:
            gb = gy.sum(tuple(i for i in range(gy.dim()) if i != 1)) if need[2] else None
            return gx, gw, gb
        return gx, gw


class _ConvT(Op):
    """y = conv_transpose(x, w) + b, i.e. the adjoint of _Conv in its input (col2im of w^T x)."""
    _name = 'ConvolutionBackward0'

    @staticmethod
    def forward(ctx, x, w, b, g):
        N = x.shape[0]
        G = g.groups
        Cin = w.shape[0]
        Cg = w.shape[1]
        W = w.reshape(G, Cin // G, -1)                                       # (G, Og, CgK)
        if all(v == 1 for v in g.s) and len(g.O) > 1:
            y = _col2im_flat(x, W, g, G * Cg)
        else:
            xr = x.reshape(N, G, Cin // G, -1)                               # (N, G, Og, L)
            cols = _wt_matmul(W, xr)                                         # (N, G, CgK, L)
            y = _col2im(cols.reshape(N, G * Cg * math.prod(g.K), -1), g, G * Cg)
        if b is not None:
            y = y + b.reshape(_bias_shape(G * Cg, len(g.S)))
        elif not y.flags.c_contiguous:
            y = xp.ascontiguousarray(y)
        if ctx.needs_input_grad:
            ctx.g = g
            ctx.has_b = b is not None
            ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        g = ctx.g
        need = ctx.needs_input_grad
        gx = _Conv.apply(gy, w, None, g) if need[0] else None
        gw = _ConvW.apply(gy, x, g, None) if need[1] else None
        if ctx.has_b:
            gb = gy.sum(tuple(i for i in range(gy.dim()) if i != 1)) if need[2] else None
            return gx, gw, gb
        return gx, gw


class _ConvW(Op):
    """grad_weight of _Conv: sum over batch and positions of gy x columns."""
    _name = 'ConvolutionBackwardBackward0'

    @staticmethod
    def forward(ctx, x, gy, g, cols):
        if cols is None:
            cols = _im2col(x, g)                                 # (N, G, CgK, L)
        N, G, CgK, L = cols.shape
        Cout = gy.shape[1]
        Og = Cout // G
        g4 = gy.reshape(N, G, Og, L)
        gw = xp.matmul(g4, cols.transpose(0, 1, 3, 2)).sum(0)                  # (G, Og, CgK)
        if ctx.needs_input_grad:
            ctx.g = g
            ctx.save_for_backward(x, gy)
        return gw.reshape((Cout, CgK // math.prod(g.K)) + g.K)

    @staticmethod
    def backward(ctx, h):
        x, gy = ctx.saved_tensors
        g = ctx.g
        need = ctx.needs_input_grad
        dx = _ConvT.apply(gy, h, None, g) if need[0] else None
        dg = _Conv.apply(x, h, None, g) if need[1] else None
        return dx, dg


# ---------------------------------------------------------------------------------- arguments
def _tuple(v, n, name='argument'):
    if isinstance(v, (tuple, list)):
        if len(v) == 1 and n > 1:
            return tuple(int(v[0]) for _ in range(n))
        if len(v) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to "
                               f"match the convolution dimensions, but got {name}={list(v)}")
        return tuple(int(a) for a in v)
    return (int(v),) * n


def _shape_str(shape):
    return '[' + ', '.join(str(s) for s in shape) + ']'


def _check_conv_input(fname, input, weight, bias, nd, transposed=False):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, ...)")
    if not isinstance(weight, Tensor):
        raise TypeError(f"{fname}(): argument 'weight' (position 2) must be Tensor, not "
                        f"{type(weight).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fname}, but got "
                           f"input of size: {_shape_str(input.shape)}")
    if weight.dim() != nd + 2:
        raise RuntimeError(f"weight should have at least three dimensions" if weight.dim() < 3 else
                           f"Expected {nd + 2}-dimensional input for {nd + 2}-dimensional weight "
                           f"{_shape_str(weight.shape)}, but got {input.dim()}-dimensional input of size "
                           f"{_shape_str(input.shape)} instead")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_name(input)} but found {_scalar_name(weight)}")
    if bias is not None:
        if not isinstance(bias, Tensor):
            raise TypeError(f"{fname}(): argument 'bias' must be Tensor, not {type(bias).__name__}")
        if bias.dtype != weight.dtype:
            raise RuntimeError(f"Input type ({_c_name(input)}) and bias type ({_c_name(bias)}) "
                               "should be the same")
    if input._data.dtype.kind not in 'fciu':
        raise NotImplementedError(f"\"{fname}\" not implemented for '{_scalar_name(input)}'")


_SCALAR = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'bfloat16': 'BFloat16',
           'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
           'bool': 'Bool', 'complex64': 'ComplexFloat', 'complex128': 'ComplexDouble'}
_CNAME = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'bfloat16': 'c10::BFloat16',
          'int64': 'long int', 'int32': 'int'}


def _dn(t):
    return str(t.dtype).split('.')[-1]


def _scalar_name(t):
    return _SCALAR.get(_dn(t), _dn(t))


def _c_name(t):
    return _CNAME.get(_dn(t), _dn(t))


def _unbatched(input, nd):
    if input.dim() == nd + 1:
        return input.unsqueeze(0), True
    return input, False


def _conv_nd(fname, nd, input, weight, bias, stride, padding, dilation, groups):
    _check_conv_input(fname, input, weight, bias, nd)
    x, unb = _unbatched(input, nd)
    s = _tuple(stride, nd, 'stride')
    d = _tuple(dilation, nd, 'dilation')
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(v <= 0 for v in s):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation: {_shape_str(d)}")
    K = tuple(weight.shape[2:])
    S = tuple(x.shape[2:])
    if isinstance(padding, str):
        if padding == 'valid':
            lo = hi = (0,) * nd
        elif padding == 'same':
            if any(v != 1 for v in s):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            tot = tuple(dd * (k - 1) for dd, k in zip(d, K))
            lo = tuple(t // 2 for t in tot)
            hi = tuple(t - t // 2 for t in tot)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        lo = hi = _tuple(padding, nd, 'padding')
        if any(v < 0 for v in lo):
            raise RuntimeError("negative padding is not supported")
    Cout, Cg = weight.shape[0], weight.shape[1]
    C = x.shape[1]
    if Cout % groups != 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension "
                           f"0, but got weight of size {_shape_str(weight.shape)} instead")
    if C != Cg * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_shape_str(weight.shape)}, expected "
                           f"input{_shape_str(x.shape)} to have {Cg * groups} channels, but got {C} "
                           "channels instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != Cout):
        raise RuntimeError(f"Given weight of size {_shape_str(weight.shape)}, expected bias to be "
                           f"1-dimensional with {Cout} elements, but got bias of size "
                           f"{_shape_str(bias.shape)} instead")
    Sp = tuple(a + b + c for a, b, c in zip(S, lo, hi))
    ext = tuple(dd * (k - 1) + 1 for dd, k in zip(d, K))
    if any(p < e for p, e in zip(Sp, ext)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, Sp))}). Kernel "
                           f"size: ({' x '.join(map(str, ext))}). Kernel size can't be greater than actual "
                           "input size")
    O = tuple((p - e) // ss + 1 for p, e, ss in zip(Sp, ext, s))
    g = _Geom(S, O, K, s, d, lo, hi, groups)
    out = _Conv.apply(x, weight, bias, g)
    return out.squeeze(0) if unb else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv_nd('conv1d', 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv_nd('conv2d', 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv_nd('conv3d', 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose_nd(fname, nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    _check_conv_input(fname, input, weight, bias, nd, transposed=True)
    if isinstance(padding, str):
        raise TypeError(f"{fname}(): argument 'padding' must be tuple of ints, not str")
    x, unb = _unbatched(input, nd)
    s = _tuple(stride, nd, 'stride')
    d = _tuple(dilation, nd, 'dilation')
    p = _tuple(padding, nd, 'padding')
    op = _tuple(output_padding, nd, 'output_padding')
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(v <= 0 for v in s):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation: {_shape_str(d)}")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    if any(v < 0 for v in op):
        raise RuntimeError("negative output_padding is not supported")
    for a, ss, dd in zip(op, s, d):
        if a >= ss and a >= dd:
            raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                               f"output_padding_height: {op[0]} output_padding_width: {op[-1]} stride_height: "
                               f"{s[0]} stride_width: {s[-1]} dilation_height: {d[0]} dilation_width: {d[-1]}")
    Cin, Og = weight.shape[0], weight.shape[1]
    C = x.shape[1]
    if C != Cin:
        raise RuntimeError(f"Given transposed=1, weight of size {_shape_str(weight.shape)}, expected "
                           f"input{_shape_str(x.shape)} to have {Cin} channels, but got {C} channels instead")
    if Cin % groups != 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension "
                           f"0, but got weight of size {_shape_str(weight.shape)} instead")
    Cout = Og * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != Cout):
        raise RuntimeError(f"Given transposed=1, weight of size {_shape_str(weight.shape)}, expected bias to "
                           f"be 1-dimensional with {Cout} elements, but got bias of size "
                           f"{_shape_str(bias.shape)} instead")
    K = tuple(weight.shape[2:])
    I = tuple(x.shape[2:])
    S = tuple((i - 1) * ss - 2 * pp + dd * (k - 1) + a + 1 for i, ss, pp, dd, k, a in zip(I, s, p, d, K, op))
    if any(v <= 0 for v in S):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, I))}). Calculated output "
                           f"size per channel: ({' x '.join(map(str, S))}). Output size is too small")
    g = _Geom(S, I, K, s, d, p, p, groups)
    out = _ConvT.apply(x, weight, bias, g)
    return out.squeeze(0) if unb else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose_nd('conv_transpose1d', 1, input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose_nd('conv_transpose2d', 2, input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose_nd('conv_transpose3d', 3, input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


# ---------------------------------------------------------------------------------- unfold / fold
class _Unfold(Op):
    _name = 'Im2ColBackward0'

    @staticmethod
    def forward(ctx, x, g):
        unb = x.ndim == 3
        cols = _im2col(x[None] if unb else x, g)
        if ctx.needs_input_grad:
            ctx.g = g
        cols = cols.reshape(cols.shape[0], cols.shape[2], cols.shape[3])
        return cols[0] if unb else cols

    @staticmethod
    def backward(ctx, gy):
        return _Fold.apply(gy, ctx.g)


class _Fold(Op):
    _name = 'Col2ImBackward0'

    @staticmethod
    def forward(ctx, cols, g):
        if cols.ndim == 2:
            return _Fold.forward(ctx, cols[None], g)[0]
        C = cols.shape[1] // math.prod(g.K)
        if ctx.needs_input_grad:
            ctx.g = g
        y = _col2im(cols, g, C)
        return y if y.flags.c_contiguous else xp.ascontiguousarray(y)

    @staticmethod
    def backward(ctx, gy):
        return _Unfold.apply(gy, ctx.g)


def _pair_arg(v, name, fname):
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise RuntimeError(f"{fname}(): argument '{name}' must be tuple of 2 ints")
        return tuple(int(a) for a in v)
    return (int(v), int(v))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold (im2col) for 4-D (or unbatched 3-D) input."""
    if not isinstance(input, Tensor):
        raise TypeError(f"unfold(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{input.dim()}, "
                         f"{input.dim() - 1}], but got 2)")
    if input.dim() != 4 and input.dim() != 3:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size "
                           f"for input, but got: {_shape_str(input.shape)}")
    K = _pair_arg(kernel_size, 'kernel_size', 'im2col')
    d = _pair_arg(dilation, 'dilation', 'im2col')
    p = _pair_arg(padding, 'padding', 'im2col')
    s = _pair_arg(stride, 'stride', 'im2col')
    if any(v <= 0 for v in K):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {K[0]} "
                           f"kernel_width: {K[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} "
                           f"stride_width: {s[1]}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {d[0]} "
                           f"dilation_width: {d[1]}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
    x = input
    S = tuple(x.shape[-2:])
    O = tuple((n + 2 * pp - (dd * (k - 1) + 1)) // ss + 1 for n, pp, dd, k, ss in zip(S, p, d, K, s))
    if any(o < 1 for o in O):
        raise RuntimeError(f"Given input with spatial size ({S[0]}, {S[1]}), kernel_size=({K[0]}, {K[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the "
                           f"array of sliding blocks as ({O[0]}, {O[1]}), but its components must be at "
                           "least one.")
    return _Unfold.apply(x, _Geom(S, O, K, s, d, p, p, 1))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold (col2im) for 3-D (or unbatched 2-D) input."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fold(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got: {_shape_str(input.shape)}")
    S = _pair_arg(output_size, 'output_size', 'col2im')
    K = _pair_arg(kernel_size, 'kernel_size', 'col2im')
    d = _pair_arg(dilation, 'dilation', 'col2im')
    p = _pair_arg(padding, 'padding', 'col2im')
    s = _pair_arg(stride, 'stride', 'col2im')
    if any(v <= 0 for v in K):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {K[0]} "
                           f"kernel_width: {K[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} "
                           f"stride_width: {s[1]}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {d[0]} "
                           f"dilation_width: {d[1]}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
    x = input
    CK = x.shape[-2]
    kp = K[0] * K[1]
    if CK % kp != 0:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={CK} and kernel_size=({K[0]}, {K[1]})")
    O = tuple((n + 2 * pp - (dd * (k - 1) + 1)) // ss + 1 for n, pp, dd, k, ss in zip(S, p, d, K, s))
    L = x.shape[-1]
    if any(o < 1 for o in O) or O[0] * O[1] != L:
        raise RuntimeError(f"Given output_size=({S[0]}, {S[1]}), kernel_size=({K[0]}, {K[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), "
                           f"expected size of input's dimension 2 to match the calculated number of sliding "
                           f"blocks {O[0]} * {O[1]} = {O[0] * O[1]}, but got input.size(2)={L}.")
    return _Fold.apply(x, _Geom(S, O, K, s, d, p, p, 1))
