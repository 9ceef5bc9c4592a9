"""Dataset base class and download helpers (torchvision.datasets.vision / .utils).

Downloads use urllib with the real URLs and md5 checksums. There is no network in many
environments: when a download fails, the error says exactly which files to put where.
"""
import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile

from ...utils.data import Dataset

__all__ = ['VisionDataset', 'StandardTransform', 'calculate_md5', 'check_md5', 'check_integrity', 'download_url',
           'extract_archive', 'download_and_extract_archive', 'DownloadError']

USER_AGENT = 'ember/vision'


class DownloadError(RuntimeError):
    """A download that could not happen (no network, bad URL, checksum mismatch)."""


class StandardTransform:
    def __init__(self, transform=None, target_transform=None):
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input, target):
        if self.transform is not None:
            input = self.transform(input)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return input, target

    @staticmethod
    def _format(transform, head):
        lines = repr(transform).splitlines()
        return [f'{head}{lines[0]}'] + [' ' * len(head) + line for line in lines[1:]]

    def __repr__(self):
        body = [self.__class__.__name__]
        if self.transform is not None:
            body += self._format(self.transform, 'Transform: ')
        if self.target_transform is not None:
            body += self._format(self.target_transform, 'Target transform: ')
        return '\n'.join(body)


class VisionDataset(Dataset):
    """Base of the vision datasets: ``root``, ``transforms`` or ``transform``/``target_transform``."""

    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        if isinstance(root, str):
            root = os.path.expanduser(root)
        self.root = root
        has_transforms = transforms is not None
        has_separate = transform is not None or target_transform is not None
        if has_transforms and has_separate:
            raise ValueError('Only transforms or transform/target_transform can be passed as argument')
        self.transform = transform
        self.target_transform = target_transform
        if has_separate:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def extra_repr(self):
        return ''

    def __repr__(self):
        body = [f'Number of datapoints: {self.__len__()}']
        if self.root is not None:
            body.append(f'Root location: {self.root}')
        body += self.extra_repr().splitlines()
        if getattr(self, 'transforms', None) is not None:
            body += repr(self.transforms).splitlines()
        return '\n'.join(['Dataset ' + self.__class__.__name__] + [' ' * self._repr_indent + line for line in body])


def calculate_md5(fpath, chunk_size=1024 * 1024):
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, 'rb') as f:
        for chunk in iter(lambda: f.read(chunk_size), b''):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5, **kwargs):
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None):
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def download_url(url, root, filename=None, md5=None, max_redirect_hops=3, timeout=30):
    """Download ``url`` to ``root/filename`` (skipped if a file with the right md5 is there)."""
    root = os.path.expanduser(root)
    if not filename:
        filename = os.path.basename(url)
    fpath = os.fspath(os.path.join(root, filename))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    tmp = fpath + '.part'
    try:
        req = urllib.request.Request(url, headers={'User-Agent': USER_AGENT})
        with urllib.request.urlopen(req, timeout=timeout) as resp, open(tmp, 'wb') as fh:
            shutil.copyfileobj(resp, fh, 1024 * 1024)
        os.replace(tmp, fpath)
    except (urllib.error.URLError, OSError, ValueError) as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise DownloadError(f'Could not download {url} ({e}). Without network access, download it elsewhere '
                            f'and put it at {fpath}') from e
    if not check_integrity(fpath, md5):
        raise DownloadError(f'File {fpath} downloaded from {url} is corrupted (md5 mismatch, expected {md5}).')


def _detect(path):
    name = path.lower()
    for suffix in ('.tar.gz', '.tgz', '.tar.bz2', '.tbz', '.tar.xz', '.txz', '.tar', '.zip', '.gz', '.bz2', '.xz'):
        if name.endswith(suffix):
            return suffix
    raise RuntimeError(f"File '{path}' is not a supported archive or compressed file "
                       "(.tar, .tar.gz, .tgz, .tar.bz2, .tbz, .tar.xz, .txz, .zip, .gz, .bz2, .xz).")


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Extract a tar/zip archive, or decompress a .gz/.bz2/.xz file; returns the target directory or file."""
    if to_path is None:
        to_path = os.path.dirname(from_path)
    suffix = _detect(from_path)
    if suffix in ('.tar.gz', '.tgz', '.tar.bz2', '.tbz', '.tar.xz', '.txz', '.tar'):
        with tarfile.open(from_path, 'r:*') as tar:
            try:
                tar.extractall(to_path, filter='data')
            except TypeError:  # Python without extraction filters
                tar.extractall(to_path)
        result = to_path
    elif suffix == '.zip':
        with zipfile.ZipFile(from_path) as z:
            z.extractall(to_path)
        result = to_path
    else:
        opener = {'.gz': gzip.open, '.bz2': bz2.open, '.xz': lzma.open}[suffix]
        base = os.path.basename(from_path)[:-len(suffix)]
        result = to_path if not os.path.isdir(to_path) else os.path.join(to_path, base)
        with opener(from_path, 'rb') as src, open(result, 'wb') as dst:
            shutil.copyfileobj(src, dst)
    if remove_finished:
        os.remove(from_path)
    return result


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished=False):
    download_root = os.path.expanduser(download_root)
    if extract_root is None:
        extract_root = download_root
    if not filename:
        filename = os.path.basename(url)
    download_url(url, download_root, filename, md5)
    archive = os.path.join(download_root, filename)
    return extract_archive(archive, extract_root, remove_finished)
