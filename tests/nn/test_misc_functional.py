"""F.pad, F.interpolate, pixel_shuffle, distances and their modules against torch."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error, gradcheck, rand

EF = ember.nn.functional
TF = torch.nn.functional


# ------------------------------------------------------------------ pad
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('mode', ['constant', 'reflect', 'replicate', 'circular'])
@pytest.mark.parametrize('shape,pad', [
    ((2, 3, 5), (1, 2)), ((3, 5), (2, 0)), ((3, 5), (-1, 3)),
    ((2, 3, 5, 4), (1, 0, 2, 3)), ((2, 3, 5, 4), (-1, 2, 3, -1)), ((3, 5, 4), (0, 0, 1, 1)),
    ((1, 2, 3, 4, 5), (1, 1, 2, 0, 0, 2)), ((2, 3, 4, 5), (1, 2, -1, 1, 2, 0)),
])
def test_pad_modes(mode, shape, pad, dtype):
    if mode != 'constant' and not (len(pad) // 2 + 1 <= len(shape) <= len(pad) // 2 + 2):
        # torch refuses this rank/pad combination for non-constant modes: so must ember
        check_error(lambda m, x: m.nn.functional.pad(x, pad, mode=mode), [rand(*shape, dtype=dtype)])
        return
    e, t = check(lambda m, x: m.nn.functional.pad(x, pad, mode=mode), [rand(*shape, dtype=dtype)])
    if mode in ('constant', 'reflect', 'replicate'):
        assert e.grad_fn.name() == t.grad_fn.name()


def test_pad_constant_value_and_many_dims():
    x = rand(2, 3, 4, 5)
    check(lambda m, x: m.nn.functional.pad(x, (1, 2, 0, 1, 1, 1, 2, 0), value=2.5), [x])
    e, t = check(lambda m, x: m.nn.functional.pad(x, (1, 1), value=-1.0), [x])
    assert e.grad_fn.name() == t.grad_fn.name() == 'ConstantPadNdBackward0'
    check(lambda m, x: m.nn.functional.pad(x, (0, 0)), [x])
    check(lambda m, x: m.nn.functional.pad(x, (-2, -1, -1, 0)), [x])
    check(lambda m, x: m.nn.functional.pad(x.transpose(1, 3), (1, 2)), [x])  # non-contiguous
    check(lambda m: m.nn.functional.pad(m.arange(6).reshape(2, 3), (1, 1), value=7), [])  # integer
    check(lambda m, x: m.nn.functional.pad(x, [1, 1], 'reflect'), [x[0]])


def test_pad_gradcheck():
    x = rand(2, 3, 4, seed=1)
    for mode in ('constant', 'reflect', 'replicate', 'circular'):
        gradcheck(lambda x: EF.pad(x, (2, 1, 1, 2), mode=mode), [x])
        gradcheck(lambda x: EF.pad(x, (-1, 2), mode=mode), [x])


def test_pad_errors():
    x = rand(1, 2, 3)
    check_error(lambda m, x: m.nn.functional.pad(x, (1,)), [x], match="Padding length must be divisible by 2")
    check_error(lambda m, x: m.nn.functional.pad(x, (1,) * 8), [x],
                match="Padding length should be less than or equal to two times the input dimension but got "
                      "padding length 8 and input of dimension 3")
    check_error(lambda m, x: m.nn.functional.pad(x, (3, 3), mode='reflect'), [x],
                match=r"Padding size should be less than the corresponding input dimension, but got: padding "
                      r"\(3, 3\) at dimension 2 of input \[1, 2, 3\]")
    check_error(lambda m, x: m.nn.functional.pad(x, (4, 0), mode='circular'), [x],
                match="Padding value causes wrapping around more than once.")
    check_error(lambda m, x: m.nn.functional.pad(x, (1, 1), mode='reflect', value=1.0), [x],
                match="doesn't take in value argument")
    check_error(lambda m, x: m.nn.functional.pad(x, (1,) * 6, mode='reflect'), [x],
                match="Padding size 6 is not supported for 3D input tensor")
    check_error(lambda m, x: m.nn.functional.pad(x, (1, 1), mode='foo'), [x], match="Unrecognised padding mode foo")
    check_error(lambda m, x: m.nn.functional.pad(x, (-4, 1)), [x])


PAD_MODULES = [('ZeroPad1d', (1, 2), (2, 3, 4)), ('ZeroPad2d', 1, (2, 3, 4)), ('ZeroPad3d', (1, 0, 0, 1, 2, 0), (1, 2, 2, 3, 2)),
               ('ConstantPad1d', (2, 1), (2, 3, 4)), ('ConstantPad2d', (1, 0, 2, 0), (1, 2, 3, 4)),
               ('ConstantPad3d', 1, (2, 2, 3, 2)),
               ('ReflectionPad1d', 2, (2, 3, 4)), ('ReflectionPad2d', (1, 0, 2, 0), (1, 2, 3, 4)),
               ('ReflectionPad3d', 1, (1, 2, 2, 3, 2)),
               ('ReplicationPad1d', (0, 3), (3, 4)), ('ReplicationPad2d', 2, (2, 3, 4)),
               ('ReplicationPad3d', (1, 2, 0, 1, 1, 0), (2, 2, 3, 2)),
               ('CircularPad1d', 2, (2, 3, 4)), ('CircularPad2d', (1, 0, 2, 1), (1, 2, 3, 4)),
               ('CircularPad3d', 1, (1, 2, 2, 3, 2))]


@pytest.mark.parametrize('name,padding,shape', PAD_MODULES)
def test_pad_modules(name, padding, shape):
    args = (padding, 3.5) if name.startswith('Constant') else (padding,)
    t_mod, e_mod = getattr(torch.nn, name)(*args), getattr(ember.nn, name)(*args)
    assert repr(e_mod) == repr(t_mod)
    assert e_mod.padding == t_mod.padding
    check(lambda m, x: (e_mod if m is ember else t_mod)(x), [rand(*shape)])


def test_circular_pad_module_dim_error():
    check_error(lambda m, x: m.nn.CircularPad2d(1)(x), [rand(3, 4)], match=r"expected 3D or 4D input \(got 2D input\)")


# ------------------------------------------------------------------ interpolate
INTERP = [('nearest', None), ('nearest-exact', None), ('bilinear', False), ('bilinear', True),
          ('bicubic', False), ('bicubic', True), ('area', None)]
SIZES = [dict(size=(7, 3)), dict(size=5), dict(scale_factor=2), dict(scale_factor=(1.7, 0.6)),
         dict(scale_factor=1.5, recompute_scale_factor=True), dict(size=(2, 9)), dict(size=(1, 1)),
         dict(scale_factor=0.5)]


@pytest.mark.parametrize('mode,ac', INTERP)
@pytest.mark.parametrize('kw', SIZES)
def test_interpolate_2d(mode, ac, kw):
    e, t = check(lambda m, x: m.nn.functional.interpolate(x, mode=mode, align_corners=ac, **kw), [rand(2, 3, 5, 4)])
    if not (mode == 'area' and kw == dict(size=(1, 1))):  # torch: a plain mean there
        assert e.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('mode,ac', [('nearest', None), ('nearest-exact', None), ('linear', False), ('linear', True),
                                     ('area', None)])
@pytest.mark.parametrize('kw', [dict(scale_factor=2.3), dict(size=11), dict(size=3), dict(scale_factor=(1.0,))])
def test_interpolate_1d(mode, ac, kw, dtype):
    check(lambda m, x: m.nn.functional.interpolate(x, mode=mode, align_corners=ac, **kw),
          [rand(2, 3, 5, dtype=dtype, seed=1)])


@pytest.mark.parametrize('mode,ac', [('nearest', None), ('trilinear', False), ('trilinear', True),
                                     ('nearest-exact', None), ('area', None)])
def test_interpolate_3d(mode, ac):
    check(lambda m, x: m.nn.functional.interpolate(x, scale_factor=(2, 1.5, 0.7), mode=mode, align_corners=ac),
          [rand(1, 2, 3, 4, 5, seed=1)])
    check(lambda m, x: m.nn.functional.interpolate(x, size=(2, 5, 3), mode=mode, align_corners=ac),
          [rand(1, 2, 3, 4, 5, seed=1)])


def test_interpolate_gradcheck():
    x = rand(1, 2, 3, 4, seed=2)
    for mode, ac in INTERP:
        gradcheck(lambda x: EF.interpolate(x, size=(5, 3), mode=mode, align_corners=ac), [x])
    gradcheck(lambda x: EF.interpolate(x, scale_factor=1.7, mode='linear'), [rand(2, 1, 4)])


def test_interpolate_errors():
    x = rand(1, 2, 3)
    check_error(lambda m, x: m.nn.functional.interpolate(x, scale_factor=2, mode='bilinear'), [x],
                match="Got 3D input, but bilinear mode needs 4D input")
    check_error(lambda m, x: m.nn.functional.interpolate(x, scale_factor=2, align_corners=True), [x],
                match="align_corners option can only be set with the interpolating modes")
    check_error(lambda m, x: m.nn.functional.interpolate(x), [x], match="either size or scale_factor should be defined")
    check_error(lambda m, x: m.nn.functional.interpolate(x, size=3, scale_factor=2), [x],
                match="only one of size or scale_factor should be defined")
    check_error(lambda m, x: m.nn.functional.interpolate(x, size=(3, 4)), [x],
                match="Input and output must have the same number of spatial dimensions")
    check_error(lambda m, x: m.nn.functional.interpolate(x, scale_factor=2, mode='foo'), [x])
    check_error(lambda m: m.nn.functional.interpolate(m.ones(3), scale_factor=2), [])


@pytest.mark.parametrize('cls,kw,shape', [
    ('Upsample', dict(scale_factor=2), (1, 2, 3, 4)), ('Upsample', dict(size=(3, 5), mode='bilinear'), (1, 2, 3, 4)),
    ('Upsample', dict(scale_factor=1.5, mode='bilinear', align_corners=True), (2, 1, 3, 4)),
    ('Upsample', dict(scale_factor=(2, 3), mode='nearest'), (1, 1, 2, 2)),
    ('Upsample', dict(size=7, mode='linear'), (1, 2, 3)),
    ('Upsample', dict(size=(2, 3), mode='area'), (1, 2, 5, 7)),
    ('UpsamplingNearest2d', dict(scale_factor=2), (1, 2, 3, 4)),
    ('UpsamplingBilinear2d', dict(size=4), (1, 2, 3, 4))])
def test_upsample_modules(cls, kw, shape):
    t_mod, e_mod = getattr(torch.nn, cls)(**kw), getattr(ember.nn, cls)(**kw)
    assert repr(e_mod) == repr(t_mod)
    check(lambda m, x: (e_mod if m is ember else t_mod)(x), [rand(*shape)])


# ------------------------------------------------------------------ pixel shuffle
@pytest.mark.parametrize('shape,r', [((2, 8, 3, 4), 2), ((9, 2, 2), 3), ((2, 1, 4, 1, 1), 2)])
def test_pixel_shuffle(shape, r):
    check(lambda m, x: m.nn.functional.pixel_shuffle(x, r), [rand(*shape)])
    t_mod, e_mod = torch.nn.PixelShuffle(r), ember.nn.PixelShuffle(r)
    assert repr(e_mod) == repr(t_mod)
    check(lambda m, x: (e_mod if m is ember else t_mod)(x), [rand(*shape)])
    out_shape = TF.pixel_shuffle(torch.zeros(shape), r).shape
    check(lambda m, x: m.nn.functional.pixel_unshuffle(x, r), [rand(*out_shape)])
    t_mod, e_mod = torch.nn.PixelUnshuffle(r), ember.nn.PixelUnshuffle(r)
    assert repr(e_mod) == repr(t_mod)
    check(lambda m, x: (e_mod if m is ember else t_mod)(x), [rand(*out_shape)])
    # round trip
    x = ember.tensor(rand(*shape))
    np.testing.assert_array_equal(EF.pixel_unshuffle(EF.pixel_shuffle(x, r), r).numpy(), x.numpy())


def test_pixel_shuffle_errors():
    check_error(lambda m, x: m.nn.functional.pixel_shuffle(x, 2), [rand(5, 2, 2)],
                match=r"input.size\(-3\)=5 is not divisible by 4")
    check_error(lambda m, x: m.nn.functional.pixel_shuffle(x, 2), [rand(4, 2)],
                match="pixel_shuffle expects input to have at least 3 dimensions")
    check_error(lambda m, x: m.nn.functional.pixel_unshuffle(x, 2), [rand(1, 3, 3)],
                match=r"input.size\(-2\)=3 is not divisible by 2")
    check_error(lambda m, x: m.nn.functional.pixel_unshuffle(x, 2), [rand(1, 4, 3)])


# ------------------------------------------------------------------ distances
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('s1,s2,dim', [((4, 5), (4, 5), 1), ((4, 5), (1, 5), 1), ((3, 4, 5), (3, 4, 5), -1),
                                       ((3, 4, 5), (4, 5), 0), ((5,), (5,), 0)])
def test_cosine_similarity(s1, s2, dim, dtype):
    check(lambda m, a, b: m.nn.functional.cosine_similarity(a, b, dim=dim), [rand(*s1, dtype=dtype, seed=1),
                                                                             rand(*s2, dtype=dtype, seed=2)])
    t_mod, e_mod = torch.nn.CosineSimilarity(dim), ember.nn.CosineSimilarity(dim)
    assert repr(e_mod) == repr(t_mod)
    check(lambda m, a, b: (e_mod if m is ember else t_mod)(a, b), [rand(*s1, dtype=dtype, seed=1),
                                                                   rand(*s2, dtype=dtype, seed=2)])


def test_cosine_similarity_zero_vector_and_gradcheck():
    a = rand(3, 4, seed=1)
    a[0] = 0
    check(lambda m, a, b: m.nn.functional.cosine_similarity(a, b), [a, rand(3, 4, seed=2)])
    gradcheck(lambda a, b: EF.cosine_similarity(a, b, dim=0), [rand(3, 4, seed=1), rand(3, 4, seed=2)])


@pytest.mark.parametrize('p', [2.0, 1.0, 3.0, float('inf')])
@pytest.mark.parametrize('keepdim', [False, True])
def test_pairwise_distance(p, keepdim):
    a, b = rand(4, 5, seed=1), rand(4, 5, seed=2)
    check(lambda m, a, b: m.nn.functional.pairwise_distance(a, b, p=p, keepdim=keepdim), [a, b])
    check(lambda m, a, b: m.nn.functional.pairwise_distance(a, b, p=p, keepdim=keepdim), [a, b[:1]])
    check(lambda m, a, b: m.nn.functional.pairwise_distance(a, b, p=p), [a[0], b[0]])
    t_mod, e_mod = torch.nn.PairwiseDistance(p, keepdim=keepdim), ember.nn.PairwiseDistance(p, keepdim=keepdim)
    assert repr(e_mod) == repr(t_mod)
    check(lambda m, a, b: (e_mod if m is ember else t_mod)(a, b), [a, b])
    gradcheck(lambda a, b: EF.pairwise_distance(a, b, p=p), [a, b])


@pytest.mark.parametrize('p', [2.0, 1.0, 3.0])
def test_pdist(p):
    check(lambda m, x: m.nn.functional.pdist(x, p), [rand(5, 3, seed=1)])
    gradcheck(lambda x: EF.pdist(x, p), [rand(4, 3, seed=1)])


# ------------------------------------------------------------------ affine_grid / grid_sample
@pytest.mark.parametrize('ac', [False, True])
def test_affine_grid(ac):
    theta = rand(2, 2, 3, seed=3)
    check(lambda m, t: m.nn.functional.affine_grid(t, (2, 3, 4, 5), align_corners=ac), [theta])
    import contextlib
    with pytest.warns(UserWarning, match="unit-size grids") if ac else contextlib.nullcontext():
        check(lambda m, t: m.nn.functional.affine_grid(t, (2, 1, 1, 3), align_corners=ac), [theta])
    if ac:
        with pytest.warns(UserWarning, match="unit-size grids"):
            EF.affine_grid(ember.tensor(theta), (2, 1, 1, 3), align_corners=True)
    gradcheck(lambda t: EF.affine_grid(t, (2, 3, 4, 5), align_corners=ac), [theta])


@pytest.mark.parametrize('mode', ['bilinear', 'nearest'])
@pytest.mark.parametrize('padding_mode', ['zeros', 'border', 'reflection'])
@pytest.mark.parametrize('ac', [False, True])
def test_grid_sample(mode, padding_mode, ac):
    x = rand(2, 3, 4, 5, seed=1)
    grid = rand(2, 6, 7, 2, seed=2, low=-1.3, high=1.3)
    check(lambda m, x, g: m.nn.functional.grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=ac),
          [x, grid], rtol=1e-4, atol=1e-5)
    if mode == 'bilinear':
        gradcheck(lambda x, g: EF.grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=ac),
                  [rand(1, 2, 3, 4, seed=1), rand(1, 2, 3, 2, seed=2, low=-0.93, high=0.93)])


def test_grid_sample_errors():
    x, g = rand(1, 2, 3, 4), rand(1, 5, 6, 2)
    check_error(lambda m, x, g: m.nn.functional.grid_sample(x, g[..., :1], align_corners=False), [x, g],
                match="expected grid to have size 2 in last dimension")
    check_error(lambda m, x, g: m.nn.functional.grid_sample(x, g, mode='foo', align_corners=False), [x, g],
                match="expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'foo'")
    check_error(lambda m, t: m.nn.functional.affine_grid(t, (2, 3, 4), align_corners=False), [rand(2, 2, 3)],
                match="affine_grid only supports 4D and 5D sizes")
    check_error(lambda m, t: m.nn.functional.affine_grid(t, (2, 3, 4, 5), align_corners=False), [rand(2, 3)])
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        EF.grid_sample(ember.tensor(x), ember.tensor(g))
