"""The programs in examples/ run end to end (tiny sizes), each in a fresh subprocess.

Datasets are generated in their real on-disk formats: MNIST as gzipped IDX files under
<root>/MNIST/raw/, CIFAR-10 as the python pickle batches under <root>/cifar-10-batches-py/.
Where an example needs no dataset, it is also run under real PyTorch (imports rewritten) and the
outputs are compared.
"""
import gzip
import os
import pickle
import re
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, 'examples')


def run_example(name, *args, cwd=None, source=None, timeout=120):
    """Run examples/<name> (or `source` written to a file) with the venv's python."""
    path = os.path.join(EXAMPLES, name)
    if source is not None:
        path = os.path.join(cwd, 'torch_' + name)
        with open(path, 'w') as f:
            f.write(source)
    env = dict(os.environ, PYTHONPATH=ROOT, PYTHONHASHSEED='0')
    return subprocess.run([sys.executable, path, *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def ok(r):
    assert r.returncode == 0, f'exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}'
    return r.stdout.splitlines()


def as_torch_program(name):
    """The example's source with ember's imports replaced by PyTorch's."""
    src = open(os.path.join(EXAMPLES, name)).read()
    assert 'ember.vision' not in src  # torchvision is not installed in the venv
    src = re.sub(r'^import ember as torch$', 'import torch', src, flags=re.M)
    src = re.sub(r'^import ember\.(\S+) as (\w+)$', r'import torch.\1 as \2', src, flags=re.M)
    src = re.sub(r'^from ember\.(\S+) import', r'from torch.\1 import', src, flags=re.M)
    assert 'ember' not in src.replace('ember.compat', '')
    return src


def floats(lines, pattern):
    return [float(m.group(1)) for m in (re.search(pattern, ln) for ln in lines) if m]


# ---------------------------------------------------------------- generated datasets, real formats

def _idx_bytes(arr):
    """IDX (MNIST) encoding of a uint8 array: magic 0x0000 08 <ndim>, big-endian dims, data."""
    head = struct.pack('>BBBB', 0, 0, 0x08, arr.ndim) + struct.pack(f'>{arr.ndim}I', *arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def _digit_images(labels, rng, size=28):
    """Learnable fake digits: class k lights up a k-dependent block, plus noise."""
    imgs = rng.integers(0, 60, size=(len(labels), size, size)).astype(np.uint8)
    for i, k in enumerate(labels):
        r, c = divmod(int(k), 4)
        imgs[i, 2 + 6 * r:7 + 6 * r, 2 + 6 * c:7 + 6 * c] = 255
    return imgs


@pytest.fixture(scope='module')
def mnist_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('mnist_data')
    raw = root / 'MNIST' / 'raw'
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (('train', 96), ('t10k', 40)):
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        with gzip.open(raw / f'{prefix}-images-idx3-ubyte.gz', 'wb') as f:
            f.write(_idx_bytes(_digit_images(labels, rng)))
        with gzip.open(raw / f'{prefix}-labels-idx1-ubyte.gz', 'wb') as f:
            f.write(_idx_bytes(labels))
    return root


@pytest.fixture(scope='module')
def cifar_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('cifar_data')
    d = root / 'cifar-10-batches-py'
    d.mkdir()
    rng = np.random.default_rng(1)

    def batch(n, name):
        labels = [int(k) for k in rng.integers(0, 10, size=n)]
        data = rng.integers(0, 256, size=(n, 3 * 32 * 32)).astype(np.uint8)
        for i, k in enumerate(labels):  # class-dependent red channel level: learnable
            data[i, :1024] = 25 * k
        entry = {'batch_label': name, 'labels': labels, 'data': data,
                 'filenames': [f'img_{i}.png' for i in range(n)]}
        with open(d / name, 'wb') as f:
            pickle.dump(entry, f, protocol=2)

    for i in range(1, 6):
        batch(12, f'data_batch_{i}')
    batch(20, 'test_batch')
    names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']
    with open(d / 'batches.meta', 'wb') as f:
        pickle.dump({'label_names': names, 'num_cases_per_batch': 10000, 'num_vis': 3072}, f, protocol=2)
    return root


def test_generated_files_are_the_real_formats(mnist_root, cifar_root):
    # the readers of the real datasets accept them (ember's own, which parse the raw formats)
    import ember
    from ember.vision import datasets
    m = datasets.MNIST(str(mnist_root), train=True)
    assert len(m) == 96 and m.data.shape == (96, 28, 28) and m.data.dtype == ember.uint8
    c = datasets.CIFAR10(str(cifar_root), train=False)
    assert len(c) == 20 and c.data.shape == (20, 32, 32, 3) and c.classes[0] == 'airplane'
    assert len(datasets.CIFAR10(str(cifar_root), train=True)) == 60


# ---------------------------------------------------------------- dataset examples

def test_cifar10_cnn(cifar_root, tmp_path):
    # num_workers=2 (the seed's DataLoader setting) is the default: real worker processes
    lines = ok(run_example('cifar10_cnn.py', '--data', cifar_root, '--epochs', 3, '--batch-size', 30,
                           '--lr', 0.003, cwd=tmp_path))
    losses = floats(lines, r'^Epoch \[\d+\] Loss: ([\d.]+)')
    assert len(losses) == 3
    assert losses[-1] < losses[0]
    acc = [ln for ln in lines if ln.startswith('Accuracy of the network on the 20 test images: ')]
    assert len(acc) == 1 and acc[0].endswith(' %')


def test_cifar10_cnn_limit(cifar_root, tmp_path):
    lines = ok(run_example('cifar10_cnn.py', '--data', cifar_root, '--epochs', 1, '--limit', 7,
                           '--batch-size', 5, '--num-workers', 0, cwd=tmp_path))
    assert lines[-1].startswith('Accuracy of the network on the 7 test images: ')


def test_cifar10_cnn_missing_data_says_where(tmp_path):
    r = run_example('cifar10_cnn.py', '--data', tmp_path / 'nothing', '--epochs', 1, cwd=tmp_path)
    assert r.returncode == 1
    where = os.path.join(str(tmp_path / 'nothing'), 'cifar-10-batches-py')
    assert 'Dataset not found' in r.stderr and where in r.stderr and 'data_batch_1' in r.stderr
    assert 'Traceback' not in r.stderr


def test_mnist_mlp(mnist_root, tmp_path):
    lines = ok(run_example('mnist_mlp.py', '--data', mnist_root, '--epochs', 5, '--batch-size', 16,
                           '--lr', 0.003, cwd=tmp_path))
    losses = floats(lines, r'^Epoch \d+, Loss: ([\d.]+)$')
    assert len(losses) == 5
    assert losses[-1] < 0.7 * losses[0]
    acc = floats(lines, r'^Test accuracy on 40 images: ([\d.]+) %$')
    assert len(acc) == 1 and acc[0] >= 50  # the fake digits are easy


def test_mnist_lenet(mnist_root, tmp_path):
    lines = ok(run_example('mnist_lenet.py', '--data', mnist_root, '--epochs', 3, '--batch-size', 8,
                           '--lr', 0.01, '--log-interval', 4, '--limit', 64, cwd=tmp_path))
    assert lines[0] == 'Net('
    assert '  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))' in lines
    assert '  (fc1): Linear(in_features=400, out_features=120, bias=True)' in lines
    running = [ln for ln in lines if re.match(r'^\[\d, +\d+\] loss: \d+\.\d{3}$', ln)]
    assert len(running) == 3 * 2  # 64 samples / batch 8 = 8 batches, logged every 4
    assert running[0].startswith('[1,     4] loss: ')
    epoch = floats(lines, r'^epoch \d: mean loss ([\d.]+)$')
    assert len(epoch) == 3 and epoch[-1] < epoch[0]
    assert 'Finished Training' in lines
    assert re.match(r'^Accuracy of the network on the 40 test images: [\d.]+ %$', lines[-1])


def test_mnist_missing_data_says_where(tmp_path):
    for name in ('mnist_mlp.py', 'mnist_lenet.py'):
        r = run_example(name, '--data', tmp_path, '--epochs', 1, cwd=tmp_path)
        assert r.returncode == 1
        assert 'Dataset not found' in r.stderr and 'train-images-idx3-ubyte' in r.stderr
        assert os.path.join(str(tmp_path), 'MNIST', 'raw') in r.stderr


# ---------------------------------------------------------------- examples without datasets

def test_linear_regression(tmp_path):
    lines = ok(run_example('linear_regression.py', '--epochs', 300, cwd=tmp_path))
    losses = floats(lines, r'^Epoch \[\d+\] Loss: ([\d.]+)$')
    assert len(losses) == 10 and losses[-1] < losses[0]
    w, b = map(float, re.search(r'y = ([-\d.]+) \* x \+ ([-\d.]+)', lines[-1]).groups())
    assert abs(w - 2) < 0.25 and abs(b - 1) < 0.25
    final = floats(lines, r'^Final loss: ([\d.]+)$')[0]
    assert 0.1 < final < 0.45  # the noise variance is 0.25


def test_gradient_descent_matches_torch(tmp_path):
    e = ok(run_example('gradient_descent.py', '--steps', 300, cwd=tmp_path))
    t = ok(run_example('gradient_descent.py', '--steps', 300, cwd=tmp_path,
                       source=as_torch_program('gradient_descent.py')))
    assert len(e) == len(t) == 4
    for le, lt in zip(e, t):
        assert le.split(':')[0] == lt.split(':')[0]
        # torch's SGD step is a fused multiply-add (1 ulp apart from ember after many steps)
        assert float(le.split('= ')[1]) == pytest.approx(float(lt.split('= ')[1]), rel=1e-6, abs=1e-6)
        assert abs(float(le.split('= ')[1]) - 2) < 0.1


def test_bce_net_saves_a_torch_loadable_checkpoint(tmp_path):
    lines = ok(run_example('bce_net.py', '--epochs', 6, '--limit', 256, '--out', 'net.pth', cwd=tmp_path))
    losses = floats(lines, r'^Epoch \d/6 loss: ([\d.]+) ')
    assert len(losses) == 6 and losses[-1] < losses[0]
    assert lines[-1] == 'Saved the model to net.pth (reloaded: identical outputs: True)'
    torch = pytest.importorskip('torch')
    sd = torch.load(tmp_path / 'net.pth')
    assert [(k, tuple(v.shape)) for k, v in sd.items()] == [
        ('fc1.weight', (20, 10)), ('fc1.bias', (20,)), ('fc2.weight', (1, 20)), ('fc2.bias', (1,))]
    # the same weights in a torch Net give the same predictions as ember's
    import ember
    ns = {}
    exec(compile(as_torch_program('bce_net.py'), 'bce_net_torch', 'exec'), ns)
    tnet = ns['Net']()
    tnet.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((5, 10)).astype(np.float32)
    enet_ns = {}
    exec(compile(open(os.path.join(EXAMPLES, 'bce_net.py')).read(), 'bce_net', 'exec'), enet_ns)
    enet = enet_ns['Net']()
    enet.load_state_dict(ember.load(str(tmp_path / 'net.pth')))
    np.testing.assert_allclose(enet(ember.from_numpy(x)).detach().numpy(),
                               tnet(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_custom_function_matches_torch(tmp_path):
    e = ok(run_example('custom_function.py', '--steps', 100, cwd=tmp_path))
    t = ok(run_example('custom_function.py', '--steps', 100, cwd=tmp_path,
                       source=as_torch_program('custom_function.py')))
    assert e[0] == t[0] == 'gradcheck: True'
    assert e[-1] == t[-1] == 'graph: AddBackward0 <- MulBackward0 <- LegendrePolynomial3Backward'
    le, lt = floats(e, r'loss ([\d.]+)$'), floats(t, r'loss ([\d.]+)$')
    assert len(le) == 10 and le[-1] < le[0]
    np.testing.assert_allclose(le, lt, rtol=1e-4)  # same deterministic problem, same result
    assert re.search(r'P3\(', e[-2])


def test_dynamic_net(tmp_path):
    lines = ok(run_example('dynamic_net.py', '--steps', 500, cwd=tmp_path))
    losses = floats(lines, r'^step \d+: loss ([\d.]+)$')
    assert len(losses) == 10 and losses[-1] < losses[0]
    assert lines[-1].startswith('Result: y = ')


def test_dynamic_net_graph_follows_control_flow():
    import importlib.util
    import random
    spec = importlib.util.spec_from_file_location('dynamic_net', os.path.join(EXAMPLES, 'dynamic_net.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import ember
    model = mod.DynamicNet()
    x = ember.linspace(-1, 1, 7)
    seen = set()
    for seed in range(20):
        random.seed(seed)
        n_extra = random.randint(4, 6) - 4
        random.seed(seed)
        model.zero_grad()
        model(x).sum().backward()
        # e gets a gradient only when the drawn depth used it
        seen.add(n_extra)
        if n_extra == 0:
            assert model.e.grad is None or float(model.e.grad) == 0.0
        else:
            expect = sum(float((x ** k).sum()) for k in range(4, 4 + n_extra))
            assert float(model.e.grad) == pytest.approx(expect, rel=1e-5)
    assert seen == {0, 1, 2}


def test_every_example_is_tested():
    tested = {'cifar10_cnn.py', 'mnist_mlp.py', 'mnist_lenet.py', 'linear_regression.py',
              'gradient_descent.py', 'bce_net.py', 'custom_function.py', 'dynamic_net.py',
              'autograd_demo.py', 'char_rnn.py', 'tiny_transformer.py'}
    present = {f for f in os.listdir(EXAMPLES) if f.endswith('.py')}
    assert present - tested == set(), 'untested examples'


def test_autograd_demo(tmp_path):
    lines = ok(run_example('autograd_demo.py', cwd=tmp_path))
    assert lines[-2:] == ['tensor([[4.5000, 4.5000],', '        [4.5000, 4.5000]])']


def _needs(*names):
    import ember.nn
    missing = [n for n in names if not hasattr(ember.nn, n)]
    assert not missing, f'ember.nn does not export {missing}'


@pytest.mark.parametrize('cell', ['lstm', 'gru'])
def test_char_rnn(tmp_path, cell):
    _needs('LSTM', 'GRU')
    lines = ok(run_example('char_rnn.py', '--steps', 30, '--cell', cell, '--hidden', 32, '--limit', 150,
                           '--seq-len', 16, '--batch-size', 8, '--lr', 0.02, cwd=tmp_path))
    assert re.match(r'^150 characters, vocabulary of \d+$', lines[0])
    losses = floats(lines, r'^step \d+: loss ([\d.]+)$')
    assert len(losses) == 10 and losses[-1] < 0.8 * losses[0]
    assert lines[-1].startswith("sample: '")


def test_tiny_transformer(tmp_path):
    _needs('TransformerEncoder', 'TransformerEncoderLayer', 'Transformer')
    lines = ok(run_example('tiny_transformer.py', '--steps', 30, '--d-model', 32, '--layers', 1,
                           '--limit', 150, '--block-size', 16, '--batch-size', 8, cwd=tmp_path))
    assert re.match(r'^\d+ parameters$', lines[1])
    losses = floats(lines, r'^step \d+: loss ([\d.]+)$')
    assert len(losses) == 10 and losses[-1] < 0.85 * losses[0]
    assert lines[-1].startswith("continuation: '")


def test_examples_have_help(tmp_path):
    code = textwrap.dedent('''
        import contextlib, io, os, runpy, sys
        for name in sorted(os.listdir(sys.argv[1])):
            if not name.endswith('.py') or name == 'autograd_demo.py':
                continue
            sys.argv = [name, '--help']
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                try:
                    runpy.run_path(os.path.join(EX, name), run_name='__main__')
                except SystemExit as e:
                    code = e.code
            print(name, code, out.getvalue().startswith('usage: '))
    ''').replace('EX', repr(EXAMPLES))
    r = subprocess.run([sys.executable, '-c', code, EXAMPLES], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=ROOT), timeout=120)
    lines = ok(r)
    names = sorted(f for f in os.listdir(EXAMPLES) if f.endswith('.py') and f != 'autograd_demo.py')
    assert lines == [f'{n} 0 True' for n in names]
