"""Finite-difference gradient checks (torch.autograd.gradcheck / gradgradcheck)."""
import numpy as np

from .grad_mode import no_grad


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    from .._tensor import Tensor
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _diff_inputs(inputs):
    return [i for i, x in enumerate(inputs) if getattr(x, 'requires_grad', False)]


def _numerical_jacobian(func, inputs, idx, eps):
    """d(flattened outputs)/d(input idx), by central differences; shape (n_in, n_out_total)."""
    x = inputs[idx]
    flat = x._data.reshape(-1)  # a view: we perturb in place
    if not np.shares_memory(flat, x._data):
        raise GradcheckError("gradcheck needs inputs whose memory can be perturbed in place")
    cols = []
    for k in range(flat.size):
        orig = flat[k]
        flat[k] = orig + eps
        with no_grad():
            plus = [o._data.astype(np.complex128 if o.is_complex() else np.float64).ravel().copy()
                    for o in _as_tuple(func(*inputs))]
        flat[k] = orig - eps
        with no_grad():
            minus = [o._data.astype(np.complex128 if o.is_complex() else np.float64).ravel().copy()
                     for o in _as_tuple(func(*inputs))]
        flat[k] = orig
        cols.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
                    if plus else np.zeros(0))
    return np.array(cols).reshape(flat.size, -1)


def _analytical_jacobian(func, inputs, idx_list):
    from . import grad as autograd_grad
    from .._tensor import Tensor
    outs = [o for o in _as_tuple(func(*inputs))]
    sizes = [o.numel() for o in outs]
    total = sum(sizes)
    jac = {i: np.zeros((inputs[i].numel(), total)) for i in idx_list}
    col = 0
    for oi, o in enumerate(outs):
        if not o.requires_grad:
            col += sizes[oi]
            continue
        for k in range(sizes[oi]):
            seed = np.zeros(o.shape, o._data.dtype)
            seed.reshape(-1)[k] = 1
            grads = autograd_grad([o], [inputs[i] for i in idx_list], [Tensor._make(seed)],
                                  retain_graph=True, allow_unused=True)
            for i, g in zip(idx_list, grads):
                if g is not None:
                    if g.shape != inputs[i].shape:
                        raise GradcheckError(f"gradient for input {i} has shape {list(g.shape)}, "
                                             f"expected {list(inputs[i].shape)}")
                    jac[i][:, col + k] = g._data.reshape(-1)
        col += sizes[oi]
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False, check_forward_ad=False,
              check_backward_ad=True, fast_mode=False, masked=None):
    """Compare backward's gradients with central finite differences (use float64 inputs)."""
    inputs = _as_tuple(inputs)
    idx_list = _diff_inputs(inputs)
    if not idx_list:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    for i in idx_list:
        if inputs[i].dtype.name not in ('float64', 'complex128'):
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision "
                          "floating point.")
    analytical = _analytical_jacobian(func, inputs, idx_list)
    for i in idx_list:
        numerical = _numerical_jacobian(func, inputs, i, eps)
        a = analytical[i]
        if numerical.shape != a.shape or not np.allclose(a, numerical, rtol=rtol, atol=atol):
            msg = (f"Jacobian mismatch for output 0 with respect to input {i},\n"
                   f"numerical:{numerical}\nanalytical:{a}\n")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, **kwargs):
    """gradcheck of the map (inputs, grad_outputs) -> d(outputs)/d(inputs) . grad_outputs."""
    from . import grad as autograd_grad
    from .._tensor import Tensor
    inputs = _as_tuple(inputs)
    outs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Tensor._make(rng.standard_normal(o.shape).astype(o._data.dtype))
                             .requires_grad_(True) for o in outs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    idx_list = _diff_inputs(inputs)

    def first_grads(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _as_tuple(func(*ins))
        gs = autograd_grad(outs, [ins[i] for i in idx_list], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
