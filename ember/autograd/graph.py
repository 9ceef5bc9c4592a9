"""ember.autograd.graph: the Node type, saved-tensor hooks and graph helpers (torch.autograd.graph)."""
from .function import Node, SAVED_HOOKS  # noqa: F401

__all__ = ['Node', 'saved_tensors_hooks', 'save_on_cpu', 'disable_saved_tensors_hooks',
           'increment_version', 'GradientEdge', 'get_gradient_edge']


class saved_tensors_hooks:
    """Within this context, tensors saved for backward go through ``pack_hook(tensor)``; backward
    gets ``unpack_hook(packed)`` back."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _DISABLED:
            raise RuntimeError(_DISABLED[-1])
        SAVED_HOOKS.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc):
        SAVED_HOOKS.pop()


class save_on_cpu(saved_tensors_hooks):
    """ember tensors always live on the CPU: saved tensors are kept as they are."""

    def __init__(self, pin_memory=False, device_type='cuda'):
        super().__init__(lambda t: t, lambda t: t)


_DISABLED = []


class disable_saved_tensors_hooks:
    """Within this context, entering ``saved_tensors_hooks`` raises ``RuntimeError(error_message)``."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        _DISABLED.append(self.error_message)

    def __exit__(self, *exc):
        _DISABLED.pop()


def increment_version(tensor):
    """Bump the version counter of ``tensor`` (or of each tensor of an iterable)."""
    from .function import _Tensor
    ts = (tensor,) if isinstance(tensor, _Tensor) else tensor
    for t in ts:
        t._vc[0] += 1


class GradientEdge(tuple):
    """(node, output_nr): where a tensor's gradient flows in the graph."""

    def __new__(cls, node, output_nr):
        return tuple.__new__(cls, (node, output_nr))

    @property
    def node(self):
        return self[0]

    @property
    def output_nr(self):
        return self[1]


def get_gradient_edge(tensor):
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does not "
                           "require gradients")
    if tensor.grad_fn is None:
        from .function import AccumulateGrad
        return GradientEdge(AccumulateGrad._for(tensor), 0)
    return GradientEdge(tensor.grad_fn, tensor.output_nr)
