"""Flatten parameters into one vector and back (torch.nn.utils.convert_parameters)."""
from ..._tensor import Tensor

__all__ = ['parameters_to_vector', 'vector_to_parameters']


def _typename(obj):
    from ..modules.module import _typename as tn
    return tn(obj)


def parameters_to_vector(parameters):
    """One 1-D tensor: the parameters flattened and concatenated (differentiable)."""
    from ...ops.shape import cat
    vec = [param.view(-1) for param in parameters]
    return cat(vec)


def vector_to_parameters(vec, parameters):
    """Slice ``vec`` into the parameters' shapes and make it their ``.data``."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    pointer = 0
    for param in parameters:
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param
