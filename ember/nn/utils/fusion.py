"""Fold an eval-mode BatchNorm into the preceding Conv/Linear (torch.nn.utils.fusion).

In eval mode BatchNorm is the per-channel affine map

    y = (x - mean) * scale + beta,   scale = gamma / sqrt(var + eps)

so ``bn(layer(x))`` equals a layer whose weight rows (output channels) are multiplied
by ``scale`` and whose bias becomes ``(bias - mean) * scale + beta``.
"""
import copy

from ..parameter import Parameter

__all__ = ['fuse_conv_bn_eval', 'fuse_conv_bn_weights', 'fuse_linear_bn_eval', 'fuse_linear_bn_weights']


def _check_fusable(layer, bn):
    if layer.training or bn.training:
        raise AssertionError("Fusion only for eval!")


def _check_stats(bn):
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")


def _as_parameters(weight, bias, weight_src, bias_src):
    """Detached results as Parameters, with the inputs' requires_grad."""
    return (Parameter(weight.detach(), weight_src.requires_grad),
            Parameter(bias.detach(), bias_src.requires_grad))


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A copy of ``conv`` computing ``bn(conv(x))``; both modules must be in eval mode."""
    _check_fusable(conv, bn)
    fused = copy.deepcopy(conv)
    _check_stats(bn)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    from ...ops.creation import ones_like, zeros_like
    w_dtype = conv_w.dtype
    b_dtype = w_dtype if conv_b is None else conv_b.dtype
    # missing pieces act as identity: no conv bias, BatchNorm without affine
    conv_b = zeros_like(bn_rm) if conv_b is None else conv_b
    bn_w = ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = zeros_like(bn_rm) if bn_b is None else bn_b

    inv_std = (bn_rv + bn_eps).rsqrt()
    # output channels are dim 0 of a Conv weight but dim 1 of a ConvTranspose weight
    per_channel = [1] * conv_w.dim()
    per_channel[1 if transpose else 0] = -1
    weight = (conv_w * (bn_w * inv_std).reshape(per_channel)).to(dtype=w_dtype)
    bias = ((conv_b - bn_rm) * inv_std * bn_w + bn_b).to(dtype=b_dtype)
    return _as_parameters(weight, bias, conv_w, conv_b)


def fuse_linear_bn_eval(linear, bn):
    """A copy of ``linear`` computing ``bn(linear(x))``; both modules must be in eval mode."""
    _check_fusable(linear, bn)
    fused = copy.deepcopy(linear)
    # a 1-feature BatchNorm broadcasts over every output feature
    if bn.num_features not in (linear.out_features, 1):
        raise AssertionError("To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
                             f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}")
    _check_stats(bn)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean,
                                                      bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    from ...ops.creation import zeros_like
    w_dtype = linear_w.dtype
    b_dtype = w_dtype if linear_b is None else linear_b.dtype
    linear_b = zeros_like(bn_rm) if linear_b is None else linear_b

    scale = bn_w * (bn_rv + bn_eps).rsqrt()
    weight = linear_w * scale.unsqueeze(-1).to(dtype=w_dtype)     # scale row i of the weight
    bias = ((linear_b - bn_rm) * scale + bn_b).to(dtype=b_dtype)
    return _as_parameters(weight, bias, linear_w, linear_b)
