"""Image grids and saving (torchvision.utils.make_grid / save_image)."""
import math

import numpy as np

__all__ = ['make_grid', 'save_image']


def _ember():
    import ember
    return ember


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """Tile a (B, C, H, W) tensor (or a list of (C, H, W) tensors) into one (C, H', W') image.

    ``nrow`` images per row, ``padding`` pixels of ``pad_value`` between and around them.
    ``normalize`` shifts each image (``scale_each``) or the whole batch to [0, 1] using
    ``value_range`` (min, max) or the data's min and max. 1-channel images become 3-channel.
    """
    em = _ember()
    if not isinstance(tensor, em.Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, em.Tensor):
                    raise TypeError(f'tensor or list of tensors expected, got a list containing {type(t)}')
        else:
            raise TypeError(f'tensor or list of tensors expected, got {type(tensor)}')
    if isinstance(tensor, list):
        tensor = em.stack(tensor, dim=0)
    x = tensor.detach().numpy()
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        if x.shape[0] == 1:
            x = np.concatenate([x, x, x], 0)
        x = x[None]
    if x.ndim == 4 and x.shape[1] == 1:
        x = np.concatenate([x, x, x], 1)
    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError('value_range has to be a tuple (min, max) if specified. min and max are numbers')
        x = x.copy()

        def norm(a):
            if value_range is not None:
                lo, hi = value_range
            else:
                lo, hi = float(a.min()), float(a.max())
            np.clip(a, lo, hi, out=a)
            a -= np.asarray(lo, a.dtype)
            a /= np.asarray(max(hi - lo, 1e-5), a.dtype)

        if scale_each is True:
            for a in x:
                norm(a)
        else:
            norm(x)
    if x.shape[0] == 1:
        return em.from_numpy(np.ascontiguousarray(x[0]))
    n, c, h, w = x.shape
    xmaps = min(nrow, n)
    ymaps = int(math.ceil(n / xmaps))
    H, W = h + padding, w + padding
    grid = np.full((c, H * ymaps + padding, W * xmaps + padding), pad_value, dtype=x.dtype)
    if n < xmaps * ymaps:  # pad the batch to a full rectangle of tiles, then drop the extra tiles
        full = np.full((xmaps * ymaps, c, h, w), pad_value, dtype=x.dtype)
        full[:n] = x
    else:
        full = x
    # tiles (ymaps, xmaps, c, h, w) -> grid[:, padding + y*H + i, padding + x*W + j]
    view = grid[:, padding:, padding:].reshape(c, ymaps, H, xmaps, W)
    tiles = full.reshape(ymaps, xmaps, c, h, w).transpose(2, 0, 3, 1, 4)
    view[:, :, :h, :, :w] = tiles
    return em.from_numpy(grid)


def save_image(tensor, fp, format=None, **kwargs):
    """Save a tensor (or batch, tiled with ``make_grid(**kwargs)``) as an image file (Pillow)."""
    from PIL import Image
    grid = make_grid(tensor, **kwargs)
    arr = grid.numpy() * 255 + 0.5
    arr = np.clip(arr, 0, 255).transpose(1, 2, 0).astype(np.uint8)
    if arr.shape[2] == 1:
        arr = arr[:, :, 0]
    Image.fromarray(np.ascontiguousarray(arr)).save(fp, format=format)
