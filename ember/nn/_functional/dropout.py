"""Functional dropout (torch.nn.functional): masks drawn from ember's default generator, so
``ember.manual_seed`` makes them reproducible. Train mode scales kept values by 1/(1-p)."""
import math
import warnings

from ..._backend import xp
from ..._tensor import Tensor
from ...ops.inplace import apply_inplace
from ...ops.random import _gen

__all__ = ['dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout', 'feature_alpha_dropout']

_make = Tensor._make
_ALPHA = 1.7580993408473766  # -SELU's negative saturation (scale * alpha)


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise_shape(input, feature):
    shape = input._data.shape
    if not feature:
        return shape
    if len(shape) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return shape[:2] + (1,) * (len(shape) - 2)


def _check_float(input):
    dt = input._data.dtype
    if dt.kind not in 'fc' and dt.name != 'bfloat16':
        raise RuntimeError(f"result type Float can't be cast to the desired output type {input.dtype._short}")


def _keep_mask(input, keep, feature):
    """Bernoulli(keep) mask in the input's dtype (float32 uniforms for float32 inputs)."""
    npdt = input._data.dtype
    shape = _noise_shape(input, feature)
    rdt = xp.float32 if npdt == xp.float32 else xp.float64
    return (_gen(None).random(shape, dtype=rdt) < keep).astype(npdt)


def _dropout_impl(input, p, train, inplace, feature, alpha):
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if p == 0 or not train or input._data.size == 0:
        if feature and train:
            _noise_shape(input, feature)
        return input
    _check_float(input)
    npdt = input._data.dtype
    if p == 1:
        z = _make(xp.zeros((), npdt))
        return apply_inplace(input, lambda s: s * z) if inplace else input * z
    keep = 1.0 - p
    mask = _keep_mask(input, keep, feature)
    if alpha:
        a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * keep)
        b = _make((mask - 1) * npdt.type(_ALPHA * a) + npdt.type(_ALPHA * a * p))
        noise = _make(mask * npdt.type(a))
        if inplace:
            return apply_inplace(input, lambda s: s * noise + b)
        return input * noise + b
    mask *= npdt.type(1.0 / keep)
    noise = _make(mask)
    if inplace:
        return apply_inplace(input, lambda s: s * noise)
    return input * noise


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, False, False)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, False, True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, True, True)


def _unbatched(input, p, training, inplace, batched):
    if batched:
        return _dropout_impl(input, p, training, inplace, True, False)
    if inplace:
        # the feature mask of the unsqueezed input, applied to input itself
        if p == 0 or not training or input._data.size == 0:
            return input
        _check_float(input)
        if p == 1:
            z = _make(xp.zeros((), input._data.dtype))
            return apply_inplace(input, lambda s: s * z)
        mask = _keep_mask(input.unsqueeze(0), 1.0 - p, True)[0]
        mask *= input._data.dtype.type(1.0 / (1.0 - p))
        noise = _make(mask)
        return apply_inplace(input, lambda s: s * noise)
    r = _dropout_impl(input.unsqueeze(0), p, training, False, True, False)
    return r.squeeze(0)


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {inp_dim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
                           "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
                           "inputs).")
    return _unbatched(input, p, training, inplace, inp_dim == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {inp_dim}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this "
                      "warning, please use dropout instead. Note that dropout2d exists to provide "
                      "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and "
                      "an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if inp_dim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
                      "dim. This behavior will change in a future release to interpret the input as one "
                      "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, inplace, True, False)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {inp_dim}-D input to dropout3d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this "
                      "warning, please use dropout instead. Note that dropout3d exists to provide "
                      "channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, and "
                      "an optional batch dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _unbatched(input, p, training, inplace, inp_dim == 5)
