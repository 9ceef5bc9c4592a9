"""ember.vision.models: torchvision's architectures, with torchvision's module names.

The state_dict keys and shapes equal torchvision's, so a checkpoint saved from torchvision with
``torch.save(model.state_dict(), path)`` loads with ``model.load_state_dict(ember.load(path))``.
Pretrained weights cannot be downloaded here: every builder accepts only ``weights=None``.
"""
from .resnet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .alexnet import *  # noqa: F401,F403
from .mobilenetv2 import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .lenet import *  # noqa: F401,F403
from ._weights import *  # noqa: F401,F403
import importlib as _importlib

_BUILDERS = {
    name: globals()[name] for name in (
        'alexnet', 'lenet', 'mobilenet_v2',
        'resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152',
        'resnext50_32x4d', 'resnext101_32x8d', 'resnext101_64x4d', 'wide_resnet50_2', 'wide_resnet101_2',
        'squeezenet1_0', 'squeezenet1_1',
        'vgg11', 'vgg11_bn', 'vgg13', 'vgg13_bn', 'vgg16', 'vgg16_bn', 'vgg19', 'vgg19_bn',
    )
}


def list_models(module=None, include=None, exclude=None):
    """Names of the available model builders (sorted), optionally filtered by fnmatch patterns."""
    import fnmatch
    names = sorted(n for n, f in _BUILDERS.items()
                   if module is None or f.__module__.startswith(getattr(module, '__name__', str(module))))
    if include is not None:
        pats = [include] if isinstance(include, str) else list(include)
        names = [n for n in names if any(fnmatch.fnmatch(n, p) for p in pats)]
    if exclude is not None:
        pats = [exclude] if isinstance(exclude, str) else list(exclude)
        names = [n for n in names if not any(fnmatch.fnmatch(n, p) for p in pats)]
    return names


def get_model_builder(name):
    """The builder function of a model, by (case-insensitive) name."""
    name = name.lower()
    try:
        return _BUILDERS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name, **config):
    """Build a model by name: ``get_model('resnet18', num_classes=10)``."""
    return get_model_builder(name)(**config)


# (`alexnet`, `lenet` name both a submodule and its builder: like torchvision, the builder wins)
__all__ = [n for sub in ('resnet', 'vgg', 'alexnet', 'mobilenetv2', 'squeezenet', 'lenet', '_weights')
           for n in _importlib.import_module(f'{__name__}.{sub}').__all__]
__all__ += ['list_models', 'get_model', 'get_model_builder']
