"""The backward engine and the graph API, side by side with torch."""
import gc
import weakref

import numpy as np
import pytest

import ember
from _both import both, both_raise, arr, T


def _leaf(m, seed=0, *shape, dtype='float32'):
    return T(m, arr(seed, *(shape or (3,)), dtype=dtype), True)


# ------------------------------------------------------------------ graph structure
def test_grad_fn_names_and_next_functions():
    def prog(m):
        x = _leaf(m, 0, 2, 3)
        c = T(m, arr(1, 2, 3))
        y = x * c
        z = y + x
        w = (z / 2).sum()
        nf = y.grad_fn.next_functions
        out = [y.grad_fn.name(), z.grad_fn.name(), w.grad_fn.name(),
               nf[0][0].name(), nf[0][1], nf[1], nf[0][0].variable is x,
               z.grad_fn.next_functions[0][0] is y.grad_fn, z.grad_fn.next_functions[0][1],
               x.is_leaf, y.is_leaf, c.is_leaf, x.grad_fn is None, y.requires_grad, c.requires_grad,
               w.grad_fn.next_functions[0][0].name()]
        return out
    both(prog)


def test_next_functions_multi_output_nr():
    class Split(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1, x * 2
        @staticmethod
        def backward(ctx, a, b):
            return a + b * 2
    x = ember.ones(2, requires_grad=True)
    a, b = Split.apply(x)
    c = a + b
    assert [n[1] for n in c.grad_fn.next_functions] == [0, 1]
    assert c.grad_fn.next_functions[0][0] is a.grad_fn is b.grad_fn
    assert (a.output_nr, b.output_nr) == (0, 1)


def test_requires_grad_flags():
    def prog(m):
        x = T(m, [1., 2.])
        r = [x.requires_grad]
        x.requires_grad_()
        r.append(x.requires_grad)
        x.requires_grad_(False)
        r.append(x.requires_grad)
        x.requires_grad = True
        y = x * 2
        r += [y.requires_grad, y.is_leaf, y.detach().requires_grad, y.detach().is_leaf]
        return r
    both(prog)
    both_raise(lambda m: T(m, [1, 2]).requires_grad_(), RuntimeError,
               "only Tensors of floating point")
    both_raise(lambda m: (_leaf(m) * 2).requires_grad_(False), RuntimeError,
               "you can only change requires_grad flags of leaf variables")


# ------------------------------------------------------------------ backward / grad
def test_leaf_used_twice_and_diamond():
    def prog(m):
        x = _leaf(m, 0, 4)
        a = x * 3
        b = x * x
        c = a * b + a / (b + 2)
        c.sum().backward()
        return x.grad
    both(prog)


def test_multiple_roots_and_accumulation_across_calls():
    def prog(m):
        x = _leaf(m, 0, 3)
        w = _leaf(m, 1, 3)
        y1 = (x * w).sum()
        y2 = (x - w).mean()
        m.autograd.backward([y1, y2])
        g1 = x.grad.clone(), w.grad.clone()
        (x * x).sum().backward()
        return g1, x.grad, w.grad
    both(prog)


def test_backward_with_gradient_and_inputs():
    def prog(m):
        x = _leaf(m, 0, 2, 3)
        w = _leaf(m, 1, 3)
        y = x * w
        y.backward(T(m, arr(2, 2, 3)), inputs=[w])
        return x.grad, w.grad
    both(prog)


def test_backward_inputs_nonleaf():
    def prog(m):
        x = _leaf(m, 0, 3)
        h = x * 2
        y = (h * h).sum()
        y.backward(inputs=[h])
        return x.grad, h.grad
    both(prog)


def test_autograd_grad_basic_and_nonleaf_input():
    def prog(m):
        x = _leaf(m, 0, 3)
        h = x * x
        y = (h * 3 + x).sum()
        gx, gh = m.autograd.grad(y, [x, h], retain_graph=True)
        (gx2,) = m.autograd.grad([y], x, grad_outputs=T(m, 2.0))
        return gx, gh, gx2, x.grad
    both(prog)


def test_grad_allow_unused_and_materialize():
    def prog(m):
        x = _leaf(m, 0, 3)
        z = _leaf(m, 1, 2)
        y = (x * 2).sum()
        r1 = m.autograd.grad(y, [x, z], retain_graph=True, allow_unused=True)
        r2 = m.autograd.grad(y, [x, z], materialize_grads=True)
        return r1, r2
    both(prog)
    both_raise(lambda m: m.autograd.grad((_leaf(m) * 2).sum(), [_leaf(m)]), RuntimeError,
               "appears to not have been used in the graph")


def test_grad_of_non_grad_input_error():
    both_raise(lambda m: m.autograd.grad((_leaf(m) * 2).sum(), [T(m, [1.])]), RuntimeError,
               "does not require grad")


def test_backward_non_requiring_error():
    both_raise(lambda m: (T(m, [1., 2.]) * 2).sum().backward(), RuntimeError,
               "element 0 of tensors does not require grad and does not have a grad_fn")


def test_nonscalar_backward_error():
    both_raise(lambda m: (_leaf(m) * 2).backward(), RuntimeError,
               "grad can be implicitly created only for scalar outputs")


def test_gradient_shape_mismatch_error():
    both_raise(lambda m: (_leaf(m) * 2).backward(T(m, [1., 2.])), RuntimeError, "Mismatch in shape")


def test_backward_twice_error_and_retain_graph():
    def twice(m):
        y = (_leaf(m) * _leaf(m, 1)).sum()
        y.backward()
        y.backward()
    both_raise(twice, RuntimeError, "Trying to backward through the graph a second time")

    def retained(m):
        x = _leaf(m)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        g1 = x.grad.clone()
        y.backward()
        return g1, x.grad
    both(retained)


def test_higher_order_cube():
    def prog(m):
        x = _leaf(m, 0, 4, dtype='float64')
        y = x * x * x
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x, create_graph=True)
        (ggg,) = m.autograd.grad(gg.sum(), x)
        return g, gg, ggg, g.requires_grad, gg.grad_fn is not None
    both(prog)


def test_higher_order_div_mul_backward_create_graph():
    def prog(m):
        x = _leaf(m, 0, 3, dtype='float64')
        w = _leaf(m, 1, 3, dtype='float64')
        y = (x * w / (w * w + 1)).sum()
        y.backward(create_graph=True)
        gx = x.grad
        r = [gx.clone().detach(), gx.requires_grad]
        x.grad = None
        w.grad = None
        (gx * gx).sum().backward()
        return r, x.grad, w.grad
    both(prog)


def test_data_dependent_control_flow_weight_reuse():
    def prog(m):
        w = T(m, [[0.5, -0.2], [0.1, 0.9]], True)
        h = T(m, [1.0, 2.0])
        steps = 0
        while (h * h).sum().item() < 50 and steps < 20:
            h = (h.reshape(1, 2) * w).sum(1) * 1.7 + h
            steps += 1
        h.sum().backward()
        return steps, w.grad
    both(prog)


# ------------------------------------------------------------------ hooks
def test_tensor_hooks_leaf_and_nonleaf():
    def prog(m):
        calls = []
        x = _leaf(m, 0, 3)
        y = x * 2
        h1 = y.register_hook(lambda g: calls.append(('y1', g.clone())) or g * 10)
        y.register_hook(lambda g: calls.append(('y2', g.clone())))
        x.register_hook(lambda g: calls.append(('x', g.clone())))
        h4 = x.register_hook(lambda g: g + 1)
        (y * y).sum().backward(retain_graph=True)
        g1 = x.grad.clone()
        h1.remove()
        h4.remove()
        x.grad = None
        (y * y).sum().backward()
        return calls, g1, x.grad
    both(prog)


def test_hook_on_non_requiring_error():
    both_raise(lambda m: T(m, [1.]).register_hook(lambda g: g), RuntimeError,
               "cannot register a hook on a tensor that doesn't require gradient")


def test_retain_grad():
    def prog(m):
        x = _leaf(m, 0, 3)
        y = x * 3
        z = y * y
        r = [y.retains_grad, x.retains_grad]
        y.retain_grad()
        r.append(y.retains_grad)
        z.sum().backward(retain_graph=True)
        g1 = y.grad.clone()
        z.sum().backward()
        return r, g1, y.grad, z.grad
    both(prog)


def test_post_accumulate_grad_hook():
    def prog(m):
        seen = []
        x = _leaf(m, 0, 3)
        x.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.clone()))
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        return seen
    both(prog)
    both_raise(lambda m: (_leaf(m) * 2).register_post_accumulate_grad_hook(lambda p: None),
               RuntimeError, "post accumulate grad hooks cannot be registered on non-leaf tensors")


def test_node_hooks():
    def prog(m):
        log = []
        x = _leaf(m, 0, 3)
        w = _leaf(m, 1, 3)
        y = x * w
        y.grad_fn.register_prehook(lambda go: log.append(('pre', go[0].clone())) or (go[0] * 2,))
        h = y.grad_fn.register_hook(lambda gi, go: log.append(('post', gi[0].clone(), go[0].clone())))
        y.sum().backward(retain_graph=True)
        h.remove()
        y.sum().backward()
        return log, x.grad
    both(prog)


# ------------------------------------------------------------------ engine mechanics
def test_deep_chain_100k():
    x = ember.ones(1, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.item() == 1.0


def test_saved_tensors_freed_after_backward():
    x = ember.ones(3, requires_grad=True)
    h = x * 2
    y = h * h
    node = y.grad_fn
    assert node._saved
    y.sum().backward()
    assert node._saved is None
    # the intermediate is only referenced through the graph: gone once freed
    tmp = (x * 3)
    r = weakref.ref(tmp)
    z = tmp * tmp
    del tmp
    gc.collect()
    assert r() is not None  # kept alive by z's saved tensors
    z.sum().backward()
    gc.collect()
    assert r() is None
    with pytest.raises(RuntimeError, match="saved tensors after they have already been freed"):
        z.grad_fn.saved_tensors


def test_retain_graph_keeps_saved():
    x = ember.ones(3, requires_grad=True)
    y = x * x
    y.sum().backward(retain_graph=True)
    assert y.grad_fn._saved
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4.0)


def test_pruning_unrelated_branch_not_run():
    calls = []

    class Count(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            return g

    x = ember.ones(3, requires_grad=True)
    w = ember.ones(3, requires_grad=True)
    y = (x * 2 + Count.apply(w)).sum()
    (g,) = ember.autograd.grad(y, [x], retain_graph=True)
    np.testing.assert_allclose(g.numpy(), 2.0)
    assert calls == []
    y.backward(inputs=[x], retain_graph=True)
    assert calls == [] and w.grad is None
    y.backward()
    assert calls == [1]


def test_saved_tensor_version_check_in_engine():
    def prog(m):
        x = _leaf(m, 0, 3)
        h = x * 1
        y = h * h
        h.add_(1)
        y.sum().backward()
    both_raise(prog, RuntimeError,
               "one of the variables needed for gradient computation has been modified by an inplace operation")


def test_float64_gradcheck_engine_graph():
    from oracle import gradcheck
    gradcheck(lambda x, w: ((x * w) / (w * w + 1) - x * x).sum(1), [arr(0, 2, 3), arr(1, 3)])


def test_accumulate_grad_identity_and_node_call():
    def prog(m):
        x = _leaf(m, 0, 2)
        w = _leaf(m, 1, 2)
        a = (x * 2).grad_fn.next_functions[0][0]
        b = (x * 3).grad_fn.next_functions[0][0]
        y = x * w
        gi = y.grad_fn(T(m, [1.0, 2.0]))
        log = []
        a.register_prehook(lambda go: log.append(('pre', go[0].clone())))
        (x * 2).sum().backward()
        return a is b, a.variable is x, a.next_functions, gi, log
    both(prog)


# ------------------------------------------------------------------ oracle sweep of the engine
from oracle import check, gradcheck as ogradcheck, rand  # noqa: E402

GRAPHS = [
    ('diamond', lambda m, x, y: (x * y) * (x + y) - x / (y * y + 2)),
    ('reuse', lambda m, x, y: x * x * x + x * y),
    ('views', lambda m, x, y: (x.t() * y.t()).t() + x.reshape(-1).reshape(x.shape)),
    ('mean-sum', lambda m, x, y: (x * y).sum(0) + (x - y).mean(0)),
    ('two-out', lambda m, x, y: (x * y, (x - y).neg())),
]
SHAPES = {'2x3': ((2, 3), (2, 3)), 'bcast': ((2, 3), (3,)), '0d': ((), ()), 'empty': ((0, 3), (0, 3)),
          'bcast0d': ((2, 3), ())}


@pytest.mark.parametrize('name,fn', GRAPHS, ids=[g[0] for g in GRAPHS])
@pytest.mark.parametrize('shapes', list(SHAPES), ids=list(SHAPES))
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_oracle_graphs(name, fn, shapes, dtype):
    sa, sb = SHAPES[shapes]
    if name in ('views', 'mean-sum') and (len(sa) != 2 or sb != sa):
        sb = sa
        if len(sa) != 2:
            check(lambda m, x, y: x * y + x, [rand(*sa, dtype=dtype, seed=1), rand(*sb, dtype=dtype, seed=2)])
            return
    check(fn, [rand(*sa, dtype=dtype, seed=1), rand(*sb, dtype=dtype, seed=2)])


@pytest.mark.parametrize('name,fn', GRAPHS, ids=[g[0] for g in GRAPHS])
def test_gradcheck_graphs(name, fn):
    ogradcheck(lambda x, y: fn(ember, x, y), [rand(2, 3, seed=1), rand(2, 3, seed=2)])


def test_roots_where_one_is_ancestor_of_another():
    def prog(m):
        x = _leaf(m, 0, 3)
        y = x * 2
        z = y * y
        g = m.autograd.grad([y, z], x, [T(m, arr(1, 3)), T(m, arr(2, 3))], retain_graph=True)
        m.autograd.backward([z.sum(), y.sum()])
        return g, x.grad
    both(prog)


def test_saved_tensors_hooks():
    def prog(m):
        packed = []

        def pack(t):
            packed.append(tuple(t.shape))
            return t.detach().clone()

        def unpack(t):
            return t * 2
        x = _leaf(m, 0, 3)
        with m.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = x * x
        y.sum().backward()
        return packed, x.grad
    both(prog)

    def disabled(m):
        with m.autograd.graph.disable_saved_tensors_hooks("no saving here"):
            _leaf(m) * _leaf(m, 1)  # saving itself is fine
            with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    both_raise(disabled, RuntimeError, "no saving here")


def test_intermediate_arrays_released_after_backward():
    x = ember.ones(1000, requires_grad=True)
    w = ember.full((1000,), 1.01, requires_grad=True)   # w needs grad, so each y is saved
    y = x
    refs = []
    for _ in range(50):
        y = y * w
        refs.append(weakref.ref(y._data))
    out = y.sum()
    del y
    gc.collect()
    alive = sum(r() is not None for r in refs)
    assert alive == 49                          # all but the last: saved for backward
    out.backward()
    gc.collect()
    alive = [i for i, r in enumerate(refs) if r() is not None]
    assert alive == []                          # freed with the saved tensors
    np.testing.assert_allclose(x.grad.numpy(), 1.01 ** 50, rtol=1e-5)


def test_deep_chain_retain_graph_and_grad():
    x = ember.ones(1, requires_grad=True)
    y = x
    for _ in range(5_000):
        y = y * 1.0 + 0.0
    (g,) = ember.autograd.grad(y.sum(), x, retain_graph=True)
    assert g.item() == 1.0
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    assert x.grad.item() == 2.0


def test_hooks_and_captured_grads():
    def prog(m):
        x = _leaf(m, 0, 2)
        x.register_hook(lambda g: g * 10)
        y = x * 2
        h = y * 1
        y.register_hook(lambda g: g * 100)
        r1 = m.autograd.grad(h.sum(), [x, y], retain_graph=True)
        seen = []
        x.register_post_accumulate_grad_hook(lambda t: seen.append(1))
        r2 = m.autograd.grad((x * 2).sum(), [x])
        h.sum().backward(inputs=[y])
        return r1, r2, seen, y.grad, x.grad
    both(prog)


def test_leaf_hook_sees_summed_grad_once():
    def prog(m):
        calls = []
        x = _leaf(m, 0, 3)
        x.register_hook(lambda g: calls.append(g.clone()))
        post = []
        x.register_post_accumulate_grad_hook(lambda t: post.append(t.grad.clone()))
        (x * x + x * 3).sum().backward()
        r = m.autograd.grad((x * x).sum(), x)
        return calls, post, x.grad, r
    both(prog)


def test_grad_layout_follows_noncontiguous_leaf():
    def prog(m):
        x = T(m, arr(0, 3, 2)).t().requires_grad_()
        (x * T(m, arr(1, 2, 3))).sum().backward()
        return x.grad, x.grad.stride(), x.is_leaf
    both(prog)


def test_second_backward_without_saved_tensors_is_fine():
    def prog(m):
        x = _leaf(m, 0, 3)
        y = (x + 2).sum()
        y.backward()
        y.backward()
        return x.grad
    both(prog)
