"""Samplers (torch.utils.data.sampler semantics): iterables of dataset indices, or of index batches."""
import itertools
import warnings

from ... import random as _random
from ..._dtype import int64, float64
from ...ops.creation import empty, as_tensor
from ...ops.random import randint, randperm, multinomial

__all__ = ['BatchSampler', 'RandomSampler', 'Sampler', 'SequentialSampler', 'SubsetRandomSampler',
           'WeightedRandomSampler']

_DRAW_CHUNK = 32     # RandomSampler(replacement=True) draws its indices this many at a time


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _generator_from_default():
    """A new generator whose seed is the default generator's next int64 draw (one draw per epoch)."""
    g = _random.Generator()
    g.manual_seed(int(empty((), dtype=int64).random_().item()))
    return g


class Sampler:
    """Base class of samplers: subclasses define ``__iter__`` (and optionally ``__len__``)."""

    def __init__(self, data_source=None):
        if data_source is not None:
            warnings.warn("`data_source` argument is not used and will be removed in 2.2.0."
                          "You may still have custom implementation that utilizes it.", stacklevel=2)

    def __iter__(self):
        raise NotImplementedError

    def __class_getitem__(cls, item):
        return cls


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __len__(self):
        return len(self.data_source)

    def __iter__(self):
        return iter(range(len(self.data_source)))


class RandomSampler(Sampler):
    """A random permutation of the indices, or ``num_samples`` of them (drawn with ``replacement`` or as
    consecutive permutations). Without a ``generator`` each epoch seeds a fresh one from the default."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __len__(self):
        return self.num_samples

    def __iter__(self):
        n, wanted = len(self.data_source), self.num_samples
        gen = self.generator if self.generator is not None else _generator_from_default()
        if self.replacement:
            whole, rest = divmod(wanted, _DRAW_CHUNK)
            for size in [_DRAW_CHUNK] * whole + [rest]:
                yield from randint(high=n, size=(size,), dtype=int64, generator=gen).tolist()
            return
        # without replacement: whole permutations, then the head of one more
        whole, rest = divmod(wanted, n)
        for _ in range(whole):
            yield from randperm(n, generator=gen).tolist()
        yield from randperm(n, generator=gen).tolist()[:rest]


class SubsetRandomSampler(Sampler):
    """The given indices in a random order (without replacement)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __len__(self):
        return len(self.indices)

    def __iter__(self):
        order = randperm(len(self.indices), generator=self.generator).tolist()   # drawn at the first next()
        yield from (self.indices[k] for k in order)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices into ``weights`` drawn with probabilities proportional to the weights."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not _positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = as_tensor(weights, dtype=float64)
        if w.dim() != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __len__(self):
        return self.num_samples

    def __iter__(self):
        drawn = multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        yield from drawn.tolist()


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        if not _positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __len__(self):
        full, partial = divmod(len(self.sampler), self.batch_size)
        return full + (1 if partial and not self.drop_last else 0)

    def __iter__(self):
        indices = iter(self.sampler)
        while True:
            batch = list(itertools.islice(indices, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch


class _NoneForever(Sampler):
    """The index stream of an iterable-style dataset: its items are not addressed, so every "index" is None."""

    def __iter__(self):
        return itertools.repeat(None)
