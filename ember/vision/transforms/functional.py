"""Functional image transforms (torchvision.transforms.functional).

Inputs are PIL images (Pillow is imported lazily, only when a PIL image is involved) or ember
tensors of shape (..., C, H, W); ``to_tensor`` / ``to_pil_image`` also take HWC NumPy arrays.
Tensor paths use ember ops where that keeps autograd (normalize, crops, flips, pads, resize,
brightness/contrast/saturation); ``rotate`` and ``adjust_hue`` on tensors compute in NumPy.
"""
import enum
import functools
import math
import numbers
import sys
import warnings

import numpy as np

from ... import _tensor as _tensor_mod

Tensor = _tensor_mod.Tensor

__all__ = ['InterpolationMode', 'get_dimensions', 'get_image_size', 'get_image_num_channels',
           'to_tensor', 'pil_to_tensor', 'to_pil_image', 'convert_image_dtype', 'normalize',
           'resize', 'crop', 'center_crop', 'resized_crop', 'hflip', 'vflip', 'pad', 'rotate',
           'adjust_brightness', 'adjust_contrast', 'adjust_saturation', 'adjust_hue',
           'to_grayscale', 'rgb_to_grayscale', 'gaussian_blur']


def _ember():
    import ember
    return ember


class InterpolationMode(enum.Enum):
    NEAREST = 'nearest'
    NEAREST_EXACT = 'nearest-exact'
    BILINEAR = 'bilinear'
    BICUBIC = 'bicubic'
    BOX = 'box'
    HAMMING = 'hamming'
    LANCZOS = 'lanczos'


_PIL_INT_TO_MODE = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
                    4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}
_MODE_TO_PIL_INT = {InterpolationMode.NEAREST: 0, InterpolationMode.BILINEAR: 2, InterpolationMode.BICUBIC: 3,
                    InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5, InterpolationMode.LANCZOS: 1}


def _interpolation(interpolation):
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    if isinstance(interpolation, int) and not isinstance(interpolation, bool) and interpolation in _PIL_INT_TO_MODE:
        return _PIL_INT_TO_MODE[interpolation]
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant")


# ---------------------------------------------------------------------------------------------
# type helpers

def _is_pil_image(img):
    mod = sys.modules.get('PIL.Image')
    return mod is not None and isinstance(img, mod.Image)


def _pil():
    from PIL import Image
    return Image


def _assert_pil(img):
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def _assert_image_tensor(img):
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def _channels(img):
    return 1 if img.ndim == 2 else int(img.shape[-3])


def _assert_channels(img, permitted):
    c = _channels(img)
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def get_dimensions(img):
    """[channels, height, width]."""
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        return [_channels(img), int(img.shape[-2]), int(img.shape[-1])]
    if _is_pil_image(img):
        w, h = img.size
        return [len(img.getbands()), h, w]
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_size(img):
    """[width, height]."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img):
    return get_dimensions(img)[0]


def _wrap(arr):
    return _ember().from_numpy(np.ascontiguousarray(arr))


# ---------------------------------------------------------------------------------------------
# conversions

_PIL_MODE_DTYPE = {'I': np.int32, 'I;16' if sys.byteorder == 'little' else 'I;16B': np.int16, 'F': np.float32}


def _pil_to_hwc(pic):
    arr = np.asarray(pic, _PIL_MODE_DTYPE.get(pic.mode, np.uint8))
    if pic.mode == '1':
        arr = arr * np.uint8(255)
    w, h = pic.size
    return arr.reshape(h, w, len(pic.getbands()))


def _scale_uint8_chw(hwc):
    """HWC uint8 array -> CHW default-float tensor divided by 255 (exact float division)."""
    em = _ember()
    dt = em.get_default_dtype()
    npdt = np.float64 if dt is em.float64 else np.float32
    out = np.empty((hwc.shape[2], hwc.shape[0], hwc.shape[1]), dtype=npdt)
    np.divide(hwc.transpose(2, 0, 1), npdt(255), out=out)
    return em.from_numpy(out)


def to_tensor(pic):
    """PIL image or HWC ndarray -> CHW tensor; uint8 data is scaled to a float tensor in [0, 1]."""
    is_np = isinstance(pic, np.ndarray)
    if not (_is_pil_image(pic) or is_np):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if is_np:
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        hwc = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        hwc = _pil_to_hwc(pic)
    if hwc.dtype == np.uint8:
        return _scale_uint8_chw(hwc)
    return _ember().from_numpy(np.array(hwc.transpose(2, 0, 1), order='C', copy=True))


def pil_to_tensor(pic):
    """PIL image -> CHW tensor of the image's own dtype (no scaling)."""
    if not _is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8)
    return _wrap(arr.transpose(2, 0, 1))


_MODES_2 = ['LA']
_MODES_3 = ['RGB', 'YCbCr', 'HSV']
_MODES_4 = ['RGBA', 'CMYK', 'RGBX']


def to_pil_image(pic, mode=None):
    """CHW tensor or HWC ndarray -> PIL image (float tensors are scaled by 255 unless mode='F')."""
    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic.unsqueeze(0)
        if pic.shape[-3] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-3]} channels.")
        if pic.is_floating_point() and mode != 'F':
            pic = pic.detach().mul(255).byte()
        npimg = np.transpose(pic.detach().numpy(), (1, 2, 0))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic[:, :, None] if pic.ndim == 2 else pic
        if npimg.shape[-1] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {npimg.shape[-1]} channels.")
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    Image = _pil()
    c = npimg.shape[2]
    if c == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): 'L', np.dtype(np.int16): 'I;16', np.dtype(np.int32): 'I',
                    np.dtype(np.float32): 'F'}.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {np.dtype}. Should be {expected}")
        mode = expected
    else:
        permitted = {2: _MODES_2, 3: _MODES_3, 4: _MODES_4}[c]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {'2D' if c == 2 else f'{c}D'} inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = {2: 'LA', 3: 'RGB', 4: 'RGBA'}[c]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    npimg = np.ascontiguousarray(npimg)
    h, w = npimg.shape[:2]
    if mode == 'I;16':
        return Image.frombytes('I;16', (w, h), npimg.astype('<u2').tobytes())
    if mode in ('L', 'I', 'F', 'LA', 'RGB', 'RGBA'):
        img = Image.fromarray(npimg)
        if img.mode == mode:
            return img
    return Image.frombytes(mode, (w, h), npimg.tobytes())


def _max_value(dtype):
    em = _ember()
    if dtype is em.uint8:
        return 255
    if dtype is em.bool:
        return 1
    return int(em.iinfo(dtype).max)


def convert_image_dtype(image, dtype=None):
    """Convert a tensor image to ``dtype`` rescaling values (ints span [0, max], floats [0, 1])."""
    em = _ember()
    if dtype is None:
        dtype = em.float32
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == em.float32 and dtype in (em.int32, em.int64)) or \
                (image.dtype == em.float64 and dtype == em.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        eps = 1e-3
        return image.mul(_max_value(dtype) + 1.0 - eps).to(dtype)
    in_max = _max_value(image.dtype)
    if dtype.is_floating_point:
        return image.to(dtype) / in_max
    out_max = _max_value(dtype)
    if in_max > out_max:
        factor = (in_max + 1) // (out_max + 1)
        return em.div(image, factor, rounding_mode='floor').to(dtype)
    factor = (out_max + 1) // (in_max + 1)
    return image.to(dtype) * factor


# ---------------------------------------------------------------------------------------------
# normalize

def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean[c]) / std[c] per channel of a float tensor image (..., C, H, W)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    em = _ember()
    npdt = tensor._data.dtype
    m = np.asarray(mean, dtype=npdt)
    s = np.asarray(std, dtype=npdt)
    if not s.all():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if m.ndim == 1:
        m = m.reshape(-1, 1, 1)
    if s.ndim == 1:
        s = s.reshape(-1, 1, 1)
    for a, what in ((m, 'mean'), (s, 'std')):
        c, n = tensor.shape[-3], a.shape[0] if a.ndim == 3 else 1
        if n not in (1, c):
            raise RuntimeError(f"The size of tensor a ({c}) must match the size of tensor b ({n}) at "
                               f"non-singleton dimension 0")
    if not inplace and not (tensor.requires_grad and em.is_grad_enabled()):
        out = np.subtract(tensor._data, m)
        np.divide(out, s, out=out)
        return em.from_numpy(out)
    if not inplace:
        tensor = tensor.clone()
    return tensor.sub_(em.from_numpy(m)).div_(em.from_numpy(s))


# ---------------------------------------------------------------------------------------------
# geometry

def _output_size_for(h, w, size, max_size):
    if isinstance(size, numbers.Number) or len(size) == 1:
        requested = int(size) if isinstance(size, numbers.Number) else int(size[0])
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return [new_long, new_short] if w <= h else [new_short, new_long]
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                         "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    return [int(size[0]), int(size[1])]


def _cubic(x, a):
    x = np.abs(x)
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0))


@functools.lru_cache(maxsize=256)
def _resize_matrix(n_in, n_out, mode, antialias):
    """(n_out, n_in) float64 weights: one output row as a combination of input pixels (torch's rules)."""
    scale = n_in / n_out
    dst = np.arange(n_out, dtype=np.float64)
    W = np.zeros((n_out, n_in), dtype=np.float64)
    rows = np.arange(n_out)
    if mode in ('nearest', 'nearest-exact'):
        src = np.floor((dst + 0.5) * scale) if mode == 'nearest-exact' else np.floor(dst * scale)
        W[rows, np.minimum(src.astype(np.int64), n_in - 1)] = 1.0
        return W
    if mode == 'bicubic' and not antialias:
        src = scale * (dst + 0.5) - 0.5
        x0 = np.floor(src)
        t = src - x0
        for k in range(-1, 3):
            idx = np.clip(x0 + k, 0, n_in - 1).astype(np.int64)
            np.add.at(W, (rows, idx), _cubic(t - k, -0.75))
        return W
    support, filt = (1.0, lambda x: np.maximum(0.0, 1.0 - np.abs(x))) if mode == 'bilinear' else \
        (2.0, lambda x: _cubic(x, -0.5))
    stretch = scale if (antialias and scale > 1.0) else 1.0
    support = support * stretch
    center = scale * (dst + 0.5)
    xmin = np.maximum((center - support + 0.5).astype(np.int64), 0)
    xmax = np.minimum((center + support + 0.5).astype(np.int64), n_in)
    j = np.arange(n_in)[None, :]
    inside = (j >= xmin[:, None]) & (j < xmax[:, None])
    w = np.where(inside, filt((j - center[:, None] + 0.5) / stretch), 0.0)
    tot = w.sum(axis=1, keepdims=True)
    return w / np.where(tot == 0, 1.0, tot)


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size`` ((h, w), or an int: the smaller edge, keeping the aspect ratio)."""
    interpolation = _interpolation(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError("Size must be an int or a 1 or 2 element tuple/list, not a "
                             f"{len(size)} element tuple/list")
    elif not isinstance(size, numbers.Integral):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    _, h, w = get_dimensions(img)
    out_h, out_w = _output_size_for(h, w, size, max_size)
    if (out_h, out_w) == (h, w):
        return img
    if _is_pil_image(img):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.")
        if interpolation is InterpolationMode.NEAREST_EXACT:
            raise NotImplementedError("resize: interpolation=NEAREST_EXACT is not supported for PIL images")
        return img.resize((out_w, out_h), _MODE_TO_PIL_INT[interpolation])
    mode = interpolation.value
    if mode not in ('nearest', 'nearest-exact', 'bilinear', 'bicubic'):
        raise NotImplementedError(f"resize: interpolation={interpolation} is not supported for tensors "
                                  "(only nearest, nearest-exact, bilinear and bicubic)")
    aa = bool(antialias) and mode in ('bilinear', 'bicubic')
    em = _ember()
    x = img if img.is_floating_point() else img.to(em.float32)
    npdt = x._data.dtype
    Wh = em.from_numpy(_resize_matrix(h, out_h, mode, aa).astype(npdt))
    Ww = em.from_numpy(np.ascontiguousarray(_resize_matrix(w, out_w, mode, aa).T.astype(npdt)))
    if x.requires_grad and em.is_grad_enabled():
        out = em.matmul(em.matmul(Wh, x), Ww)
    else:
        out = em.from_numpy(np.matmul(np.matmul(Wh._data, x._data), Ww._data))
    if img.is_floating_point():
        return out
    if mode in ('nearest', 'nearest-exact'):
        return out.round().to(img.dtype)
    if img.dtype == em.uint8:
        out = out.round().clamp(0, 255)
    else:
        out = out.round()
    return out.to(img.dtype)


def _pad_tensor_indices(n, lo, hi, mode):
    np_mode = {'edge': 'edge', 'reflect': 'reflect', 'symmetric': 'symmetric'}[mode]
    return np.pad(np.arange(n), (lo, hi), mode=np_mode)


def _parse_padding(padding):
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, (tuple, list)):
        if len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                             "tuple")
        if len(padding) == 1:
            padding = [padding[0]] * 4
        elif len(padding) == 2:
            padding = [padding[0], padding[1], padding[0], padding[1]]
        return [int(p) for p in padding]
    return [int(padding)] * 4


def pad(img, padding, fill=0, padding_mode='constant'):
    """Pad all sides (int), left/right & top/bottom (2), or left, top, right, bottom (4)."""
    left, top, right, bottom = _parse_padding(padding)
    if not isinstance(fill, (numbers.Number, str, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if padding_mode not in ('constant', 'edge', 'reflect', 'symmetric'):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        if not isinstance(fill, numbers.Number):
            raise TypeError("Got inappropriate fill arg")
        h, w = img.shape[-2:]
        # negative padding crops
        img = img[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
        top, bottom, left, right = max(top, 0), max(bottom, 0), max(left, 0), max(right, 0)
        if not (top or bottom or left or right):
            return img
        h, w = img.shape[-2:]
        if padding_mode == 'constant':
            out = img.new_full(tuple(img.shape[:-2]) + (h + top + bottom, w + left + right), fill)
            if img.requires_grad:
                from ...nn import functional as nnF
                return nnF.pad(img, (left, right, top, bottom), value=float(fill))
            out[..., top:top + h, left:left + w] = img
            return out
        if padding_mode in ('reflect',) and (max(top, bottom) >= h or max(left, right) >= w):
            raise RuntimeError(f"Padding size should be less than the corresponding input dimension, but got: "
                               f"padding ({left}, {right}) at dimension 3 of input {tuple(img.shape)}")
        ih = _pad_tensor_indices(h, top, bottom, padding_mode)
        iw = _pad_tensor_indices(w, left, right, padding_mode)
        em = _ember()
        return img[..., em.from_numpy(ih)[:, None], em.from_numpy(iw)[None, :]]
    _assert_pil(img)
    Image = _pil()
    arr = np.asarray(img)
    h, w = arr.shape[:2]
    arr = arr[max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    top, bottom, left, right = max(top, 0), max(bottom, 0), max(left, 0), max(right, 0)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - 2)
    if padding_mode == 'constant':
        fillv = _parse_fill(fill, img, 'fill')['fill']
        out = np.empty((arr.shape[0] + top + bottom, arr.shape[1] + left + right) + arr.shape[2:], dtype=arr.dtype)
        out[...] = fillv
        out[top:top + arr.shape[0], left:left + arr.shape[1]] = arr
    else:
        out = np.pad(arr, widths, mode=padding_mode)
    res = Image.fromarray(np.ascontiguousarray(out)) if img.mode not in ('P', 'I;16', '1') else \
        Image.frombytes(img.mode, (out.shape[1], out.shape[0]), np.ascontiguousarray(out).tobytes())
    if img.mode == 'P':
        res.putpalette(img.getpalette())
    elif res.mode != img.mode:
        res = res.convert(img.mode)
    return res


def crop(img, top, left, height, width):
    """Crop the box at (top, left) of size (height, width); out-of-bounds areas are zero-filled."""
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        h, w = img.shape[-2:]
        right, bottom = left + width, top + height
        if left < 0 or top < 0 or right > w or bottom > h:
            inner = img[..., max(top, 0):max(bottom, 0), max(left, 0):max(right, 0)]
            return pad(inner, [max(-left, 0), max(-top, 0), max(right - w, 0), max(bottom - h, 0)], fill=0)
        return img[..., top:bottom, left:right]
    _assert_pil(img)
    return img.crop((left, top, left + width, top + height))


def _setup_size(size, error_msg):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size[0], size[1]


def center_crop(img, output_size):
    """Crop the center (pads with zeros first if the image is smaller than ``output_size``)."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, h, w = get_dimensions(img)
    ch, cw = output_size
    if ch > h or cw > w:
        padding = [(cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0,
                   (cw - w + 1) // 2 if cw > w else 0, (ch - h + 1) // 2 if ch > h else 0]
        img = pad(img, padding, fill=0)
        _, h, w = get_dimensions(img)
        if (ch, cw) == (h, w):
            return img
    top = int(round((h - ch) / 2.0))
    left = int(round((w - cw) / 2.0))
    return crop(img, top, left, ch, cw)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def hflip(img):
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        return img.flip(-1)
    _assert_pil(img)
    return img.transpose(_pil().Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        return img.flip(-2)
    _assert_pil(img)
    return img.transpose(_pil().Transpose.FLIP_TOP_BOTTOM)


def _parse_fill(fill, img, name='fillcolor'):
    """Fill for a PIL op: per-band tuple (or a number for single-band images)."""
    num_channels = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * num_channels
        elif len(fill) != num_channels:
            raise ValueError("The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fill)} != {num_channels})")
        fill = tuple(fill)
        if num_channels == 1:
            fill = fill[0]
    if img.mode != 'F':
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def _rotate_tensor(img, angle, mode, expand, center, fill):
    em = _ember()
    h, w = int(img.shape[-2]), int(img.shape[-1])
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)
    # rotation centre relative to the image centre (continuous coordinates, pixel edges at integers)
    cx, cy = (0.0, 0.0) if center is None else (center[0] - w * 0.5, center[1] - h * 0.5)
    if expand:
        corners = np.array([[-0.5 * w, -0.5 * h], [0.5 * w, -0.5 * h], [0.5 * w, 0.5 * h], [-0.5 * w, 0.5 * h]])
        rot = np.array([[cos, sin], [-sin, cos]])
        pts = corners @ rot.T
        tol = 1e-4
        cmax = np.ceil(np.trunc(pts.max(0) / tol) * tol)
        cmin = np.floor(np.trunc(pts.min(0) / tol) * tol)
        ow, oh = (int(v) for v in (cmax - cmin))
    else:
        ow, oh = w, h
    xs = np.arange(ow, dtype=np.float64) + 0.5 - ow * 0.5
    ys = np.arange(oh, dtype=np.float64) + 0.5 - oh * 0.5
    X, Y = xs[None, :] - cx, ys[:, None] - cy
    # inverse map: output position -> input position (counter-clockwise rotation on screen)
    sx = cos * X - sin * Y + cx + w * 0.5 - 0.5
    sy = sin * X + cos * Y + cy + h * 0.5 - 0.5
    x = img._data
    src_dtype = x.dtype
    xf = x.astype(np.float32) if x.dtype.kind not in 'f' else x
    lead = xf.shape[:-2]
    if mode == 'nearest':
        ix, iy = np.rint(sx).astype(np.int64), np.rint(sy).astype(np.int64)
        valid = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        out = xf[..., np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)] * valid
        mask = valid.astype(xf.dtype)
    elif mode == 'bilinear':
        x0, y0 = np.floor(sx), np.floor(sy)
        tx, ty = sx - x0, sy - y0
        x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
        out = np.zeros(lead + (oh, ow), dtype=xf.dtype)
        mask = np.zeros((oh, ow), dtype=xf.dtype)
        for dy, wy in ((0, 1 - ty), (1, ty)):
            for dx, wx in ((0, 1 - tx), (1, tx)):
                xx, yy = x0 + dx, y0 + dy
                ok = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
                wgt = (wx * wy * ok).astype(xf.dtype)
                out += xf[..., np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)] * wgt
                mask += wgt
    else:
        raise NotImplementedError(f"rotate: interpolation={mode} is not supported for tensors (nearest, bilinear)")
    if fill is not None:
        c = xf.shape[-3] if xf.ndim >= 3 else 1
        fv = np.asarray([float(f) for f in fill] if isinstance(fill, (list, tuple)) else [float(fill)], xf.dtype)
        if fv.size == 1:
            fv = np.repeat(fv, c)
        elif fv.size != c:
            raise ValueError("The number of elements in 'fill' does not match the number of channels of the image "
                             f"({fv.size} != {c})")
        fv = fv.reshape(-1, 1, 1) if xf.ndim >= 3 else fv.reshape(1, 1)
        if mode == 'nearest':
            out = np.where(mask < 0.5, fv, out)
        else:
            out = out * mask + (1.0 - mask) * fv
    if src_dtype.kind != 'f':
        out = np.round(out) if mode == 'bilinear' else out
        out = out.astype(src_dtype)
    else:
        out = out.astype(src_dtype, copy=False)
    return em.from_numpy(np.ascontiguousarray(out))


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees around ``center`` (default: the image center)."""
    interpolation = _interpolation(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        return _rotate_tensor(img, float(angle), interpolation.value, expand, center, fill)
    _assert_pil(img)
    if interpolation not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        raise NotImplementedError(f"rotate: interpolation={interpolation} is not supported for PIL images")
    opts = _parse_fill(fill, img)
    return img.rotate(angle, _MODE_TO_PIL_INT[interpolation], expand, center, **opts)


# ---------------------------------------------------------------------------------------------
# color

def _blend(img1, img2, ratio):
    ratio = float(ratio)
    bound = 1.0 if img1.is_floating_point() else 255.0
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def rgb_to_grayscale(img, num_output_channels=1):
    """RGB -> grayscale with ITU-R 601-2 luma weights (0.2989, 0.587, 0.114)."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if not isinstance(img, Tensor):
        return to_grayscale(img, num_output_channels)
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(dim=-3)
    else:
        gray = img.clone()
    if num_output_channels == 3:
        return gray.expand(img.shape)
    return gray


def to_grayscale(img, num_output_channels=1):
    """PIL image -> grayscale PIL image with 1 or 3 channels."""
    if isinstance(img, Tensor):
        return rgb_to_grayscale(img, num_output_channels)
    _assert_pil(img)
    Image = _pil()
    if num_output_channels == 1:
        return img.convert('L')
    if num_output_channels == 3:
        g = img.convert('L')
        return Image.merge('RGB', [g, g, g])
    raise ValueError("num_output_channels should be either 1 or 3")


def _check_factor(value, name):
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")


def adjust_brightness(img, brightness_factor):
    _check_factor(brightness_factor, 'brightness_factor')
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        _assert_channels(img, [1, 3])
        return _blend(img, img.new_zeros(()), brightness_factor)
    _assert_pil(img)
    from PIL import ImageEnhance
    return ImageEnhance.Brightness(img).enhance(brightness_factor)


def adjust_contrast(img, contrast_factor):
    _check_factor(contrast_factor, 'contrast_factor')
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        _assert_channels(img, [3, 1])
        em = _ember()
        dt = img.dtype if img.is_floating_point() else em.float32
        src = rgb_to_grayscale(img) if img.shape[-3] == 3 else img
        mean = src.to(dt).mean(dim=(-3, -2, -1), keepdim=True)
        return _blend(img, mean, contrast_factor)
    _assert_pil(img)
    from PIL import ImageEnhance
    return ImageEnhance.Contrast(img).enhance(contrast_factor)


def adjust_saturation(img, saturation_factor):
    _check_factor(saturation_factor, 'saturation_factor')
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        _assert_channels(img, [1, 3])
        if img.shape[-3] == 1:
            return img
        return _blend(img, rgb_to_grayscale(img), saturation_factor)
    _assert_pil(img)
    from PIL import ImageEnhance
    return ImageEnhance.Color(img).enhance(saturation_factor)


def _rgb_to_hsv(rgb):
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc = np.maximum(np.maximum(r, g), b)
    minc = np.minimum(np.minimum(r, g), b)
    delta = maxc - minc
    flat = delta == 0
    s = delta / np.where(flat, 1, maxc)
    d = np.where(flat, 1, delta)
    rc, gc, bc = (maxc - r) / d, (maxc - g) / d, (maxc - b) / d
    h = np.where(maxc == r, bc - gc, np.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = np.where(flat, 0.0, h)
    h = np.fmod(h / 6.0 + 1.0, 1.0)
    return h, s, maxc


def _hsv_to_rgb(h, s, v):
    h6 = h * 6.0
    i = np.floor(h6)
    f = h6 - i
    i = i.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    conds = [i == k for k in range(6)]
    r = np.select(conds, [v, q, p, p, t, v])
    g = np.select(conds, [t, v, v, q, p, p])
    b = np.select(conds, [p, p, t, v, v, q])
    return np.stack([r, g, b], axis=-3)


def adjust_hue(img, hue_factor):
    """Shift the hue by ``hue_factor`` (in [-0.5, 0.5]) of a full turn of the HSV hue circle."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        _assert_channels(img, [1, 3])
        if img.shape[-3] == 1:
            return img
        x = img._data
        is_u8 = x.dtype == np.uint8
        xf = x.astype(np.float32) / np.float32(255.0) if is_u8 else x
        h, s, v = _rgb_to_hsv(xf)
        h = np.fmod(h + hue_factor, 1.0)
        h = np.where(h < 0, h + 1.0, h)
        out = _hsv_to_rgb(h.astype(xf.dtype), s, v).astype(xf.dtype)
        if is_u8:
            out = (out * np.float32(255.0)).astype(np.uint8)
        return _wrap(out)
    _assert_pil(img)
    Image = _pil()
    if img.mode in ('L', '1', 'I', 'F'):
        return img
    mode = img.mode
    hh, ss, vv = img.convert('HSV').split()
    np_h = np.array(hh, dtype=np.uint8)
    np_h += np.array(int(hue_factor * 255)).astype(np.uint8)
    return Image.merge('HSV', (Image.fromarray(np_h), ss, vv)).convert(mode)



# ---------------------------------------------------------------------------------------------
# blur

@functools.lru_cache(maxsize=128)
def _blur_matrix(n, ksize, sigma, npdt):
    """(n, n) matrix: 1-D Gaussian blur of length-n signals with reflect padding folded in."""
    half = (ksize - 1) * 0.5
    x = np.linspace(-half, half, ksize)
    pdf = np.exp(-0.5 * (x / sigma) ** 2)
    k = pdf / pdf.sum()
    p = ksize // 2
    src = np.pad(np.arange(n), (p, p), mode='reflect')      # padded position -> source pixel
    M = np.zeros((n, n), dtype=np.float64)
    rows = np.repeat(np.arange(n), ksize)
    cols = src[np.arange(n)[:, None] + np.arange(ksize)[None, :]].ravel()
    np.add.at(M, (rows, cols), np.tile(k, n))
    return M.astype(npdt)


def gaussian_blur(img, kernel_size, sigma=None):
    """Gaussian blur with a (kx, ky) kernel and (sx, sy) sigma; borders are reflected."""
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    for ksize in kernel_size:
        if ksize % 2 == 0 or ksize < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [ksize * 0.15 + 0.35 for ksize in kernel_size]
    if sigma is not None and not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    is_pil = not isinstance(img, Tensor)
    if is_pil:
        _assert_pil(img)
        pil_img = img
        img = pil_to_tensor(img)
    _assert_image_tensor(img)
    em = _ember()
    h, w = int(img.shape[-2]), int(img.shape[-1])
    kx, ky = kernel_size
    if kx // 2 >= w or ky // 2 >= h:
        raise RuntimeError(f"Padding size should be less than the corresponding input dimension, but got: padding "
                           f"({kx // 2}, {kx // 2}) at dimension {img.ndim - 1} of input {list(img.shape)}")
    x = img if img.is_floating_point() else img.to(em.float32)
    npdt = x._data.dtype
    Mh = em.from_numpy(_blur_matrix(h, ky, float(sigma[1]), npdt))
    Mw = em.from_numpy(np.ascontiguousarray(_blur_matrix(w, kx, float(sigma[0]), npdt).T))
    if x.requires_grad and em.is_grad_enabled():
        out = em.matmul(em.matmul(Mh, x), Mw)
    else:
        out = em.from_numpy(np.matmul(np.matmul(Mh._data, x._data), Mw._data))
    if not img.is_floating_point():
        out = out.round().to(img.dtype)
    if is_pil:
        return to_pil_image(out, mode=pil_img.mode)
    return out
