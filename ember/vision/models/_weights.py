"""torchvision's weight enums (``ResNet18_Weights.DEFAULT`` ...), so that code naming them imports and runs.

The members record torchvision's checkpoint URL and parameter count, but ember cannot download: passing
any of them as ``weights=`` raises the ValueError of ``_utils._check_weights``, which explains how to
load a torchvision state_dict file instead.
"""
from enum import Enum

__all__ = ['Weights', 'WeightsEnum', 'get_model_weights', 'get_weight']

_BASE = 'https://download.pytorch.org/models/'


class Weights:
    """A checkpoint description: its URL and metadata (``meta['num_params']``)."""

    def __init__(self, url, meta):
        self.url = url
        self.meta = meta

    def __repr__(self):
        return f"Weights(url={self.url!r}, meta={self.meta!r})"

    def transforms(self, *args, **kwargs):
        raise NotImplementedError("ember.vision.models weights do not provide inference transforms; "
                                  "build them with ember.vision.transforms")


class WeightsEnum(Enum):
    @classmethod
    def verify(cls, obj):
        if obj is not None:
            if isinstance(obj, str):
                obj = cls[obj.replace(cls.__name__ + '.', '')]
            elif not isinstance(obj, cls):
                raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                                f"{obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, *args, **kwargs):
        raise RuntimeError(f"{self}: pretrained weights cannot be downloaded here; download {self.url} "
                           "elsewhere and load it with ember.load(path)")

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"

    __str__ = __repr__

    def __reduce_ex__(self, proto):     # pickle by member name (the values are plain objects)
        return getattr, (self.__class__, self._name_)

    @property
    def url(self):
        return self.value.url

    @property
    def meta(self):
        return self.value.meta

    @property
    def transforms(self):
        return self.value.transforms


def _enum(cls_name, model, files, default):
    """files: {member name: (checkpoint file name, num_params)}; ``default`` names the DEFAULT member."""
    members = {k: Weights(_BASE + f, {'num_params': n, 'model': model}) for k, (f, n) in files.items()}
    members['DEFAULT'] = members[default]           # an alias, as in torchvision
    return WeightsEnum(cls_name, members, module=__name__, qualname=cls_name)


_V1, _V2 = 'IMAGENET1K_V1', 'IMAGENET1K_V2'
_SPECS = {
    'resnet18': ('ResNet18_Weights', {_V1: ('resnet18-f37072fd.pth', 11689512)}, _V1),
    'resnet34': ('ResNet34_Weights', {_V1: ('resnet34-b627a593.pth', 21797672)}, _V1),
    'resnet50': ('ResNet50_Weights', {_V1: ('resnet50-0676ba61.pth', 25557032),
                                      _V2: ('resnet50-11ad3fa6.pth', 25557032)}, _V2),
    'resnet101': ('ResNet101_Weights', {_V1: ('resnet101-63fe2227.pth', 44549160),
                                        _V2: ('resnet101-cd907fc2.pth', 44549160)}, _V2),
    'resnet152': ('ResNet152_Weights', {_V1: ('resnet152-394f9c45.pth', 60192808),
                                        _V2: ('resnet152-f82ba261.pth', 60192808)}, _V2),
    'resnext50_32x4d': ('ResNeXt50_32X4D_Weights', {_V1: ('resnext50_32x4d-7cdf4587.pth', 25028904),
                                                    _V2: ('resnext50_32x4d-1a0047aa.pth', 25028904)}, _V2),
    'resnext101_32x8d': ('ResNeXt101_32X8D_Weights', {_V1: ('resnext101_32x8d-8ba56ff5.pth', 88791336),
                                                      _V2: ('resnext101_32x8d-110c445d.pth', 88791336)}, _V2),
    'resnext101_64x4d': ('ResNeXt101_64X4D_Weights', {_V1: ('resnext101_64x4d-173b62eb.pth', 83455272)}, _V1),
    'wide_resnet50_2': ('Wide_ResNet50_2_Weights', {_V1: ('wide_resnet50_2-95faca4d.pth', 68883240),
                                                    _V2: ('wide_resnet50_2-9ba9bcbe.pth', 68883240)}, _V2),
    'wide_resnet101_2': ('Wide_ResNet101_2_Weights', {_V1: ('wide_resnet101_2-32ee1156.pth', 126886696),
                                                      _V2: ('wide_resnet101_2-d733dc28.pth', 126886696)}, _V2),
    'vgg11': ('VGG11_Weights', {_V1: ('vgg11-8a719046.pth', 132863336)}, _V1),
    'vgg11_bn': ('VGG11_BN_Weights', {_V1: ('vgg11_bn-6002323d.pth', 132868840)}, _V1),
    'vgg13': ('VGG13_Weights', {_V1: ('vgg13-19584684.pth', 133047848)}, _V1),
    'vgg13_bn': ('VGG13_BN_Weights', {_V1: ('vgg13_bn-abd245e5.pth', 133053736)}, _V1),
    'vgg16': ('VGG16_Weights', {_V1: ('vgg16-397923af.pth', 138357544),
                                'IMAGENET1K_FEATURES': ('vgg16_features-amdegroot-88682ab5.pth', 138357544)}, _V1),
    'vgg16_bn': ('VGG16_BN_Weights', {_V1: ('vgg16_bn-6c64b313.pth', 138365992)}, _V1),
    'vgg19': ('VGG19_Weights', {_V1: ('vgg19-dcbb9e9d.pth', 143667240)}, _V1),
    'vgg19_bn': ('VGG19_BN_Weights', {_V1: ('vgg19_bn-c79401a0.pth', 143678248)}, _V1),
    'alexnet': ('AlexNet_Weights', {_V1: ('alexnet-owt-7be5be79.pth', 61100840)}, _V1),
    'mobilenet_v2': ('MobileNet_V2_Weights', {_V1: ('mobilenet_v2-b0353104.pth', 3504872),
                                              _V2: ('mobilenet_v2-7ebf99e0.pth', 3504872)}, _V2),
    'squeezenet1_0': ('SqueezeNet1_0_Weights', {_V1: ('squeezenet1_0-b66bff10.pth', 1248424)}, _V1),
    'squeezenet1_1': ('SqueezeNet1_1_Weights', {_V1: ('squeezenet1_1-b8a52dc0.pth', 1235496)}, _V1),
}

_BY_MODEL = {}
for _model, (_cls, _files, _default) in _SPECS.items():
    globals()[_cls] = _BY_MODEL[_model] = _enum(_cls, _model, _files, _default)
    __all__.append(_cls)


def get_model_weights(name):
    """The weights enum class of a model (by builder name or builder function)."""
    key = name if isinstance(name, str) else getattr(name, '__name__', '')
    try:
        return _BY_MODEL[key.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_weight(name):
    """A weights enum member from its full name, e.g. ``'ResNet50_Weights.IMAGENET1K_V2'``."""
    try:
        enum_name, member = name.split('.')
        return globals()[enum_name][member]
    except (ValueError, KeyError):
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
