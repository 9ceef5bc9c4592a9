"""Module full backward hooks (``register_full_backward_hook`` / ``..._pre_hook``).

How it works: around one module call, the tensor inputs and the tensor outputs are each
passed through an identity autograd Function (``_Tap``). Backward then visits

  1. the output tap: its incoming gradients are the module's ``grad_output``; the
     backward pre-hooks run here and may replace them;
  2. (the module's own graph)
  3. the input tap: its computed gradients are the module's ``grad_input``; the
     backward hooks ``hook(module, grad_input, grad_output)`` run here.

Positions that hold no tensor show up as ``None`` in the tuples given to the hooks.
"""
import warnings

from ..._tensor import Tensor
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled

_NO_INPUT_GRAD_WARNING = (
    "Full backward hook is firing when gradients are computed with respect to module outputs since "
    "no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
    "#torch.nn.Module.register_full_backward_hook for more details.")


class _Tap(Function):
    """Identity on any number of tensors; it exists only to give backward a node to hook."""

    @staticmethod
    def forward(ctx, *tensors):
        # Hooks must see None for an output that received no gradient, so the engine must
        # not fill those in; backward fills them itself (grad_input then shows zeros).
        ctx.set_materialize_grads(False)
        ctx.mark_non_differentiable(*(t for t in tensors if not t.requires_grad))
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return tuple(ctx._zeros_for_output(i) if g is None else g for i, g in enumerate(grads))


def _spread(slots, values, size):
    """Values that belong at positions ``slots`` -> a ``size``-tuple with None elsewhere."""
    full = [None] * size
    for pos, value in zip(slots, values):
        full[pos] = value
    return tuple(full)


def _tap(args, on_node):
    """Route the tensors in ``args`` through a _Tap and call ``on_node(tap_grad_fn)``.

    Returns ``(new_args, tensor_positions)``; ``tensor_positions`` is None (and args come
    back untouched) when no gradient will flow through them.
    """
    slots = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    if not is_grad_enabled() or not any(args[i].requires_grad for i in slots):
        return args, None
    tapped = _Tap.apply(*(args[i] for i in slots))
    node = next(t.grad_fn for t in tapped if t.grad_fn is not None)
    on_node(node)
    values = list(args)
    for pos, t in zip(slots, tapped):
        values[pos] = t
    # keep the caller's tuple type (a namedtuple is rebuilt from its fields)
    new_args = tuple(values) if type(args) is tuple else type(args)(*values)
    return new_args, slots


class ModuleGradHooks:
    """The full backward hooks of one module call (a fresh instance per call)."""

    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = hooks              # hook(module, grad_input, grad_output)
        self.pre_hooks = pre_hooks      # pre_hook(module, grad_output)
        self.n_args = -1
        self.arg_slots = None           # tensor positions among the inputs (None: no grad)
        self.n_results = -1
        self.result_slots = None
        self.grad_output = None         # set by the output tap, consumed by the input tap

    # ---------------------------------------------------------------- forward side
    def wrap_inputs(self, args):
        new_args, self.arg_slots = _tap(args, lambda node: node.register_hook(self._on_input_grads))
        self.n_args = len(args)
        return new_args

    def wrap_outputs(self, result):
        single = not isinstance(result, tuple)
        items = (result,) if single else result
        new_items, self.result_slots = _tap(items, lambda node: node.register_hook(self._on_output_grads))
        self.n_results = len(items)
        return new_items[0] if single else new_items

    # ---------------------------------------------------------------- backward side
    def _on_output_grads(self, _tap_grads, incoming):
        grad_output = _spread(self.result_slots, incoming, self.n_results)
        for pre_hook in self.pre_hooks:
            replaced = pre_hook(self.module, grad_output)
            if replaced is None:
                continue
            if len(replaced) != len(grad_output):
                raise RuntimeError("Backward pre hook returned an invalid number of grad_output, "
                                   f"got {len(replaced)}, but expected {len(grad_output)}")
            grad_output = replaced
        self.grad_output = grad_output
        if self.arg_slots is None:
            # no input tap will ever fire, so the hooks run now with an all-None grad_input
            warnings.warn(_NO_INPUT_GRAD_WARNING, stacklevel=5)
            no_grads = (None,) * self.n_args
            for hook in self.hooks:
                out = hook(self.module, no_grads, grad_output)
                if out is not None and not (isinstance(out, tuple) and all(g is None for g in out)):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient "
                                       "should always return None or None for all gradients.")
            self.grad_output = None
        return tuple(grad_output[i] for i in self.result_slots)

    def _on_input_grads(self, computed, _incoming):
        if self.grad_output is None:
            # this gradient reached the inputs without going through the module's outputs
            return None
        grad_input = _spread(self.arg_slots, computed, self.n_args)
        for hook in self.hooks:
            replaced = hook(self.module, grad_input, self.grad_output)
            if replaced is None:
                continue
            if len(replaced) != len(grad_input):
                raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                   f"got {len(replaced)}, but expected {len(grad_input)}")
            grad_input = replaced
        self.grad_output = None
        return tuple(grad_input[i] for i in self.arg_slots)
