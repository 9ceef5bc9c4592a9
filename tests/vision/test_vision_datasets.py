"""ember.vision datasets on tiny files written in the real on-disk formats (no network)."""
import gzip
import hashlib
import os
import pickle
import tarfile

import numpy as np
import pytest

import ember
from ember.vision import transforms as T
from ember.vision.datasets import cifar, fakedata, folder, mnist
from ember.vision.datasets import utils as dutils

Image = pytest.importorskip('PIL.Image')


def write_idx(path, arr, compress=False):
    code = {np.dtype(np.uint8): 8, np.dtype(np.int8): 9, np.dtype('>i2'): 11, np.dtype('>i4'): 12,
            np.dtype('>f4'): 13, np.dtype('>f8'): 14}[arr.dtype]
    header = (code * 256 + arr.ndim).to_bytes(4, 'big') + b''.join(d.to_bytes(4, 'big') for d in arr.shape)
    data = header + arr.tobytes()
    if compress:
        with gzip.open(path + '.gz', 'wb') as f:
            f.write(data)
    else:
        with open(path, 'wb') as f:
            f.write(data)


def make_mnist(root, name='MNIST', n_train=5, n_test=3, compress=False, seed=0):
    rng = np.random.default_rng(seed)
    raw = os.path.join(root, name, 'raw')
    os.makedirs(raw, exist_ok=True)
    out = {}
    for prefix, n in (('train', n_train), ('t10k', n_test)):
        imgs = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        write_idx(os.path.join(raw, f'{prefix}-images-idx3-ubyte'), imgs, compress)
        write_idx(os.path.join(raw, f'{prefix}-labels-idx1-ubyte'), labels, compress)
        out[prefix] = (imgs, labels)
    return out


@pytest.mark.parametrize('cls', [mnist.MNIST, mnist.FashionMNIST, mnist.KMNIST])
@pytest.mark.parametrize('compress', [False, True])
def test_mnist_family(tmp_path, cls, compress):
    ref = make_mnist(str(tmp_path), cls.__name__, compress=compress)
    for train, key in ((True, 'train'), (False, 't10k')):
        ds = cls(str(tmp_path), train=train)
        imgs, labels = ref[key]
        assert len(ds) == len(labels)
        assert ds.data.dtype == ember.uint8 and tuple(ds.data.shape) == imgs.shape
        assert ds.targets.dtype == ember.int64
        np.testing.assert_array_equal(ds.data.numpy(), imgs)
        np.testing.assert_array_equal(ds.targets.numpy(), labels)
        img, target = ds[1]
        assert isinstance(img, Image.Image) and img.mode == 'L' and img.size == (28, 28)
        assert type(target) is int and target == labels[1]
        np.testing.assert_array_equal(np.asarray(img), imgs[1])
    assert len(ds.classes) == 10 and ds.class_to_idx[ds.classes[3]] == 3
    assert ds.raw_folder == os.path.join(str(tmp_path), cls.__name__, 'raw')


def test_mnist_transforms_repr_and_loader(tmp_path):
    ref = make_mnist(str(tmp_path), n_train=6)
    ds = mnist.MNIST(str(tmp_path), train=True,
                     transform=T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]),
                     target_transform=lambda y: y + 100)
    x, y = ds[0]
    assert x.dtype == ember.float32 and tuple(x.shape) == (1, 28, 28)
    np.testing.assert_allclose(x.numpy()[0], (ref['train'][0][0] / np.float32(255) - 0.1307) / 0.3081, rtol=1e-5,
                               atol=1e-6)
    assert y == ref['train'][1][0] + 100
    expected = [
        'Dataset MNIST',
        '    Number of datapoints: 6',
        f'    Root location: {tmp_path}',
        '    Split: Train',
        '    StandardTransform',
        '    Transform: Compose(',
        '                   ToTensor()',
        '                   Normalize(mean=(0.1307,), std=(0.3081,))',
        '               )',
        f'    Target transform: {ds.target_transform!r}',
    ]
    assert repr(ds) == '\n'.join(expected)
    batches = list(ember.utils.data.DataLoader(ds, batch_size=4))
    assert tuple(batches[0][0].shape) == (4, 1, 28, 28) and batches[0][1].dtype == ember.int64
    assert tuple(batches[1][0].shape) == (2, 1, 28, 28)


def test_mnist_missing_and_bad_files(tmp_path):
    with pytest.raises(RuntimeError, match='Dataset not found. You can use download=True') as e:
        mnist.MNIST(str(tmp_path))
    msg = str(e.value)
    assert 'train-images-idx3-ubyte.gz' in msg and os.path.join(str(tmp_path), 'MNIST', 'raw') in msg
    make_mnist(str(tmp_path))
    raw = os.path.join(str(tmp_path), 'MNIST', 'raw')
    write_idx(os.path.join(raw, 'train-labels-idx1-ubyte'), np.zeros(4, '>i4'))
    with pytest.raises(TypeError, match='uint8'):
        mnist.MNIST(str(tmp_path))
    with open(os.path.join(raw, 'train-images-idx3-ubyte'), 'wb') as f:
        f.write(b'\x00\x00\x00\x00')
    with pytest.raises(RuntimeError, match='not an IDX file'):
        mnist.read_image_file(os.path.join(raw, 'train-images-idx3-ubyte'))


def test_idx_dtypes(tmp_path):
    for dt in (np.int8, '>i2', '>i4', '>f4', '>f8'):
        a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dt)
        p = os.path.join(str(tmp_path), 'x')
        write_idx(p, a)
        t = mnist.read_sn3_pascalvincent_tensor(p)
        assert tuple(t.shape) == (2, 3, 4)
        np.testing.assert_array_equal(t.numpy(), a)


def test_mnist_download_failure_says_where(tmp_path, monkeypatch):
    monkeypatch.setattr(mnist.MNIST, 'mirrors', ['http://127.0.0.1:9/'])
    with pytest.raises(RuntimeError, match='Error downloading train-images-idx3-ubyte.gz') as e:
        mnist.MNIST(str(tmp_path), download=True)
    assert os.path.join(str(tmp_path), 'MNIST', 'raw') in str(e.value)


def test_mnist_download_from_local_mirror(tmp_path, monkeypatch):
    src = tmp_path / 'mirror'
    make_mnist(str(src), 'files', compress=True)
    files = src / 'files' / 'raw'
    resources = [(n, hashlib.md5((files / n).read_bytes()).hexdigest()) for n, _ in mnist.MNIST.resources]
    monkeypatch.setattr(mnist.MNIST, 'mirrors', [(files.as_uri() + '/')])
    monkeypatch.setattr(mnist.MNIST, 'resources', resources)
    ds = mnist.MNIST(str(tmp_path / 'data'), download=True)
    assert len(ds) == 5
    assert os.path.isfile(os.path.join(str(tmp_path / 'data'), 'MNIST', 'raw', 't10k-labels-idx1-ubyte'))


def make_cifar(root, n_per_batch=4, hundred=False, seed=0):
    rng = np.random.default_rng(seed)
    base = os.path.join(root, 'cifar-100-python' if hundred else 'cifar-10-batches-py')
    os.makedirs(base, exist_ok=True)
    names = (['train'], ['test']) if hundred else ([f'data_batch_{i}' for i in range(1, 6)], ['test_batch'])
    ref = {}
    for split, files in zip(('train', 'test'), names):
        xs, ys = [], []
        for name in files:
            data = rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8)
            labels = rng.integers(0, 100 if hundred else 10, n_per_batch).tolist()
            entry = {'data': data, ('fine_labels' if hundred else 'labels'): labels, 'batch_label': name}
            if hundred:
                entry['coarse_labels'] = [0] * n_per_batch
            with open(os.path.join(base, name), 'wb') as f:
                pickle.dump(entry, f)
            xs.append(data)
            ys += labels
        ref[split] = (np.vstack(xs).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), ys)
    meta = {'fine_label_names': [f'c{i}' for i in range(100)], 'coarse_label_names': ['x'] * 20} if hundred else \
        {'label_names': ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
         'num_cases_per_batch': n_per_batch}
    with open(os.path.join(base, 'meta' if hundred else 'batches.meta'), 'wb') as f:
        pickle.dump(meta, f)
    return ref


@pytest.mark.parametrize('hundred', [False, True])
def test_cifar(tmp_path, hundred):
    ref = make_cifar(str(tmp_path), hundred=hundred)
    cls = cifar.CIFAR100 if hundred else cifar.CIFAR10
    for train, key in ((True, 'train'), (False, 'test')):
        ds = cls(str(tmp_path), train=train)
        data, labels = ref[key]
        assert isinstance(ds.data, np.ndarray) and ds.data.dtype == np.uint8 and ds.data.shape == data.shape
        np.testing.assert_array_equal(ds.data, data)
        assert ds.targets == labels and isinstance(ds.targets, list)
        img, y = ds[2]
        assert img.mode == 'RGB' and img.size == (32, 32) and y == labels[2]
        np.testing.assert_array_equal(np.asarray(img), data[2])
    assert len(ds.classes) == (100 if hundred else 10)
    if not hundred:
        assert ds.classes[0] == 'airplane' and ds.class_to_idx['truck'] == 9
        assert len(cls(str(tmp_path), train=True)) == 20
    assert repr(ds).splitlines()[:2] == [f'Dataset {cls.__name__}', f'    Number of datapoints: {len(ds)}']
    assert 'Split: Test' in repr(ds)


def test_cifar_python2_style_bytes_keys_and_pipeline(tmp_path):
    ref = make_cifar(str(tmp_path))
    base = os.path.join(str(tmp_path), 'cifar-10-batches-py')
    with open(os.path.join(base, 'test_batch'), 'rb') as f:
        entry = pickle.load(f)
    with open(os.path.join(base, 'test_batch'), 'wb') as f:
        pickle.dump({k.encode(): v for k, v in entry.items()}, f)
    norm = T.Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261))
    ds = cifar.CIFAR10(str(tmp_path), train=False, transform=T.Compose([T.ToTensor(), norm]))
    x, y = ds[0]
    assert tuple(x.shape) == (3, 32, 32) and y == ref['test'][1][0]
    loader = ember.utils.data.DataLoader(ds, batch_size=3, shuffle=True)
    xb, yb = next(iter(loader))
    assert tuple(xb.shape) == (3, 3, 32, 32) and yb.dtype == ember.int64


def test_cifar_missing(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match='Dataset not found or corrupted') as e:
        cifar.CIFAR10(str(tmp_path))
    assert 'data_batch_1' in str(e.value) and 'cifar-10-batches-py' in str(e.value)
    monkeypatch.setattr(cifar.CIFAR10, 'url', 'http://127.0.0.1:9/cifar-10-python.tar.gz')
    with pytest.raises(RuntimeError, match='Could not download') as e:
        cifar.CIFAR10(str(tmp_path), download=True)
    assert os.path.join(str(tmp_path), 'cifar-10-python.tar.gz') in str(e.value)


def test_cifar_download_and_extract_from_local_archive(tmp_path, monkeypatch):
    src = tmp_path / 'src'
    make_cifar(str(src))
    archive = tmp_path / 'cifar-10-python.tar.gz'
    with tarfile.open(archive, 'w:gz') as tar:
        tar.add(str(src / 'cifar-10-batches-py'), arcname='cifar-10-batches-py')
    monkeypatch.setattr(cifar.CIFAR10, 'url', archive.as_uri())
    monkeypatch.setattr(cifar.CIFAR10, 'tgz_md5', hashlib.md5(archive.read_bytes()).hexdigest())
    ds = cifar.CIFAR10(str(tmp_path / 'root'), train=False, download=True)
    assert len(ds) == 4


def test_download_utils(tmp_path):
    f = tmp_path / 'a.bin'
    f.write_bytes(b'hello')
    md5 = hashlib.md5(b'hello').hexdigest()
    assert dutils.calculate_md5(str(f)) == md5 and dutils.check_integrity(str(f), md5)
    assert not dutils.check_integrity(str(f), '0' * 32) and not dutils.check_integrity(str(tmp_path / 'no'))
    dutils.download_url(f.as_uri(), str(tmp_path / 'dl'), md5=md5)
    assert (tmp_path / 'dl' / 'a.bin').read_bytes() == b'hello'
    with pytest.raises(RuntimeError, match='corrupted'):
        dutils.download_url(f.as_uri(), str(tmp_path / 'dl2'), md5='0' * 32)
    g = tmp_path / 'b.txt.gz'
    with gzip.open(g, 'wb') as fh:
        fh.write(b'xyz')
    out = dutils.extract_archive(str(g))
    assert open(out, 'rb').read() == b'xyz' and out.endswith('b.txt')
    with pytest.raises(RuntimeError, match='not a supported archive'):
        dutils.extract_archive(str(f))


def test_fakedata():
    ds = fakedata.FakeData(size=5, image_size=(3, 6, 7), num_classes=4)
    assert len(ds) == 5
    ember.manual_seed(123)
    before = ember.rand(3)
    ember.manual_seed(123)
    img, y = ds[2]
    after = ember.rand(3)
    np.testing.assert_array_equal(before.numpy(), after.numpy())  # global RNG state restored
    assert img.mode == 'RGB' and img.size == (7, 6) and 0 <= y < 4
    img2, y2 = ds[2]
    np.testing.assert_array_equal(np.asarray(img), np.asarray(img2))
    assert y == y2
    assert not np.array_equal(np.asarray(ds[0][0]), np.asarray(ds[1][0]))
    shifted = fakedata.FakeData(size=5, image_size=(3, 6, 7), num_classes=4, random_offset=2)
    np.testing.assert_array_equal(np.asarray(shifted[0][0]), np.asarray(img))
    with pytest.raises(IndexError, match='FakeData index out of range'):
        ds[5]
    g = fakedata.FakeData(size=2, image_size=(1, 4, 4), transform=T.ToTensor())
    assert tuple(g[0][0].shape) == (1, 4, 4)
    assert repr(g).splitlines()[:2] == ['Dataset FakeData', '    Number of datapoints: 2']
    assert len({fakedata.FakeData(size=50, num_classes=3, image_size=(1, 2, 2))[i][1] for i in range(50)}) == 3


def _make_folder(root):
    rng = np.random.default_rng(0)
    layout = {'dog': ['b.png', 'a.jpg', 'sub/c.png', 'notes.txt'], 'cat': ['z.bmp', 'y.PNG'], 'bird': ['x.png']}
    for cls, files in layout.items():
        for name in files:
            p = os.path.join(root, cls, name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if name.endswith('.txt'):
                open(p, 'w').write('not an image')
            else:
                fmt = {'.png': 'PNG', '.jpg': 'JPEG', '.bmp': 'BMP'}[os.path.splitext(name)[1].lower()]
                Image.fromarray(rng.integers(0, 256, (4, 5), dtype=np.uint8)).save(p, format=fmt)
    os.makedirs(os.path.join(root, 'empty'))


def test_image_folder(tmp_path):
    root = str(tmp_path)
    _make_folder(root)
    with pytest.raises(FileNotFoundError, match='Found no valid file for the classes empty.'):
        folder.ImageFolder(root)
    ds = folder.ImageFolder(root, allow_empty=True)
    assert ds.classes == ['bird', 'cat', 'dog', 'empty']
    assert ds.class_to_idx == {'bird': 0, 'cat': 1, 'dog': 2, 'empty': 3}
    rel = [(os.path.relpath(p, root), c) for p, c in ds.samples]
    assert rel == [('bird/x.png', 0), ('cat/y.PNG', 1), ('cat/z.bmp', 1), ('dog/a.jpg', 2), ('dog/b.png', 2),
                   ('dog/sub/c.png', 2)]
    assert ds.targets == [0, 1, 1, 2, 2, 2] and ds.imgs is ds.samples
    img, y = ds[3]
    assert img.mode == 'RGB' and img.size == (5, 4) and y == 2
    t = folder.ImageFolder(root, transform=T.ToTensor(), allow_empty=True)[0][0]
    assert tuple(t.shape) == (3, 4, 5)
    only_png = folder.ImageFolder(root, is_valid_file=lambda p: p.endswith('.png'), allow_empty=True)
    assert len(only_png) == 3
    df = folder.DatasetFolder(root, loader=lambda p: open(p, 'rb').read()[:4], extensions=('.txt',),
                              allow_empty=True)
    assert len(df) == 1 and df[0] == (b'not ', 2)
    with pytest.raises(ValueError, match='Both extensions and is_valid_file cannot be None or not None'):
        folder.DatasetFolder(root, loader=open)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        folder.ImageFolder(str(tmp_path / 'dog' / 'sub'))
    assert folder.has_file_allowed_extension('A.JPG', folder.IMG_EXTENSIONS)


def test_cifar_seed_program_pattern_with_workers(tmp_path):
    """download=True over files already in place (generated, so md5s differ) + 2 worker processes."""
    make_cifar(str(tmp_path), n_per_batch=6)
    tf = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    ds = cifar.CIFAR10(str(tmp_path), train=True, download=True, transform=tf)
    loader = ember.utils.data.DataLoader(ds, batch_size=10, shuffle=True, num_workers=2)
    seen = 0
    for x, y in loader:
        assert x.dtype == ember.float32 and x.shape[1:] == (3, 32, 32)
        assert float(x.min()) >= -1 and float(x.max()) <= 1
        seen += len(y)
    assert seen == 30
    m = mnist.MNIST(str(tmp_path), download=True, transform=T.ToTensor()) if make_mnist(str(tmp_path)) else None
    assert len(m) == 5
