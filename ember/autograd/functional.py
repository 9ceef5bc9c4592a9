"""torch.autograd.functional: vjp, jvp, jacobian, hessian, vhp, hvp -- built on ``autograd.grad``.

Reverse mode only: ``jvp``/``hvp`` use the double-backward trick (as torch does), jacobians are
assembled row by row. ``vectorize=True`` and forward-mode strategies are not supported.
"""
import numpy as np

from .grad_mode import STATE
from . import function as _function

__all__ = ['vjp', 'jvp', 'jacobian', 'hessian', 'vhp', 'hvp']


def _T():
    return _function._Tensor


def _as_tuple(x, arg_name, fn_name):
    T = _T()
    if isinstance(x, T):
        return False, (x,)
    if not isinstance(x, tuple):
        raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of "
                        f"Tensors but the given {arg_name} has type {type(x)}.")
    for i, el in enumerate(x):
        if not isinstance(el, T):
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of "
                            f"Tensors but the element {i} of the given {arg_name} has type {type(el)}.")
    return True, x


def _tuple_postprocess(res, to_unpack):
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    else:
        if not to_unpack:
            res = res[0]
    return res


def _grad_preprocess(inputs, create_graph, need_graph):
    res = []
    for inp in inputs:
        if create_graph and inp._requires_grad:
            res.append(inp.view(inp.shape))
        else:
            res.append(inp.detach().requires_grad_(need_graph))
    return tuple(res)


def _grad_postprocess(inputs, create_graph):
    if isinstance(inputs[0], tuple):
        return tuple(_grad_postprocess(i, create_graph) for i in inputs)
    if create_graph:
        return inputs
    return tuple(i.detach() if i is not None else None for i in inputs)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.shape} but got {el_v.shape}.")


def _zeros_like(t):
    return _T()._make(np.zeros(t._data.shape, t._data.dtype))


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    from . import grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    new_out, new_go = [], []
    for o, g in zip(outputs, grad_outputs):
        if o is not None and o._requires_grad:
            new_out.append(o)
            new_go.append(g)
    if not new_out:
        return (None,) * len(inputs)
    return grad(new_out, inputs, new_go, allow_unused=True, create_graph=create_graph,
                retain_graph=retain_graph)


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    res = []
    for i, (g, r) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                if stage == 'back':
                    raise RuntimeError("The output of the user-provided function is independent of "
                                       f"input {i}. This is not allowed in strict mode.")
                raise RuntimeError(f"The gradient with respect to input {i} is independent of the "
                                   "inputs of the user-provided function. This is not allowed in "
                                   "strict mode.")
            g = _zeros_like(r)
        res.append(g)
    return tuple(res)


def _check_outputs(outputs, fn_name):
    for i, o in enumerate(outputs):
        if not isinstance(o, _T()):
            raise TypeError(f"The outputs of the user-provided function given to {fn_name} must be "
                            "either a Tensor or a tuple of Tensors but the given outputs of the "
                            f"user-provided function has type {type(o)}.")


def _enable_grad(fn):
    import functools

    @functools.wraps(fn)
    def wrapper(*a, **k):
        prev = STATE.enabled
        STATE.enabled = True
        try:
            return fn(*a, **k)
        finally:
            STATE.enabled = prev
    return wrapper


@_enable_grad
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    inputs = _grad_preprocess(inputs, create_graph, True)
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
    _check_outputs(outputs, 'vjp')
    if v is not None:
        _, v = _as_tuple(v, "v", "vjp")
        _validate_v(v, outputs, is_outputs_tuple)
    else:
        if len(outputs) != 1 or outputs[0]._data.size != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns "
                               "a single Tensor with a single element.")
    grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
    vjp_res = _fill_in_zeros(grad_res, inputs, strict, create_graph, 'back')
    outputs = _grad_postprocess(outputs, create_graph)
    vjp_res = _grad_postprocess(vjp_res, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(vjp_res, is_inputs_tuple))


@_enable_grad
def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v), by the double-backward trick."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    inputs = _grad_preprocess(inputs, create_graph, True)
    if v is not None:
        _, v = _as_tuple(v, "v", "jvp")
        _validate_v(v, inputs, is_inputs_tuple)
    else:
        if len(inputs) != 1 or inputs[0]._data.size != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
    _check_outputs(outputs, 'jvp')
    grad_outputs = tuple(_zeros_like(o).requires_grad_(True) for o in outputs)
    grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
    grad_inputs = _fill_in_zeros(grad_inputs, inputs, strict, create_graph, 'back')
    if create_graph:
        grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph)
    else:
        prev = STATE.enabled
        STATE.enabled = False
        try:
            grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=False)
        finally:
            STATE.enabled = prev
    jvp_res = _fill_in_zeros(grad_res, outputs, strict, create_graph, 'forward')
    outputs = _grad_postprocess(outputs, create_graph)
    jvp_res = _grad_postprocess(jvp_res, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(jvp_res, is_outputs_tuple))


@_enable_grad
def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs: for each output, for each input, a tensor of shape
    output.shape + input.shape."""
    if vectorize:
        raise NotImplementedError("ember.autograd.functional.jacobian: vectorize=True is not supported")
    if strategy != "reverse-mode":
        if strategy == "forward-mode":
            raise NotImplementedError("ember.autograd.functional.jacobian: strategy='forward-mode' is "
                                      "not supported (ember has no forward-mode AD)")
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If '
                         'your function has more outputs than inputs, "forward-mode" tends to be more '
                         'performant. Otherwise, prefer to use "reverse-mode".')
    T = _T()
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    inputs = _grad_preprocess(inputs, create_graph, True)
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
    _check_outputs(outputs, 'jacobian')
    from ..ops.shape import reshape
    jacobian_rows = []
    for i, out in enumerate(outputs):
        rows = [[] for _ in inputs]
        flat = out.reshape(-1)
        n = flat._data.size
        for j in range(n):
            seed = np.zeros(out._data.shape, out._data.dtype)
            seed.reshape(-1)[j] = 1
            vj = _autograd_grad((out,), inputs, (T._make(seed),), retain_graph=True,
                                create_graph=create_graph)
            for el_idx, (vj_el, inp) in enumerate(zip(vj, inputs)):
                if vj_el is not None:
                    if strict and create_graph and not vj_el._requires_grad:
                        raise RuntimeError("The jacobian of the user-provided function is independent "
                                           f"of input {i}. This is not allowed in strict mode when "
                                           "create_graph=True.")
                    rows[el_idx].append(vj_el)
                else:
                    if strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is independent "
                                           f"of input {el_idx}. This is not allowed in strict mode.")
                    rows[el_idx].append(_zeros_like(inp))
        per_in = []
        for el_idx, inp in enumerate(inputs):
            shape = tuple(out._data.shape) + tuple(inp._data.shape)
            if rows[el_idx]:
                stacked = _stack(rows[el_idx])
                per_in.append(reshape(stacked, shape))
            else:
                per_in.append(T._make(np.zeros(shape, inp._data.dtype)))
        jacobian_rows.append(tuple(per_in))
    jac = _grad_postprocess(tuple(jacobian_rows), create_graph)
    return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


def _stack(ts):
    """Stack 0-th dim with ember ops only (reshape + add of placed rows keeps it differentiable)."""
    T = _T()
    if not any(t._requires_grad for t in ts):
        return T._make(np.stack([t._data for t in ts]))
    n = len(ts)
    res = None
    for k, t in enumerate(ts):
        onehot = np.zeros((n,) + (1,) * t._data.ndim, t._data.dtype)
        onehot[k] = 1
        term = t.reshape((1,) + tuple(t._data.shape)) * T._make(onehot)
        res = term if res is None else res + term
    return res


@_enable_grad
def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar function; shape input.shape + input.shape."""
    if vectorize:
        raise NotImplementedError("ember.autograd.functional.hessian: vectorize=True is not supported")
    if outer_jacobian_strategy != "reverse-mode":
        raise NotImplementedError("ember.autograd.functional.hessian: only "
                                  "outer_jacobian_strategy='reverse-mode' is supported")
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_outputs(t_out, 'hessian')
        if is_out_tuple or not isinstance(out, _T()):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out._data.size != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain "
                               "a single element")
        return out.reshape(())

    def jac_func(*inp):
        return jacobian(ensure_single_output_function, inp, create_graph=True)

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


@_enable_grad
def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H)."""
    return _hvp_impl(func, inputs, v, create_graph, strict, 'vhp')


@_enable_grad
def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) -- equals vhp for the symmetric Hessian of a smooth function."""
    return _hvp_impl(func, inputs, v, create_graph, strict, 'hvp')


def _hvp_impl(func, inputs, v, create_graph, strict, name):
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
    inputs = _grad_preprocess(inputs, create_graph, True)
    if v is not None:
        _, v = _as_tuple(v, "v", name)
        _validate_v(v, inputs, is_inputs_tuple)
    else:
        if len(inputs) != 1 or inputs[0]._data.size != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", name)
    _check_outputs(outputs, name)
    if is_outputs_tuple or not isinstance(outputs[0], _T()):
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0]._data.size != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a "
                           "single element")
    jac = _autograd_grad(outputs, inputs, create_graph=True)
    jac = _fill_in_zeros(jac, inputs, strict, create_graph, 'double_back')
    grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
    res = _fill_in_zeros(grad_res, inputs, strict, create_graph, 'double_back_trick')
    outputs = _grad_postprocess(outputs, create_graph)
    res = _grad_postprocess(res, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(res, is_inputs_tuple)
