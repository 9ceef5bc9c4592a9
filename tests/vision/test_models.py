"""ember.vision.models against torchvision's architectures.

torchvision is not installed here (it needs another torch build), so the oracle is:
- tests/vision/fixtures/torchvision_state_dict_keys.json: state_dict keys/shapes and parameter
  counts (regenerate with tests/vision/fixtures/make_torchvision_fixture.py, from torchvision itself
  when it is available);
- the plain torch.nn reference implementations in that script (torchvision's documented layers and
  module names): weights are copied torch -> ember and outputs/gradients compared.
"""
import importlib.util
import json
import math
import os
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn.init as ember_init
from ember.vision import models as M
from oracle import gradcheck

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    'make_torchvision_fixture', os.path.join(HERE, 'fixtures', 'make_torchvision_fixture.py'))
REF = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REF)

with open(os.path.join(HERE, 'fixtures', 'torchvision_state_dict_keys.json')) as _f:
    FIXTURE = json.load(_f)

MODELS = REF.MODELS

# torchvision's published parameter counts (model cards, 1000 classes)
PUBLISHED = {
    'resnet18': 11_689_512, 'resnet34': 21_797_672, 'resnet50': 25_557_032,
    'resnext50_32x4d': 25_028_904, 'wide_resnet50_2': 68_883_240,
    'vgg11': 132_863_336, 'vgg11_bn': 132_868_840, 'vgg16': 138_357_544, 'vgg16_bn': 138_365_992,
    'alexnet': 61_100_840, 'mobilenet_v2': 3_504_872,
    'squeezenet1_0': 1_248_424, 'squeezenet1_1': 1_235_496,
}


# ----------------------------------------------------------------------------- helpers
@pytest.fixture
def no_init(monkeypatch):
    """Skip random initialisation (big models build in milliseconds); for structure-only tests."""
    for fn in ('uniform_', 'normal_', 'kaiming_uniform_', 'kaiming_normal_', '_no_grad_uniform_',
               '_no_grad_normal_'):
        monkeypatch.setattr(ember_init, fn, lambda t, *a, **k: t)


@pytest.fixture
def no_torch_init(monkeypatch):
    """The same for the torch reference models (their values are then garbage: structure only)."""
    monkeypatch.setattr(torch.nn.Linear, 'reset_parameters', lambda self: None)
    monkeypatch.setattr(torch.nn.modules.conv._ConvNd, 'reset_parameters', lambda self: None)


def torch_reference(name, seed=0, dtype=torch.float32, **kw):
    """The torch.nn reference with random weights and non-trivial BatchNorm statistics."""
    torch.manual_seed(seed)
    ref = REF.reference_model(name, **kw).to(dtype)
    with torch.no_grad():
        for m in ref.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    return ref


def copy_weights(ref, model):
    """torch state_dict -> ember model, through NumPy."""
    sd = {k: ember.tensor(v.detach().numpy().copy()) for k, v in ref.state_dict().items()}
    model.load_state_dict(sd)
    return model


def image(n=1, size=64, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal((n, 3, size, size)).astype(dtype)


def assert_close(e, t, rtol, atol, what=''):
    e = e.detach().numpy() if isinstance(e, ember.Tensor) else e
    t = t.detach().numpy() if isinstance(t, torch.Tensor) else t
    assert e.shape == t.shape, f"{what}: shape {e.shape} != torch {t.shape}"
    assert e.dtype == t.dtype, f"{what}: dtype {e.dtype} != torch {t.dtype}"
    np.testing.assert_allclose(e, t, rtol=rtol, atol=atol, err_msg=what)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------- structure
def test_fixture_counts_are_torchvisions_published_numbers():
    for name in MODELS:
        assert FIXTURE[name]['num_params'] == PUBLISHED[name], name


@pytest.mark.parametrize('name', MODELS)
def test_state_dict_keys_shapes_and_counts(name, no_init):
    model = M.get_model(name)
    got = [[k, list(v.shape)] for k, v in model.state_dict().items()]
    want = FIXTURE[name]['state_dict']
    assert [k for k, _ in got] == [k for k, _ in want]
    assert got == want
    assert n_params(model) == PUBLISHED[name]
    # buffers: BatchNorm's num_batches_tracked is int64, everything else float32
    for k, v in model.state_dict().items():
        assert v.dtype == (ember.int64 if k.endswith('num_batches_tracked') else ember.float32), k


@pytest.mark.parametrize('name', MODELS)
def test_repr_matches_torchvision_layout(name, no_init, no_torch_init):
    assert repr(M.get_model(name)) == repr(REF.reference_model(name))


def test_num_classes_changes_only_the_head(no_init):
    m = M.resnet18(num_classes=7)
    assert tuple(m.fc.weight.shape) == (7, 512)
    assert tuple(M.vgg11(num_classes=3).classifier[6].weight.shape) == (3, 4096)
    assert tuple(M.alexnet(num_classes=5).classifier[6].weight.shape) == (5, 4096)
    assert tuple(M.mobilenet_v2(num_classes=4).classifier[1].weight.shape) == (4, 1280)
    assert tuple(M.squeezenet1_1(num_classes=6).classifier[1].weight.shape) == (6, 512, 1, 1)


def test_mobilenet_width_mult(no_init):
    m = M.mobilenet_v2(width_mult=0.5)
    assert m.features[0][0].out_channels == 16          # make_divisible(32 * 0.5, 8)
    assert m.features[1].conv[1].out_channels == 8      # make_divisible(16 * 0.5, 8)
    assert m.features[-1][0].out_channels == 1280       # last channel never shrinks
    assert M.mobilenet_v2(width_mult=1.4).last_channel == 1792


def test_list_and_get_model(no_init):
    names = M.list_models()
    assert names == sorted(names)
    for n in MODELS + ['lenet']:
        assert n in names
    assert M.list_models(include='resnet1*') == ['resnet101', 'resnet152', 'resnet18']
    assert isinstance(M.get_model('ResNet18', num_classes=3), M.ResNet)
    with pytest.raises(ValueError, match='Unknown model'):
        M.get_model('resnet9000')


# ----------------------------------------------------------------------------- arguments and errors
@pytest.mark.parametrize('name', ['resnet18', 'vgg16', 'alexnet', 'mobilenet_v2', 'squeezenet1_1'])
def test_weights_other_than_none_explains_how_to_load(name):
    with pytest.raises(ValueError, match="pretrained weights are not available") as exc:
        M.get_model(name, weights='DEFAULT')
    msg = str(exc.value)
    default = M.get_model_weights(name).DEFAULT
    assert f"{name}(weights={default!r})" in msg and default.url in msg
    assert f"model.load_state_dict(ember.load('/path/to/{name}.pth'))" in msg
    with pytest.raises(ValueError, match='pretrained weights are not available'):
        M.get_model(name, weights=default)
    with pytest.raises(ValueError, match='ember.load'), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        M.get_model(name, pretrained=True)


def test_weight_enums():
    assert M.ResNet18_Weights.DEFAULT is M.ResNet18_Weights.IMAGENET1K_V1
    assert M.ResNet50_Weights.DEFAULT is M.ResNet50_Weights.IMAGENET1K_V2
    assert [w.name for w in M.VGG16_Weights] == ['IMAGENET1K_V1', 'IMAGENET1K_FEATURES']
    assert repr(M.MobileNet_V2_Weights.DEFAULT) == 'MobileNet_V2_Weights.IMAGENET1K_V2'
    assert M.get_model_weights('resnet18') is M.ResNet18_Weights
    assert M.get_model_weights(M.alexnet) is M.AlexNet_Weights
    assert M.get_weight('ResNet50_Weights.IMAGENET1K_V1') is M.ResNet50_Weights.IMAGENET1K_V1
    assert M.ResNet18_Weights.verify('IMAGENET1K_V1') is M.ResNet18_Weights.IMAGENET1K_V1
    assert M.ResNet18_Weights.verify(None) is None
    import pickle
    assert pickle.loads(pickle.dumps(M.VGG16_Weights.IMAGENET1K_FEATURES)) is M.VGG16_Weights.IMAGENET1K_FEATURES
    for name in MODELS:
        assert M.get_model_weights(name).DEFAULT.meta['num_params'] == PUBLISHED[name], name
    with pytest.raises(TypeError, match='expected ResNet18_Weights but received ResNet34_Weights'):
        M.resnet18(weights=M.ResNet34_Weights.DEFAULT)
    with pytest.raises(KeyError):
        M.resnet18(weights='NOT_A_CHECKPOINT')
    with pytest.raises(RuntimeError, match='cannot be downloaded'):
        M.ResNet18_Weights.DEFAULT.get_state_dict(progress=False)


@pytest.mark.parametrize('name,count', [
    ('resnet101', 44_549_160), ('resnet152', 60_192_808), ('resnext101_32x8d', 88_791_336),
    ('resnext101_64x4d', 83_455_272), ('wide_resnet101_2', 126_886_696), ('vgg13', 133_047_848),
    ('vgg13_bn', 133_053_736), ('vgg19', 143_667_240), ('vgg19_bn', 143_678_248),
])
def test_more_published_parameter_counts(name, count, no_init):
    assert n_params(M.get_model(name)) == count == M.get_model_weights(name).DEFAULT.meta['num_params']


def test_legacy_pretrained_false_warns(no_init):
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        m = M.resnet18(pretrained=False)
    assert isinstance(m, M.ResNet)


def test_builders_are_keyword_only_and_reject_unknown_kwargs(no_init):
    with pytest.raises(TypeError):
        M.resnet18(None)
    with pytest.raises(TypeError):
        M.resnet18(num_clases=3)
    with pytest.raises(TypeError):
        M.mobilenet_v2(bogus=1)


def test_architecture_argument_errors(no_init):
    with pytest.raises(ValueError, match='BasicBlock only supports groups=1 and base_width=64'):
        M.resnet18(groups=2)
    with pytest.raises(NotImplementedError, match='Dilation > 1 not supported in BasicBlock'):
        M.resnet18(replace_stride_with_dilation=[False, False, True])
    with pytest.raises(ValueError, match='replace_stride_with_dilation should be None or a 3-element'):
        M.resnet50(replace_stride_with_dilation=[True])
    with pytest.raises(ValueError, match="The parameter 'groups' expected value 32 but got 4"):
        M.resnext50_32x4d(groups=4)
    with pytest.raises(ValueError, match='Unsupported SqueezeNet version 2_0'):
        M.SqueezeNet('2_0')
    with pytest.raises(ValueError, match='stride should be 1 or 2 instead of 3'):
        M.InvertedResidual(8, 8, 3, 6)
    with pytest.raises(ValueError, match='inverted_residual_setting should be non-empty'):
        M.mobilenet_v2(inverted_residual_setting=[])
    with pytest.raises(ValueError, match='inverted_residual_setting should be non-empty'):
        M.mobilenet_v2(inverted_residual_setting=[[1, 16, 1]])


@pytest.mark.parametrize('name,shape', [('resnet18', (3, 32, 32)), ('mobilenet_v2', (3, 32, 32)),
                                        ('alexnet', (1, 3, 16, 16))])
def test_bad_input_rank_or_size_raises_like_torch(name, shape, no_init, no_torch_init):
    x = np.zeros(shape, np.float32)
    ref = REF.reference_model(name).eval()
    with pytest.raises(Exception) as t_exc, torch.no_grad():
        ref(torch.from_numpy(x))
    with pytest.raises(Exception) as e_exc, ember.no_grad():
        M.get_model(name).eval()(ember.tensor(x))
    assert type(e_exc.value) is type(t_exc.value)
    assert str(e_exc.value) == str(t_exc.value)


def test_wrong_input_channels_raises_like_torch(no_init):
    x = np.zeros((1, 1, 32, 32), np.float32)
    ref = REF.reference_model('resnet18')
    with pytest.raises(RuntimeError) as t_exc:
        ref(torch.from_numpy(x))
    with pytest.raises(RuntimeError) as e_exc:
        M.resnet18()(ember.tensor(x))
    assert str(e_exc.value) == str(t_exc.value)


# ----------------------------------------------------------------------------- initialisation
def _std_close(t, std, rel=0.05):
    a = t.detach().numpy()
    assert abs(a.mean()) < 4 * std / math.sqrt(a.size) + 1e-7
    assert a.std() == pytest.approx(std, rel=rel)


def _uniform_in(t, bound):
    a = t.detach().numpy()
    assert np.abs(a).max() <= bound
    assert np.abs(a).max() > 0.95 * bound
    if a.size > 1000:
        assert a.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_resnet_init():
    m = M.resnet18()
    for name, p in m.named_parameters():
        if p.dim() == 4:            # kaiming_normal_, fan_out, relu gain
            fan_out = p.shape[0] * p.shape[2] * p.shape[3]
            _std_close(p, math.sqrt(2.0 / fan_out), rel=0.1 if p.numel() < 5000 else 0.05)
        elif 'bn' in name or 'downsample.1' in name:
            assert np.all(p.detach().numpy() == (1.0 if name.endswith('weight') else 0.0)), name
    _uniform_in(m.fc.weight, 1 / math.sqrt(512))  # nn.Linear's default init
    _uniform_in(m.fc.bias, 1 / math.sqrt(512))
    assert all(np.all(b.numpy() == 1) for n, b in m.named_buffers() if n.endswith('running_var'))
    assert float(m.layer1[0].bn2.weight.sum()) == 64


def test_zero_init_residual():
    m = M.resnet18(zero_init_residual=True)
    for layer in (m.layer1, m.layer2, m.layer3, m.layer4):
        for blk in layer:
            assert np.all(blk.bn2.weight.detach().numpy() == 0)
            assert np.all(blk.bn1.weight.detach().numpy() == 1)
    # every block starts as the identity (plus ReLU): the residual branch adds nothing
    m.eval()
    x = ember.relu(ember.randn(1, 64, 8, 8))
    with ember.no_grad():
        assert np.allclose(m.layer1(x).numpy(), x.numpy())


@pytest.mark.parametrize('zero', [False, True])
def test_zero_init_residual_bottleneck(no_init, zero):
    # (no_init skips the random draws; the constant_ calls still run)
    m = M.resnet50(zero_init_residual=zero)
    for blk in m.layer3:
        assert np.all(blk.bn3.weight.detach().numpy() == (0 if zero else 1))
        assert np.all(blk.bn2.weight.detach().numpy() == 1)


def test_mobilenet_v2_init():
    ember.manual_seed(0)
    m = M.mobilenet_v2()
    w = m.features[18][0].weight                           # 1x1, 320 -> 1280: fan_out 1280
    _std_close(w, math.sqrt(2.0 / 1280))
    w = m.features[4].conv[1][0].weight                    # depthwise (144, 1, 3, 3): torch's fan_out
    _std_close(w, math.sqrt(2.0 / (144 * 9)), rel=0.1)     # ignores groups: 144 * 9
    _std_close(m.classifier[1].weight, 0.01)
    assert np.all(m.classifier[1].bias.detach().numpy() == 0)
    for mod in m.modules():
        if isinstance(mod, ember.nn.BatchNorm2d):
            assert np.all(mod.weight.detach().numpy() == 1) and np.all(mod.bias.detach().numpy() == 0)


def test_squeezenet_init():
    ember.manual_seed(0)
    m = M.squeezenet1_0()
    _uniform_in(m.features[0].weight, math.sqrt(6.0 / (3 * 49)))          # kaiming_uniform_, fan_in
    _uniform_in(m.features[12].expand3x3.weight, math.sqrt(6.0 / (64 * 9)))
    _std_close(m.classifier[1].weight, 0.01)                               # final conv: normal(0, 0.01)
    for mod in m.modules():
        if isinstance(mod, ember.nn.Conv2d):
            assert np.all(mod.bias.detach().numpy() == 0)


def test_alexnet_keeps_default_init():
    ember.manual_seed(0)
    m = M.alexnet(num_classes=10)
    _uniform_in(m.features[0].weight, 1 / math.sqrt(3 * 121))
    _uniform_in(m.features[0].bias, 1 / math.sqrt(3 * 121))
    _uniform_in(m.classifier[4].weight, 1 / math.sqrt(4096))


@pytest.fixture(scope='module')
def vgg11_bn_pair():
    """One real vgg11_bn build (132M parameters: build once) and its torch reference."""
    ember.manual_seed(0)
    m = M.vgg11_bn(num_classes=10)
    stats = {
        'conv0_std': float(m.features[0].weight.detach().numpy().std()),
        'conv_last_std': float(m.features[-4].weight.detach().numpy().std()),
        'fc_std': float(m.classifier[0].weight.detach().numpy().std()),
        'fc_mean': float(m.classifier[0].weight.detach().numpy().mean()),
        'biases_zero': all(np.all(mod.bias.detach().numpy() == 0) for mod in m.modules()
                           if isinstance(mod, (ember.nn.Conv2d, ember.nn.Linear))),
    }
    return m, stats, torch_reference('vgg11_bn', num_classes=10)


def test_vgg_init(vgg11_bn_pair):
    _, s, _ = vgg11_bn_pair
    assert s['conv0_std'] == pytest.approx(math.sqrt(2.0 / (64 * 9)), rel=0.1)
    assert s['conv_last_std'] == pytest.approx(math.sqrt(2.0 / (512 * 9)), rel=0.02)
    assert s['fc_std'] == pytest.approx(0.01, rel=0.01)
    assert abs(s['fc_mean']) < 1e-4
    assert s['biases_zero']


# ----------------------------------------------------------------------------- values vs torch
@pytest.mark.parametrize('name,size', [
    ('resnet18', 64), ('resnet50', 64), ('resnext50_32x4d', 32), ('alexnet', 64),
    ('mobilenet_v2', 64), ('squeezenet1_0', 64), ('squeezenet1_1', 48),
])
def test_eval_forward_matches_torch(name, size, no_init):
    ref = torch_reference(name, num_classes=10).eval()
    model = copy_weights(ref, M.get_model(name, num_classes=10)).eval()
    x = image(2, size)
    with torch.no_grad():
        want = ref(torch.from_numpy(x))
    with ember.no_grad():
        got = model(ember.tensor(x))
    assert_close(got, want, rtol=2e-4, atol=2e-4, what=name)


def test_vgg_eval_forward_matches_torch(vgg11_bn_pair):
    model, _, ref = vgg11_bn_pair
    copy_weights(ref, model)
    model.eval()
    ref.eval()
    x = image(1, 32)     # 1x1 feature map, upsampled to 7x7 by the adaptive pool
    with torch.no_grad():
        want = ref(torch.from_numpy(x))
    with ember.no_grad():
        got = model(ember.tensor(x))
    assert_close(got, want, rtol=2e-4, atol=1e-5, what='vgg11_bn')


# (torch's float64 depthwise convolution takes ~40 s here, so MobileNetV2 runs in float32; in float32
# the last stages need >1x1 maps, else BatchNorm over 2 values turns rounding into O(1) differences)
@pytest.mark.parametrize('name,n,size,kw,dtype', [
    ('resnet18', 2, 32, {}, np.float64),
    ('resnet50', 2, 64, {}, np.float32),
    ('mobilenet_v2', 4, 64, {'dropout': 0.0}, np.float32),
    ('squeezenet1_1', 2, 40, {'dropout': 0.0}, np.float64),
])
def test_train_mode_forward_backward(name, n, size, kw, dtype, no_init):
    """Train mode (batch statistics): output, input grad, every parameter's grad, running stats."""
    f64 = dtype == np.float64
    ref = torch_reference(name, dtype=torch.float64 if f64 else torch.float32, num_classes=5, **kw).train()
    model = M.get_model(name, num_classes=5, **kw)
    copy_weights(ref, model.double() if f64 else model).train()
    x = image(n, size, dtype=dtype)
    g = np.random.default_rng(1).standard_normal((n, 5)).astype(dtype)
    xt = torch.from_numpy(x).requires_grad_(True)
    xe = ember.tensor(x, requires_grad=True)
    yt = ref(xt)
    ye = model(xe)
    assert_close(ye, yt, *((1e-9, 1e-10) if f64 else (1e-4, 1e-4)), what=f'{name} output')
    yt.backward(torch.from_numpy(g))
    ye.backward(ember.tensor(g))
    # Small-batch BatchNorm amplifies rounding in the gradients: float64 agrees elementwise to ~1e-7;
    # in float32 even torch's own float32 and float64 gradients differ by ~1% here, so float32 cases
    # compare the relative norm of the difference (a wrong or missing gradient path gives O(1)).
    tp = dict(ref.named_parameters())
    pairs = [('input', xe.grad, xt.grad)] + [(n, p.grad, tp[n].grad) for n, p in model.named_parameters()]
    # typical gradient size; a gradient that is ~0 in exact arithmetic (a bias just before a
    # batch-normalised layer) is compared against it instead of against its own rounding noise
    rms = math.sqrt(sum(float((p.grad.numpy().astype(np.float64) ** 2).sum()) for p in ref.parameters())
                    / sum(p.numel() for p in ref.parameters()))
    for what, ge, gt in pairs:
        assert ge is not None, what
        if f64:
            scale = float(np.abs(gt.numpy()).max())
            assert_close(ge, gt, 1e-6, 1e-7 * scale, what=f'grad of {what}')
        else:
            assert ge.dtype == ember.float32 and tuple(ge.shape) == tuple(gt.shape), what
            floor = 1e-2 * rms * math.sqrt(gt.numel()) if what != 'input' else 1e-12
            err = np.linalg.norm(ge.numpy() - gt.numpy()) / max(np.linalg.norm(gt.numpy()), floor)
            assert err < 0.05, f'grad of {what}: relative error {err:.3g}'
    tb = dict(ref.named_buffers())
    for n, b in model.named_buffers():
        assert_close(b, tb[n], *((1e-10, 1e-12) if f64 else (1e-4, 1e-5)), what=n)


def test_float64_eval_and_state_dict_dtypes(no_init):
    ref = torch_reference('resnet18', dtype=torch.float64, num_classes=3).eval()
    model = copy_weights(ref, M.resnet18(num_classes=3).double()).eval()
    x = image(1, 40, dtype=np.float64)
    with torch.no_grad():
        want = ref(torch.from_numpy(x))
    got = model(ember.tensor(x))
    assert got.dtype == ember.float64 and got.requires_grad
    assert_close(got, want, 1e-10, 1e-11, what='resnet18 float64')


def test_dilated_resnet50_matches_torch_shape(no_init):
    m = M.resnet50(num_classes=4, replace_stride_with_dilation=[False, True, True]).eval()
    # the first block of a dilated stage keeps the previous stage's dilation
    assert m.layer4[0].conv2.dilation == (2, 2) and m.layer4[0].conv2.stride == (1, 1)
    assert m.layer4[1].conv2.dilation == (4, 4) and m.layer4[1].conv2.padding == (4, 4)
    assert m.layer3[0].conv2.dilation == (1, 1) and m.layer3[1].conv2.dilation == (2, 2)
    with ember.no_grad():
        feats = m.layer4(m.layer3(m.layer2(m.layer1(m.maxpool(m.relu(m.bn1(m.conv1(ember.zeros(1, 3, 64, 64)))))))))
    assert tuple(feats.shape) == (1, 2048, 8, 8)    # output stride 8 instead of 32


@pytest.mark.parametrize('name', ['vgg11', 'vgg16', 'vgg16_bn', 'wide_resnet50_2', 'resnet34'])
def test_forward_output_shape(name, no_init):
    m = M.get_model(name, num_classes=3).eval()
    with ember.no_grad():
        y = m(ember.zeros(1, 3, 32, 32))
    assert tuple(y.shape) == (1, 3) and y.dtype == ember.float32


def test_load_torch_saved_state_dict_file(tmp_path, no_init):
    """A state_dict saved by torch.save loads with ember.load + load_state_dict."""
    ref = torch_reference('resnet18').eval()
    path = tmp_path / 'resnet18.pth'
    torch.save(ref.state_dict(), path)
    model = M.resnet18()
    model.load_state_dict(ember.load(str(path)))
    model.eval()
    x = image(1, 32)
    with torch.no_grad():
        want = ref(torch.from_numpy(x))
    with ember.no_grad():
        got = model(ember.tensor(x))
    assert_close(got, want, 2e-4, 2e-4, what='resnet18 from torch file')


def test_training_step_reduces_loss():
    ember.manual_seed(0)
    model = M.resnet18(num_classes=4)
    opt = ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x = ember.randn(4, 3, 32, 32)
    y = ember.tensor([0, 1, 2, 3])
    losses = []
    for _ in range(4):
        loss = ember.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses))
    assert losses[-1] < losses[0]
    assert int(model.bn1.num_batches_tracked) == 4


# ----------------------------------------------------------------------------- LeNet
class TorchLeNet(torch.nn.Module):
    def __init__(self, num_classes, in_channels, size):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(in_channels, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5, padding=2)
        self.fc1 = torch.nn.Linear(16 * (size // 4) ** 2, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, num_classes)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.relu(self.fc1(x.flatten(1)))
        return self.fc3(torch.relu(self.fc2(x)))


@pytest.mark.parametrize('size,cin,dtype', [(28, 1, np.float32), (8, 1, np.float64), (32, 3, np.float32)])
def test_lenet_matches_torch(size, cin, dtype):
    torch.manual_seed(0)
    ref = TorchLeNet(10, cin, size).to(torch.float64 if dtype == np.float64 else torch.float32)
    model = M.LeNet(num_classes=10, in_channels=cin, input_size=size)
    assert [(k, tuple(v.shape)) for k, v in model.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]
    if dtype == np.float64:
        model.double()
    copy_weights(ref, model)
    x = np.random.default_rng(0).standard_normal((3, cin, size, size)).astype(dtype)
    xt = torch.from_numpy(x).requires_grad_(True)
    xe = ember.tensor(x, requires_grad=True)
    yt, ye = ref(xt), model(xe)
    tol = (1e-10, 1e-12) if dtype == np.float64 else (1e-5, 1e-5)
    assert_close(ye, yt, *tol, what='lenet')
    yt.sum().backward()
    ye.sum().backward()
    assert_close(xe.grad, xt.grad, *tol, what='input grad')
    tp = dict(ref.named_parameters())
    for n, p in model.named_parameters():
        assert_close(p.grad, tp[n].grad, *tol, what=n)


def test_lenet_errors():
    with pytest.raises(ValueError, match='at least 4x4'):
        M.LeNet(input_size=3)
    with pytest.raises(ValueError, match='pretrained weights'):
        M.lenet(weights='DEFAULT')


# ----------------------------------------------------------------------------- finite differences
def _small_blocks():
    ember.manual_seed(0)
    down = ember.nn.Sequential(M.resnet.conv1x1(4, 8, 2), ember.nn.BatchNorm2d(8))
    return {
        'BasicBlock': (M.BasicBlock(4, 4), (2, 4, 5, 5)),
        'BasicBlock-downsample': (M.BasicBlock(4, 8, 2, ember.nn.Sequential(
            M.resnet.conv1x1(4, 8, 2), ember.nn.BatchNorm2d(8))), (2, 4, 5, 5)),
        'Bottleneck-downsample': (M.Bottleneck(4, 2, 2, down), (2, 4, 5, 5)),
        'InvertedResidual': (M.InvertedResidual(4, 4, 1, 3), (2, 4, 4, 4)),
        'InvertedResidual-stride2': (M.InvertedResidual(4, 6, 2, 1), (2, 4, 5, 5)),
        'Fire': (M.Fire(4, 2, 3, 3), (1, 4, 4, 4)),
        'LeNet': (M.LeNet(num_classes=3, input_size=4), (2, 1, 4, 4)),
    }


@pytest.mark.parametrize('name', list(_small_blocks()))
@pytest.mark.parametrize('train', [True, False])
def test_block_gradcheck_float64(name, train):
    block, shape = _small_blocks()[name]
    block.double().train(train)
    if not train:   # non-trivial running statistics
        for m in block.modules():
            if isinstance(m, ember.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 1.5)
    x = np.random.default_rng(3).standard_normal(shape)
    gradcheck(lambda t: block(t), [x])


def test_lenet_learns_digits():
    """LeNet on the bundled UCI digits (8x8) reaches >= 97% test accuracy in a couple of seconds."""
    from ember.vision import datasets
    tr, te = datasets.Digits(train=True), datasets.Digits(train=False)

    def tensors(ds):  # ToTensor + Normalize((0.5,), (0.5,))
        x = np.asarray(ds.data, dtype=np.float32)[:, None] / 127.5 - 1.0
        return ember.tensor(x), ember.tensor(np.asarray(ds.targets, dtype=np.int64))

    (x, y), (xt, yt) = tensors(tr), tensors(te)
    assert tuple(x.shape[1:]) == (1, 8, 8)
    ember.manual_seed(0)
    model = M.LeNet(num_classes=10, input_size=8)
    opt = ember.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(15):
        model.train()
        perm = ember.randperm(len(x))
        for i in range(0, len(x), 32):
            idx = perm[i:i + 32]
            loss = ember.nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with ember.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    assert acc >= 0.97, acc
