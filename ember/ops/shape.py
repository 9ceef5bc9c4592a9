"""Shape and view ops. A view op's output shares memory (and the version counter) with its input."""
import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ._util import wrap_dim


def _shape_arg(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(s) for s in size)


def _infer_shape(shape, numel):
    """Resolve one -1 and check the element count, with torch's messages."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class View(Op):
    """reshape without copying; fails when the strides do not allow it (torch.view)."""
    _name = 'ViewBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return np.reshape(x, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


class Reshape(Op):
    """A view when the strides allow it, a copy otherwise (torch.reshape)."""
    _name = 'ViewBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


def view(self, *shape):
    shape = _infer_shape(_shape_arg(shape), self._data.size)
    return View.apply(self, shape)


def reshape(input, *shape):
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    return Reshape.apply(input, shape)


class Expand(Op):
    _name = 'ExpandBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g.sum_to_size(ctx.in_shape)


def expand(self, *sizes):
    sizes = _shape_arg(sizes)
    xs = self._data.shape
    if len(sizes) < len(xs):
        raise RuntimeError(f"expand(ember.{self.dtype._short}Tensor{{{list(xs)}}}, size={list(sizes)}): "
                           "the number of sizes provided ({}) must be greater or equal to the number of "
                           "dimensions in the tensor ({})".format(len(sizes), len(xs)))
    lead = len(sizes) - len(xs)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            out.append(s)
            continue
        cur = xs[i - lead]
        if s == -1:
            out.append(cur)
        elif cur == 1 or cur == s:
            out.append(s)
        else:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                               f"({cur}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                               f"Tensor sizes: {list(xs)}")
    return Expand.apply(self, tuple(out))


class Permute(Op):
    _name = 'PermuteBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        return g.permute(tuple(np.argsort(ctx.dims)))


def permute(input, *dims):
    dims = _shape_arg(dims)
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
    if nd == 0:
        wrap_dim(dim0, 0), wrap_dim(dim1, 0)
        return View.apply(input, ())
    d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    perm = list(range(nd))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return Permute.apply(input, tuple(perm))


def t(input):
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return transpose(input, 0, 1) if nd == 2 else View.apply(input, input._data.shape)


Tensor.view = view
Tensor.reshape = reshape
Tensor.expand = expand
Tensor.permute = permute
Tensor.transpose = transpose
Tensor.t = t
Tensor.T = property(lambda self: permute(self, tuple(range(self._data.ndim - 1, -1, -1))))

__all__ = ['reshape', 'permute', 'transpose', 't']
