"""CIFAR10 and CIFAR100 (torchvision.datasets.cifar): the python pickle batches."""
import os
import pickle

import numpy as np

from .utils import VisionDataset, DownloadError, check_integrity, download_and_extract_archive

__all__ = ['CIFAR10', 'CIFAR100']


class CIFAR10(VisionDataset):
    """CIFAR-10: 32x32 RGB images, 10 classes. Items are (PIL RGB image, int target).

    Reads ``root/cifar-10-batches-py/`` (data_batch_1..5, test_batch, batches.meta), the
    extracted ``cifar-10-python.tar.gz``. ``.data`` is a uint8 ndarray (N, 32, 32, 3), ``.targets`` a list.
    File presence is checked when loading; md5 checksums are verified after a download.
    """

    base_folder = 'cifar-10-batches-py'
    url = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'
    filename = 'cifar-10-python.tar.gz'
    tgz_md5 = 'c58f30108f718f92721af3b95e74349a'
    train_list = [
        ['data_batch_1', 'c99cafc152244af753f735de768cd75f'],
        ['data_batch_2', 'd4bba439e000b95fd0a9bffe97cbabec'],
        ['data_batch_3', '54ebc095f3ab1f0389bbae665268c751'],
        ['data_batch_4', '634d18415352ddfa80567beed471001a'],
        ['data_batch_5', '482c414d41f54cd18b22e5b47cb7c3cb'],
    ]
    test_list = [['test_batch', '40351d587109b95175f43aff81a1287e']]
    meta = {'filename': 'batches.meta', 'key': 'label_names', 'md5': '5ff9c542aee3614f3951f8cda6e48888'}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError('Dataset not found or corrupted. You can use download=True to download it. '
                               + self._where())
        files = self.train_list if self.train else self.test_list
        data, self.targets = [], []
        for name, _ in files:
            entry = self._unpickle(os.path.join(self.root, self.base_folder, name))
            data.append(np.asarray(entry['data'], dtype=np.uint8))
            self.targets.extend(int(t) for t in (entry['labels'] if 'labels' in entry else entry['fine_labels']))
        self.data = np.ascontiguousarray(np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1)))
        self._load_meta()

    @staticmethod
    def _unpickle(path):
        with open(path, 'rb') as f:
            entry = pickle.load(f, encoding='latin1')
        return {(k.decode('latin1') if isinstance(k, bytes) else k): v for k, v in entry.items()}

    def _load_meta(self):
        path = os.path.join(self.root, self.base_folder, self.meta['filename'])
        if not check_integrity(path):
            raise RuntimeError('Dataset metadata file not found or corrupted. You can use download=True to '
                               'download it. ' + self._where())
        names = self._unpickle(path)[self.meta['key']]
        self.classes = [c.decode('latin1') if isinstance(c, bytes) else c for c in names]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _where(self):
        names = [n for n, _ in self.train_list + self.test_list] + [self.meta['filename']]
        return (f"Put {', '.join(names)} (extracted from {self.url}) in "
                f"{os.path.abspath(os.path.join(self.root, self.base_folder))}")

    def _check_exists(self):
        return all(check_integrity(os.path.join(self.root, self.base_folder, n))
                   for n, _ in (self.train_list if self.train else self.test_list))

    def _check_integrity(self):
        return all(check_integrity(os.path.join(self.root, self.base_folder, n), md5)
                   for n, md5 in self.train_list + self.test_list)

    def __getitem__(self, index):
        from PIL import Image
        img, target = Image.fromarray(self.data[index]), self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def download(self):
        """Download and extract the archive (needs network; otherwise says where to put the files).

        Skipped when the batch files are already there (their md5 is not re-verified, so
        locally generated files in the same format are used as they are).
        """
        if all(check_integrity(os.path.join(self.root, self.base_folder, n))
               for n, _ in self.train_list + self.test_list + [(self.meta['filename'], None)]):
            return
        try:
            download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)
        except DownloadError as e:
            raise RuntimeError(f'{e}. Alternatively ' + self._where()) from e

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: the fine labels; reads ``root/cifar-100-python/`` (train, test, meta)."""

    base_folder = 'cifar-100-python'
    url = 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz'
    filename = 'cifar-100-python.tar.gz'
    tgz_md5 = 'eb9058c3a382ffc7106e4002c42a8d85'
    train_list = [['train', '16019d7e3df5f24257cddd939b257f8d']]
    test_list = [['test', 'f0ef6b0ae62326f3e7ffdfab6717acfc']]
    meta = {'filename': 'meta', 'key': 'fine_label_names', 'md5': '7973b15100ade9c7d40fb424638fde48'}
