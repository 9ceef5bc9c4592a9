"""Parametrizations built on ``parametrize``: weight_norm and spectral_norm
(torch.nn.utils.parametrizations).

Unlike the older hook-based versions (``weight_norm.py``, ``spectral_norm.py``), these
register a parametrization module, so ``module.weight`` is recomputed on every access and
the trained tensors live under ``module.parametrizations.weight``.
"""
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..modules.module import Module
from . import parametrize
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ['weight_norm', 'spectral_norm']


def _unit(x, eps):
    """F.normalize(x, dim=0, eps=eps) for a vector: x / max(||x||, eps)."""
    return x / x.norm(2, dim=0, keepdim=True).clamp_min(eps)


class _WeightNorm(Module):
    """(g, v) -> g * v / ||v||; storing a weight splits it into (its norm, itself)."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name='weight', dim=0):
    """``module.<name>`` becomes ``g * v / ||v||`` with ``g = parametrizations.<name>.original0``
    and ``v = parametrizations.<name>.original1``."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    # checkpoints of the old hook-based weight_norm store <name>_g / <name>_v: rename them
    old_g, old_v = f'{name}_g', f'{name}_v'

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                 error_msgs):
        if prefix + old_g in state_dict and prefix + old_v in state_dict:
            new_prefix = f'{prefix}parametrizations.{name}.'
            g = state_dict.pop(prefix + old_g)
            v = state_dict.pop(prefix + old_v)
            state_dict[new_prefix + 'original0'] = g
            state_dict[new_prefix + 'original1'] = v

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    """weight -> weight / sigma, sigma the largest singular value of the weight as a matrix.

    sigma is estimated as ``u . (W v)`` from the buffers ``_u``/``_v``, which power
    iteration refines on each evaluation in training mode. A 1-D weight is just normalized.
    """

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if not -ndim <= dim < ndim:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim % ndim
        self.eps = eps
        if ndim == 1:
            return
        self.n_power_iterations = n_power_iterations
        mat = self._as_matrix(weight)
        rows, cols = mat.size()
        self.register_buffer('_u', _unit(mat.new_empty(rows).normal_(0, 1), eps))
        self.register_buffer('_v', _unit(mat.new_empty(cols).normal_(0, 1), eps))
        self._iterate(mat, 15)      # start from a decent estimate

    def _as_matrix(self, weight):
        """``dim`` becomes the rows, every other dim is flattened into the columns."""
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _iterate(self, mat, steps):
        """Power iteration, updating the buffers in place."""
        from ...ops.linalg import mv
        with no_grad():
            for _ in range(steps):
                self._u.copy_(_unit(mv(mat, self._v), self.eps))
                self._v.copy_(_unit(mv(mat.H, self._u), self.eps))

    def forward(self, weight):
        from ...ops.linalg import mv, vdot
        if weight.ndim == 1:
            return _unit(weight, self.eps)
        mat = self._as_matrix(weight)
        if self.training:
            self._iterate(mat, self.n_power_iterations)
        # clones: later in-place buffer updates must not disturb this graph
        sigma = vdot(self._u.clone(), mv(mat, self._v.clone()))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=None):
    """``module.<name>`` divided by its spectral norm (estimated by power iteration in training)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        # a ConvTranspose weight has its output channels in dim 1
        transposed = type(module).__name__ in ('ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d')
        dim = 1 if transposed else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
