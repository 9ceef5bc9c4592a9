"""Functional losses (torch.nn.functional.*_loss).

Speed-critical losses are single Ops with forward on arrays and backward in ember ops
(``MseLoss``, ``NllLoss``/``NllLoss2d``, ``BinaryCrossEntropy``,
``BinaryCrossEntropyWithLogits``); cross_entropy is ``log_softmax`` (one Op) + ``NllLoss``
(one Op), as in torch. The others compose ember ops (autograd for free), following torch's
formulas so values, gradients and edge cases match.
"""
import math
import warnings

import numpy as np

from ..._backend import xp
from ... import _dtype as D
from ..._tensor import Tensor
from ...autograd.function import Op
from ...autograd.grad_mode import STATE
from ...ops._util import unbroadcast, broadcast_shapes, check_broadcast
from ... import ops as _ops

__all__ = ['l1_loss', 'mse_loss', 'smooth_l1_loss', 'huber_loss', 'cross_entropy', 'nll_loss',
           'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'kl_div',
           'poisson_nll_loss', 'gaussian_nll_loss', 'cosine_embedding_loss',
           'margin_ranking_loss', 'hinge_embedding_loss', 'soft_margin_loss',
           'triplet_margin_loss', 'triplet_margin_with_distance_loss',
           'multilabel_soft_margin_loss', 'multilabel_margin_loss', 'multi_margin_loss', 'ctc_loss']

_make = Tensor._make
_RED = {'none': 0, 'mean': 1, 'sum': 2}
_SHORT = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'bfloat16': 'BFloat16',
          'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
          'bool': 'Bool', 'complex64': 'ComplexFloat', 'complex128': 'ComplexDouble'}


# ------------------------------------------------------------------ reduction helpers
def _legacy_get_string(size_average, reduce, emit_warning=True):
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = 'mean'
    elif reduce:
        ret = 'sum'
    else:
        ret = 'none'
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' "
                      "instead.", stacklevel=3)
    return ret


def _reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    return _legacy_get_string(size_average, reduce)


def _enum(reduction):
    """torch's _Reduction.get_enum: the code 0/1/2 or torch's ValueError."""
    r = _RED.get(reduction)
    if r is None:
        if reduction == 'elementwise_mean':
            warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.")
            return 1
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return r


def _reduce(loss, red):
    if red == 1:
        return loss.mean()
    if red == 2:
        return loss.sum()
    return loss


def _not_differentiable(t, fname, arg):
    """torch refuses a requires_grad tensor for an argument its kernel does not differentiate."""
    if t is not None and t._requires_grad and STATE.enabled:
        raise RuntimeError(f"The function '{fname}' is not differentiable with respect to argument "
                           f"'{arg}'. This input cannot have requires_grad True.")


def _short(t):
    return _SHORT.get(t._data.dtype.name, str(t.dtype))


def _size_warning(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size "
                      f"({input.size()}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)


def _float_pair(input, target, kernel):
    """Promote input/target to their common dtype; integer results raise torch's error."""
    dt = D.promote_types(input.dtype, target.dtype)
    if dt.category < D.FLOAT:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_SHORT.get(dt.np.name, dt)}'")
    if input.dtype is not dt:
        input = input.to(dt)
    if target.dtype is not dt:
        target = target.to(dt)
    return input, target


def _expand_pair(input, target):
    if input._data.shape != target._data.shape:
        shape = broadcast_shapes(tuple(input.shape), tuple(target.shape))
        input = input.expand(shape) if tuple(input.shape) != shape else input
        target = target.expand(shape) if tuple(target.shape) != shape else target
    return input, target


def _check_weight_size(weight, input):
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")


def _weighted_reduce(loss, weight, reduction, mean_by_weight=True):
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        return loss.sum()
    if reduction == 'mean':
        return loss.sum() / weight.sum() if mean_by_weight else loss.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


# ------------------------------------------------------------------ MSE
class MseLoss(Op):
    _name = 'MseLossBackward0'

    @staticmethod
    def forward(ctx, x, t, red):
        ctx.save_for_backward(x, t)
        ctx.red = red
        d = x - t
        d *= d
        if red == 1:
            return d.sum() / d.size
        if red == 2:
            return d.sum()
        return d

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        red = ctx.red
        if not STATE.enabled:
            xa, ta, ga = x._data, t._data, g._data
            d = xa - ta
            s = ga * (2.0 / d.size) if red == 1 else ga * 2.0
            d *= s
            gx = _make(d) if nx else None
            gt = _make(-d) if nt else None
            return gx, gt
        s = g * (2.0 / x.numel()) if red == 1 else g * 2.0
        d = (x - t) * s
        return (d if nx else None), (-d if nt else None)


def mse_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    xa, ta = input._data, target._data
    if (weight is None and size_average is None and reduce is None and xa.shape == ta.shape
            and xa.dtype is ta.dtype and xa.dtype.kind == 'f'):
        red = _RED.get(reduction)
        if red is not None:   # the common case: same shape and float dtype
            return MseLoss.apply(input, target, red)
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _expand_pair(input, target)
    if weight is not None:
        _check_weight_size(weight, input)
        return _weighted_reduce((input - target).pow(2) * weight, weight, reduction)
    red = _enum(reduction)
    input, target = _float_pair(input, target, 'mse_cpu')
    return MseLoss.apply(input, target, red)


# ------------------------------------------------------------------ L1 / smooth L1 / Huber
class _PointwiseLoss(Op):
    """loss = reduce(f(x, t)); subclasses give ``_f`` (arrays) and ``_grad`` (ember ops: d f / d x,
    d f / d t scaled by g). Inputs are already broadcast to one shape."""
    _target_grad = True

    @classmethod
    def forward(cls, ctx, x, t, red, param):
        ctx.save_for_backward(x, t)
        ctx.red = red
        ctx.param = param
        loss = cls._f(x, t, param)
        if red == 1:
            return loss.sum() / loss.size
        if red == 2:
            return loss.sum()
        return loss

    @classmethod
    def backward(cls, ctx, g):
        x, t = ctx.saved_tensors
        if ctx.red == 1:
            g = g / x.numel()
        nx, nt = ctx.needs_input_grad
        gx = cls._grad(x, t, g, ctx.param)
        return (gx if nx else None), (-gx if nt and cls._target_grad else None)


class SmoothL1Loss(_PointwiseLoss):
    _name = 'SmoothL1LossBackward0'

    @staticmethod
    def _f(x, t, beta):
        d = xp.abs(x - t)
        return xp.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)

    @staticmethod
    def _grad(x, t, g, beta):
        d = x - t
        return _ops.where(d.abs() < beta, d / beta, d.sign()) * g


class HuberLoss(_PointwiseLoss):
    _name = 'HuberLossBackward0'

    @staticmethod
    def _f(x, t, delta):
        d = xp.abs(x - t)
        return xp.where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta)

    @staticmethod
    def _grad(x, t, g, delta):
        d = x - t
        return _ops.where(d.abs() < delta, d, d.sign() * delta) * g


class SoftMarginLoss(_PointwiseLoss):
    _name = 'SoftMarginLossBackward0'
    _target_grad = False

    @staticmethod
    def _f(x, t, _):
        return xp.log1p(xp.exp(-x * t))

    @staticmethod
    def _grad(x, t, g, _):
        z = (-t * x).exp()
        return -t * z / (z + 1) * g


def l1_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _expand_pair(input, target)
    if weight is not None:
        _check_weight_size(weight, input)
        return _weighted_reduce((input - target).abs() * weight, weight, reduction)
    red = _enum(reduction)
    return _reduce((input - target).abs(), red)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0):
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    red = _enum(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _expand_pair(input, target)
    if beta == 0:
        return _reduce((input - target).abs(), red)
    input, target = _float_pair(input, target, 'smooth_l1_cpu')
    return SmoothL1Loss.apply(input, target, red, float(beta))


def huber_loss(input, target, reduction='mean', delta=1.0, weight=None):
    _size_warning(input, target)
    input, target = _expand_pair(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = _float_pair(input, target, 'huber_cpu')
    if weight is not None:
        _check_weight_size(weight, input)
        loss = HuberLoss.apply(input, target, 0, float(delta))
        return _weighted_reduce(loss * weight, weight, reduction, mean_by_weight=False)
    return HuberLoss.apply(input, target, _enum(reduction), float(delta))


# ------------------------------------------------------------------ NLL / cross entropy
def _nll_pick(lp, t, w, red, ignore_index, cax):
    """Forward of nll_loss on arrays: lp (N, C, *) or (C,) log-probabilities, t int targets.

    Returns (loss array, ti, wt, denom): ti the safe target indices expanded on the class axis,
    wt the per-target weights (None: all ones), denom the 'mean' divisor."""
    C = lp.shape[cax]
    if t.dtype != xp.intp:
        t = t.astype(xp.intp)
    valid = None
    # one reduction checks both bounds (negative values wrap to huge unsigned ones)
    if t.size and (t.view(xp.uintp).max() >= C or 0 <= ignore_index < C):
        valid = t != ignore_index
        bad = valid & ((t < 0) | (t >= C))
        if bad.any():
            raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")
        t = xp.where(valid, t, 0)
    ti = xp.expand_dims(t, cax)
    if cax == 1 and lp.ndim == 2:
        picked = lp[xp.arange(lp.shape[0]), t]
    else:
        picked = xp.take_along_axis(lp, ti, axis=cax).reshape(t.shape)
    wt = None
    if w is not None:
        wt = w[t]
        if valid is not None:
            wt = wt * valid
    elif valid is not None:
        wt = valid.astype(lp.dtype)
    loss = -picked if wt is None else -(picked * wt)
    if red == 0:
        out, denom = loss, 1.0
    elif red == 2:
        out, denom = loss.sum(), 1.0
    else:
        denom = wt.sum() if wt is not None else loss.size
        out = loss.sum() / denom
    return xp.asarray(out, dtype=lp.dtype), ti, wt, denom


def _nll_coef(ctx):
    """Per-target d loss / d picked value (without the upstream gradient), as an array."""
    ti, wt, denom, cax, shape, dt = ctx.meta
    coef = -1.0 / denom if wt is None else (wt * (-1.0 / denom))
    return xp.asarray(coef, dtype=dt)


def _scatter(coef, ti, cax, shape, dt):
    m = xp.zeros(shape, dt)
    xp.put_along_axis(m, ti, xp.expand_dims(coef, cax) if coef.ndim else coef, axis=cax)
    return m


class NllLoss(Op):
    """input (N, C, *) or (C,), target (N, *) or (): -w[t] * x[t] with ignore_index."""
    _name = 'NllLossBackward0'

    @staticmethod
    def forward(ctx, x, t, w, red, ignore_index):
        cax = 0 if x.ndim == 1 else 1
        out, ti, wt, denom = _nll_pick(x, t, w, red, ignore_index, cax)
        ctx.meta = (ti, wt, denom, cax, x.shape, x.dtype)
        return out

    @staticmethod
    def backward(ctx, g):
        ti, wt, denom, cax, shape, dt = ctx.meta
        coef = _nll_coef(ctx)
        if not STATE.enabled:
            ga = g._data
            v = coef * ga if ga.ndim or coef.ndim else xp.asarray(coef * ga, dtype=dt)
            return _make(_scatter(v, ti, cax, shape, dt)), None, None
        # differentiable in g (create_graph): g * constant scatter pattern
        gg = g.unsqueeze(cax) if g.ndim else g
        return gg * _make(_scatter(coef, ti, cax, shape, dt)), None, None


class CrossEntropyIdx(NllLoss):
    """cross_entropy with class-index targets in one Op: stable log_softmax + pick + reduction.
    Backward: (softmax(x) - onehot) * w[t] * g / denom."""
    _name = 'NllLossBackward0'

    @staticmethod
    def forward(ctx, x, t, w, red, ignore_index):
        cax = 0 if x.ndim == 1 else 1
        s = x - x.max(axis=cax, keepdims=True)
        e = xp.exp(s)
        se = e.sum(axis=cax, keepdims=True)
        lp = s - xp.log(se)
        out, ti, wt, denom = _nll_pick(lp, t, w, red, ignore_index, cax)
        ctx.meta = (ti, wt, denom, cax, x.shape, x.dtype)
        ctx.save_for_backward(x)
        e /= se
        ctx.p = e   # softmax, for the usual (no create_graph) backward
        return out

    @staticmethod
    def backward(ctx, g):
        ti, wt, denom, cax, shape, dt = ctx.meta
        coef = _nll_coef(ctx)     # -w[t] / denom
        if not STATE.enabled:
            ga = g._data
            c = coef * ga if ga.ndim or coef.ndim else xp.asarray(coef * ga, dtype=dt)
            if c.ndim:
                c = xp.expand_dims(c, cax)
            gx = ctx.p * (-c)
            if cax == 1 and gx.ndim == 2:
                gx[xp.arange(shape[0]), ti[:, 0]] += c[:, 0] if c.ndim else c
            else:
                cur = xp.take_along_axis(gx, ti, axis=cax)
                xp.put_along_axis(gx, ti, cur + c, axis=cax)
            return _make(gx), None, None
        x, = ctx.saved_tensors
        from ...ops.reduce import softmax
        gg = g.unsqueeze(cax) if g.ndim else g
        cw = xp.broadcast_to(xp.expand_dims(coef, cax), ti.shape) if coef.ndim else \
            xp.full(ti.shape, coef, dtype=dt)
        m = _scatter(xp.ones(ti.shape[:cax] + ti.shape[cax + 1:], dt), ti, cax, shape, dt)
        return (softmax(x, cax) - _make(m)) * (gg * _make(-cw)), None, None


class CrossEntropyIdx2d(CrossEntropyIdx):
    _name = 'NllLoss2DBackward0'


class NllLoss2d(NllLoss):
    _name = 'NllLoss2DBackward0'


def _check_nll(input, target, weight):
    xs, ts = input._data.shape, target._data.shape
    nd = len(xs)
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd != 1 and ts and xs[0] != ts[0]:
        raise ValueError(f"Expected input batch_size ({xs[0]}) to match target batch_size ({ts[0]}).")
    if nd == 2 and len(ts) == 1 and weight is None and target._data.dtype == xp.int64:
        return   # the common case
    td = target._data.dtype
    if not ((td.kind == 'i' and td.itemsize == 8) or (td.kind == 'u' and td.itemsize == 1)):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_short(target)}")
    C = input.shape[0 if nd == 1 else 1]
    if weight is not None and (weight.ndim != 1 or weight.numel() != C):
        raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no classes "
                           f"but got weight tensor of shape: {list(weight.shape)}")
    if nd <= 2:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if nd == 1 and target.numel() != 1:
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)}, target: "
                               f"{list(target.shape)})")
        if nd == 2 and target.ndim == 0:
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)}, target: [])")
    elif nd == 4:
        if target.ndim != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets "
                               f"of dimension: {target.ndim}")
        s = tuple(input.shape)
        if tuple(target.shape) != (s[0],) + s[2:]:
            raise RuntimeError(f"size mismatch (got input: {list(s)} , target: {list(target.shape)}")
    else:
        s = tuple(input.shape)
        exp = (s[0],) + s[2:]
        if tuple(target.shape) != exp:
            raise RuntimeError(f"Expected target size {list(exp)}, got {list(target.shape)}")


def _prep_weight(weight, input):
    if weight is None:
        return None
    _not_differentiable(weight, 'nll_loss_forward', 'weight')
    if weight.dtype is not input.dtype:
        weight = weight.to(input.dtype)
    return weight.detach()  # torch does not differentiate the class weights


def _nll(input, target, weight, red, ignore_index):
    _check_nll(input, target, weight)
    weight = _prep_weight(weight, input)
    t = target
    if input.ndim == 1 and target.ndim == 1:
        t = target.reshape(())
    op = NllLoss if input.ndim <= 2 else NllLoss2d
    return op.apply(input, t, weight, red, int(ignore_index))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction='mean'):
    reduction = _reduction(size_average, reduce, reduction)
    red = _enum(reduction)
    return _nll(input, target, weight, red, ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction='mean', label_smoothing=0.0):
    reduction = _reduction(size_average, reduce, reduction)
    red = _enum(reduction)
    cax = 0 if input.ndim == 1 else 1
    if input._data.shape == target._data.shape:
        return _cross_entropy_prob(input, target, weight, red, ignore_index, label_smoothing, cax)
    if not label_smoothing > 0.0:
        _check_nll(input, target, weight)
        if input._data.dtype.kind != 'f':
            _ops.log_softmax(input, cax)   # torch's error for non-float input
        weight = _prep_weight(weight, input)
        t = target.reshape(()) if input.ndim == 1 and target.ndim == 1 else target
        op = CrossEntropyIdx if input.ndim <= 2 else CrossEntropyIdx2d
        return op.apply(input, t, weight, red, int(ignore_index))
    logp = _ops.log_softmax(input, cax)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        return _cross_entropy_smooth(logp, target, weight, red, ignore_index, label_smoothing, cax)
    return _nll(logp, target, weight, red, ignore_index)


def _cross_entropy_prob(input, target, weight, red, ignore_index, ls, cax):
    if target._data.dtype.kind not in 'fc':
        raise RuntimeError("Expected floating point type for target with class probabilities, got "
                           f"{_short(target)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    C = input.shape[cax] if input.ndim else 1
    if weight is not None and (weight.ndim != 1 or weight.numel() != C):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {C} classes "
                           f"or no classes but got weight tensor of shape: {list(weight.shape)}")
    logp = _ops.log_softmax(input, cax if input.ndim else 0)
    if ls > 0.0:
        if ls > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {ls}")
        target = target * (1 - ls) + ls / C
    prod = logp * target
    if weight is not None:
        prod = prod * weight.reshape((C,) + (1,) * (input.ndim - cax - 1))
    if red == 0:
        return -prod.sum(cax) if input.ndim else -prod
    if red == 2:
        return -prod.sum()
    n = input.numel()
    if n == 0:
        return -prod.sum() * float('nan')
    return -prod.sum() / (n / C)


def _cross_entropy_smooth(logp, target, weight, red, ignore_index, ls, cax):
    C = logp.shape[cax]
    nll = _nll(logp, target, weight, red, ignore_index)
    if weight is not None:
        w = weight.to(logp.dtype).detach()
        smooth = -(logp * w.reshape((C,) + (1,) * (logp.ndim - cax - 1))).sum(cax)
    else:
        smooth = -logp.sum(cax)
    tgt = target.reshape(()) if logp.ndim == 1 and target.ndim == 1 else target
    ignore = tgt == ignore_index
    smooth = smooth.masked_fill(ignore, 0.0)
    if red == 1:
        keep = ~ignore
        if weight is not None:
            ret = smooth.sum() / w[tgt[keep]].sum()
        else:
            ret = smooth.sum() / keep.sum()
    elif red == 2:
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - ls) + ret * (ls / C)


# ------------------------------------------------------------------ binary cross entropy
class BinaryCrossEntropy(Op):
    _name = 'BinaryCrossEntropyBackward0'

    @staticmethod
    def forward(ctx, x, t, w, red):
        if ((x < 0) | (x > 1)).any():
            raise RuntimeError("all elements of input should be between 0 and 1")
        if ((t < 0) | (t > 1)).any():
            raise RuntimeError("all elements of target should be between 0 and 1")
        ctx.save_for_backward(x, t, w)
        ctx.red = red
        lx = xp.maximum(xp.log(x), -100)
        l1x = xp.maximum(xp.log1p(-x), -100)
        loss = -(t * lx + (1 - t) * l1x)
        if w is not None:
            loss *= w
        if red == 1:
            return loss.mean()
        if red == 2:
            return loss.sum()
        return loss

    @staticmethod
    def backward(ctx, g):
        x, t, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        if ctx.red == 1:
            g = g / x.numel()
        gx = gt = None
        if needs[0]:
            gx = (x - t) / ((1 - x) * x).clamp_min(1e-12) * g
            if w is not None:
                gx = gx * w
        if needs[1]:
            gt = ((-x).log1p().clamp_min(-100) - x.log().clamp_min(-100)) * g
            if w is not None:
                gt = gt * w
        if w is None:
            return gx, gt
        return gx, gt, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction='mean'):
    reduction = _reduction(size_average, reduce, reduction)
    red = _enum(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {_short(target)} but expected {_short(input)}")
    if weight is not None:
        shape = broadcast_shapes(tuple(target.shape), tuple(weight.shape))
        weight = weight.expand(shape)
        if tuple(weight.shape) != tuple(input.shape):  # torch: weight must broadcast into input
            check_broadcast(tuple(input.shape), tuple(weight.shape))
        if weight.dtype is not input.dtype:
            weight = weight.to(input.dtype)
        _not_differentiable(weight, 'binary_cross_entropy', 'weight')
        weight = weight.detach()
    return BinaryCrossEntropy.apply(input, target, weight, red)


class BinaryCrossEntropyWithLogits(Op):
    _name = 'BinaryCrossEntropyWithLogitsBackward0'

    @staticmethod
    def forward(ctx, x, t, w, pw, red):
        ctx.save_for_backward(x, t, w, pw)
        ctx.red = red
        ctx.shape = xp.broadcast_shapes(x.shape, t.shape)
        # (1 - t) * x + lw * (log1p(exp(-|x|)) + max(-x, 0)),  lw = 1 + (pw - 1) * t
        sp = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)   # softplus(-x), stable
        if pw is not None:
            loss = (1 - t) * x + (1 + (pw - 1) * t) * sp
        else:
            loss = (1 - t) * x + sp
        if w is not None:
            loss = loss * w
        if red == 1:
            return loss.mean()
        if red == 2:
            return loss.sum()
        return loss

    @staticmethod
    def backward(ctx, g):
        x, t, w, pw = ctx.saved_tensors
        needs = ctx.needs_input_grad
        if ctx.red == 1:
            g = g / math.prod(ctx.shape)
        if w is not None:
            g = g * w
        gx = gt = None
        if needs[0]:
            s = x.sigmoid()
            if pw is not None:
                gx = (s * (1 + (pw - 1) * t) - pw * t) * g
            else:
                gx = (s - t) * g
            gx = unbroadcast(gx, tuple(x.shape))
        if needs[1]:
            if pw is not None:
                gt = (-x - (pw - 1) * _logsigmoid(x)) * g
            else:
                gt = -x * g
            gt = unbroadcast(gt, tuple(t.shape))
        r = [gx, gt]
        if w is not None:
            r.append(None)
        if pw is not None:
            r.append(None)
        return tuple(r)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction='mean', pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    red = _enum(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    dt = D.promote_types(input.dtype, target.dtype)
    if dt.category < D.FLOAT:
        dt = D.get_default_dtype()
    if dt is not target.dtype and not D.can_cast(dt, target.dtype):
        raise RuntimeError(f"result type {_SHORT.get(dt.np.name)} can't be cast to the desired output type "
                           f"{_short(target)}")
    if input.dtype is not dt:
        input = input.to(dt)
    if target.dtype is not dt:
        target = target.to(dt)
    if weight is not None:
        _not_differentiable(weight, 'binary_cross_entropy_with_logits', 'weight')
        check_broadcast(tuple(input.shape), tuple(weight.shape))
        weight = weight.to(dt).detach()
    if pos_weight is not None:
        _not_differentiable(pos_weight, 'binary_cross_entropy_with_logits', 'pos_weight')
        check_broadcast(tuple(input.shape), tuple(pos_weight.shape))
        pos_weight = pos_weight.to(dt).detach()
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, red)


def _logsigmoid(x):
    # min(x, 0) - log1p(exp(-|x|)): never overflows
    return x.clamp_max(0) - (-x.abs()).exp().log1p()


def _softplus(x):
    return x.clamp_min(0) + (-x.abs()).exp().log1p()


# ------------------------------------------------------------------ KL divergence, Poisson, Gaussian
def kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False):
    if size_average is not None or reduce is not None:
        red = _enum(_legacy_get_string(size_average, reduce))
    else:
        if reduction == 'mean':
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support "
                          "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                          "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                          "major release.", stacklevel=2)
        red = 2 if reduction == 'batchmean' else _enum(reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _ops.xlogy(target, target) - target * input
    out = _reduce(loss, red)
    if reduction == 'batchmean' and input.ndim != 0:
        out = out / input.shape[0]
    return out


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction='mean'):
    reduction = _reduction(size_average, reduce, reduction)
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        tgt = target
        stirling = tgt * tgt.log() - tgt + (tgt * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(tgt <= 1, 0)
    return _reduce(loss, _RED[reduction])


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean'):
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _ops.ones_like(input) * float(var)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape)[:-1] == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(reduction + " is not valid")
    # torch clamps in place under no_grad: clamped values, identity gradient
    vd = var.detach()
    var = var + (vd.clamp_min(eps) - vd)
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, _RED[reduction])


# ------------------------------------------------------------------ margin / embedding losses
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction='mean'):
    red = _enum(_reduction(size_average, reduce, reduction))
    td = target.ndim
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if td == 1:
        if input1.ndim != 2 or input2.ndim != 2:
            raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                               f"{list(input1.shape)} and {list(input2.shape)}.")
    elif input1.ndim != 1 or input2.ndim != 1:
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    prod_sum = (input1 * input2).sum(td)
    mag1 = (input1 * input1).sum(td) + 1e-12
    mag2 = (input2 * input2).sum(td) + 1e-12
    cos = prod_sum / (mag1 * mag2).sqrt()
    zeros = _ops.zeros_like(cos)
    pos = 1 - cos
    neg = (cos - margin).clamp_min(0)
    out = _ops.where(target == 1, pos, zeros) + _ops.where(target == -1, neg, zeros)
    return _reduce(out, red)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction='mean'):
    red = _enum(_reduction(size_average, reduce, reduction))
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got "
                           f"sizes: input1: {input1.size()}, input2: {input2.size()}, target: "
                           f"{target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), red)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction='mean'):
    red = _enum(_reduction(size_average, reduce, reduction))
    zeros = _ops.zeros_like(input)
    margin_clamp = (margin - input).clamp_min(0)
    out = _ops.where(target != 1, margin_clamp, zeros) + _ops.where(target != -1, input, zeros)
    return _reduce(out, red)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    red = _enum(_reduction(size_average, reduce, reduction))
    _not_differentiable(target, 'soft_margin_loss', 'target')
    input, target = _expand_pair(input, target)
    input, target = _float_pair(input, target, 'soft_margin_loss')
    return SoftMarginLoss.apply(input, target, red, None)


def _pairwise_distance(x1, x2, p, eps):
    nd = max(x1.ndim, x2.ndim)
    return _ops.norm(x1 - x2 + eps, p, nd - 1)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction='mean'):
    red = _enum(_reduction(size_average, reduce, reduction))
    a, pd, nd = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pd == nd):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same "
                           f"number of dimensions, but got: anchor {a}D, positive {pd}D, and negative "
                           f"{nd}D inputs")
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _ops.minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), red)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction='mean'):
    red = _enum(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, nd = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pd == nd):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same "
                           f"number of dimensions, but got: anchor {a}D, positive {pd}D, and negative "
                           f"{nd}D inputs")
    dist = distance_function if distance_function is not None else \
        (lambda x, y: _pairwise_distance(x, y, 2.0, 1e-6))
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = _ops.minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), red)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction='mean'):
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * _logsigmoid(input) + (1 - target) * _logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    cd = input.ndim - 1
    C = input.shape[cd]
    loss = loss.sum(cd) / C
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, _RED[reduction])


def _check_margin_shapes(input, target, name):
    nd = input.ndim
    if not ((nd == 2 and input.shape[1] != 0) or (nd == 1 and input.shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction='mean'):
    red = _enum(_reduction(size_average, reduce, reduction))
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    _check_margin_shapes(input, target, 'multi_margin_loss')
    if target._data.dtype.name != 'int64':
        raise RuntimeError(f"expected scalar type Long but found {_short(target)}")
    nd = input.ndim
    x = input.reshape(1, -1) if nd < 2 else input
    N, C = x.shape
    if not (target.ndim <= 1 and target.numel() == N):
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of "
                           f"input samples (batch size). Expected target size [{N}], but got "
                           f"{list(target.shape)}. Input has shape {list(input.shape)}.")
    _not_differentiable(weight, 'multi_margin_loss', 'weight')
    if weight is not None and weight.numel() != C:
        raise RuntimeError(f"inconsistent weight size, expected {C} but got {list(weight.shape)}")
    ta = target._data.reshape(N)
    if ta.size and (ta.min() < 0 or ta.max() >= C):
        raise RuntimeError("target out of range")
    t = _make(ta.astype(np.int64)).reshape(N, 1)
    xy = x.gather(1, t)
    z = (x - xy + margin).clamp_min(0)
    if p == 2:
        z = z * z
    mask = np.ones((N, C), dtype=x._data.dtype)
    mask[np.arange(N), ta] = 0
    z = z * _make(mask)
    if weight is not None:
        z = z * weight.to(x.dtype)[t]
    loss = z.sum(1) / C
    if nd < 2:
        loss = loss.reshape(tuple(target.shape))
    return _reduce(loss, red)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    red = _enum(_reduction(size_average, reduce, reduction))
    _check_margin_shapes(input, target, 'multilabel_margin_loss')
    if target._data.dtype.name != 'int64':
        raise RuntimeError(f"expected scalar type Long but found {_short(target)}")
    nd = input.ndim
    x = input.reshape(1, -1) if nd < 2 else input
    N, C = x.shape
    if tuple(target.shape) != tuple(input.shape) and not (nd <= 1 and target.numel() == x.numel()):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    ta = target._data.reshape(N, C)
    if ta.size and (ta.min() < -1 or ta.max() >= C):
        raise RuntimeError("target out of range")
    # targets are the prefix before the first -1
    stop = np.cumsum(ta < 0, axis=1) > 0
    is_t = np.zeros((N, C), dtype=bool)
    rows = np.nonzero(~stop)
    is_t[rows[0], ta[rows]] = True
    # sum over target j and non-target i of max(0, 1 - (x[j] - x[i])) / C
    diff = 1 - (x.unsqueeze(2) - x.unsqueeze(1))            # [n, j, i]
    pair = np.logical_and(is_t[:, :, None], ~is_t[:, None, :]).astype(x._data.dtype)
    loss = (diff.clamp_min(0) * _make(pair)).sum((1, 2)) / C
    if nd < 2:
        loss = loss.reshape(())
    return _reduce(loss, red)


# ------------------------------------------------------------------ CTC
def _lse(*arrs):
    """Elementwise log-sum-exp of equally shaped arrays (-inf safe)."""
    m = arrs[0]
    for a in arrs[1:]:
        m = xp.maximum(m, a)
    mf = xp.where(xp.isfinite(m), m, 0)
    s = sum(xp.exp(a - mf) for a in arrs)
    return xp.log(s) + mf


class CtcLoss(Op):
    """Per-sample CTC negative log-likelihood; log_probs (T, N, C), padded targets (N, L).
    The loop runs over time only (vectorised over batch and states). Backward follows torch's
    kernel (its gradient assumes log_probs came from log_softmax); not differentiable twice."""
    _name = 'CtcLossBackward0'

    @staticmethod
    def forward(ctx, lp, tg, in_len, tg_len, blank, zero_infinity):
        T, N, C = lp.shape
        L = tg.shape[1]
        S = 2 * L + 1
        ext = xp.full((N, S), blank, dtype=xp.intp)
        ext[:, 1::2] = tg
        neg = xp.array(-xp.inf, lp.dtype)
        # allowed skip s-2 -> s: label (odd s), not equal to the label two back
        skip = xp.zeros((N, S), bool)
        if S > 2:
            skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        rows = xp.arange(N)[:, None]
        lpe = lp[:, rows, ext]                                   # (T, N, S) emission log-probs
        alpha = xp.full((T, N, S), neg, lp.dtype)
        alpha[0, :, 0] = lpe[0, :, 0]
        if S > 1:
            alpha[0, :, 1] = xp.where(tg_len > 0, lpe[0, :, 1], neg)
        for t in range(1, T):
            a = alpha[t - 1]
            a1 = xp.concatenate([xp.full((N, 1), neg, lp.dtype), a[:, :-1]], 1)
            a2 = xp.concatenate([xp.full((N, 2), neg, lp.dtype), a[:, :-2]], 1)[:, :S]
            a2 = xp.where(skip, a2, neg)
            alpha[t] = _lse(a, a1, a2) + lpe[t]
        n = xp.arange(N)
        last = alpha[in_len - 1, n]                              # (N, S)
        e1 = last[n, 2 * tg_len]
        e2 = xp.where(tg_len > 0, last[n, xp.maximum(2 * tg_len - 1, 0)], neg)
        nll = -_lse(e1, e2)
        ctx.saved = (lp, ext, skip, lpe, alpha, nll, in_len, tg_len, zero_infinity)
        if zero_infinity:
            nll = xp.where(xp.isinf(nll), 0, nll).astype(lp.dtype)
        return nll.astype(lp.dtype)

    @staticmethod
    def backward(ctx, g):
        lp, ext, skip, lpe, alpha, nll, in_len, tg_len, zero_inf = ctx.saved
        T, N, C = lp.shape
        S = ext.shape[1]
        neg = xp.array(-xp.inf, lp.dtype)
        n = xp.arange(N)
        beta = xp.full((T, N, S), neg, lp.dtype)
        # next-state skip: s -> s+2 allowed when skip[s+2]
        skip_next = xp.zeros((N, S), bool)
        if S > 2:
            skip_next[:, :-2] = skip[:, 2:]
        init = xp.full((N, S), neg, lp.dtype)
        tl = in_len - 1
        init_b = lpe[tl, n]                                      # (N, S)
        init[n, 2 * tg_len] = init_b[n, 2 * tg_len]
        has = tg_len > 0
        i2 = xp.maximum(2 * tg_len - 1, 0)
        init[n[has], i2[has]] = init_b[n[has], i2[has]]
        for t in range(T - 1, -1, -1):
            if t < T - 1:
                b = beta[t + 1]
                b1 = xp.concatenate([b[:, 1:], xp.full((N, 1), neg, lp.dtype)], 1)
                b2 = xp.concatenate([b[:, 2:], xp.full((N, 2), neg, lp.dtype)], 1)[:, :S]
                b2 = xp.where(skip_next, b2, neg)
                rec = _lse(b, b1, b2) + lpe[t]
            else:
                rec = xp.full((N, S), neg, lp.dtype)
            at_end = (t == tl)[:, None]
            before = (t < tl)[:, None]
            beta[t] = xp.where(at_end, init, xp.where(before, rec, neg))
        ab = alpha + beta                                        # (T, N, S)
        m = ab.max(2, keepdims=True)
        mf = xp.where(xp.isfinite(m), m, 0)
        onehot = (ext[:, :, None] == xp.arange(C)[None, None, :]).astype(lp.dtype)   # (N, S, C)
        sums = xp.einsum('tns,nsc->tnc', xp.exp(ab - mf), onehot)
        lcab = xp.log(sums) + mf
        grad = xp.exp(lp) - xp.exp(lcab + nll[None, :, None] - lp)
        valid_t = (xp.arange(T)[:, None] < in_len[None, :])[:, :, None]
        grad = xp.where(valid_t, grad, 0)
        if zero_inf:
            grad = xp.where(xp.isinf(nll)[None, :, None], 0, grad)
        ga = g._data
        return _make((grad * ga[None, :, None]).astype(lp.dtype)), None


def _lengths(x, what):
    if isinstance(x, Tensor):
        return x._data.reshape(-1).astype(xp.intp)
    if isinstance(x, (int, np.integer)):
        return xp.array([int(x)], xp.intp)
    return xp.asarray(list(x), dtype=xp.intp).reshape(-1)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean',
             zero_infinity=False):
    red = _enum(reduction)
    unbatched = log_probs.ndim != 3
    lp = log_probs.unsqueeze(1) if unbatched else log_probs   # as torch: any other rank is unsqueezed
    if lp.ndim != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {lp.ndim}-dimensional tensor for argument "
                           "#1 'log_probs' (while checking arguments for ctc_loss_allocate_outputs)")
    T, N, C = lp.shape
    in_len = _lengths(input_lengths, 'input_lengths')
    tg_len = _lengths(target_lengths, 'target_lengths')
    if in_len.shape[0] != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tg_len.shape[0] != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    if in_len.size and in_len.max() > T:
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {int(in_len.max())} "
                           "(while checking arguments for ctc_loss_allocate_outputs)")
    ta = targets._data
    if unbatched and ta.ndim == 1:
        ta = ta[None]
    Lmax = int(tg_len.max()) if tg_len.size else 0
    if ta.ndim == 1:   # concatenated targets
        off = xp.concatenate([[0], xp.cumsum(tg_len)[:-1]]).astype(xp.intp)
        idx = off[:, None] + xp.arange(Lmax)[None, :]
        ok = xp.arange(Lmax)[None, :] < tg_len[:, None]
        tg = xp.where(ok, ta[xp.clip(idx, 0, max(ta.shape[0] - 1, 0))] if ta.size else 0, blank)
    else:
        if ta.shape[1] < Lmax:
            raise RuntimeError(f"Expected tensor to have size at least {Lmax} at dimension 1, but got size "
                               f"{ta.shape[1]} for argument #2 'targets' (while checking arguments for "
                               "ctc_loss_allocate_outputs)")
        tg = ta[:, :Lmax]
        ok = xp.arange(Lmax)[None, :] < tg_len[:, None]
        tg = xp.where(ok, tg, blank)
    tg = tg.astype(xp.intp)
    nll = CtcLoss.apply(lp, _make(tg), in_len, tg_len, int(blank), bool(zero_infinity))
    if red == 1:
        div = _make(xp.maximum(tg_len, 1).astype(lp._data.dtype))
        out = (nll / div).mean()
    elif red == 2:
        out = nll.sum()
    else:
        out = nll
    if unbatched and red == 0:
        out = out.squeeze(0)
    return out
