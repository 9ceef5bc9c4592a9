"""The hook-based weight normalization (torch.nn.utils.weight_norm, deprecated in torch).

``weight`` is replaced by two parameters, a direction ``weight_v`` and a magnitude
``weight_g``; a forward pre-hook recomputes ``weight = weight_g * weight_v / ||weight_v||``
(as a plain attribute) before every call.
"""
import warnings

from ..parameter import Parameter

__all__ = ['WeightNorm', 'weight_norm', 'remove_weight_norm', 'norm_except_dim', '_weight_norm']


def norm_except_dim(v, pow=2, dim=0):
    """The ``pow``-norm of each slice ``v.select(dim, i)``, shaped to broadcast against ``v``
    (size 1 everywhere but ``dim``). ``dim=-1`` means the norm of the whole tensor."""
    if dim == -1:
        return v.norm(pow)
    keep = [1] * v.dim()
    keep[dim] = v.shape[dim]
    # bring ``dim`` to the front and flatten the rest: one row per slice
    rows = v.transpose(0, dim).reshape(v.shape[dim], -1)
    return rows.norm(pow, dim=1).reshape(keep)


def _weight_norm(v, g, dim=0):
    """``v * (g / ||v||)`` with the norm taken over every dim but ``dim``."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        magnitude = getattr(module, f'{self.name}_g')
        direction = getattr(module, f'{self.name}_v')
        return _weight_norm(direction, magnitude, self.dim)

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))

    @staticmethod
    def apply(module, name, dim):
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=3)
        if any(isinstance(h, WeightNorm) and h.name == name for h in module._forward_pre_hooks.values()):
            raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        hook = WeightNorm(name, dim)
        weight = getattr(module, name)
        # split the parameter into magnitude and direction ...
        del module._parameters[name]
        module.register_parameter(f'{name}_g', Parameter(norm_except_dim(weight, 2, hook.dim).data))
        module.register_parameter(f'{name}_v', Parameter(weight.data))
        # ... and keep ``module.<name>`` usable (a plain tensor) before the first forward
        setattr(module, name, hook.compute_weight(module))
        module.register_forward_pre_hook(hook)
        return hook

    def remove(self, module):
        """Fold g and v back into a single parameter ``<name>``."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        for suffix in ('_g', '_v'):
            del module._parameters[self.name + suffix]
        setattr(module, self.name, Parameter(weight.data))


def weight_norm(module, name='weight', dim=0):
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (parameters ``<name>_g``, ``<name>_v``)."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name='weight'):
    hooks = module._forward_pre_hooks
    for hook_id, hook in hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del hooks[hook_id]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
