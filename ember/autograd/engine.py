"""The backward engine: an iterative walk of the graph with dependency counts.

1. Discover the nodes reachable from the roots (explicit stack, no recursion) and count,
   for each node, how many edges point at it.
2. If only some inputs are wanted (``autograd.grad`` or ``backward(inputs=...)``), mark the
   nodes that lead to them; the others are not run.
3. Run nodes whose count has dropped to zero: tensor pre-hooks, ``backward``, then hand each
   input gradient to the next node's buffer (summing) or accumulate it into a leaf's ``.grad``.
   Saved tensors are freed as soon as a node has run, unless ``retain_graph``.
"""
import sys

from .grad_mode import STATE
from . import anomaly_mode as _anomaly


def _leaf_accumulate(t, g, create_graph):
    hooks = t._hooks
    if hooks:
        for h in list(hooks.values()):
            r = h(g)
            if r is not None:
                g = r
    if g._data.dtype != t._data.dtype:
        g = g.to(t.dtype)
    if g._data.shape != t._data.shape:
        raise RuntimeError(f"invalid gradient for leaf of shape {list(t.shape)}: got {list(g.shape)}")
    old = t.grad
    if old is None:
        if create_graph:
            t.grad = g
        else:
            # own the memory: the same gradient array may be handed to several leaves
            t.grad = g._from_array(g._data.copy())
    elif create_graph or old._requires_grad:
        t.grad = old + g
    else:
        old._data += g._data
        old._version[0] += 1
    post = t._post_acc_hooks
    if post:
        for h in list(post.values()):
            h(t)


def _collect(roots):
    """Iterative DFS from the root nodes: dependency counts and a topological order."""
    deps = {}
    order = []
    seen = set()
    stack = [n for n in roots]
    for n in roots:
        seen.add(n)
    while stack:
        n = stack.pop()
        order.append(n)
        for e in n._next:
            if e.__class__ is tuple:
                m = e[0]
                deps[m] = deps.get(m, 0) + 1
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
    return deps, order


def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False,
                 inputs=None, allow_unused=True, accumulate=True):
    """Propagate gradients from ``tensors`` (with seed ``grad_tensors``).

    accumulate=True: add into leaves' .grad (``Tensor.backward``); with ``inputs`` only into
    those. accumulate=False: return the gradients of ``inputs`` (``autograd.grad``).
    """
    from .._tensor import Tensor
    buffers = {}
    root_nodes = []
    captured = {}
    # capture keys: leaf tensors by id; non-leaf tensors by (node, nr)
    want_leaf = want_node = None
    if inputs is not None:
        want_leaf, want_node = {}, {}
        for i, t in enumerate(inputs):
            if t._grad_fn is None:
                want_leaf[id(t)] = i
            else:
                want_node.setdefault((t._grad_fn, t._output_nr), []).append(i)

    prev_mode = STATE.enabled
    STATE.enabled = create_graph
    try:
        direct_leaves = []
        for t, g in zip(tensors, grad_tensors):
            if t._grad_fn is None:
                if not t._requires_grad:
                    raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
                direct_leaves.append((t, g))
                continue
            n = t._grad_fn
            buf = buffers.get(n)
            if buf is None:
                buf = buffers[n] = [None] * n._n_out
                root_nodes.append(n)
            nr = t._output_nr
            buf[nr] = g if buf[nr] is None else buf[nr] + g

        deps, order = _collect(root_nodes)
        needed = None
        if inputs is not None:
            # a node is needed if it leads to a wanted tensor; order is a DFS pre-order, so
            # walk it backwards (children after parents is not guaranteed for DAGs: iterate
            # to a fixed point, which takes one or two passes in practice)
            needed = set()
            changed = True
            while changed:
                changed = False
                for n in reversed(order):
                    if n in needed:
                        continue
                    hit = False
                    for e in n._next:
                        if e is None:
                            continue
                        if e.__class__ is tuple:
                            if e in want_node or e[0] in needed:
                                hit = True
                                break
                        elif id(e) in want_leaf:
                            hit = True
                            break
                    if hit:
                        needed.add(n)
                        changed = True

        for t, g in direct_leaves:
            if inputs is None:
                _leaf_accumulate(t, g, create_graph)
            elif id(t) in want_leaf:
                _capture(captured, want_leaf[id(t)], g, accumulate, t, create_graph)

        ready = [n for n in root_nodes if deps.get(n, 0) == 0]
        check_nan = _anomaly.ENABLED
        while ready:
            n = ready.pop()
            grads = buffers.pop(n)
            # tensor hooks / retain_grad of this node's outputs
            if n._pre_hooks is not None:
                for nr, hooks in n._pre_hooks.items():
                    if grads[nr] is None:
                        continue
                    for h in list(hooks.values()):
                        r = h(grads[nr])
                        if r is not None:
                            grads[nr] = r
            if n._retain is not None:
                for nr, ref in n._retain.items():
                    t = ref()
                    if t is not None and grads[nr] is not None:
                        g = grads[nr]
                        if t.grad is None:
                            t.grad = g if create_graph else g._from_array(g._data.copy())
                        else:
                            t.grad = t.grad + g
            if n._node_pre_hooks:
                for h in n._node_pre_hooks.values():
                    r = h(tuple(grads))
                    if r is not None:
                        grads = list(r)
            if want_node is not None:
                for nr in range(n._n_out):
                    idx = want_node.get((n, nr))
                    if idx is not None and grads[nr] is not None:
                        for i in idx:
                            _capture(captured, i, grads[nr], accumulate, inputs[i], create_graph)
            nexts = n._next
            if needed is not None and n not in needed:
                in_grads = (None,) * len(nexts)
            elif all(g is None for g in grads):
                in_grads = (None,) * len(nexts)
            else:
                if n._freed:
                    from .function import _FREED_MSG
                    raise RuntimeError(_FREED_MSG)
                if n._n_out > 1 and n._materialize:
                    for i, g in enumerate(grads):
                        if g is None:
                            grads[i] = n._zeros_for_output(i)
                try:
                    in_grads = n._call_backward(grads)
                except Exception as exc:
                    if n._trace is not None:
                        _print_trace(n)
                    raise exc
                if check_nan:
                    _check_nan(n, in_grads)
                if n._hooks:
                    for h in n._hooks.values():
                        r = h(in_grads, tuple(grads))
                        if r is not None:
                            in_grads = r
                if not retain_graph:
                    n._free()
            for e, g in zip(nexts, in_grads):
                if e is None:
                    continue
                if e.__class__ is tuple:
                    m, nr = e
                    if g is not None:
                        buf = buffers.get(m)
                        if buf is None:
                            buf = buffers[m] = [None] * m._n_out
                        buf[nr] = g if buf[nr] is None else buf[nr] + g
                    elif m not in buffers:
                        buffers[m] = [None] * m._n_out
                    d = deps[m] - 1
                    deps[m] = d
                    if d == 0:
                        ready.append(m)
                elif g is not None:
                    if want_leaf is None:
                        _leaf_accumulate(e, g, create_graph)
                    else:
                        i = want_leaf.get(id(e))
                        if i is not None:
                            _capture(captured, i, g, accumulate, e, create_graph)
    finally:
        STATE.enabled = prev_mode
    return captured


def _capture(captured, i, g, accumulate, t, create_graph):
    if accumulate:
        _leaf_accumulate(t, g, create_graph) if t._grad_fn is None else _nonleaf_grad(t, g, create_graph)
    else:
        captured[i] = g if i not in captured else captured[i] + g


def _nonleaf_grad(t, g, create_graph):
    t.grad = (g if create_graph else g._from_array(g._data.copy())) if t.grad is None else t.grad + g


def _check_nan(n, in_grads):
    import numpy as np
    for i, g in enumerate(in_grads):
        if g is not None and g._data.dtype.kind in 'fc' and np.isnan(g._data).any():
            if n._trace is not None:
                _print_trace(n)
            raise RuntimeError(f"Function '{n.name()}' returned nan values in its {i}th output.")


def _print_trace(n):
    sys.stderr.write(
        f"ember autograd anomaly detection: error detected in {n.name()}. "
        f"Traceback of forward call that caused the error:\n{n._trace}\n")
