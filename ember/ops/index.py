"""Indexing: ``x[i]``, ``x[i] = v`` and the gather/scatter/index_*/masked_* family.

Basic indexing (ints, slices, None, Ellipsis) is a view op (``Getitem``) whose parameter is
a NumPy basic index tuple, so it can be replayed on any array. Advanced indexing is applied
afterwards, like torch does: the basic part gives a view, then ``Index`` gathers with a
tuple of integer arrays and full slices (NumPy's rules place the advanced dims, which are
torch's rules once ints have been applied as selects). Bool masks become ``nonzero`` arrays.
Backward of every gather is a scatter-add into zeros (and vice versa), written as ops of
this module so that double backward works.
"""
import numpy as np

from .._backend import xp
from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ._util import unbroadcast, is_scalar, wrap_dim, check_broadcast
from .inplace import apply_inplace

_make = Tensor._make
_ndarray = np.ndarray
_FULL = slice(None)
_INT_KINDS = 'iu'


def _zeros(shape, dtype):
    return xp.zeros(shape, dtype)


def _out(result, out):
    if out is None:
        return result
    from .elementwise import _out as write_out
    return write_out(result, out)


def _const(value, npdtype):
    return _make(np.array(value, dtype=npdtype))


# ====================================================================== basic indexing (views)
class Getitem(Op):
    """x[basic]: ``basic`` is a tuple of ints/slices/None ending with Ellipsis (always a view)."""
    _name = 'SliceBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, idx):
        ctx.in_shape = x.shape
        ctx.idx = idx
        return x[idx]

    @staticmethod
    def backward(ctx, g):
        return BasicScatter.apply(g, ctx.in_shape, ctx.idx)


class GetitemSelect(Getitem):
    _name = 'SelectBackward0'


class GetitemUnsqueeze(Getitem):
    _name = 'UnsqueezeBackward0'


class GetitemAlias(Getitem):
    _name = 'AliasBackward0'


class BasicGather(Op):
    """g[basic] as a copy (the backward of BasicScatter)."""
    _name = 'SliceBackwardBackward0'

    @staticmethod
    def forward(ctx, g, idx):
        ctx.in_shape = g.shape
        ctx.idx = idx
        return g[idx].copy()

    @staticmethod
    def backward(ctx, gg):
        return BasicScatter.apply(gg, ctx.in_shape, ctx.idx)


class BasicScatter(Op):
    """zeros(shape) with the region ``idx`` set to g (backward of a basic index)."""
    _name = 'SliceBackwardBackward0'

    @staticmethod
    def forward(ctx, g, shape, idx):
        ctx.idx = idx
        z = _zeros(shape, g.dtype)
        z[idx] = g
        return z

    @staticmethod
    def backward(ctx, gg):
        return BasicGather.apply(gg, ctx.idx)


class SliceScatter(Op):
    """Copy of x with the basic region ``idx`` replaced by src (slice_scatter / select_scatter)."""
    _name = 'SliceScatterBackward0'

    @staticmethod
    def forward(ctx, x, src, idx):
        ctx.idx = idx
        ctx.src_dtype = src.dtype
        out = x.copy()
        out[idx] = src
        return out

    @staticmethod
    def backward(ctx, g):
        nx, ns = ctx.needs_input_grad
        gx = gs = None
        if nx:
            gx = SliceScatter.apply(g, _const(0, g._data.dtype), ctx.idx)
        if ns:
            gs = BasicGather.apply(g, ctx.idx)
            if gs._data.dtype != ctx.src_dtype:
                from .convert import cast
                gs = cast(gs, D.NP2DT[ctx.src_dtype])
        return gx, gs


class SelectScatter(SliceScatter):
    _name = 'SelectScatterBackward0'


def select(input, dim, index):
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, len(shape))
    index = index.__index__()
    n = shape[dim]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {dim}")
    return GetitemSelect.apply(input, (_FULL,) * dim + (index, Ellipsis))


def _scatter_basic(cls, input, src, idx):
    if not isinstance(src, Tensor):
        raise TypeError(f"argument 'src' must be Tensor, not {type(src).__name__}")
    want = input._data[idx].shape
    if src._data.shape != want:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src._data.shape)}, slice size = {list(want)}")
    return cls.apply(input, src, idx)


def select_scatter(input, src, dim, index):
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, len(shape))
    n = shape[dim]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {dim}")
    return _scatter_basic(SelectScatter, input, src, (_FULL,) * dim + (int(index), Ellipsis))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    dim = wrap_dim(dim, input._data.ndim)
    if step is not None and step <= 0:
        raise RuntimeError("slice step must be positive")
    return _scatter_basic(SliceScatter, input, src, (_FULL,) * dim + (slice(start, end, step), Ellipsis))


# ====================================================================== advanced indexing
def _accumulate(z, idx, g):
    """z[idx] += g for a zero-filled z, repeated indices summed (idx: int arrays / full slices).

    Indexing dim 0 with one index array (the embedding backward) avoids ``np.add.at``: a
    bincount for 1-D z, a sort + ``add.reduceat`` over rows otherwise."""
    if len(idx) == 1 and z.dtype.kind == 'f':
        i = idx[0]
        n = z.shape[0]
        if i.size == 0:
            return
        i = i.reshape(-1)
        if i.min() < 0:
            i = xp.where(i < 0, i + n, i)
        rest = z.shape[1:]
        g = xp.broadcast_to(g, idx[0].shape + rest).reshape((i.size,) + rest)
        if z.ndim == 1:
            z += xp.bincount(i, weights=g, minlength=n).astype(z.dtype, copy=False)
            return
        order = xp.argsort(i, kind='stable')
        si = i[order]
        flags = xp.empty(si.size, np.bool_)
        flags[0] = True
        xp.not_equal(si[1:], si[:-1], out=flags[1:])
        starts = xp.flatnonzero(flags)
        z[si[starts]] += xp.add.reduceat(g[order], starts, axis=0)
        return
    xp.add.at(z, idx, g)


class Index(Op):
    """x[idx] with idx a tuple of int arrays and full slices (a copy)."""
    _name = 'IndexBackward0'

    @staticmethod
    def forward(ctx, x, idx):
        ctx.in_shape = x.shape
        ctx.idx = idx
        if len(idx) == 1:
            return xp.take(x, idx[0], axis=0)
        return x[idx]

    @staticmethod
    def backward(ctx, g):
        return IndexAccumulate.apply(g, ctx.in_shape, ctx.idx)


class IndexAccumulate(Op):
    """zeros(shape) with g accumulated at idx (backward of Index)."""
    _name = 'IndexBackwardBackward0'

    @staticmethod
    def forward(ctx, g, shape, idx):
        ctx.idx = idx
        z = _zeros(shape, g.dtype)
        _accumulate(z, idx, g)
        return z

    @staticmethod
    def backward(ctx, gg):
        return Index.apply(gg, ctx.idx)


def _index_result_shape(shape, idx):
    """Shape of x[idx] (only used to word an error message)."""
    return np.zeros(shape, np.bool_)[idx].shape


class IndexPut(Op):
    """out-of-place index_put: copy of x with x[idx] = v (or += v with accumulate)."""
    _name = 'IndexPutBackward0'

    @staticmethod
    def forward(ctx, x, v, idx, accumulate):
        ctx.idx = idx
        ctx.acc = accumulate
        ctx.v_shape = v.shape
        out = x.copy()
        try:
            if accumulate:
                xp.add.at(out, idx, v)
            else:
                out[idx] = v
        except ValueError:
            rs = _index_result_shape(x.shape, idx)
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast "
                               f"to indexing result of shape {list(rs)}") from None
        return out

    @staticmethod
    def backward(ctx, g):
        nx, nv = ctx.needs_input_grad
        gx = gv = None
        if nx:
            gx = g if ctx.acc else IndexPut.apply(g, _const(0, g._data.dtype), ctx.idx, False)
        if nv:
            gv = unbroadcast(Index.apply(g, ctx.idx), ctx.v_shape)
        return gx, gv


# ---------------------------------------------------------------------- index parsing
def _index_error(item):
    return IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                      f"are valid indices (got {type(item).__name__})")


_SEQ_TUPLE_TYPES = (list, tuple, slice, type(Ellipsis), type(None), Tensor, _ndarray)


def _as_tuple(index):
    if index.__class__ is tuple:
        return index
    if index.__class__ is list and len(index) < 32:
        # torch (like old NumPy) reads a short list holding sequences/slices/tensors as a tuple
        for it in index:
            if isinstance(it, _SEQ_TUPLE_TYPES):
                import warnings
                warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated and will "
                              "be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 "
                              "this will be interpreted as tensor index, x[torch.tensor(seq)], which will "
                              "result either in an error or a different result", UserWarning, stacklevel=3)
                return tuple(index)
    return (index,)


def _classify(item):
    """-> ('int', i) | ('slice', s) | ('none',) | ('ellipsis',) | ('bool', b) | ('mask', arr) | ('arr', arr)"""
    c = item.__class__
    if c is int:
        return 'int', item
    if c is slice:
        return 'slice', item
    if item is None:
        return 'none', None
    if item is Ellipsis:
        return 'ellipsis', None
    if c is bool or isinstance(item, np.bool_):
        return 'bool', bool(item)
    if isinstance(item, np.integer):
        return 'int', int(item)
    if isinstance(item, Tensor):
        arr = item._data
    elif isinstance(item, (list, tuple, _ndarray, range)):
        try:
            arr = np.asarray(item)
        except ValueError:
            raise _index_error(item) from None
        if arr.size == 0 and arr.dtype.kind == 'f':
            arr = arr.astype(np.int64)
        if arr.dtype.kind == 'O':
            raise _index_error(item)
    elif isinstance(item, str):
        raise TypeError(f"new(): invalid data type 'str'")
    else:
        raise _index_error(item)
    k = arr.dtype.kind
    if k == 'b' or arr.dtype == np.uint8:
        if arr.ndim == 0:
            return 'bool', bool(arr)
        return 'mask', arr.astype(np.bool_, copy=False)
    if arr.dtype == np.int64 or arr.dtype == np.int32 or (k in _INT_KINDS and not isinstance(item, Tensor)):
        if arr.ndim == 0:
            return 'int', int(arr)
        return 'arr', arr
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _parse(shape, index, validate=True):
    """Split an index into (basic tuple or None, view class, advanced tuple or None).

    validate=False skips the bounds/broadcast checks of index arrays (the caller lets NumPy
    fail and parses again with validate=True to raise torch's error)."""
    items = [_classify(it) for it in _as_tuple(index)]
    ndim = len(shape)
    consumed = 0
    n_ell = 0
    for kind, v in items:
        if kind in ('int', 'slice', 'arr'):
            consumed += 1
        elif kind == 'mask':
            consumed += v.ndim
        elif kind == 'ellipsis':
            n_ell += 1
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic = []
    adv = []         # (output dim of the view, [arrays], first input dim)
    dim = 0          # input dim
    odim = 0         # dim of the basic view
    cls = None
    for kind, v in items:
        if kind == 'int':
            n = shape[dim]
            if not -n <= v < n:
                raise IndexError(f"index {v} is out of bounds for dimension {dim} with size {n}")
            basic.append(v)
            dim += 1
            cls = GetitemSelect
        elif kind == 'slice':
            st = v.step
            if st is not None and st.__index__() <= 0:
                raise ValueError("step must be greater than zero")
            basic.append(v)
            dim += 1
            odim += 1
            if v != _FULL:
                cls = Getitem
        elif kind == 'none':
            basic.append(None)
            odim += 1
            cls = GetitemUnsqueeze
        elif kind == 'ellipsis':
            k = ndim - consumed
            basic.extend((_FULL,) * k)
            dim += k
            odim += k
        elif kind == 'bool':
            basic.append(None)
            adv.append((odim, [np.zeros(1 if v else 0, np.int64)], None))  # indexes the new dim
            odim += 1
            cls = GetitemUnsqueeze
        elif kind == 'mask':
            k = v.ndim
            ms = v.shape
            for j in range(k):
                if ms[j] != shape[dim + j]:
                    raise IndexError(f"The shape of the mask {list(ms)} at index {j} does not match the shape "
                                     f"of the indexed tensor {list(shape)} at index {dim + j}")
            basic.extend((_FULL,) * k)
            adv.append((odim, list(np.nonzero(v)), None))  # always in bounds
            dim += k
            odim += k
        else:  # int array
            adv.append((odim, [v], dim))
            basic.append(_FULL)
            dim += 1
            odim += 1
    if cls is not None:
        basic.append(Ellipsis)
        basic = tuple(basic)
    if not adv:
        if cls is None:
            return (Ellipsis,), GetitemAlias, None
        return basic, cls, None
    # the advanced tuple on the view: int arrays at their view dims, full slices elsewhere
    adv_idx = [_FULL] * odim
    arrays = []
    pos = 0
    for od, arrs, d in adv:
        for j, a in enumerate(arrs):
            if validate and d is not None and a.size:
                n = shape[d + j]
                mx = a.max()
                mn = a.min()
                if mx >= n or mn < -n:
                    bad = int(mx) if mx >= n else int(mn)
                    raise IndexError(f"index {bad} is out of bounds for dimension {pos} with size {n}")
            adv_idx[od + j] = a
            arrays.append(a)
            pos += 1
    if validate and len(arrays) > 1:
        try:
            np.broadcast_shapes(*[a.shape for a in arrays])
        except ValueError:
            raise IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes "
                             + ", ".join(str(list(a.shape)) for a in arrays)) from None
    while adv_idx and adv_idx[-1] is _FULL:
        adv_idx.pop()
    return basic, cls, tuple(adv_idx)


def _basic_tuple(self, index):
    """Fast path for a tuple of in-range ints / positive-step slices / None (else None)."""
    shape = self._data.shape
    nd = len(shape)
    d = 0
    cls = None
    for it in index:
        ic = it.__class__
        if ic is int:
            if d >= nd or not -shape[d] <= it < shape[d]:
                return None
            cls = GetitemSelect
            d += 1
        elif ic is slice:
            st = it.step
            if d >= nd or not (st is None or (st.__class__ is int and st > 0)):
                return None
            if it.start is not None or it.stop is not None or st is not None:
                cls = Getitem
            d += 1
        elif it is None:
            cls = GetitemUnsqueeze
        else:
            return None
    if cls is None:
        return None
    return cls.apply(self, index + (Ellipsis,))


def _getitem(self, index):
    c = index.__class__
    if c is int:
        shape = self._data.shape
        if not shape:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        n = shape[0]
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of bounds for dimension 0 with size {n}")
        return GetitemSelect.apply(self, (index, Ellipsis))
    if c is slice and (index.step is None or (index.step.__class__ is int and index.step > 0)):
        if not self._data.ndim:
            raise IndexError("too many indices for tensor of dimension 0")
        if index == _FULL:
            return Getitem.apply(self, (Ellipsis,))
        return Getitem.apply(self, (index, Ellipsis))
    if c is tuple:
        r = _basic_tuple(self, index)
        if r is not None:
            return r
    if c is Tensor and self._data.ndim:
        a = index._data
        if a.dtype == np.bool_ and a.shape == self._data.shape:  # x[x > 0]
            return Index.apply(self, xp.nonzero(a))
        if a.ndim and a.dtype == np.int64:  # the embedding path: one index array on dim 0
            try:
                return Index.apply(self, (a,))  # np.take checks the bounds
            except IndexError:
                n = self._data.shape[0]
                mx = a.max()
                raise IndexError(f"index {int(mx) if mx >= n else int(a.min())} is out of bounds for "
                                 f"dimension 0 with size {n}") from None
    basic, cls, adv = _parse(self._data.shape, index, False)
    x = self
    if cls is not None:
        x = cls.apply(x, basic)
    if adv is not None:
        try:
            x = Index.apply(x, adv)
        except IndexError:
            _parse(self._data.shape, index)  # raises torch's message
            raise
    return x


# ---------------------------------------------------------------------- setitem
class CopyFrom(Op):
    """dst's shape and dtype, src's values (the out-of-place form of ``dst.copy_(src)``)."""
    _name = 'CopyBackwards'

    @staticmethod
    def forward(ctx, dst, src):
        ctx.src_shape = src.shape
        ctx.src_dtype = src.dtype
        out = xp.empty(dst.shape, dst.dtype)
        xp.copyto(out, src, casting='unsafe')
        return out

    @staticmethod
    def backward(ctx, g):
        gs = None
        if ctx.needs_input_grad[1]:
            gs = unbroadcast(g, ctx.src_shape)
            if gs._data.dtype != ctx.src_dtype:
                from .convert import cast
                gs = cast(gs, D.NP2DT[ctx.src_dtype])
        return None, gs


def _copy_shape_error(target_shape, vshape):
    n = len(target_shape)
    if len(vshape) > n:
        vs = tuple(vshape)
        while len(vs) > n and vs[0] == 1:
            vs = vs[1:]
        if len(vs) > n:
            return RuntimeError(f"expand(ember.Tensor{{{list(vshape)}}}, size={list(target_shape)}): the "
                                f"number of sizes provided ({n}) must be greater or equal to the number of "
                                f"dimensions in the tensor ({len(vshape)})")
        vshape = vs
    lead = n - len(vshape)
    for i in range(len(vshape) - 1, -1, -1):
        t = target_shape[lead + i]
        if vshape[i] != t and vshape[i] != 1:
            return RuntimeError(f"The expanded size of the tensor ({t}) must match the existing size "
                                f"({vshape[i]}) at non-singleton dimension {lead + i}.  Target sizes: "
                                f"{list(target_shape)}.  Tensor sizes: {list(vshape)}")
    return None


def _setitem(self, index, value):
    c = index.__class__
    if (c is int or c is Tensor and index._data.dtype == np.int64 and index._data.ndim) and \
            value.__class__ in (int, float, bool) and not self._requires_grad and self._data.ndim:
        try:  # fast path: an int / index vector and a Python scalar, no autograd involved
            self._data[index if c is int else index._data] = value
        except (IndexError, OverflowError):
            pass  # the general path raises torch's error
        else:
            self._vc[0] += 1
            return
    basic, cls, adv = _parse(self._data.shape, index)
    vt = isinstance(value, Tensor)
    if not vt:
        if not is_scalar(value):
            raise TypeError(f"can't assign a {type(value).__name__} to a torch.{self.dtype._short}Tensor")
        else:
            value = _const(value, self._data.dtype)
    elif adv is not None and value._data.dtype != self._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{self.dtype._short} for the destination and {value.dtype._short} for the source.")
    if not STATE.enabled or not (self._requires_grad or value._requires_grad):
        # fast path: write straight into memory
        arr = self._data
        view = arr[basic] if cls is not None else arr
        v = value._data
        if adv is None:
            if v.shape != view.shape:
                err = _copy_shape_error(view.shape, v.shape)
                if err is not None:
                    raise err
            xp.copyto(view, v, casting='unsafe')
        else:
            try:
                view[adv] = v
            except ValueError:
                rs = view[adv].shape
                raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be "
                                   f"broadcast to indexing result of shape {list(rs)}") from None
        self._vc[0] += 1
        return
    target = cls.apply(self, basic) if cls is not None else self
    if adv is None:
        if value._data.shape != target._data.shape:
            err = _copy_shape_error(target._data.shape, value._data.shape)
            if err is not None:
                raise err
        apply_inplace(target, lambda s: CopyFrom.apply(s, value))
    else:
        apply_inplace(target, lambda s: IndexPut.apply(s, value, adv, False))


# ---------------------------------------------------------------------- index_put
def _adv_only(input, indices):
    """index_put's indices (tensors/None) -> an advanced tuple for Index/IndexPut (or None)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    if len(indices) > input._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input._data.ndim} (got {len(indices)})")
    items = []
    zero_d = {}
    for j, t in enumerate(indices):
        if isinstance(t, Tensor):
            a = t._data
            k = a.dtype
            if k.kind == 'b' or k == np.uint8:
                items.append(t)
            elif k == np.int64 or k == np.int32:
                if a.ndim == 0:  # index_put keeps 0-d index tensors advanced
                    r = a.reshape(1)
                    zero_d[id(r)] = a
                    a = r
                items.append(a)
            else:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        else:
            raise TypeError(f"expected Tensor as element {j} in argument 0, but got {type(t).__name__}")
    basic, cls, adv = _parse(input._data.shape, tuple(items))
    if adv is None:
        return None
    if zero_d:
        adv = tuple(zero_d.get(id(a), a) for a in adv)
    return adv


def index_put(input, indices, values, accumulate=False):
    return _index_put(input, indices, values, accumulate, False)


def index_put_(input, indices, values, accumulate=False):
    return _index_put(input, indices, values, accumulate, True)


def _index_put(input, indices, values, accumulate, inplace):
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' must be Tensor, not {type(values).__name__}")
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{input.dtype._short} for the destination and {values.dtype._short} for the source.")
    adv = _adv_only(input, indices)
    if adv is None:  # all None: the whole tensor
        adv = (_FULL,)
        if accumulate:
            f = lambda s: s + values.expand(s.shape)  # noqa: E731
        else:
            f = lambda s: CopyFrom.apply(s, values)  # noqa: E731
    else:
        f = lambda s: IndexPut.apply(s, values, adv, bool(accumulate))  # noqa: E731
    if inplace:
        if not STATE.enabled or not (input._requires_grad or values._requires_grad):
            out = f(input.detach())
            xp.copyto(input._data, out._data)
            input._vc[0] += 1
            return input
        return apply_inplace(input, f)
    return f(input)


# ====================================================================== masked ops
def _check_mask(mask, name):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        if name == 'masked_select':
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        raise RuntimeError(f"{name}_ only supports boolean masks, but got mask with dtype "
                           f"{_long_name(mask.dtype)}")
    return mask._data


def _long_name(dt):
    return {'Long': 'long int', 'Int': 'int', 'Float': 'float', 'Double': 'double', 'Byte': 'unsigned char',
            'Char': 'signed char', 'Short': 'short int', 'Half': 'c10::Half'}.get(dt._short, dt._short)


class MaskedFill(Op):
    _name = 'MaskedFillBackward0'

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.x_shape = x.shape
        ctx.mask = mask
        return xp.where(mask, value.astype(x.dtype, copy=False), x)

    @staticmethod
    def backward(ctx, g):
        nx, nv = ctx.needs_input_grad
        mask = ctx.mask
        gx = gv = None
        zero = _const(0, g._data.dtype)
        if nx:
            gx = unbroadcast(MaskedFill.apply(g, mask, zero), ctx.x_shape)
        if nv:
            gv = MaskedFill.apply(g, ~mask, zero).sum()
        return gx, gv


def _fill_value(value, x, name):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"{name}_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        if value._data.dtype != x._data.dtype:
            from .convert import cast
            value = cast(value, x.dtype)
        return value
    if not is_scalar(value):
        raise TypeError(f"{name}() received an invalid combination of arguments - got value of type "
                        f"{type(value).__name__}")
    if isinstance(value, complex) and x._data.dtype.kind != 'c':
        raise RuntimeError(f"value cannot be converted to type {x.dtype._short.lower()} without overflow")
    return _const(value, x._data.dtype)


def masked_fill(input, mask, value):
    m = _check_mask(mask, 'masked_fill')
    if m.shape != input._data.shape:
        check_broadcast(input._data.shape, m.shape)
    return MaskedFill.apply(input, m, _fill_value(value, input, 'masked_fill'))


def masked_fill_(input, mask, value):
    m = _check_mask(mask, 'masked_fill')
    v = _fill_value(value, input, 'masked_fill')
    if m.shape != input._data.shape:
        _check_inplace_broadcast(input._data.shape, m.shape)
    if not STATE.enabled or not (input._requires_grad or v._requires_grad):
        xp.copyto(input._data, v._data, where=m)
        input._vc[0] += 1
        return input
    return apply_inplace(input, lambda s: MaskedFill.apply(s, m, v))


def _check_inplace_broadcast(shape, other):
    check_broadcast(shape, other)
    try:
        ok = np.broadcast_shapes(shape, other) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape "
                           f"{list(np.broadcast_shapes(shape, other))}")


class MaskedSelect(Op):
    _name = 'MaskedSelectBackward0'

    @staticmethod
    def forward(ctx, x, mask):
        ctx.x_shape = x.shape
        if x.shape != mask.shape:
            x, mask = xp.broadcast_arrays(x, mask)
        ctx.mask = mask
        return x[mask]

    @staticmethod
    def backward(ctx, g):
        return unbroadcast(MaskedUnselect.apply(g, ctx.mask), ctx.x_shape)


class MaskedUnselect(Op):
    """zeros(mask.shape) with the masked positions set from g (backward of masked_select)."""
    _name = 'MaskedSelectBackwardBackward0'

    @staticmethod
    def forward(ctx, g, mask):
        ctx.mask = mask
        z = _zeros(mask.shape, g.dtype)
        z[mask] = g
        return z

    @staticmethod
    def backward(ctx, gg):
        return MaskedSelect.apply(gg, ctx.mask)


def masked_select(input, mask, *, out=None):
    if out is not None:
        return _out(masked_select(input, mask), out)
    m = _check_mask(mask, 'masked_select')
    if m.shape != input._data.shape:
        check_broadcast(input._data.shape, m.shape)
    return MaskedSelect.apply(input, m)


class MaskedScatter(Op):
    _name = 'MaskedScatterBackward0'

    @staticmethod
    def forward(ctx, x, mask, src):
        ctx.x_shape = x.shape
        shape = np.broadcast_shapes(x.shape, mask.shape)
        if mask.shape != shape:
            mask = xp.broadcast_to(mask, shape)
        n = int(np.count_nonzero(mask))
        if src.size < n:
            raise RuntimeError("Number of elements of source < number of ones in mask")
        ctx.mask = mask
        ctx.n = n
        ctx.src_shape = src.shape
        out = xp.array(xp.broadcast_to(x, shape), copy=True)
        out[mask] = src.reshape(-1)[:n]
        return out

    @staticmethod
    def backward(ctx, g):
        nx, ns = ctx.needs_input_grad
        gx = gs = None
        mask = ctx.mask
        if nx:
            gx = unbroadcast(MaskedFill.apply(g, mask, _const(0, g._data.dtype)), ctx.x_shape)
        if ns:
            size = 1
            for s in ctx.src_shape:
                size *= s
            sel = MaskedSelect.apply(g, mask)
            gs = BasicScatter.apply(sel, (size,), (slice(0, ctx.n), Ellipsis)).reshape(ctx.src_shape)
        return gx, gs


def _check_masked_scatter(input, mask, source):
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_long_name(mask.dtype)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but got "
                           f"{input.dtype._short} and {source.dtype._short}")


def masked_scatter(input, mask, source):
    _check_masked_scatter(input, mask, source)
    if mask._data.shape != input._data.shape:
        check_broadcast(input._data.shape, mask._data.shape)
    return MaskedScatter.apply(input, mask._data, source)


def masked_scatter_(input, mask, source):
    _check_masked_scatter(input, mask, source)
    if mask._data.shape != input._data.shape:
        _check_inplace_broadcast(input._data.shape, mask._data.shape)
    return apply_inplace(input, lambda s: MaskedScatter.apply(s, mask._data, source))


# ====================================================================== gather / scatter
def _grid(index, dim):
    """Full NumPy index tuple addressing x[..., index[i, j, k], ...] along ``dim``."""
    nd = index.ndim
    idx = []
    for d in range(nd):
        if d == dim:
            idx.append(index)
        else:
            shp = [1] * nd
            shp[d] = index.shape[d]
            idx.append(xp.arange(index.shape[d]).reshape(shp))
    return tuple(idx)


def _sub(arr, index_shape):
    """arr restricted to the leading index_shape block."""
    if arr.shape == index_shape:
        return arr
    return arr[tuple(slice(0, s) for s in index_shape)]


class Gather(Op):
    _name = 'GatherBackward0'

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.in_shape = x.shape
        ctx.dim = dim
        ctx.index = index
        if x.ndim == 0:
            return x.reshape(1)[index.reshape(-1)].reshape(index.shape)
        return x[_grid(index, dim)]

    @staticmethod
    def backward(ctx, g):
        z = _make(_zeros(ctx.in_shape, g._data.dtype))
        return ScatterAdd.apply(z, ctx.dim, ctx.index, g)


def _check_index(name, input, dim, index, src=None, src_name='src'):
    """torch's shape/dtype/bounds rules for gather/scatter: returns (dim, index array)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    ia = index._data
    if ia.dtype != np.int64 and ia.dtype != np.int32:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    xs = input._data.shape
    nd = len(xs)
    dim = wrap_dim(dim, nd)
    if ia.ndim != max(nd, 1) and not (ia.ndim == 0 or nd == 0) and ia.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if nd == 0:
        xs = (1,)
    if ia.ndim == 0:
        ia = ia.reshape(1) if nd <= 1 else ia.reshape((1,) * nd)
    if ia.size == 0:
        return dim, ia.astype(np.int64, copy=False)
    if ia.ndim != len(xs):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    ss = src._data.shape if src is not None and src._data.ndim else None
    if ss is not None and len(ss) != ia.ndim:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {src_name} tensor")
    ish = ia.shape
    if ish != xs or (ss is not None and ish != ss):
        _check_index_sizes(ish, xs, ss, dim, src_name)
    n = xs[dim]
    if ia.min() < 0 or ia.max() >= n:
        mx = ia.max()
        raise RuntimeError(f"index {int(mx) if mx >= n else int(ia.min())} is out of bounds for dimension {dim} "
                           f"with size {n}")
    return dim, ia


def _check_index_sizes(ish, xs, ss, dim, src_name):
    for d in range(len(ish)):
        if d != dim and ish[d] > xs[d]:
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(ish)} to be "
                               f"no larger than self {list(xs)} apart from dimension {dim}")
        if ss is not None and ish[d] > ss[d]:
            raise RuntimeError(f"Expected index {list(ish)} to be no larger than self {list(xs)} apart "
                               f"from dimension {dim} and to be no larger size than {src_name} {list(ss)}")


def gather(input, dim, index, *, sparse_grad=False, out=None):
    if sparse_grad:
        raise NotImplementedError("gather(sparse_grad=True) is not supported by ember (no sparse tensors)")
    dim, ia = _check_index('gather', input, dim, index)
    if ia.size == 0:
        r = Gather.apply(input, dim, ia) if input._data.ndim else _make(_zeros(ia.shape, input._data.dtype))
        return _out(r, out)
    r = Gather.apply(input, dim, ia)
    if index._data.ndim == 0 and r._data.ndim:
        r = r.reshape(())
    return _out(r, out)


def _pad_to(g, shape):
    """g (the leading block) placed into zeros(shape)."""
    if g._data.shape == tuple(shape):
        return g
    if not shape:
        return g.reshape(())
    return BasicScatter.apply(g, tuple(shape), tuple(slice(0, s) for s in g._data.shape) + (Ellipsis,))


def _src_arr(src, index_shape, x):
    if src.ndim == 0:
        return src
    return _sub(src, index_shape)


class ScatterAdd(Op):
    _name = 'ScatterAddBackward0'

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim = dim
        ctx.index = index
        ctx.src_shape = src.shape
        out = x.copy()
        if x.ndim == 0:
            out = out.reshape(1)
            xp.add.at(out, index.reshape(-1), _sub(src.reshape(-1), (index.size,)))
            return out.reshape(())
        xp.add.at(out, _grid(index, dim), _src_arr(src, index.shape, x))
        return out

    @staticmethod
    def backward(ctx, g):
        nx, ns = ctx.needs_input_grad
        gs = None
        if ns:
            gs = _pad_to(_gather_raw(g, ctx.dim, ctx.index), ctx.src_shape)
        return (g if nx else None), gs


def _gather_raw(g, dim, index):
    if g._data.ndim == 0:
        return Gather.apply(g.reshape(1), 0, index.reshape(-1)).reshape(index.shape)
    return Gather.apply(g, dim, index)


class Scatter(Op):
    _name = 'ScatterBackward0'

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim = dim
        ctx.index = index
        ctx.src_shape = src.shape
        out = x.copy()
        if x.ndim == 0:
            out.reshape(1)[index.reshape(-1)] = _sub(src.reshape(-1), (index.size,))
            return out
        out[_grid(index, dim)] = _src_arr(src, index.shape, x)
        return out

    @staticmethod
    def backward(ctx, g):
        nx, ns = ctx.needs_input_grad
        gx = gs = None
        if nx:
            gx = ScatterValue.apply(g, ctx.dim, ctx.index, _const(0, g._data.dtype))
        if ns:
            gs = _pad_to(_gather_raw(g, ctx.dim, ctx.index), ctx.src_shape)
        return gx, gs


class ScatterValue(Scatter):
    _name = 'ScatterBackward1'

    @staticmethod
    def backward(ctx, g):
        return ScatterValue.apply(g, ctx.dim, ctx.index, _const(0, g._data.dtype)), None


class ScatterReduceLegacy(Op):
    _name = 'ScatterBackward0'

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce):
        out = x.copy()
        ufunc = xp.add if reduce == 'add' else xp.multiply
        if x.ndim == 0:
            o = out.reshape(1)
            ufunc.at(o, index.reshape(-1), src if src.ndim == 0 else _sub(src.reshape(-1), (index.size,)))
            return out
        ufunc.at(out, _grid(index, dim), _src_arr(src, index.shape, x))
        return out

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("the derivative for 'scatter' with reduce is not implemented.")


def _scatter_src(input, src, value, name):
    if src is None:
        if value is None:
            raise TypeError(f"{name}() missing required argument 'src' or 'value'")
        src = value
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
        return src, False
    if not is_scalar(src):
        raise TypeError(f"{name}(): argument 'src' must be Tensor or Number, not {type(src).__name__}")
    return _const(src, input._data.dtype), True


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    src, is_value = _scatter_src(input, src, value, 'scatter')
    dim, ia = _check_index('scatter', input, dim, index, None if is_value else src)
    if reduce is not None:
        if reduce not in ('add', 'multiply'):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if not is_value:
            import warnings
            warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed "
                          "in a future PyTorch release. Use torch.scatter_reduce instead for more reduction "
                          "options.", UserWarning, stacklevel=2)
        return ScatterReduceLegacy.apply(input, dim, ia, src, reduce)
    return (ScatterValue if is_value else Scatter).apply(input, dim, ia, src)


def scatter_(input, dim, index, src=None, value=None, *, reduce=None):
    return apply_inplace(input, lambda s: scatter(s, dim, index, src, value, reduce=reduce))


def scatter_add(input, dim, index, src):
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    dim, ia = _check_index('scatter_add', input, dim, index, src)
    return ScatterAdd.apply(input, dim, ia, src)


def scatter_add_(input, dim, index, src):
    return apply_inplace(input, lambda s: scatter_add(s, dim, index, src))


_REDUCE_INIT = {'sum': 0, 'mean': 0, 'prod': 1}
_REDUCE_ALIAS = {'max': 'amax', 'min': 'amin'}  # torch accepts these spellings too


class ScatterReduce(Op):
    _name = 'ScatterReduceBackward0'

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        ctx.dim = dim
        ctx.index = index
        ctx.src_shape = src.shape
        ctx.reduce = reduce
        ctx.include_self = include_self
        x_in, src_in = x, src
        sq = x.ndim == 0
        if sq:
            x = x.reshape(1)
            src = src.reshape(-1)
            index = index.reshape(-1)
            dim = 0
        grid = _grid(index, dim)
        s = _sub(src, index.shape)
        out = x.copy()
        if not include_self:
            if reduce in _REDUCE_INIT:
                out[grid] = _REDUCE_INIT[reduce]
            else:
                info = np.finfo(x.dtype) if x.dtype.kind == 'f' else np.iinfo(x.dtype)
                out[grid] = info.min if reduce == 'amax' else info.max
        if reduce in ('sum', 'mean'):
            xp.add.at(out, grid, s)
        elif reduce == 'prod':
            xp.multiply.at(out, grid, s)
        elif reduce == 'amax':
            xp.maximum.at(out, grid, s)
        else:
            xp.minimum.at(out, grid, s)
        cnt = None
        if reduce == 'mean' or (not include_self and reduce in ('amax', 'amin', 'prod')):
            cnt = xp.ones(x.shape, x.dtype) if include_self else _zeros(x.shape, x.dtype)
            xp.add.at(cnt, grid, 1)
        if reduce == 'mean':
            c = xp.maximum(cnt, 1)
            if x.dtype.kind == 'f' or x.dtype.kind == 'c':
                out = out / c
            else:
                out = out // c
            out = out.astype(x.dtype, copy=False)
        ctx.cnt = cnt
        res = out.reshape(()) if sq else out
        if reduce in ('amax', 'amin', 'prod'):
            ctx.save_for_backward(x_in, src_in, res)  # version-checked (in-place ops detach them)
        return res

    @staticmethod
    def backward(ctx, g):
        nx, ns = ctx.needs_input_grad
        red = ctx.reduce
        dim, index = ctx.dim, ctx.index
        inc = ctx.include_self
        shp = g._data.shape
        sq = len(shp) == 0
        if sq:
            g = g.reshape(1)
            index = index.reshape(-1)
            dim = 0
        gx = gs = None
        dt = g._data.dtype
        if red in ('sum', 'mean'):
            if red == 'mean':
                g = g / _make(xp.maximum(ctx.cnt, 1).astype(dt))
            if nx:
                gx = g if inc else ScatterValue.apply(g, dim, index, _const(0, dt))
            if ns:
                gs = Gather.apply(g, dim, index)
        else:
            xt, st_, ot = ctx.saved_tensors
            x, src, out = xt._data, st_._data, ot._data
            if sq:
                x, src, out = x.reshape(1), src.reshape(-1), out.reshape(1)
            grid = _grid(index, dim)
            s = _sub(src, index.shape)
            if red == 'prod':
                ax, asrc = _prod_grad_factors(x, s, out, grid, inc)
            else:
                # torch: ties share the gradient evenly; self's ties are counted even when
                # include_self=False (its scattered positions are zeroed afterwards)
                mx = (x == out)
                ms = (s == out[grid])
                n = mx.astype(dt)
                xp.add.at(n, grid, ms.astype(dt))
                ax = mx / n
                asrc = ms / n[grid]
                if not inc:
                    ax[grid] = 0
            if nx:
                gx = g * _make(ax.astype(dt))
            if ns:
                gs = Gather.apply(g, dim, index) * _make(asrc.astype(dt))
        if sq:
            if gx is not None:
                gx = gx.reshape(())
            if gs is not None:
                gs = gs.reshape(ctx.src_shape)
        if gs is not None:
            gs = _pad_to(gs, ctx.src_shape)
        return gx, gs


def _prod_grad_factors(x, s, out, grid, include_self):
    """d out / d element for a product reduction, exact with zeros (constants)."""
    nzx = xp.where(x == 0, 1, x) if include_self else xp.ones_like(x)
    zx = (x == 0).astype(np.int64) if include_self else xp.zeros(x.shape, np.int64)
    prod_nz = nzx.copy()
    xp.multiply.at(prod_nz, grid, xp.where(s == 0, 1, s))
    nzero = zx.copy()
    xp.add.at(nzero, grid, (s == 0).astype(np.int64))

    def factor(e, pnz, nz):
        return xp.where(e == 0, xp.where(nz == 1, pnz, 0), xp.where(nz == 0, pnz / xp.where(e == 0, 1, e), 0))

    if include_self:
        ax = factor(x, prod_nz, nzero)
    else:
        touched = _zeros(x.shape, np.bool_)
        touched[grid] = True
        ax = (~touched).astype(x.dtype)
    asrc = factor(s, prod_nz[grid], nzero[grid])
    return ax, asrc


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    reduce = _REDUCE_ALIAS.get(reduce, reduce)
    if reduce not in ('sum', 'prod', 'mean', 'amax', 'amin'):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    dim, ia = _check_index('scatter_reduce', input, dim, index, src)
    return ScatterReduce.apply(input, dim, ia, src, reduce, bool(include_self))


def scatter_reduce_(input, dim, index, src, reduce, *, include_self=True):
    return apply_inplace(input, lambda s: scatter_reduce(s, dim, index, src, reduce, include_self=include_self))


# ====================================================================== index_* along a dim
def _along(dim, index):
    return (_FULL,) * dim + (index,) if dim else (index,)


class IndexSelect(Op):
    _name = 'IndexSelectBackward0'

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.in_shape = x.shape
        ctx.dim = dim
        ctx.index = index
        return xp.take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return IndexAddZeros.apply(g, ctx.in_shape, ctx.dim, ctx.index)


class IndexAddZeros(Op):
    """zeros(shape) with g's slices added at ``index`` along ``dim`` (backward of index_select)."""
    _name = 'IndexAddBackward0'

    @staticmethod
    def forward(ctx, g, shape, dim, index):
        ctx.dim = dim
        ctx.index = index
        z = _zeros(shape, g.dtype)
        if dim == 0:
            _accumulate(z, (index,), g)
        else:
            xp.add.at(z, _along(dim, index), g)
        return z

    @staticmethod
    def backward(ctx, gg):
        return IndexSelect.apply(gg, ctx.dim, ctx.index)


def _dim_index(name, input, dim, index, err=IndexError, msg=None, allow_neg=False):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    ia = index._data
    if ia.dtype != np.int64 and ia.dtype != np.int32:
        raise RuntimeError(f"{name}(): Expected dtype int32 or int64 for index")
    if ia.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    nd = input._data.ndim
    dim = wrap_dim(dim, nd)
    n = input._data.shape[dim] if nd else 1
    if ia.ndim == 0:
        ia = ia.reshape(1)
    if ia.size:
        mx = ia.max()
        mn = ia.min()
        if mx >= n or mn < (-n if allow_neg else 0):
            bad = int(mx) if mx >= n else int(mn)
            if bad < 0 and name == 'index_select' and dim:
                raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={n}")
            raise err(msg if msg is not None else
                      f"{name + '(): ' if name == 'index_copy_' else ''}index {bad} is out of bounds for "
                      f"dimension {dim} with size {n}")
    return dim, ia


def index_select(input, dim, index, *, out=None):
    if out is not None:
        return _out(index_select(input, dim, index), out)
    dim, ia = _dim_index('index_select', input, dim, index, IndexError, "index out of range in self")
    if input._data.ndim == 0:
        if ia.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {ia.size} value(s)")
        return IndexSelect.apply(input.reshape(1), 0, ia).reshape(())
    return IndexSelect.apply(input, dim, ia)


def _check_source(name, input, dim, ia, source):
    if not isinstance(source, Tensor):
        raise TypeError(f"{name}(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source._data.dtype != input._data.dtype:
        if name in ('index_add_', 'index_reduce_'):
            raise RuntimeError(f"{name}(): self ({input.dtype._short}) and source ({source.dtype._short}) "
                               "must have the same scalar type")
        raise RuntimeError(f"{name}(): self and source expected to have the same dtype, but got (self) "
                           f"{input.dtype._short} and (source) {source.dtype._short}")
    xs = input._data.shape
    ss = source._data.shape
    n_src = ss[dim] if len(ss) > dim else 1
    if n_src != ia.size:
        if name in ('index_add_', 'index_reduce_'):
            raise RuntimeError(f"{name}(): Number of indices ({ia.size}) should be equal to "
                               f"source.size(dim): ({n_src}), for dim: {dim}")
        raise IndexError(f"{name}(): Number of indices ({ia.size}) should be equal to source.size(dim) ({n_src})")
    if len(ss) and len(xs) and (len(ss) != len(xs) or any(a != b for i, (a, b) in enumerate(zip(xs, ss))
                                                          if i != dim)):
        if name in ('index_add_', 'index_reduce_'):
            raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified "
                               f"dimension. Got self.shape = {list(xs)} source.shape = {list(ss)}")
        raise RuntimeError(f"{name}(): Source/destination tensor must have same slice shapes. Destination "
                           f"slice shape: {list(xs[:dim] + xs[dim + 1:])} at dimension {dim} and source slice "
                           f"shape: {list(ss[:dim] + ss[dim + 1:])} at dimension 0.")


class IndexAdd(Op):
    _name = 'IndexAddBackward0'

    @staticmethod
    def forward(ctx, x, dim, index, src, alpha):
        ctx.dim = dim
        ctx.index = index
        ctx.alpha = alpha
        ctx.src_shape = src.shape
        out = x.copy()
        if alpha != 1:
            src = src * xp.asarray(alpha, dtype=x.dtype)
        o = out.reshape(1) if x.ndim == 0 else out
        xp.add.at(o, _along(dim, index), src.reshape(index.shape) if src.ndim == 0 else src)
        return out

    @staticmethod
    def backward(ctx, g):
        nx, ns = ctx.needs_input_grad
        gs = None
        if ns:
            gg = g.reshape(1) if g._data.ndim == 0 else g
            gs = IndexSelect.apply(gg, ctx.dim, ctx.index)
            if ctx.alpha != 1:
                gs = gs * ctx.alpha
            gs = gs.reshape(ctx.src_shape)
        return (g if nx else None), gs


def index_add(input, dim, index, source, *, alpha=1, out=None):
    if out is not None:
        return _out(index_add(input, dim, index, source, alpha=alpha), out)
    dim, ia = _dim_index('index_add', input, dim, index, RuntimeError, None)
    _check_source('index_add_', input, dim, ia, source)
    return IndexAdd.apply(input, dim, ia, source, alpha)


def index_add_(input, dim, index, source, *, alpha=1):
    return apply_inplace(input, lambda s: index_add(s, dim, index, source, alpha=alpha))


class IndexCopy(Op):
    _name = 'IndexCopyBackward0'

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim = dim
        ctx.index = index
        ctx.src_shape = src.shape
        out = x.copy()
        o = out.reshape(1) if x.ndim == 0 else out
        o[_along(dim, index)] = src.reshape(index.shape) if src.ndim == 0 else src
        return out

    @staticmethod
    def backward(ctx, g):
        nx, ns = ctx.needs_input_grad
        gx = gs = None
        gg = g.reshape(1) if g._data.ndim == 0 else g
        if nx:
            gx = IndexFill.apply(gg, ctx.dim, ctx.index, _const(0, g._data.dtype)).reshape(g.shape)
        if ns:
            gs = IndexSelect.apply(gg, ctx.dim, ctx.index).reshape(ctx.src_shape)
        return gx, gs


def index_copy(input, dim, index, source, *, out=None):
    if out is not None:
        return _out(index_copy(input, dim, index, source), out)
    dim, ia = _dim_index('index_copy_', input, dim, index, IndexError, None)
    _check_source('index_copy_', input, dim, ia, source)
    return IndexCopy.apply(input, dim, ia, source)


def index_copy_(input, dim, index, source):
    return apply_inplace(input, lambda s: index_copy(s, dim, index, source))


class IndexFill(Op):
    _name = 'IndexFillBackward1'

    @staticmethod
    def forward(ctx, x, dim, index, value):
        ctx.dim = dim
        ctx.index = index
        out = x.copy()
        o = out.reshape(1) if x.ndim == 0 else out
        o[_along(dim, index)] = value
        return out

    @staticmethod
    def backward(ctx, g):
        nx, nv = ctx.needs_input_grad
        gx = gv = None
        gg = g.reshape(1) if g._data.ndim == 0 else g
        if nx:
            gx = IndexFill.apply(gg, ctx.dim, ctx.index, _const(0, g._data.dtype)).reshape(g.shape)
        if nv:
            gv = IndexSelect.apply(gg, ctx.dim, ctx.index).sum()
        return gx, gv


def index_fill(input, dim, index, value):
    dim, ia = _dim_index('index_fill_', input, dim, index, IndexError, None, True)
    return IndexFill.apply(input, dim, ia, _fill_value(value, input, 'index_fill'))


def index_fill_(input, dim, index, value):
    return apply_inplace(input, lambda s: index_fill(s, dim, index, value))


class IndexReduce(ScatterReduce):
    _name = 'IndexReduceBackward0'


def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    if out is not None:
        return _out(index_reduce(input, dim, index, source, reduce, include_self=include_self), out)
    if reduce not in ('prod', 'mean', 'amax', 'amin'):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    dim, ia = _dim_index('index_reduce', input, dim, index, IndexError, "index out of range in self")
    _check_source('index_reduce_', input, dim, ia, source)
    nd = input._data.ndim
    if nd == 0 or source._data.ndim == 0:
        return ScatterReduce.apply(input, 0, ia.reshape(-1), source, reduce, bool(include_self))
    # index_reduce == scatter_reduce with the index spread over source's shape
    shp = [1] * nd
    shp[dim] = ia.size
    full = xp.broadcast_to(ia.reshape(shp), source._data.shape)
    return IndexReduce.apply(input, dim, full, source, reduce, bool(include_self))


def index_reduce_(input, dim, index, source, reduce, *, include_self=True):
    return apply_inplace(input, lambda s: index_reduce(s, dim, index, source, reduce, include_self=include_self))


# ====================================================================== take / put
class Take(Op):
    _name = 'TakeBackward0'

    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape = x.shape
        ctx.index = index
        return xp.take(x.reshape(-1), index)

    @staticmethod
    def backward(ctx, g):
        return TakeAccumulate.apply(g, ctx.in_shape, ctx.index)


class TakeAccumulate(Op):
    _name = 'TakeBackwardBackward0'

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        z = _zeros(shape, g.dtype)
        flat = z.reshape(-1)
        xp.add.at(flat, index.reshape(-1), g.reshape(-1))
        return z

    @staticmethod
    def backward(ctx, gg):
        return Take.apply(gg, ctx.index)


def _flat_index(name, input, index):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    ia = index._data
    if ia.dtype != np.int64:
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got {index.dtype._short}")
    n = input._data.size
    if ia.size:
        mx = ia.max()
        mn = ia.min()
        if mx >= n or mn < -n:
            bad = int(mx) if mx >= n else int(mn)
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return ia


def take(input, index):
    return Take.apply(input, _flat_index('take', input, index))


class Put(Op):
    _name = 'PutBackward0'

    @staticmethod
    def forward(ctx, x, index, src, accumulate):
        ctx.index = index
        ctx.acc = accumulate
        ctx.src_shape = src.shape
        out = x.copy()
        flat = out.reshape(-1)
        if accumulate:
            xp.add.at(flat, index.reshape(-1), src.reshape(-1))
        else:
            flat[index.reshape(-1)] = src.reshape(-1)
        return out

    @staticmethod
    def backward(ctx, g):
        nx, ns = ctx.needs_input_grad
        gx = gs = None
        if nx:
            if ctx.acc:
                gx = g
            else:
                z = _make(_zeros(ctx.index.shape, g._data.dtype))
                gx = Put.apply(g, ctx.index, z, False)
        if ns:
            gs = Take.apply(g, ctx.index).reshape(ctx.src_shape)
        return gx, gs


def put(input, index, source, accumulate=False):
    ia = _flat_index('put_', input, index)
    if not isinstance(source, Tensor):
        raise TypeError(f"put(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {input.dtype._short} and source.dtype = {source.dtype._short}")
    if source._data.size != ia.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source._data.size}, index.numel() = {ia.size}")
    return Put.apply(input, ia, source, bool(accumulate))


def put_(input, index, source, accumulate=False):
    return apply_inplace(input, lambda s: put(s, index, source, accumulate))


def take_along_dim(input, indices, dim=None, *, out=None):
    if out is not None:
        return _out(take_along_dim(input, indices, dim), out)
    if not isinstance(indices, Tensor):
        raise TypeError(f"take_along_dim(): argument 'indices' must be Tensor, not {type(indices).__name__}")
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{indices.dtype._short}")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    xs = input._data.shape
    if indices._data.ndim != len(xs):
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {len(xs)} dimensions for input, and {indices._data.ndim} "
                           f"dimensions for indices")
    dim = wrap_dim(dim, len(xs))
    ish = indices._data.shape
    a = list(xs)
    b = list(ish)
    a[dim] = 1
    b[dim] = 1
    from ._util import broadcast_shapes
    bs = list(broadcast_shapes(tuple(a), tuple(b)))
    ti = list(bs)
    ti[dim] = xs[dim]
    ii = list(bs)
    ii[dim] = ish[dim]
    if tuple(ti) != xs:
        input = input.expand(tuple(ti))
    if tuple(ii) != ish:
        indices = indices.expand(tuple(ii))
    return gather(input, dim, indices)


# ====================================================================== nonzero
def nonzero(input, *, out=None, as_tuple=False):
    if out is not None:
        if as_tuple:
            raise RuntimeError("nonzero(): as_tuple=True is not supported with out=")
        return _out(nonzero(input), out)
    a = input._data
    if as_tuple:
        return tuple(_make(i.astype(np.int64, copy=False)) for i in xp.nonzero(xp.atleast_1d(a)))
    return _make(xp.argwhere(a).astype(np.int64, copy=False))


def argwhere(input):
    return _make(xp.argwhere(input._data).astype(np.int64, copy=False))


def nonzero_static(input, *, size, fill_value=-1):
    r = xp.argwhere(input._data).astype(np.int64, copy=False)
    n = r.shape[0]
    if n >= size:
        return _make(r[:size].copy())
    pad = xp.full((size - n, r.shape[1]), fill_value, np.int64)
    return _make(xp.concatenate([r, pad]))


# ====================================================================== Tensor methods
def _inplace_fill_method(fn_oop):
    def method(self, *args, **kwargs):
        return apply_inplace(self, lambda s: fn_oop(s, *args, **kwargs))
    return method


Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem
Tensor.index_put = index_put
Tensor.index_put_ = index_put_
Tensor.masked_fill = masked_fill
Tensor.masked_fill_ = masked_fill_
Tensor.masked_select = masked_select
Tensor.masked_scatter = masked_scatter
Tensor.masked_scatter_ = masked_scatter_
Tensor.gather = gather
Tensor.scatter = scatter
Tensor.scatter_ = scatter_
Tensor.scatter_add = scatter_add
Tensor.scatter_add_ = scatter_add_
Tensor.scatter_reduce = scatter_reduce
Tensor.scatter_reduce_ = scatter_reduce_
Tensor.index_select = index_select
Tensor.index_add = index_add
Tensor.index_add_ = index_add_
Tensor.index_copy = index_copy
Tensor.index_copy_ = index_copy_
Tensor.index_fill = index_fill
Tensor.index_fill_ = index_fill_
Tensor.index_reduce = index_reduce
Tensor.index_reduce_ = index_reduce_
Tensor.take = take
Tensor.select = select
Tensor.select_scatter = select_scatter
Tensor.slice_scatter = slice_scatter
Tensor.take_along_dim = take_along_dim
Tensor.put = put
Tensor.put_ = put_
Tensor.nonzero = nonzero
Tensor.nonzero_static = nonzero_static
Tensor.argwhere = argwhere

__all__ = ['index_put', 'index_put_', 'masked_fill', 'masked_select', 'masked_scatter', 'gather', 'scatter',
           'scatter_add', 'scatter_reduce', 'index_select', 'index_add', 'index_copy', 'index_fill', 'index_reduce', 'take', 'select', 'select_scatter', 'slice_scatter',
           'take_along_dim', 'put', 'nonzero', 'nonzero_static', 'argwhere']
