"""Shared helpers of ember.vision.models: the ``weights=`` argument, channel rounding."""
import warnings

__all__ = []

_LOAD_HINT = (
    "ember cannot download pretrained weights (there is no network access here). "
    "Build the model with weights=None and load a torchvision checkpoint file instead:\n"
    "    model = {name}(weights=None)\n"
    "    model.load_state_dict(ember.load('/path/to/{name}.pth'))\n"
    "(the file is a state_dict saved by torch.save(torchvision_model.state_dict(), path); "
    "the module names, and so the state_dict keys, are torchvision's).")


def _check_weights(name, weights, kwargs):
    """Handle torchvision's ``weights=`` (and legacy ``pretrained=``) arguments.

    Only ``weights=None`` is possible: anything else raises a ValueError explaining how to load a
    torchvision state_dict file. ``pretrained=False`` is accepted with torchvision's deprecation warning.
    """
    if 'pretrained' in kwargs:
        pretrained = kwargs.pop('pretrained')
        warnings.warn("The parameter 'pretrained' is deprecated, please use 'weights' instead.",
                      UserWarning, stacklevel=3)
        if pretrained:
            weights = 'DEFAULT'
    for legacy in ('pretrained_backbone',):
        if kwargs.pop(legacy, False):
            raise ValueError(_LOAD_HINT.format(name=name))
    if weights is not None:
        from ._weights import _BY_MODEL
        enum_cls = _BY_MODEL.get(name)
        where = ''
        if enum_cls is not None:
            weights = enum_cls.verify(weights)   # wrong enum class -> TypeError, unknown name -> KeyError
            where = f" (torchvision's checkpoint for it: {weights.url})"
        raise ValueError(f"{name}(weights={weights!r}): pretrained weights are not available{where}. "
                         + _LOAD_HINT.format(name=name))


def _make_divisible(v, divisor, min_value=None):
    """Round a channel count to the nearest multiple of ``divisor`` without losing more than 10%."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v
