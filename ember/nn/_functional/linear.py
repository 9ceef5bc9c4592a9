"""Functional linear ops: F.linear (one fused Op: GEMM + bias) and F.bilinear."""
from ..._backend import xp
from ..._tensor import Tensor
from ...autograd.function import Op
from ...autograd.grad_mode import STATE
from ...ops._util import unbroadcast

__all__ = ['linear', 'bilinear']

_make = Tensor._make
_CNAME = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'bfloat16': 'c10::BFloat16',
          'int64': 'long int', 'int32': 'int', 'int16': 'short int', 'int8': 'signed char',
          'uint8': 'unsigned char', 'bool': 'bool', 'complex64': 'c10::complex<float>',
          'complex128': 'c10::complex<double>'}


def _grads_np(g, x, w, needs_x, needs_w):
    """Raw-array gradients (graph recording off: the usual backward)."""
    ga = g._data
    xa = x._data
    wa = w._data
    if ga.ndim != 2:
        ga = ga.reshape(-1, ga.shape[-1])
        xa2 = xa.reshape(-1, xa.shape[-1])
    else:
        xa2 = xa
    gx = gw = None
    if needs_x:
        gx = xp.matmul(ga, wa)
        if gx.shape != xa.shape:
            gx = gx.reshape(xa.shape)
        gx = _make(gx)
    if needs_w:
        gw = _make(xp.matmul(ga.T, xa2))
    return ga, gx, gw


def _grads_graph(g, x, w, needs_x, needs_w):
    """Differentiable gradients (create_graph=True): ember ops."""
    out_f = w.shape[0]
    g2 = g if g.dim() == 2 else g.reshape(-1, out_f)
    gx = gw = None
    if needs_x:
        gx = g2.mm(w)
        if tuple(gx.shape) != tuple(x.shape):
            gx = gx.reshape(x.shape)
    if needs_w:
        x2 = x if x.dim() == 2 else x.reshape(-1, x.shape[-1])
        gw = g2.t().mm(x2)
    return g2, gx, gw


class _LinearBias(Op):
    _name = 'AddmmBackward0'

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.bshape = b.shape
        if x.ndim == 2:
            out = xp.matmul(x, w.T)
            out += b
            return out
        lead = x.shape[:-1]
        out = xp.matmul(x.reshape(-1, x.shape[-1]), w.T)
        out += b
        return out.reshape(lead + (w.shape[0],))

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad
        if not STATE.enabled:
            g2, gx, gw = _grads_np(g, x, w, nx, nw)
            gb = None
            if nb:
                if len(ctx.bshape) == 1 and ctx.bshape[0] == g2.shape[1]:
                    gb = _make(g2.sum(0))
                else:
                    gb = unbroadcast(_make(g2), ctx.bshape)
            return gx, gw, gb
        g2, gx, gw = _grads_graph(g, x, w, nx, nw)
        gb = None
        if nb:
            bs = ctx.bshape
            gb = g2.sum(0) if len(bs) == 1 and bs[0] == g2.shape[1] else unbroadcast(g2, bs)
        return gx, gw, gb


class _LinearNoBias(Op):
    _name = 'MmBackward0'

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        if x.ndim == 2:
            return xp.matmul(x, w.T)
        lead = x.shape[:-1]
        out = xp.matmul(x.reshape(-1, x.shape[-1]), w.T)
        return out.reshape(lead + (w.shape[0],))

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        nx, nw = ctx.needs_input_grad
        if not STATE.enabled:
            _, gx, gw = _grads_np(g, x, w, nx, nw)
            return gx, gw
        _, gx, gw = _grads_graph(g, x, w, nx, nw)
        return gx, gw


# torch's node names: 2-D input -> addmm/mm; other ranks go through a view of the 2-D product
_LinearBiasND = type('_LinearBiasND', (_LinearBias,), {'_name': 'ViewBackward0'})
_LinearNoBiasND = type('_LinearNoBiasND', (_LinearNoBias,), {'_name': 'UnsafeViewBackward0'})
_LinearNoBias1D = type('_LinearNoBias1D', (_LinearNoBias,), {'_name': 'SqueezeBackward4'})


def _cname(t):
    return _CNAME.get(str(t.dtype).split('.')[-1], str(t.dtype))


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias (torch.nn.functional.linear)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"linear(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(weight, Tensor):
        raise TypeError(f"linear(): argument 'weight' (position 2) must be Tensor, not "
                        f"{type(weight).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"linear(): argument 'bias' (position 3) must be Tensor, not {type(bias).__name__}")
    x = input._data
    w = weight._data
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {x.ndim}D and "
                           f"{w.ndim}D")
    if w.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {w.ndim}D")
    if w.ndim == 1:  # a vector weight: input @ weight (+ bias), as torch's matmul path
        out = input.matmul(weight)
        return out if bias is None else out + bias
    if x.shape[-1] != w.shape[1]:
        rows = 1
        for s in x.shape[:-1]:
            rows *= s
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
                           f"{w.shape[1]}x{w.shape[0]})")
    if x.dtype != w.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cname(input)} != "
                           f"{_cname(weight)}")
    if bias is None:
        if x.ndim == 2:
            return _LinearNoBias.apply(input, weight)
        if x.ndim == 1:
            return _LinearNoBias1D.apply(input, weight)
        return _LinearNoBiasND.apply(input, weight)
    b = bias._data
    if b.dtype != x.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {bias.dtype._short} and "
                           f"{weight.dtype._short}")
    if b.shape != w.shape[:1]:
        rows = 1
        for s in x.shape[:-1]:
            rows *= s
        target = (rows, w.shape[0])
        nb = len(b.shape)
        ok = nb <= 2 and all(bs == 1 or bs == ts for bs, ts in zip(b.shape[::-1], target[::-1]))
        if nb == 2 and x.ndim != 2:
            ok = False
        if not ok:
            for i in range(1, min(nb, 2) + 1):
                if b.shape[-i] != 1 and b.shape[-i] != target[-i]:
                    dim = 2 - i
                    break
            else:
                dim = 0
            raise RuntimeError(
                f"The expanded size of the tensor ({target[dim]}) must match the existing size "
                f"({b.shape[dim - 2]}) at non-singleton dimension {dim}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(b.shape)}")
    if x.ndim == 2:
        return _LinearBias.apply(input, weight, bias)
    return _LinearBiasND.apply(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """y = x1^T A x2 + b over the last dims (torch.nn.functional.bilinear)."""
    for i, (n, t) in enumerate((('input1', input1), ('input2', input2), ('weight', weight))):
        if not isinstance(t, Tensor):
            raise TypeError(f"bilinear(): argument '{n}' (position {i + 1}) must be Tensor, not "
                            f"{type(t).__name__}")
    s1, s2 = tuple(input1.shape), tuple(input2.shape)
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and "
                           f"{input2.dim()}")
    if s1[:-1] != s2[:-1]:
        for i in range(len(s1) - 1):
            if s1[i] != s2[i]:
                raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                                   f"{s1[i]} and {s2[i]}")
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, got {weight.dim()}-D")
    o, i1, i2 = tuple(weight.shape)
    if s1[-1] != i1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {s1[-1]} but "
                           f"expected {i1}")
    if s2[-1] != i2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {s2[-1]} but "
                           f"expected {i2}")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != o):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[0] if bias.dim() else 1} but expected {o}")
    lead = s1[:-1]
    x1 = input1.reshape(-1, i1)
    x2 = input2.reshape(-1, i2)
    # (N, i1) @ (i1, o*i2) -> (N, o, i2); contract with x2 over i2: two BLAS-backed ops
    t = x1.mm(weight.permute(1, 0, 2).reshape(i1, o * i2)).reshape(-1, o, i2)
    out = t.matmul(x2.unsqueeze(-1)).squeeze(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (o,))
