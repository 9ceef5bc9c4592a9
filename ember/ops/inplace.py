"""In-place ops (``add_``, ``x[i] = v`` ...) on top of their out-of-place twins.

``apply_inplace(target, compute)`` runs ``compute`` on a stand-in for ``target`` to get the
new value, writes it into ``target``'s memory and bumps the version counter. When a graph
is recorded, ``target`` takes the result's ``grad_fn``; if ``target`` is a view, its base's
history is rewritten through a ``CopySlices`` node, as in PyTorch.
"""
import weakref

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Op, NULL_CTX
from ..autograd.grad_mode import STATE

_make = Tensor._make
_ref = weakref.ref


def _stand_in(t):
    s = _make(t._data, t._grad_fn, t._output_nr)
    s._requires_grad = t._requires_grad
    s._vc = t._vc
    s._base = t._base
    s._view_replay = t._view_replay
    return s


def _check_leaf(target):
    if STATE.enabled:
        if target._grad_fn is None and target._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = target._base
        if base is not None and base._grad_fn is None and base._requires_grad:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")


def _detach_saved_stand_in(node, stand_in):
    """If ``node`` saved the stand-in, give it its own copy of the old values."""
    for n in (node,) + tuple(e[0] for e in node._next if e.__class__ is tuple):
        saved = n._saved
        if not saved:
            continue
        for rec in saved:
            if rec is not None and rec.kind == 0 and rec.value is stand_in:
                stand_in._data = stand_in._data.copy()
                stand_in._vc = [rec.version]
                rec.counter = stand_in._vc
                return


def write_into(target, value_arr):
    """Copy an array into target's memory, enforcing torch's cast and shape rules."""
    if value_arr.shape != target._data.shape:
        try:
            value_arr = np.broadcast_to(value_arr, target._data.shape)
        except ValueError:
            raise RuntimeError(f"output with shape {list(target.shape)} doesn't match the broadcast "
                               f"shape {list(value_arr.shape)}") from None
    np.copyto(target._data, value_arr, casting='unsafe')
    target._vc[0] += 1


_OVERLAP_MSG = ("unsupported operation: more than one element of the written-to tensor refers to a "
                "single memory location. Please clone() the tensor before performing the operation.")


def apply_inplace(target, compute):
    _check_leaf(target)
    if not target._data.flags.writeable:
        raise RuntimeError(_OVERLAP_MSG)
    stand_in = _stand_in(target)
    res = compute(stand_in)
    rdt = res.dtype
    tdt = target.dtype
    if rdt is not tdt and not D.can_cast(rdt, tdt):
        raise RuntimeError(f"result type {rdt._short} can't be cast to the desired output type {tdt._short}")
    if res._data.shape != target._data.shape:
        raise RuntimeError(f"output with shape {list(target.shape)} doesn't match the broadcast shape "
                           f"{list(res.shape)}")
    node = res._grad_fn
    if node is None:
        write_into(target, res._data)
        return target
    if rdt is not tdt:
        from .convert import cast
        res = cast(res, tdt)
        node = res._grad_fn
    _detach_saved_stand_in(node, stand_in)
    if target._base is not None:
        _rebase_view(target, res)
        return target
    write_into(target, res._data)
    target._grad_fn = node
    target._output_nr = res._output_nr
    target._requires_grad = True
    _refresh_views(target)
    return target


class CopySlices(Op):
    """base with the region selected by a chain of view ops replaced by ``src``."""
    _name = 'torch::autograd::CopySlices'

    @staticmethod
    def forward(ctx, base, src, replay):
        ctx.replay = replay
        ctx.base_shape = base.shape
        view = replay_arrays(base, replay)
        np.copyto(view, src, casting='unsafe')
        return base  # written in place: base's memory now holds the new values

    @staticmethod
    def backward(ctx, g):
        nb, ns = ctx.needs_input_grad
        g_base = g_src = None
        if nb:
            mask = np.ones(ctx.base_shape, dtype=g._data.dtype)
            replay_arrays(mask, ctx.replay)[...] = 0
            g_base = g * _make(mask)
        if ns:
            g_src = replay_tensor(g, ctx.replay)
        return g_base, g_src


class AsStrided(Op):
    """The history of a view after its base was modified in place (torch: AsStridedBackward0).

    forward replays the chain of view ops on the base's array, keeping each op's ctx;
    backward runs those ops' backwards in reverse (ember ops: differentiable again)."""
    _name = 'AsStridedBackward0'

    @staticmethod
    def forward(ctx, base, replay):
        ctxs = []
        arr = base
        for op_cls, params in replay:
            c = op_cls()
            c.needs_input_grad = (True,)
            arr = op_cls.forward(c, arr, *params)
            if '_to_save' in c.__dict__:
                c._pack_saved((), ())
            ctxs.append(c)
        ctx.ctxs = ctxs
        return arr

    @staticmethod
    def backward(ctx, g):
        for c in reversed(ctx.ctxs):
            g = type(c).backward(c, g)
            if g.__class__ is tuple:
                g = g[0]
        return g


def replay_arrays(arr, replay):
    for op_cls, params in replay:
        arr = op_cls.forward(NULL_CTX, arr, *params)
    return arr


def replay_tensor(t, replay):
    for op_cls, params in replay:
        t = op_cls.apply(t, *params)
    return t


def _rebase_view(view, res):
    base = view._base
    # writes the new values into base's memory and returns base's new history
    new_base = CopySlices.apply(_stand_in(base), res, view._view_replay)
    base._vc[0] += 1
    base._grad_fn = new_base._grad_fn
    base._output_nr = 0
    base._requires_grad = True
    _refresh_views(base, view)


# ---------------------------------------------------------------- live views of a base
# Every view registers (weakly) with its base; after an in-place op changes the base's
# history, each live view's grad_fn is regenerated from it (AsStridedBackward0, as in torch).
# (identity-keyed: Tensor.__eq__ is elementwise, so no WeakKeyDictionary)
_VIEWS = {}   # id(base) -> (weakref(base), [weakref(view)])


def _drop(key):
    return lambda r: _VIEWS.pop(key, None)

def _mark_view(out, base, op_cls, params):
    """out was computed by a view op from base: share base's memory bookkeeping."""
    arr = out._data
    if arr.base is None and arr.size:  # NumPy had to copy (e.g. reshape): not a view
        return
    root = base._base if base._base is not None else base
    out._base = root
    out._vc = base._vc
    step = ((op_cls, params),)
    out._view_replay = base._view_replay + step if base._view_replay is not None else step
    if not STATE.enabled or not root._requires_grad:
        # Views made under no_grad keep their (empty) history, as in torch. Views of a base
        # without history are not tracked (it keeps the per-view cost off inference paths):
        # if such a base later gains history through an in-place op, only the view that was
        # written to is regenerated.
        return
    k = id(root)
    e = _VIEWS.get(k)
    if e is None or e[0]() is not root:
        _VIEWS[k] = (_ref(root, _drop(k)), [_ref(out)])
    else:
        views = e[1]
        views.append(_ref(out))
        if len(views) >= 64 and not len(views) & 63:  # drop dead views now and then
            views[:] = [r for r in views if r() is not None]


def _refresh_views(base, written=None):
    """Regenerate the grad_fn of base's live views (and of the view just written to)."""
    if not base._requires_grad:
        return
    e = _VIEWS.get(id(base))
    refs = e[1] if e is not None and e[0]() is base else []
    views = [r() for r in refs]
    if written is not None and not any(v is written for v in views):
        views.append(written)
    live = []
    src = None
    for r, v in zip(refs + [None] * (len(views) - len(refs)), views):
        if v is None or v._base is not base:
            continue
        if r is not None:
            live.append(r)
        if src is None:
            src = _stand_in(base)
        nv = AsStrided.apply(src, v._view_replay)
        v._grad_fn = nv._grad_fn
        v._output_nr = 0
        v._requires_grad = True
    if refs:
        refs[:] = live


Tensor._mark_view = staticmethod(_mark_view)
