"""MNIST, FashionMNIST and KMNIST (torchvision.datasets.mnist): the IDX files under root/<Name>/raw/."""
import gzip
import os
import warnings

import numpy as np

from .utils import VisionDataset, DownloadError, check_integrity, download_and_extract_archive

__all__ = ['MNIST', 'FashionMNIST', 'KMNIST', 'read_sn3_pascalvincent_tensor', 'read_image_file', 'read_label_file']

_IDX_TYPES = {8: np.uint8, 9: np.int8, 11: np.dtype('>i2'), 12: np.dtype('>i4'), 13: np.dtype('>f4'),
              14: np.dtype('>f8')}


def _read_bytes(path):
    if os.path.isfile(path):
        opener = gzip.open if path.endswith('.gz') else open
    elif os.path.isfile(path + '.gz'):
        path, opener = path + '.gz', gzip.open
    else:
        raise FileNotFoundError(f"No such file: '{path}' (nor '{path}.gz')")
    with opener(path, 'rb') as f:
        return f.read()


def read_sn3_pascalvincent_tensor(path, strict=True):
    """Read an IDX file (raw or .gz) into an ember tensor of its stored dtype (native byte order)."""
    import ember
    data = _read_bytes(path)
    if len(data) < 4:
        raise RuntimeError(f'{path}: not an IDX file (too short)')
    magic = int.from_bytes(data[0:4], 'big')
    nd, ty = magic % 256, magic // 256
    if not (1 <= nd <= 3 and ty in _IDX_TYPES):
        raise RuntimeError(f'{path}: not an IDX file (magic number {magic})')
    dims = [int.from_bytes(data[4 * (i + 1):4 * (i + 2)], 'big') for i in range(nd)]
    dt = np.dtype(_IDX_TYPES[ty])
    count = int(np.prod(dims))
    offset = 4 * (nd + 1)
    if strict and len(data) - offset != count * dt.itemsize:
        raise RuntimeError(f'{path}: IDX header says {dims} ({count * dt.itemsize} bytes) but the file holds '
                           f'{len(data) - offset} bytes of data')
    arr = np.frombuffer(data, dtype=dt, count=count, offset=offset).astype(dt.newbyteorder('='))
    return ember.from_numpy(arr.reshape(dims))


def read_label_file(path):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != _ember().uint8:
        raise TypeError(f'x should be of dtype torch.uint8 instead of {x.dtype}')
    if x.ndimension() != 1:
        raise ValueError(f'x should have 1 dimension instead of {x.ndimension()}')
    return x.long()


def read_image_file(path):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != _ember().uint8:
        raise TypeError(f'x should be of dtype torch.uint8 instead of {x.dtype}')
    if x.ndimension() != 3:
        raise ValueError(f'x should have 3 dimension instead of {x.ndimension()}')
    return x


def _ember():
    import ember
    return ember


class MNIST(VisionDataset):
    """MNIST: 28x28 grayscale digits. Items are (PIL image mode 'L', int target).

    Files (raw or gzipped) under ``root/MNIST/raw/``: train-images-idx3-ubyte, train-labels-idx1-ubyte,
    t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.
    """

    mirrors = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/']
    resources = [
        ('train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'),
        ('train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432'),
        ('t10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3'),
        ('t10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c'),
    ]
    training_file = 'training.pt'
    test_file = 'test.pt'
    classes = ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven',
               '8 - eight', '9 - nine']

    @property
    def train_labels(self):
        warnings.warn('train_labels has been renamed targets')
        return self.targets

    @property
    def test_labels(self):
        warnings.warn('test_labels has been renamed targets')
        return self.targets

    @property
    def train_data(self):
        warnings.warn('train_data has been renamed data')
        return self.data

    @property
    def test_data(self):
        warnings.warn('test_data has been renamed data')
        return self.data

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError('Dataset not found. You can use download=True to download it. ' + self._where())
        self.data, self.targets = self._load_data()

    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, 'raw')

    @property
    def processed_folder(self):
        return os.path.join(self.root, self.__class__.__name__, 'processed')

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _names(self):
        return [os.path.splitext(os.path.basename(name))[0] for name, _ in self.resources]

    def _where(self):
        return (f"Put the files {', '.join(n for n, _ in self.resources)} (gzipped or not) in "
                f"{os.path.abspath(self.raw_folder)}")

    def _check_exists(self):
        return all(check_integrity(os.path.join(self.raw_folder, n)) or
                   check_integrity(os.path.join(self.raw_folder, n + '.gz')) for n in self._names())

    def _load_data(self):
        prefix = 'train' if self.train else 't10k'
        data = read_image_file(os.path.join(self.raw_folder, f'{prefix}-images-idx3-ubyte'))
        targets = read_label_file(os.path.join(self.raw_folder, f'{prefix}-labels-idx1-ubyte'))
        if len(data) != len(targets):
            raise RuntimeError(f'{self.raw_folder}: {len(data)} images but {len(targets)} labels')
        return data, targets

    def __getitem__(self, index):
        from PIL import Image
        img, target = self.data.numpy()[index], int(self.targets.numpy()[index])
        img = Image.fromarray(img, mode=None)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"

    def download(self):
        """Download and decompress the raw files (needs network; otherwise says where to put them)."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                url = f'{mirror}{filename}'
                try:
                    download_and_extract_archive(url, download_root=self.raw_folder, filename=filename, md5=md5)
                    break
                except DownloadError as e:
                    errors.append(str(e))
            else:
                raise RuntimeError(f'Error downloading {filename} (tried {", ".join(self.mirrors)}). '
                                   + self._where())


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): same format as MNIST, files under ``root/FashionMNIST/raw/``."""

    mirrors = ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/']
    resources = [
        ('train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'),
        ('train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'),
        ('t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'),
        ('t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'),
    ]
    classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag',
               'Ankle boot']


class KMNIST(MNIST):
    """Kuzushiji-MNIST: same format as MNIST, files under ``root/KMNIST/raw/``."""

    mirrors = ['http://codh.rois.ac.jp/kmnist/dataset/kmnist/']
    resources = [
        ('train-images-idx3-ubyte.gz', 'bdb82020997e1d708af4cf47b453dcf7'),
        ('train-labels-idx1-ubyte.gz', 'e144d726b3acfaa3e44228e80efcd344'),
        ('t10k-images-idx3-ubyte.gz', '5c965bf0a639b31b8f53240b1b52f4d7'),
        ('t10k-labels-idx1-ubyte.gz', '7320c461ea6c1c855c0b718fb2a4b134'),
    ]
    classes = ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo']

