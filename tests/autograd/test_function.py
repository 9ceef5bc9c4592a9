"""Custom autograd.Function, side by side with torch."""
import math

import numpy as np
import pytest

import ember
from _both import both, both_raise, arr, T, ver


def _leaf(m, seed=0, *shape, dtype='float32'):
    return T(m, arr(seed, *(shape or (3,)), dtype=dtype), True)


def make_fns(m):
    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x * x

    class ScaleBy(m.autograd.Function):  # non-tensor args, needs_input_grad
        @staticmethod
        def forward(ctx, x, k, w, flag):
            ctx.k = k
            ctx.save_for_backward(x, w)
            ctx.nig = ctx.needs_input_grad
            return x * w * k

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            gx = g * w * ctx.k if ctx.needs_input_grad[0] else None
            gw = g * x * ctx.k if ctx.needs_input_grad[2] else None
            return gx, None, gw, None

    class SortLike(m.autograd.Function):  # multiple outputs, a non-differentiable one
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            idx = (x * 10).long()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return y, idx

        @staticmethod
        def backward(ctx, gy, gidx):
            (idx,) = ctx.saved_tensors
            return gy * 2 + 0 * idx

    class Ident(m.autograd.Function):  # returns its input unchanged
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    class MulSetup(m.autograd.Function):  # setup_context style
        @staticmethod
        def forward(x, w):
            return x * w

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, w = inputs
            ctx.save_for_backward(x, w)

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g * w, g * x

    class TwoOut(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            ctx.seen = (ga is None, gb is None)
            r = 0
            if ga is not None:
                r = r + ga * 2
            if gb is not None:
                r = r + gb * 3
            return r

    class TwoOutMat(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    class MulInplace(m.autograd.Function):  # mark_dirty
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return dict(Cube=Cube, ScaleBy=ScaleBy, SortLike=SortLike, Ident=Ident, MulSetup=MulSetup,
                TwoOut=TwoOut, TwoOutMat=TwoOutMat, MulInplace=MulInplace)


def test_cube_forward_backward_and_name():
    def prog(m):
        F = make_fns(m)
        x = _leaf(m)
        y = F['Cube'].apply(x)
        y.sum().backward()
        return y, x.grad, type(y.grad_fn).__name__, y.grad_fn.next_functions[0][0].variable is x
    both(prog)


def test_cube_double_backward():
    def prog(m):
        F = make_fns(m)
        x = _leaf(m, 1, 4, dtype='float64')
        y = F['Cube'].apply(x)
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        return g, gg
    both(prog)


def test_non_tensor_args_and_needs_input_grad():
    def prog(m):
        F = make_fns(m)
        x = _leaf(m)
        w = T(m, arr(1, 3))
        y = F['ScaleBy'].apply(x, 2.5, w, 'flag')
        y.sum().backward()
        return y, x.grad, y.grad_fn.nig, y.grad_fn.needs_input_grad
    both(prog)


def test_mark_non_differentiable_multi_output():
    def prog(m):
        F = make_fns(m)
        x = _leaf(m)
        y, idx = F['SortLike'].apply(x)
        r = [y.requires_grad, idx.requires_grad, idx.dtype == m.int64]
        (y * y).sum().backward()
        return r, x.grad, idx
    both(prog)


def test_return_input_unchanged():
    def prog(m):
        F = make_fns(m)
        x = _leaf(m)
        y = F['Ident'].apply(x)
        r = [y is x, y.is_leaf, x.is_leaf, y.grad_fn is not None]
        y.sum().backward()
        h = x * 1
        z = F['Ident'].apply(h)
        r.append(z is h)
        return r, x.grad
    both(prog)


def test_setup_context_style():
    def prog(m):
        F = make_fns(m)
        x, w = _leaf(m), _leaf(m, 1)
        y = F['MulSetup'].apply(x, w)
        y.sum().backward()
        return y, x.grad, w.grad
    both(prog)


def test_set_materialize_grads_false():
    def prog(m):
        F = make_fns(m)
        x = _leaf(m)
        a, b = F['TwoOut'].apply(x)
        a.sum().backward()
        return x.grad, a.grad_fn.seen
    both(prog)


def test_materialized_missing_grad():
    def prog(m):
        F = make_fns(m)
        x = _leaf(m)
        a, b = F['TwoOutMat'].apply(x)
        (b * 2).sum().backward()
        return x.grad
    both(prog)


def test_mark_dirty_inplace():
    def prog(m):
        F = make_fns(m)
        x = _leaf(m)
        h = x * 1
        v = ver(h)
        y = F['MulInplace'].apply(h)
        r = [y is h, ver(h) - v, h.grad_fn is not None]
        (y * y).sum().backward()
        return r, x.grad, y
    both(prog)


def test_mark_dirty_on_leaf_error():
    both_raise(lambda m: make_fns(m)['MulInplace'].apply(_leaf(m)), RuntimeError,
               "a leaf Variable that requires grad")


def test_no_grad_apply_has_no_graph():
    def prog(m):
        F = make_fns(m)
        x = _leaf(m)
        with m.no_grad():
            y = F['Cube'].apply(x)
        return y.requires_grad, y.grad_fn is None
    both(prog)


def test_once_differentiable():
    def prog(m):
        from torch.autograd.function import once_differentiable as od_t
        from ember.autograd.function import once_differentiable as od_e
        od = od_t if m.__name__ == 'torch' else od_e

        class Sq(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @od
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 2 * x

        x = _leaf(m)
        y = Sq.apply(x)
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        r = [g.requires_grad]
        x2 = _leaf(m)
        (Sq.apply(x2).sum()).backward()
        return r, g, x2.grad
    both(prog)
    both_raise(_once_diff_double, RuntimeError, "trying to differentiate twice a function")


def _once_diff_double(m):
    from torch.autograd.function import once_differentiable as od_t
    from ember.autograd.function import once_differentiable as od_e
    od = od_t if m.__name__ == 'torch' else od_e

    class Sq(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @od
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    x = _leaf(m)
    y = Sq.apply(x)
    seed = m.ones(3, requires_grad=True)
    (g,) = m.autograd.grad(y, x, seed, create_graph=True)
    g.sum().backward()


def test_wrong_number_of_grads_error():
    def prog(m):
        class Bad(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, w):
                return x * w

            @staticmethod
            def backward(ctx, g):
                return g
        Bad.apply(_leaf(m), _leaf(m, 1)).sum().backward()
    both_raise(prog, RuntimeError, "returned an incorrect number of gradients \\(expected 2, got 1\\)")


def test_wrong_grad_shape_error():
    def prog(m):
        class Bad(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return m.ones(5)
        Bad.apply(_leaf(m)).sum().backward()
    both_raise(prog, RuntimeError, "returned an invalid gradient at index 0 - got \\[5\\] but expected "
               "shape compatible with \\[3\\]")


def test_grad_dtype_cast_to_input_dtype():
    def prog(m):
        class D(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return (g * 2).double()
        x = _leaf(m)
        D.apply(x).sum().backward()
        return x.grad
    both(prog)


def test_legacy_call_error():
    class F(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x
    with pytest.raises(RuntimeError, match="Legacy autograd function"):
        F()(ember.ones(1))


def test_function_gradcheck_and_gradgradcheck():
    F = make_fns(ember)
    x = ember.tensor(arr(3, 4, dtype='float64'), requires_grad=True)
    w = ember.tensor(arr(4, 4, dtype='float64'), requires_grad=True)
    assert ember.autograd.gradcheck(F['Cube'].apply, (x,))
    assert ember.autograd.gradgradcheck(F['Cube'].apply, (x,))
    assert ember.autograd.gradcheck(F['MulSetup'].apply, (x, w))
    assert ember.autograd.gradcheck(lambda a: F['TwoOutMat'].apply(a), (x,))


# ------------------------------------------------------------------ the tutorial example
def test_legendre_polynomial3_tutorial():
    """torch's 'Defining new autograd functions' tutorial (with x**3 written as x*x*x)."""
    def prog(m):
        class LegendrePolynomial3(m.autograd.Function):
            @staticmethod
            def forward(ctx, input):
                ctx.save_for_backward(input)
                return 0.5 * (5 * input * input * input - 3 * input)

            @staticmethod
            def backward(ctx, grad_output):
                input, = ctx.saved_tensors
                return grad_output * 1.5 * (5 * input * input - 1)

        dtype = m.float64
        xs = np.linspace(-math.pi, math.pi, 2000)
        x = m.tensor(xs, dtype=dtype)
        y = m.tensor(np.sin(xs), dtype=dtype)
        a = m.full((), 0.0, dtype=dtype, requires_grad=True)
        b = m.full((), -1.0, dtype=dtype, requires_grad=True)
        c = m.full((), 0.0, dtype=dtype, requires_grad=True)
        d = m.full((), 0.3, dtype=dtype, requires_grad=True)
        learning_rate = 5e-6
        losses = []
        for t in range(300):
            P3 = LegendrePolynomial3.apply
            y_pred = a + b * P3(c + d * x)
            diff = y_pred - y
            loss = (diff * diff).sum()
            if t % 100 == 99:
                losses.append(loss.item())
            loss.backward()
            with m.no_grad():
                a -= learning_rate * a.grad
                b -= learning_rate * b.grad
                c -= learning_rate * c.grad
                d -= learning_rate * d.grad
                a.grad = None
                b.grad = None
                c.grad = None
                d.grad = None
        return losses, a.item(), b.item(), c.item(), d.item()
    both(prog, rtol=1e-9, atol=1e-12)


def test_grad_for_non_tensor_input_error():
    def prog(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g, g
        F.apply(_leaf(m), 2.0).sum().backward()
    both_raise(prog, RuntimeError, "returned a gradient different than None at position 2, but the "
               "corresponding forward input was not a Variable")


def test_save_non_tensor_error():
    def prog(m):
        class G(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(3)
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return g
        G.apply(_leaf(m))
    both_raise(prog, TypeError, "save_for_backward can only save variables, but argument 0 is of type int")


def test_bad_grad_type_error():
    def prog(m):
        class H(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return 'a'
        H.apply(_leaf(m)).sum().backward()
    both_raise(prog, RuntimeError, r"expected Variable or None \(got str\)")


def test_int_input_and_saved_output():
    def prog(m):
        class Scale(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, idx):
                y = x * 3
                ctx.save_for_backward(y, idx)
                return y

            @staticmethod
            def backward(ctx, g):
                y, idx = ctx.saved_tensors
                return g * y, None
        x = _leaf(m)
        y = Scale.apply(x, m.tensor([1, 2, 3]))
        r = [y.grad_fn.needs_input_grad]
        y.sum().backward()
        return r, x.grad
    both(prog)
