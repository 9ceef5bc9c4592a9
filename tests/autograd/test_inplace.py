"""In-place semantics: version counter, saved-tensor checks, leaf rules, history rebase, views."""
import numpy as np
import pytest

import ember
from _both import both, both_raise, arr, T, ver


def _leaf(m, seed=0, *shape, dtype='float32'):
    return T(m, arr(seed, *(shape or (2, 3)), dtype=dtype), True)


def test_version_counter_shared_by_views_and_detach():
    def prog(m):
        x = T(m, arr(0, 2, 3))
        v = x.view(-1)
        t = x.t()
        d = x.detach()
        r = [ver(x)]
        x.add_(1)
        r += [ver(x), ver(v), ver(t), ver(d)]
        v.mul_(2)
        r += [ver(x), ver(t)]
        d.sub_(1)
        r += [ver(x), ver(v)]
        x.neg_()
        x.div_(2)
        r.append(ver(t))
        y = x * 1
        r.append(ver(y))
        return r, x
    both(prog)


def test_saved_tensor_modified_error():
    def prog(m):
        x = _leaf(m)
        h = x * 2
        y = h * h
        h.mul_(2)
        y.sum().backward()
    both_raise(prog, RuntimeError, "one of the variables needed for gradient computation has been "
               r"modified by an inplace operation: \[\w+\.FloatTensor \[2, 3\]\], which is output 0 of "
               r"Mul, is at version 1; expected version 0 instead")


def test_saved_output_modified_error():
    def prog(m):
        x = _leaf(m)
        h = x * 1
        y = Exp.make(m).apply(h)  # saves its output
        y.add_(1)
        y.sum().backward()
    both_raise(prog, RuntimeError, "modified by an inplace operation")


def test_saved_leaf_modified_under_no_grad_error():
    def prog(m):
        x = _leaf(m)
        y = x * x
        with m.no_grad():
            x.add_(1)
        y.sum().backward()
    both_raise(prog, RuntimeError, r"modified by an inplace operation: \[\w+\.FloatTensor \[2, 3\]\] is at "
               "version 1; expected version 0 instead")


def test_inplace_on_leaf_requiring_grad_error():
    both_raise(lambda m: _leaf(m).mul_(2), RuntimeError,
               "a leaf Variable that requires grad is being used in an in-place operation.")
    both_raise(lambda m: _leaf(m).view(-1).mul_(2), RuntimeError,
               "a view of a leaf Variable that requires grad is being used in an in-place operation.")


def test_inplace_nonleaf_rebase():
    def prog(m):
        x = _leaf(m)
        y = x * 2
        y.mul_(3)
        r = [y.grad_fn.name(), y.is_leaf, y.requires_grad]
        y.sum().backward()
        return r, x.grad, y
    both(prog)


def test_inplace_add_requiring_other():
    def prog(m):
        x = _leaf(m)
        w = _leaf(m, 1, 3)
        y = x * 1
        y.add_(w)        # broadcasting other operand
        y.mul_(w)
        y.sub_(w, alpha=2)
        y.div_(w + 3)
        (y * y).sum().backward()
        return x.grad, w.grad, y, y.grad_fn.name()
    both(prog)


def test_inplace_on_tensor_not_requiring_grad_with_requiring_other():
    def prog(m):
        a = T(m, arr(2, 2, 3))
        w = _leaf(m, 1, 3)
        a.mul_(w)
        r = [a.requires_grad, a.is_leaf, a.grad_fn.name()]
        a.sum().backward()
        return r, w.grad
    both(prog)


def test_inplace_on_saved_input_of_add_is_fine():
    def prog(m):
        x = _leaf(m)
        h = x * 1
        y = h + 2        # add saves nothing
        h.mul_(5)
        (y + h).sum().backward()
        return x.grad
    both(prog)


@pytest.mark.parametrize('view', ['t', 'view', 'transpose', 'permute', 'reshape'])
def test_inplace_on_view_of_nonleaf_copyslices(view):
    def prog(m):
        x = _leaf(m, 0, 2, 3)
        w = _leaf(m, 1, 3, 2)
        y = x * 1
        v = {'t': lambda: y.t(), 'view': lambda: y.view(3, 2), 'transpose': lambda: y.transpose(0, 1),
             'permute': lambda: y.permute(1, 0), 'reshape': lambda: y.reshape(3, 2)}[view]()
        v.mul_(w)
        v.add_(2)
        r = [y.grad_fn.name(), v.grad_fn.name(), v._base is y, v.is_leaf]
        (y * y).sum().backward()
        return r, x.grad, w.grad, y, v
    both(prog)


def test_inplace_view_then_use_view_grad():
    def prog(m):
        x = _leaf(m, 0, 2, 3)
        y = x * 2
        v = y.view(-1)
        v.mul_(3)
        (v * v).sum().backward(retain_graph=True)
        g1 = x.grad.clone()
        x.grad = None
        y.sum().backward()
        return g1, x.grad, v.grad_fn.name()
    both(prog)


def test_inplace_view_of_base_not_requiring_grad():
    def prog(m):
        y = T(m, arr(0, 2, 3))
        w = _leaf(m, 1, 3, 2)
        v = y.t()
        v.mul_(w)
        r = [y.requires_grad, y.grad_fn.name(), v.grad_fn.name()]
        (y * 2).sum().backward()
        return r, w.grad
    both(prog)


def test_cast_error_int_add_float():
    def prog(m):
        a = m.tensor([1, 2, 3])
        a.add_(m.tensor([0.5, 0.5, 0.5], dtype=m.float32))
    both_raise(prog, RuntimeError, "result type Float can't be cast to the desired output type Long")
    both_raise(lambda m: m.tensor([1, 2]).mul_(1.5), RuntimeError,
               "result type Float can't be cast to the desired output type Long")


def test_inplace_broadcast_shape_error():
    both_raise(lambda m: T(m, arr(0, 3)).add_(T(m, arr(1, 2, 3))), RuntimeError,
               r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]")


def test_inplace_dtype_keep():
    def prog(m):
        a = T(m, arr(0, 2, 3))
        a.add_(T(m, arr(1, 3, dtype='float64')))
        b = m.tensor([1, 2, 3])
        b.add_(2)
        b.mul_(m.tensor([2, 2, 2], dtype=m.int32))
        return a, b
    both(prog)


def test_inplace_returns_self_and_iops():
    def prog(m):
        x = _leaf(m)
        y = x * 1
        z = y
        y += 1
        y *= 2
        y -= x
        y /= 4
        r = [y is z, y.add_(0) is y]
        y.sum().backward()
        return r, x.grad
    both(prog)


def test_out_argument():
    def prog(m):
        a, b = T(m, arr(0, 2, 3)), T(m, arr(1, 3))
        out = m.empty(2, 3)
        r = m.add(a, b, out=out)
        r2 = m.mul(a, b, out=m.empty(2, 3, dtype=m.float64))
        return r is out, out, r2
    both(prog)
    both_raise(lambda m: m.add(T(m, arr(0, 3)), T(m, arr(0, 3)), out=m.empty(3, dtype=m.int64)),
               RuntimeError, "result type Float can't be cast to the desired output type Long")
    both_raise(lambda m: m.mul(_leaf(m), 2.0, out=m.empty(2, 3)), RuntimeError,
               "don't support automatic differentiation, but one of the arguments requires grad")


def test_nonleaf_inplace_double_backward():
    def prog(m):
        x = _leaf(m, 0, 3, dtype='float64')
        y = x * x
        y.mul_(x)
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        return g, gg
    both(prog)


def test_inplace_gradcheck():
    from oracle import gradcheck

    def f(x, w):
        y = x * 1
        y.t().mul_(w.t())
        y.add_(w)
        return y * y
    gradcheck(f, [arr(0, 2, 3), arr(1, 2, 3)])


class Exp:
    @staticmethod
    def make(m):
        class ExpF(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                r = m.tensor(np.exp(x.detach().numpy()))
                ctx.save_for_backward(r)
                return r

            @staticmethod
            def backward(ctx, g):
                (r,) = ctx.saved_tensors
                return g * r
        return ExpF


def test_existing_views_see_base_inplace():
    def prog(m):
        x = _leaf(m, 0, 2, 3)
        y = x * 1
        v = y.t()
        e = y.expand(2, 2, 3)
        f = y.view(-1)
        y.mul_(2)
        r = [v.grad_fn.name(), e.grad_fn.name(), f.grad_fn.name()]
        (v.sum() + (e * e).sum() + f.sum()).backward()
        return r, x.grad
    both(prog)


def test_sibling_view_sees_inplace_through_other_view():
    def prog(m):
        x = _leaf(m, 0, 2, 3)
        w = _leaf(m, 1, 3, 2)
        y = x * 1
        a = y.view(-1)
        b = y.t()
        b.mul_(w)
        r = [a.grad_fn.name(), y.grad_fn.name()]
        (a * a).sum().backward()
        return r, x.grad, w.grad
    both(prog)


def test_inplace_on_expanded_view_error():
    both_raise(lambda m: (T(m, arr(0, 3)) * 1).expand(2, 3).mul_(2), RuntimeError,
               "more than one element of the written-to tensor refers to a single memory location")


# ------------------------------------------------------------------ oracle sweep of in-place ops
from oracle import check, check_error, gradcheck as ogradcheck, rand  # noqa: E402

INPLACE = [
    ('add_', lambda y, w: y.add_(w)),
    ('add_alpha', lambda y, w: y.add_(w, alpha=2)),
    ('sub_', lambda y, w: y.sub_(w)),
    ('mul_', lambda y, w: y.mul_(w)),
    ('div_', lambda y, w: y.div_(w * w + 1)),
    ('neg_', lambda y, w: y.neg_()),
    ('iadd', lambda y, w: y.__iadd__(w)),
    ('imul_scalar', lambda y, w: y.__imul__(2.5)),
]
LAYOUTS = {
    'same': ((2, 3), (2, 3), lambda y: y),
    'bcast': ((2, 3), (3,), lambda y: y),
    '0d': ((), (), lambda y: y),
    'empty': ((0, 3), (3,), lambda y: y),
    'tview': ((3, 2), (3,), lambda y: y.t()),        # in-place on a non-contiguous view
    'view': ((2, 3), (6,), lambda y: y.view(-1)),
}


@pytest.mark.parametrize('name,op', INPLACE, ids=[i[0] for i in INPLACE])
@pytest.mark.parametrize('layout', list(LAYOUTS), ids=list(LAYOUTS))
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_oracle_inplace(name, op, layout, dtype):
    sx, sw, pick = LAYOUTS[layout]

    def fn(m, x, w):
        y = x * 1
        v = pick(y)
        r = op(v, w)
        return r, y * y
    check(fn, [rand(*sx, dtype=dtype, seed=1), rand(*sw, dtype=dtype, seed=2)])


@pytest.mark.parametrize('name,op', INPLACE, ids=[i[0] for i in INPLACE])
def test_gradcheck_inplace(name, op):
    def fn(x, w):
        y = x * 1
        op(y.t(), w.t())
        return y * x
    ogradcheck(fn, [rand(2, 3, seed=1), rand(2, 3, seed=2)])


@pytest.mark.parametrize('name,op', INPLACE[:5], ids=[i[0] for i in INPLACE[:5]])
def test_inplace_errors(name, op):
    check_error(lambda m, x, w: op(x * 1, w), [rand(3, dtype=np.float32), rand(2, 3, dtype=np.float32)])
    check_error(lambda m, x, w: op(x.requires_grad_(), w), [rand(3), rand(3)])


def test_copyslices_repr():
    def prog(m):
        y = T(m, arr(0, 3), True) * 1
        y.view(-1).mul_(2)
        return repr(y.grad_fn).split(' object')[0], y.grad_fn.name()
    both(prog)


def test_inplace_with_self_as_other():
    def prog(m):
        x = _leaf(m, 0, 2, 3, dtype='float64')
        z = x * 1
        z.add_(z + 2)       # add saves nothing: fine
        z.add_(z)
        (z * 2).sum().backward()
        return x.grad, z
    both(prog)

    def self_other(m):
        y = _leaf(m, 0, 3) * 1
        y.mul_(y)           # other (= y) is saved, then modified
        y.sum().backward()
    both_raise(self_other, RuntimeError, "modified by an inplace operation")

    def saved_then_modified(m):
        z = _leaf(m, 0, 3) * 1
        z.div_(z * z + 1)   # z * z saved z before div_ modified it
        z.sum().backward()
    both_raise(saved_then_modified, RuntimeError, "modified by an inplace operation")
