"""Functional sparse ops: embedding, embedding_bag, one_hot.

embedding: forward is ``take`` along dim 0; backward scatter-adds the gradient rows by index
(argsort + ``add.reduceat``: no ``add.at``), itself an Op whose backward is an embedding again.
"""
from ..._backend import xp
from ..._tensor import Tensor
from ...autograd.function import Op
from ...autograd.grad_mode import no_grad

__all__ = ['embedding', 'embedding_bag', 'one_hot']

_make = Tensor._make


def _segments(sorted_ids):
    """Start positions of the runs of equal values in a sorted 1-d int array."""
    n = sorted_ids.shape[0]
    flag = xp.empty(n, dtype=bool)
    if n:
        flag[0] = True
        xp.not_equal(sorted_ids[1:], sorted_ids[:-1], out=flag[1:])
    return xp.flatnonzero(flag)


def _sl(axis, m):
    return (slice(None),) * axis + (m,)


def segment_sum(src, starts, lens, axis=0, order=None):
    """r[k] = sum over j < lens[k] of src[pos(starts[k] + j)] along ``axis``, pos = order or identity.

    Runs (lens >= 1) are summed with one ``take`` per run position up to 8, and the tails of
    longer runs with one ``add.reduceat`` over few segments (reduceat over many tiny segments
    and ``add.at`` are slow)."""
    def pos(p):
        return p if order is None else order[p]
    L = int(lens.max()) if lens.size else 0
    r = xp.take(src, pos(starts), axis=axis)
    for k in range(1, min(L, 8)):
        m = xp.flatnonzero(lens > k)
        t = xp.take(src, pos(starts[m] + k), axis=axis)
        if m.shape[0] == lens.shape[0]:
            r += t
        else:
            r[_sl(axis, m)] += t
    if L > 8:
        m = xp.flatnonzero(lens > 8)
        tl = lens[m] - 8
        offs = xp.zeros(m.shape[0], dtype=xp.int64)
        xp.cumsum(tl[:-1], out=offs[1:])
        p = xp.arange(int(tl.sum())) - xp.repeat(offs, tl) + xp.repeat(starts[m] + 8, tl)
        r[_sl(axis, m)] += xp.add.reduceat(xp.take(src, pos(p), axis=axis), offs, axis=axis)
    return r


def _scatter_rows(g2, idx, num, padding_idx, scale_grad_by_freq):
    """out[num, D]: out[i] = sum of g2[j] over j with idx[j] == i (padding row zero)."""
    out = xp.zeros((num, g2.shape[1]), dtype=g2.dtype)
    if idx.shape[0] == 0:
        return out
    order = xp.argsort(idx, kind='stable')
    s = idx[order]
    starts = _segments(s)
    counts = xp.diff(xp.append(starts, s.shape[0]))
    sums = segment_sum(g2, starts, counts, 0, order)
    rows = s[starts]
    if scale_grad_by_freq:
        sums /= counts[:, None].astype(g2.dtype)
    out[rows] = sums
    if padding_idx is not None and padding_idx >= 0:
        out[padding_idx] = 0
    return out


class _EmbeddingDenseBackward(Op):
    _name = 'EmbeddingDenseBackwardBackward0'

    @staticmethod
    def forward(ctx, g, idx, num, padding_idx, scale):
        D_ = g.shape[-1]
        ctx.args = (idx, padding_idx, scale, num)
        return _scatter_rows(g.reshape(-1, D_), idx.reshape(-1), num, padding_idx, scale)

    @staticmethod
    def backward(ctx, gg):
        idx, padding_idx, scale, num = ctx.args
        r = _Embedding.apply(gg, _make(idx), None, False)
        if scale or padding_idx is not None:
            flat = idx.reshape(-1)
            f = xp.ones(flat.shape[0], dtype=gg._data.dtype)
            if scale:
                f /= xp.bincount(flat, minlength=num)[flat]
            if padding_idx is not None:
                f[flat == padding_idx] = 0
            r = r * _make(f.reshape(idx.shape + (1,)))
        return r, None


class _Embedding(Op):
    _name = 'EmbeddingBackward0'

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale):
        ctx.args = (idx, weight.shape[0], padding_idx, scale)
        return xp.take(weight, idx, axis=0)

    @staticmethod
    def backward(ctx, g):
        idx, num, padding_idx, scale = ctx.args
        return _EmbeddingDenseBackward.apply(g, idx, num, padding_idx, scale), None


def _check_indices(input, fn='embedding'):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'indices' (position 2) must be Tensor, not "
                        f"{type(input).__name__}")
    if input._data.dtype.kind not in 'iu':
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got {input.type()} instead (while checking arguments "
                           f"for {fn})")


def _check_range(idx, num):
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")


def _renorm_(weight, idx, max_norm, norm_type):
    """torch.embedding_renorm_: rows referenced by idx with norm > max_norm are rescaled in place."""
    rows = xp.unique(idx.reshape(-1))
    if rows.size == 0:
        return
    w = weight._data
    sel = w[rows]
    if norm_type == float('inf'):
        norms = xp.abs(sel).max(1)
    elif norm_type == 1:
        norms = xp.abs(sel).sum(1)
    elif norm_type == 2:
        norms = xp.sqrt(xp.einsum('ij,ij->i', sel, sel))
    else:
        norms = (xp.abs(sel) ** norm_type).sum(1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] = sel[big] * scale[:, None]
        weight._vc[0] += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    if sparse:
        raise NotImplementedError("embedding(): sparse=True (sparse gradients) is not supported by ember")
    _check_indices(input)
    num = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = num + padding_idx
    else:
        padding_idx = -1
    idx = input._data
    _check_range(idx, num)
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, idx, max_norm, norm_type)
    return _Embedding.apply(weight, input, padding_idx if padding_idx >= 0 else None,
                            bool(scale_grad_by_freq))


class _SegmentSum(Op):
    """out[b] = sum of x rows in bag b; bag ids sorted (bags given by offsets)."""
    _name = 'EmbeddingBagBackward0'

    @staticmethod
    def forward(ctx, x, bag_ids, n_bags):
        ctx.bag_ids = bag_ids
        out = xp.zeros((n_bags,) + x.shape[1:], dtype=x.dtype)
        if x.shape[0]:
            starts = _segments(bag_ids)
            out[bag_ids[starts]] = xp.add.reduceat(x, starts, axis=0)
        return out

    @staticmethod
    def backward(ctx, g):
        return g.index_select(0, _make(ctx.bag_ids))


class _SegmentMax(Op):
    _name = 'EmbeddingBagBackward0'

    @staticmethod
    def forward(ctx, x, bag_ids, n_bags):
        N, Dm = x.shape
        out = xp.zeros((n_bags, Dm), dtype=x.dtype)
        argpos = xp.zeros((n_bags, Dm), dtype=xp.int64)
        if N:
            starts = _segments(bag_ids)
            mx = xp.maximum.reduceat(x, starts, axis=0)
            bags = bag_ids[starts]
            out[bags] = mx
            pos = xp.where(x == out[bag_ids], xp.arange(N)[:, None], N)
            argpos[bags] = xp.minimum.reduceat(pos, starts, axis=0)
            ctx.valid = bags
        else:
            ctx.valid = xp.zeros(0, dtype=xp.int64)
        ctx.argpos = argpos
        ctx.N = N
        return out

    @staticmethod
    def backward(ctx, g):
        valid = _make(ctx.valid)
        gv = g.index_select(0, valid)
        pos = _make(ctx.argpos[ctx.valid])
        from ...ops.creation import zeros
        return zeros((ctx.N, g.shape[1]), dtype=g.dtype).scatter(0, pos, gv)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode='mean', sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    if sparse:
        raise NotImplementedError("embedding_bag(): sparse=True (sparse gradients) is not supported by ember")
    _check_indices(input, 'embedding_bag')
    psw = per_sample_weights
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a "
                             "mini-batch of fixed length sequences. However, found offsets of type "
                             "<class 'torch.Tensor'>")
        B, L = input.shape
        idx = input._data.reshape(-1)
        bag_ids = xp.repeat(xp.arange(B), L)
        n_bags = B
        if psw is not None:
            psw = psw.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        idx = input._data
        off = offsets._data.astype(xp.int64)
        if off.size and off[0] != 0:
            raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                               f"start from position 0. However, got {int(off[0])}")
        N = idx.shape[0]
        if include_last_offset:
            if off.size and off[-1] > N:
                raise RuntimeError(f"offsets[-1] can not be greater than input's length {N}")
            ends = off[1:]
            off = off[:-1]
        else:
            ends = xp.append(off[1:], N)
        if off.size and (off[-1] > N if not include_last_offset else False):
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {N}")
        n_bags = off.shape[0]
        counts = xp.maximum(ends - off, 0)
        bag_ids = xp.repeat(xp.arange(n_bags), counts)
        idx = idx[:bag_ids.shape[0]] if bag_ids.shape[0] < N else idx
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode == 'max':
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
    elif mode not in ('sum', 'mean'):
        raise ValueError("mode has to be one of sum, mean or max")
    num = weight.shape[0]
    bad = xp.flatnonzero((idx < 0) | (idx >= num))
    if bad.size:
        raise RuntimeError(f"Index {int(bad[0])} of input takes value {int(idx[bad[0]])} which is not in the "
                           f"valid range [0, {num})")
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, idx, max_norm, norm_type)
    if psw is not None and mode != 'sum':
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is "
                                  f"only supported for mode='sum' (got mode='{mode}'). Please open a "
                                  "feature request on GitHub.")
    keep = None
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += num
        keep = idx != padding_idx
        if keep.all():
            keep = None
        else:
            idx = idx[keep]
            bag_ids = bag_ids[keep]
    rows = _Embedding.apply(weight, _make(xp.ascontiguousarray(idx)), None, bool(scale_grad_by_freq))
    if psw is not None:
        if psw.shape[0] != (keep.shape[0] if keep is not None else idx.shape[0]) and keep is None:
            raise ValueError("embedding_bag: If per_sample_weights (" + str(tuple(psw.shape)) +
                             ") is not None, then it must have the same shape as the input")
        w = psw if keep is None else psw.index_select(0, _make(xp.flatnonzero(keep)))
        rows = rows * w.unsqueeze(1).to(rows.dtype)
    if mode == 'max':
        return _SegmentMax.apply(rows, bag_ids, n_bags)
    out = _SegmentSum.apply(rows, bag_ids, n_bags)
    if mode == 'mean':
        cnt = xp.bincount(bag_ids, minlength=n_bags)[:n_bags]
        out = out / _make(xp.maximum(cnt, 1).astype(out._data.dtype)[:, None])
    return out


def one_hot(tensor, num_classes=-1):
    if not isinstance(tensor, Tensor) or tensor._data.dtype != xp.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = tensor._data
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size:
        if a.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if a.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = xp.zeros(a.shape + (num_classes,), dtype=xp.int64)
    xp.put_along_axis(out, a[..., None], 1, axis=-1)
    return _make(out)
