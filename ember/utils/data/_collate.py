"""default_collate / default_convert: turning lists of samples into batches (torch.utils.data semantics).

Both functions walk a sample's container structure the same way; they differ only in what they do at
the leaves. ``collate`` looks leaves up in a type -> function table (``default_collate_fn_map``), so
callers can extend it with their own types.
"""
import collections.abc as abc
import copy

import numpy as np

from ..._tensor import Tensor
from ..._dtype import float64
from ...ops.creation import tensor as _tensor, as_tensor
from ...ops.shape import stack

__all__ = ['default_collate', 'default_convert', 'collate', 'default_collate_fn_map',
           'default_collate_err_msg_format']

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, "
    "dicts or lists; found {}"
)


def _holds_text(array):
    """True for arrays of strings, bytes or Python objects, which have no tensor counterpart."""
    return array.dtype.kind in 'SUO'


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, '_fields')


# ---------------------------------------------------------------------------------------------------
# rebuilding containers: keep the sample's own container type where it can be rebuilt, else fall back
# to a plain dict / list (a tuple always becomes a list, as in torch)
def _like_mapping(proto, values):
    """A mapping of ``proto``'s type holding ``values`` (a dict with the same keys)."""
    try:
        if isinstance(proto, abc.MutableMapping):
            out = copy.copy(proto)     # keeps extra state of e.g. OrderedDict/defaultdict subclasses
            out.update(values)
            return out
        return type(proto)(values)
    except TypeError:
        return values


def _like_sequence(proto, values):
    """A sequence of ``proto``'s type holding ``values`` (a list of the same length)."""
    if isinstance(proto, tuple):
        return type(proto)(*values) if _is_namedtuple(proto) else values
    try:
        if isinstance(proto, abc.MutableSequence):
            out = copy.copy(proto)
            for i, v in enumerate(values):
                out[i] = v
            return out
        return type(proto)(values)
    except TypeError:
        return values


# ---------------------------------------------------------------------------------------------------
def default_convert(data):
    """Convert NumPy arrays/scalars (possibly nested in mappings/sequences) to tensors; leave the rest."""
    if isinstance(data, Tensor):
        return data
    if type(data).__module__ == 'numpy' and type(data).__name__ not in ('str_', 'string_'):
        if type(data) is np.ndarray and _holds_text(data):
            return data
        return as_tensor(data)
    if isinstance(data, abc.Mapping):
        return _like_mapping(data, {k: default_convert(data[k]) for k in data})
    if isinstance(data, abc.Sequence) and not isinstance(data, (str, bytes)):
        return _like_sequence(data, [default_convert(x) for x in data])
    return data


def _transpose(batch):
    """The per-position columns of a batch of equal-length sequences."""
    width = len(batch[0])
    if any(len(sample) != width for sample in batch):
        raise RuntimeError("each element in list of batch should be of equal size")
    return list(zip(*batch))


def _leaf_rule(obj, table):
    """The table entry for ``obj``: its exact type first, then the first key it is an instance of."""
    rule = table.get(type(obj))
    if rule is None:
        rule = next((fn for key, fn in table.items() if isinstance(obj, key)), None)
    return rule


def collate(batch, *, collate_fn_map=None):
    """Collate a list of samples, dispatching on the first sample's type through ``collate_fn_map``.

    Types found in the table are handled by their function; otherwise mappings are collated key by
    key, sequences position by position (namedtuples keep their type, tuples become lists).
    """
    first = batch[0]
    if collate_fn_map is not None:
        rule = _leaf_rule(first, collate_fn_map)
        if rule is not None:
            return rule(batch, collate_fn_map=collate_fn_map)

    def sub(column):
        return collate(column, collate_fn_map=collate_fn_map)

    if isinstance(first, abc.Mapping):
        return _like_mapping(first, {k: sub([sample[k] for sample in batch]) for k in first})
    if _is_namedtuple(first):
        return type(first)(*map(sub, zip(*batch)))
    if isinstance(first, abc.Sequence):
        return _like_sequence(first, [sub(column) for column in _transpose(batch)])
    raise TypeError(default_collate_err_msg_format.format(type(first)))


# --------------------------------------------------------------------------------- leaf collators
def collate_tensor_fn(batch, *, collate_fn_map=None):
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    if _holds_text(batch[0]):
        raise TypeError(default_collate_err_msg_format.format(batch[0].dtype))
    return collate([as_tensor(a) for a in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    return _tensor(batch, dtype=float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return _tensor(batch)          # int64, or bool for a batch of bools


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch                   # strings stay as they are (the batch's own list/tuple)


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Stack a list of samples into a batch: tensors/arrays stacked on a new dim 0, Python floats to a
    float64 tensor, ints to int64, strings kept as a list; recurses into mappings, namedtuples, sequences."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
