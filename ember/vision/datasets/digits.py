"""Digits: the UCI ML handwritten digits (8x8, 1797 images, 10 classes), bundled with ember.

The data file is the copy scikit-learn ships (``digits.csv.gz``: 64 pixel values in 0..16 and
the label per row). Source: E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten
Digits", UCI Machine Learning Repository (CC BY 4.0).
"""
import gzip
import os

import numpy as np

from ...utils.data import Dataset

_FILE = os.path.join(os.path.dirname(__file__), '_data', 'digits.csv.gz')


def _load_all():
    with gzip.open(_FILE, 'rt') as f:
        data = np.loadtxt(f, delimiter=',', dtype=np.float64)
    images = np.round(data[:, :64] * (255.0 / 16.0)).astype(np.uint8).reshape(-1, 8, 8)
    labels = data[:, 64].astype(np.int64)
    return images, labels


class Digits(Dataset):
    """8x8 grayscale digit images as uint8 NumPy arrays (H, W) in 0..255, and int labels.

    ``train=True`` gives a fixed, class-stratified 80% of the 1797 images, ``train=False`` the
    other 20% (the same split every time). Like torchvision datasets, ``transform`` receives
    the image (use ``transforms.ToTensor()``, or any callable) and ``target_transform`` the label.
    """

    classes = [str(i) for i in range(10)]

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        images, labels = _load_all()
        rng = np.random.default_rng(0)
        test_mask = np.zeros(len(labels), dtype=bool)
        for c in range(10):
            idx = np.flatnonzero(labels == c)
            test_mask[rng.choice(idx, size=int(round(len(idx) * 0.2)), replace=False)] = True
        keep = ~test_mask if train else test_mask
        self.data = images[keep]
        self.targets = labels[keep]
        self.train = train
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __repr__(self):
        return (f"Dataset Digits\n    Number of datapoints: {len(self)}\n"
                f"    Split: {'Train' if self.train else 'Test'}")
