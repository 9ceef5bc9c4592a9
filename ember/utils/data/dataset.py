"""Datasets (torch.utils.data.dataset semantics): map-style and iterable datasets, their combinations,
and random_split."""
import bisect
import collections.abc
import itertools
import math
import warnings

__all__ = ['Dataset', 'IterableDataset', 'TensorDataset', 'StackDataset', 'ConcatDataset',
           'ChainDataset', 'Subset', 'random_split']


def _fetch_many(dataset, indices):
    """``dataset``'s items at ``indices``, through its ``__getitems__`` when it has one."""
    bulk = getattr(dataset, "__getitems__", None)
    if callable(bulk):
        return bulk(indices)
    return [dataset[i] for i in indices]


class Dataset:
    """An abstract map-style dataset: subclasses define ``__getitem__`` (and usually ``__len__``)."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])

    def __class_getitem__(cls, item):  # Dataset[int] in annotations
        return cls


class IterableDataset(Dataset, collections.abc.Iterable):
    """An abstract iterable-style dataset: subclasses define ``__iter__`` (abstract, as in torch)."""

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the i-th rows of each tensor (all tensors share their first dimension)."""

    def __init__(self, *tensors):
        sizes = {t.size(0) for t in tensors}
        assert len(sizes) <= 1, "Size mismatch between tensors"
        self.tensors = tensors

    def __len__(self):
        return self.tensors[0].size(0)

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)


class StackDataset(Dataset):
    """Zips datasets of equal length: items are tuples (datasets given as ``*args``) or dicts (``**kwargs``)."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if not (args or kwargs):
            raise ValueError("At least one dataset should be passed")
        parts = list(kwargs.values()) if kwargs else list(args)
        lengths = {len(d) for d in parts}
        if len(lengths) != 1:
            raise ValueError("Size mismatch between datasets")
        self._length = lengths.pop()
        self.datasets = kwargs if kwargs else args

    def __len__(self):
        return self._length

    def _assemble(self, columns):
        """One item per row of ``columns`` (one list of values per member dataset)."""
        rows = zip(*columns)
        if isinstance(self.datasets, dict):
            keys = list(self.datasets)
            return [dict(zip(keys, row)) for row in rows]
        return [tuple(row) for row in rows]

    def __getitem__(self, index):
        return self._assemble([[d[index]] for d in self._members()])[0]

    def __getitems__(self, indices):
        columns = []
        for d in self._members():
            values = _fetch_many(d, indices)
            if len(values) != len(indices):
                raise ValueError("Nested dataset's output size mismatch."
                                 f" Expected {len(indices)}, got {len(values)}")
            columns.append(values)
        return self._assemble(columns)

    def _members(self):
        return list(self.datasets.values()) if isinstance(self.datasets, dict) else list(self.datasets)


class ConcatDataset(Dataset):
    """Concatenation of map-style datasets."""

    @staticmethod
    def cumsum(sequence):
        """Running totals of the lengths of ``sequence``'s datasets."""
        return list(itertools.accumulate(len(d) for d in sequence))

    def __init__(self, datasets):
        self.datasets = list(datasets)
        assert self.datasets, "datasets should not be an empty iterable"
        assert not any(isinstance(d, IterableDataset) for d in self.datasets), \
            "ConcatDataset does not support IterableDataset"
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        total = len(self)
        if idx < 0:
            if idx < -total:
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += total
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]

    @property
    def cummulative_sizes(self):
        warnings.warn("cummulative_sizes attribute is renamed to cumulative_sizes", DeprecationWarning, stacklevel=2)
        return self.cumulative_sizes


def _require_iterable(d):
    assert isinstance(d, IterableDataset), "ChainDataset only supports IterableDataset"
    return d


class ChainDataset(IterableDataset):
    """Chains iterable datasets (lazily, one after the other)."""

    def __init__(self, datasets):
        super().__init__()
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            yield from _require_iterable(d)

    def __len__(self):
        return sum(len(_require_iterable(d)) for d in self.datasets)


class Subset(Dataset):
    """The subset of ``dataset`` at ``indices``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        return _fetch_many(self.dataset, [self.indices[i] for i in indices])


def _lengths_from_fractions(fractions, total):
    """Integer split sizes for ``fractions`` (summing to 1) of ``total`` items; the remainder is dealt out
    one item at a time from the first split on."""
    for i, f in enumerate(fractions):
        if not 0 <= f <= 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1")
    sizes = [math.floor(total * f) for f in fractions]
    for k in range(total - sum(sizes)):
        sizes[k % len(sizes)] += 1
    for i, size in enumerate(sizes):
        if size == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                          stacklevel=3)
    return sizes


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random subsets of the given lengths (or fractions summing to 1)."""
    from ... import random as _random
    from ...ops.random import randperm
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        lengths = _lengths_from_fractions(lengths, len(dataset))
        total = sum(lengths)
    if total != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = randperm(total, generator=_random.default_generator if generator is None else generator).tolist()
    ends = itertools.accumulate(lengths)
    return [Subset(dataset, order[end - n:end]) for end, n in zip(ends, lengths)]
