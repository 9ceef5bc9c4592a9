"""The backward engine: an iterative walk of the graph with dependency counts.

1. Discover the nodes reachable from the roots (explicit stack, no recursion) and count,
   for each node, how many edges point at it.
2. If only some inputs are wanted (``autograd.grad`` or ``backward(inputs=...)``), mark the
   nodes that lead to them; the others are not run.
3. Run nodes whose count has dropped to zero: tensor pre-hooks, ``backward``, then hand each
   input gradient to the next node's buffer (summing). Leaves are counted too: once all of a
   leaf's edges have delivered, the sum goes through its hooks into ``.grad`` (torch's
   AccumulateGrad). Saved tensors are freed as soon as a node has run, unless ``retain_graph``.
"""
import numpy as _np

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
    old = t._grad
    if old is None:
        if create_graph:
            t._grad = g
        else:
            # own the memory (the same gradient array may be handed to several leaves), laid
            # out like the leaf (torch's gradient layout contract)
            a = t._data
            if a.flags.c_contiguous:
                arr = g._data.copy()
            else:
                arr = _np.empty_like(a)
                _np.copyto(arr, g._data)
            t._grad = g._from_array(arr)
    elif create_graph or old._requires_grad:
        t._grad = old + g
    else:
        old._data += g._data
        old._vc[0] += 1
    post = t._post_acc_hooks
    if post:
        for h in list(post.values()):
            h(t)


def _collect(roots):
    """Iterative DFS from the root nodes: dependency counts and the reached nodes."""
    deps = {}      # node -> number of edges pointing at it; id(leaf) -> same, for leaves
    order = list(roots)
    stack = list(roots)
    seen = set(roots)
    while stack:
        n = stack.pop()
        for e in n._next:
            if e.__class__ is tuple:
                m = e[0]
                if m in seen:
                    deps[m] = deps.get(m, 0) + 1
                else:
                    deps[m] = 1
                    seen.add(m)
                    stack.append(m)
                    order.append(m)
            elif e is not None:
                k = id(e)
                deps[k] = deps.get(k, 0) + 1
    return deps, order


def _needed(roots, want_leaf, want_node):
    """The nodes from which a wanted input can be reached (iterative post-order DFS)."""
    memo = {}
    for r in roots:
        if r in memo:
            continue
        stack = [(r, iter(r._next))]
        hit = {r: False}
        while stack:
            n, it = stack[-1]
            advanced = False
            for e in it:
                if e is None:
                    continue
                if e.__class__ is tuple:
                    if e in want_node:
                        hit[n] = True
                    m = e[0]
                    if m in memo:
                        if memo[m]:
                            hit[n] = True
                    elif m not in hit:  # not on the current path (graphs are acyclic)
                        hit[m] = False
                        stack.append((m, iter(m._next)))
                        advanced = True
                        break
                elif id(e) in want_leaf:
                    hit[n] = True
            if advanced:
                continue
            stack.pop()
            memo[n] = h = hit.pop(n)
            if h and stack:
                hit[stack[-1][0]] = True
    return {n for n, h in memo.items() if h}


def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False,
                 inputs=None, allow_unused=True, accumulate=True):
    """Propagate gradients from ``tensors`` (with seed ``grad_tensors``).

    accumulate=True: add into leaves' .grad (``Tensor.backward``); with ``inputs`` only into
    those. accumulate=False: return the gradients of ``inputs`` (``autograd.grad``).
    """
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
        direct_leaves = None
        for t, g in zip(tensors, grad_tensors):
            n = t._grad_fn
            if n is None:
                if direct_leaves is None:
                    direct_leaves = []
                direct_leaves.append((t, g))
                continue
            buf = buffers.get(n)
            if buf is None:
                buf = buffers[n] = [None] * n._n_out
                root_nodes.append(n)
            nr = t._output_nr
            buf[nr] = g if buf[nr] is None else buf[nr] + g

        deps, order = _collect(root_nodes)
        needed = None if inputs is None else _needed(root_nodes, want_leaf, want_node)

        for t, g in direct_leaves or ():
            if inputs is None:
                _leaf_accumulate(t, g, create_graph)
            elif id(t) in want_leaf:
                _capture(captured, want_leaf[id(t)], g, accumulate, t, create_graph)

        ready = [n for n in root_nodes if deps.get(n, 0) == 0]
        check_nan = _anomaly.ENABLED
        while ready:
            n = ready.pop()
            grads = buffers.pop(n)
            if want_node is not None and not accumulate:
                # autograd.grad captures a non-leaf input's gradient before its tensor hooks
                _capture_node(n, grads, want_node, captured, inputs, accumulate, create_graph)
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
                        if t._grad is None:
                            t._grad = g if create_graph else g._from_array(g._data.copy())
                        else:
                            t._grad = t._grad + g
            if want_node is not None and accumulate:
                # backward(inputs=[t]) fills t.grad after t's hooks, like retain_grad
                _capture_node(n, grads, want_node, captured, inputs, accumulate, create_graph)
            if n._node_pre_hooks:
                for h in n._node_pre_hooks.values():
                    r = h(tuple(grads))
                    if r is not None:
                        grads = list(r)
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
                except Exception:
                    if n._trace is not None:
                        _anomaly.report(n)
                    raise
                if check_nan and _anomaly.CHECK_NAN:
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
                else:
                    # a leaf: sum what arrives over all its edges, then accumulate once (its
                    # hooks see the total, as with torch's AccumulateGrad node)
                    k = id(e)
                    if g is not None:
                        lb = buffers.get(k)
                        buffers[k] = g if lb is None else lb + g
                    d = deps[k] - 1
                    deps[k] = d
                    if d == 0:
                        g = buffers.pop(k, None)
                        if g is None:
                            continue
                        if want_leaf is None:
                            _leaf_accumulate(e, g, create_graph)
                        else:
                            i = want_leaf.get(k)
                            if i is not None:
                                _capture(captured, i, g, accumulate, e, create_graph)
    finally:
        STATE.enabled = prev_mode
    return captured


def _capture_node(n, grads, want_node, captured, inputs, accumulate, create_graph):
    for nr in range(n._n_out):
        idx = want_node.get((n, nr))
        if idx is not None and grads[nr] is not None:
            for i in idx:
                _capture(captured, i, grads[nr], accumulate, inputs[i], create_graph)


def _capture(captured, i, g, accumulate, t, create_graph):
    if accumulate:
        _leaf_accumulate(t, g, create_graph) if t._grad_fn is None else _nonleaf_grad(t, g, create_graph)
    else:
        if t._grad_fn is None and t._hooks:
            # a leaf's tensor hooks apply to the gradient autograd.grad returns
            for h in list(t._hooks.values()):
                r = h(g)
                if r is not None:
                    g = r
        captured[i] = g if i not in captured else captured[i] + g


def _nonleaf_grad(t, g, create_graph):
    t._grad = (g if create_graph else g._from_array(g._data.copy())) if t._grad is None else t._grad + g


def _check_nan(n, in_grads):
    for i, g in enumerate(in_grads):
        if g is not None and g._data.dtype.kind in 'fc' and _np.isnan(g._data).any():
            if n._trace is not None:
                _anomaly.report(n)
            raise RuntimeError(f"Function '{n.name()}' returned nan values in its {i}th output.")
