"""Convolutions vs torch: F.conv1d/2d/3d, F.conv_transpose1d/2d/3d and the Conv/ConvTranspose modules."""
import math

import numpy as np
import pytest
import torch

import ember
from oracle import check, check_error, gradcheck, rand, assert_close, to_numpy

F32 = dict(rtol=1e-4, atol=1e-5)


def _conv_inputs(xs, ws, bias, dtype, seed=0):
    rng = np.random.default_rng(seed)
    out = [rand(*xs, dtype=dtype, rng=rng), rand(*ws, dtype=dtype, rng=rng)]
    if bias:
        out.append(rand(ws[0], dtype=dtype, rng=rng))
    return out


CONV_CASES = [
    # (fn, x shape, w shape, kwargs)
    ('conv2d', (2, 3, 9, 8), (4, 3, 3, 3), {}),
    ('conv2d', (1, 1, 28, 28), (6, 1, 5, 5), {}),                                  # batch 1, LeNet
    ('conv2d', (3, 3, 10, 9), (5, 3, 2, 4), dict(stride=(2, 3), padding=(1, 2))),   # non-square
    ('conv2d', (2, 4, 11, 10), (6, 2, 3, 3), dict(groups=2, dilation=(2, 1), padding=2)),
    ('conv2d', (2, 6, 7, 7), (6, 1, 3, 3), dict(groups=6, padding=1)),            # depthwise
    ('conv2d', (2, 4, 7, 7), (8, 1, 3, 3), dict(groups=4, padding=1)),            # depth multiplier 2
    ('conv2d', (2, 3, 6, 7), (4, 3, 2, 2), dict(padding='same')),                 # even kernel 'same'
    ('conv2d', (2, 3, 6, 7), (4, 3, 4, 3), dict(padding='same', dilation=(1, 2))),
    ('conv2d', (2, 3, 6, 7), (4, 3, 3, 3), dict(padding='valid')),
    ('conv2d', (2, 3, 8, 8), (4, 3, 1, 1), dict(stride=2)),                       # 1x1 strided
    ('conv2d', (2, 2, 5, 5), (3, 2, 5, 5), {}),                                   # kernel == input
    ('conv2d', (3, 9, 8), (4, 3, 3, 3), {}),                                      # unbatched
    ('conv1d', (2, 3, 17), (5, 3, 4), dict(stride=3, padding=2, dilation=2)),
    ('conv1d', (1, 4, 9), (4, 2, 3), dict(groups=2, padding='same')),
    ('conv1d', (4, 10), (2, 4, 3), {}),                                           # unbatched
    ('conv3d', (2, 2, 5, 6, 4), (3, 2, 2, 3, 2), dict(stride=(1, 2, 1), padding=1)),
    ('conv3d', (1, 4, 4, 5, 6), (4, 2, 3, 3, 3), dict(groups=2, padding='same')),
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('fn,xs,ws,kw', CONV_CASES)
def test_conv_functional(fn, xs, ws, kw, bias, dtype):
    inputs = _conv_inputs(xs, ws, bias, dtype)
    tol = F32 if dtype == np.float32 else {}

    def f(m, x, w, b=None):
        return getattr(m.nn.functional, fn)(x, w, b, **kw)
    e, t = check(f, inputs, **tol)
    assert e.grad_fn.name() == t.grad_fn.name()
    if len(xs) == len(ws):
        assert e.grad_fn.name() == 'ConvolutionBackward0'


def test_conv2d_noncontiguous_input():
    inputs = _conv_inputs((2, 3, 10, 12), (4, 3, 3, 3), True, np.float64)
    check(lambda m, x, w, b: m.nn.functional.conv2d(x.transpose(2, 3)[:, :, ::2], w, b, padding=1), inputs)
    check(lambda m, x, w, b: m.nn.functional.conv2d(x, w.transpose(2, 3), b, stride=2), inputs)


def test_conv2d_keyword_and_default_args():
    inputs = _conv_inputs((2, 3, 8, 8), (4, 3, 3, 3), False, np.float64)
    check(lambda m, x, w: m.nn.functional.conv2d(input=x, weight=w, stride=[2, 1], padding=[1], dilation=(1,)),
          inputs)


def test_conv_integer_inputs_forward_only():
    x = np.arange(2 * 3 * 5 * 5).reshape(2, 3, 5, 5) % 7
    w = np.arange(4 * 3 * 2 * 2).reshape(4, 3, 2, 2) % 5 - 2
    check(lambda m, x, w: m.nn.functional.conv2d(x, w), [x.astype(np.int64), w.astype(np.int64)], grad=False)


TRANSPOSE_CASES = [
    ('conv_transpose2d', (2, 3, 5, 4), (3, 4, 3, 3), {}),
    ('conv_transpose2d', (1, 4, 5, 6), (4, 3, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    ('conv_transpose2d', (2, 4, 4, 5), (4, 2, 2, 3), dict(stride=(2, 3), groups=2, dilation=(2, 1))),
    ('conv_transpose2d', (2, 4, 4, 4), (4, 1, 3, 3), dict(groups=4, stride=2, output_padding=(1, 0))),
    ('conv_transpose2d', (3, 5, 4), (3, 2, 2, 2), dict(stride=2)),               # unbatched
    ('conv_transpose1d', (2, 3, 7), (3, 5, 4), dict(stride=3, padding=2, output_padding=1, dilation=2)),
    ('conv_transpose3d', (1, 2, 3, 4, 3), (2, 3, 2, 3, 2), dict(stride=2, padding=1)),
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('fn,xs,ws,kw', TRANSPOSE_CASES)
def test_conv_transpose_functional(fn, xs, ws, kw, bias, dtype):
    rng = np.random.default_rng(1)
    inputs = [rand(*xs, dtype=dtype, rng=rng), rand(*ws, dtype=dtype, rng=rng)]
    cout = ws[1] * kw.get('groups', 1)
    if bias:
        inputs.append(rand(cout, dtype=dtype, rng=rng))
    tol = F32 if dtype == np.float32 else {}

    def f(m, x, w, b=None):
        return getattr(m.nn.functional, fn)(x, w, b, **kw)
    e, t = check(f, inputs, **tol)
    assert e.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize('fn,xs,ws,kw', [
    ('conv2d', (1, 2, 5, 4), (3, 2, 2, 3), dict(stride=(2, 1), padding=1, dilation=(1, 2))),
    ('conv2d', (2, 4, 4, 4), (4, 2, 3, 3), dict(groups=2, padding='same')),
    ('conv1d', (2, 2, 6), (3, 2, 3), dict(stride=2, padding=1)),
    ('conv3d', (1, 2, 3, 4, 3), (2, 2, 2, 2, 2), dict(padding=1)),
    ('conv_transpose2d', (1, 2, 3, 3), (2, 3, 2, 3), dict(stride=2, output_padding=1, padding=1)),
    ('conv_transpose1d', (2, 4, 3), (4, 1, 3), dict(stride=2, groups=2)),
])
def test_conv_gradcheck(fn, xs, ws, kw):
    rng = np.random.default_rng(2)
    x, w = rand(*xs, dtype=np.float64, rng=rng), rand(*ws, dtype=np.float64, rng=rng)
    cout = ws[1] * kw.get('groups', 1) if 'transpose' in fn else ws[0]
    b = rand(cout, dtype=np.float64, rng=rng)
    gradcheck(lambda x, w, b: getattr(ember.nn.functional, fn)(x, w, b, **kw), [x, w, b])


@pytest.mark.parametrize('fn,kw', [('conv2d', dict(stride=2, padding=1)), ('conv_transpose2d', dict(stride=2))])
def test_conv_double_backward(fn, kw):
    """grad of (grad_input . v) wrt weight and input matches torch (create_graph=True)."""
    rng = np.random.default_rng(3)
    x = rand(2, 3, 5, 5, dtype=np.float64, rng=rng)
    w = rand(3, 3, 3, 3, dtype=np.float64, rng=rng)
    res = []
    for m in (ember, torch):
        xt = m.tensor(x, requires_grad=True)
        wt = m.tensor(w, requires_grad=True)
        y = getattr(m.nn.functional, fn)(xt, wt, None, **kw)
        gx, gw = m.autograd.grad((y * y).sum(), (xt, wt), create_graph=True)
        s = (gx * gx).sum() + (gw.sin()).sum()
        res.append([to_numpy(a) for a in m.autograd.grad(s, (xt, wt))])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def test_conv_gradgradcheck_small():
    rng = np.random.default_rng(4)
    x = ember.tensor(rand(1, 2, 4, 4, dtype=np.float64, rng=rng), requires_grad=True)
    w = ember.tensor(rand(2, 2, 2, 2, dtype=np.float64, rng=rng), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x, w: ember.nn.functional.conv2d(x, w, stride=2, padding=1),
                                        (x, w))


# ------------------------------------------------------------------------------- errors
def test_conv_errors():
    x = rand(1, 3, 32, 32)
    w = rand(6, 1, 5, 5)
    check_error(lambda m, x, w: m.nn.functional.conv2d(x, w), [x, w],
                match=r"Given groups=1, weight of size \[6, 1, 5, 5\], expected input\[1, 3, 32, 32\] to have 1 "
                      r"channels, but got 3 channels instead")
    check_error(lambda m, x, w: m.nn.functional.conv2d(x, w), [rand(32, 32), w],
                match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: "
                      r"\[32, 32\]")
    check_error(lambda m, x, w: m.nn.functional.conv2d(x, w), [rand(1, 1, 3, 3), w],
                match=r"Calculated padded input size per channel: \(3 x 3\). Kernel size: \(5 x 5\). Kernel size "
                      r"can't be greater than actual input size")
    check_error(lambda m, x, w: m.nn.functional.conv1d(x, w), [rand(2, 3, 8), rand(4, 3, 3, 3)])
    check_error(lambda m, x, w, b: m.nn.functional.conv2d(x, w, b), [x, rand(6, 3, 5, 5), rand(5)],
                match=r"expected bias to be 1-dimensional with 6 elements, but got bias of size \[5\]")
    check_error(lambda m, x, w: m.nn.functional.conv2d(x, w, stride=2, padding='same'), [x, rand(6, 3, 5, 5)],
                match="padding='same' is not supported for strided convolutions")
    check_error(lambda m, x, w: m.nn.functional.conv2d(x, w, padding='foo'), [x, rand(6, 3, 5, 5)],
                match="Invalid padding string: 'foo'")
    check_error(lambda m, x, w: m.nn.functional.conv2d(x, w, groups=2), [x, w],
                match=r"Given groups=2, weight of size \[6, 1, 5, 5\], expected input\[1, 3, 32, 32\] to have 2 "
                      r"channels, but got 3 channels instead")
    check_error(lambda m, x, w: m.nn.functional.conv2d(x, w, stride=(1, 2, 3)), [x, rand(6, 3, 5, 5)],
                match="expected stride to be a single integer value or a list of 2 values")
    check_error(lambda m, x, w: m.nn.functional.conv2d(x, w), [x.astype(np.float64), rand(6, 3, 5, 5)],
                match="expected scalar type Double but found Float")
    check_error(lambda m, x, w, b: m.nn.functional.conv2d(x, w, b),
                [x, rand(6, 3, 5, 5), rand(6).astype(np.float64)],
                match=r"Input type \(float\) and bias type \(double\) should be the same")
    # transposed
    check_error(lambda m, x, w: m.nn.functional.conv_transpose2d(x, w), [rand(1, 3, 8, 8), rand(6, 3, 5, 5)],
                match=r"Given transposed=1, weight of size \[6, 3, 5, 5\], expected input\[1, 3, 8, 8\] to have 6 "
                      r"channels, but got 3 channels instead")
    check_error(lambda m, x, w: m.nn.functional.conv_transpose2d(x, w, output_padding=2),
                [rand(1, 3, 8, 8), rand(3, 3, 5, 5)], match="output padding must be smaller than either stride or "
                                                            "dilation")
    check_error(lambda m, x, w: m.nn.functional.conv_transpose2d(x, w, padding=3),
                [rand(1, 3, 1, 1), rand(3, 3, 2, 2)],
                match=r"Given input size per channel: \(1 x 1\). Calculated output size per channel: \(-4 x -4\). "
                      r"Output size is too small")
    check_error(lambda m, x, w: m.nn.functional.conv_transpose2d(x, w, padding='same'),
                [rand(1, 3, 8, 8), rand(3, 3, 5, 5)])


# ------------------------------------------------------------------------------- modules
def _copy_params(tm, em):
    sd = {k: ember.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    em.load_state_dict(sd)


def _module_check(cls_name, args, kwargs, xs, dtype=np.float32, fwd_kwargs=None, seed=0):
    torch.manual_seed(seed)
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    edt = ember.float64 if dtype == np.float64 else ember.float32
    tm = getattr(torch.nn, cls_name)(*args, **kwargs).to(tdt)
    em = getattr(ember.nn, cls_name)(*args, **kwargs).to(edt)
    assert repr(em) == repr(tm)
    assert [(k, tuple(v.shape)) for k, v in em.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    _copy_params(tm, em)
    x = rand(*xs, dtype=dtype, seed=seed + 1)
    tx = torch.tensor(x, requires_grad=True)
    ex = ember.tensor(x, requires_grad=True)
    fk = fwd_kwargs or {}
    ty, ey = tm(tx, **fk), em(ex, **fk)
    tol = F32 if dtype == np.float32 else {}
    assert_close(ey, ty, **tol)
    g = rand(*ty.shape, dtype=dtype, seed=seed + 2)
    ty.backward(torch.tensor(g))
    ey.backward(ember.tensor(g))
    assert_close(ex.grad, tx.grad, **tol, what='input grad')
    for (n, tp), (n2, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert n == n2
        assert_close(ep.grad, tp.grad, **tol, what=f'grad of {n}')
    # eval mode gives the same result
    tm.eval(), em.eval()
    assert_close(em(ember.tensor(x), **fk), tm(torch.tensor(x), **fk), **tol)
    return em, tm


MODULE_CASES = [
    ('Conv2d', (1, 6, 5), {}, (2, 1, 12, 12)),
    ('Conv2d', (3, 16, 3), dict(padding=1), (2, 3, 8, 8)),
    ('Conv2d', (4, 6, (3, 2)), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2, bias=False),
     (1, 4, 9, 9)),
    ('Conv2d', (4, 4, 3), dict(padding='same', groups=4), (2, 4, 6, 5)),
    ('Conv2d', (3, 5, 4), dict(padding='same', padding_mode='reflect'), (2, 3, 7, 6)),
    ('Conv2d', (3, 5, 3), dict(padding=2, padding_mode='replicate', stride=2), (2, 3, 7, 6)),
    ('Conv2d', (3, 5, (3, 2)), dict(padding=(1, 2), padding_mode='circular'), (2, 3, 7, 6)),
    ('Conv2d', (3, 5, 3), dict(padding=1, padding_mode='reflect'), (3, 7, 6)),                 # unbatched
    ('Conv1d', (3, 4, 3), dict(stride=2, padding=1), (2, 3, 11)),
    ('Conv1d', (4, 4, 4), dict(padding='same', padding_mode='circular', groups=2), (2, 4, 9)),
    ('Conv3d', (2, 3, (2, 3, 2)), dict(padding=1, padding_mode='replicate'), (1, 2, 4, 5, 4)),
    ('Conv3d', (2, 4, 3), dict(stride=2, padding='valid'), (2, 2, 5, 5, 5)),
    ('ConvTranspose2d', (3, 4, 3), dict(stride=2, padding=1, output_padding=1), (2, 3, 5, 4)),
    ('ConvTranspose2d', (4, 6, (2, 3)), dict(stride=(2, 1), groups=2, dilation=(1, 2), bias=False), (1, 4, 3, 4)),
    ('ConvTranspose1d', (3, 2, 4), dict(stride=3, padding=1), (2, 3, 6)),
    ('ConvTranspose3d', (2, 3, 2), dict(stride=2), (1, 2, 3, 2, 3)),
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('name,args,kwargs,xs', MODULE_CASES)
def test_conv_modules(name, args, kwargs, xs, dtype):
    _module_check(name, args, kwargs, xs, dtype)


def test_conv_transpose_output_size():
    _module_check('ConvTranspose2d', (3, 4, 3), dict(stride=2), (2, 3, 5, 5), np.float64,
                  fwd_kwargs=dict(output_size=(12, 12)))
    _module_check('ConvTranspose2d', (3, 4, 3), dict(stride=3, padding=1), (2, 3, 4, 4), np.float64,
                  fwd_kwargs=dict(output_size=[2, 4, 11, 12]))
    em = ember.nn.ConvTranspose2d(3, 4, 3, stride=2)
    tm = torch.nn.ConvTranspose2d(3, 4, 3, stride=2)
    check_error(lambda m, x: (em if m is ember else tm)(x, output_size=(20, 20)), [rand(1, 3, 5, 5)],
                match=r"requested an output size of \[20, 20\], but valid sizes range from \[11, 11\] to \[12, 12\]")


def test_conv_module_reprs():
    for args, kw in [((1, 6, 5), {}), ((3, 16, 3), dict(padding=1)), ((4, 8, (3, 1)), dict(stride=2, groups=4)),
                     ((3, 3, 3), dict(padding='same', bias=False, padding_mode='circular', dilation=2)),
                     ((3, 3, 3), dict(padding='valid'))]:
        for cls in ('Conv1d', 'Conv2d', 'Conv3d'):
            if cls != 'Conv2d' and isinstance(args[2], tuple):
                continue
            assert repr(getattr(ember.nn, cls)(*args, **kw)) == repr(getattr(torch.nn, cls)(*args, **kw))
    for cls in ('ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d'):
        kw = dict(stride=2, output_padding=1, groups=2, dilation=1, bias=False)
        assert repr(getattr(ember.nn, cls)(4, 6, 3, **kw)) == repr(getattr(torch.nn, cls)(4, 6, 3, **kw))
    assert repr(ember.nn.Conv2d(1, 6, 5)) == 'Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))'


def test_conv_module_attributes():
    e, t = ember.nn.Conv2d(4, 8, 3, padding='same', groups=2), torch.nn.Conv2d(4, 8, 3, padding='same', groups=2)
    for a in ('in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups',
              'padding_mode', 'output_padding', 'transposed'):
        assert getattr(e, a) == getattr(t, a), a
    assert list(e._reversed_padding_repeated_twice) == list(t._reversed_padding_repeated_twice)
    assert e.weight.dtype == ember.float32
    assert ember.nn.Conv2d(2, 2, 3, dtype=ember.float64).weight.dtype == ember.float64


@pytest.mark.parametrize('cls,args', [('Conv2d', (16, 32, 3)), ('Conv1d', (5, 7, 4)),
                                      ('ConvTranspose2d', (16, 8, (3, 5))), ('Conv2d', (8, 16, 5, 1, 0, 1, 4))])
def test_conv_default_init(cls, args):
    """kaiming_uniform_(a=sqrt(5)) -> U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias, like torch."""
    ember.manual_seed(0)
    m = getattr(ember.nn, cls)(*args)
    w = m.weight.detach().numpy()
    fan_in = w.shape[1] * math.prod(w.shape[2:])
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    # uniform: std = bound / sqrt(3)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound
    assert abs(w.mean()) < 0.1 * bound
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound
    tm = getattr(torch.nn, cls)(*args)
    assert tuple(tm.weight.shape) == w.shape and tuple(tm.bias.shape) == b.shape
    assert np.abs(tm.weight.detach().numpy()).max() <= bound


def test_conv_module_construction_errors():
    for kw, msg in [(dict(groups=0), 'groups must be a positive integer'),
                    (dict(groups=2), 'in_channels must be divisible by groups'),
                    (dict(padding='foo'), 'Invalid padding string'),
                    (dict(padding='same', stride=2), "padding='same' is not supported for strided convolutions"),
                    (dict(padding_mode='bad'), 'padding_mode must be one of')]:
        for m in (torch, ember):
            with pytest.raises(ValueError, match=msg):
                m.nn.Conv2d(3, 4, 3, **kw)
    for m in (torch, ember):
        with pytest.raises(ValueError, match='out_channels must be divisible by groups'):
            m.nn.Conv2d(4, 3, 3, groups=2)
        with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
            m.nn.ConvTranspose2d(4, 3, 3, padding_mode='reflect')


def test_conv_module_wrong_channels():
    em, tm = ember.nn.Conv2d(1, 6, 5), torch.nn.Conv2d(1, 6, 5)
    check_error(lambda m, x: (em if m is ember else tm)(x), [rand(1, 3, 32, 32)],
                match=r"Given groups=1, weight of size \[6, 1, 5, 5\], expected input\[1, 3, 32, 32\] to have 1 "
                      r"channels, but got 3 channels instead")
    em, tm = ember.nn.Conv2d(3, 6, 3, padding=3, padding_mode='reflect'), \
        torch.nn.Conv2d(3, 6, 3, padding=3, padding_mode='reflect')
    check_error(lambda m, x: (em if m is ember else tm)(x), [rand(1, 3, 3, 3)])


def test_conv_module_training_lenet_step():
    """A LeNet-style conv stack trains identically (same weights, SGD step) in both frameworks."""
    def build(m):
        m.manual_seed(0)
        return m.nn.Sequential(m.nn.Conv2d(1, 6, 5), m.nn.ReLU(), m.nn.MaxPool2d(2), m.nn.Conv2d(6, 16, 5),
                               m.nn.ReLU(), m.nn.MaxPool2d(2))
    tm, em = build(torch), build(ember)
    _copy_params(tm, em)
    x = rand(4, 1, 28, 28, seed=5)
    for _ in range(2):
        outs = []
        for m, net in ((torch, tm), (ember, em)):
            y = net(m.tensor(x))
            loss = (y * y).mean()
            for p in net.parameters():
                p.grad = None
            loss.backward()
            with m.no_grad():
                for p in net.parameters():
                    p -= 0.1 * p.grad
            outs.append(to_numpy(y))
        np.testing.assert_allclose(outs[1], outs[0], rtol=1e-4, atol=1e-5)


def test_conv_partial_requires_grad():
    """Frozen weight (only input/bias need grads) and plain input (only weight)."""
    rng = np.random.default_rng(6)
    x, w, b = rand(2, 3, 6, 6, dtype=np.float64, rng=rng), rand(4, 3, 3, 3, dtype=np.float64, rng=rng), \
        rand(4, dtype=np.float64, rng=rng)
    res = []
    for m in (ember, torch):
        X = m.tensor(x, requires_grad=True)
        Wt = m.tensor(w)
        B = m.tensor(b, requires_grad=True)
        y = m.nn.functional.conv2d(X, Wt, B, padding=1, stride=2)
        gx, gb = m.autograd.grad(y.pow(2).sum(), (X, B))
        X2, W2 = m.tensor(x), m.tensor(w, requires_grad=True)
        (gw,) = m.autograd.grad(m.nn.functional.conv2d(X2, W2, dilation=2).pow(2).sum(), (W2,))
        res.append([to_numpy(a) for a in (gx, gb, gw)])
    for a, b_ in zip(*res):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-12)


def test_conv_saved_input_modified_inplace():
    for m in (ember, torch):
        x = m.ones(1, 2, 5, 5, requires_grad=True) * 1.0
        w = m.ones(3, 2, 3, 3, requires_grad=True)
        y = m.nn.functional.conv2d(x, w)
        x.add_(1)
        with pytest.raises(RuntimeError, match='modified by an inplace operation'):
            y.sum().backward()


def test_conv_module_double_and_no_grad():
    torch.manual_seed(0)
    tm = torch.nn.Conv2d(2, 3, 3, padding=1).double()
    em = ember.nn.Conv2d(2, 3, 3, padding=1).double()
    _copy_params(tm, em)
    x = rand(2, 2, 5, 5, dtype=np.float64, seed=9)
    with ember.no_grad():
        ey = em(ember.tensor(x))
    assert not ey.requires_grad and ey.grad_fn is None
    assert_close(ey, tm(torch.tensor(x)).detach())
