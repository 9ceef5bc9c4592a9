"""The hook-based spectral normalization (torch.nn.utils.spectral_norm).

``weight`` becomes ``weight_orig`` (the trained parameter) plus two buffers ``weight_u``
and ``weight_v``, running estimates of the top singular vectors of the weight (seen as a
matrix). A forward pre-hook sets ``weight = weight_orig / sigma`` with
``sigma = u . (W v)``; in training mode it first refines u and v by power iteration.
"""
from ...autograd.grad_mode import no_grad
from ..parameter import Parameter

__all__ = ['SpectralNorm', 'SpectralNormLoadStateDictPreHook', 'SpectralNormStateDictHook',
           'spectral_norm', 'remove_spectral_norm']


def _unit(x, eps):
    """x / max(||x||, eps)."""
    return x / x.norm(2, dim=0, keepdim=True).clamp_min(eps)


class SpectralNorm:
    """The forward pre-hook; also knows how to undo itself (``remove``)."""

    # version 1 added weight_v to the state dict (see SpectralNormLoadStateDictPreHook)
    _version = 1

    def __init__(self, name='weight', n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        """``dim`` becomes the rows, every other dim is flattened into the columns."""
        if self.dim != 0:
            rest = [d for d in range(weight.dim()) if d != self.dim]
            weight = weight.permute(self.dim, *rest)
        return weight.reshape(weight.size(0), -1)

    def compute_weight(self, module, do_power_iteration):
        from ...ops.linalg import dot, mv
        weight = getattr(module, self.name + '_orig')
        u = getattr(module, self.name + '_u')
        v = getattr(module, self.name + '_v')
        mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    # update the buffers in place: they are the module's state
                    v.copy_(_unit(mv(mat.t(), u), self.eps))
                    u.copy_(_unit(mv(mat, v), self.eps))
            # sigma's graph must not see later in-place updates of the buffers
            u, v = u.clone(), v.clone()
        sigma = dot(u, mv(mat, v))
        return weight / sigma

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    def remove(self, module):
        """Replace the whole arrangement by a plain parameter holding the normalized weight."""
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ('', '_u', '_v', '_orig'):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def _solve_v_and_rescale(self, weight_mat, u, target_sigma):
        """A v with ``u . (W v) == target_sigma``: least squares for W v = u, then rescaled."""
        from ...ops.linalg import dot, mv
        w_t = weight_mat.t()
        v = w_t.mm(weight_mat).pinverse().mm(w_t).mm(u.unsqueeze(1)).squeeze(1)
        return v.mul_(target_sigma / dot(u, mv(weight_mat, v)))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        if any(isinstance(h, SpectralNorm) and h.name == name for h in module._forward_pre_hooks.values()):
            raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        hook = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with no_grad():
            rows, cols = hook.reshape_weight_to_matrix(weight).size()
            u = _unit(weight.new_empty(rows).normal_(0, 1), hook.eps)
            v = _unit(weight.new_empty(cols).normal_(0, 1), hook.eps)

        delattr(module, name)
        module.register_parameter(name + '_orig', weight)
        # a plain attribute until the first forward recomputes it
        setattr(module, name, weight.data)
        module.register_buffer(name + '_u', u)
        module.register_buffer(name + '_v', v)
        module.register_forward_pre_hook(hook)
        module._register_state_dict_hook(SpectralNormStateDictHook(hook))
        module._register_load_state_dict_pre_hook(SpectralNormLoadStateDictPreHook(hook))
        return hook


class SpectralNormLoadStateDictPreHook:
    """Loads checkpoints from before version 1, which stored ``weight`` but no ``weight_v``."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        fn = self.fn
        version = local_metadata.get('spectral_norm', {}).get(fn.name + '.version')
        if version is not None and version >= 1:
            return
        base = prefix + fn.name
        if version is None and base not in state_dict and \
                all(base + s in state_dict for s in ('_orig', '_u', '_v')):
            return      # no metadata, but the keys already have the current layout
        absent = [base + s for s in ('_orig', '', '_u') if base + s not in state_dict]
        if absent:
            if strict:
                missing_keys.extend(absent)
            return
        with no_grad():
            weight_orig = state_dict[base + '_orig']
            sigma = (weight_orig / state_dict.pop(base)).mean()
            mat = fn.reshape_weight_to_matrix(weight_orig)
            state_dict[base + '_v'] = fn._solve_v_and_rescale(mat, state_dict[base + '_u'], sigma)


class SpectralNormStateDictHook:
    """Records the layout version in the state dict's metadata."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, module, state_dict, prefix, local_metadata):
        versions = local_metadata.setdefault('spectral_norm', {})
        key = self.fn.name + '.version'
        if key in versions:
            raise RuntimeError(f"Unexpected key in metadata['spectral_norm']: {key}")
        versions[key] = self.fn._version


def spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=None):
    """``module.<name>`` divided by its spectral norm, recomputed before every forward."""
    if dim is None:
        # a ConvTranspose weight has its output channels in dim 1
        transposed = type(module).__name__ in ('ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d')
        dim = 1 if transposed else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def _drop_first(hooks, matches):
    """Delete the first hook in ``hooks`` for which ``matches(hook)``; True if one was found."""
    for hook_id, hook in hooks.items():
        if matches(hook):
            del hooks[hook_id]
            return True
    return False


def remove_spectral_norm(module, name='weight'):
    def is_mine(hook, cls):
        hook = getattr(hook, 'hook', hook)     # load pre-hooks come wrapped
        return isinstance(hook, cls) and (hook.name if cls is SpectralNorm else hook.fn.name) == name

    for hook in module._forward_pre_hooks.values():
        if is_mine(hook, SpectralNorm):
            hook.remove(module)
            break
    else:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    _drop_first(module._forward_pre_hooks, lambda h: is_mine(h, SpectralNorm))
    _drop_first(module._state_dict_hooks, lambda h: is_mine(h, SpectralNormStateDictHook))
    _drop_first(module._load_state_dict_pre_hooks, lambda h: is_mine(h, SpectralNormLoadStateDictPreHook))
    return module
