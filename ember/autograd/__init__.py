"""ember.autograd: the dynamic graph's public API (torch.autograd)."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                        is_grad_enabled, is_inference_mode_enabled)
from .function import Function, InplaceFunction, Node, once_differentiable, FunctionCtx
from .anomaly_mode import detect_anomaly, set_detect_anomaly, is_anomaly_enabled
from . import graph  # noqa: F401
from .gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: F401  (module shadowed by function, as in torch)


def _make_grads(outputs, grad_outputs, is_grads_batched=False):
    from .._tensor import Tensor
    import numpy as np
    out = []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if t._requires_grad and t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not t._data.dtype.kind in 'fc' and t.dtype.name != 'bfloat16':
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {t.dtype}")
            out.append(Tensor._make(np.ones(t._data.shape, t._data.dtype)))
        else:
            if not isinstance(g, Tensor):
                from .. import tensor as _tensor_fn
                g = _tensor_fn(g, dtype=t.dtype)
            if g.shape != t.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                                   f"output[{i}] has a shape of {t.shape}.")
            out.append(g)
    return out


def _tensor_tuple(x):
    from .._tensor import Tensor
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Accumulate into the leaves' ``.grad`` the gradients of ``tensors``."""
    from .engine import run_backward
    tensors = _tensor_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    else:
        from .._tensor import Tensor
        grad_tensors = [grad_tensors] if isinstance(grad_tensors, Tensor) else list(grad_tensors)
    if inputs is not None:
        inputs = _tensor_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    for t in tensors:
        if not t._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` (nothing is accumulated)."""
    from .engine import run_backward
    from .._tensor import Tensor
    if is_grads_batched:
        raise NotImplementedError("ember.autograd.grad: is_grads_batched=True is not supported")
    single_input = isinstance(inputs, Tensor)
    outputs = _tensor_tuple(outputs)
    inputs = _tensor_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    for t in outputs:
        if not t._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(outputs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    captured = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(i)
        if g is None:
            if materialize_grads:
                import numpy as np
                g = Tensor._make(np.zeros(t._data.shape, t._data.dtype))
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in "
                                   "the graph. Set allow_unused=True if this is the desired behavior.")
        result.append(g)
    return tuple(result)


def __getattr__(name):
    if name == 'functional':
        import importlib
        return importlib.import_module('.functional', __name__)
    raise AttributeError(f"module 'ember.autograd' has no attribute '{name}'")
