"""ember.vision.utils.make_grid / save_image against a direct reference of torchvision's documented layout."""
import math

import numpy as np
import pytest

import ember
from ember.vision import utils

Image = pytest.importorskip('PIL.Image')


def ref_grid(x, nrow=8, padding=2, pad_value=0.0):
    """Tile by explicit loops: torchvision's layout (tiles row-major, padding before each tile and at the end)."""
    n, c, h, w = x.shape
    xmaps = min(nrow, n)
    ymaps = int(math.ceil(n / xmaps))
    H, W = h + padding, w + padding
    grid = np.full((c, H * ymaps + padding, W * xmaps + padding), pad_value, dtype=x.dtype)
    k = 0
    for yy in range(ymaps):
        for xx in range(xmaps):
            if k >= n:
                break
            grid[:, yy * H + padding:yy * H + padding + h, xx * W + padding:xx * W + padding + w] = x[k]
            k += 1
    return grid


@pytest.mark.parametrize('n,nrow,padding,pad_value', [(5, 2, 2, 0.0), (4, 8, 1, 0.5), (7, 3, 0, 1.0), (2, 1, 3, 0.2)])
def test_make_grid_layout(n, nrow, padding, pad_value):
    x = np.random.default_rng(n).random((n, 3, 4, 5)).astype(np.float32)
    g = utils.make_grid(ember.from_numpy(x), nrow=nrow, padding=padding, pad_value=pad_value)
    assert g.dtype == ember.float32
    np.testing.assert_array_equal(g.numpy(), ref_grid(x, nrow, padding, pad_value))


def test_make_grid_channels_list_single_and_normalize():
    x = np.random.default_rng(0).random((3, 1, 2, 2)).astype(np.float32) * 4 - 1
    g = utils.make_grid(ember.from_numpy(x), nrow=3, padding=1)
    assert tuple(g.shape) == (3, 4, 10)  # 1-channel -> 3 channels
    np.testing.assert_array_equal(g.numpy(), ref_grid(np.repeat(x, 3, 1), 3, 1))
    lst = [ember.from_numpy(a) for a in np.repeat(x, 3, 1)]
    np.testing.assert_array_equal(utils.make_grid(lst, nrow=3, padding=1).numpy(), g.numpy())
    single = utils.make_grid(ember.from_numpy(x[0]))  # one (1, H, W) image -> (3, H, W), no padding
    np.testing.assert_array_equal(single.numpy(), np.repeat(x[0], 3, 0))
    assert tuple(utils.make_grid(ember.zeros(4, 5)).shape) == (3, 4, 5)
    # normalize with the data range of the whole batch
    gn = utils.make_grid(ember.from_numpy(x), nrow=3, padding=0, normalize=True).numpy()
    lo, hi = x.min(), x.max()
    np.testing.assert_allclose(gn, ref_grid((np.repeat(x, 3, 1) - lo) / (hi - lo), 3, 0), rtol=1e-6)
    # value_range clamps first; scale_each normalizes each image on its own
    gv = utils.make_grid(ember.from_numpy(x), nrow=3, padding=0, normalize=True, value_range=(0.0, 2.0)).numpy()
    np.testing.assert_allclose(gv, ref_grid(np.clip(np.repeat(x, 3, 1), 0, 2) / 2, 3, 0), rtol=1e-6)
    ge = utils.make_grid(ember.from_numpy(x), nrow=3, padding=0, normalize=True, scale_each=True).numpy()
    each = np.stack([(a - a.min()) / (a.max() - a.min()) for a in np.repeat(x, 3, 1)])
    np.testing.assert_allclose(ge, ref_grid(each, 3, 0), rtol=1e-6, atol=1e-7)
    src = ember.from_numpy(x.copy())
    utils.make_grid(src, normalize=True)
    np.testing.assert_array_equal(src.numpy(), x)  # input untouched


def test_make_grid_errors():
    with pytest.raises(TypeError, match='tensor or list of tensors expected, got'):
        utils.make_grid(np.zeros((2, 3, 4, 4)))
    with pytest.raises(TypeError, match='tensor or list of tensors expected, got a list containing'):
        utils.make_grid([ember.zeros(3, 2, 2), np.zeros((3, 2, 2))])
    with pytest.raises(TypeError, match=r'value_range has to be a tuple \(min, max\)'):
        utils.make_grid(ember.zeros(2, 3, 2, 2), normalize=True, value_range=[0, 1])


def test_save_image(tmp_path):
    x = np.random.default_rng(0).random((3, 3, 4, 5)).astype(np.float32)
    p = tmp_path / 'grid.png'
    utils.save_image(ember.from_numpy(x), str(p), nrow=2, padding=1)
    back = np.asarray(Image.open(p))
    exp = np.clip(ref_grid(x, 2, 1) * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(back, exp)
    with open(tmp_path / 'one.jpg', 'wb') as f:
        utils.save_image(ember.from_numpy(x[0]), f, format='PNG')
    assert Image.open(tmp_path / 'one.jpg').format == 'PNG'
