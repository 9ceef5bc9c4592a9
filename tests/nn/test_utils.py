"""nn.utils against torch: gradient clipping, parameters <-> vector, functional_call."""
import copy
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, to_numpy


def make_params(dtype=np.float32, seed=0, with_none=True, scale=1.0):
    """The same parameters (with .grad set) in both frameworks; one without a grad."""
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2, 2), (1,)]
    pe, pt = [], []
    for i, s in enumerate(shapes):
        v = rng.standard_normal(s).astype(dtype)
        g = (rng.standard_normal(s) * scale).astype(dtype)
        e = ember.nn.Parameter(ember.tensor(v))
        t = torch.nn.Parameter(torch.tensor(v))
        if not (with_none and i == 1):
            e.grad = ember.tensor(g)
            t.grad = torch.tensor(g)
        pe.append(e)
        pt.append(t)
    return pe, pt


def cmp_grads(pe, pt, **kw):
    for e, t in zip(pe, pt):
        assert (e.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert_close(e.grad, t.grad, **kw)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('norm_type', [2.0, 1, float('inf'), 0.5, 3.0, 'inf', 0.0, float('-inf')])
@pytest.mark.parametrize('max_norm', [0.5, 100.0])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    pe, pt = make_params(dtype)
    ne = ember.nn.utils.clip_grad_norm_(pe, max_norm, norm_type=norm_type)
    nt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=norm_type)
    assert isinstance(ne, ember.Tensor)
    assert_close(ne, nt, rtol=1e-5 if dtype == np.float32 else 1e-10)
    cmp_grads(pe, pt, rtol=1e-5 if dtype == np.float32 else 1e-10)


def test_clip_grad_norm_single_tensor_generator_and_empty():
    pe, pt = make_params()
    ne = ember.nn.utils.clip_grad_norm_(pe[0], 0.1)
    nt = torch.nn.utils.clip_grad_norm_(pt[0], 0.1)
    assert_close(ne, nt)
    cmp_grads(pe, pt)
    me, mt = ember.nn.Module(), torch.nn.Module()
    me.p, mt.p = pe[2], pt[2]
    assert_close(ember.nn.utils.clip_grad_norm_(me.parameters(), 0.2),
                 torch.nn.utils.clip_grad_norm_(mt.parameters(), 0.2))
    cmp_grads(pe, pt)
    with pytest.warns(UserWarning, match='empty generator'):
        ze = ember.nn.utils.clip_grad_norm_((p for p in []), 1.0)
    zt = torch.nn.utils.clip_grad_norm_([], 1.0)
    assert_close(ze, zt)
    # only parameters without grads
    assert_close(ember.nn.utils.clip_grad_norm_([ember.nn.Parameter(ember.ones(2))], 1.0),
                 torch.nn.utils.clip_grad_norm_([torch.nn.Parameter(torch.ones(2))], 1.0))


def test_clip_grad_norm_nonfinite():
    for bad in (float('inf'), float('nan')):
        pe, pt = make_params()
        pe[0].grad[0, 0] = bad
        pt[0].grad[0, 0] = bad
        with pytest.raises(RuntimeError) as te:
            torch.nn.utils.clip_grad_norm_(pt, 1.0, error_if_nonfinite=True)
        with pytest.raises(RuntimeError) as ee:
            ember.nn.utils.clip_grad_norm_(pe, 1.0, error_if_nonfinite=True)
        assert str(ee.value) == str(te.value)
        ne = ember.nn.utils.clip_grad_norm_(pe, 1.0)
        nt = torch.nn.utils.clip_grad_norm_(pt, 1.0)
        assert_close(ne, nt)
        cmp_grads(pe, pt)


def test_clip_grad_foreach():
    pe, pt = make_params()
    assert_close(ember.nn.utils.clip_grad_norm_(pe, 1.0, foreach=True),
                 torch.nn.utils.clip_grad_norm_(pt, 1.0, foreach=True))
    cmp_grads(pe, pt)
    ember.nn.utils.clip_grad_value_(pe, 0.2, foreach=True)
    torch.nn.utils.clip_grad_value_(pt, 0.2, foreach=True)
    cmp_grads(pe, pt)
    assert_close(ember.nn.utils.clip_grad_norm_(pe, 1.0, foreach=False),
                 torch.nn.utils.clip_grad_norm_(pt, 1.0, foreach=False))
    cmp_grads(pe, pt)


def test_clip_grad_norm_no_graph_and_same_grad_objects():
    pe, _ = make_params()
    grads = [p.grad for p in pe]
    n = ember.nn.utils.clip_grad_norm_(pe, 0.1)
    assert not n.requires_grad and n.grad_fn is None
    assert all(p.grad is g for p, g in zip(pe, grads))


def test_get_total_norm_and_clip_grads_with_norm():
    pe, pt = make_params(np.float64)
    ge = [p.grad for p in pe if p.grad is not None]
    gt = [p.grad for p in pt if p.grad is not None]
    for nt_ in (2.0, float('inf'), 1.0):
        assert_close(ember.nn.utils.get_total_norm(ge, nt_), torch.nn.utils.get_total_norm(gt, nt_))
    te_ = ember.nn.utils.get_total_norm(ge)
    tt_ = torch.nn.utils.get_total_norm(gt)
    ember.nn.utils.clip_grads_with_norm_(pe, 0.3, te_)
    torch.nn.utils.clip_grads_with_norm_(pt, 0.3, tt_)
    cmp_grads(pe, pt)


@pytest.mark.parametrize('clip', [0.1, 1.0, 5])
def test_clip_grad_value_matches_torch(clip):
    pe, pt = make_params(scale=2.0)
    assert ember.nn.utils.clip_grad_value_(pe, clip) is None
    torch.nn.utils.clip_grad_value_(pt, clip)
    cmp_grads(pe, pt)
    ember.nn.utils.clip_grad_value_(pe[0], clip / 2)
    torch.nn.utils.clip_grad_value_(pt[0], clip / 2)
    cmp_grads(pe, pt)


def test_clip_grad_norm_deprecated_alias():
    pe, pt = make_params()
    with pytest.warns(FutureWarning):
        ne = ember.nn.utils.clip_grad_norm(pe, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        nt = torch.nn.utils.clip_grad_norm(pt, 0.5)
    assert_close(ne, nt)


# ----------------------------------------------------------------------------- parameters <-> vector
def test_parameters_to_vector_and_back():
    pe, pt = make_params(with_none=False)
    ve = ember.nn.utils.parameters_to_vector(pe)
    vt = torch.nn.utils.parameters_to_vector(pt)
    assert_close(ve, vt)
    assert ve.requires_grad and vt.requires_grad
    # differentiable
    (ve * ember.arange(float(ve.shape[0]))).sum().backward()
    (vt * torch.arange(float(vt.shape[0]))).sum().backward()
    for e, t in zip(pe, pt):
        assert_close(e.grad, t.grad)
    new = np.linspace(-1, 1, vt.shape[0]).astype(np.float32)
    objs = list(pe)
    ember.nn.utils.vector_to_parameters(ember.tensor(new), pe)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), pt)
    for e, t, o in zip(pe, pt, objs):
        assert e is o and isinstance(e, ember.nn.Parameter) and e.requires_grad
        assert_close(e.detach(), t.detach())
    with pytest.raises(TypeError) as te:
        torch.nn.utils.vector_to_parameters(new, pt)
    with pytest.raises(TypeError) as ee:
        ember.nn.utils.vector_to_parameters(new, pe)
    assert str(ee.value) == str(te.value)


def test_parameters_to_vector_of_module():
    torch.manual_seed(0)
    tm = torch.nn.Sequential()
    em = ember.nn.Sequential()
    for i in range(2):
        w = np.random.default_rng(i).standard_normal((3, 2)).astype(np.float32)
        te_, ee_ = torch.nn.Module(), ember.nn.Module()
        te_.w, ee_.w = torch.nn.Parameter(torch.tensor(w)), ember.nn.Parameter(ember.tensor(w))
        tm.append(te_), em.append(ee_)
    assert_close(ember.nn.utils.parameters_to_vector(em.parameters()),
                 torch.nn.utils.parameters_to_vector(tm.parameters()))


# ----------------------------------------------------------------------------- functional_call
def _lin(m):
    class Lin(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = m.nn.Parameter(m.ones(2, 3))
            self.register_buffer('shift', m.zeros(2))

        def forward(self, x, scale=1.0):
            return (x @ self.weight.t() + self.shift) * scale
    return Lin


pytestmark_fc = pytest.mark.filterwarnings('ignore:`torch.nn.utils.stateless.functional_call` is deprecated')


@pytestmark_fc
def test_functional_call_matches_torch():
    w = np.arange(6.0, dtype=np.float32).reshape(2, 3) / 5
    res = {}
    for m in (torch, ember):
        mod = _lin(m)()
        orig = mod.weight
        wt = m.tensor(w, requires_grad=True)
        x = m.ones(4, 3)
        out = m.nn.utils.stateless.functional_call(mod, {'weight': wt, 'shift': m.ones(2)}, (x,), {'scale': 2.0})
        out.sum().backward()
        assert mod.weight is orig and float(mod.shift.sum()) == 0.0     # restored
        assert orig.grad is None
        res[m] = (out, wt.grad)
        out1 = m.nn.utils.stateless.functional_call(mod, {'weight': wt}, x)
        res[(m, 1)] = out1
        with pytest.raises(RuntimeError) as exc:
            m.nn.utils.stateless.functional_call(mod, {'weight': wt, 'bogus': wt}, (x,), strict=True)
        res[(m, 'err')] = str(exc.value)
    assert_close(res[ember][0], res[torch][0])
    assert_close(res[ember][1], res[torch][1])
    assert_close(res[(ember, 1)], res[(torch, 1)])
    assert res[(ember, 'err')] == res[(torch, 'err')]
    with pytest.warns(FutureWarning, match='functional_call` is deprecated'):
        ember.nn.utils.stateless.functional_call(_lin(ember)(), {}, ember.ones(1, 3))


@pytestmark_fc
def test_functional_call_tied_weights():
    for m in (torch, ember):
        mod = m.nn.Module()
        mod.a = _lin(m)()
        mod.b = _lin(m)()
        mod.b.weight = mod.a.weight
        mod.forward = lambda x: mod.b(mod.a(x).sum(1, keepdim=True).expand(-1, 3))
        new = m.full((2, 3), 0.5)
        out = m.nn.utils.stateless.functional_call(mod, {'a.weight': new}, (m.ones(1, 3),))
        out_untied = m.nn.utils.stateless.functional_call(mod, {'a.weight': new}, (m.ones(1, 3),),
                                                          tie_weights=False)
        if m is torch:
            ref = (to_numpy(out), to_numpy(out_untied))
        else:
            np.testing.assert_allclose(to_numpy(out), ref[0])
            np.testing.assert_allclose(to_numpy(out_untied), ref[1])


# ----------------------------------------------------------------------------- weight_norm / parametrize
def lin_pair(i=3, o=2, seed=0, conv_like=False):
    rng = np.random.default_rng(seed)
    shape = (o, i, 2) if conv_like else (o, i)
    w = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(o).astype(np.float32)
    out = []
    for m in (ember, torch):
        class Lin(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = m.nn.Parameter(m.tensor(w))
                self.bias = m.nn.Parameter(m.tensor(b))

            def forward(self, x):
                wt = self.weight.flatten(1) if self.weight.dim() > 2 else self.weight
                return x @ wt.t() + self.bias

            def extra_repr(self):
                return f'in={i}, out={o}'
        out.append(Lin())
    return out


def fwd_bwd(me, mt, shape):
    x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    ye, yt = me(ember.tensor(x)), mt(torch.tensor(x))
    assert_close(ye, yt, rtol=1e-5, atol=1e-5)
    (ye ** 2).sum().backward()
    (yt ** 2).sum().backward()
    for (n, p), (n2, q) in zip(me.named_parameters(), mt.named_parameters()):
        assert n == n2
        assert_close(p.grad, q.grad, rtol=1e-4, atol=1e-5, what=n)


@pytest.mark.parametrize('dim', [0, 1, None, -1])
@pytest.mark.parametrize('conv_like', [False, True])
def test_old_weight_norm(dim, conv_like):
    me, mt = lin_pair(conv_like=conv_like)
    with pytest.warns(FutureWarning):
        ember.nn.utils.weight_norm(me, dim=dim)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.nn.utils.weight_norm(mt, dim=dim)
    assert list(me.state_dict()) == list(mt.state_dict()) == ['bias', 'weight_g', 'weight_v']
    assert_close(me.weight_g, mt.weight_g)
    assert type(me.weight) is ember.Tensor and not isinstance(me.weight, ember.nn.Parameter)
    fwd_bwd(me, mt, (4, 6 if conv_like else 3))
    with pytest.raises(RuntimeError):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            ember.nn.utils.weight_norm(me, dim=dim)
    ember.nn.utils.remove_weight_norm(me)
    torch.nn.utils.remove_weight_norm(mt)
    assert list(me.state_dict()) == list(mt.state_dict())
    assert isinstance(me.weight, ember.nn.Parameter)
    assert_close(me.weight, mt.weight, rtol=1e-5)
    with pytest.raises(ValueError):
        ember.nn.utils.remove_weight_norm(me)


@pytest.mark.parametrize('dim', [0, 1])
def test_parametrizations_weight_norm(dim):
    me, mt = lin_pair()
    ember.nn.utils.parametrizations.weight_norm(me, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(mt, dim=dim)
    assert type(me).__name__ == type(mt).__name__ == 'ParametrizedLin'
    assert repr(me) == repr(mt)
    assert list(me.state_dict()) == list(mt.state_dict())
    assert [n for n, _ in me.named_parameters()] == [n for n, _ in mt.named_parameters()]
    assert_close(me.weight, mt.weight, rtol=1e-5)
    fwd_bwd(me, mt, (4, 3))
    # old-style keys load through the compat hook
    old_e, old_t = lin_pair(seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        ember.nn.utils.weight_norm(old_e, dim=dim)
        torch.nn.utils.weight_norm(old_t, dim=dim)
    me.load_state_dict(old_e.state_dict())
    mt.load_state_dict(old_t.state_dict())
    assert_close(me.weight, mt.weight, rtol=1e-5)
    assert ember.nn.utils.parametrize.is_parametrized(me, 'weight')
    assert ember.nn.utils.parametrize.type_before_parametrizations(me).__name__ == 'Lin'
    ember.nn.utils.parametrize.remove_parametrizations(me, 'weight')
    torch.nn.utils.parametrize.remove_parametrizations(mt, 'weight')
    assert type(me).__name__ == 'Lin' and repr(me) == repr(mt)
    assert list(me.state_dict()) == list(mt.state_dict())
    assert isinstance(me.weight, ember.nn.Parameter)
    assert_close(me.weight, mt.weight, rtol=1e-5)


def test_register_parametrization_custom():
    res = {}
    for m in (torch, ember):
        class Sym(m.nn.Module):
            def forward(self, X):
                return X.triu() + X.triu(1).transpose(-1, -2)

            def right_inverse(self, A):
                return A.triu()

        class Neg(m.nn.Module):
            def forward(self, X):
                return -X

            def right_inverse(self, X):
                return -X

        lin = m.nn.Module()
        lin.weight = m.nn.Parameter(m.tensor(np.arange(9.0, dtype=np.float32).reshape(3, 3)))
        m.nn.utils.parametrize.register_parametrization(lin, 'weight', Sym())
        m.nn.utils.parametrize.register_parametrization(lin, 'weight', Neg())
        w1 = to_numpy(lin.weight).copy()
        lin.weight = m.tensor(np.eye(3, dtype=np.float32) * 2)      # right_inverse through the chain
        (lin.weight * m.arange(9.0).reshape(3, 3)).sum().backward()
        with m.nn.utils.parametrize.cached():
            assert lin.weight is lin.weight
        res[m] = (w1, to_numpy(lin.weight), to_numpy(lin.parametrizations.weight.original),
                  to_numpy(lin.parametrizations.weight.original.grad), repr(lin), list(lin.state_dict()))
        with pytest.raises(ValueError):
            m.nn.utils.parametrize.register_parametrization(lin, 'nope', Neg())

        class BadShape(m.nn.Module):
            def forward(self, X):
                return X[0]
        with pytest.raises(ValueError):
            m.nn.utils.parametrize.register_parametrization(lin, 'weight', BadShape())
        with pytest.raises(RuntimeError, match='Serialization of parametrized modules'):
            import pickle
            pickle.dumps(lin)
        c = copy.deepcopy(lin)
        np.testing.assert_array_equal(to_numpy(c.weight), to_numpy(lin.weight))
    for a, b in zip(res[ember], res[torch]):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b)
        else:
            assert a == b


@pytest.mark.parametrize('conv_like', [False, True])
def test_parametrizations_spectral_norm(conv_like):
    me, mt = lin_pair(conv_like=conv_like)
    ember.nn.utils.parametrizations.spectral_norm(me)
    torch.nn.utils.parametrizations.spectral_norm(mt)
    sn_e, sn_t = me.parametrizations.weight[0], mt.parametrizations.weight[0]
    assert list(me.state_dict()) == list(mt.state_dict())
    assert repr(me) == repr(mt)
    # the random start vectors differ between frameworks: start ember from torch's
    sn_e._u.copy_(ember.tensor(to_numpy(sn_t._u)))
    sn_e._v.copy_(ember.tensor(to_numpy(sn_t._v)))
    fwd_bwd(me, mt, (4, 6 if conv_like else 3))           # training: one power iteration
    assert_close(sn_e._u, sn_t._u, rtol=1e-4, atol=1e-5)
    me.eval(), mt.eval()
    assert_close(me.weight, mt.weight.detach(), rtol=1e-4, atol=1e-5)
    # the largest singular value of the normalized weight is ~1 after convergence
    me.train()
    for _ in range(30):
        w = me.weight
    s = np.linalg.svd(to_numpy(w).reshape(w.shape[0], -1), compute_uv=False)
    assert abs(s[0] - 1) < 1e-3
    with pytest.raises(ValueError):
        ember.nn.utils.parametrizations.spectral_norm(me, name='nope')


def test_gradchecks_float64():
    from oracle import gradcheck
    from ember.nn.utils.weight_norm import _weight_norm
    rng = np.random.default_rng(0)
    v = rng.standard_normal((3, 4, 2))
    for dim in (0, 1, 2, -1):
        gshape = [1, 1, 1] if dim == -1 else [v.shape[i] if i == dim % 3 else 1 for i in range(3)]
        g = rng.uniform(0.5, 1.5, gshape if dim != -1 else ())
        gradcheck(lambda v_, g_, dim=dim: _weight_norm(v_, g_, dim), [v, g])
    gradcheck(lambda a, b: ember.nn.utils.parameters_to_vector([a, b]),
              [rng.standard_normal((2, 3)), rng.standard_normal(4)])

    def sn(w):
        mod = ember.nn.Module()
        mod.weight = ember.nn.Parameter(ember.ones(3, 4, dtype=ember.float64))
        ember.nn.utils.parametrizations.spectral_norm(mod)
        mod.eval()                    # no power iteration: a fixed function of w
        return mod.parametrizations.weight[0](w)
    gradcheck(sn, [rng.standard_normal((3, 4))])


def test_parametrized_real_linear_if_available():
    te, tt = ember.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    ember.nn.utils.parametrizations.weight_norm(te)
    torch.nn.utils.parametrizations.weight_norm(tt)
    assert repr(te) == repr(tt)
    assert list(te.state_dict()) == list(tt.state_dict())


@pytest.mark.parametrize('conv_like', [False, True])
@pytest.mark.parametrize('dim', [0, 1])
def test_old_spectral_norm(conv_like, dim):
    me, mt = lin_pair(conv_like=conv_like)
    ember.nn.utils.spectral_norm(me, dim=dim)
    torch.nn.utils.spectral_norm(mt, dim=dim)
    assert list(me.state_dict()) == list(mt.state_dict()) == ['bias', 'weight_orig', 'weight_u', 'weight_v']
    assert me.state_dict()._metadata[''] == mt.state_dict()._metadata['']
    assert [n for n, _ in me.named_parameters()] == [n for n, _ in mt.named_parameters()]
    me.weight_u.copy_(ember.tensor(to_numpy(mt.weight_u)))
    me.weight_v.copy_(ember.tensor(to_numpy(mt.weight_v)))
    u_obj = me.weight_u
    for _ in range(2):
        for p in list(me.parameters()) + list(mt.parameters()):
            p.grad = None
        fwd_bwd(me, mt, (4, 6 if conv_like else 3))
    assert me.weight_u is u_obj
    assert_close(me.weight_u, mt.weight_u, rtol=1e-4, atol=1e-5)
    me.eval(), mt.eval()
    fwd_bwd(me, mt, (2, 6 if conv_like else 3))
    # a state dict round trip (with the version metadata) keeps the vectors
    other = lin_pair(conv_like=conv_like)[0]
    ember.nn.utils.spectral_norm(other, dim=dim)
    other.load_state_dict(me.state_dict())
    assert_close(other.weight_v, mt.weight_v, rtol=1e-4, atol=1e-5)
    with pytest.raises(RuntimeError):
        ember.nn.utils.spectral_norm(me)
    ember.nn.utils.remove_spectral_norm(me)
    torch.nn.utils.remove_spectral_norm(mt)
    assert list(me.state_dict()) == list(mt.state_dict()) == ['bias', 'weight']
    assert isinstance(me.weight, ember.nn.Parameter)
    assert_close(me.weight, mt.weight, rtol=1e-4, atol=1e-5)
    me.load_state_dict(lin_pair(conv_like=conv_like)[0].state_dict())    # (torch fails here: it leaves its load hook behind)
    with pytest.raises(ValueError):
        ember.nn.utils.remove_spectral_norm(me)


# ----------------------------------------------------------------------------- fusion
def _copy_module_state(em, tm):
    sd = {k: ember.tensor(to_numpy(v).copy()) for k, v in tm.state_dict().items()}
    em.load_state_dict(sd)


@pytest.mark.parametrize('kind', ['linear', 'conv', 'convT', 'conv_nobias'])
def test_fuse_bn_eval(kind):
    needed = {'linear': ('Linear', 'BatchNorm1d'), 'conv': ('Conv2d', 'BatchNorm2d'),
              'convT': ('ConvTranspose2d', 'BatchNorm2d'), 'conv_nobias': ('Conv2d', 'BatchNorm2d')}[kind]
    torch.manual_seed(0)
    mods = {}
    for m in (torch, ember):
        if kind == 'linear':
            a = m.nn.Linear(4, 3)
        elif kind == 'convT':
            a = m.nn.ConvTranspose2d(2, 3, 3)
        else:
            a = m.nn.Conv2d(2, 3, (3, 2), bias=kind != 'conv_nobias')
        bn = getattr(m.nn, needed[1])(3)
        mods[m] = (a, bn)
    ta, tb = mods[torch]
    with torch.no_grad():
        tb.running_mean.uniform_(-1, 1), tb.running_var.uniform_(0.5, 2), tb.weight.uniform_(0.5, 2)
        tb.bias.uniform_(-1, 1)
    ea, eb = mods[ember]
    _copy_module_state(ea, ta), _copy_module_state(eb, tb)
    for mod in (ta, tb, ea, eb):
        mod.eval()
    if kind == 'linear':
        fe, ft = ember.nn.utils.fuse_linear_bn_eval(ea, eb), torch.nn.utils.fuse_linear_bn_eval(ta, tb)
        x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    else:
        tr = kind == 'convT'
        fe, ft = ember.nn.utils.fuse_conv_bn_eval(ea, eb, tr), torch.nn.utils.fuse_conv_bn_eval(ta, tb, tr)
        x = np.random.default_rng(0).standard_normal((2, 2, 6, 5)).astype(np.float32)
    assert fe is not ea and isinstance(fe.weight, ember.nn.Parameter) and isinstance(fe.bias, ember.nn.Parameter)
    assert_close(fe.weight, ft.weight, rtol=1e-5, atol=1e-6)
    assert_close(fe.bias, ft.bias, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(fe(ember.tensor(x))), to_numpy(ft(torch.tensor(x))),
                               rtol=1e-4, atol=1e-5)
    ea.train()
    with pytest.raises(AssertionError, match='Fusion only for eval!'):
        ember.nn.utils.fuse_conv_bn_eval(ea, eb)


def test_parametrize_error_messages_match_torch():
    def run(m):
        nn, P = m.nn, m.nn.utils.parametrize
        out = []

        def rec(f):
            try:
                f()
                out.append('ok')
            except Exception as e:
                out.append((type(e).__name__, str(e).replace('torch', 'LIB').replace('ember', 'LIB')))

        def mod():
            x = nn.Module()
            x.weight = nn.Parameter(m.ones(2, 3))
            return x

        class Ident(nn.Module):
            def forward(self, x):
                return x

        class ToDouble(Ident):
            def forward(self, x):
                return x.double()

        class First(Ident):
            def forward(self, x):
                return x[0]

        class InvNone(Ident):
            def right_inverse(self, x):
                return None

        class InvShape(Ident):
            def right_inverse(self, x):
                return x[0]

        class Split(nn.Module):
            def forward(self, a, b):
                return a + b

            def right_inverse(self, x):
                return x / 2, x / 2
        for bad in (ToDouble, First):
            rec(lambda: P.register_parametrization(mod(), 'weight', bad()))
        base = P.register_parametrization(mod(), 'weight', Ident())
        for bad in (ToDouble, First, InvNone, InvShape):
            rec(lambda: P.register_parametrization(base, 'weight', bad()))
        split = P.register_parametrization(mod(), 'weight', Split())
        rec(lambda: P.remove_parametrizations(split, 'weight', leave_parametrized=False))
        rec(lambda: P.remove_parametrizations(split, 'bias'))
        rec(lambda: nn.utils.parametrizations.spectral_norm(nn.Linear(2, 2), dim=2))
        return out
    assert run(ember) == run(torch)
