"""Image transforms (torchvision.transforms): callables on PIL images and (..., C, H, W) tensors.

Random transforms draw from ember's global generator (``ember.rand``, ``ember.randint``,
``ember.empty(1).uniform_``, ``ember.randperm``), so ``ember.manual_seed`` reproduces them.
"""
import math
import numbers
from collections.abc import Sequence

from ...nn.modules.module import Module
from . import functional as F
from .functional import InterpolationMode, _setup_size

__all__ = ['Compose', 'ToTensor', 'PILToTensor', 'ToPILImage', 'ConvertImageDtype', 'Normalize', 'Resize',
           'CenterCrop', 'Pad', 'Lambda', 'RandomApply', 'RandomChoice', 'RandomOrder', 'RandomCrop',
           'RandomHorizontalFlip', 'RandomVerticalFlip', 'RandomResizedCrop', 'RandomRotation', 'ColorJitter',
           'Grayscale', 'RandomGrayscale', 'GaussianBlur', 'InterpolationMode']


def _ember():
    import ember
    return ember


def _rand():
    return float(_ember().rand(1).item())


def _uniform(lo, hi):
    return float(_ember().empty(1).uniform_(float(lo), float(hi)).item())


def _randint(lo, hi):
    return int(_ember().randint(lo, hi, size=(1,)).item())


class Compose:
    """Chain transforms: ``Compose([ToTensor(), Normalize(...)])(img)``."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        lines = [self.__class__.__name__ + '(']
        lines += [f'    {t}' for t in self.transforms]
        return '\n'.join(lines) + '\n)'


class ToTensor:
    """PIL image / HWC ndarray -> CHW tensor; uint8 scaled to float in [0, 1]."""

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self):
        return f'{self.__class__.__name__}()'


class PILToTensor:
    """PIL image -> CHW tensor with the image's dtype, unscaled."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def __repr__(self):
        return f'{self.__class__.__name__}()'


class ToPILImage:
    """CHW tensor / HWC ndarray -> PIL image (``mode`` inferred from channels and dtype if None)."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self):
        return f"{self.__class__.__name__}({'' if self.mode is None else f'mode={self.mode}'})"


class ConvertImageDtype(Module):
    """Convert a tensor image to ``dtype``, rescaling values."""

    def __init__(self, dtype):
        super().__init__()
        self.dtype = dtype

    def forward(self, image):
        return F.convert_image_dtype(image, self.dtype)


class Normalize(Module):
    """Per-channel ``(x - mean) / std`` on a float tensor image."""

    def __init__(self, mean, std, inplace=False):
        super().__init__()
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def forward(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self):
        return f'{self.__class__.__name__}(mean={self.mean}, std={self.std})'


class Resize(Module):
    """Resize to ``size``: (h, w), or an int (the smaller edge, keeping the aspect ratio)."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        super().__init__()
        if not isinstance(size, (int, Sequence)) or isinstance(size, bool):
            raise TypeError(f'Size should be int or sequence. Got {type(size)}')
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError('If size is a sequence, it should have 1 or 2 values')
        self.size = size
        self.max_size = max_size
        self.interpolation = F._interpolation(interpolation)
        self.antialias = antialias

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return (f'{self.__class__.__name__}(size={self.size}, interpolation={self.interpolation.value}, '
                f'max_size={self.max_size}, antialias={self.antialias})')


class CenterCrop(Module):
    def __init__(self, size):
        super().__init__()
        self.size = _setup_size(size, error_msg='Please provide only two dimensions (h, w) for size.')

    def forward(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self):
        return f'{self.__class__.__name__}(size={self.size})'


def _check_padding(padding, fill, padding_mode):
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError('Got inappropriate padding arg')
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError('Got inappropriate fill arg')
    if padding_mode not in ('constant', 'edge', 'reflect', 'symmetric'):
        raise ValueError('Padding mode should be either constant, edge, reflect or symmetric')
    if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
        raise ValueError(f'Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple')


class Pad(Module):
    def __init__(self, padding, fill=0, padding_mode='constant'):
        super().__init__()
        _check_padding(padding, fill, padding_mode)
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def forward(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return f'{self.__class__.__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})'


class Lambda:
    """Apply a user function."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f'Argument lambd should be callable, got {repr(type(lambd).__name__)}')
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f'{self.__class__.__name__}()'


class RandomTransforms:
    def __init__(self, transforms):
        if not isinstance(transforms, Sequence):
            raise TypeError('Argument transforms should be a sequence')
        self.transforms = transforms

    def __call__(self, *args, **kwargs):
        raise NotImplementedError()

    def __repr__(self):
        lines = [self.__class__.__name__ + '(']
        lines += [f'    {t}' for t in self.transforms]
        return '\n'.join(lines) + '\n)'


class RandomApply(Module):
    """Apply the list of transforms with probability ``p``."""

    def __init__(self, transforms, p=0.5):
        super().__init__()
        self.transforms = transforms
        self.p = p

    def forward(self, img):
        if self.p < _rand():
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        lines = [self.__class__.__name__ + '(', f'    p={self.p}']
        lines += [f'    {t}' for t in self.transforms]
        return '\n'.join(lines) + '\n)'


class RandomOrder(RandomTransforms):
    """Apply the transforms in a random order (drawn with ``ember.randperm``)."""

    def __call__(self, img):
        for i in _ember().randperm(len(self.transforms)).tolist():
            img = self.transforms[i](img)
        return img


class RandomChoice(RandomTransforms):
    """Apply one transform picked at random (weights ``p``, uniform if None)."""

    def __init__(self, transforms, p=None):
        super().__init__(transforms)
        if p is not None and not isinstance(p, Sequence):
            raise TypeError('Argument p should be a sequence')
        self.p = p

    def __call__(self, *args):
        n = len(self.transforms)
        weights = [1.0] * n if self.p is None else [float(w) for w in self.p]
        if len(weights) != n:
            raise ValueError('The number of weights does not match the population')
        cum = list(weights)
        for i in range(1, n):
            cum[i] += cum[i - 1]
        u = _rand() * cum[-1]
        idx = next((i for i, c in enumerate(cum) if u < c), n - 1)
        return self.transforms[idx](*args)

    def __repr__(self):
        return f'{super().__repr__()}(p={self.p})'


class RandomCrop(Module):
    """Crop at a random location, after optional ``padding`` / ``pad_if_needed``."""

    @staticmethod
    def get_params(img, output_size):
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f'Required crop size {(th, tw)} is larger than input image size {(h, w)}')
        if w == tw and h == th:
            return 0, 0, h, w
        i = _randint(0, h - th + 1)
        j = _randint(0, w - tw + 1)
        return i, j, th, tw

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode='constant'):
        super().__init__()
        self.size = tuple(_setup_size(size, error_msg='Please provide only two dimensions (h, w) for size.'))
        if padding is not None:
            _check_padding(padding, fill, padding_mode)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def forward(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, h, w = F.get_dimensions(img)
        if self.pad_if_needed and w < self.size[1]:
            img = F.pad(img, [self.size[1] - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < self.size[0]:
            img = F.pad(img, [0, self.size[0] - h], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size)
        return F.crop(img, i, j, h, w)

    def __repr__(self):
        return f'{self.__class__.__name__}(size={self.size}, padding={self.padding})'


class RandomHorizontalFlip(Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, img):
        if _rand() < self.p:
            return F.hflip(img)
        return img

    def __repr__(self):
        return f'{self.__class__.__name__}(p={self.p})'


class RandomVerticalFlip(Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, img):
        if _rand() < self.p:
            return F.vflip(img)
        return img

    def __repr__(self):
        return f'{self.__class__.__name__}(p={self.p})'


class RandomResizedCrop(Module):
    """Crop a random area (``scale`` of the image, aspect ``ratio``) and resize it to ``size``."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.size = _setup_size(size, error_msg='Please provide only two dimensions (h, w) for size.')
        if not isinstance(scale, Sequence):
            raise TypeError('Scale should be a sequence')
        if not isinstance(ratio, Sequence):
            raise TypeError('Ratio should be a sequence')
        self.interpolation = F._interpolation(interpolation)
        self.antialias = antialias
        self.scale = scale
        self.ratio = ratio

    @staticmethod
    def get_params(img, scale, ratio):
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_lo, log_hi = math.log(ratio[0]), math.log(ratio[1])
        em = _ember()
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            log_r = em.empty(1).uniform_(log_lo, log_hi)
            aspect = float(em.exp(log_r).item())
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                i = _randint(0, height - h + 1)
                j = _randint(0, width - w + 1)
                return i, j, h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w = width
            h = int(round(w / min(ratio)))
        elif in_ratio > max(ratio):
            h = height
            w = int(round(h * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def forward(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, antialias=self.antialias)

    def __repr__(self):
        return (f'{self.__class__.__name__}(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, '
                f'ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, '
                f'antialias={self.antialias})')


class RandomRotation(Module):
    """Rotate by an angle drawn uniformly from ``degrees`` ((-d, d) for a number d)."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        super().__init__()
        self.interpolation = F._interpolation(interpolation)
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError('If degrees is a single number, it must be positive.')
            degrees = [-degrees, degrees]
        else:
            if not isinstance(degrees, Sequence) or len(degrees) != 2:
                raise ValueError('degrees should be a sequence of length 2.')
        self.degrees = [float(d) for d in degrees]
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError('center should be a sequence of length 2.')
        self.center = center
        self.expand = expand
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError('Fill should be either a sequence or a number.')
        self.fill = fill

    @staticmethod
    def get_params(degrees):
        return _uniform(degrees[0], degrees[1])

    def forward(self, img):
        fill = self.fill
        from ... import _tensor
        if isinstance(img, _tensor.Tensor):
            c = F.get_dimensions(img)[0]
            fill = [float(fill)] * c if isinstance(fill, (int, float)) else [float(f) for f in fill]
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def __repr__(self):
        s = f'{self.__class__.__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, ' \
            f'expand={self.expand}'
        if self.center is not None:
            s += f', center={self.center}'
        if self.fill is not None:
            s += f', fill={self.fill}'
        return s + ')'


class ColorJitter(Module):
    """Randomly change brightness, contrast, saturation and hue (in a random order)."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__()
        self.brightness = self._check_input(brightness, 'brightness')
        self.contrast = self._check_input(contrast, 'contrast')
        self.saturation = self._check_input(saturation, 'saturation')
        self.hue = self._check_input(hue, 'hue', center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(value, name, center=1, bound=(0, float('inf')), clip_first_on_zero=True):
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f'If {name} is a single number, it must be non negative.')
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f'{name} should be a single number or a list/tuple with length 2.')
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f'{name} values should be between {bound}, but got {value}.')
        if value[0] == value[1] == center:
            return None
        return tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        order = _ember().randperm(4)
        b = None if brightness is None else _uniform(brightness[0], brightness[1])
        c = None if contrast is None else _uniform(contrast[0], contrast[1])
        s = None if saturation is None else _uniform(saturation[0], saturation[1])
        h = None if hue is None else _uniform(hue[0], hue[1])
        return order, b, c, s, h

    def forward(self, img):
        order, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        for fn_id in order.tolist():
            if fn_id == 0 and b is not None:
                img = F.adjust_brightness(img, b)
            elif fn_id == 1 and c is not None:
                img = F.adjust_contrast(img, c)
            elif fn_id == 2 and s is not None:
                img = F.adjust_saturation(img, s)
            elif fn_id == 3 and h is not None:
                img = F.adjust_hue(img, h)
        return img

    def __repr__(self):
        return (f'{self.__class__.__name__}(brightness={self.brightness}, contrast={self.contrast}, '
                f'saturation={self.saturation}, hue={self.hue})')


class Grayscale(Module):
    def __init__(self, num_output_channels=1):
        super().__init__()
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return F.rgb_to_grayscale(img, num_output_channels=self.num_output_channels)

    def __repr__(self):
        return f'{self.__class__.__name__}(num_output_channels={self.num_output_channels})'


class RandomGrayscale(Module):
    def __init__(self, p=0.1):
        super().__init__()
        self.p = p

    def forward(self, img):
        c = F.get_dimensions(img)[0]
        if _rand() < self.p:
            return F.rgb_to_grayscale(img, num_output_channels=c)
        return img

    def __repr__(self):
        return f'{self.__class__.__name__}(p={self.p})'


class GaussianBlur(Module):
    """Blur with a Gaussian kernel whose sigma is drawn uniformly from ``sigma`` (min, max)."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        super().__init__()
        self.kernel_size = _setup_size(kernel_size, 'Kernel size should be a tuple/list of two integers')
        for ks in self.kernel_size:
            if ks <= 0 or ks % 2 == 0:
                raise ValueError('Kernel size value should be an odd and positive number.')
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError('If sigma is a single number, it must be positive.')
            sigma = (sigma, sigma)
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError('sigma values should be positive and of the form (min, max).')
        else:
            raise ValueError('sigma should be a single number or a list/tuple with length 2.')
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min, sigma_max):
        return _uniform(sigma_min, sigma_max)

    def forward(self, img):
        s = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, self.kernel_size, [s, s])

    def __repr__(self):
        return f'{self.__class__.__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})'
