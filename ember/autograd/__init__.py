"""ember.autograd: the dynamic graph's public API (torch.autograd)."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                        is_grad_enabled, is_inference_mode_enabled)
from .function import Function, InplaceFunction, Node, once_differentiable, FunctionCtx
from .anomaly_mode import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,
                           is_anomaly_check_nan_enabled)
from . import graph  # noqa: F401
from .gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: F401  (module shadowed by function, as in torch)


from . import function as _function
from .engine import run_backward as _run_backward
import numpy as _np


def _make_grads(outputs, grad_outputs, is_grads_batched=False):
    T = _function._Tensor
    out = []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if t._requires_grad and t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if t._data.dtype.kind != 'f' and t.dtype.name != 'bfloat16':
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {t.dtype}")
            out.append(T._make(_np.ones(t._data.shape, t._data.dtype)))
        else:
            if not isinstance(g, T):
                raise TypeError("gradients can be either Tensors or None, but got "
                                f"{type(g).__name__}")
            if g._data.shape != t._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                                   f"output[{i}] has a shape of {t.shape}.")
            if g._data.dtype != t._data.dtype:
                if t.is_complex() != g.is_complex():
                    raise RuntimeError("For complex Tensors, both grad_output and output are required "
                                       "to have the same dtype. Mismatch in dtype: grad_output["
                                       f"{i}] has a dtype of {g.dtype} and output[{i}] has a dtype "
                                       f"of {t.dtype}.")
                g = g.to(t.dtype)
            out.append(g)
    return out


def _tensor_tuple(x):
    if isinstance(x, _function._Tensor):
        return (x,)
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Accumulate into the leaves' ``.grad`` the gradients of ``tensors``."""
    T = _function._Tensor
    tensors = (tensors,) if isinstance(tensors, T) else tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    else:
        grad_tensors = (grad_tensors,) if isinstance(grad_tensors, T) else tuple(grad_tensors)
        if len(grad_tensors) != len(tensors):
            raise RuntimeError(f"got {len(tensors)} tensors and {len(grad_tensors)} gradients")
    if inputs is not None:
        inputs = _tensor_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    for i, t in enumerate(tensors):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    _run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` (nothing is accumulated)."""
    Tensor = _function._Tensor
    if is_grads_batched:
        raise NotImplementedError("ember.autograd.grad: is_grads_batched=True is not supported")
    single_input = isinstance(inputs, Tensor)
    outputs = _tensor_tuple(outputs)
    inputs = _tensor_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    for i, t in enumerate(outputs):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(outputs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    captured = _run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(i)
        if g is None:
            if materialize_grads:
                g = Tensor._make(_np.zeros(t._data.shape, t._data.dtype))
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used "
                                   "in the graph. Set allow_unused=True if this is the desired behavior.")
        result.append(g)
    return tuple(result)


class Variable:
    """Deprecated torch.autograd.Variable: ``Variable(t, requires_grad=False)`` returns ``t``."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, _function._Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            raise NotImplementedError("Variable(volatile=True) was removed: use ember.no_grad()")
        if requires_grad:
            data.requires_grad_(True)
        return data


def __getattr__(name):
    if name == 'functional':
        import importlib
        return importlib.import_module('.functional', __name__)
    raise AttributeError(f"module 'ember.autograd' has no attribute '{name}'")
