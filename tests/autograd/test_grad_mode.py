"""no_grad / enable_grad / set_grad_enabled / inference_mode, side by side with torch."""
import pytest

import ember
from _both import both, both_raise, arr, T


def _leaf(m):
    return T(m, arr(0, 3), True)


def test_no_grad_context_and_nesting():
    def prog(m):
        x = _leaf(m)
        r = [m.is_grad_enabled()]
        with m.no_grad():
            y = x * 2
            r += [m.is_grad_enabled(), y.requires_grad, y.grad_fn is None]
            with m.enable_grad():
                z = x * 2
                r += [m.is_grad_enabled(), z.requires_grad]
                with m.no_grad():
                    r.append(m.is_grad_enabled())
                r.append(m.is_grad_enabled())
            r.append(m.is_grad_enabled())
        r.append(m.is_grad_enabled())
        return r
    both(prog)


def test_decorators_with_and_without_parentheses():
    def prog(m):
        x = _leaf(m)

        @m.no_grad()
        def f1(a):
            return a * 2, m.is_grad_enabled()

        @m.no_grad
        def f2(a):
            return a * 2, m.is_grad_enabled()

        @m.enable_grad()
        def f3(a):
            return a * 2

        @m.enable_grad
        def f4(a):
            return a * 2

        @m.inference_mode()
        def f5(a):
            return (a * 2).requires_grad, m.is_grad_enabled()

        @m.inference_mode
        def f6(a):
            return (a * 2).requires_grad

        @m.set_grad_enabled(False)
        def f7(a):
            return (a * 2).requires_grad

        r = [f1(x)[0].requires_grad, f1(x)[1], f2(x)[0].requires_grad, f2(x)[1], f1.__name__]
        with m.no_grad():
            r += [f3(x).requires_grad, f4(x).requires_grad]
        r += [f5(x), f6(x), f7(x), m.is_grad_enabled()]
        return r
    both(prog)


def test_set_grad_enabled_function_and_context():
    def prog(m):
        x = _leaf(m)
        r = []
        with m.set_grad_enabled(False):
            r += [m.is_grad_enabled(), (x * 2).requires_grad]
        r.append(m.is_grad_enabled())
        m.set_grad_enabled(False)
        r += [m.is_grad_enabled(), (x * 2).requires_grad]
        m.set_grad_enabled(True)
        r += [m.is_grad_enabled(), (x * 2).requires_grad]
        with m.no_grad():
            with m.set_grad_enabled(True):
                r.append((x * 2).requires_grad)
            r.append(m.is_grad_enabled())
        return r
    both(prog)


def test_inference_mode():
    def prog(m):
        x = _leaf(m)
        r = [m.is_inference_mode_enabled()]
        with m.inference_mode():
            r += [m.is_inference_mode_enabled(), m.is_grad_enabled(), (x * 2).requires_grad]
            with m.inference_mode(False):
                r.append(m.is_inference_mode_enabled())
        with m.inference_mode(False):
            r += [m.is_grad_enabled(), (x * 2).requires_grad]
        r.append(m.is_inference_mode_enabled())
        return r
    both(prog)


def test_exception_restores_mode():
    def prog(m):
        try:
            with m.no_grad():
                raise ValueError
        except ValueError:
            pass
        return m.is_grad_enabled()
    both(prog)


def test_no_grad_inplace_on_leaf_allowed():
    def prog(m):
        x = _leaf(m)
        with m.no_grad():
            x.mul_(2)
            x.add_(1)
        r = [x.requires_grad, x.is_leaf, x.grad_fn is None]
        (x * x).sum().backward()
        return r, x.grad, x.detach()
    both(prog)


def test_set_grad_enabled_type_error():
    both_raise(lambda m: m.set_grad_enabled(1), TypeError)


def test_autograd_namespace_aliases():
    assert ember.autograd.no_grad is ember.no_grad
    assert ember.autograd.set_grad_enabled is ember.set_grad_enabled
    assert ember.autograd.grad_mode.no_grad is ember.no_grad


def test_decorated_generator_and_backward_under_no_grad():
    def prog(m):
        @m.no_grad()
        def gen():
            for _ in range(2):
                yield m.is_grad_enabled()
        r = []
        for v in gen():
            r += [v, m.is_grad_enabled()]
        x = _leaf(m)
        y = (x * x).sum()
        with m.no_grad():
            y.backward()
        return r, x.grad
    both(prog)
