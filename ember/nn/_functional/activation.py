"""Functional activations (torch.nn.functional): each a single Op (forward on arrays, backward
with ember ops) named after torch's grad_fn, or a composition of ember ops where torch composes too.
"""
import warnings

from ..._backend import xp
from ..._tensor import Tensor
from ... import _dtype as D
from ...autograd.function import Op
from ...ops import elementwise as _E
from ...ops.elementwise import Where as _Where
from ...ops.inplace import apply_inplace
from ...ops.reduce import softmax as _softmax, log_softmax as _log_softmax

__all__ = ['relu', 'relu_', 'relu6', 'leaky_relu', 'leaky_relu_', 'prelu', 'rrelu', 'rrelu_', 'elu',
           'elu_', 'selu', 'selu_', 'celu', 'celu_', 'gelu', 'silu', 'mish', 'hardtanh', 'hardtanh_',
           'hardsigmoid', 'hardswish', 'softplus', 'softsign', 'tanhshrink', 'softshrink', 'hardshrink',
           'threshold', 'threshold_', 'logsigmoid', 'sigmoid', 'tanh', 'softmax', 'log_softmax',
           'softmin', 'glu']

_make = Tensor._make
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327
_GELU_K = 0.7978845608028654  # sqrt(2/pi)
_GELU_C = 0.044715
_F32_SIXTH = float(xp.float32(1.0) / xp.float32(6.0))


def _sel(mask, a, b):
    """where(mask, a, b) for a constant bool array mask; differentiable in the tensors a and b."""
    return _Where.apply(_make(mask), a, b)


def _mw(mask, t):
    """where(mask, t, 0) for a constant bool array mask."""
    return _Where.apply(_make(mask), t, _make(xp.zeros((), t._data.dtype)))


def _check(input, fname):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _check_float(input, kernel):
    dt = input._data.dtype
    if dt.kind != 'f' and dt != D.bfloat16.np:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._short}'")


def _c(x, v):
    """A Python number as a 0-d array of x's dtype (keeps float32 float32)."""
    return xp.asarray(v, dtype=x.dtype)


def _op(name, fwd, bwd):
    """An Op class for y = fwd(x, *params); bwd(g, x, *params) -> grad (ember ops)."""
    def forward(ctx, x, *params):
        ctx.save_for_backward(x)
        ctx.params = params
        return fwd(x, *params)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return bwd(g, x, *ctx.params)
    return type(name[:-len('Backward0')], (Op,), {
        '_name': name, 'forward': staticmethod(forward), 'backward': staticmethod(backward)})


def _inplace(input, fn):
    return apply_inplace(input, fn)


# ----------------------------------------------------------------------------- forward/backward
def _hardtanh_f(x, lo, hi):
    return xp.clip(x, _c(x, lo), _c(x, hi))


def _hardtanh_b(g, x, lo, hi):
    xa = x._data
    return _mw((xa > lo) & (xa < hi), g)


def _leaky_f(x, slope):
    return xp.where(x > 0, x, x * _c(x, slope))


def _leaky_b(g, x, slope):
    return _sel(x._data > 0, g, g * slope)


def _elu_f(x, alpha, scale, input_scale):
    neg = xp.expm1(x * _c(x, input_scale)) * _c(x, alpha * scale)
    return xp.where(x > 0, x * _c(x, scale) if scale != 1 else x, neg)


def _elu_b(g, x, alpha, scale, input_scale):
    xa = x._data
    pos = g * scale if scale != 1 else g
    neg = g * (scale * alpha * input_scale) * (x * input_scale).exp()
    return _sel(xa > 0, pos, neg)


def _gelu_f(x, approximate):
    if approximate == 'tanh':
        inner = _c(x, _GELU_K) * (x + _c(x, _GELU_C) * x * x * x)
        return _c(x, 0.5) * x * (_c(x, 1) + xp.tanh(inner))
    return _c(x, 0.5) * x * (_c(x, 1) + _E._erf(x * _c(x, _SQRT1_2)))


def _gelu_b(g, x, approximate):
    if approximate == 'tanh':
        x2 = x * x
        t = ((x + x2 * x * _GELU_C) * _GELU_K).tanh()
        d = (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * ((x2 * (3 * _GELU_C) + 1) * _GELU_K)
        return g * d
    cdf = ((x * _SQRT1_2).erf() + 1) * 0.5
    pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
    return g * (cdf + x * pdf)


def _silu_f(x):
    return x * _E._sigmoid_np(x)


def _silu_b(g, x):
    s = x.sigmoid()
    return g * s * (x * (1 - s) + 1)


def _softplus_np(x):
    return xp.logaddexp(_c(x, 0), x)


def _mish_f(x):
    return x * xp.tanh(_softplus_np(x))


def _softplus_t(x):
    # log(1 + exp(x)) stably, with ember ops: relu(x) + log1p(exp(-|x|))
    return x.clamp(min=0) + (-x.abs()).exp().log1p()


def _mish_b(g, x):
    t = _softplus_t(x).tanh()
    return g * (t + x * x.sigmoid() * (1 - t * t))


def _hardsigmoid_f(x):
    return xp.clip(x + _c(x, 3), _c(x, 0), _c(x, 6)) / _c(x, 6)


def _hardsigmoid_b(g, x):
    xa = x._data
    # torch's kernel multiplies by the float constant 1.0f/6 (also for double)
    return _mw((xa > -3) & (xa < 3), g * _F32_SIXTH)


def _hardswish_f(x):
    return x * xp.clip(x + _c(x, 3), _c(x, 0), _c(x, 6)) / _c(x, 6)


def _hardswish_b(g, x):
    xa = x._data
    mid = _mw((xa >= -3) & (xa <= 3), g * (x / 3 + 0.5))
    return mid + _mw(xa > 3, g)


def _softplus_f(x, beta, threshold):
    xb = x * _c(x, beta) if beta != 1 else x
    sp = _softplus_np(xb)
    if beta != 1:
        sp = sp / _c(x, beta)
    return xp.where(xb > threshold, x, sp)


def _softplus_b(g, x, beta, threshold):
    xb = x * beta if beta != 1 else x
    return _sel(xb._data > threshold, g, g * xb.sigmoid())


def _softshrink_f(x, lambd):
    l = _c(x, lambd)
    return xp.where(x > l, x - l, xp.where(x < -l, x + l, _c(x, 0)))


def _shrink_b(g, x, lambd):
    xa = x._data
    return _mw((xa < -lambd) | (xa > lambd), g)


def _hardshrink_f(x, lambd):
    return xp.where((x >= -lambd) & (x <= lambd), _c(x, 0), x)


def _threshold_f(x, threshold, value):
    return xp.where(x > threshold, x, _c(x, value))


def _threshold_b(g, x, threshold, value):
    return _mw(x._data > threshold, g)


def _logsigmoid_f(x):
    return xp.minimum(x, _c(x, 0)) - xp.log1p(xp.exp(-xp.abs(x)))


def _logsigmoid_b(g, x):
    return g * (-x).sigmoid()


Hardtanh = _op('HardtanhBackward0', _hardtanh_f, _hardtanh_b)
LeakyRelu = _op('LeakyReluBackward0', _leaky_f, _leaky_b)
Elu = _op('EluBackward0', _elu_f, _elu_b)
Celu = _op('CeluBackward0', _elu_f, _elu_b)
Gelu = _op('GeluBackward0', _gelu_f, _gelu_b)
Silu = _op('SiluBackward0', _silu_f, _silu_b)
Mish = _op('MishBackward0', _mish_f, _mish_b)
Hardsigmoid = _op('HardsigmoidBackward0', _hardsigmoid_f, _hardsigmoid_b)
Hardswish = _op('HardswishBackward0', _hardswish_f, _hardswish_b)
Softplus = _op('SoftplusBackward0', _softplus_f, _softplus_b)
Softshrink = _op('SoftshrinkBackward0', _softshrink_f, _shrink_b)
Hardshrink = _op('HardshrinkBackward0', _hardshrink_f, _shrink_b)
Threshold = _op('ThresholdBackward0', _threshold_f, _threshold_b)
LogSigmoid = _op('LogSigmoidBackward0', _logsigmoid_f, _logsigmoid_b)


class Prelu(Op):
    _name = 'PreluKernelBackward0'

    @staticmethod
    def forward(ctx, x, w, wshape):
        ctx.save_for_backward(x, w)
        ctx.wshape = wshape
        wb = w.reshape(wshape)
        return xp.where(x > 0, x, wb * x)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        nx, nw = ctx.needs_input_grad
        pos = x._data > 0
        gx = gw = None
        if nx:
            gx = _sel(pos, g, g * w.reshape(ctx.wshape))
        if nw:
            gw = _mw(~pos, g * x).sum_to_size(ctx.wshape).reshape(w.shape)
        return gx, gw


class Glu(Op):
    _name = 'GluBackward0'

    @staticmethod
    def forward(ctx, x, dim):
        ctx.save_for_backward(x)
        ctx.dim = dim
        h = x.shape[dim] // 2
        a, b = xp.split(x, [h], axis=dim)
        return a * _E._sigmoid_np(b)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        dim = ctx.dim
        h = x.shape[dim] // 2
        a = x.narrow(dim, 0, h)
        s = x.narrow(dim, h, h).sigmoid()
        gs = g * s
        from ...ops.shape import cat
        return cat([gs, gs * a * (1 - s)], dim)


# ----------------------------------------------------------------------------- public functions
def relu(input, inplace=False):
    _check(input, 'relu')
    if inplace:
        return _E.relu_(input)
    return _E.relu(input)


def relu_(input):
    return _E.relu_(input)


def _apply(op, input, kernel, *params):
    _check_float(input, kernel)
    return op.apply(input, *params)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    _check(input, 'hardtanh')
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return _inplace(input, lambda s: Hardtanh.apply(s, min_val, max_val))
    if input._data.dtype.kind in 'iu':  # torch's hardtanh keeps integer dtypes (not differentiable)
        x = input._data
        return _make(xp.clip(x, min_val, max_val).astype(x.dtype, copy=False))
    return _apply(Hardtanh, input, 'hardtanh', min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _check(input, 'leaky_relu')
    if inplace:
        return _inplace(input, lambda s: _apply(LeakyRelu, s, 'leaky_relu_cpu', negative_slope))
    return _apply(LeakyRelu, input, 'leaky_relu_cpu', negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def _elu(op, input, alpha, scale, input_scale, inplace, kernel):
    _check(input, kernel)
    if inplace:
        return _inplace(input, lambda s: _apply(op, s, 'elu_cpu', alpha, scale, input_scale))
    return _apply(op, input, 'elu_cpu', alpha, scale, input_scale)


def elu(input, alpha=1.0, inplace=False):
    return _elu(Elu, input, alpha, 1.0, 1.0, inplace, 'elu')


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    return _elu(Elu, input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace, 'selu')


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _elu(Celu, input, alpha, 1.0, 1.0 / alpha, inplace, 'celu')


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    _check(input, 'rrelu')
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    _check_float(input, 'rrelu_with_noise_cpu')
    from ...ops.random import _gen
    slopes = _gen(None).uniform(lower, upper, input._data.shape).astype(input._data.dtype)
    slopes = xp.where(input._data > 0, xp.ones((), input._data.dtype), slopes)
    if inplace:
        return _inplace(input, lambda s: s * _make(slopes))
    return input * _make(slopes)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


def gelu(input, approximate='none'):
    _check(input, 'gelu')
    if approximate not in ('none', 'tanh'):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _apply(Gelu, input, 'GeluKernelImpl', approximate)


def silu(input, inplace=False):
    _check(input, 'silu')
    if inplace:
        return _inplace(input, lambda s: _apply(Silu, s, 'silu_cpu'))
    return _apply(Silu, input, 'silu_cpu')


def mish(input, inplace=False):
    _check(input, 'mish')
    if inplace:
        return _inplace(input, lambda s: _apply(Mish, s, 'mish_cpu'))
    return _apply(Mish, input, 'mish_cpu')


def hardsigmoid(input, inplace=False):
    _check(input, 'hardsigmoid')
    if inplace:
        return _inplace(input, lambda s: _apply(Hardsigmoid, s, 'hardsigmoid_cpu'))
    return _apply(Hardsigmoid, input, 'hardsigmoid_cpu')


def hardswish(input, inplace=False):
    _check(input, 'hardswish')
    if inplace:
        return _inplace(input, lambda s: _apply(Hardswish, s, 'hardswish_cpu'))
    return _apply(Hardswish, input, 'hardswish_cpu')


def softplus(input, beta=1.0, threshold=20.0):
    _check(input, 'softplus')
    return _apply(Softplus, input, 'softplus_cpu', beta, threshold)


def softsign(input):
    _check(input, 'softsign')
    return input / (input.abs() + 1)


def tanhshrink(input):
    _check(input, 'tanhshrink')
    return input - input.tanh()


def softshrink(input, lambd=0.5):
    _check(input, 'softshrink')
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _apply(Softshrink, input, 'softshrink_cpu', lambd)


def hardshrink(input, lambd=0.5):
    _check(input, 'hardshrink')
    return _apply(Hardshrink, input, 'hardshrink_cpu', lambd)


def threshold(input, threshold, value, inplace=False):
    _check(input, 'threshold')
    if inplace:
        return _inplace(input, lambda s: Threshold.apply(s, threshold, value))
    return Threshold.apply(input, threshold, value)


def threshold_(input, threshold, value):
    return globals()['threshold'](input, threshold, value, True)


def logsigmoid(input):
    _check(input, 'logsigmoid')
    return _apply(LogSigmoid, input, 'log_sigmoid_cpu')


def sigmoid(input):
    return _E.sigmoid(input)


def tanh(input):
    return _E.tanh(input)


def prelu(input, weight):
    _check(input, 'prelu')
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu(): argument 'weight' (position 2) must be Tensor, not {type(weight).__name__}")
    if input.dim() == 0:
        raise RuntimeError("Not allow zero-dim input tensor.")
    n = weight.numel()
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
                           f"{weight.dim()}")
    if n != 1:
        ch = input.shape[1] if input.dim() >= 2 else 1
        if ch != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter "
                               f"numbers = {n} and channel size = {ch}.")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._short} but found {weight.dtype._short}")
    _check_float(input, 'prelu_cpu')
    if n == 1:
        wshape = (1,) * input.dim()
    else:
        wshape = (1, n) + (1,) * (input.dim() - 2)
    return Prelu.apply(input, weight, wshape)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                  "dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    _check(input, 'softmax')
    if dim is None:
        dim = _softmax_dim('softmax', input.dim(), _stacklevel)
    return _softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    _check(input, 'softmin')
    if dim is None:
        dim = _softmax_dim('softmin', input.dim(), _stacklevel)
    return _softmax(-input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    _check(input, 'log_softmax')
    if dim is None:
        dim = _softmax_dim('log_softmax', input.dim(), _stacklevel)
    return _log_softmax(input, dim, dtype=dtype)


def glu(input, dim=-1):
    _check(input, 'glu')
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    nd = input.dim()
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got "
                         f"{dim})")
    d = dim % nd
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    _check_float(input, 'glu_cpu')
    return Glu.apply(input, d)


