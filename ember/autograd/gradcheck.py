"""Finite-difference gradient checks (torch.autograd.gradcheck / gradgradcheck).

Slow mode only: the full Jacobian, column by column with central differences, against the
Jacobian assembled from one ``autograd.grad`` per output element. ``fast_mode=True`` is
accepted and runs the same (stricter) full check.
"""
import numpy as np


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when a check fails (a RuntimeError, as in torch)."""


def _as_tuple(x):
    from .._tensor import Tensor
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _is_tensor(x):
    from .._tensor import Tensor
    return isinstance(x, Tensor)


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _diff_outputs(outs):
    return [o for o in outs if _is_tensor(o) and o._data.dtype.kind in 'fc']


def _out_arrays(func, inputs):
    outs = _diff_outputs(_as_tuple(func(*inputs)))
    return [np.array(o._data, dtype=np.complex128 if o._data.dtype.kind == 'c' else np.float64).ravel()
            for o in outs]


def _check_inputs(inputs, idx_list):
    for i in idx_list:
        a = inputs[i]._data
        if a.size > 1 and any(st == 0 and n > 1 for st, n in zip(a.strides, a.shape)):
            raise RuntimeError(f"The {i}th input has a dimension with stride 0. gradcheck only supports "
                               "inputs that are non-overlapping to be able to compute the numerical "
                               "gradients correctly. You should call .contiguous on the input before "
                               "passing it to gradcheck.")
        if not a.flags.writeable:
            raise RuntimeError(f"gradcheck: input {i} is read-only; pass a writeable (contiguous) tensor")


def _numerical_jacobians(func, inputs, i, eps):
    """One (n_in, n_out_j) array per differentiable output j, by central differences.

    Elements are perturbed in place through the input's own (possibly strided) array, so
    non-contiguous inputs work; the function runs with grad mode as the caller left it
    (gradgradcheck's function calls autograd.grad inside)."""
    arr = inputs[i]._data
    n = arr.size
    cols = []
    for k in range(n):
        idx = np.unravel_index(k, arr.shape) if arr.ndim else ()
        orig = arr[idx].copy()
        arr[idx] = orig + eps
        plus = _out_arrays(func, inputs)
        arr[idx] = orig - eps
        minus = _out_arrays(func, inputs)
        arr[idx] = orig
        cols.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    if not cols:
        outs = _out_arrays(func, inputs)
        return [np.zeros((0, o.size)) for o in outs]
    return [np.stack([c[j] for c in cols]) for j in range(len(cols[0]))]


def _analytical_jacobians(func, inputs, idx_list, check_grad_dtypes):
    """{input i: [(n_in, n_out_j) per output j]} from reverse-mode, one seed per element."""
    from . import grad as autograd_grad
    from .._tensor import Tensor
    outs = _diff_outputs(_as_tuple(func(*inputs)))
    jac = {i: [np.zeros((inputs[i]._data.size, o._data.size)) for o in outs] for i in idx_list}
    diff_in = [inputs[i] for i in idx_list]
    for j, o in enumerate(outs):
        if not o._requires_grad:
            continue
        for k in range(o._data.size):
            seed = np.zeros(o._data.shape, o._data.dtype)
            seed.reshape(-1)[k] = 1
            grads = autograd_grad([o], diff_in, [Tensor._make(seed)], retain_graph=True,
                                  allow_unused=True)
            for i, g in zip(idx_list, grads):
                if g is None:
                    continue
                if g._data.shape != inputs[i]._data.shape:
                    raise GradcheckError(f"Gradient for input {i} has shape {list(g.shape)}, "
                                         f"expected {list(inputs[i].shape)}")
                if check_grad_dtypes and g._data.dtype != inputs[i]._data.dtype:
                    raise GradcheckError("Gradient has dtype mismatch")
                jac[i][j][:, k] = g._data.reshape(-1)
    return jac, outs


def _fmt(a):
    from .._tensor import Tensor
    return repr(Tensor._make(np.asarray(a)))


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False, check_forward_ad=False,
              check_backward_ad=True, fast_mode=False, masked=None):
    """Compare backward's gradients with central finite differences (use float64 inputs).

    Returns True, or raises GradcheckError (returns False with ``raise_exception=False``)."""
    for flag, name in ((check_batched_grad, 'check_batched_grad'),
                       (check_batched_forward_grad, 'check_batched_forward_grad'),
                       (check_forward_ad, 'check_forward_ad')):
        if flag:
            raise NotImplementedError(f"ember.autograd.gradcheck: {name}=True is not supported "
                                      "(ember has no forward-mode AD / vmap)")
    if masked:
        raise NotImplementedError("ember.autograd.gradcheck: masked=True is not supported")
    inputs = _as_tuple(inputs)
    idx_list = [i for i, x in enumerate(inputs) if _is_tensor(x) and x._requires_grad]
    if not idx_list:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of them have requires_grad=True.")
    import warnings
    for i in idx_list:
        if inputs[i]._data.dtype not in (np.float64, np.complex128):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point "
                          "or complex. This check will likely fail if all the inputs are not of "
                          "double precision floating point or complex. ")
    _check_inputs(inputs, idx_list)
    if any(inputs[i]._data.dtype.kind == 'c' for i in idx_list):
        raise NotImplementedError("ember.autograd.gradcheck does not support complex inputs yet")
    if not check_backward_ad:
        return True
    analytical, outs = _analytical_jacobians(func, inputs, idx_list, check_grad_dtypes)
    if any(o._data.dtype.kind == 'c' for o in outs):
        raise NotImplementedError("ember.autograd.gradcheck does not support complex outputs yet")
    if nondet_tol >= 0:
        again, _ = _analytical_jacobians(func, inputs, idx_list, False)
        for i in idx_list:
            for a, b in zip(analytical[i], again[i]):
                if not np.all(np.abs(a - b) <= nondet_tol):
                    return _fail("Backward is not reentrant, i.e., running backward with same input "
                                 "and grad_output multiple times gives different values, although "
                                 "analytical gradient matches numerical gradient.The tolerance for "
                                 f"nondeterminism was {nondet_tol}.", raise_exception)
    for i in idx_list:
        numerical = _numerical_jacobians(func, inputs, i, eps)
        for j, (a, num) in enumerate(zip(analytical[i], numerical)):
            if num.shape != a.shape or not np.allclose(a, num, rtol=rtol, atol=atol):
                return _fail(f"Jacobian mismatch for output {j} with respect to input {i},\n"
                             f"numerical:{_fmt(num)}\nanalytical:{_fmt(a)}\n", raise_exception)
    if check_undefined_grad:
        # backward must accept all-zero output gradients and give zero (or no) input gradients
        from . import grad as autograd_grad
        from .._tensor import Tensor
        req = [o for o in outs if o._requires_grad]
        if req:
            zs = [Tensor._make(np.zeros(o._data.shape, o._data.dtype)) for o in req]
            gs = autograd_grad(req, [inputs[i] for i in idx_list], zs, retain_graph=True,
                               allow_unused=True)
            for g in gs:
                if g is not None and np.any(g._data != 0):
                    return _fail("Expected backward function to handle undefined output grads. "
                                 "Please look at \"Notes about undefined output gradients\" in "
                                 "\"tools/autograd/derivatives.yaml\"", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """gradcheck of the map (inputs, grad_outputs) -> d(outputs)/d(inputs) . grad_outputs."""
    from . import grad as autograd_grad
    from .._tensor import Tensor
    if check_fwd_over_rev:
        raise NotImplementedError("ember.autograd.gradgradcheck: check_fwd_over_rev=True is not "
                                  "supported (ember has no forward-mode AD)")
    inputs = _as_tuple(inputs)
    outs = _diff_outputs(_as_tuple(func(*inputs)))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        gos = []
        for o in outs:
            g = rng.standard_normal(o._data.shape).astype(o._data.dtype)
            if gen_non_contig_grad_outputs and g.ndim:
                # same values, strided memory
                big = np.zeros(g.shape + (2,), g.dtype)
                big[..., 0] = g
                g = big[..., 0]
            gos.append(Tensor._make(g).requires_grad_(True))
        grad_outputs = tuple(gos)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    idx_list = [i for i, x in enumerate(inputs) if _is_tensor(x) and x._requires_grad]

    def first_grads(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = [o for o in _diff_outputs(_as_tuple(func(*ins))) if o._requires_grad]
        gs = autograd_grad(outs, [ins[i] for i in idx_list], gos[:len(outs)], create_graph=True,
                           allow_unused=True)
        return tuple(g for g in gs if g is not None)

    if not check_rev_over_rev:
        return True
    return gradcheck(first_grads, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     check_batched_grad=check_batched_grad, fast_mode=fast_mode)
