"""nn.utils.rnn (torch.nn.utils.rnn): PackedSequence and the pad/pack helpers.

Packing and padding are one gather (``index_select``) each, with the row indices built in NumPy,
so they are differentiable and vectorised.
"""
from collections import namedtuple
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor
from ...ops.creation import tensor as _tensor, full as _full
from ...ops.shape import cat

__all__ = ['PackedSequence', 'invert_permutation', 'pack_padded_sequence', 'pad_packed_sequence',
           'pad_sequence', 'unpad_sequence', 'pack_sequence', 'unpack_sequence']



def _long(arr):
    return _tensor(np.asarray(arr, dtype=np.int64))


class PackedSequence(namedtuple('PackedSequence_', ['data', 'batch_sizes', 'sorted_indices',
                                                     'unsorted_indices'])):
    """Holds the data and list of batch_sizes of a packed sequence (build it with pack_*)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data[0], data[1]
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def pin_memory(self):
        return self

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cuda(self, *args, **kwargs):
        return self.to('cuda', *args, **kwargs)

    def cpu(self, *args, **kwargs):
        return self.to('cpu', *args, **kwargs)

    def double(self):
        return self.to(dtype=self.data.new_zeros(()).double().dtype)

    def float(self):
        return self.to(dtype=self.data.new_zeros(()).float().dtype)

    def half(self):
        return self.to(dtype=self.data.new_zeros(()).half().dtype)

    def long(self):
        return self.to(dtype=self.data.new_zeros(()).long().dtype)

    def int(self):
        return self.to(dtype=self.data.new_zeros(()).int().dtype)

    def short(self):
        return self.to(dtype=self.data.new_zeros(()).short().dtype)

    def char(self):
        return self.to(dtype=self.data.new_zeros(()).char().dtype)

    def byte(self):
        return self.to(dtype=self.data.new_zeros(()).byte().dtype)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    if permutation is None:
        return None
    p = np.asarray(permutation.numpy() if isinstance(permutation, Tensor) else permutation)
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=p.dtype)
    return _long(out)


def _lengths_np(lengths):
    if isinstance(lengths, Tensor):
        return np.asarray(lengths.detach().numpy(), dtype=np.int64).reshape(-1)
    return np.asarray([int(x) for x in lengths], dtype=np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded (T, B, *) (or (B, T, *) if batch_first) batch of variable-length sequences."""
    ln = _lengths_np(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-ln, kind='stable')
        ln = ln[order]
        sorted_indices = _long(order)
    if input.dim() < 2:
        raise RuntimeError(f"Expected input to have at least 2 dimensions, got {input.dim()}")
    B = input.size(0) if batch_first else input.size(1)
    T = input.size(1) if batch_first else input.size(0)
    if ln.size != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {ln.size} "
                           f"(batch_size={B})")
    if ln.size and ln.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in "
                           "'lengths' that is <= 0")
    if enforce_sorted and ln.size > 1 and np.any(ln[1:] > ln[:-1]):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                           "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                           "pack_sequence to sidestep this requirement if you do not need ONNX "
                           "exportability.")
    maxlen = int(ln[0]) if ln.size else 0
    if maxlen > T:
        raise RuntimeError(f"Expected sequence length to be larger than or equal to {maxlen}, but got "
                           f"{T}")
    cols = sorted_indices.numpy() if sorted_indices is not None else np.arange(B)
    t_idx = np.arange(maxlen)
    batch_sizes = (ln[None, :] > t_idx[:, None]).sum(1).astype(np.int64)
    # flat row index into the (T*B) or (B*T) view of input, ordered step by step
    mask = ln[None, :] > t_idx[:, None]                       # (maxlen, B), sorted columns
    tt, bb = np.nonzero(mask)
    src_b = cols[bb]
    rows = src_b * T + tt if batch_first else tt * B + src_b
    flat = input.reshape((T * B,) + tuple(input.shape[2:]))
    data = flat.index_select(0, _long(rows))
    return PackedSequence(data, _long(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: (padded, lengths) in the original batch order."""
    bs = _lengths_np(sequence.batch_sizes)
    max_seq_length = bs.size
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in "
                             f"input, but got total_length={total_length} and max sequence length being "
                             f"{max_seq_length}")
        max_seq_length = total_length
    data = sequence.data
    B = int(bs[0]) if bs.size else 0
    N = data.shape[0]
    T = max_seq_length
    offs = np.concatenate([[0], np.cumsum(bs)[:-1]]).astype(np.int64)
    idx = np.full((T, B), N, dtype=np.int64)               # N -> the padding row
    bcol = np.arange(B)
    valid = bcol[None, :] < bs[:, None]                     # (len(bs), B)
    idx[:bs.size][valid] = (offs[:, None] + bcol[None, :])[valid]
    lengths = valid.sum(0).astype(np.int64)
    if sequence.unsorted_indices is not None:
        u = sequence.unsorted_indices.numpy()
        idx = idx[:, u]
        lengths = lengths[u]
    if batch_first:
        idx = idx.T
    pad = _full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    src = cat([data, pad], 0)
    out = src.index_select(0, _long(idx.reshape(-1)))
    out = out.reshape(idx.shape + tuple(data.shape[1:]))
    return out, _long(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right'):
    """Stack variable-length (L_i, *) tensors into (T, B, *) (or (B, T, *)), padding to the longest."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = tuple(sequences)
    if padding_side not in ('left', 'right'):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if len(sequences) == 0:
        raise RuntimeError("received an empty list of sequences")
    ln = np.array([s.shape[0] if s.dim() > 0 else 1 for s in sequences], dtype=np.int64)
    trail = tuple(sequences[0].shape[1:])
    B = len(sequences)
    T = int(ln.max())
    N = int(ln.sum())
    starts = np.concatenate([[0], np.cumsum(ln)[:-1]])
    t = np.arange(T)
    if padding_side == 'right':
        pos = t[None, :] - 0
        valid = pos < ln[:, None]
    else:
        pos = t[None, :] - (T - ln[:, None])
        valid = pos >= 0
    idx = np.where(valid, starts[:, None] + pos, N)        # (B, T)
    if not batch_first:
        idx = idx.T
    dt = sequences[0].dtype
    pad = _full((1,) + trail, padding_value, dtype=dt)
    src = cat([s.reshape((-1,) + trail) for s in sequences] + [pad], 0)
    out = src.index_select(0, _long(idx.reshape(-1)))
    return out.reshape(idx.shape + trail)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    ln = _lengths_np(lengths)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(ln)]


def pack_sequence(sequences, enforce_sorted=True):
    lengths = [v.size(0) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
