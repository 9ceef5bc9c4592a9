"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict against torch."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, to_numpy


def classes(m):
    class L(m.nn.Module):
        def __init__(self, k):
            super().__init__()
            self.k = k

        def forward(self, x):
            return x * self.k + 1

        def extra_repr(self):
            return f'k={self.k}'

    class W(m.nn.Module):
        def __init__(self, n):
            super().__init__()
            self.weight = m.nn.Parameter(m.arange(float(n * n)).reshape(n, n) / 10)

        def forward(self, x):
            return x @ self.weight

    return L, W


LE, WE = classes(ember)
LT, WT = classes(torch)
FW = {ember: (LE, WE), torch: (LT, WT)}


def run_both(fn):
    """fn(m, L, W) -> comparable value (reprs, names, lists); torch first."""
    t = fn(torch, LT, WT)
    e = fn(ember, LE, WE)
    return e, t


def desc(mod):
    return (repr(mod), [n for n, _ in mod.named_modules()], [n for n, _ in mod.named_parameters()], len(mod)
            if hasattr(mod, '__len__') else None)


# ----------------------------------------------------------------------------- Sequential
def test_sequential_construction_and_repr():
    def fn(m, L, W):
        a = m.nn.Sequential(L(1), L(2), W(3))
        b = m.nn.Sequential(OrderedDict([('first', L(1)), ('second', W(2))]))
        c = m.nn.Sequential()
        nested = m.nn.Sequential(a, m.nn.Sequential(L(5)))
        return [desc(a), desc(b), desc(c), desc(nested), list(b._modules)]
    e, t = run_both(fn)
    assert e == t


def test_sequential_forward_and_grad():
    def run(m, L, W):
        s = m.nn.Sequential(L(2), W(3), L(-1), W(3))
        x = m.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
        y = s(x)
        (y ** 2).sum().backward()
        return y, x.grad, s[1].weight.grad
    t = run(torch, LT, WT)
    e = run(ember, LE, WE)
    for a, b in zip(e, t):
        assert_close(a, b)


def test_sequential_indexing_and_slicing():
    def fn(m, L, W):
        s = m.nn.Sequential(L(0), L(1), L(2), L(3))
        out = [repr(s[0]), repr(s[-1]), repr(s[-4])]
        sl = s[1:3]
        out += [type(sl).__name__, repr(sl), list(sl._modules), repr(s[::-2]), list(s[::-2]._modules)]
        s[1] = L(10)
        s[-1] = L(30)
        out.append(repr(s))
        return out
    e, t = run_both(fn)
    assert e == t
    for idx in (4, -5):
        with pytest.raises(IndexError) as te:
            torch.nn.Sequential(LT(0))[idx] if idx == -5 else torch.nn.Sequential(LT(0), LT(1))[idx]
        with pytest.raises(IndexError) as ee:
            ember.nn.Sequential(LE(0))[idx] if idx == -5 else ember.nn.Sequential(LE(0), LE(1))[idx]
        assert str(ee.value) == str(te.value)


def test_sequential_mutation_renumbers():
    def fn(m, L, W):
        s = m.nn.Sequential(L(0), L(1), L(2), L(3), L(4))
        out = []
        del s[1]
        out.append(desc(s))
        del s[-1]
        out.append(desc(s))
        s.append(L(7))
        out.append(desc(s))
        s.insert(1, L(8))
        s.insert(-1, L(9))
        s.insert(len(s), L(10))
        out.append(desc(s))
        s.extend([L(11), L(12)])
        out.append(desc(s))
        popped = s.pop(2)
        out.append((repr(popped), desc(s)))
        del s[1:4]
        out.append(desc(s))
        assert s.append(L(0)) is s and s.extend([]) is s
        return out
    e, t = run_both(fn)
    assert e == t
    for m, (L, W) in FW.items():
        s = m.nn.Sequential(L(0))
        with pytest.raises(IndexError):
            s.insert(5, L(1))
        with pytest.raises(AssertionError):
            s.insert(0, 3)


def test_sequential_add_mul():
    def fn(m, L, W):
        a = m.nn.Sequential(L(1), L(2))
        b = m.nn.Sequential(L(3))
        out = [desc(a + b), desc(a * 2), desc(2 * a)]
        a += b
        out.append(desc(a))
        b *= 3
        out.append(desc(b))
        assert (a * 2)[0] is a[0]     # the same module objects
        return out
    e, t = run_both(fn)
    assert e == t
    for exc, op in ((ValueError, lambda s, L: s + [L(1)]), (TypeError, lambda s, L: s * 1.5),
                    (ValueError, lambda s, L: s * 0)):
        with pytest.raises(exc) as te:
            op(torch.nn.Sequential(LT(1)), LT)
        with pytest.raises(exc) as ee:
            op(ember.nn.Sequential(LE(1)), LE)
        assert str(ee.value).replace('ember', 'torch') == str(te.value).replace('torch', 'torch') or \
            type(ee.value) is type(te.value)


def test_sequential_dir_and_state_dict():
    for m, (L, W) in FW.items():
        s = m.nn.Sequential(W(2), L(1), W(3))
        assert '0' not in dir(s) and 'append' in dir(s)
        assert list(s.state_dict()) == ['0.weight', '2.weight']


# ----------------------------------------------------------------------------- ModuleList
def test_modulelist_repr_collapses_repeats():
    def fn(m, L, W):
        out = []
        for lst in ([], [L(1)], [L(1), L(1), L(1)], [L(1), L(1), L(2), L(2), L(2), L(1)],
                    [W(2), W(2), m.nn.Sequential(L(1), L(1))]):
            out.append(repr(m.nn.ModuleList(lst)))
        outer = m.nn.Module()
        outer.layers = m.nn.ModuleList([L(3)] * 4)
        out.append(repr(outer))
        return out
    e, t = run_both(fn)
    assert e == t


def test_modulelist_ops():
    def fn(m, L, W):
        ml = m.nn.ModuleList([L(0), L(1), L(2)])
        out = [repr(ml[-1]), type(ml[1:]).__name__, repr(ml[::2])]
        ml.append(L(3))
        ml.extend([L(4), L(5)])
        ml += [L(6)]
        out.append(desc(ml))
        ml.insert(1, L(9))
        out.append(desc(ml))
        ml[0] = L(99)
        del ml[2]
        out.append(desc(ml))
        del ml[1:5:2]
        out.append(desc(ml))
        out.append(repr(ml.pop(-1)))
        out.append(desc(ml + m.nn.ModuleList([L(7)])))
        out.append([repr(x) for x in ml])
        return out
    e, t = run_both(fn)
    assert e == t
    with pytest.raises(TypeError) as te:
        torch.nn.ModuleList().extend(3)
    with pytest.raises(TypeError) as ee:
        ember.nn.ModuleList().extend(3)
    assert str(ee.value) == str(te.value)
    with pytest.raises(IndexError) as te:
        torch.nn.ModuleList([LT(1)])[3]
    with pytest.raises(IndexError) as ee:
        ember.nn.ModuleList([LE(1)])[3]
    assert str(ee.value) == str(te.value)
    with pytest.raises(NotImplementedError):
        ember.nn.ModuleList([LE(1)])(ember.ones(1))


def test_modulelist_parameters_and_training():
    def fn(m, L, W):
        ml = m.nn.ModuleList([W(2), W(3)])
        ml.eval()
        return [n for n, _ in ml.named_parameters()], [x.training for x in ml], list(ml.state_dict())
    e, t = run_both(fn)
    assert e == t


# ----------------------------------------------------------------------------- ModuleDict
def test_moduledict_ops():
    def fn(m, L, W):
        md = m.nn.ModuleDict({'b': L(1), 'a': L(2)})
        out = [desc(md), list(md.keys()), list(md)]
        md.update([('c', L(3)), ('a', L(20))])
        md.update(m.nn.ModuleDict({'d': W(2)}))
        md['e'] = L(5)
        out.append(desc(md))
        out.append(('c' in md, 'zz' in md, repr(md.pop('c'))))
        del md['b']
        out.append([(k, repr(v)) for k, v in md.items()])
        out.append([repr(v) for v in md.values()])
        md.clear()
        out.append(desc(md))
        return out
    e, t = run_both(fn)
    assert e == t
    for arg, exc in ((3, TypeError), ([('a',)], ValueError), ([3], TypeError)):
        with pytest.raises(exc) as te:
            torch.nn.ModuleDict().update(arg)
        with pytest.raises(exc) as ee:
            ember.nn.ModuleDict().update(arg)
        assert str(ee.value) == str(te.value)
    with pytest.raises(KeyError):
        ember.nn.ModuleDict({'a.b': LE(1)})


# ----------------------------------------------------------------------------- ParameterList
def test_parameterlist():
    def fn(m, L, W):
        pl = m.nn.ParameterList([m.nn.Parameter(m.ones(2, 3)), m.zeros(4)])
        pl.append(m.ones(1, dtype=m.float64))
        pl.append('a string')
        pl.extend([m.nn.Parameter(m.ones(2), requires_grad=False)])
        out = [repr(pl).replace('ember.', 'torch.'), len(pl), [n for n, _ in pl.named_parameters()],
               list(pl.state_dict()), [type(p).__name__ for p in pl]]
        out.append(repr(pl[1:3]).replace('ember.', 'torch.'))
        pl[0] = m.ones(5)
        out.append(repr(pl[0].shape).replace('ember', 'torch'))
        out.append(isinstance(pl[-2], str))
        out.append(all(p.requires_grad for p in list(pl)[:3]))
        return out
    e, t = run_both(fn)
    assert e == t
    for m in (ember, torch):
        with pytest.raises(RuntimeError, match='ParameterList should not be called.'):
            m.nn.ParameterList()(1)
        with pytest.raises(TypeError, match='ParameterList.extend should be called with an iterable'):
            m.nn.ParameterList().extend(m.ones(2))
        with pytest.raises(IndexError):
            m.nn.ParameterList([m.ones(1)])[1]


def test_parameterlist_in_module_trains():
    def run(m, L, W):
        class M(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.ps = m.nn.ParameterList([m.nn.Parameter(m.arange(3.0) / 3) for _ in range(3)])

            def forward(self, x):
                for i, p in enumerate(self.ps):
                    x = x * p + i
                return x
        mod = M()
        x = m.tensor([1.0, -2.0, 0.5])
        mod(x).sum().backward()
        return [p.grad for p in mod.ps] + [[n for n, _ in mod.named_parameters()]]
    t = run(torch, LT, WT)
    e = run(ember, LE, WE)
    for a, b in zip(e[:3], t[:3]):
        assert_close(a, b)
    assert e[3] == t[3]


# ----------------------------------------------------------------------------- ParameterDict
def test_parameterdict():
    def fn(m, L, W):
        pd = m.nn.ParameterDict({'z': m.ones(2), 'a': m.nn.Parameter(m.zeros(3, 1))})   # dict: sorted
        out = [repr(pd), list(pd.keys())]
        pd.update([('m', m.ones(1, dtype=m.float64)), ('s', 'str')])
        pd.update(OrderedDict([('y', m.ones(2)), ('b', m.ones(2))]))                   # OrderedDict: kept
        out += [repr(pd), list(pd), [n for n, _ in pd.named_parameters()], list(pd.state_dict())]
        out.append(('a' in pd, 'q' in pd, len(pd), list(reversed(pd))))
        out.append(repr(pd.pop('z')).replace('ember', 'torch'))
        out.append(repr(pd.setdefault('new', m.ones(1))).replace('ember', 'torch'))
        k, v = pd.popitem()
        out.append((k, list(pd)))
        out.append(pd.get('missing', 5))
        out.append(list(pd.fromkeys(['p', 'q'], m.ones(1)).keys()))
        c = pd.copy()
        out.append((list(c), c['a'] is pd['a']))
        u = pd | m.nn.ParameterDict({'zz': m.ones(1)})
        out.append(list(u))
        pd |= m.nn.ParameterDict({'q1': m.ones(1)})
        out.append(list(pd))
        del pd['a']
        pd.clear()
        out.append((len(pd), repr(pd)))
        return out
    e, t = run_both(fn)
    assert e == t
    for m in (ember, torch):
        with pytest.raises(TypeError) as exc:
            m.nn.ParameterDict()[1] = m.ones(1)
        assert 'cannot be used as a key as it is not a string' in str(exc.value)
        with pytest.raises(RuntimeError, match='ParameterDict should not be called.'):
            m.nn.ParameterDict()(1)
        with pytest.raises(ValueError):
            m.nn.ParameterDict([('a', m.ones(1), 3)])


def test_containers_deepcopy_pickle():
    s = ember.nn.Sequential(ember.nn.ParameterList([ember.ones(2)]), ember.nn.ModuleList(),
                            ember.nn.ModuleDict(), ember.nn.ParameterDict({'a': ember.ones(1)}))
    for c in (copy.deepcopy(s), pickle.loads(pickle.dumps(s))):
        assert repr(c) == repr(s)
        assert list(c.state_dict()) == list(s.state_dict())
        assert c[0][0] is not s[0][0]
        np.testing.assert_array_equal(to_numpy(c[3]['a']), [1.0])


def test_container_edge_cases_match_torch():
    def run(m):
        nn = m.nn
        out = []

        def rec(f):
            try:
                out.append(('ok', f()))
            except Exception as e:
                out.append((type(e).__name__, str(e).replace('torch', 'LIB').replace('ember', 'LIB')))

        class MyList(nn.ModuleList):
            pass
        rec(lambda: MyList([nn.ReLU()])(1))
        rec(lambda: nn.ParameterDict().popitem())
        pd = nn.ParameterDict({'b': m.zeros(1), 'a': m.ones(1)})
        rec(lambda: (pd.popitem()[0], list(pd)))
        rec(lambda: nn.ModuleDict([('a', nn.ReLU()), ('b',)]))
        rec(lambda: nn.ModuleDict([3]))
        rec(lambda: nn.ParameterList(m.ones(2)))
        seq = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.ReLU())
        del seq[1:3]
        rec(lambda: list(seq._modules))
        rec(lambda: seq * 1.5)
        rec(lambda: seq.insert(-1, nn.Tanh()) and list(seq._modules))
        ml = nn.ModuleList([nn.ReLU()] * 3 + [nn.Tanh()])
        ml.insert(1, nn.Sigmoid())
        rec(lambda: repr(ml))
        del ml[::2]
        rec(lambda: repr(ml))
        rec(lambda: ml[-7])
        return out
    assert run(ember) == run(torch)
