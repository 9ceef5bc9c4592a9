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
import traceback

from numpy import zeros as _zeros

from .grad_mode import STATE
from . import anomaly_mode as _anomaly

_Tensor = None  # set by ember._tensor at import (avoids an import cycle)


def _set_tensor_class(cls):
    global _Tensor
    _Tensor = cls


_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class _Saved:
    """One saved value. kind: 0 input tensor, 1 output of this node, 2 constant array."""
    __slots__ = ('kind', 'value', 'version', 'counter', 'nr')

    def __init__(self, kind, value, version=0, counter=None, nr=0):
        self.kind = kind
        self.value = value
        self.version = version
        self.counter = counter
        self.nr = nr


def _version_error(t_desc, node, nr, now, expected):
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{t_desc}], which is output {nr} of {node}, is at version {now}; "
        f"expected version {expected} instead. Hint: the backtrace further above can help, "
        "or enable anomaly detection with ember.autograd.set_detect_anomaly(True).")


class Node:
    """A node of the backward graph (what ``tensor.grad_fn`` returns)."""

    # name shown by repr/name(); subclasses set e.g. 'AddBackward0'
    _name = None

    def __init__(self):
        self._next = ()          # one edge per tensor input: None | leaf Tensor | (Node, nr)
        self._saved = None       # list of _Saved, or None
        self._freed = False
        self._pre_hooks = None   # {output_nr: [hook]}  (tensor hooks of non-leaf outputs)
        self._retain = None      # {output_nr: weakref(tensor)}  (retain_grad)
        self._hooks = None       # node post-hooks: hook(grad_inputs, grad_outputs)
        self._node_pre_hooks = None
        self._n_out = 1
        self.needs_input_grad = ()
        self._trace = None       # forward traceback, in anomaly mode
        self._materialize = True

    # ----------------------------------------------------------- torch's Node API
    def name(self):
        return self._name or (type(self).__name__ + 'Backward')

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        out = []
        for e in self._next:
            if e is None:
                out.append((None, 0))
            elif e.__class__ is tuple:
                out.append(e)
            else:
                out.append((AccumulateGrad(e), 0))
        return tuple(out)

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
                        rec = _Saved(1, v._data, v._version[0], v._version, nr)
                        break
                if rec is None:
                    rec = _Saved(0, v, v._version[0], v._version)
            else:  # an array (Op forward): match by identity to an input or output
                for t in inputs:
                    if t._data is v:
                        rec = _Saved(0, t, t._version[0], t._version)
                        break
                if rec is None:
                    for nr, o in enumerate(outputs):
                        if o is not None and o._data is v:
                            rec = _Saved(1, v, o._version[0], o._version, nr)
                            break
                if rec is None:
                    rec = _Saved(2, v)
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
            elif rec.kind == 0:
                t = rec.value
                if rec.counter[0] != rec.version:
                    raise _version_error(t._type_desc(), t.grad_fn.name() if t.grad_fn else 'a leaf',
                                         t._output_nr, rec.counter[0], rec.version)
                out.append(t)
            elif rec.kind == 1:
                if rec.counter[0] != rec.version:
                    raise _version_error(f"{T._make(rec.value)._type_desc()}", self.name(),
                                         rec.nr, rec.counter[0], rec.version)
                t = T._make(rec.value, self, rec.nr)
                t._version = rec.counter
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
    """Shown in next_functions for leaf tensors; accumulation itself happens in the engine."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

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
        tensors = []
        for a in args:
            if isinstance(a, T):
                arrays.append(a._data)
                tensors.append(a)
                if a._requires_grad:
                    need = True
            else:
                arrays.append(a)
        if not (need and STATE.enabled):
            out = cls.forward(NULL_CTX, *arrays)
            if out.__class__ is tuple:
                outs = tuple(T._make(o) for o in out)
                if cls.is_view:
                    for o in outs:
                        T._mark_view(o, tensors[0], cls, args[1:])
                return outs
            o = T._make(out)
            if cls.is_view:
                T._mark_view(o, tensors[0], cls, args[1:])
            return o
        ctx = cls()
        ctx.needs_input_grad = tuple(t._requires_grad for t in tensors)
        if _anomaly.ENABLED:
            ctx._trace = ''.join(traceback.format_stack()[:-2])
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


class _FunctionMeta(type):
    """Gives each custom Function subclass its node name: MyFnBackward."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        if '_name' not in attrs:
            cls._name = name + 'Backward'


class Function(Node, metaclass=_FunctionMeta):
    """torch.autograd.Function: subclass with static ``forward(ctx, ...)`` and ``backward``.

    Call through ``MyFunction.apply(...)``. forward runs with grad mode off and receives
    the arguments as given; backward returns one gradient per forward argument (None for
    non-tensor arguments).
    """

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
        raise NotImplementedError

    def __init__(self, *args, **kwargs):
        super().__init__()

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. "
            "Please use new-style autograd function with static forward method. "
            "(Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @classmethod
    def apply(cls, *args, **kwargs):
        T = _Tensor
        ctx = cls()
        tensors = [a for a in args if isinstance(a, T)]
        ctx.needs_input_grad = tuple(isinstance(a, T) and a._requires_grad for a in args)
        record = STATE.enabled and any(ctx.needs_input_grad)
        if _anomaly.ENABLED and record:
            ctx._trace = ''.join(traceback.format_stack()[:-1])
        custom_setup = cls.setup_context is not Function.setup_context
        prev = STATE.enabled
        STATE.enabled = False
        try:
            if custom_setup:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            STATE.enabled = prev
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if not record:
            return outputs
        ctx._next = tuple(
            None if not isinstance(a, T) else
            ((a._grad_fn, a._output_nr) if a._grad_fn is not None else (a if a._requires_grad else None))
            for a in args)
        ctx._arg_meta = tuple((a.shape, a.dtype) if isinstance(a, T) else None for a in args)
        nd = ctx.__dict__.get('_non_diff', ())
        dirty = ctx.__dict__.get('_dirty', ())
        new_outs = []
        for nr, o in enumerate(outs):
            if not isinstance(o, T):
                new_outs.append(o)
                continue
            if any(o is d for d in dirty):
                # modified in place: rebase the input's history onto this node
                if o._grad_fn is None and o._requires_grad:
                    raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
                o._version[0] += 0  # already bumped by the in-place op inside forward
                r = o
            elif any(o is t for t in tensors) or o._grad_fn is not None or o._requires_grad:
                # an input returned as is (or a tensor with its own history): make a fresh alias
                r = T._make(o._data)
                r._version = o._version
            else:
                r = o
            if any(o is x for x in nd):
                r._requires_grad = False
                r._grad_fn = None
            else:
                r._grad_fn = ctx
                r._output_nr = nr
                r._requires_grad = True
            new_outs.append(r)
        ctx._n_out = len(outs)
        ctx._out_meta = [(o.shape, o._data.dtype) if isinstance(o, T) else ((), None) for o in outs]
        ctx._pack_saved(tensors, tuple(o if isinstance(o, T) else None for o in new_outs))
        return new_outs[0] if single else tuple(new_outs)

    def _call_backward(self, grads):
        r = type(self).backward(self, *grads)
        if not isinstance(r, tuple):
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
            if g is None or meta is None:
                out.append(None if meta is None else g)
                continue
            if not isinstance(g, T):
                raise TypeError(f"function {self.name()} returned a gradient of type "
                                f"{type(g).__name__} at index {i}; expected a Tensor or None")
            shape, dt = meta
            if g.shape != shape:
                try:
                    g = g.sum_to_size(shape)
                except RuntimeError:
                    raise RuntimeError(
                        f"Function {self.name()} returned an invalid gradient at index {i} - got "
                        f"{list(g.shape)} but expected shape compatible with {list(shape)}") from None
            if g.dtype is not dt:
                g = g.to(dt)
            out.append(g)
        return tuple(out)


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class once_differentiable:  # decorator kept for API compatibility: runs backward without a graph
    def __new__(cls, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(ctx, *args):
            from .grad_mode import no_grad
            with no_grad():
                return fn(ctx, *args)
        return wrapper


FunctionCtx = Node
BackwardCFunction = Node
