"""Functional normalization ops: batch_norm, layer_norm, group_norm, instance_norm,
local_response_norm, rms_norm, normalize.

batch_norm (training) and layer_norm are single Ops with closed-form backwards computed as one
fused array expression. When the backward itself is recorded (``create_graph=True``) they
differentiate the same computation written with ember ops instead, so higher-order gradients
are exact.
"""

from ..._backend import xp
from ..._tensor import Tensor
from ...autograd.function import Op
from ...autograd import grad_mode as _gm
from ... import ops as _ops  # noqa: F401  (binds Tensor methods)

__all__ = ['batch_norm', 'layer_norm', 'group_norm', 'instance_norm', 'local_response_norm',
           'rms_norm', 'normalize']

_make = Tensor._make


def _grad_enabled():
    return _gm.STATE.enabled


def _composite_grads(fn, tensors, needs, g):
    """Gradients of fn(*tensors) (ember ops) wrt the tensors that need one, graph kept."""
    from ...autograd import grad as _agrad
    from ...autograd.grad_mode import enable_grad
    with enable_grad():
        ins = [t for t, n in zip(tensors, needs) if n]
        out = fn(*tensors)
        gs = list(_agrad(out, ins, g, create_graph=True, allow_unused=True))
    res = []
    for t, n in zip(tensors, needs):
        if n:
            r = gs.pop(0)
            res.append(r if r is not None else t.new_zeros(t.shape))
        else:
            res.append(None)
    return res


def _bshape(ndim, C):
    return (1, C) + (1,) * (ndim - 2)


# ------------------------------------------------------------------ batch norm
class _BatchNormTrain(Op):
    """y = (x - mean) * invstd * w + b with batch statistics over all dims but 1."""
    _name = 'NativeBatchNormBackward0'

    @staticmethod
    def forward(ctx, x, w, b, mean, invstd, eps, xc=None):
        bs = _bshape(x.ndim, x.shape[1])
        if xc is None:
            xc = x - mean.reshape(bs)
        xhat = xc
        xhat *= invstd.reshape(bs)
        ctx.save_for_backward(x, w, b)
        ctx.stats = (mean, invstd, eps)
        ctx.has = (w is not None, b is not None)
        if w is not None:
            xhat *= w.reshape(bs)
        if b is not None:
            xhat += b.reshape(bs)
        return xhat

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.saved_tensors
        mean, invstd, eps = ctx.stats
        hw, hb = ctx.has
        needs = list(ctx.needs_input_grad)
        tensors = [x] + ([w] if hw else []) + ([b] if hb else [])
        if _grad_enabled():
            def f(x_, *wb):
                wb = list(wb)
                w_ = wb.pop(0) if hw else None
                b_ = wb.pop(0) if hb else None
                return _bn_composite(x_, w_, b_, eps)
            return tuple(_composite_grads(f, tensors, needs, g))
        xa, ga = x._data, g._data
        C = xa.shape[1]
        bs = _bshape(xa.ndim, C)
        M = xa.size // C if C else 0
        xhat = xp.subtract(xa, mean.reshape(bs))
        xhat *= invstd.reshape(bs)
        g3, h3 = _r3(ga), _r3(xhat)
        gsum = g3.sum((0, 2))
        gxs = xp.einsum('ijk,ijk->j', g3, h3)
        res = [None]
        i = 1
        if hw:
            res.append(_make(gxs.astype(xa.dtype, copy=False)) if needs[i] else None)
            i += 1
        if hb:
            res.append(_make(gsum.astype(xa.dtype, copy=False)) if needs[i] else None)
        if needs[0]:
            scale = invstd if not hw else invstd * w._data
            xhat *= (gxs / M * scale).astype(xa.dtype, copy=False).reshape(bs)
            dx = ga * scale.reshape(bs)
            dx -= (gsum / M * scale).astype(xa.dtype, copy=False).reshape(bs)
            dx -= xhat
            res[0] = _make(dx)
        return tuple(res)


def _bn_composite(x, w, b, eps):
    axes = [0] + list(range(2, x.dim()))
    mean = x.mean(axes, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(axes, keepdim=True)
    y = xc * (var + eps).rsqrt()
    bs = _bshape(x.dim(), x.shape[1])
    if w is not None:
        y = y * w.reshape(bs)
    if b is not None:
        y = y + b.reshape(bs)
    return y


def _check_float(x, name='input'):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be Tensor, not {type(x).__name__}")


def _batch_stats(xa):
    axes = (0,) + tuple(range(2, xa.ndim))
    mean = xa.mean(axes)
    bs = _bshape(xa.ndim, xa.shape[1])
    xc = xa - mean.reshape(bs)
    var = xp.einsum('ijk,ijk->j', _r3(xc), _r3(xc)) / max(xa.size // xa.shape[1], 1)
    return mean, var.astype(xa.dtype, copy=False), xc


def _r3(a):
    return a.reshape(a.shape[0], a.shape[1], -1)


def _update_running(rm, rv, mean, var, n, momentum):
    from ...autograd.grad_mode import no_grad
    with no_grad():
        if rm is not None:
            rm._data[...] = (1 - momentum) * rm._data + momentum * mean
            rm._vc[0] += 1
        if rv is not None:
            unbiased = var * (n / (n - 1)) if n > 1 else var * float('inf')
            rv._data[...] = (1 - momentum) * rv._data + momentum * unbiased
            rv._vc[0] += 1


def _verify_batch_size(size):
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"torch.Size({list(size)})")


def _check_param_len(t, name, C):
    if t is not None and t.numel() != C:
        raise RuntimeError(f"{name} should contain {C} elements not {t.numel()}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    _check_float(input)
    if input.dim() < 2:
        raise RuntimeError(f"batch_norm(): expected input to have at least 2 dimensions, but got "
                           f"{input.dim()}D input")  # torch: a C++ check
    if training:
        _verify_batch_size(tuple(input.shape))
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean must be defined in evaluation mode" if running_mean is None
                           else "running_var must be defined in evaluation mode")
    C = input.shape[1]
    _check_param_len(running_mean, 'running_mean', C)
    _check_param_len(running_var, 'running_var', C)
    _check_param_len(weight, 'weight', C)
    _check_param_len(bias, 'bias', C)
    if training:
        xa = input._data
        mean, var, xc = _batch_stats(xa)
        invstd = 1.0 / xp.sqrt(var + eps)
        out = _BatchNormTrain.apply(input, weight, bias, mean, invstd.astype(xa.dtype, copy=False), eps, xc)
        if training and (running_mean is not None or running_var is not None):
            n = xa.size // C
            _update_running(running_mean, running_var, mean, var, n, momentum)
        return out
    for t, nm in ((running_mean, 'running_mean'), (running_var, 'running_var')):
        if t.requires_grad and _grad_enabled():
            raise RuntimeError(f"The function 'native_batch_norm' is not differentiable with respect to "
                               f"argument '{nm}'. This input cannot have requires_grad True.")
    return _BatchNormEval.apply(input, running_mean, running_var, weight, bias, eps)


class _BatchNormEval(Op):
    """y = (x - rm) / sqrt(rv + eps) * w + b with fixed statistics."""
    _name = 'NativeBatchNormBackward0'

    @staticmethod
    def forward(ctx, x, rm, rv, w, b, eps):
        bs = _bshape(x.ndim, x.shape[1])
        scale = 1.0 / xp.sqrt(rv + eps)
        if w is not None:
            scale = scale * w
        shift = -rm * scale
        if b is not None:
            shift = shift + b
        ctx.save_for_backward(x, rm, rv, w, b)
        ctx.eps = eps
        ctx.has = (w is not None, b is not None)
        out = x * scale.reshape(bs).astype(x.dtype, copy=False)
        out += shift.reshape(bs).astype(x.dtype, copy=False)
        return out

    @staticmethod
    def backward(ctx, g):
        x, rm, rv, w, b = ctx.saved_tensors
        hw, hb = ctx.has
        bs = _bshape(x.dim(), x.shape[1])
        needs = list(ctx.needs_input_grad)
        invstd = (rv + ctx.eps).rsqrt()
        axes = [0] + list(range(2, x.dim()))
        res = []
        it = iter(needs)
        nx, nrm, nrv = next(it), next(it), next(it)
        nw = next(it) if hw else False
        nb = next(it) if hb else False
        scale = invstd * w if hw else invstd
        res.append(g * scale.reshape(bs) if nx else None)
        res.append(None)
        res.append(None)
        if hw:
            res.append((g * ((x - rm.reshape(bs)) * invstd.reshape(bs))).sum(axes) if nw else None)
        if hb:
            res.append(g.sum(axes) if nb else None)
        return tuple(res)


# ------------------------------------------------------------------ layer norm
class _LayerNorm(Op):
    _name = 'NativeLayerNormBackward0'

    @staticmethod
    def forward(ctx, x, w, b, n_norm, eps):
        shape = x.shape
        M = 1
        for s in shape[x.ndim - n_norm:]:
            M *= s
        x2 = x.reshape(-1, M)
        mean = x2.mean(1, keepdims=True)
        xc = x2 - mean
        var = xp.einsum('ij,ij->i', xc, xc)[:, None] / M
        invstd = (1.0 / xp.sqrt(var + eps)).astype(x.dtype, copy=False)
        xc *= invstd
        if w is not None:
            xc *= w.reshape(1, M)
        if b is not None:
            xc += b.reshape(1, M)
        ctx.save_for_backward(x, w, b)
        ctx.stats = (mean, invstd, n_norm, eps)
        ctx.has = (w is not None, b is not None)
        return xc.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.saved_tensors
        mean, invstd, n_norm, eps = ctx.stats
        hw, hb = ctx.has
        needs = list(ctx.needs_input_grad)
        tensors = [x] + ([w] if hw else []) + ([b] if hb else [])
        if _grad_enabled():
            def f(x_, *wb):
                wb = list(wb)
                w_ = wb.pop(0) if hw else None
                b_ = wb.pop(0) if hb else None
                return _ln_composite(x_, w_, b_, n_norm, eps)
            return tuple(_composite_grads(f, tensors, needs, g))
        xa = x._data
        M = xa.size // mean.size if mean.size else 0
        x2 = xa.reshape(-1, M)
        g2 = g._data.reshape(-1, M)
        xhat = xp.subtract(x2, mean)
        xhat *= invstd
        res = [None]
        wshape = xa.shape[xa.ndim - n_norm:]
        i = 1
        if hw:
            res.append(_make(xp.einsum('ij,ij->j', g2, xhat).reshape(wshape)) if needs[i] else None)
            i += 1
        if hb:
            res.append(_make(g2.sum(0).reshape(wshape)) if needs[i] else None)
        if needs[0]:
            dx = g2 * w._data.reshape(1, M) if hw else g2.copy()
            c2 = xp.einsum('ij,ij->i', dx, xhat)[:, None]
            c2 *= invstd / M
            c1 = dx.mean(1, keepdims=True)
            c1 *= invstd
            dx *= invstd
            dx -= c1
            xhat *= c2
            dx -= xhat
            res[0] = _make(dx.reshape(xa.shape))
        return tuple(res)


def _ln_composite(x, w, b, n_norm, eps):
    dims = list(range(x.dim() - n_norm, x.dim()))
    mean = x.mean(dims, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dims, keepdim=True)
    y = xc * (var + eps).rsqrt()
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


def _norm_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def _check_ln_shape(input, ns, name='normalized_shape'):
    shape = tuple(input.shape)
    if len(ns) == 0:
        raise RuntimeError(f"Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
                           f"least one element, but got normalized_shape = {list(ns)}")
    if len(shape) < len(ns) or shape[len(shape) - len(ns):] != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in ns)}], but got input of size{list(shape)}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    _check_float(input)
    ns = _norm_shape(normalized_shape)
    _check_ln_shape(input, ns)
    for t, nm in ((weight, 'weight'), (bias, 'bias')):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {nm} to be of same shape as normalized_shape, but got {nm} of "
                               f"shape {list(t.shape)} and normalized_shape = {list(ns)}")
    return _LayerNorm.apply(input, weight, bias, len(ns), eps)


# ------------------------------------------------------------------ group / instance norm
class _GroupNorm(Op):
    """y = (x - mean_g) * invstd_g * w[c] + b[c] with statistics over (C/G, *spatial) per sample."""
    _name = 'NativeGroupNormBackward0'

    @staticmethod
    def forward(ctx, x, w, b, G, eps):
        N, C = x.shape[0], x.shape[1]
        x3 = x.reshape(N, G, -1)
        K = x3.shape[2]
        mean = x3.mean(2, keepdims=True) if K else xp.zeros((N, G, 1), x.dtype)
        xc = x3 - mean
        var = xp.einsum('ngk,ngk->ng', xc, xc)[..., None] / max(K, 1)
        invstd = (1.0 / xp.sqrt(var + eps)).astype(x.dtype, copy=False)
        xc *= invstd
        y = xc.reshape(N, C, -1)
        if w is not None:
            y *= w.reshape(1, C, 1)
        if b is not None:
            y += b.reshape(1, C, 1)
        ctx.save_for_backward(x, w, b)
        ctx.stats = (mean, invstd, G, eps)
        ctx.has = (w is not None, b is not None)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.saved_tensors
        mean, invstd, G, eps = ctx.stats
        hw, hb = ctx.has
        needs = list(ctx.needs_input_grad)
        tensors = [x] + ([w] if hw else []) + ([b] if hb else [])
        if _grad_enabled():
            def f(x_, *wb):
                wb = list(wb)
                w_ = wb.pop(0) if hw else None
                b_ = wb.pop(0) if hb else None
                return _gn_composite(x_, w_, b_, G, eps)
            return tuple(_composite_grads(f, tensors, needs, g))
        xa = x._data
        N, C = xa.shape[0], xa.shape[1]
        xhat = xp.subtract(xa.reshape(N, G, -1), mean)
        xhat *= invstd
        K = xhat.shape[2]
        g3 = g._data.reshape(N, C, -1)
        h3 = xhat.reshape(N, C, -1)
        res = [None]
        i = 1
        if hw:
            res.append(_make(xp.einsum('nck,nck->c', g3, h3)) if needs[i] else None)
            i += 1
        if hb:
            res.append(_make(g3.sum((0, 2))) if needs[i] else None)
        if needs[0]:
            dx = g3 * w._data.reshape(1, C, 1) if hw else g3.copy()
            d3 = dx.reshape(N, G, -1)
            c2 = xp.einsum('ngk,ngk->ng', d3, xhat)[..., None]
            c2 *= invstd / K
            c1 = d3.mean(2, keepdims=True)
            c1 *= invstd
            d3 *= invstd
            d3 -= c1
            xhat *= c2
            d3 -= xhat
            res[0] = _make(d3.reshape(xa.shape))
        return tuple(res)


def _gn_composite(x, w, b, G, eps):
    shape = tuple(x.shape)
    x3 = x.reshape(shape[0], G, -1)
    mean = x3.mean(2, keepdim=True)
    xc = x3 - mean
    var = (xc * xc).mean(2, keepdim=True)
    y = (xc * (var + eps).rsqrt()).reshape(shape)
    bs = _bshape(len(shape), shape[1])
    if w is not None:
        y = y * w.reshape(bs)
    if b is not None:
        y = y + b.reshape(bs)
    return y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    _check_float(input)
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    shape = tuple(input.shape)
    N, C = shape[0], shape[1]
    if C % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got "
                           f"input of shape {list(shape)} and num_groups={num_groups}")
    for t, nm in ((weight, 'weight'), (bias, 'bias')):
        if t is not None and (t.dim() != 1 or t.numel() != C):
            raise RuntimeError(f"Expected {nm} to be a vector of size equal to the number of channels in "
                               f"input, but got {nm} of shape {list(t.shape)} and input of shape {list(shape)}")
    return _GroupNorm.apply(input, weight, bias, num_groups, eps)


def _verify_spatial_size(size):
    prod = 1
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"torch.Size({list(size)})")


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    _check_float(input)
    if use_input_stats:
        _verify_spatial_size(tuple(input.shape))
    shape = tuple(input.shape)
    N, C = shape[0], shape[1]
    _check_param_len(running_mean, 'running_mean', C)
    _check_param_len(running_var, 'running_var', C)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    y = _GroupNorm.apply(input, weight, bias, C, eps)
    if running_mean is not None or running_var is not None:
        xa = input._data
        x3 = xa.reshape(N, C, -1)
        mean = x3.mean(2)
        xc = x3 - mean[..., None]
        var = xp.einsum('nck,nck->nc', xc, xc) / x3.shape[2]
        _update_running(running_mean, running_var, mean.mean(0), var.mean(0), x3.shape[2], momentum)
    return y


# ------------------------------------------------------------------ misc
def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    from .misc import pad
    sq = input * input
    C = input.shape[1]
    padded = pad(sq, (0, 0) * (dim - 2) + (size // 2, (size - 1) // 2))
    acc = padded.narrow(1, 0, C)
    for i in range(1, size):
        acc = acc + padded.narrow(1, i, C)
    div = (acc * (alpha / size) + k) ** beta
    return input / div


def rms_norm(input, normalized_shape, weight=None, eps=None):
    _check_float(input)
    ns = _norm_shape(normalized_shape)
    _check_ln_shape(input, ns)
    if weight is not None and tuple(weight.shape) != ns:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of "
                           f"shape {list(weight.shape)} and normalized_shape = {list(ns)}")
    if eps is None:
        eps = float(xp.finfo(input._data.dtype).eps)
    dims = list(range(input.dim() - len(ns), input.dim()))
    y = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    if weight is not None:
        y = y * weight
    return y


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    if out is not None:
        raise NotImplementedError("normalize(): the out= argument is not supported by ember")
    from ... import linalg
    denom = linalg.vector_norm(input, p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom
