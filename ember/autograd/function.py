"""Graph nodes, the op contract and the public ``autograd.Function``.

A node of the backward graph is the *ctx* of the call that created it: the same object is
passed to ``forward`` (to save what backward needs) and later to ``backward``; it is also
the output tensor's ``grad_fn``.

Two kinds of callers build nodes:

* ``Op`` -- ember's own ops (``ember/ops/*``). ``forward(ctx, *args)`` receives NumPy arrays
  in place of Tensors and returns an array (or a tuple of arrays); ``backward(ctx, *grads)``
  receives Tensors and returns one Tensor (or None) per *tensor* input, written with ember
  ops so that ``create_graph=True`` differentiates it again. Arrays passed to
  ``ctx.save_for_backward`` come back from ``ctx.saved_tensors`` as Tensors: an input's
  array as that input tensor, the output's array as the output tensor (linked to this node),
  any other array as a constant.
* ``Function`` -- the public torch-compatible custom-function API: forward gets Tensors.
"""
from numpy import zeros as _zeros

from .grad_mode import STATE
from . import anomaly_mode as _anomaly

_Tensor = None  # set by ember._tensor at import (avoids an import cycle)
_make = None


def _set_tensor_class(cls):
    global _Tensor, _make
    _Tensor = cls
    _make = cls._make


_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


# saved_tensors_hooks stack: [(pack_hook, unpack_hook)]; innermost last
SAVED_HOOKS = []


def _apply_pack_hook(rec, node):
    T = _Tensor
    pack, unpack = SAVED_HOOKS[-1]
    if rec.kind == 0:
        t = rec.value
    elif rec.kind == 1:
        t = T._make(rec.value, node, rec.nr)
        t._vc = rec.counter
    else:
        t = T._make(rec.value)
    return _Saved(3, (pack(t), unpack))


class _Saved:
    """One saved value. kind: 0 input tensor, 1 output of this node, 2 constant array."""
    __slots__ = ('kind', 'value', 'version', 'counter', 'nr')

    def __init__(self, kind, value, version=0, counter=None, nr=0):
        self.kind = kind
        self.value = value
        self.version = version
        self.counter = counter
        self.nr = nr


def _version_error(t_desc, node_name, nr, now, expected):
    """torch's message; node_name is the producing node's name without 'Backward0' (None: a leaf)."""
    which = "" if node_name is None else f", which is output {nr} of {node_name},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{t_desc}]{which} is at version {now}; expected version {expected} "
        "instead. Hint: enable anomaly detection to find the operation that failed to compute its "
        "gradient, with ember.autograd.set_detect_anomaly(True, check_nan=False).")


def _short_name(node):
    name = node.name()
    i = name.rfind('Backward')
    return name[:i] if i > 0 else name


class Node:
    """A node of the backward graph (what ``tensor.grad_fn`` returns)."""

    # name shown by repr/name(); subclasses set e.g. 'AddBackward0'
    _name = None

    # Per-node state. Class-level defaults (no __init__: building a node is on every op's hot
    # path); an instance attribute is set only when a node departs from the default.
    _next = ()               # one edge per tensor input: None | leaf Tensor | (Node, nr)
    _saved = None            # list of _Saved, or None
    _freed = False
    _pre_hooks = None        # {output_nr: {id: hook}}  (tensor hooks of non-leaf outputs)
    _retain = None           # {output_nr: weakref(tensor)}  (retain_grad)
    _hooks = None            # node post-hooks: hook(grad_inputs, grad_outputs)
    _node_pre_hooks = None
    _n_out = 1
    needs_input_grad = ()
    _trace = None            # forward traceback, in anomaly mode
    _materialize = True

    # ----------------------------------------------------------- torch's Node API
    def name(self):
        return self._name or (type(self).__name__ + 'Backward')

    def __repr__(self):
        return f"<{self.name().rsplit('::', 1)[-1]} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        out = []
        for e in self._next:
            if e is None:
                out.append((None, 0))
            elif e.__class__ is tuple:
                out.append(e)
            else:
                out.append((AccumulateGrad._for(e), 0))
        return tuple(out)

    def __call__(self, *grads):
        """Run this node's backward on ``grads`` (one per output), as torch's ``grad_fn(...)``."""
        r = self._call_backward(list(grads))
        return r[0] if len(r) == 1 else r

    @property
    def metadata(self):
        if '_metadata' not in self.__dict__:
            self._metadata = {}
        return self._metadata

    def register_hook(self, fn):
        from ..utils.hooks import RemovableHandle
        if self._hooks is None:
            self._hooks = {}
        return RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        from ..utils.hooks import RemovableHandle
        if self._node_pre_hooks is None:
            self._node_pre_hooks = {}
        return RemovableHandle(self._node_pre_hooks, fn)

    def _zeros_for_output(self, nr):
        shape, npdtype = self._out_meta[nr]
        return _Tensor._make(_zeros(shape, npdtype))

    # ----------------------------------------------------------- saving
    def save_for_backward(self, *values):
        self._to_save = values

    def _pack_saved(self, inputs, outputs):
        """Turn what forward passed to save_for_backward into _Saved records."""
        values = self.__dict__.pop('_to_save', None)
        if values is None:
            return
        saved = []
        for v in values:
            if v is None:
                saved.append(None)
                continue
            rec = None
            if isinstance(v, _Tensor):
                for nr, o in enumerate(outputs):
                    if o is v:
                        rec = _Saved(1, v._data, v._vc[0], v._vc, nr)
                        break
                if rec is None:
                    rec = _Saved(0, v, v._vc[0], v._vc)
            else:  # an array (Op forward): match by identity to an input or output
                for t in inputs:
                    if t._data is v:
                        rec = _Saved(0, t, t._vc[0], t._vc)
                        break
                if rec is None:
                    for nr, o in enumerate(outputs):
                        if o is not None and o._data is v:
                            rec = _Saved(1, v, o._vc[0], o._vc, nr)
                            break
                if rec is None:
                    rec = _Saved(2, v)
            if SAVED_HOOKS:
                rec = _apply_pack_hook(rec, self)
            saved.append(rec)
        self._saved = saved

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        saved = self._saved
        if not saved:
            return ()
        out = []
        T = _Tensor
        for rec in saved:
            if rec is None:
                out.append(None)
            elif rec.kind == 3:
                packed, unpack = rec.value
                t = unpack(packed)
                if not isinstance(t, T):
                    raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                                    f"result of type {type(t).__name__}")
                out.append(t)
            elif rec.kind == 0:
                t = rec.value
                if rec.counter[0] != rec.version:
                    fn = t._grad_fn
                    raise _version_error(t._type_desc(), _short_name(fn) if fn is not None else None,
                                         t._output_nr, rec.counter[0], rec.version)
                out.append(t)
            elif rec.kind == 1:
                if rec.counter[0] != rec.version:
                    raise _version_error(f"{T._make(rec.value)._type_desc()}", _short_name(self),
                                         rec.nr, rec.counter[0], rec.version)
                t = T._make(rec.value, self, rec.nr)
                t._vc = rec.counter
                out.append(t)
            else:
                out.append(T._make(rec.value))
        return tuple(out)

    saved_variables = saved_tensors

    def _free(self):
        if self._saved is not None:
            self._saved = None
            self._freed = True

    # ----------------------------------------------------------- custom-function ctx API
    def mark_non_differentiable(self, *tensors):
        self._non_diff = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value):
        self._materialize = bool(value)

    def _call_backward(self, grads):  # overridden
        raise NotImplementedError


class AccumulateGrad:
    """Shown in next_functions for leaf tensors; accumulation itself happens in the engine.

    One per leaf while referenced (``a.grad_fn.next_functions[0][0] is b.grad_fn...`` holds)."""
    _cache = {}   # id(leaf) -> weakref(AccumulateGrad)

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    @classmethod
    def _for(cls, variable):
        import weakref
        r = cls._cache.get(id(variable))
        acc = r() if r is not None else None
        if acc is None or acc.variable is not variable:
            acc = cls(variable)
            key = id(variable)
            cls._cache[key] = weakref.ref(acc, lambda _r, k=key: cls._cache.pop(k, None)
                                          if cls._cache.get(k) is _r else None)
        return acc

    def register_hook(self, fn):
        """hook(grad_inputs, grad_outputs) after accumulation (only grad_outputs is meaningful)."""
        v = self.variable
        return v.register_post_accumulate_grad_hook(lambda t: fn((), (t.grad,)))

    def register_prehook(self, fn):
        return self.variable.register_hook(lambda g: (lambda r: None if r is None else r[0])(fn((g,))))

    def name(self):
        return 'torch::autograd::AccumulateGrad'

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)


class _NullCtx:
    """ctx handed to an Op's forward when no graph is recorded: saving is a no-op."""
    __slots__ = ('__dict__',)
    needs_input_grad = ()

    def save_for_backward(self, *values):
        pass

    def mark_non_differentiable(self, *values):
        pass

    def set_materialize_grads(self, v):
        pass


NULL_CTX = _NullCtx()
_NULL_DICT = NULL_CTX.__dict__


class Op(Node):
    """Base of ember's own differentiable ops; see the module docstring for the contract."""

    # True for ops whose output is a view of their first input (shares memory and version)
    is_view = False

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        T = _Tensor
        need = False
        arrays = []
        for a in args:
            if isinstance(a, T):
                arrays.append(a._data)
                if a._requires_grad:
                    need = True
            else:
                arrays.append(a)
        if not need or not STATE.enabled:
            # no graph: run forward and wrap (the hot path of inference and optimizer steps)
            out = cls.forward(NULL_CTX, *arrays)
            if _NULL_DICT:  # an op stored something on the shared null ctx: don't keep it alive
                _NULL_DICT.clear()
            if out.__class__ is not tuple:
                o = _make(out)
                if cls.is_view:
                    T._mark_view(o, args[0], cls, args[1:])
                return o
            outs = tuple(_make(o) for o in out)
            if cls.is_view:
                for o in outs:
                    T._mark_view(o, args[0], cls, args[1:])
            return outs
        tensors = [a for a in args if isinstance(a, T)]
        ctx = cls()
        ctx.needs_input_grad = tuple(t._requires_grad for t in tensors)
        if _anomaly.ENABLED:
            ctx._trace = _anomaly.forward_trace()
        out = cls.forward(ctx, *arrays)
        ctx._next = tuple(
            (t._grad_fn, t._output_nr) if t._grad_fn is not None
            else (t if t._requires_grad else None) for t in tensors)
        if out.__class__ is tuple:
            nd = ctx.__dict__.get('_non_diff', ())
            outs = []
            for nr, o in enumerate(out):
                if o is None:
                    outs.append(None)
                elif any(o is x for x in nd):
                    outs.append(T._make(o))
                else:
                    outs.append(T._make(o, ctx, nr))
            ctx._n_out = len(out)
            ctx._out_meta = [(o.shape, o.dtype) if o is not None else ((), None) for o in out]
            outs = tuple(outs)
            if cls.is_view:
                for o in outs:
                    T._mark_view(o, tensors[0], cls, args[1:])
            ctx._pack_saved(tensors, outs)
            return outs
        o = T._make(out, ctx, 0)
        if cls.is_view:
            T._mark_view(o, tensors[0], cls, args[1:])
        if '_to_save' in ctx.__dict__:
            ctx._pack_saved(tensors, (o,))
        return o

    def _call_backward(self, grads):
        if self._n_out == 1:
            r = self.backward(self, grads[0])
        else:
            r = self.backward(self, *grads)
        if r.__class__ is not tuple:
            r = (r,)
        return r


class BackwardCFunction(Node):
    """Base of the node classes generated for custom Functions (``MyFnBackward``).

    An instance is both the ``ctx`` handed to ``forward``/``setup_context`` and the output's
    ``grad_fn``; ``_forward_cls`` is the user's Function subclass.
    """
    _forward_cls = None

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, _Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of "
                                f"type {type(t).__name__}")
        self._to_save = tensors

    def apply(self, *grads):
        return self._call_backward(list(grads))

    def _call_backward(self, grads):
        fcls = self._forward_cls
        r = fcls.backward(self, *grads)
        if r.__class__ is not tuple:
            r = (r,)
        n = len(self._next)
        if len(r) != n:
            if len(r) > n and all(x is None for x in r[n:]):
                r = r[:n]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                                   f"(expected {n}, got {len(r)})")
        T = _Tensor
        out = []
        for i, (g, meta) in enumerate(zip(r, self._arg_meta)):
            if g is None:
                out.append(None)
                continue
            if meta is None:
                raise RuntimeError(f"function {self.name()} returned a gradient different than None at "
                                   f"position {i + 1}, but the corresponding forward input was not a "
                                   "Variable")
            if not isinstance(g, T):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            shape, dt = meta
            if g._data.shape != shape:
                try:
                    g = g.sum_to_size(shape)
                except (RuntimeError, AttributeError):
                    g = None
                if g is None or g._data.shape != shape:
                    raise RuntimeError(
                        f"Function {self.name()} returned an invalid gradient at index {i} - got "
                        f"{list(r[i].shape)} but expected shape compatible with {list(shape)}")
            if g._data.dtype != dt:
                g = g.to(_Tensor._make(_zeros((), dt)).dtype)
            out.append(g)
        return tuple(out)


class _FunctionMeta(type):
    """Gives each custom Function subclass its node class ``MyFnBackward`` (as torch does)."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + 'Backward', (BackwardCFunction,),
                                 {'_forward_cls': cls, '_name': name + 'Backward',
                                  '__module__': cls.__module__})
        owner = next((b for b in cls.__mro__ if 'setup_context' in b.__dict__), None)
        cls._custom_setup = owner is not None and '_is_base_function' not in owner.__dict__


class Function(metaclass=_FunctionMeta):
    """torch.autograd.Function: subclass with static ``forward`` and ``backward``.

    Call through ``MyFunction.apply(...)``. forward runs with grad mode off and receives
    the arguments as given (``forward(ctx, *args)``, or ``forward(*args)`` plus
    ``setup_context(ctx, inputs, output)``); backward returns one gradient per forward
    argument (None for non-tensor arguments).
    """
    _is_base_function = True

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("ember does not support forward-mode AD (jvp) for custom Functions.")

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. "
            "Please use new-style autograd function with static forward method. "
            "(Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @classmethod
    def apply(cls, *args, **kwargs):
        T = _Tensor
        ctx = cls._backward_cls()
        nig = tuple(isinstance(a, T) and a._requires_grad for a in args)
        ctx.needs_input_grad = nig
        record = STATE.enabled and any(nig)
        if _anomaly.ENABLED and record:
            ctx._trace = _anomaly.forward_trace()
        prev = STATE.enabled
        STATE.enabled = False
        try:
            if cls._custom_setup:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            STATE.enabled = prev
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if not record:
            ctx.__dict__.pop('_to_save', None)
            return outputs
        ctx._next = tuple(
            None if not isinstance(a, T) else
            ((a._grad_fn, a._output_nr) if a._grad_fn is not None else (a if a._requires_grad else None))
            for a in args)
        ctx._arg_meta = tuple((a._data.shape, a._data.dtype) if isinstance(a, T) else None for a in args)
        nd = ctx.__dict__.get('_non_diff', ())
        dirty = ctx.__dict__.get('_dirty', ())
        tensors = [a for a in args if isinstance(a, T)]
        new_outs = []
        for nr, o in enumerate(outs):
            if not isinstance(o, T):
                new_outs.append(o)
                continue
            is_nd = any(o is x for x in nd)
            if any(o is d for d in dirty):
                # modified in place: the input itself takes this node as its history
                if o._grad_fn is None and o._requires_grad:
                    raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                                       "operation.")
                o._vc[0] += 1  # torch bumps dirty tensors once more
                r = o
            elif any(o is t for t in tensors):
                # an input returned as is: the output is a fresh alias of it
                r = T._make(o._data)
                r._vc = o._vc
            elif o._grad_fn is not None:
                r = T._make(o._data)
                r._vc = o._vc
            else:
                r = o
            if is_nd:
                if r._grad_fn is None:
                    r._requires_grad = False
            else:
                r._grad_fn = ctx
                r._output_nr = nr
                r._requires_grad = True
            new_outs.append(r)
        ctx._n_out = len(outs)
        ctx._out_meta = [(o._data.shape, o._data.dtype) if isinstance(o, T) else ((), None) for o in outs]
        ctx._pack_saved(tensors, tuple(o if isinstance(o, T) else None for o in new_outs))
        return new_outs[0] if single else tuple(new_outs)


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class _DelayedError(Node):
    """Stands in for the graph of a once_differentiable backward: differentiating it fails."""
    _name = 'DelayedError'

    def __init__(self, msg, n_in):
        super().__init__()
        self.msg = msg

    def _call_backward(self, grads):
        raise RuntimeError(self.msg)


def once_differentiable(fn):
    """Run a custom backward without recording a graph; differentiating its result again
    raises torch's error (only when a grad output requires grad, as in torch)."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = STATE.enabled
        STATE.enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            STATE.enabled = prev
        if not prev:
            return outputs
        req = [a for a in args if isinstance(a, _Tensor) and a._requires_grad]
        if not req:
            return outputs
        node = _DelayedError("trying to differentiate twice a function that was marked with "
                             "@once_differentiable", len(req))
        node._next = tuple((a._grad_fn, a._output_nr) if a._grad_fn is not None else a for a in req)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        new = []
        for nr, o in enumerate(outs):
            if isinstance(o, _Tensor) and o._data.dtype.kind in 'fc':
                new.append(_Tensor._make(o._data, node, nr))
            else:
                new.append(o)
        node._n_out = len(outs)
        return new[0] if single else tuple(new)
    return wrapper


FunctionCtx = Node
