"""Shape and view ops. A view op's output shares memory (and the version counter) with its input.

View outputs are built with exactly PyTorch's strides (``_strided``): the geometry rules
(``_view_strides`` = ATen's computeStride, expand's and unsqueeze's stride rules) are applied
to the input's byte strides, so ``stride()``, ``storage_offset()`` and ``is_contiguous()``
match torch even on size-1 and empty dimensions. View ops' ``forward`` derives everything
from the array it is given, so the in-place machinery can replay them on another array.
"""
import warnings

import numpy as np

from .._backend import xp
from .. import _dtype as D
from .._tensor import Tensor, Size
from ..autograd.function import Op, NULL_CTX
from ._util import wrap_dim

_nd = np.ndarray
_make = Tensor._make
_INT = (int, np.integer)


# ================================================================ strided-array helpers
def _storage(x):
    """(contiguous buffer, byte offset of x's data inside it) for an arbitrary array."""
    root = x
    while isinstance(root.base, _nd):
        root = root.base
    off = x.__array_interface__['data'][0] - root.__array_interface__['data'][0]
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        # a dense owner in a permuted layout: address its memory block as 1-D
        exp = root.itemsize
        for st, n in sorted((st, n) for st, n in zip(root.strides, root.shape) if n > 1):
            if st != exp:
                raise ValueError("memory is not one dense block")
            exp *= n
        root = np.lib.stride_tricks.as_strided(root, (root.size,), (root.itemsize,))
    return root, off


def _strided(x, shape, strides, dtype=None):
    """An array over x's memory (from x's first element) with the given shape and byte strides."""
    dt = x.dtype if dtype is None else dtype
    try:
        r = _nd(shape, dt, x, 0, strides)
        return r if r.flags.writeable else _wfix(r)
    except ValueError:
        pass
    try:
        buf, off = _storage(x)
        r = _nd(shape, dt, buf, off, strides)
    except ValueError:  # memory not addressable as one buffer: let NumPy build it (values exact)
        return np.lib.stride_tricks.as_strided(x if dtype is None else x.view(dt), shape, strides)
    if not x.flags.writeable:
        r = _wfix(r)
    return r


def _wfix(r):
    """Writeability follows torch's internal-overlap rule: a view is read-only (in-place ops
    refuse it) iff some dim of size > 1 has stride 0. Views of an expanded array that no
    longer overlap get their write access back."""
    for n, s in zip(r.shape, r.strides):
        if s == 0 and n > 1:
            if r.flags.writeable:
                r.flags.writeable = False
            return r
    if r.flags.writeable:
        return r
    try:
        buf, off = _storage(r)
        if not buf.flags.writeable:
            return r
        return _nd(r.shape, r.dtype, buf, off, r.strides)
    except ValueError:
        return r


def _contig_strides(shape, itemsize):
    st = []
    acc = itemsize
    for s in reversed(shape):
        st.append(acc)
        acc *= s if s > 1 else 1
    return tuple(reversed(st))


def _view_strides(oldshape, oldstride, newshape, itemsize):
    """ATen's computeStride (in bytes): the strides of a view, or None if impossible."""
    if not oldshape:
        return (itemsize,) * len(newshape)
    numel = 1
    for s in oldshape:
        numel *= s
    if numel == 0:
        if tuple(oldshape) == tuple(newshape):
            return tuple(oldstride)
        return _contig_strides(newshape, itemsize)
    n_new = len(newshape)
    newstride = [0] * n_new
    view_d = n_new - 1
    chunk_base_stride = oldstride[-1]
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (oldshape[tensor_d - 1] != 1 and
                             oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)


_VIEW_MSG = ("view size is not compatible with input tensor's size and stride (at least one "
             "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


class _NotViewable(RuntimeError):
    pass


def _shape_arg(size, fn='view', arg='size'):
    n = len(size)
    if n == 1 and size[0].__class__ is not int:
        if isinstance(size[0], _INT):
            return (int(size[0]),)
        size = size[0]
    elif n == 0:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "{arg}"')
    for v in size:
        if v.__class__ is not int:
            return tuple(int(v) for v in size)
    return size if size.__class__ is tuple else tuple(size)


def _infer_shape(shape, numel):
    """Resolve one -1 and check the element count, with torch's messages."""
    known = 1
    neg = -1
    for i, s in enumerate(shape):
        if s == -1:
            if neg >= 0:
                raise RuntimeError("only one dimension can be inferred")
            neg = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
        else:
            known *= s
    if neg >= 0:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               "unspecified dimension size -1 can be any value and is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:neg] + (numel // known,) + shape[neg + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _tdesc(x):
    return f"{x.dtype._short}Tensor{{{list(x._data.shape)}}}"


# ================================================================ view / reshape
class View(Op):
    """reshape without copying; fails when the strides do not allow it (torch.view)."""
    _name = 'ViewBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        if 1 not in shape and x.size:
            if shape == x.shape:
                return x.view()
            if x.flags.c_contiguous:
                # fast path: NumPy's view has torch's contiguous strides (NumPy's strides
                # for size-1 dims can differ from torch's, hence the condition)
                return x.reshape(shape)
        st = _view_strides(x.shape, x.strides, shape, x.itemsize)
        if st is None:
            raise _NotViewable(_VIEW_MSG)
        return _strided(x, shape, st)

    @staticmethod
    def backward(ctx, g):
        return reshape(g, ctx.in_shape)


class _ReshapeCopy(Op):
    """reshape when no view is possible: a contiguous copy (torch's _unsafe_view of a clone)."""
    _name = 'UnsafeViewBackward0'

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.reshape(x, shape, order='C', copy=True)

    @staticmethod
    def backward(ctx, g):
        return reshape(g, ctx.in_shape)


def view(self, *shape):
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(self, shape[0])
    shape = _infer_shape(_shape_arg(shape), self._data.size)
    return View.apply(self, shape)


def reshape(input, *shape):
    shape = _infer_shape(_shape_arg(shape, 'reshape', 'shape'), input._data.size)
    try:
        return View.apply(input, shape)
    except _NotViewable:
        return _ReshapeCopy.apply(input, shape)


def view_as(self, other):
    return view(self, other._data.shape)


def reshape_as(self, other):
    return reshape(self, other._data.shape)


def _view_dtype(self, dtype):
    dt = D.as_dtype(dtype)
    x = self._data
    old = self.dtype
    isz, osz = x.itemsize, np.dtype(dt.np).itemsize
    if isz == osz:
        return _dtype_result(self, x.view(dt.np))
    what = f"to view {old._short} as {dt._short} (different element sizes)"
    if x.ndim == 0:
        raise RuntimeError(f"self.dim() cannot be 0 {what}")
    if x.strides[-1] != isz:
        raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {x.strides[-1] // isz}")
    if osz > isz:
        ratio = osz // isz
        if x.shape[-1] % ratio:
            raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got {x.shape[-1]}")
        if self.storage_offset() % ratio:
            raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, but got "
                               f"{self.storage_offset()}")
        for d in range(x.ndim - 1):
            if (x.strides[d] // isz) % ratio:
                raise RuntimeError(f"self.stride({d}) must be divisible by {ratio} {what}, but got "
                                   f"{x.strides[d] // isz}")
        shape = x.shape[:-1] + (x.shape[-1] // ratio,)
    else:
        shape = x.shape[:-1] + (x.shape[-1] * (isz // osz),)
    return _dtype_result(self, _strided(x, shape, x.strides[:-1] + (osz,), np.dtype(dt.np)))


def _dtype_result(self, arr):
    out = _make(arr)
    # torch: view(dtype) is an alias that does not carry autograd history
    Tensor._mark_view(out, self, _ViewDtypeReplay, (arr.dtype,))
    return out


class _ViewDtypeReplay(Op):
    is_view = True

    @staticmethod
    def forward(ctx, x, npdtype):
        return x.view(npdtype)


# ================================================================ expand & broadcasting
class Expand(Op):
    _name = 'ExpandBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        xs = x.shape
        ctx.in_shape = xs
        if xs == shape:
            return x.view()
        nd = len(shape)
        nx = len(xs)
        st = [0] * nd
        xst = x.strides
        expanded = False
        for i in range(nd - 1, -1, -1):
            d = i - (nd - nx)
            if d >= 0:
                size = xs[d]
                stride = xst[d]
            else:
                size = 1
                stride = shape[i + 1] * st[i + 1] if (i + 1 < nd and nx) else 0
            if size != shape[i]:
                stride = 0
                expanded = True
            st[i] = stride
        r = _strided(x, shape, tuple(st))
        if expanded and r.size > 1:
            r.flags.writeable = False
        return r

    @staticmethod
    def backward(ctx, g):
        return g.sum_to_size(ctx.in_shape)


def _expand_shape(self, sizes):
    xs = self._data.shape
    if len(sizes) < len(xs):
        raise RuntimeError(f"expand(ember.{_tdesc(self)}, size={list(sizes)}): "
                           f"the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({len(xs)})")
    lead = len(sizes) - len(xs)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            out.append(s)
            continue
        cur = xs[i - lead]
        if s == -1:
            out.append(cur)
        elif cur == s or cur == 1 and s >= 0:
            out.append(s)
        else:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                               f"({cur}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                               f"Tensor sizes: {list(xs)}")
    return tuple(out)


def expand(self, *sizes, implicit=False):
    sizes = _shape_arg(sizes, 'expand')
    if sizes == self._data.shape:
        return Expand.apply(self, sizes)
    return Expand.apply(self, _expand_shape(self, sizes))


def expand_as(self, other):
    return expand(self, other._data.shape)


def broadcast_to(input, size):
    return expand(input, tuple(size))


def broadcast_shapes(*shapes):
    res = []
    for k, s in enumerate(shapes):
        if isinstance(s, _INT):
            s = (int(s),)
        s = tuple(int(v) for v in s)
        for v in s:
            if v < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {v}: {list(s)}")
        n = max(len(res), len(s))
        res = [1] * (n - len(res)) + res
        for i in range(1, len(s) + 1):
            a, b = res[-i], s[-i]
            if a == b or b == 1:
                continue
            if a == 1:
                res[-i] = b
            else:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {b} at {-i}! Mismatching "
                                   f"argument at index {k} had {tuple(s)}; but expected shape should be "
                                   f"broadcastable to {res}")
    return Size(res)


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = ()
    from ._util import check_broadcast
    for t in tensors:
        check_broadcast(shape, t._data.shape)
        shape = np.broadcast_shapes(shape, t._data.shape)
    return tuple(Expand.apply(t, shape) for t in tensors)


# ================================================================ permutations
class Permute(Op):
    _name = 'PermuteBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        r = x.transpose(dims)
        return r if x.flags.writeable else _wfix(r)

    @staticmethod
    def backward(ctx, g):
        dims = ctx.dims
        inv = [0] * len(dims)
        for i, d in enumerate(dims):
            inv[d] = i
        return Permute.apply(g, tuple(inv))


class Transpose(Op):
    _name = 'TransposeBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.d = (d0, d1)
        r = x.swapaxes(d0, d1)
        return r if x.flags.writeable else _wfix(r)

    @staticmethod
    def backward(ctx, g):
        return Transpose.apply(g, *ctx.d)


class _T(Transpose):
    _name = 'TBackward0'

    @staticmethod
    def backward(ctx, g):
        return _T.apply(g, *ctx.d)


class _Alias(Op):
    """An identity view (t() of a 1-D tensor, transpose of a dim with itself ...)."""
    _name = 'AliasBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, g):
        return g


class _TAlias(_Alias):
    _name = 'TBackward0'


class _TransposeAlias(_Alias):
    _name = 'TransposeBackward0'


def permute(input, *dims):
    dims = _shape_arg(dims, 'permute', 'dims')
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match "
                           f"the length of the desired ordering of dimensions i.e. input.dim() = {nd} is not "
                           f"equal to len(dims) = {len(dims)}")
    w = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(w)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, w)


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    if nd < 2 or d0 == d1:
        return _TransposeAlias.apply(input)
    return Transpose.apply(input, d0, d1)


def t(input):
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return _T.apply(input, 0, 1) if nd == 2 else _TAlias.apply(input)


def _numpy_T(self):
    nd = self._data.ndim
    if nd != 2 and nd != 0:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                      "deprecated and it will throw an error in a future release. Consider `x.mT` to "
                      "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` "
                      "to reverse the dimensions of a tensor.", UserWarning, stacklevel=2)
    return Permute.apply(self, tuple(range(nd - 1, -1, -1)))


def _mT(self):
    nd = self._data.ndim
    if nd < 2:
        if nd == 0:
            warnings.warn("Tensor.mT is deprecated on 0-D tensors. This function is the identity in "
                          "these cases.", UserWarning, stacklevel=2)
            return _Alias.apply(self)
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {nd}-D tensor.")
    return Transpose.apply(self, nd - 2, nd - 1)


def _conj_if_complex(t):
    return t.conj() if t._data.dtype.kind == 'c' else t


def _mH(self):
    nd = self._data.ndim
    if nd < 2:
        if nd == 0:
            warnings.warn("Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().",
                          UserWarning, stacklevel=2)
            return _conj_if_complex(_Alias.apply(self))
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {nd}-D tensor.")
    return _conj_if_complex(Transpose.apply(self, nd - 2, nd - 1))


def adjoint(input):
    nd = input._data.ndim
    if nd < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. "
                           f"Got {nd}-D tensor.")
    return _conj_if_complex(Transpose.apply(input, nd - 2, nd - 1))


def _H(self):
    nd = self._data.ndim
    if nd == 2:
        return _conj_if_complex(Transpose.apply(self, 0, 1))
    if nd == 0:
        return _conj_if_complex(_Alias.apply(self))
    raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {nd}-D tensor.")


def swapaxes(input, axis0, axis1):
    return transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    return transpose(input, dim0, dim1)


def movedim(input, source, destination):
    nd = input._data.ndim
    src = (source,) if isinstance(source, _INT) else tuple(source)
    dst = (destination,) if isinstance(destination, _INT) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    src = [wrap_dim(int(d), nd) for d in src]
    dst = [wrap_dim(int(d), nd) for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    order = [-1] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(nd) if d not in src)
    for i in range(nd):
        if order[i] == -1:
            order[i] = next(rest)
    return Permute.apply(input, tuple(order))


moveaxis = movedim


# ================================================================ squeeze / unsqueeze / flatten
class Unsqueeze(Op):
    _name = 'UnsqueezeBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        xs = x.shape
        st = x.strides
        new = x.itemsize if dim >= len(xs) else xs[dim] * st[dim]
        return _strided(x, xs[:dim] + (1,) + xs[dim:], st[:dim] + (new,) + st[dim:])

    @staticmethod
    def backward(ctx, g):
        return Squeeze1.apply(g, (ctx.dim,))


class Squeeze(Op):
    _name = 'SqueezeBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.in_shape = x.shape
        r = x.squeeze(dims) if dims else x.view()
        return r if x.flags.writeable else _wfix(r)

    @staticmethod
    def backward(ctx, g):
        return reshape(g, ctx.in_shape)


class Squeeze1(Squeeze):
    _name = 'SqueezeBackward1'


class Squeeze2(Squeeze):
    _name = 'SqueezeBackward2'


def unsqueeze(input, dim):
    return Unsqueeze.apply(input, wrap_dim(dim, input._data.ndim + 1))


def squeeze(input, dim=None):
    xs = input._data.shape
    nd = len(xs)
    if dim is None:
        return Squeeze.apply(input, tuple(i for i, s in enumerate(xs) if s == 1))
    if isinstance(dim, _INT):
        d = wrap_dim(int(dim), nd)
        return Squeeze1.apply(input, (d,) if nd and xs[d] == 1 else ())
    seen = []
    for d in dim:
        w = wrap_dim(int(d), nd)
        if w in seen:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        seen.append(w)
    return Squeeze2.apply(input, tuple(d for d in seen if nd and xs[d] == 1))


def flatten(input, start_dim=0, end_dim=-1):
    xs = input._data.shape
    nd = len(xs)
    s = wrap_dim(start_dim, nd)
    e = wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if nd == 0:
        return reshape(input, (1,))
    if s == e:
        return input
    n = 1
    for v in xs[s:e + 1]:
        n *= v
    return reshape(input, xs[:s] + (n,) + xs[e + 1:])


def unflatten(input, dim, sizes):
    xs = input._data.shape
    d = wrap_dim(dim, len(xs))
    sizes = tuple(int(v) for v in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten got an unexpected error:\nonly one dimension can be inferred")
    try:
        sizes = _infer_shape(sizes, xs[d])
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                           f"{d} ({xs[d]}) in the input tensor") from None
    return View.apply(input, xs[:d] + sizes + xs[d + 1:])


# ================================================================ slicing views
class Narrow(Op):
    _name = 'SliceBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, dim, start, length):
        ctx.args = (x.shape, dim, start, length)
        if not length:
            return _slice0(x, dim, start)
        r = x[(slice(None),) * dim + (slice(start, start + length),)]
        return r if x.flags.writeable else _wfix(r)

    @staticmethod
    def backward(ctx, g):
        shape, dim, start, length = ctx.args
        return _pad_dim(g, shape, dim, start, length)


def _slice0(x, dim, start):
    """An empty slice keeping torch's strides and storage offset (NumPy resets the offset)."""
    shape = x.shape[:dim] + (0,) + x.shape[dim + 1:]
    off = start * x.strides[dim]
    try:
        return _nd(shape, x.dtype, x, off, x.strides)
    except ValueError:
        try:
            buf, o = _storage(x)
            return _nd(shape, x.dtype, buf, o + off, x.strides)
        except ValueError:
            return x[(slice(None),) * dim + (slice(start, start),)]


def _pad_dim(g, shape, dim, start, length):
    """g placed at [start, start+length) of dim inside zeros of ``shape`` (with ember ops)."""
    parts = []
    if start:
        parts.append(_zeros_like_shape(g, shape[:dim] + (start,) + shape[dim + 1:]))
    parts.append(g)
    rest = shape[dim] - start - length
    if rest:
        parts.append(_zeros_like_shape(g, shape[:dim] + (rest,) + shape[dim + 1:]))
    return parts[0] if len(parts) == 1 else cat(parts, dim)


def _zeros_like_shape(g, shape):
    return _make(np.zeros(shape, g._data.dtype))


def narrow(input, dim, start, length):
    xs = input._data.shape
    if not xs:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if isinstance(start, Tensor):
        if start._data.ndim != 0 or start._data.dtype.kind not in 'iu':
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = int(start._data)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = wrap_dim(dim, len(xs))
    n = xs[d]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return Narrow.apply(input, d, int(start), int(length))


class _Select(Op):
    _name = 'SelectBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, dim, index):
        r = x[(slice(None),) * dim + (index, Ellipsis)]
        return r if x.flags.writeable else _wfix(r)


def _fix_replays(outs, replays):
    """Multi-output views: give each output its own single-output replay step."""
    for o, step in zip(outs, replays):
        vr = o._view_replay
        if vr is not None:
            o._view_replay = vr[:-1] + (step,)


class Unbind(Op):
    _name = 'UnbindBackward0'
    is_view = True
    _multi_view = 'Unbind'  # torch forbids in-place ops on these outputs when they require grad

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        idx = (slice(None),) * dim
        if x.flags.writeable:
            return tuple(x[idx + (i, Ellipsis)] for i in range(x.shape[dim]))
        return tuple(_wfix(x[idx + (i, Ellipsis)]) for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, ctx.dim)


def unbind(input, dim=0):
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, nd)
    outs = Unbind.apply(input, d)
    _fix_replays(outs, [(_Select, (d, i)) for i in range(len(outs))])
    return outs


class _SplitSizes(Op):
    _name = 'SplitWithSizesBackward0'
    is_view = True
    _multi_view = 'SplitWithSizes'

    @staticmethod
    def forward(ctx, x, dim, sizes):
        ctx.args = (x.shape, dim, sizes)
        idx = (slice(None),) * dim
        out = []
        s = 0
        for n in sizes:
            if not n:
                out.append(_slice0(x, dim, s))
                continue
            r = x[idx + (slice(s, s + n),)]
            out.append(r if x.flags.writeable else _wfix(r))
            s += n
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        shape, dim, sizes = ctx.args
        return cat(list(grads), dim)


class _Split(_SplitSizes):
    _name = 'SplitBackward0'
    _multi_view = 'Split'


def _apply_split(cls, input, d, sizes):
    outs = cls.apply(input, d, tuple(sizes))
    steps = []
    s = 0
    for n in sizes:
        steps.append((Narrow, (d, s, n)))
        s += n
    _fix_replays(outs, steps)
    return outs


def split(tensor, split_size_or_sections, dim=0):
    xs = tensor._data.shape
    if not xs:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, len(xs))
    n = xs[d]
    if isinstance(split_size_or_sections, _INT) or (isinstance(split_size_or_sections, Tensor)
                                                    and split_size_or_sections._data.ndim == 0):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        if size == 0:
            return _apply_split(_Split, tensor, d, [0])
        k = max((n + size - 1) // size, 1)
        sizes = [size] * (k - 1) + [n - size * (k - 1)]
        return _apply_split(_Split, tensor, d, sizes)
    sizes = [int(s) for s in split_size_or_sections]
    for s in sizes:
        if s < 0:
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                               f"split_sizes={sizes}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                           f"at dimension {d}), but got split_sizes={sizes}")
    return _apply_split(_SplitSizes, tensor, d, sizes)


def _split_method(self, split_size, dim=0):
    return split(self, split_size, dim)


def chunk(input, chunks, dim=0):
    xs = input._data.shape
    if not xs:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, len(xs))
    n = xs[d]
    size = (n + chunks - 1) // chunks
    if size == 0:
        # torch: an empty dim gives `chunks` empty pieces
        return _apply_split(_SplitSizes, input, d, [0] * chunks)
    return split(input, size, d)


def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None):
    given = [v for v in (indices_or_sections, sections, indices, tensor_indices_or_sections) if v is not None]
    if len(given) != 1:
        raise TypeError("tensor_split() expects exactly one of indices_or_sections, sections, indices, "
                        "tensor_indices_or_sections")
    indices_or_sections = given[0]
    xs = input._data.shape
    if not xs:
        raise RuntimeError(f"tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = wrap_dim(dim, len(xs))
    n = xs[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._data.dtype.kind not in 'iu':
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have an integral dtype, "
                               f"but got {ios.dtype}")
        if ios._data.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {ios._data.ndim} dims")
        ios = int(ios._data) if ios._data.ndim == 0 else [int(v) for v in ios._data]
    if isinstance(ios, _INT):
        sections = int(ios)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        q, r = divmod(n, sections)
        bounds = []
        s = 0
        for i in range(sections):
            ln = q + (1 if i < r else 0)
            bounds.append((s, ln))
            s += ln
    else:
        bounds = []
        s = 0
        for idx in list(ios) + [n]:
            st, e = s, int(idx)
            s = e
            st = st + n if st < 0 else st
            e = e + n if e < 0 else e
            st = min(max(st, 0), n)
            e = min(max(e, st), n)
            bounds.append((st, e - st))
    return tuple(Narrow.apply(input, d, st, ln) for st, ln in bounds)


# ================================================================ as_strided / unfold
class _StridedScatter(Op):
    """grad of a strided gather: acc[storage] += g; returns acc[in_pos]. Adjoint of _StridedGather."""
    _name = 'AsStridedBackward0'

    @staticmethod
    def forward(ctx, g, in_pos, out_pos, n):
        ctx.args = (in_pos, out_pos, n)
        acc = np.zeros(n, g.dtype)
        np.add.at(acc, out_pos.reshape(-1), g.reshape(-1))
        return acc[in_pos]

    @staticmethod
    def backward(ctx, h):
        return _StridedGather.apply(h, *ctx.args)


class _StridedGather(Op):
    _name = 'AsStridedBackward0'

    @staticmethod
    def forward(ctx, h, in_pos, out_pos, n):
        ctx.args = (in_pos, out_pos, n)
        acc = np.zeros(n, h.dtype)
        acc[in_pos] = h
        return acc[out_pos]

    @staticmethod
    def backward(ctx, g):
        return _StridedScatter.apply(g, *ctx.args)


def _positions(shape, strides, offset):
    pos = np.full(shape, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        if n > 1 and s:
            sh = [1] * len(shape)
            sh[d] = n
            pos = pos + (np.arange(n, dtype=np.int64) * s).reshape(sh)
    return pos


class AsStrided(Op):
    _name = 'AsStridedBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, size, stride, offset):
        isz = x.itemsize
        buf, off0 = _storage(x)
        x_off = off0 // isz
        ctx.geom = (x.shape, tuple(s // isz for s in x.strides), x_off, size, stride, offset)
        return _wfix(_nd(size, x.dtype, buf, offset * isz, tuple(s * isz for s in stride)))

    @staticmethod
    def backward(ctx, g):
        xs, xst, xoff, size, stride, offset = ctx.geom
        in_pos = _positions(xs, xst, xoff)
        out_pos = _positions(size, stride, offset)
        n = int(max(in_pos.max(initial=0), out_pos.max(initial=0))) + 1
        return _StridedScatter.apply(g, in_pos, out_pos, n)


def as_strided(input, size, stride, storage_offset=None):
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    for s in stride:
        if s < 0:
            raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                               f"{list(stride)}")
    off = input.storage_offset() if storage_offset is None else int(storage_offset)
    if off < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {off}")
    x = input._data
    try:
        buf, _ = _storage(x)
    except ValueError:
        raise RuntimeError("as_strided: this tensor's memory is not one dense block that ember can address "
                           "as a storage; call .contiguous() first") from None
    nstore = buf.nbytes // x.itemsize
    need = 0 if 0 in size else off + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if need > nstore:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {off}, and "
                           f"itemsize {x.itemsize} requiring a storage size of {need * x.itemsize} are out of "
                           f"bounds for storage of size {nstore * x.itemsize}")
    return AsStrided.apply(input, size, stride, off)


class Unfold(Op):
    _name = 'UnfoldBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, dim, size, step):
        xs, st = x.shape, x.strides
        ctx.args = (xs, dim, size, step)
        if xs:
            n = (xs[dim] - size) // step + 1
            shape = xs[:dim] + (n,) + xs[dim + 1:] + (size,)
            strides = st[:dim] + (st[dim] * step,) + st[dim + 1:] + (st[dim],)
        else:
            shape, strides = (size,), (x.itemsize,)
        return _strided(x, shape, strides)

    @staticmethod
    def backward(ctx, g):
        xs, dim, size, step = ctx.args
        n = 1
        for v in xs:
            n *= v
        in_pos = np.arange(n, dtype=np.int64).reshape(xs)
        out_pos = Unfold.forward(NULL_CTX, in_pos, dim, size, step)
        return _StridedScatter.apply(g, in_pos, out_pos, max(n, 1))


def unfold(self, dimension, size, step):
    xs = self._data.shape
    d = wrap_dim(dimension, len(xs))
    n = xs[d] if xs else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return Unfold.apply(self, d, int(size), int(step))


# ================================================================ cat / stack
class Cat(Op):
    _name = 'CatBackward0'

    @staticmethod
    def forward(ctx, dim, *arrays):
        ctx.args = (dim, tuple(a.shape for a in arrays))
        return xp.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        dim, shapes = ctx.args
        out = []
        s = 0
        need = ctx.needs_input_grad
        for i, sh in enumerate(shapes):
            n = sh[dim]
            out.append(Narrow.apply(g, dim, s, n) if need[i] else None)
            s += n
        return tuple(out)


def _promote_all(tensors):
    dt = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype is not dt:
            dt = D.promote_types(dt, t.dtype)
    return dt


def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


def cat(tensors, dim=0, *, axis=None, out=None):
    if axis is not None:
        dim = axis
    tensors = _tensor_list(tensors, 'cat')
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    dt = _promote_all(tensors)
    # legacy behaviour: 1-D empty tensors are skipped
    ref = None
    for i, t in enumerate(tensors):
        sh = t._data.shape
        if not (len(sh) == 1 and sh[0] == 0):
            ref = i
            break
    if ref is None:
        wrap_dim(dim, 1)
        return _out(Cat.apply(0, *[t if t.dtype is dt else t.to(dt) for t in tensors]), out)
    rs = tensors[ref]._data.shape
    nd = len(rs)
    d = wrap_dim(dim, nd)
    for i, t in enumerate(tensors):
        sh = t._data.shape
        if len(sh) == 1 and sh[0] == 0:
            continue
        if len(sh) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and {len(sh)}")
        for k in range(nd):
            if k != d and sh[k] != rs[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{rs[k]} but got size {sh[k]} for tensor number {i} in the list.")
    return _out(_cat_apply(tensors, d, dt), out)


def _cat_apply(tensors, d, dt):
    ts = [t if t.dtype is dt else t.to(dt) for t in tensors]
    keep = tuple(not (t._data.ndim == 1 and t._data.shape[0] == 0) for t in ts)
    if all(keep):
        return Cat.apply(d, *ts)
    return _CatSkip.apply(d, keep, *ts)


class _CatSkip(Op):
    _name = 'CatBackward0'

    @staticmethod
    def forward(ctx, dim, keep, *arrays):
        ctx.args = (dim, keep, tuple(a.shape for a in arrays))
        return xp.concatenate([a for a, k in zip(arrays, keep) if k], axis=dim)

    @staticmethod
    def backward(ctx, g):
        dim, keep, shapes = ctx.args
        out = []
        s = 0
        for k, sh in zip(keep, shapes):
            if not k:
                out.append(_zeros_like_shape(g, sh))
                continue
            out.append(Narrow.apply(g, dim, s, sh[dim]))
            s += sh[dim]
        return tuple(out)


def _out(result, out):
    if out is None:
        return result
    from .elementwise import _out as eout
    return eout(result, out)


concat = cat
concatenate = cat


class Stack(Op):
    _name = 'StackBackward0'

    @staticmethod
    def forward(ctx, dim, *arrays):
        ctx.dim = dim
        return xp.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return Unbind.apply(g, ctx.dim)


def stack(tensors, dim=0, *, out=None):
    tensors = _tensor_list(tensors, 'stack')
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != s0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(s0)} at entry 0 "
                               f"and {list(t._data.shape)} at entry {i}")
    d = wrap_dim(dim, len(s0) + 1)
    dt = _promote_all(tensors)
    ts = [t if t.dtype is dt else t.to(dt) for t in tensors]
    return _out(Stack.apply(d, *ts), out)


def _atleast(t, n):
    nd = t._data.ndim
    if nd >= n:
        return t
    if n == 1:
        return reshape(t, (1,))
    if n == 2:
        return reshape(t, (1,) * (2 - nd) + t._data.shape)
    if nd == 0:
        return reshape(t, (1, 1, 1))
    if nd == 1:
        return unsqueeze(unsqueeze(t, 0), 2)
    return unsqueeze(t, 2)


def _atleast_n(n, tensors):
    if len(tensors) == 1:
        t0 = tensors[0]
        if isinstance(t0, Tensor):
            return _atleast(t0, n)
        return tuple(_atleast(t, n) for t in t0)
    return tuple(_atleast(t, n) for t in tensors)


def atleast_1d(*tensors):
    return _atleast_n(1, tensors)


def atleast_2d(*tensors):
    return _atleast_n(2, tensors)


def atleast_3d(*tensors):
    return _atleast_n(3, tensors)


def ravel(input):
    return reshape(input, (-1,))


def narrow_copy(input, dim, start, length):
    return narrow(input, dim, start, length).clone()


def _nonempty(tensors, name):
    tensors = _tensor_list(tensors, name)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None):
    ts = [_atleast(t, 1) for t in _nonempty(tensors, 'hstack')]
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    return cat([_atleast(t, 2) for t in _nonempty(tensors, 'vstack')], 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    return cat([_atleast(t, 3) for t in _nonempty(tensors, 'dstack')], 2, out=out)


def column_stack(tensors, *, out=None):
    ts = _nonempty(tensors, 'column_stack')
    ts = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in ts]
    return cat(ts, 1, out=out)


# ================================================================ copies: repeat, flip, roll ...
class Repeat(Op):
    _name = 'RepeatBackward0'

    @staticmethod
    def forward(ctx, x, reps):
        lead = len(reps) - x.ndim
        xs = (1,) * lead + x.shape
        ctx.args = (x.shape, xs, reps)
        return np.tile(x.reshape(xs), reps)

    @staticmethod
    def backward(ctx, g):
        in_shape, xs, reps = ctx.args
        inter = []
        dims = []
        for i, (r, s) in enumerate(zip(reps, xs)):
            inter += [r, s]
            if r != 1:
                dims.append(2 * i)
        g2 = reshape(g, tuple(inter))
        if dims:
            g2 = g2.sum(tuple(dims))
        return reshape(g2, in_shape)


def repeat(self, *sizes):
    reps = _shape_arg(sizes, 'repeat', 'repeats')
    if len(reps) < self._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    for r in reps:
        if r < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {r}: {list(reps)}")
    return Repeat.apply(self, reps)


def tile(input, dims):
    if isinstance(dims, _INT):
        dims = (int(dims),)
    dims = tuple(int(v) for v in dims)
    nd = input._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(input, dims)


def _tile_method(self, *dims):
    return tile(self, _shape_arg(dims, 'tile', 'dims'))


class RepeatInterleave(Op):
    _name = 'IndexSelectBackward0'

    @staticmethod
    def forward(ctx, x, reps, dim):
        ctx.args = (reps, dim, x.shape[dim])
        return np.repeat(x, reps, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return _SegmentSum.apply(g, *ctx.args)


class _RepeatInterleaveInt(RepeatInterleave):
    _name = 'ViewBackward0'  # torch expands and reshapes for an int repeat count


class _SegmentSum(Op):
    _name = 'IndexSelectBackward0'

    @staticmethod
    def forward(ctx, g, reps, dim, n):
        ctx.args = (reps, dim)
        shape = g.shape[:dim] + (n,) + g.shape[dim + 1:]
        out = np.zeros(shape, g.dtype)
        seg = np.repeat(np.arange(n), reps)
        np.add.at(out, (slice(None),) * dim + (seg,), g)
        return out

    @staticmethod
    def backward(ctx, h):
        reps, dim = ctx.args
        return RepeatInterleave.apply(h, reps, dim)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:  # torch.repeat_interleave(repeats): indices repeated
        r = input
        if r._data.ndim > 1 or r._data.dtype.kind not in 'iu':
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if (r._data < 0).any():
            raise RuntimeError("repeats can not be negative")
        return _make(np.repeat(np.arange(r._data.size, dtype=np.int64), r._data.reshape(-1)))
    if dim is None:
        input = reshape(input, (-1,))
        d = 0
    else:
        d = wrap_dim(dim, input._data.ndim)
        if input._data.ndim == 0:
            input = reshape(input, (1,))
    n = input._data.shape[d]
    if isinstance(repeats, Tensor):
        ra = repeats._data
        if ra.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if ra.dtype.kind not in 'iu':
            raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for \'{repeats.dtype._short}\'')
        ra = ra.reshape(-1)
        if ra.size == 1:
            reps = int(ra[0])
        else:
            if ra.size != n:
                raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                                   f"repeats.size(0) = {ra.size} and input.size({d}) = {n}")
            if (ra < 0).any():
                raise RuntimeError("repeats can not be negative")
            reps = tuple(int(v) for v in ra)
        cls = RepeatInterleave
    else:
        reps = int(repeats)
        cls = _RepeatInterleaveInt
    if isinstance(reps, int):
        if reps < 0:
            raise RuntimeError("Repeats must be non-negative")
        reps = (reps,) * n
    if output_size is not None and output_size != sum(reps):
        raise RuntimeError("allocated size does not match required size")
    return cls.apply(input, reps, d)


def _copy_like(a):
    """A copy keeping the memory layout (torch's MemoryFormat::Preserve for dense inputs)."""
    return a.copy(order='K')


class Flip(Op):
    _name = 'FlipBackward0'

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return _copy_like(np.flip(x, dims)) if dims else x.copy(order='K')

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, ctx.dims)


def _dims_list(dims, nd):
    if isinstance(dims, _INT):
        dims = (int(dims),)
    out = []
    for d in dims:
        w = wrap_dim(int(d), nd)
        if w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(out)


def flip(input, *dims):
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    if len(dims) == 1 and not isinstance(dims[0], _INT):
        dims = dims[0]
    return Flip.apply(input, _dims_list(dims, input._data.ndim))


def fliplr(input):
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return Flip.apply(input, (1,))


def flipud(input):
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return Flip.apply(input, (0,))


class Roll(Op):
    _name = 'RollBackward0'

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.args = (shifts, dims)
        return np.ascontiguousarray(np.roll(x, shifts, dims))

    @staticmethod
    def backward(ctx, g):
        shifts, dims = ctx.args
        return Roll.apply(g, tuple(-s for s in shifts), dims)


class _RollFlat(Op):
    _name = 'RollBackward0'

    @staticmethod
    def forward(ctx, x, shift):
        ctx.shift = shift
        return np.ascontiguousarray(np.roll(x, shift))  # numpy rolls the flattened array

    @staticmethod
    def backward(ctx, g):
        return _RollFlat.apply(g, -ctx.shift)


def roll(input, shifts, dims=None):
    shifts = (int(shifts),) if isinstance(shifts, _INT) else tuple(int(s) for s in shifts)
    nd = input._data.ndim
    if dims is None or (not isinstance(dims, _INT) and len(dims) == 0):
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return _RollFlat.apply(input, shifts[0])
    dims = (int(dims),) if isinstance(dims, _INT) else tuple(int(d) for d in dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = tuple(wrap_dim(d, nd) for d in dims)
    return Roll.apply(input, shifts, dims)


class Rot90(Op):
    _name = 'Rot90Backward0'

    @staticmethod
    def forward(ctx, x, k, d0, d1):
        ctx.args = (k, d0, d1)
        # torch: k=1 flip(d1).transpose; k=2 flip(d0, d1); k=3 flip(d0).transpose; k=0 clone
        if k == 1:
            return _copy_like(np.flip(x, d1)).swapaxes(d0, d1)
        if k == 2:
            return _copy_like(np.flip(x, (d0, d1)))
        if k == 3:
            return _copy_like(np.flip(x, d0)).swapaxes(d0, d1)
        return np.array(x, order='C', copy=True)

    @staticmethod
    def backward(ctx, g):
        k, d0, d1 = ctx.args
        return Rot90.apply(g, (4 - k) % 4, d0, d1)


def rot90(input, k=1, dims=(0, 1)):
    dims = tuple(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = wrap_dim(dims[0], nd), wrap_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return Rot90.apply(input, int(k) % 4, d0, d1)


# ================================================================ in-place metadata ops
def _inplace_meta(name, fn):
    """squeeze_/unsqueeze_/t_/transpose_: self becomes the view (its history too)."""
    def method(self, *args, **kwargs):
        from ..autograd.grad_mode import STATE
        if STATE.enabled and self._requires_grad and self._grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        r = fn(self, *args, **kwargs)
        self._data = r._data
        if r._grad_fn is not None:
            self._grad_fn = r._grad_fn
            self._output_nr = r._output_nr
        return self
    method.__name__ = name
    return method


# ================================================================ Tensor methods
Tensor.view = view
Tensor.view_as = view_as
Tensor.reshape = reshape
Tensor.reshape_as = reshape_as
Tensor.expand = expand
Tensor.expand_as = expand_as
Tensor.broadcast_to = broadcast_to
Tensor.permute = permute
Tensor.transpose = transpose
Tensor.swapaxes = swapaxes
Tensor.swapdims = swapdims
Tensor.t = t
Tensor.T = property(_numpy_T)
Tensor.mT = property(_mT)
Tensor.mH = property(_mH)
Tensor.H = property(_H)
Tensor.adjoint = adjoint
Tensor.movedim = movedim
Tensor.moveaxis = moveaxis
Tensor.squeeze = squeeze
Tensor.unsqueeze = unsqueeze
Tensor.flatten = flatten
Tensor.unflatten = unflatten
Tensor.narrow = narrow
Tensor.unbind = unbind
Tensor.split = _split_method
Tensor.chunk = chunk
Tensor.tensor_split = tensor_split
Tensor.as_strided = as_strided
Tensor.unfold = unfold
Tensor.repeat = repeat
Tensor.tile = _tile_method
Tensor.repeat_interleave = repeat_interleave
Tensor.flip = flip
Tensor.ravel = ravel
Tensor.narrow_copy = narrow_copy
Tensor.fliplr = fliplr
Tensor.flipud = flipud
Tensor.roll = roll
Tensor.rot90 = rot90
Tensor.squeeze_ = _inplace_meta('squeeze_', squeeze)
Tensor.unsqueeze_ = _inplace_meta('unsqueeze_', unsqueeze)
Tensor.t_ = _inplace_meta('t_', t)
Tensor.transpose_ = _inplace_meta('transpose_', transpose)
Tensor.swapaxes_ = Tensor.transpose_
Tensor.swapdims_ = Tensor.transpose_

__all__ = ['reshape', 'permute', 'transpose', 't', 'adjoint', 'swapaxes', 'swapdims', 'movedim', 'moveaxis',
           'squeeze', 'unsqueeze', 'flatten', 'unflatten', 'narrow', 'unbind', 'split', 'chunk', 'tensor_split',
           'as_strided', 'broadcast_to', 'broadcast_tensors', 'broadcast_shapes', 'cat', 'concat',
           'concatenate', 'stack', 'hstack', 'vstack', 'row_stack', 'dstack', 'column_stack', 'tile',
           'repeat_interleave', 'flip', 'fliplr', 'flipud', 'roll', 'rot90', 'ravel', 'narrow_copy',
           'atleast_1d', 'atleast_2d', 'atleast_3d']
