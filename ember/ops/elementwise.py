"""Elementwise arithmetic: + - * / and friends, with PyTorch's promotion and broadcasting.

Each op is one class: ``forward`` on arrays, ``backward`` with ember ops (so it can be
differentiated again). The public functions coerce Python scalars and dtypes first.
"""
from .._backend import xp
from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import (promote_pair, unbroadcast, check_broadcast, float_input, to_tensor,
                    broadcast_shapes)
from .inplace import apply_inplace


class Add(Op):
    _name = 'AddBackward0'

    @staticmethod
    def forward(ctx, a, b):
        if ctx.needs_input_grad:
            ctx.shapes = (a.shape, b.shape)
        return xp.add(a, b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        return (unbroadcast(g, sa) if na else None), (unbroadcast(g, sb) if nb else None)


class Sub(Op):
    _name = 'SubBackward0'

    @staticmethod
    def forward(ctx, a, b):
        if ctx.needs_input_grad:
            ctx.shapes = (a.shape, b.shape)
        return xp.subtract(a, b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        return (unbroadcast(g, sa) if na else None), (unbroadcast(-g, sb) if nb else None)


class Mul(Op):
    _name = 'MulBackward0'

    @staticmethod
    def forward(ctx, a, b):
        nig = ctx.needs_input_grad
        if nig:  # save only what backward reads (torch does the same)
            ctx.shapes = (a.shape, b.shape)
            ctx.save_for_backward(a if nig[1] else None, b if nig[0] else None)
        return xp.multiply(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        ga = unbroadcast(g * b.conj() if b.is_complex() else g * b, sa) if na else None
        gb = unbroadcast(g * a.conj() if a.is_complex() else g * a, sb) if nb else None
        return ga, gb


class Div(Op):
    _name = 'DivBackward0'

    @staticmethod
    def forward(ctx, a, b):
        nig = ctx.needs_input_grad
        if nig:
            ctx.shapes = (a.shape, b.shape)
            ctx.save_for_backward(a if nig[1] else None, b)
        return xp.true_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        ga = unbroadcast(g / b, sa) if na else None
        gb = unbroadcast(-g * a / (b * b), sb) if nb else None
        return ga, gb


class Neg(Op):
    _name = 'NegBackward0'

    @staticmethod
    def forward(ctx, x):
        return xp.negative(x)

    @staticmethod
    def backward(ctx, g):
        return -g


# ---------------------------------------------------------------- public functions
def _check_alpha(alpha, dt):
    if isinstance(alpha, float) and dt.category < D.FLOAT:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def add(input, other, *, alpha=1, out=None):
    a, b, dt = promote_pair(input, other)
    if alpha != 1:
        _check_alpha(alpha, dt)
        b = mul(b, alpha)
        if b.dtype is not dt:
            from .convert import cast
            b = cast(b, dt)
    if dt is D.bool_:
        r = _lor(a, b)
    else:
        r = Add.apply(a, b)
    return _out(r, out)


def sub(input, other, *, alpha=1, out=None):
    a, b, dt = promote_pair(input, other)
    if dt is D.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        _check_alpha(alpha, dt)
        b = mul(b, alpha)
    return _out(Sub.apply(a, b), out)


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    a, b, dt = promote_pair(input, other)
    if dt is D.bool_:
        return _out(_land(a, b), out)
    return _out(Mul.apply(a, b), out)


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        a, b, dt = promote_pair(input, other, min_category=D.FLOAT)
        return _out(Div.apply(a, b), out)
    if rounding_mode == 'floor':
        return _out(floor_divide(input, other), out)
    if rounding_mode == 'trunc':
        a, b, dt = promote_pair(input, other)
        if dt.category >= D.FLOAT:
            return _out(div(a, b).trunc(), out)
        if isinstance(b, Tensor) and (b._data == 0).any():
            raise RuntimeError("ZeroDivisionError")
        q = xp.trunc(xp.true_divide(a._data, b._data))
        return _out(Tensor._make(q.astype(dt.np)), out)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def neg(input, *, out=None):
    if input._data.dtype == xp.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return _out(Neg.apply(input), out)


def floor_divide(input, other, *, out=None):
    a, b, dt = promote_pair(input, other)
    if dt is D.bool_:
        raise RuntimeError('"div_floor_cpu" not implemented for \'Bool\'')
    if dt.category < D.FLOAT and (b._data == 0).any():
        raise RuntimeError("ZeroDivisionError")
    # not differentiable in torch either (its gradient is zero almost everywhere)
    return _out(Tensor._make(xp.floor_divide(a._data, b._data)), out)


def _lor(a, b):
    return Tensor._make(xp.logical_or(a._data, b._data))


def _land(a, b):
    return Tensor._make(xp.logical_and(a._data, b._data))


def _out(result, out):
    """Honour the ``out=`` argument: copy into ``out`` (resizing like torch) and return it."""
    if out is None:
        return result
    if result._requires_grad or out._requires_grad:
        raise RuntimeError(f"{result.grad_fn.name() if result.grad_fn else 'op'}(): functions with "
                           "out=... arguments don't support automatic differentiation, but one of "
                           "the arguments requires grad.")
    if out._data.shape != result._data.shape:
        if out._data.size != 0:
            import warnings
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out.shape)}, which does not match the required output shape "
                          f"{list(result.shape)}.")
        out._data = xp.empty(result._data.shape, out._data.dtype)
    if not D.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {result.dtype._short} can't be cast to the desired output "
                           f"type {out.dtype._short}")
    xp.copyto(out._data, result._data, casting='unsafe')
    out._vc[0] += 1
    return out


# ---------------------------------------------------------------- Tensor methods
def _radd(self, other):
    return add(other, self)


def _rmul(self, other):
    return mul(other, self)


def _rsub(self, other):
    return sub(other, self)


def _rdiv(self, other):
    return div(other, self)


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _inplace_binary(fn):
    def method(self, other, **kwargs):
        if isinstance(other, Tensor):
            check_broadcast(self._data.shape, other._data.shape)
        return apply_inplace(self, lambda s: fn(s, other, **kwargs))
    method.__name__ = fn.__name__ + '_'
    return method


Tensor.__add__ = lambda self, other: add(self, other)
Tensor.__radd__ = _radd
Tensor.__sub__ = lambda self, other: sub(self, other)
Tensor.__rsub__ = _rsub
Tensor.__mul__ = lambda self, other: mul(self, other)
Tensor.__rmul__ = _rmul
Tensor.__truediv__ = lambda self, other: div(self, other)
Tensor.__rtruediv__ = _rdiv
Tensor.__floordiv__ = lambda self, other: floor_divide(self, other)
Tensor.__rfloordiv__ = _rfloordiv
Tensor.__neg__ = neg
Tensor.__pos__ = lambda self: self
Tensor.add = add
Tensor.sub = sub
Tensor.subtract = sub
Tensor.mul = mul
Tensor.multiply = mul
Tensor.div = div
Tensor.divide = div
Tensor.true_divide = true_divide
Tensor.floor_divide = floor_divide
Tensor.neg = neg
Tensor.negative = neg
Tensor.add_ = _inplace_binary(add)
Tensor.sub_ = _inplace_binary(sub)
Tensor.subtract_ = Tensor.sub_
Tensor.mul_ = _inplace_binary(mul)
Tensor.multiply_ = Tensor.mul_
Tensor.div_ = _inplace_binary(div)
Tensor.divide_ = Tensor.div_
Tensor.true_divide_ = Tensor.div_
Tensor.floor_divide_ = _inplace_binary(floor_divide)
Tensor.neg_ = lambda self: apply_inplace(self, neg)
Tensor.negative_ = Tensor.neg_
Tensor.__iadd__ = Tensor.add_
Tensor.__isub__ = Tensor.sub_
Tensor.__imul__ = Tensor.mul_
Tensor.__itruediv__ = Tensor.div_
Tensor.__ifloordiv__ = Tensor.floor_divide_

subtract = sub
multiply = mul
divide = div
negative = neg

__all__ = ['add', 'sub', 'subtract', 'mul', 'multiply', 'div', 'divide', 'true_divide', 'neg',
           'negative', 'floor_divide', 'rsub']


# ================================================================= elementwise math
# Helpers ------------------------------------------------------------------------
_make = Tensor._make
_ndarray = xp.ndarray
_BF16 = D.bfloat16.np
_LN2 = 0.6931471805599453
_LN10 = 2.302585092994046
_SQRT_PI = 1.7724538509055159


def _c(g, d):
    """g * conj(d): the chain rule with torch's complex convention."""
    return g * d.conj() if d._data.dtype.kind == 'c' else g * d


def _mw(mask, t):
    """where(mask, t, 0) for a constant bool array mask (differentiable in t)."""
    return Where.apply(_make(mask), t, _make(xp.zeros((), t._data.dtype)))


def _zeros_like(g):
    return _make(xp.zeros(g._data.shape, g._data.dtype))


def _keep(r, dt):
    """NumPy (ml_dtypes) may upcast bfloat16 with a Python scalar: cast back."""
    return r if r.dtype == dt else r.astype(dt)


def _arr(r):
    return r if r.__class__ is _ndarray else xp.asarray(r)


def _check_tensor(x, fname, pos=1, arg='input'):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _not_impl(kernel, dt):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{dt._short}'")


def _lowp(x):
    return x.dtype.itemsize < 4 and x.dtype.kind == 'f' or x.dtype == D.bfloat16.np


def _special(fname):
    """A scipy.special function on arrays (scipy imported lazily), keeping the input dtype."""
    def f(x, *extra):
        from scipy import special
        fn = getattr(special, fname)
        if _lowp(x):
            return xp.asarray(fn(*extra, x.astype(xp.float32))).astype(x.dtype)
        return xp.asarray(fn(*extra, x)).astype(x.dtype, copy=False)
    return f


_erf, _erfc, _erfinv = _special('erf'), _special('erfc'), _special('erfinv')
_gammaln, _psi, _polygamma = _special('gammaln'), _special('psi'), _special('polygamma')


def _unary(name, f, df, save):
    """Build an Op class for y = f(x); df(g, x, y) is the gradient (ember ops)."""
    if save == 'x':
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return f(x)

        def backward(ctx, g):
            x, = ctx.saved_tensors
            return df(g, x, None)
    elif save == 'r':
        def forward(ctx, x):
            r = _arr(f(x))
            ctx.save_for_backward(r)
            return r

        def backward(ctx, g):
            r, = ctx.saved_tensors
            return df(g, None, r)
    elif save == 'xr':
        def forward(ctx, x):
            r = _arr(f(x))
            ctx.save_for_backward(x, r)
            return r

        def backward(ctx, g):
            x, r = ctx.saved_tensors
            return df(g, x, r)
    else:  # nothing saved
        def forward(ctx, x):
            return f(x)

        def backward(ctx, g):
            return df(g, None, None)
    return type(name[:-len('Backward0')], (Op,), {
        '_name': name, 'forward': staticmethod(forward), 'backward': staticmethod(backward)})


# Unary ops ------------------------------------------------------------------------
_expit = None


def _sigmoid_np(x):
    global _expit
    if _expit is None:  # scipy is imported on first use only
        from scipy.special import expit as _e
        _expit = _e
    if x.dtype.kind == 'c':
        return xp.reciprocal(1 + xp.exp(-x))
    if x.dtype.kind == 'f' and x.itemsize >= 4:
        # 1 / (1 + exp(-x)) in place: 2.4x faster than scipy's expit; exp overflowing to inf
        # for very negative x gives exactly 0, as torch does
        r = xp.negative(x, out=xp.empty(x.shape, x.dtype))
        xp.exp(r, out=r)
        r += 1
        return xp.reciprocal(r, out=r)
    if x.dtype.kind == 'f' or x.dtype == D.bfloat16.np:
        return _sigmoid_np(x.astype(xp.float32)).astype(x.dtype)  # torch computes halves in float32
    return _keep(_expit(x), x.dtype)


def _sign_np(x):
    r = xp.sign(x)
    if x.dtype.kind == 'f' or x.dtype == _BF16:
        nan = r != r
        if nan.any():  # torch: sign(nan) == 0
            r = xp.where(nan, xp.zeros((), r.dtype), r)
    return r


def _sgn_np(x):
    if x.dtype.kind == 'c':
        a = xp.abs(x)
        return xp.where(a == 0, 0, x / xp.where(a == 0, 1, a)).astype(x.dtype)
    return _sign_np(x)


def _sgn_backward(g, x, r):
    if x._data.dtype.kind != 'c':
        return _zeros_like(g)
    a = x.abs()
    return _mw(a._data != 0, (g - (g * r.conj()).real * r) / a)


Abs = _unary('AbsBackward0', xp.abs, lambda g, x, r: g * x.sgn(), 'x')
Sign = _unary('SignBackward0', _sign_np, lambda g, x, r: _zeros_like(g), '')
Sgn = _unary('SgnBackward0', _sgn_np, _sgn_backward, 'xr')
Exp = _unary('ExpBackward0', xp.exp, lambda g, x, r: _c(g, r), 'r')
Exp2 = _unary('Exp2Backward0', xp.exp2, lambda g, x, r: _c(g, r * _LN2), 'r')
Log = _unary('LogBackward0', xp.log, lambda g, x, r: g / x.conj(), 'x')
Log2 = _unary('Log2Backward0', xp.log2, lambda g, x, r: g / (x.conj() * _LN2), 'x')
Log10 = _unary('Log10Backward0', xp.log10, lambda g, x, r: g / (x.conj() * _LN10), 'x')
Log1p = _unary('Log1PBackward0', xp.log1p, lambda g, x, r: g / (x.conj() + 1), 'x')
Expm1 = _unary('Expm1Backward0', xp.expm1, lambda g, x, r: _c(g, r + 1), 'r')
Sqrt = _unary('SqrtBackward0', xp.sqrt, lambda g, x, r: g / (2 * r.conj()), 'r')
Rsqrt = _unary('RsqrtBackward0', lambda x: xp.reciprocal(xp.sqrt(x)),
               lambda g, x, r: _c(g, -0.5 * r * r * r), 'r')
Reciprocal = _unary('ReciprocalBackward0', xp.reciprocal, lambda g, x, r: _c(g, -(r * r)), 'r')
Sin = _unary('SinBackward0', xp.sin, lambda g, x, r: _c(g, x.cos()), 'x')
Cos = _unary('CosBackward0', xp.cos, lambda g, x, r: _c(g, -x.sin()), 'x')
Tan = _unary('TanBackward0', xp.tan, lambda g, x, r: _c(g, 1 + r * r), 'r')
Asin = _unary('AsinBackward0', xp.arcsin, lambda g, x, r: _c(g, (1 - x * x).rsqrt()), 'x')
Acos = _unary('AcosBackward0', xp.arccos, lambda g, x, r: _c(g, -(1 - x * x).rsqrt()), 'x')
Atan = _unary('AtanBackward0', xp.arctan, lambda g, x, r: _c(g, 1 / (x * x + 1)), 'x')
Sinh = _unary('SinhBackward0', xp.sinh, lambda g, x, r: _c(g, x.cosh()), 'x')
Cosh = _unary('CoshBackward0', xp.cosh, lambda g, x, r: _c(g, x.sinh()), 'x')
Tanh = _unary('TanhBackward0', xp.tanh, lambda g, x, r: _c(g, 1 - r * r), 'r')
Asinh = _unary('AsinhBackward0', xp.arcsinh, lambda g, x, r: _c(g, (x * x + 1).rsqrt()), 'x')
Acosh = _unary('AcoshBackward0', xp.arccosh, lambda g, x, r: _c(g, (x * x - 1).rsqrt()), 'x')
Atanh = _unary('AtanhBackward0', xp.arctanh, lambda g, x, r: _c(g, 1 / (1 - x * x)), 'x')
Sigmoid = _unary('SigmoidBackward0', _sigmoid_np, lambda g, x, r: _c(g, r * (1 - r)), 'r')
# relu's backward multiplies by the mask instead of selecting: a select on a random mask is
# ~15x slower (branch mispredictions). Difference from torch: a NaN/inf upstream gradient at
# a position where relu's output is 0 gives NaN instead of 0.
Relu = _unary('ReluBackward0', lambda x: _keep(xp.maximum(x, 0), x.dtype),
              lambda g, x, r: Mul.apply(g, _make(r._data > 0)), 'r')
Erf = _unary('ErfBackward0', _erf, lambda g, x, r: g * ((2 / _SQRT_PI) * (-(x * x)).exp()), 'x')
Erfc = _unary('ErfcBackward0', _erfc, lambda g, x, r: g * ((-2 / _SQRT_PI) * (-(x * x)).exp()), 'x')
Erfinv = _unary('ErfinvBackward0', _erfinv, lambda g, x, r: g * ((_SQRT_PI / 2) * (r * r).exp()), 'r')
Lgamma = _unary('LgammaBackward0', _gammaln, lambda g, x, r: g * x.digamma(), 'x')
Digamma = _unary('DigammaBackward0', _psi, lambda g, x, r: g * polygamma(1, x), 'x')
Floor = _unary('FloorBackward0', xp.floor, lambda g, x, r: _zeros_like(g), '')
Ceil = _unary('CeilBackward0', xp.ceil, lambda g, x, r: _zeros_like(g), '')
Round = _unary('RoundBackward0', xp.rint, lambda g, x, r: _zeros_like(g), '')
Trunc = _unary('TruncBackward0', xp.trunc, lambda g, x, r: _zeros_like(g), '')
Frac = _unary('FracBackward0', lambda x: x - xp.trunc(x), lambda g, x, r: g, '')
Deg2rad = _unary('Deg2RadBackward0', xp.deg2rad, lambda g, x, r: g * (xp.pi / 180), '')
Rad2deg = _unary('Rad2DegBackward0', xp.rad2deg, lambda g, x, r: g * (180 / xp.pi), '')
Conj = _unary('ConjBackward0', xp.conj, lambda g, x, r: g.conj(), '')


def _angle_backward(g, x, r):
    if x._data.dtype.kind != 'c':
        return _zeros_like(x)
    return _mw(x._data != 0, g * x / x.abs().square() * 1j)


Angle = _unary('AngleBackward0', lambda x: xp.angle(x).astype(x.real.dtype, copy=False),
               _angle_backward, 'x')


class Real(Op):
    _name = 'SelectBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x):
        return x.real

    @staticmethod
    def backward(ctx, g):
        return g.to(D.NP2DT[g._data.dtype].to_complex())


class Imag(Op):
    _name = 'SelectBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x):
        return x.imag

    @staticmethod
    def backward(ctx, g):
        return g * 1j


class RoundDecimals(Op):
    _name = 'RoundBackward1'

    @staticmethod
    def forward(ctx, x, decimals):
        if decimals >= 0:
            p = 10.0 ** decimals
            return (xp.rint(x * p) / p).astype(x.dtype, copy=False)
        p = 10.0 ** -decimals
        return (xp.rint(x / p) * p).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return _zeros_like(g)


class Logit(Op):
    _name = 'LogitBackward0'

    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        dt = x.dtype
        if eps is not None:
            x = _keep(xp.clip(x, eps, 1 - eps), dt)
        return _keep(xp.log(x / (1 - x)), dt)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        eps = ctx.eps
        d = g / (x * (1 - x))
        xa = x._data
        if eps is None:
            bad = (xa < 0) | (xa > 1)
            if bad.any():
                d = Where.apply(_make(bad), _make(xp.array(xp.nan, d._data.dtype)), d)
            return d
        return _mw(~((xa < eps) | (xa > 1 - eps)), d)


class NanToNum(Op):
    _name = 'NanToNumBackward0'

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        if x.dtype == D.bfloat16.np:
            fi = D.finfo(D.bfloat16)
            posinf = fi.max if posinf is None else posinf
            neginf = fi.min if neginf is None else neginf
            r = xp.where(xp.isnan(x), nan, x)
            r = xp.where(r == xp.inf, posinf, r)
            return xp.where(r == -xp.inf, neginf, r).astype(x.dtype)
        return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return _mw(xp.isfinite(x._data), g)


class Polygamma(Op):
    _name = 'PolygammaBackward0'

    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        return _polygamma(x, n)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * polygamma(ctx.n + 1, x)


def _float_unary(op, fname):
    def fn(input, *, out=None):
        if input.__class__ is not Tensor:
            _check_tensor(input, fname)
        if input._data.dtype.kind in 'biu':
            input = float_input(input)
        return _out(op.apply(input), out)
    fn.__name__ = fn.__qualname__ = fname
    return fn


exp = _float_unary(Exp, 'exp')
exp2 = _float_unary(Exp2, 'exp2')
log = _float_unary(Log, 'log')
log2 = _float_unary(Log2, 'log2')
log10 = _float_unary(Log10, 'log10')
log1p = _float_unary(Log1p, 'log1p')
expm1 = _float_unary(Expm1, 'expm1')
sqrt = _float_unary(Sqrt, 'sqrt')
rsqrt = _float_unary(Rsqrt, 'rsqrt')
reciprocal = _float_unary(Reciprocal, 'reciprocal')
sin = _float_unary(Sin, 'sin')
cos = _float_unary(Cos, 'cos')
tan = _float_unary(Tan, 'tan')
asin = arcsin = _float_unary(Asin, 'asin')
acos = arccos = _float_unary(Acos, 'acos')
atan = arctan = _float_unary(Atan, 'atan')
sinh = _float_unary(Sinh, 'sinh')
cosh = _float_unary(Cosh, 'cosh')
tanh = _float_unary(Tanh, 'tanh')
asinh = arcsinh = _float_unary(Asinh, 'asinh')
acosh = arccosh = _float_unary(Acosh, 'acosh')
atanh = arctanh = _float_unary(Atanh, 'atanh')
sigmoid = _float_unary(Sigmoid, 'sigmoid')
_deg2rad = _float_unary(Deg2rad, 'deg2rad')
_rad2deg = _float_unary(Rad2deg, 'rad2deg')


def deg2rad(input, *, out=None):
    if input.__class__ is Tensor and input._data.dtype.kind == 'c':
        raise RuntimeError("deg2rad is not supported for complex tensors.")
    return _deg2rad(input, out=out)


def rad2deg(input, *, out=None):
    if input.__class__ is Tensor and input._data.dtype.kind == 'c':
        raise RuntimeError("rad2deg is not supported for complex tensors.")
    return _rad2deg(input, out=out)


def _real_float_unary(op, fname):
    def fn(input, *, out=None):
        if input.__class__ is not Tensor:
            _check_tensor(input, fname)
        k = input._data.dtype.kind
        if k in 'biu':
            input = float_input(input)
        elif k == 'c':
            raise _not_impl(f"{fname}_vml_cpu", input.dtype)
        return _out(op.apply(input), out)
    fn.__name__ = fn.__qualname__ = fname
    return fn


erf = _real_float_unary(Erf, 'erf')
erfc = _real_float_unary(Erfc, 'erfc')
erfinv = _real_float_unary(Erfinv, 'erfinv')
lgamma = _real_float_unary(Lgamma, 'lgamma')
digamma = _real_float_unary(Digamma, 'digamma')


def polygamma(n, input, *, out=None):
    _check_tensor(input, 'polygamma', 2)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    input = float_input(input)
    return _out(Polygamma.apply(input, int(n)), out)


def _keep_int_unary(op, fname, allow_bool=True):
    """Ops that keep integer dtypes (abs, floor ...): ints pass through the op unchanged."""
    def fn(input, *, out=None):
        if input.__class__ is not Tensor:
            _check_tensor(input, fname)
        if not allow_bool and input._data.dtype.kind == 'b':
            raise _not_impl(f"{fname}_cpu", D.bool_)
        return _out(op.apply(input), out)
    fn.__name__ = fn.__qualname__ = fname
    return fn


abs = absolute = _keep_int_unary(Abs, 'abs', allow_bool=False)
_relu = _keep_int_unary(Relu, 'relu', allow_bool=False)


def relu(input):
    if input.__class__ is not Tensor:
        _check_tensor(input, 'relu')
    k = input._data.dtype.kind
    if k == 'f':
        return Relu.apply(input)
    if k == 'c':
        raise NotImplementedError("clamp is not supported for complex types")
    return _relu(input)


def sgn(input, *, out=None):
    _check_tensor(input, 'sgn')
    if input._data.dtype.kind == 'b':
        return _out(_make(input._data.copy()), out)
    return _out(Sgn.apply(input), out)


def sign(input, *, out=None):
    _check_tensor(input, 'sign')
    if input._data.dtype.kind == 'b':
        return _out(_make(input._data.copy()), out)
    if input._data.dtype.kind == 'c':
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex numbers. "
                           "Please use torch.sgn instead.")
    return _out(Sign.apply(input), out)


def _rounding(op, fname):
    def fn(input, *, out=None):
        if input.__class__ is not Tensor:
            _check_tensor(input, fname)
        k = input._data.dtype.kind
        if k in 'biuc':
            if k == 'b':
                raise _not_impl(f"{fname}_vml_cpu", D.bool_)
            if k == 'c':
                raise NotImplementedError(f"{fname} is not supported for complex inputs")
            return _out(_make(input._data.copy()), out)
        return _out(op.apply(input), out)
    fn.__name__ = fn.__qualname__ = fname
    return fn


floor = _rounding(Floor, 'floor')
ceil = _rounding(Ceil, 'ceil')
trunc = fix = _rounding(Trunc, 'trunc')


def round(input, *, decimals=0, out=None):
    _check_tensor(input, 'round')
    if decimals.__class__ is not int and not isinstance(decimals, int):
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    if input._data.dtype.kind in 'biuc':
        if input._data.dtype.kind == 'b':
            raise _not_impl('round_vml_cpu', D.bool_)
        if input._data.dtype.kind == 'c':
            raise NotImplementedError("round is not supported for complex inputs")
        if decimals != 0:
            raise _not_impl('round_cpu', input.dtype)
        return _out(_make(input._data.copy()), out)
    if decimals == 0:
        return _out(Round.apply(input), out)
    return _out(RoundDecimals.apply(input, int(decimals)), out)


def frac(input, *, out=None):
    _check_tensor(input, 'frac')
    if input._data.dtype.kind == 'c':
        raise NotImplementedError("frac is not supported for complex inputs")
    if input._data.dtype.kind in 'biu':
        raise _not_impl('frac_cpu', input.dtype)
    return _out(Frac.apply(input), out)


def square(input, *, out=None):
    _check_tensor(input, 'square')
    return pow(input, 2, out=out)


def logit(input, eps=None, *, out=None):
    _check_tensor(input, 'logit')
    if input._data.dtype.kind == 'c':
        raise _not_impl('logit_cpu', input.dtype)
    return _out(Logit.apply(float_input(input), None if eps is None else float(eps)), out)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    _check_tensor(input, 'nan_to_num')
    if input._data.dtype.kind in 'biu':
        return _out(_make(input._data.copy()), out)
    return _out(NanToNum.apply(input, float(nan), posinf, neginf), out)


def real(input):
    _check_tensor(input, 'real')
    if input._data.dtype.kind != 'c':
        return input
    return Real.apply(input)


def imag(input):
    _check_tensor(input, 'imag')
    if input._data.dtype.kind != 'c':
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return Imag.apply(input)


def conj(input):
    _check_tensor(input, 'conj')
    if input._data.dtype.kind != 'c':
        return input
    return Conj.apply(input)


def angle(input, *, out=None):
    _check_tensor(input, 'angle')
    return _out(Angle.apply(float_input(input)), out)


# Binary ops -----------------------------------------------------------------------
def _is_num(x):
    return x.__class__ in (int, float, bool, complex) or isinstance(x, (xp.number, xp.bool_))


class PowScalar(Op):  # tensor ** number
    _name = 'PowBackward0'

    @staticmethod
    def forward(ctx, x, e):
        ctx.save_for_backward(x)
        ctx.e = e
        r = xp.power(x, e)
        return r if r.dtype == x.dtype else r.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        e = ctx.e
        if e == 0:
            return _zeros_like(g)
        return _c(g, e * x ** (e - 1))


def _int_pow(a, b):
    """Integer power with torch's rule for negative exponents (1, -1 or 0)."""
    neg = b < 0
    if not neg.any():
        return xp.power(a, b)
    r = xp.power(a, xp.where(neg, 0, b))
    alt = xp.where(a == 1, 1, xp.where(a == -1, xp.where(b % 2 == 0, 1, -1), 0))
    return xp.where(neg, alt, r).astype(r.dtype)


class Pow(Op):  # tensor ** tensor
    _name = 'PowBackward1'

    @staticmethod
    def forward(ctx, a, b):
        if a.dtype.kind in 'iu':
            r = _arr(_int_pow(a, b))
        else:
            r = _arr(xp.power(a, b))
        ctx.save_for_backward(a, b, r)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b, r = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            ga = unbroadcast(_mw(xp.broadcast_to(b._data != 0, r._data.shape),
                                 _c(g, b * a ** (b - 1))), a._data.shape)
        if nb:
            zero = (a._data == 0) & (b._data.real >= 0)
            gb = unbroadcast(_mw(~zero, _c(g, r * a.log())), b._data.shape)
        return ga, gb


class PowScalarBase(Op):  # number ** tensor
    _name = 'PowBackward2'

    @staticmethod
    def forward(ctx, base, x):
        r = _arr(xp.power(base, x))
        ctx.base = base
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, g):
        x, r = ctx.saved_tensors
        base = ctx.base
        if base == 0:
            return _mw(~(x._data.real >= 0), _c(g, r * _make(xp.log(xp.asarray(base, r._data.dtype)))))
        return _c(g, r * _make(xp.log(xp.asarray(base, r._data.dtype))))


_INT_FLOAT = (int, float)
_NEG_POW = "Integers to negative integer powers are not allowed."


def pow(input, exponent, *, out=None):
    if input.__class__ is Tensor and input._data.dtype.kind == 'f' and exponent.__class__ in _INT_FLOAT:
        # fast path: float tensor ** Python number keeps the tensor's dtype
        return _out(PowScalar.apply(input, exponent), out)
    if isinstance(input, Tensor) and _is_num(exponent):
        dt = D.binary_result_dtype(input, exponent)
        if input._data.dtype is not dt.np:
            from .convert import cast
            input = cast(input, dt)
        if dt.category < D.FLOAT:
            if exponent < 0:
                raise RuntimeError(_NEG_POW)
            exponent = int(exponent)
            if exponent > xp.iinfo(dt.np).max:
                raise RuntimeError(f"value cannot be converted to type {_C_INT[dt.name]} without "
                                   "overflow")
        elif dt.category == D.FLOAT:
            exponent = float(exponent)
        return _out(PowScalar.apply(input, exponent), out)
    if _is_num(input) and isinstance(exponent, Tensor):
        dt = D.binary_result_dtype(input, exponent)
        if exponent._data.dtype is not dt.np:
            from .convert import cast
            exponent = cast(exponent, dt)
        base = xp.asarray(input, dt.np)
        if dt.category < D.FLOAT:
            r = _make(_arr(_int_pow(base, exponent._data)))
            return _out(r, out)
        return _out(PowScalarBase.apply(base, exponent), out)
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"pow() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(exponent).__name__})")
    a, b, dt = promote_pair(input, exponent)
    if dt is D.bool_:
        raise _not_impl('pow', dt)
    return _out(Pow.apply(a, b), out)


def float_power(input, exponent, *, out=None):
    cplx = any((isinstance(v, Tensor) and v._data.dtype.kind == 'c') or isinstance(v, complex)
               for v in (input, exponent))
    dt = D.complex128 if cplx else D.float64
    if isinstance(input, Tensor):
        if isinstance(exponent, Tensor):
            check_broadcast(input._data.shape, exponent._data.shape)
        input = input.to(dt)
    if isinstance(exponent, Tensor):
        exponent = exponent.to(dt)
    if out is not None and out.dtype is not dt:
        raise RuntimeError(f"the output given to float_power has dtype {out.dtype._short} but the "
                           f"operation's result requires dtype {dt._short}")
    if isinstance(input, Tensor) and _is_num(exponent):
        return _out(PowScalar.apply(input, complex(exponent) if cplx else float(exponent)), out)
    if _is_num(input):
        return _out(PowScalarBase.apply(xp.asarray(input, dt.np), exponent), out)
    return _out(Pow.apply(input, exponent), out)


def _binary_op(name, f, dfa, dfb, save=True):
    """Op class for r = f(a, b) with broadcasting; dfa/dfb(g, a, b, r) give the gradients."""
    def forward(ctx, a, b):
        r = _arr(f(a, b))
        ctx.save_for_backward(a, b, r)
        return r

    def backward(ctx, g):
        a, b, r = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = unbroadcast(dfa(g, a, b, r), a._data.shape) if na else None
        gb = unbroadcast(dfb(g, a, b, r), b._data.shape) if nb else None
        return ga, gb
    return type(name[:-len('Backward0')], (Op,), {
        '_name': name, 'forward': staticmethod(forward), 'backward': staticmethod(backward)})


def _bshape(r, x):
    return xp.broadcast_to(x, r._data.shape)


Remainder = _binary_op('RemainderBackward1', xp.remainder, lambda g, a, b, r: g,
                       lambda g, a, b, r: -g * div(a, b, rounding_mode='floor'))
Fmod = _binary_op('FmodBackward1', xp.fmod, lambda g, a, b, r: g,
                  lambda g, a, b, r: -g * div(a, b, rounding_mode='trunc'))
Atan2 = _binary_op('Atan2Backward0', xp.arctan2, lambda g, a, b, r: g * b / (a * a + b * b),
                   lambda g, a, b, r: g * -a / (a * a + b * b))
Hypot = _binary_op('HypotBackward0', xp.hypot, lambda g, a, b, r: g * a / r,
                   lambda g, a, b, r: g * b / r)
Copysign = _binary_op('CopysignBackward0', xp.copysign,
                      lambda g, a, b, r: _mw(_bshape(r, a._data != 0), g * r / a),
                      lambda g, a, b, r: _zeros_like(g))


def _max_ga(g, a, b, r):
    ad, bd = a._data, b._data
    return Where.apply(_make(ad == bd), g / 2, _mw(~(ad < bd), g))


def _max_gb(g, a, b, r):
    ad, bd = a._data, b._data
    return Where.apply(_make(ad == bd), g / 2, _mw(~(ad > bd), g))


Maximum = _binary_op('MaximumBackward0', xp.maximum, _max_ga, _max_gb)
Minimum = _binary_op('MinimumBackward0', xp.minimum, _max_gb, _max_ga)


def _fmax_mask(a, b):
    return (a._data >= b._data) | xp.isnan(b._data)


def _fmin_mask(a, b):
    return (a._data <= b._data) | xp.isnan(b._data)


Fmax = _binary_op('FmaxBackward0', xp.fmax, lambda g, a, b, r: _mw(_fmax_mask(a, b), g),
                  lambda g, a, b, r: _mw(~_fmax_mask(a, b), g))
Fmin = _binary_op('FminBackward0', xp.fmin, lambda g, a, b, r: _mw(_fmin_mask(a, b), g),
                  lambda g, a, b, r: _mw(~_fmin_mask(a, b), g))


def _xlogy_np(x, y):
    return xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), x.dtype), x * xp.log(y)).astype(x.dtype, copy=False)


Xlogy = _binary_op('XlogyBackward0', _xlogy_np,
                   lambda g, a, b, r: _mw(_bshape(r, a._data != 0), g * b.log()),
                   lambda g, a, b, r: g * a / b)

RemainderScalar = type('RemainderScalar', (Remainder,), {'_name': 'RemainderBackward0'})
FmodScalar = type('FmodScalar', (Fmod,), {'_name': 'FmodBackward0'})
CopysignScalar = type('CopysignScalar', (Copysign,), {'_name': 'CopysignBackward1'})
XlogyScalar = type('XlogyScalar', (Xlogy,), {'_name': 'XlogyBackward2'})
XlogyScalarSelf = type('XlogyScalarSelf', (Xlogy,), {'_name': 'XlogyBackward1'})


class RemainderScalarSelf(Op):  # number % tensor: torch has no derivative for it
    _name = 'torch::autograd::NotImplemented'

    @staticmethod
    def forward(ctx, a, b):
        return xp.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::remainder is not implemented")


def _no_complex(dt, kernel):
    if dt.category == D.COMPLEX:
        raise _not_impl(kernel, dt)


def _int_zero_check(b, dt):
    if dt.category < D.FLOAT and (b._data == 0).any():
        raise RuntimeError("ZeroDivisionError")


def remainder(input, other, *, out=None):
    a, b, dt = promote_pair(input, other)
    if dt is D.bool_:
        raise _not_impl('remainder_cpu', dt)
    _no_complex(dt, 'remainder_cpu')
    _int_zero_check(b, dt)
    if _is_num(input):
        return _out(RemainderScalarSelf.apply(a, b), out)
    return _out((RemainderScalar if _is_num(other) else Remainder).apply(a, b), out)


def fmod(input, other, *, out=None):
    a, b, dt = promote_pair(input, other)
    if dt is D.bool_:
        raise _not_impl('fmod_cpu', dt)
    _no_complex(dt, 'fmod_cpu')
    _int_zero_check(b, dt)
    return _out((FmodScalar if _is_num(other) else Fmod).apply(a, b), out)


def atan2(input, other, *, out=None):
    _check_tensor(other, 'atan2', 1, 'other')
    a, b, dt = promote_pair(input, other, min_category=D.FLOAT)
    _no_complex(dt, 'atan2_cpu')
    return _out(Atan2.apply(a, b), out)


arctan2 = atan2


def hypot(input, other, *, out=None):
    _check_tensor(other, 'hypot', 1, 'other')
    a, b, dt = promote_pair(input, other)
    if dt.category != D.FLOAT:
        raise _not_impl('hypot_cpu', dt)
    return _out(Hypot.apply(a, b), out)


def copysign(input, other, *, out=None):
    a, b, dt = promote_pair(input, other, min_category=D.FLOAT)
    _no_complex(dt, 'copysign_cpu')
    return _out((CopysignScalar if _is_num(other) else Copysign).apply(a, b), out)


def xlogy(input, other, *, out=None):
    if _is_num(input):
        if not isinstance(other, Tensor):
            raise TypeError("xlogy() received an invalid combination of arguments")
        a, b, dt = promote_pair(input, other, min_category=D.FLOAT)
        return _out(XlogyScalarSelf.apply(a, b), out)
    a, b, dt = promote_pair(input, other, min_category=D.FLOAT)
    return _out((XlogyScalar if _is_num(other) else Xlogy).apply(a, b), out)


def _minmax(op, fname):
    def fn(input, other, *, out=None):
        if input.__class__ is Tensor and other.__class__ is Tensor and out is None:
            da = input._data.dtype
            if da is other._data.dtype and da.kind == 'f':  # fast path: nothing to promote
                try:
                    return op.apply(input, other)
                except ValueError:  # NumPy could not broadcast: torch's message
                    check_broadcast(input._data.shape, other._data.shape)
                    raise
        _check_tensor(input, fname, 0)
        _check_tensor(other, fname, 1, 'other')
        a, b, dt = promote_pair(input, other)
        if dt.category == D.COMPLEX:
            raise RuntimeError(f"{fname}() not implemented for complex tensors.")
        return _out(op.apply(a, b), out)
    fn.__name__ = fn.__qualname__ = fname
    return fn


maximum = _minmax(Maximum, 'maximum')
minimum = _minmax(Minimum, 'minimum')
fmax = _minmax(Fmax, 'fmax')
fmin = _minmax(Fmin, 'fmin')


# where / clamp / lerp / addcmul / addcdiv ------------------------------------------
class Where(Op):
    _name = 'WhereBackward0'

    @staticmethod
    def forward(ctx, c, a, b):
        ctx.c = c
        ctx.shapes = (a.shape, b.shape)
        return xp.where(c, a, b)

    @staticmethod
    def backward(ctx, g):
        _, na, nb = ctx.needs_input_grad
        c = ctx.c
        sa, sb = ctx.shapes
        ga = unbroadcast(_mw(xp.broadcast_to(c, g._data.shape), g), sa) if na else None
        gb = unbroadcast(_mw(xp.broadcast_to(~c, g._data.shape), g), sb) if nb else None
        return None, ga, gb


def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        return tuple(_make(i) for i in xp.nonzero(xp.atleast_1d(condition._data)))
    _check_tensor(condition, 'where', 0, 'condition')
    if condition._data.dtype.kind != 'b':
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype._short}")
    if input is None or other is None:
        raise TypeError("where() missing 1 required positional argument")
    if input.__class__ is Tensor and other.__class__ is Tensor and input._data.dtype is other._data.dtype:
        a, b = input, other  # same dtype: nothing to promote; NumPy checks the broadcast
    else:
        a, b, dt = promote_pair(input, other)
    try:
        r = Where.apply(condition, a, b)
    except ValueError:  # NumPy could not broadcast: raise torch's error
        broadcast_shapes(condition._data.shape, a._data.shape, b._data.shape)
        raise
    return _out(r, out)


class ClampScalar(Op):
    _name = 'ClampBackward1'

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        if lo is None:
            return _keep(xp.minimum(x, hi), x.dtype)
        if hi is None:
            return _keep(xp.maximum(x, lo), x.dtype)
        return _keep(xp.minimum(xp.maximum(x, lo), hi), x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        xa, lo, hi = x._data, ctx.lo, ctx.hi
        if lo is None:
            m = xa <= hi
        elif hi is None:
            m = xa >= lo
        else:
            m = (xa >= lo) & (xa <= hi)
        return _mw(m, g)


ClampMinScalar = type('ClampMinScalar', (ClampScalar,), {'_name': 'ClampMinBackward0'})
ClampMaxScalar = type('ClampMaxScalar', (ClampScalar,), {'_name': 'ClampMaxBackward0'})


class ClampTensor(Op):
    _name = 'ClampBackward0'

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        r = x
        if lo is not None:
            r = xp.maximum(r, lo)
        if hi is not None:
            r = xp.minimum(r, hi)
        return r

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        need = ctx.needs_input_grad
        xa = x._data
        shape = g._data.shape
        res = []
        if lo is not None and hi is not None:
            la, ha = lo._data, hi._data
            masks = ((xa >= la) & (xa <= ha), (xa < la) & (la < ha), (xa > ha) | (ha < la))
            ts = (x, lo, hi)
        elif lo is not None:
            la = lo._data
            masks = (xa >= la, xa < la)
            ts = (x, lo)
        else:
            ha = hi._data
            masks = (xa <= ha, xa > ha)
            ts = (x, hi)
        for m, t, n in zip(masks, ts, need):
            res.append(unbroadcast(_mw(xp.broadcast_to(m, shape), g), t._data.shape) if n else None)
        return tuple(res)


ClampMinTensor = type('ClampMinTensor', (ClampTensor,), {'_name': 'ClampMinBackward1'})
ClampMaxTensor = type('ClampMaxTensor', (ClampTensor,), {'_name': 'ClampMaxBackward1'})


_REAL_PY = (int, float, type(None))
_C_INT = {'uint8': 'uint8_t', 'int8': 'int8_t', 'int16': 'int16_t', 'int32': 'int32_t',
          'int64': 'int64_t'}


def _clamp(input, min, max, out, scalar_op, tensor_op):
    _check_tensor(input, 'clamp')
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if (input._data.dtype.kind == 'f' and min.__class__ in _REAL_PY and max.__class__ in _REAL_PY):
        # fast path: a float tensor with Python int/float bounds keeps its dtype
        return _out(scalar_op.apply(input, None if min is None else float(min),
                                    None if max is None else float(max)), out)
    if (min is None or _is_num(min)) and (max is None or _is_num(max)):
        ops = [input] + [v for v in (min, max) if v is not None]
        dt = D.result_type(*ops)
        if dt.category == D.COMPLEX:
            raise NotImplementedError("clamp is not supported for complex types")
        if input._data.dtype is not dt.np:
            from .convert import cast
            input = cast(input, dt)
        conv = float if dt.category == D.FLOAT else int
        lo = None if min is None else conv(min)
        hi = None if max is None else conv(max)
        if dt.category == D.INT:
            info = xp.iinfo(dt.np)
            for v in (lo, hi):
                if v is not None and not info.min <= v <= info.max:
                    raise RuntimeError(f"value cannot be converted to type {_C_INT[dt.name]} "
                                       "without overflow")
        return _out(scalar_op.apply(input, lo, hi), out)
    if _is_num(min) or _is_num(max):
        raise TypeError(f"clamp() received an invalid combination of arguments - got "
                        f"(min={type(min).__name__}, max={type(max).__name__})")
    ts = [input] + [to_tensor(v) if v is not None and not isinstance(v, Tensor) else v
                    for v in (min, max)]
    dt = D.result_type(*[t for t in ts if t is not None])
    if dt.category == D.COMPLEX:
        raise NotImplementedError("clamp is not supported for complex types")
    shapes = [t._data.shape for t in ts if t is not None]
    broadcast_shapes(*shapes)
    from .convert import cast
    ts = [None if t is None else cast(t, dt) for t in ts]
    x, lo, hi = ts
    return _out(tensor_op.apply(x, lo, hi), out)


def clamp(input, min=None, max=None, *, out=None):
    return _clamp(input, min, max, out, ClampScalar, ClampTensor)


clip = clamp


def clamp_min(input, min, *, out=None):
    return _clamp(input, min, None, out, ClampMinScalar, ClampMinTensor)


def clamp_max(input, max, *, out=None):
    return _clamp(input, None, max, out, ClampMaxScalar, ClampMaxTensor)


class Lerp(Op):
    _name = 'LerpBackward0'

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b)
        ctx.w = w
        ctx.shapes = (a.shape, b.shape)
        d = b - a
        if w < 0.5:
            return _keep(a + w * d, d.dtype)
        return _keep(b - d * (1 - w), d.dtype)

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        w = ctx.w
        sa, sb = ctx.shapes
        return (unbroadcast(g * (1 - w), sa) if na else None,
                unbroadcast(g * w, sb) if nb else None)


class LerpTensor(Op):
    _name = 'LerpBackward1'

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b, w)
        d = b - a
        return _keep(xp.where(xp.abs(w) < 0.5, a + w * d, b - d * (1 - w)), d.dtype)

    @staticmethod
    def backward(ctx, g):
        a, b, w = ctx.saved_tensors
        na, nb, nw = ctx.needs_input_grad
        return (unbroadcast(_c(g, 1 - w), a._data.shape) if na else None,
                unbroadcast(_c(g, w), b._data.shape) if nb else None,
                unbroadcast(_c(g, b - a), w._data.shape) if nw else None)


def lerp(input, end, weight, *, out=None):
    _check_tensor(input, 'lerp')
    _check_tensor(end, 'lerp', 1, 'end')
    dt = input.dtype
    if end.dtype is not dt:
        raise RuntimeError(f"expected dtype {dt.name} for `end` but got dtype {end.dtype.name}")
    if isinstance(weight, Tensor):
        if weight.dtype is not dt:
            raise RuntimeError(f"expected dtype {dt.name} for `weight` but got dtype {weight.dtype.name}")
        if dt.category < D.FLOAT:
            raise _not_impl('lerp_kernel_tensor', dt)
        broadcast_shapes(input._data.shape, end._data.shape, weight._data.shape)
        return _out(LerpTensor.apply(input, end, weight), out)
    if dt.category < D.FLOAT:
        raise _not_impl('lerp_kernel_scalar', dt)
    broadcast_shapes(input._data.shape, end._data.shape)
    if isinstance(weight, complex) and dt.category != D.COMPLEX:
        raise RuntimeError("value cannot be converted to type float without overflow")
    return _out(Lerp.apply(input, end, weight if isinstance(weight, complex) else float(weight)), out)


class Addcmul(Op):
    _name = 'AddcmulBackward0'

    @staticmethod
    def forward(ctx, a, t1, t2, value):
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        ctx.sa = a.shape
        return _keep(a + value * (t1 * t2), a.dtype)

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        na, n1, n2 = ctx.needs_input_grad
        v = ctx.value
        return (unbroadcast(g, ctx.sa) if na else None,
                unbroadcast(_c(g, t2 * v), t1._data.shape) if n1 else None,
                unbroadcast(_c(g, t1 * v), t2._data.shape) if n2 else None)


class Addcdiv(Op):
    _name = 'AddcdivBackward0'

    @staticmethod
    def forward(ctx, a, t1, t2, value):
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        ctx.sa = a.shape
        return _keep(a + value * (t1 / t2), a.dtype)

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        na, n1, n2 = ctx.needs_input_grad
        v = ctx.value
        return (unbroadcast(g, ctx.sa) if na else None,
                unbroadcast(_c(g, v / t2), t1._data.shape) if n1 else None,
                unbroadcast(_c(g, -v * t1 / (t2 * t2)), t2._data.shape) if n2 else None)


def _addc(input, tensor1, tensor2, value, fname):
    _check_tensor(input, fname)
    _check_tensor(tensor1, fname, 1, 'tensor1')
    _check_tensor(tensor2, fname, 2, 'tensor2')
    broadcast_shapes(input._data.shape, tensor1._data.shape, tensor2._data.shape)
    dt = D.result_type(input, tensor1, tensor2)
    from .convert import cast
    a, t1, t2 = cast(input, dt), cast(tensor1, dt), cast(tensor2, dt)
    if dt.category == D.INT:
        value = int(value.real if isinstance(value, complex) else value)  # torch truncates
    elif dt.category == D.FLOAT:
        if isinstance(value, complex):
            raise RuntimeError("value cannot be converted to type float without overflow")
        value = float(value)
    return a, t1, t2, value, dt


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    a, t1, t2, value, dt = _addc(input, tensor1, tensor2, value, 'addcmul')
    if dt is D.bool_:
        return _out(_make(xp.logical_or(a._data, xp.logical_and(bool(value), t1._data & t2._data))), out)
    return _out(Addcmul.apply(a, t1, t2, value), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    if (tensor1._data.dtype.kind in 'biu') and (tensor2._data.dtype.kind in 'biu'):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
            "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
            "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
            "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
            "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
            "for all dtypes.")
    a, t1, t2, value, dt = _addc(input, tensor1, tensor2, value, 'addcdiv')
    return _out(Addcdiv.apply(a, t1, t2, value), out)


# Comparisons, logical, bitwise (no gradient) ----------------------------------------
def _arrays(input, other, fname):
    """Promoted arrays of two operands (no autograd: these ops are not differentiable)."""
    ti = isinstance(input, Tensor)
    to = isinstance(other, Tensor)
    if ti and to:
        a, b = input._data, other._data
        if a.shape != b.shape:
            check_broadcast(a.shape, b.shape)
        if a.dtype is b.dtype:
            return a, b, _NP2DT[a.dtype]
    else:
        if not ti and not _is_num(input):
            if not isinstance(input, _ndarray):
                raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                                f"({type(input).__name__}, {type(other).__name__})")
            input = to_tensor(input)
        if not to and not _is_num(other):
            if not isinstance(other, _ndarray):
                raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                                f"({type(input).__name__}, {type(other).__name__})")
            other = to_tensor(other)
        if isinstance(input, Tensor) and isinstance(other, Tensor):
            check_broadcast(input._data.shape, other._data.shape)
    dt = D.binary_result_dtype(input, other)
    npdt = dt.np
    a = input._data if isinstance(input, Tensor) else xp.asarray(input, npdt)
    b = other._data if isinstance(other, Tensor) else xp.asarray(other, npdt)
    if a.dtype != npdt:
        a = a.astype(npdt)
    if b.dtype != npdt:
        b = b.astype(npdt)
    return a, b, dt


_NP2DT = D.NP2DT


def _cmp(npf, fname):
    def fn(input, other, *, out=None):
        if other.__class__ in _INT_FLOAT and input.__class__ is Tensor and out is None \
                and input._data.dtype.kind == 'f':
            # fast path: float tensor vs Python number compares in the tensor's dtype
            return _make(_arr(npf(input._data, other)))
        a, b, dt = _arrays(input, other, fname)
        if dt.category == D.COMPLEX and fname not in ('eq', 'ne', 'not_equal'):
            raise _not_impl(_CMP_KERNEL.get(fname, fname) + '_cpu', dt)
        return _out(_make(npf(a, b)), out)
    fn.__name__ = fn.__qualname__ = fname
    return fn


_CMP_KERNEL = {'less': 'lt', 'less_equal': 'le', 'greater': 'gt', 'greater_equal': 'ge'}
eq = _cmp(xp.equal, 'eq')
ne = not_equal = _cmp(xp.not_equal, 'ne')
lt = less = _cmp(xp.less, 'lt')
le = less_equal = _cmp(xp.less_equal, 'le')
gt = greater = _cmp(xp.greater, 'gt')
ge = greater_equal = _cmp(xp.greater_equal, 'ge')


def _logical(npf, fname):
    def fn(input, other, *, out=None):
        _check_tensor(input, fname)
        _check_tensor(other, fname, 1, 'other')
        if input._data.shape != other._data.shape:
            check_broadcast(input._data.shape, other._data.shape)
        return _out(_make(npf(input._data, other._data)), out)
    fn.__name__ = fn.__qualname__ = fname
    return fn


logical_and = _logical(xp.logical_and, 'logical_and')
logical_or = _logical(xp.logical_or, 'logical_or')
logical_xor = _logical(xp.logical_xor, 'logical_xor')


def logical_not(input, *, out=None):
    _check_tensor(input, 'logical_not')
    return _out(_make(xp.logical_not(input._data)), out)


def _bitwise(npf, fname, kernel):
    def fn(input, other, *, out=None):
        a, b, dt = _arrays(input, other, fname)
        if dt.category > D.INT:
            raise _not_impl(kernel, dt)
        return _out(_make(_arr(npf(a, b))), out)
    fn.__name__ = fn.__qualname__ = fname
    return fn


bitwise_and = _bitwise(xp.bitwise_and, 'bitwise_and', 'bitwise_and_cpu')
bitwise_or = _bitwise(xp.bitwise_or, 'bitwise_or', 'bitwise_or_cpu')
bitwise_xor = _bitwise(xp.bitwise_xor, 'bitwise_xor', 'bitwise_xor_cpu')


def _shift(npf, fname, kernel):
    def fn(input, other, *, out=None):
        a, b, dt = _arrays(input, other, fname)
        if dt.category != D.INT:
            raise _not_impl(kernel, dt)
        bits = dt.itemsize * 8
        big = (b < 0) | (b >= bits)
        r = npf(a, xp.where(big, 0, b).astype(dt.np, copy=False))
        if big.any():
            fill = 0 if kernel == 'lshift_cpu' else xp.where(a < 0, -1, 0)
            r = xp.where(big, fill, r).astype(dt.np)
        return _out(_make(_arr(r)), out)
    fn.__name__ = fn.__qualname__ = fname
    return fn


bitwise_left_shift = _shift(xp.left_shift, 'bitwise_left_shift', 'lshift_cpu')
bitwise_right_shift = _shift(xp.right_shift, 'bitwise_right_shift', 'rshift_cpu')


def bitwise_not(input, *, out=None):
    _check_tensor(input, 'bitwise_not')
    if input._data.dtype.kind not in 'biu':
        raise _not_impl('bitwise_not_cpu', input.dtype)
    return _out(_make(_arr(xp.invert(input._data))), out)


# Predicates -------------------------------------------------------------------------
def _pred(npf, fname, int_value=None):
    def fn(input):
        _check_tensor(input, fname)
        a = input._data
        if int_value is not None and a.dtype.kind in 'biu':
            return _make(xp.full(a.shape, int_value))
        return _make(_arr(npf(a)))
    fn.__name__ = fn.__qualname__ = fname
    return fn


isnan = _pred(xp.isnan, 'isnan', False)
isinf = _pred(xp.isinf, 'isinf', False)
isfinite = _pred(xp.isfinite, 'isfinite', True)


def _posinf(a):
    return xp.isposinf(a) if a.dtype.kind == 'f' else (a == xp.inf)


def _neginf(a):
    return xp.isneginf(a) if a.dtype.kind == 'f' else (a == -xp.inf)


def isposinf(input, *, out=None):
    _check_tensor(input, 'isposinf')
    if input._data.dtype.kind == 'c':
        raise RuntimeError("isposinf does not support complex inputs.")
    if input._data.dtype.kind in 'biu':
        return _out(_make(xp.zeros(input._data.shape, bool)), out)
    return _out(_make(_arr(_posinf(input._data))), out)


def isneginf(input, *, out=None):
    _check_tensor(input, 'isneginf')
    if input._data.dtype.kind == 'c':
        raise RuntimeError("isneginf does not support complex inputs.")
    if input._data.dtype.kind in 'biu':
        return _out(_make(xp.zeros(input._data.shape, bool)), out)
    return _out(_make(_arr(_neginf(input._data))), out)


def isreal(input):
    _check_tensor(input, 'isreal')
    a = input._data
    if a.dtype.kind != 'c':
        return _make(xp.ones(a.shape, bool))
    return _make(_arr(a.imag == 0))


def signbit(input, *, out=None):
    _check_tensor(input, 'signbit')
    a = input._data
    if a.dtype.kind == 'c':
        raise NotImplementedError("signbit is not implemented for complex tensors.")
    if a.dtype.kind == 'b':
        return _out(_make(xp.zeros(a.shape, bool)), out)
    if a.dtype.kind in 'iu':
        return _out(_make(_arr(a < 0)), out)
    return _out(_make(_arr(xp.signbit(a))), out)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    _check_tensor(input, 'isclose')
    _check_tensor(other, 'isclose', 1, 'other')
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype._short} did not match {other.dtype._short}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    a, b = input._data, other._data
    if a.shape != b.shape:
        check_broadcast(a.shape, b.shape)
    if a.dtype.kind == 'b':
        return _make(_arr(a == b))
    if a.dtype.kind in 'iu':
        a = a.astype(xp.float64)
        b = b.astype(xp.float64)
    elif _lowp(a):
        a = a.astype(xp.float32)
        b = b.astype(xp.float32)
    eq_ = a == b
    if equal_nan:
        eq_ = eq_ | (xp.isnan(a) & xp.isnan(b))
    fin = xp.isfinite(a) & xp.isfinite(b)
    close = fin & (xp.abs(a - b) <= atol + rtol * xp.abs(b))
    return _make(_arr(eq_ | close))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    _check_tensor(input, 'equal')
    _check_tensor(other, 'equal', 1, 'other')
    if input._data.shape != other._data.shape:
        return False
    a, b, dt = _arrays(input, other, 'equal')
    return bool(xp.array_equal(a, b))


# Tensor methods / dunders -------------------------------------------------------------


def _inplace_unary(fn):
    def method(self, *args, **kwargs):
        return apply_inplace(self, lambda s: fn(s, *args, **kwargs))
    method.__name__ = fn.__name__ + '_'
    return method


def _rev(fn):
    def method(self, other):
        return fn(other, self)
    return method


def _dunder_cmp(fn):
    def method(self, other):
        if not (isinstance(other, Tensor) or _is_num(other) or isinstance(other, _ndarray)):
            return NotImplemented
        return fn(self, other)
    return method


_UNARY_METHODS = {
    'exp': exp, 'exp2': exp2, 'log': log, 'log2': log2, 'log10': log10, 'log1p': log1p,
    'expm1': expm1, 'sqrt': sqrt, 'rsqrt': rsqrt, 'reciprocal': reciprocal, 'sin': sin,
    'cos': cos, 'tan': tan, 'asin': asin, 'arcsin': asin, 'acos': acos, 'arccos': acos,
    'atan': atan, 'arctan': atan, 'sinh': sinh, 'cosh': cosh, 'tanh': tanh, 'asinh': asinh,
    'arcsinh': asinh, 'acosh': acosh, 'arccosh': acosh, 'atanh': atanh, 'arctanh': atanh,
    'sigmoid': sigmoid, 'relu': relu, 'erf': erf, 'erfc': erfc, 'erfinv': erfinv,
    'lgamma': lgamma, 'digamma': digamma, 'floor': floor, 'ceil': ceil, 'round': round,
    'trunc': trunc, 'fix': trunc, 'frac': frac, 'deg2rad': deg2rad, 'rad2deg': rad2deg,
    'logit': logit, 'nan_to_num': nan_to_num, 'abs': abs, 'absolute': abs, 'sign': sign,
    'sgn': sgn, 'square': square,
}
for _n, _f in _UNARY_METHODS.items():
    setattr(Tensor, _n, _f)
    setattr(Tensor, _n + '_', _inplace_unary(_f))

_BINARY_METHODS = {
    'pow': pow, 'float_power': float_power, 'remainder': remainder, 'fmod': fmod,
    'atan2': atan2, 'arctan2': atan2, 'hypot': hypot, 'copysign': copysign, 'xlogy': xlogy,
    'maximum': maximum, 'minimum': minimum, 'fmax': fmax, 'fmin': fmin,
    'eq': eq, 'ne': ne, 'not_equal': ne, 'lt': lt, 'less': lt, 'le': le, 'less_equal': le,
    'gt': gt, 'greater': gt, 'ge': ge, 'greater_equal': ge,
    'logical_and': logical_and, 'logical_or': logical_or, 'logical_xor': logical_xor,
    'bitwise_and': bitwise_and, 'bitwise_or': bitwise_or, 'bitwise_xor': bitwise_xor,
    'bitwise_left_shift': bitwise_left_shift, 'bitwise_right_shift': bitwise_right_shift,
    'lerp': lerp, 'addcmul': addcmul, 'addcdiv': addcdiv, 'clamp': clamp, 'clip': clamp,
    'clamp_min': clamp_min, 'clamp_max': clamp_max, 'logical_not': logical_not,
    'bitwise_not': bitwise_not,
}
for _n, _f in _BINARY_METHODS.items():
    setattr(Tensor, _n, _f)
    setattr(Tensor, _n + '_', _inplace_unary(_f))
del _n, _f

def _float_power_(self, exponent):
    cplx = self.is_complex() or isinstance(exponent, complex) or (
        isinstance(exponent, Tensor) and exponent.is_complex())
    need = D.complex128 if cplx else D.float64
    if self.dtype is not need:
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype._short} but the "
                           f"operation's result requires dtype {need._short}")
    return apply_inplace(self, lambda s: float_power(s, exponent))


Tensor.float_power_ = _float_power_
Tensor.polygamma = lambda self, n: polygamma(n, self)
Tensor.polygamma_ = lambda self, n: apply_inplace(self, lambda s: polygamma(n, s))
Tensor.angle = angle
Tensor.conj = conj
Tensor.conj_physical = conj
Tensor.resolve_conj = lambda self: self
Tensor.resolve_neg = lambda self: self
Tensor.is_conj = lambda self: False
Tensor.is_neg = lambda self: False
Tensor.real = property(real)
Tensor.imag = property(imag)
Tensor.isnan = isnan
Tensor.isinf = isinf
Tensor.isfinite = isfinite
Tensor.isposinf = isposinf
Tensor.isneginf = isneginf
Tensor.isreal = isreal
Tensor.signbit = signbit
Tensor.isclose = isclose
Tensor.allclose = allclose
Tensor.equal = equal
Tensor.where = lambda self, condition, y: where(condition, self, y)

Tensor.__pow__ = lambda self, other: pow(self, other)
Tensor.__rpow__ = _rev(pow)
Tensor.__ipow__ = Tensor.pow_
Tensor.__mod__ = lambda self, other: remainder(self, other)
Tensor.__rmod__ = _rev(remainder)
Tensor.__imod__ = Tensor.remainder_
Tensor.__abs__ = abs
Tensor.__eq__ = _dunder_cmp(eq)
Tensor.__ne__ = _dunder_cmp(ne)
Tensor.__lt__ = _dunder_cmp(lt)
Tensor.__le__ = _dunder_cmp(le)
Tensor.__gt__ = _dunder_cmp(gt)
Tensor.__ge__ = _dunder_cmp(ge)
Tensor.__hash__ = object.__hash__  # assigning __eq__ does not reset it on an existing class


def _invert(self):
    k = self._data.dtype.kind
    if k == 'b':
        return logical_not(self)
    if k not in 'iu':
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(self)


Tensor.__invert__ = _invert
Tensor.__and__ = lambda self, other: bitwise_and(self, other)
Tensor.__rand__ = _rev(bitwise_and)
Tensor.__iand__ = Tensor.bitwise_and_
Tensor.__or__ = lambda self, other: bitwise_or(self, other)
Tensor.__ror__ = _rev(bitwise_or)
Tensor.__ior__ = Tensor.bitwise_or_
Tensor.__xor__ = lambda self, other: bitwise_xor(self, other)
Tensor.__rxor__ = _rev(bitwise_xor)
Tensor.__ixor__ = Tensor.bitwise_xor_
Tensor.__lshift__ = lambda self, other: bitwise_left_shift(self, other)
Tensor.__rlshift__ = _rev(bitwise_left_shift)
Tensor.__ilshift__ = Tensor.bitwise_left_shift_
Tensor.__rshift__ = lambda self, other: bitwise_right_shift(self, other)
Tensor.__rrshift__ = _rev(bitwise_right_shift)
Tensor.__irshift__ = Tensor.bitwise_right_shift_

__all__ += [
    'exp', 'exp2', 'log', 'log2', 'log10', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'reciprocal',
    'sin', 'cos', 'tan', 'asin', 'arcsin', 'acos', 'arccos', 'atan', 'arctan', 'sinh', 'cosh',
    'tanh', 'asinh', 'arcsinh', 'acosh', 'arccosh', 'atanh', 'arctanh', 'sigmoid', 'relu',
    'erf', 'erfc', 'erfinv', 'lgamma', 'digamma', 'polygamma', 'floor', 'ceil', 'round',
    'trunc', 'fix', 'frac', 'deg2rad', 'rad2deg', 'logit', 'nan_to_num', 'abs', 'absolute',
    'sign', 'sgn', 'square', 'real', 'imag', 'conj', 'conj_physical', 'angle',
    'pow', 'float_power', 'remainder', 'fmod', 'atan2', 'arctan2', 'hypot', 'copysign', 'xlogy',
    'maximum', 'minimum', 'fmax', 'fmin', 'where', 'clamp', 'clip', 'clamp_min', 'clamp_max',
    'lerp', 'addcmul', 'addcdiv',
    'eq', 'ne', 'not_equal', 'lt', 'less', 'le', 'less_equal', 'gt', 'greater', 'ge',
    'greater_equal', 'logical_and', 'logical_or', 'logical_xor', 'logical_not',
    'bitwise_and', 'bitwise_or', 'bitwise_xor', 'bitwise_not', 'bitwise_left_shift',
    'bitwise_right_shift', 'isnan', 'isinf', 'isfinite', 'isposinf', 'isneginf', 'isreal',
    'signbit', 'isclose', 'allclose', 'equal',
]
conj_physical = conj

# torch.<op>_ functional in-place variants
_FUNCTIONAL_INPLACE = [
    'abs', 'exp', 'exp2', 'log', 'log2', 'log10', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'reciprocal',
    'sin', 'cos', 'tan', 'asin', 'arcsin', 'acos', 'arccos', 'atan', 'arctan', 'sinh', 'cosh', 'tanh',
    'asinh', 'arcsinh', 'acosh', 'arccosh', 'atanh', 'arctanh', 'sigmoid', 'relu', 'erf', 'erfc',
    'floor', 'ceil', 'round', 'trunc', 'fix', 'frac', 'deg2rad', 'rad2deg', 'logit', 'nan_to_num',
    'neg', 'negative', 'square', 'clamp', 'clip', 'clamp_min', 'clamp_max', 'xlogy']
for _n in _FUNCTIONAL_INPLACE:
    globals()[_n + '_'] = getattr(Tensor, _n + '_')
    __all__.append(_n + '_')
del _n
