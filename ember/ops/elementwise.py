"""Elementwise arithmetic: + - * / and friends, with PyTorch's promotion and broadcasting.

Each op is one class: ``forward`` on arrays, ``backward`` with ember ops (so it can be
differentiated again). The public functions coerce Python scalars and dtypes first.
"""
from .._backend import xp
from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import promote_pair, unbroadcast, check_broadcast
from .inplace import apply_inplace


class Add(Op):
    _name = 'AddBackward0'

    @staticmethod
    def forward(ctx, a, b):
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
        ctx.save_for_backward(a, b)
        return xp.multiply(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = unbroadcast(g * b.conj() if b.is_complex() else g * b, a.shape) if na else None
        gb = unbroadcast(g * a.conj() if a.is_complex() else g * a, b.shape) if nb else None
        return ga, gb


class Div(Op):
    _name = 'DivBackward0'

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.true_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = unbroadcast(g / b, a.shape) if na else None
        gb = unbroadcast(-g * a / (b * b), b.shape) if nb else None
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
        r = logical_or_(a, b)
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
        return _out(logical_and_(a, b), out)
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
            raise ZeroDivisionError("ZeroDivisionError")
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
        raise ZeroDivisionError("ZeroDivisionError")
    # not differentiable in torch either (its gradient is zero almost everywhere)
    return _out(Tensor._make(xp.floor_divide(a._data, b._data)), out)


def logical_or_(a, b):
    return Tensor._make(xp.logical_or(a._data, b._data))


def logical_and_(a, b):
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
    out._version[0] += 1
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
