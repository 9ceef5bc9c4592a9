"""nn.Module against torch: registration, hooks, traversal, modes, dtype moves, state_dict,
repr, copy/pickle, and a dynamic-graph training loop."""
import copy
import pickle
import warnings
from collections import OrderedDict
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, to_numpy


# ----------------------------------------------------------------------------- helpers
def build(m):
    """The same module classes, written once for either framework ``m``."""
    nn = m.nn

    class Lin(nn.Module):
        def __init__(self, i, o, bias=True):
            super().__init__()
            self.in_features, self.out_features = i, o
            self.weight = nn.Parameter(m.empty(o, i).uniform_(-1, 1))
            if bias:
                self.bias = nn.Parameter(m.empty(o).uniform_(-1, 1))
            else:
                self.register_parameter('bias', None)

        def forward(self, x):
            y = x @ self.weight.t()
            if self.bias is not None:
                y = y + self.bias
            return y

        def extra_repr(self):
            return f'in_features={self.in_features}, out_features={self.out_features}, ' \
                   f'bias={self.bias is not None}'

    class Act(nn.Module):
        def forward(self, x):
            return x.relu()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = Lin(3, 4)
            self.act = Act()
            self.register_buffer('running', m.zeros(4))
            self.register_buffer('scratch', m.ones(2), persistent=False)
            self.fc2 = Lin(4, 2)
            self.steps = m.nn.Buffer(m.tensor(0))

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Lin(3, 3)
            self.b = Lin(3, 3, bias=False)
            self.b.weight = self.a.weight
            self.c = self.a  # the same submodule twice

        def forward(self, x):
            return self.c(self.b(self.a(x)))

    class TwoIn(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(m.empty(3, 3).uniform_(-1, 1))

        def forward(self, x, y, scale=1.0):
            return (x @ self.w) * y * scale, (x * 2).sum(1)

    return SimpleNamespace(Lin=Lin, Act=Act, Net=Net, Tied=Tied, TwoIn=TwoIn)


E, T = build(ember), build(torch)
for _n, _c in vars(E).items():   # make the ember classes picklable (module-level names)
    _c.__qualname__ = 'E_' + _n
    globals()['E_' + _n] = _c


class PTied(E.Tied):      # module-level classes: picklable
    pass


class PNet(E.Net):
    pass


def sync(em, tm):
    """Copy torch's parameters and buffers (values) into the ember module."""
    for (en, ep), (tn, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert en == tn
        ep.data = ember.tensor(to_numpy(tp).copy())
    for (en, eb), (tn, tb) in zip(em.named_buffers(), tm.named_buffers()):
        assert en == tn
        eb.data = ember.tensor(to_numpy(tb).copy())


def pair(name, *args):
    torch.manual_seed(0)
    tm = getattr(T, name)(*args)
    em = getattr(E, name)(*args)
    sync(em, tm)
    return em, tm


def x_pair(*shape, dtype=np.float32, seed=0, grad=False):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return (ember.tensor(a).requires_grad_(grad), torch.tensor(a).requires_grad_(grad))


def both_raise(fe, ft, exc):
    with pytest.raises(exc) as te:
        ft()
    with pytest.raises(exc) as ee:
        fe()
    return str(ee.value), str(te.value)


def same_msg(e, t):
    assert e == t.replace('torch.', 'ember.').replace('ember.nn.', 'torch.nn.') \
        .replace('ember.Tensor or None', 'torch.Tensor or None') or e == t, f"\n{e}\n!=\n{t}"


# ----------------------------------------------------------------------------- registration
def test_registration_order_and_names():
    em, tm = pair('Net')
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in em.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert [n for n, _ in em.named_children()] == [n for n, _ in tm.named_children()]
    assert [n for n, _ in em.named_modules()] == [n for n, _ in tm.named_modules()]
    assert list(em._parameters) == list(tm._parameters)
    assert em._non_persistent_buffers_set == tm._non_persistent_buffers_set
    assert isinstance(em.fc1.weight, ember.nn.Parameter)
    assert type(em.steps) is ember.Tensor and type(tm.steps) is torch.Tensor
    assert em.fc1.bias.requires_grad and not em.running.requires_grad


def test_setattr_reassign_and_delete():
    for m in (ember, torch):
        mod = m.nn.Module()
        mod.p = m.nn.Parameter(m.ones(2))
        mod.p = None                           # allowed: parameter slot set to None
        assert 'p' in mod._parameters and mod.p is None
        mod.b = m.nn.Buffer(m.ones(1))
        mod.b = m.zeros(3)                     # a tensor over a buffer name stays a buffer
        assert 'b' in mod._buffers and mod.b.shape == (3,)
        mod.x = 5
        mod.x = m.nn.Parameter(m.ones(1))      # a Parameter over a plain attribute
        assert 'x' in mod._parameters and 'x' not in mod.__dict__
        mod.sub = m.nn.Module()
        mod.sub = None
        assert 'sub' in mod._modules and mod.sub is None
        mod.sub = m.nn.Parameter(m.ones(1))    # a Parameter replaces the child
        assert 'sub' not in mod._modules and 'sub' in mod._parameters
        del mod.sub, mod.b, mod.x
        assert not hasattr(mod, 'sub') and not hasattr(mod, 'b') and not hasattr(mod, 'x')
        with pytest.raises(AttributeError):
            del mod.nothing
        nb = m.nn.Module()
        nb.buf = m.nn.Buffer(m.ones(1), persistent=False)
        assert 'buf' in nb._non_persistent_buffers_set
        nb.buf = m.ones(2)                     # keeps non-persistence
        assert 'buf' in nb._non_persistent_buffers_set
        nb.buf = m.nn.Buffer(m.ones(2))        # a persistent Buffer makes it persistent
        assert 'buf' not in nb._non_persistent_buffers_set


@pytest.mark.parametrize('case', [
    'tensor_over_param', 'int_over_param', 'tensor_over_module', 'int_over_buffer',
    'register_buffer_bad_tensor', 'register_param_tensor', 'register_param_nonleaf',
    'add_module_int', 'name_not_str_param', 'name_not_str_buffer', 'name_not_str_module',
])
def test_setattr_type_errors(case):
    def run(m):
        mod = m.nn.Module()
        mod.p = m.nn.Parameter(m.ones(2))
        mod.c = m.nn.Module()
        mod.register_buffer('b', m.ones(1))
        if case == 'tensor_over_param':
            mod.p = m.ones(2)
        elif case == 'int_over_param':
            mod.p = 3
        elif case == 'tensor_over_module':
            mod.c = m.ones(2)
        elif case == 'int_over_buffer':
            mod.b = 3
        elif case == 'register_buffer_bad_tensor':
            mod.register_buffer('z', [1, 2])
        elif case == 'register_param_tensor':
            mod.register_parameter('z', m.ones(2))
        elif case == 'register_param_nonleaf':
            w = m.ones(2, requires_grad=True)
            mod.register_parameter('z', m.nn.Parameter(w) * 2)
        elif case == 'add_module_int':
            mod.add_module('z', 3)
        elif case == 'name_not_str_param':
            mod.register_parameter(1, None)
        elif case == 'name_not_str_buffer':
            mod.register_buffer(1, None)
        elif case == 'name_not_str_module':
            mod.add_module(1, None)
    e, t = both_raise(lambda: run(ember), lambda: run(torch), (TypeError, ValueError))
    same_msg(e, t)


@pytest.mark.parametrize('case', ['param_dot', 'buffer_dot', 'module_dot', 'param_empty', 'buffer_empty',
                                  'module_empty', 'param_exists', 'buffer_exists', 'module_exists'])
def test_registration_key_errors(case):
    def run(m):
        mod = m.nn.Module()
        mod.attr = 1
        kind, what = case.split('_')
        name = {'dot': 'a.b', 'empty': '', 'exists': 'attr'}[what]
        if kind == 'param':
            mod.register_parameter(name, None)
        elif kind == 'buffer':
            mod.register_buffer(name, None)
        else:
            mod.add_module(name, None)
    e, t = both_raise(lambda: run(ember), lambda: run(torch), KeyError)
    same_msg(e, t)


@pytest.mark.parametrize('what', ['param', 'buffer', 'module', 'register_buffer', 'register_parameter'])
def test_assign_before_init(what):
    def run(m):
        class Bad(m.nn.Module):
            def __init__(self):
                if what == 'param':
                    self.w = m.nn.Parameter(m.ones(1))
                elif what == 'buffer':
                    self.w = m.nn.Buffer(m.ones(1))
                elif what == 'module':
                    self.w = m.nn.Module()
                elif what == 'register_buffer':
                    self.register_buffer('w', m.ones(1))
                else:
                    self.register_parameter('w', None)
                super().__init__()
        Bad()
    e, t = both_raise(lambda: run(ember), lambda: run(torch), AttributeError)
    if what != 'buffer':   # torch's Buffer path reaches a different AttributeError first
        assert e == t


def test_module_init_args_and_missing_forward():
    for m in (ember, torch):
        with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
            m.nn.Module(3)
        with pytest.raises(TypeError, match="unexpected keyword argument 'a'"):
            m.nn.Module(a=3)
        with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
            m.nn.Module()(m.ones(1))
    e, t = both_raise(lambda: ember.nn.Module().nothing, lambda: torch.nn.Module().nothing, AttributeError)
    assert e == t


# ----------------------------------------------------------------------------- traversal
def test_shared_parameters_and_modules_dedup():
    em, tm = pair('Tied')
    for kw in ({}, {'remove_duplicate': False}, {'prefix': 'root'}, {'recurse': False}):
        assert [n for n, _ in em.named_parameters(**kw)] == [n for n, _ in tm.named_parameters(**kw)], kw
    for kw in ({}, {'remove_duplicate': False}, {'prefix': 'top'}):
        assert [n for n, _ in em.named_modules(**kw)] == [n for n, _ in tm.named_modules(**kw)], kw
    assert len(list(em.parameters())) == len(list(tm.parameters())) == 2
    assert len(list(em.modules())) == len(list(tm.modules()))
    assert [n for n, _ in em.named_children()] == [n for n, _ in tm.named_children()]
    assert len(list(em.modules(remove_duplicate=False))) == len(list(tm.modules(remove_duplicate=False)))


def test_named_buffers_and_recurse():
    em, tm = pair('Net')
    for kw in ({}, {'recurse': False}, {'prefix': 'm'}, {'remove_duplicate': False}):
        assert [n for n, _ in em.named_buffers(**kw)] == [n for n, _ in tm.named_buffers(**kw)]
    assert len(list(em.buffers())) == len(list(tm.buffers()))
    assert [n for n, _ in em.named_parameters(recurse=False)] == []


def test_get_submodule_parameter_buffer():
    em, tm = pair('Net')
    assert em.get_submodule('fc1') is em.fc1 and em.get_submodule('') is em
    assert em.get_parameter('fc2.bias') is em.fc2.bias
    assert em.get_buffer('running') is em.running
    for target, fn in [('fc3', 'get_submodule'), ('fc1.weight', 'get_submodule'), ('fc1.nope', 'get_parameter'),
                       ('running', 'get_parameter'), ('fc1.weight', 'get_buffer'), ('zz', 'get_buffer'),
                       ('fc9.weight', 'get_parameter')]:
        e, t = both_raise(lambda: getattr(em, fn)(target), lambda: getattr(tm, fn)(target), AttributeError)
        assert e == t, (target, fn)


def test_set_submodule():
    for m, B in ((ember, E), (torch, T)):
        net = B.Net()
        net.set_submodule('fc1', B.Lin(3, 5))
        assert net.fc1.out_features == 5
        with pytest.raises(ValueError):
            net.set_submodule('', B.Act())
        with pytest.raises(AttributeError):
            net.set_submodule('missing', B.Act(), strict=True)


def test_apply_order_and_train_eval():
    em, tm = pair('Net')
    seen_e, seen_t = [], []
    em.apply(lambda mod: seen_e.append(type(mod).__name__))
    tm.apply(lambda mod: seen_t.append(type(mod).__name__))
    assert seen_e == seen_t
    assert em.eval() is em
    assert [mod.training for mod in em.modules()] == [False] * 4
    em.fc1.train()
    assert em.fc1.training and not em.training
    em.train()
    assert all(mod.training for mod in em.modules())
    e, t = both_raise(lambda: em.train('yes'), lambda: tm.train('yes'), ValueError)
    assert e == t


def test_requires_grad_and_zero_grad():
    em, tm = pair('Net')
    for mod, m in ((em, ember), (tm, torch)):
        x = m.ones(2, 3)
        mod(x).sum().backward()
        g = mod.fc1.weight.grad
        mod.zero_grad(set_to_none=False)
        assert mod.fc1.weight.grad is g and float(g.abs().sum()) == 0.0
        mod(x).sum().backward()
        mod.zero_grad()
        assert all(p.grad is None for p in mod.parameters())
        assert mod.requires_grad_(False) is mod
        assert not any(p.requires_grad for p in mod.parameters())
        mod.requires_grad_()
        assert all(p.requires_grad for p in mod.parameters())


# ----------------------------------------------------------------------------- forward / backward
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('mode', ['train', 'eval'])
def test_forward_backward_matches_torch(dtype, mode):
    em, tm = pair('Net')
    if dtype == np.float64:
        em.double(), tm.double()
    getattr(em, mode)(), getattr(tm, mode)()
    xe, xt = x_pair(1, 3, dtype=dtype, grad=True)
    ye, yt = em(xe), tm(xt)
    assert_close(ye, yt)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(dtype)
    ye.backward(ember.tensor(g)), yt.backward(torch.tensor(g))
    assert_close(xe.grad, xt.grad, what='input grad')
    for (n, p), (_, q) in zip(em.named_parameters(), tm.named_parameters()):
        assert_close(p.grad, q.grad, what=n)


def test_tied_weights_gradients_accumulate():
    em, tm = pair('Tied')
    xe, xt = x_pair(5, 3, grad=True)
    (em(xe) ** 2).sum().backward()
    (tm(xt) ** 2).sum().backward()
    assert_close(xe.grad, xt.grad)
    for (n, p), (_, q) in zip(em.named_parameters(), tm.named_parameters()):
        assert_close(p.grad, q.grad, what=n, rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- forward hooks
def test_forward_pre_hooks_and_hooks_modify():
    out = {}
    for m, B in ((torch, T), (ember, E)):
        torch.manual_seed(0)
        mod = B.TwoIn()
        if m is ember:
            mod.w.data = ember.tensor(to_numpy(ref.w))
        ref = mod
        log = []
        h1 = mod.register_forward_pre_hook(lambda mod_, args: log.append('pre1') or (args[0] * 2, args[1]))
        mod.register_forward_pre_hook(lambda mod_, args: log.append('pre0'), prepend=True)
        mod.register_forward_pre_hook(
            lambda mod_, args, kwargs: (log.append('prekw'), (args, {**kwargs, 'scale': 3.0}))[1],
            with_kwargs=True)
        mod.register_forward_hook(lambda mod_, args, res: (log.append('fwd'), (res[0] + 1, res[1]))[1])
        mod.register_forward_hook(
            lambda mod_, args, kwargs, res: log.append(('fwdkw', kwargs['scale'])), with_kwargs=True)
        mod.register_forward_hook(lambda mod_, args, res: log.append('fwd0'), prepend=True)
        x = m.ones(2, 3)
        r1 = mod(x, m.ones(2, 3), scale=1.0)
        h1.remove()
        h1.remove()  # removing twice is fine
        r2 = mod(x, m.ones(2, 3))
        out[m.__name__] = (log, r1, r2)
    le, r1e, r2e = out['ember']
    lt, r1t, r2t = out['torch']
    assert le == lt
    assert_close(r1e[0], r1t[0], rtol=1e-5), assert_close(r2e[0], r2t[0], rtol=1e-5)
    assert_close(r1e[1], r1t[1]), assert_close(r2e[1], r2t[1])


def test_forward_pre_hook_single_value_and_bad_return():
    for m in (ember, torch):
        mod = m.nn.Module()
        mod.forward = lambda x: x + 1
        mod.register_forward_pre_hook(lambda mod_, args: args[0] * 10)   # non-tuple -> (value,)
        assert float(mod(m.ones(()))) == 11.0
    e, t = [], []
    for m, store in ((ember, e), (torch, t)):
        mod = m.nn.Module()
        mod.forward = lambda x: x
        mod.register_forward_pre_hook(lambda mod_, a, k: 5, with_kwargs=True)
        with pytest.raises(RuntimeError) as exc:
            mod(m.ones(1))
        store.append(str(exc.value))
    assert e == t


def test_always_call_forward_hook_runs_on_exception():
    for m in (ember, torch):
        class Boom(m.nn.Module):
            def forward(self, x):
                raise ValueError("boom")
        mod = Boom()
        log = []
        mod.register_forward_hook(lambda *a: log.append('always'), always_call=True)
        mod.register_forward_hook(lambda *a: log.append('normal'))
        with pytest.raises(ValueError, match='boom'):
            mod(m.ones(1))
        assert log == ['always']


def test_global_forward_hooks():
    mods = {ember: ember.nn.modules.module, torch: torch.nn.modules.module}
    for m, B in ((ember, E), (torch, T)):
        log = []
        h1 = mods[m].register_module_forward_pre_hook(lambda mod, args: log.append(('pre', type(mod).__name__)))
        h2 = mods[m].register_module_forward_hook(lambda mod, args, out: log.append(('post', type(mod).__name__)))
        try:
            net = B.Net()
            net(m.ones(1, 3))
        finally:
            h1.remove(), h2.remove()
        net(m.ones(1, 3))
        assert log == [('pre', 'Net'), ('pre', 'Lin'), ('post', 'Lin'), ('pre', 'Act'), ('post', 'Act'),
                       ('pre', 'Lin'), ('post', 'Lin'), ('post', 'Net')]


def test_hook_handles_with_kwargs_cleanup():
    mod = ember.nn.Module()
    h = mod.register_forward_hook(lambda *a: None, with_kwargs=True, always_call=True)
    hp = mod.register_forward_pre_hook(lambda *a: None, with_kwargs=True)
    h.remove(), hp.remove()
    assert not mod._forward_hooks and not mod._forward_hooks_with_kwargs
    assert not mod._forward_hooks_always_called and not mod._forward_pre_hooks_with_kwargs
    with h:
        pass


# ----------------------------------------------------------------------------- backward hooks
def _capture(store):
    def hook(mod, gin, gout):
        store.append(('bw', [None if g is None else to_numpy(g).copy() for g in gin],
                      [None if g is None else to_numpy(g).copy() for g in gout]))
    return hook


def _cmp_logs(le, lt):
    assert len(le) == len(lt)
    for a, b in zip(le, lt):
        assert a[0] == b[0]
        for xs, ys in zip(a[1:], b[1:]):
            assert len(xs) == len(ys)
            for x, y in zip(xs, ys):
                assert (x is None) == (y is None)
                if x is not None:
                    np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_full_backward_hook_values():
    logs = {}
    grads = {}
    for m, B in ((torch, T), (ember, E)):
        torch.manual_seed(0)
        mod = B.TwoIn()
        if m is ember:
            mod.w.data = ember.tensor(to_numpy(tw))
        else:
            tw = mod.w
        log = []
        mod.register_full_backward_hook(_capture(log))
        mod.register_full_backward_pre_hook(
            lambda mod_, gout: log.append(('pre', [to_numpy(g).copy() for g in gout if g is not None], [])))
        x = m.tensor(np.arange(6.).reshape(2, 3).astype(np.float32), requires_grad=True)
        y = m.tensor(np.ones((2, 3), np.float32) * 0.5)            # does not require grad
        a, b = mod(x, y, scale=2.0)
        (a.sum() * 3 + (b ** 2).sum()).backward()
        logs[m] = log
        grads[m] = (to_numpy(x.grad), to_numpy(mod.w.grad))
    _cmp_logs(logs[ember], logs[torch])
    for e, t in zip(grads[ember], grads[torch]):
        np.testing.assert_allclose(e, t, rtol=1e-5)


def test_backward_hooks_modify_gradients():
    res = {}
    for m, B in ((torch, T), (ember, E)):
        torch.manual_seed(0)
        mod = B.Lin(3, 2)
        if m is ember:
            mod.weight.data = ember.tensor(to_numpy(tl.weight))
            mod.bias.data = ember.tensor(to_numpy(tl.bias))
        else:
            tl = mod
        mod.register_full_backward_pre_hook(lambda mod_, gout: (gout[0] * 10,))
        mod.register_full_backward_hook(lambda mod_, gin, gout: (gin[0] + 1,))
        x = m.ones(4, 3, requires_grad=True)
        mod(x).sum().backward()
        res[m] = (to_numpy(x.grad), to_numpy(mod.weight.grad))
    for e, t in zip(res[ember], res[torch]):
        np.testing.assert_allclose(e, t, rtol=1e-5)


def test_backward_hook_no_input_requires_grad_and_errors():
    logs = {}
    for m, B in ((ember, E), (torch, T)):
        torch.manual_seed(0)
        mod = B.Lin(3, 2)
        log = []
        mod.register_full_backward_hook(lambda mod_, gin, gout: log.append((gin, len(gout))))
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            mod(m.ones(4, 3)).sum().backward()
        logs[m] = log
    assert logs[ember] == logs[torch] == [((None,), 1)]
    errs = {}
    for m, B in ((ember, E), (torch, T)):
        mod = B.Lin(3, 2)
        mod.register_full_backward_hook(lambda mod_, gin, gout: (gin[0], gin[0]))
        with pytest.raises(RuntimeError) as exc:
            mod(m.ones(4, 3, requires_grad=True)).sum().backward()
        errs[m] = str(exc.value)
    assert errs[ember] == errs[torch]
    for m in (ember, torch):
        mod = m.nn.Module()
        mod.register_full_backward_hook(lambda *a: None)
        with pytest.raises(RuntimeError, match='Cannot use both regular backward hooks'):
            mod.register_backward_hook(lambda *a: None)


def test_backward_hook_removed_and_nested_modules():
    logs = {}
    for m, B in ((ember, E), (torch, T)):
        torch.manual_seed(0)
        net = B.Net()
        log = []
        for name, sub in net.named_modules():
            sub.register_full_backward_hook(lambda mod_, gin, gout, name=name: log.append(name))
        h = net.fc2.register_full_backward_hook(lambda *a: log.append('removed'))
        h.remove()
        net(m.ones(2, 3, requires_grad=True)).sum().backward()
        logs[m] = log
    assert logs[ember] == logs[torch]


def test_global_backward_hooks():
    mods = {ember: ember.nn.modules.module, torch: torch.nn.modules.module}
    logs = {}
    for m, B in ((ember, E), (torch, T)):
        log = []
        h1 = mods[m].register_module_full_backward_hook(lambda mod, gi, go: log.append(type(mod).__name__))
        h2 = mods[m].register_module_full_backward_pre_hook(lambda mod, go: log.append('pre'))
        try:
            net = B.Net()
            net(m.ones(2, 3, requires_grad=True)).sum().backward()
        finally:
            h1.remove(), h2.remove()
        logs[m] = log
    assert logs[ember] == logs[torch]


def test_deprecated_backward_hook():
    logs = {}
    for m, B in ((ember, E), (torch, T)):
        torch.manual_seed(0)
        mod = B.Act()
        log = []
        mod.register_backward_hook(lambda mod_, gin, gout: log.append((len(gin), len(gout))))
        x = m.ones(2, 3, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            mod(x * 1).sum().backward()
        logs[m] = log
    assert logs[ember] == logs[torch]


# ----------------------------------------------------------------------------- dtype moves
@pytest.mark.parametrize('how', ['double', 'to_dtype', 'to_kw', 'half', 'type', 'to_tensor'])
def test_to_dtype_keeps_parameter_objects(how):
    for m, B in ((ember, E), (torch, T)):
        net = B.Net()
        net(m.ones(1, 3)).sum().backward()
        params = list(net.parameters())
        grads = [p.grad for p in params]
        if how == 'double':
            r = net.double()
        elif how == 'to_dtype':
            r = net.to(m.float64)
        elif how == 'to_kw':
            r = net.to(device='cpu', dtype=m.float64)
        elif how == 'half':
            r = net.half()
        elif how == 'type':
            r = net.type(m.float64)
        else:
            r = net.to(m.ones(1, dtype=m.float64))
        assert r is net
        want = {'half': m.float16}.get(how, m.float64)
        assert all(p is q for p, q in zip(params, net.parameters()))
        assert all(p.dtype == want and p.requires_grad for p in net.parameters())
        assert all(p.grad is g and g.dtype == want for p, g in zip(params, grads))
        assert net.running.dtype == want and net.scratch.dtype == want
        if how != 'type':
            assert net.steps.dtype == m.int64   # integer buffers are left alone
        net.float()
        assert all(p.dtype == m.float32 for p in net.parameters())


def test_to_rejects_integer_dtype_and_cpu():
    e, t = both_raise(lambda: E.Net().to(ember.int32), lambda: T.Net().to(torch.int32), TypeError)
    same_msg(e, t)
    net = E.Net()
    assert net.cpu() is net and net.to('cpu') is net and net.to(ember.device('cpu')) is net


# ----------------------------------------------------------------------------- state_dict
def test_state_dict_keys_order_metadata():
    em, tm = pair('Net')
    se, st = em.state_dict(), tm.state_dict()
    assert list(se) == list(st)
    assert isinstance(se, OrderedDict)
    assert dict(se._metadata) == dict(st._metadata)
    for k in st:
        assert_close(se[k], st[k])
        assert not se[k].requires_grad
    kv = em.state_dict(keep_vars=True)
    assert kv['fc1.weight'] is em.fc1.weight
    p = em.state_dict(prefix='model.')
    assert list(p) == list(tm.state_dict(prefix='model.'))
    assert dict(p._metadata) == dict(tm.state_dict(prefix='model.')._metadata)
    dest = {}
    assert em.state_dict(destination=dest) is dest and list(dest) == list(st)
    with pytest.warns(FutureWarning):
        em.state_dict(OrderedDict(), 'x.')
    assert list(E.Tied().state_dict()) == list(T.Tied().state_dict())


def test_state_dict_shares_memory_and_roundtrip():
    em, tm = pair('Net')
    sd = em.state_dict()
    sd['fc1.weight'][0, 0] = 42.0
    assert float(em.fc1.weight[0, 0]) == 42.0      # detached alias, like torch
    other = E.Net()
    r = other.load_state_dict(tm_to_ember(tm.state_dict()))
    assert repr(r) == '<All keys matched successfully>' == repr(tm.load_state_dict(tm.state_dict()))
    assert r.missing_keys == [] and r.unexpected_keys == []
    for (n, p), (_, q) in zip(other.named_parameters(), tm.named_parameters()):
        assert_close(p, q.detach())
    w = other.fc1.weight
    other.load_state_dict(em.state_dict())
    assert other.fc1.weight is w                   # copied in place


def tm_to_ember(sd):
    out = OrderedDict((k, ember.tensor(to_numpy(v).copy())) for k, v in sd.items())
    if hasattr(sd, '_metadata'):
        out._metadata = sd._metadata
    return out


@pytest.mark.parametrize('case', ['missing', 'unexpected', 'both', 'size', 'not_tensor', 'nested_unexpected'])
def test_load_state_dict_errors_match_torch(case):
    msgs = {}
    for m, B in ((ember, E), (torch, T)):
        net = B.Net()
        sd = net.state_dict()
        if case in ('missing', 'both'):
            del sd['fc1.bias']
        if case in ('unexpected', 'both'):
            sd['fc2.extra'] = m.ones(1)
            sd['zzz'] = m.ones(1)
        if case == 'size':
            sd['fc1.weight'] = m.ones(5, 3)
            sd['running'] = m.ones(2)
        if case == 'not_tensor':
            sd['fc2.bias'] = [1.0, 2.0]
        if case == 'nested_unexpected':
            sd['act.w.x'] = m.ones(1)
        with pytest.raises(RuntimeError) as exc:
            net.load_state_dict(sd)
        msgs[m] = str(exc.value)
        if case in ('missing', 'unexpected', 'both', 'nested_unexpected'):
            r = B.Net().load_state_dict(sd, strict=False)
            msgs[(m, 'r')] = (r.missing_keys, r.unexpected_keys, repr(r))
    same_msg(msgs[ember], msgs[torch])
    if (ember, 'r') in msgs:
        assert msgs[(ember, 'r')] == msgs[(torch, 'r')]


def test_load_state_dict_type_error_and_scalar_param():
    e, t = both_raise(lambda: E.Net().load_state_dict([1]), lambda: T.Net().load_state_dict([1]), TypeError)
    assert e == t
    for m in (ember, torch):
        mod = m.nn.Module()
        mod.s = m.nn.Parameter(m.tensor(1.0))
        mod.load_state_dict({'s': m.tensor([5.0])})      # shape (1,) into a 0-d parameter
        assert float(mod.s) == 5.0


def test_load_state_dict_assign():
    for m, B in ((ember, E), (torch, T)):
        net = B.Net()
        w0 = net.fc1.weight
        new = B.Net().state_dict()
        net.fc1.weight.requires_grad_(False)
        net.load_state_dict(new, assign=True)
        assert net.fc1.weight is not w0
        assert isinstance(net.fc1.weight, m.nn.Parameter) and not net.fc1.weight.requires_grad
        assert net.fc2.weight.requires_grad
        assert net.running is new['running']
        assert float((net.fc1.weight - new['fc1.weight']).abs().sum()) == 0


def test_load_state_dict_hooks_and_override():
    for m, B in ((ember, E), (torch, T)):
        log = []

        class Renamed(B.Lin):
            def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing, unexpected,
                                      errors):
                log.append(('load', prefix, local_metadata.get('version')))
                old = prefix + 'W'
                if old in state_dict:
                    state_dict[prefix + 'weight'] = state_dict.pop(old)
                super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing, unexpected,
                                              errors)

        net = m.nn.Module()
        net.inner = Renamed(2, 2)
        net.register_load_state_dict_post_hook(lambda mod, keys: log.append(('post', list(keys.missing_keys))))
        net.inner.register_load_state_dict_pre_hook(
            lambda mod, sd, prefix, *rest: log.append(('pre', type(mod).__name__, prefix)))
        sd = net.state_dict()
        sd['inner.W'] = sd.pop('inner.weight')
        net.load_state_dict(sd)
        assert log == [('load', 'inner.', 1), ('pre', 'Renamed', 'inner.'), ('post', [])], log


def test_state_dict_hooks():
    for m, B in ((ember, E), (torch, T)):
        net = B.Net()
        log = []
        net.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: log.append(('pre', prefix)))

        def post(mod, sd, prefix, local_metadata):
            sd[prefix + 'added'] = m.zeros(1)
        net.fc1.register_state_dict_post_hook(post)
        sd = net.state_dict()
        assert 'fc1.added' in sd and log == [('pre', '')]
        net.fc2._register_state_dict_hook(lambda mod, sd, prefix, lm: OrderedDict(x=1))
        assert net.fc2.state_dict() == {'x': 1}

        def bad(mod, sd, prefix, lm):
            return {}
        net.act.register_state_dict_post_hook(bad)
        with pytest.raises(RuntimeError, match='state_dict post-hook must return None'):
            net.act.state_dict()


def test_extra_state():
    for m in (ember, torch):
        class WithExtra(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = m.nn.Parameter(m.ones(2))
                self.counter = 0

            def get_extra_state(self):
                return {'counter': self.counter}

            def set_extra_state(self, state):
                self.counter = state['counter']

        a = WithExtra()
        a.counter = 7
        sd = a.state_dict()
        assert list(sd) == ['w', '_extra_state'] and sd['_extra_state'] == {'counter': 7}
        b = WithExtra()
        b.load_state_dict(sd)
        assert b.counter == 7
        del sd['_extra_state']
        with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "_extra_state"'):
            b.load_state_dict(sd)
        with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "_extra_state"'):
            m.nn.Module().load_state_dict({'_extra_state': 1})


# ----------------------------------------------------------------------------- repr / dir / copy
def test_repr_matches_torch():
    em, tm = pair('Net')
    assert repr(em) == repr(tm)
    assert repr(ember.nn.Module()) == repr(torch.nn.Module()) == 'Module()'
    for m, B in ((ember, E), (torch, T)):
        class Multi(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = B.Net()

            def extra_repr(self):
                return 'line1\nline2'
        if m is ember:
            re_ = repr(Multi())
        else:
            assert repr(Multi()) == re_
    for m in (ember, torch):
        class OneLine(m.nn.Module):
            def extra_repr(self):
                return 'k=3'
        mod = m.nn.Module()
        mod.a = OneLine()
        mod.b = None
        if m is ember:
            re_ = repr(mod)
        else:
            assert repr(mod) == re_


def test_dir():
    em, tm = pair('Net')
    de, dt = dir(em), dir(tm)
    for name in ('fc1', 'fc2', 'act', 'running', 'scratch', 'steps', 'forward', 'training', 'state_dict'):
        assert name in de and name in dt
    assert de == sorted(de)
    assert set(n for n in dt if not n.startswith('_') and n not in ('T_destination', 'compile', 'ipu', 'xpu', 'mtia')) <= set(de)


def test_deepcopy_and_pickle_keep_sharing():
    em = PTied()
    em.a.weight.grad = ember.ones(3, 3)
    for clone in (copy.deepcopy(em), pickle.loads(pickle.dumps(em))):
        assert clone is not em
        assert clone.b.weight is clone.a.weight and clone.c is clone.a
        assert clone.a.weight is not em.a.weight
        assert isinstance(clone.a.weight, ember.nn.Parameter) and clone.a.weight.requires_grad
        np.testing.assert_array_equal(to_numpy(clone.a.weight), to_numpy(em.a.weight))
        x = ember.ones(2, 3)
        np.testing.assert_array_equal(to_numpy(clone(x)), to_numpy(em(x)))
        clone.a.weight.data.fill_(0)
        assert float(em.a.weight.abs().sum()) > 0
    net = E.Net()
    c = copy.deepcopy(net)
    assert c.scratch is not net.scratch and 'scratch' in c._non_persistent_buffers_set
    assert repr(c) == repr(net)


def test_module_pickle_with_state():
    net = PNet()
    net.fc1.weight.extra_attr = 'hi'
    c = pickle.loads(pickle.dumps(net))
    assert c.fc1.weight.extra_attr == 'hi' and c.training
    assert list(c.state_dict()) == list(net.state_dict())


# ----------------------------------------------------------------------------- dynamic graphs
def test_dynamic_net_trains_like_torch():
    """The PyTorch tutorial's DynamicNet: a middle layer reused a random number of times."""
    def make(m, B):
        class DynamicNet(m.nn.Module):
            def __init__(self, D_in, H, D_out):
                super().__init__()
                self.input_linear = B.Lin(D_in, H)
                self.middle_linear = B.Lin(H, H)
                self.output_linear = B.Lin(H, D_out)

            def forward(self, x, reps):
                h_relu = self.input_linear(x).clamp(min=0)
                for _ in range(reps):
                    h_relu = self.middle_linear(h_relu).clamp(min=0)
                return self.output_linear(h_relu)
        return DynamicNet

    torch.manual_seed(0)
    tm = make(torch, T)(10, 16, 3).double()
    em = make(ember, E)(10, 16, 3).double()
    sync(em, tm)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 10))
    y = rng.standard_normal((8, 3))
    xe, ye, xt, yt = ember.tensor(x), ember.tensor(y), torch.tensor(x), torch.tensor(y)
    reps = rng.integers(0, 4, size=25)
    losses_e, losses_t = [], []
    for r in reps:
        for mod, xx, yy, losses in ((em, xe, ye, losses_e), (tm, xt, yt, losses_t)):
            loss = ((mod(xx, int(r)) - yy) ** 2).mean()
            mod.zero_grad()
            loss.backward()
            for p in mod.parameters():
                if p.grad is not None:
                    p.data = p.data - 1e-2 * p.grad.data
            losses.append(float(loss))
    np.testing.assert_allclose(losses_e, losses_t, rtol=1e-9)
    assert losses_e[-1] < losses_e[0]


def test_linear_module_if_available():
    torch.manual_seed(0)
    tl = torch.nn.Linear(4, 3)
    el = ember.nn.Linear(4, 3)
    el.load_state_dict(tm_to_ember(tl.state_dict()))
    seq_e = ember.nn.Sequential(el)
    assert repr(seq_e) == repr(torch.nn.Sequential(tl))
    xe, xt = x_pair(2, 4)
    assert_close(seq_e(xe), tl(xt))


# ----------------------------------------------------------------------------- more edge cases
def test_backward_hook_mixed_outputs_and_reuse():
    logs = {}
    for m, B in ((torch, T), (ember, E)):
        class Mixed(m.nn.Module):
            def forward(self, x, k):
                return x * 2, k, (x * 0).detach()
        mod = Mixed()
        log = []
        mod.register_full_backward_hook(_capture(log))
        mod.register_full_backward_pre_hook(lambda mod_, go: log.append(('pre', [g is None for g in go], [])))
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a, k, c = mod(x, 3)
        a2, _, _ = mod(a, 4)           # the same module twice in one graph
        (a2 * m.tensor([1.0, 3.0])).sum().backward()
        logs[m] = log
        logs[(m, 'g')] = to_numpy(x.grad)
    _cmp_logs(logs[ember], logs[torch])
    np.testing.assert_allclose(logs[(ember, 'g')], logs[(torch, 'g')])


def test_zero_grad_set_to_none_false_detaches_graph_grad():
    for m in (ember, torch):
        p = m.nn.Parameter(m.tensor([1.0, 2.0]))
        mod = m.nn.Module()
        mod.p = p
        (p ** 3).sum().backward(create_graph=True)
        assert p.grad.requires_grad
        mod.zero_grad(set_to_none=False)
        assert not p.grad.requires_grad and p.grad.grad_fn is None
        assert float(p.grad.abs().sum()) == 0.0


def test_bfloat16_and_register_module_alias_and_memo():
    net = E.Net()
    net.bfloat16()
    assert all(p.dtype == ember.bfloat16 for p in net.parameters())
    for m, B in ((ember, E), (torch, T)):
        mod = m.nn.Module()
        mod.register_module('child', B.Act())
        assert list(mod._modules) == ['child']
        net = B.Net()
        memo = {net.fc1}
        assert [n for n, _ in net.named_modules(memo=memo)] == ['', 'act', 'fc2']


def test_hooks_on_sequential_children():
    logs = {}
    for m in (torch, ember):
        L = m.nn.Module
        seq = m.nn.Sequential(*[E.Act() if m is ember else T.Act() for _ in range(3)])
        log = []
        for i, c in enumerate(seq):
            c.register_forward_hook(lambda mod, a, o, i=i: log.append(i))
        seq(m.ones(2))
        logs[m] = log
    assert logs[ember] == logs[torch] == [0, 1, 2]


def test_load_state_dict_casts_dtype_and_type_string():
    res = {}
    for m in (torch, ember):
        mod = m.nn.Module()
        mod.w = m.nn.Parameter(m.ones(2))
        mod.register_buffer('b', m.zeros(2, dtype=m.int64))
        mod.load_state_dict({'w': m.tensor([1.5, 2.5], dtype=m.float64), 'b': m.tensor([1.7, 2.2])})
        r = [str(mod.w.dtype)[-7:], to_numpy(mod.w).tolist(), to_numpy(mod.b).tolist()]
        mod.type('torch.DoubleTensor')
        r += [str(mod.w.dtype)[-7:], str(mod.b.dtype)[-7:], isinstance(mod.w, m.nn.Parameter)]
        res[m] = r
    assert res[ember] == res[torch]


def test_module_version_and_metadata_passed_to_load():
    seen = []

    class V(ember.nn.Module):
        _version = 3

        def __init__(self):
            super().__init__()
            self.w = ember.nn.Parameter(ember.ones(1))

        def _load_from_state_dict(self, sd, prefix, local_metadata, *rest):
            seen.append(local_metadata.get('version'))
            super()._load_from_state_dict(sd, prefix, local_metadata, *rest)
    outer = ember.nn.Module()
    outer.v = V()
    sd = outer.state_dict()
    assert sd._metadata['v'] == {'version': 3} and sd._metadata[''] == {'version': 1}
    outer.load_state_dict(sd)
    plain = dict(sd)            # no _metadata: version is None
    outer.load_state_dict(plain)
    assert seen == [3, None]


def test_hooks_removing_themselves_and_post_hook_order_nested():
    logs = {}
    for m in (ember, torch):
        log = []
        net = m.nn.Sequential(m.nn.Sequential(m.nn.ReLU(), m.nn.Tanh()), m.nn.ReLU())
        handles = {}

        def once(mod, args, tag='pre'):
            log.append(tag)
            handles['pre'].remove()          # removing itself mid-call must be fine
        handles['pre'] = net.register_forward_pre_hook(once)
        net.register_forward_pre_hook(lambda mod, args: log.append('pre2'))
        net(m.ones(2)), net(m.ones(2))
        for name, sub in [('', net)] + list(net.named_modules())[1:]:
            sub.register_load_state_dict_post_hook(lambda mod, keys, name=name: log.append(('post', name)))
        net.load_state_dict(net.state_dict())
        logs[m] = log
    assert logs[ember] == logs[torch]
    assert logs[ember][-5:] == [('post', '0.0'), ('post', '0.1'), ('post', '0'), ('post', '1'), ('post', '')]


def test_always_call_hooks_global_and_local_with_kwargs_on_exception():
    mods = {ember: ember.nn.modules.module, torch: torch.nn.modules.module}
    logs = {}
    for m in (ember, torch):
        class Boom(m.nn.Module):
            def forward(self, x, *, k=0):
                raise ValueError("boom")
        log = []
        mod = Boom()
        g = mods[m].register_module_forward_hook(lambda *a: log.append(('global', len(a))), always_call=True)
        try:
            mod.register_forward_hook(lambda *a: log.append(('kw', len(a))), with_kwargs=True,
                                      always_call=True)

            def failing(*a):
                raise KeyError('x')
            mod.register_forward_hook(failing, always_call=True)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                with pytest.raises(ValueError, match='boom'):
                    mod(m.ones(1), k=2)
            log.append([str(x.message) for x in w])
        finally:
            g.remove()
        logs[m] = log
    assert logs[ember] == logs[torch]


def test_module_registration_hooks_replace_values():
    mods = {ember: ember.nn.modules.module, torch: torch.nn.modules.module}
    for m in (ember, torch):
        seen = []
        hooks = [mods[m].register_module_module_registration_hook(
                     lambda mod, name, sub: seen.append(('module', name)) or m.nn.Identity()),
                 mods[m].register_module_parameter_registration_hook(
                     lambda mod, name, p: seen.append(('param', name))),
                 mods[m].register_module_buffer_registration_hook(
                     lambda mod, name, b: seen.append(('buffer', name)))]
        try:
            mod = m.nn.Module()
            mod.act = m.nn.ReLU()
            mod.add_module('act2', m.nn.Tanh())
            mod.p = m.nn.Parameter(m.ones(1))
            mod.register_parameter('none', None)
            mod.register_buffer('b', None)
        finally:
            for h in hooks:
                h.remove()
        assert type(mod.act).__name__ == type(mod.act2).__name__ == 'Identity'
        assert seen == [('module', 'act'), ('module', 'act2'), ('param', 'p'), ('buffer', 'b')]
