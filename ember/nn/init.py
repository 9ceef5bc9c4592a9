"""nn.init: in-place initializers (torch.nn.init). All run under no_grad and accept ``generator=``."""
import math
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops.random import _gen, _write

__all__ = ['calculate_gain', 'uniform_', 'normal_', 'trunc_normal_', 'constant_', 'ones_', 'zeros_',
           'eye_', 'dirac_', 'xavier_uniform_', 'xavier_normal_', 'kaiming_uniform_', 'kaiming_normal_',
           'orthogonal_', 'sparse_', 'uniform', 'normal', 'constant', 'eye', 'dirac', 'xavier_uniform',
           'xavier_normal', 'kaiming_uniform', 'kaiming_normal', 'orthogonal', 'sparse']


def _check(tensor, fname):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fname}(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")


def _assign(tensor, arr):
    """Write an array into the tensor's memory under no_grad (bumps the version)."""
    with no_grad():
        _write(tensor, np.asarray(arr).astype(tensor._data.dtype, copy=False), 'CopyBackward0')
    return tensor


def _no_grad_uniform_(tensor, a, b, generator=None):
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def _no_grad_normal_(tensor, mean, std, generator=None):
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (torch.nn.init.calculate_gain)."""
    linear_fns = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d',
                  'conv_transpose3d']
    if nonlinearity in linear_fns or nonlinearity == 'sigmoid':
        return 1
    elif nonlinearity == 'tanh':
        return 5.0 / 3
    elif nonlinearity == 'relu':
        return math.sqrt(2.0)
    elif nonlinearity == 'leaky_relu':
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, int) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    elif nonlinearity == 'selu':
        return 3.0 / 4
    else:
        raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    _check(tensor, 'uniform_')
    return _no_grad_uniform_(tensor, a, b, generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    _check(tensor, 'normal_')
    return _no_grad_normal_(tensor, mean, std, generator)


def _norm_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std²) truncated to [a, b], by rejection sampling (vectorised redraws)."""
    _check(tensor, 'trunc_normal_')
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    g = _gen(generator)
    shape = tensor._data.shape
    npdt = tensor._data.dtype
    lo = float(np.asarray(a, npdt))
    hi = float(np.asarray(b, npdt))
    n = int(np.prod(shape))
    p = _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std)
    out = np.empty(n, np.float64)
    todo = np.arange(n)
    if p > 0.3:  # plain normal proposals: accepted with probability p
        while todo.size:
            z = g.standard_normal(todo.size) * std + mean
            ok = (z >= lo) & (z <= hi)
            out[todo[ok]] = z[ok]
            todo = todo[~ok]
    else:  # uniform proposals on [a, b], accepted with the normal density relative to its peak
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        while todo.size:
            z = g.uniform(a, b, todo.size)
            logacc = -0.5 * ((z - mean) / std) ** 2 - log_peak
            ok = np.log(g.random(todo.size)) <= logacc
            out[todo[ok]] = z[ok]
            todo = todo[~ok]
    return _assign(tensor, out.reshape(shape))


def constant_(tensor, val):
    _check(tensor, 'constant_')
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    _check(tensor, 'ones_')
    with no_grad():
        return tensor.fill_(1.0)


def zeros_(tensor):
    _check(tensor, 'zeros_')
    with no_grad():
        return tensor.zero_()


def eye_(tensor):
    _check(tensor, 'eye_')
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _assign(tensor, np.eye(*tensor._data.shape))


def dirac_(tensor, groups=1):
    _check(tensor, 'dirac_')
    dimensions = tensor.dim()
    if dimensions not in [3, 4, 5]:
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor._data.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_grp = sizes[0] // groups
    min_dim = min(out_per_grp, sizes[1])
    arr = np.zeros(sizes, tensor._data.dtype)
    d = np.arange(min_dim)
    centre = tuple(s // 2 for s in sizes[2:])
    for gi in range(groups):
        arr[(gi * out_per_grp + d, d) + centre] = 1
    return _assign(tensor, arr)


def _calculate_fan_in_and_fan_out(tensor):
    dimensions = tensor.dim()
    if dimensions < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    shape = tensor._data.shape
    num_input_fmaps = shape[1]
    num_output_fmaps = shape[0]
    receptive_field_size = 1
    for s in shape[2:]:
        receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return _no_grad_uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _no_grad_normal_(tensor, 0.0, std, generator)


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ['fan_in', 'fan_out']
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == 'fan_in' else fan_out


def kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None):
    _check(tensor, 'kaiming_uniform_')
    if 0 in tensor._data.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    with no_grad():
        return tensor.uniform_(-bound, bound, generator=generator)


def kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None):
    _check(tensor, 'kaiming_normal_')
    if 0 in tensor._data.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    with no_grad():
        return tensor.normal_(0, std, generator=generator)


def orthogonal_(tensor, gain=1, generator=None):
    _check(tensor, 'orthogonal_')
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    shape = tensor._data.shape
    rows = shape[0]
    cols = tensor.numel() // rows
    npdt = tensor._data.dtype
    flat = _gen(generator).standard_normal((rows, cols)).astype(npdt)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diagonal(r))
    if rows < cols:
        q = q.T
    return _assign(tensor, (q * gain).reshape(shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    _check(tensor, 'sparse_')
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor._data.shape
    num_zeros = math.ceil(sparsity * rows)
    g = _gen(generator)
    arr = g.standard_normal((rows, cols)) * std
    if num_zeros:
        # per column, a random set of num_zeros rows (the first entries of a random permutation)
        perm = np.argsort(g.random((rows, cols)), axis=0)[:num_zeros]
        arr[perm, np.arange(cols)] = 0
    return _assign(tensor, arr)


def _make_deprecate(meth):
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
                      FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)
    deprecated_init.__name__ = old_name
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
