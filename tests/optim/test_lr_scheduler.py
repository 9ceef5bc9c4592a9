"""ember.optim.lr_scheduler against torch's: the same learning-rate (and momentum) sequences."""
import copy
import math
import pickle
import types
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.optim  # noqa: F401
from ember.optim import lr_scheduler as E_LS
from torch.optim import lr_scheduler as T_LS

STEPS = 120


def _ls(fw):
    return T_LS if fw is torch else E_LS


def _opt(fw, kind='sgd'):
    ps = [fw.nn.Parameter(fw.ones(2)), fw.nn.Parameter(fw.ones(3))]
    groups = [{'params': ps[:1]}, {'params': ps[1:], 'lr': 0.05}]
    if kind == 'sgd':
        return fw.optim.SGD(groups, lr=0.1, momentum=0.9)
    if kind == 'adam':
        return fw.optim.Adam(groups, lr=0.1)
    if kind == 'sgd1':
        return fw.optim.SGD(ps, lr=0.1, momentum=0.9)
    raise ValueError(kind)


def _record(opt):
    row = []
    for g in opt.param_groups:
        row.append(float(g['lr']))
        if 'momentum' in g:
            row.append(float(g['momentum']))
        if 'betas' in g:
            row.extend(float(b) for b in g['betas'])
    return row


def run_sched(make, kind='sgd', steps=STEPS, metrics=None):
    out = {}
    for fw in (torch, ember):
        opt = _opt(fw, kind)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            sched = make(fw, _ls(fw), opt)
        rows = [_record(opt)]
        last = [list(map(float, sched.get_last_lr()))] if hasattr(sched, 'get_last_lr') else []
        for i in range(steps):
            opt.step()
            if metrics is not None:
                sched.step(metrics[i])
            else:
                sched.step()
            rows.append(_record(opt))
            last.append(list(map(float, sched.get_last_lr())))
        out[fw.__name__] = (np.array(rows), np.array(last), sched)
    np.testing.assert_allclose(out['ember'][0], out['torch'][0], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(out['ember'][1], out['torch'][1], rtol=1e-13, atol=1e-15)
    return out


SCHEDULERS = {
    'LambdaLR': lambda fw, L, o: L.LambdaLR(o, lambda e: 0.95 ** e),
    'LambdaLR-list': lambda fw, L, o: L.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: e // 10 + 1]),
    'MultiplicativeLR': lambda fw, L, o: L.MultiplicativeLR(o, lambda e: 0.97),
    'StepLR': lambda fw, L, o: L.StepLR(o, step_size=7, gamma=0.5),
    'MultiStepLR': lambda fw, L, o: L.MultiStepLR(o, milestones=[5, 20, 20, 60], gamma=0.3),
    'ConstantLR': lambda fw, L, o: L.ConstantLR(o, factor=0.25, total_iters=9),
    'ConstantLR-default': lambda fw, L, o: L.ConstantLR(o),
    'LinearLR': lambda fw, L, o: L.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=30),
    'LinearLR-default': lambda fw, L, o: L.LinearLR(o),
    'ExponentialLR': lambda fw, L, o: L.ExponentialLR(o, gamma=0.96),
    'PolynomialLR': lambda fw, L, o: L.PolynomialLR(o, total_iters=40, power=2.0),
    'PolynomialLR-default': lambda fw, L, o: L.PolynomialLR(o),
    'CosineAnnealingLR': lambda fw, L, o: L.CosineAnnealingLR(o, T_max=25, eta_min=0.001),
    'CosineAnnealingLR-0': lambda fw, L, o: L.CosineAnnealingLR(o, T_max=10),
    'CosineAnnealingWarmRestarts': lambda fw, L, o: L.CosineAnnealingWarmRestarts(o, T_0=10),
    'CosineAnnealingWarmRestarts-mult': lambda fw, L, o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2,
                                                                                        eta_min=0.01),
    'CyclicLR-triangular': lambda fw, L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7),
    'CyclicLR-triangular2': lambda fw, L, o: L.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=5,
                                                        step_size_down=9, mode='triangular2'),
    'CyclicLR-exp_range': lambda fw, L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.2, step_size_up=6,
                                                      mode='exp_range', gamma=0.97),
    'CyclicLR-scale_fn': lambda fw, L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.2, step_size_up=6,
                                                     scale_fn=lambda x: 1 / (1 + x), scale_mode='iterations'),
    'CyclicLR-no-momentum': lambda fw, L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, cycle_momentum=False),
    'OneCycleLR-cos': lambda fw, L, o: L.OneCycleLR(o, max_lr=[0.5, 0.3], total_steps=STEPS + 1),
    'OneCycleLR-linear-3phase': lambda fw, L, o: L.OneCycleLR(o, max_lr=0.5, epochs=11, steps_per_epoch=11,
                                                              anneal_strategy='linear', three_phase=True,
                                                              pct_start=0.2, div_factor=10,
                                                              final_div_factor=100),
    'OneCycleLR-no-momentum': lambda fw, L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=STEPS + 1,
                                                            cycle_momentum=False),
    'SequentialLR': lambda fw, L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=10), L.ExponentialLR(o, gamma=0.9),
            L.StepLR(o, step_size=5)], milestones=[10, 40]),
    'ChainedScheduler': lambda fw, L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.5, total_iters=8), L.ExponentialLR(o, gamma=0.95)]),
    'ChainedScheduler-optimizer': lambda fw, L, o: L.ChainedScheduler(
        [L.LinearLR(o, start_factor=0.2, total_iters=12), L.CosineAnnealingLR(o, T_max=30)], optimizer=o),
}


@pytest.mark.parametrize('name', list(SCHEDULERS))
def test_scheduler_sequence(name):
    run_sched(SCHEDULERS[name])


ADAM_SCHEDULERS = {
    'CyclicLR-adam': lambda fw, L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                 base_momentum=0.8, max_momentum=0.95),
    'OneCycleLR-adam': lambda fw, L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=STEPS + 1),
    'OneCycleLR-adam-linear': lambda fw, L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=STEPS + 1,
                                                            anneal_strategy='linear', base_momentum=0.7),
    'StepLR-adam': lambda fw, L, o: L.StepLR(o, 10),
}


@pytest.mark.parametrize('name', list(ADAM_SCHEDULERS))
def test_scheduler_sequence_adam_betas(name):
    run_sched(ADAM_SCHEDULERS[name], kind='adam')


def _metrics(n=STEPS, seed=0):
    rng = np.random.default_rng(seed)
    # a loss that decreases, then plateaus with noise
    return [float(max(1.0 / (1 + i), 0.05) + 0.01 * rng.random()) if i % 17 else 0.9 for i in range(n)]


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(mode='min', factor=0.5, patience=3),
    dict(mode='max', factor=0.3, patience=2, threshold=0.1, threshold_mode='abs'),
    dict(patience=1, cooldown=3, min_lr=[0.01, 0.003]),
    dict(patience=0, factor=0.1, min_lr=0.002, eps=1e-3),
    dict(patience=2, threshold=0.5, threshold_mode='rel', cooldown=1),
])
def test_reduce_lr_on_plateau(kwargs):
    mets = _metrics()
    run_sched(lambda fw, L, o: L.ReduceLROnPlateau(o, **kwargs), metrics=mets)


def test_reduce_lr_on_plateau_errors_and_state():
    for fw in (torch, ember):
        o = _opt(fw)
        with pytest.raises(ValueError, match="Factor should be < 1.0."):
            _ls(fw).ReduceLROnPlateau(o, factor=1.5)
        with pytest.raises(ValueError, match="mode foo is unknown!"):
            _ls(fw).ReduceLROnPlateau(o, mode='foo')
        with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
            _ls(fw).ReduceLROnPlateau(o, min_lr=[0.1, 0.2, 0.3])
    s = E_LS.ReduceLROnPlateau(_opt(ember), patience=1)
    for m in [1.0, 1.0, 1.0, 1.0]:
        s.step(m)
    sd = s.state_dict()
    assert 'optimizer' not in sd and sd['num_bad_epochs'] == s.num_bad_epochs


def test_scheduler_step_before_optimizer_warning():
    msgs = {}
    for fw in (torch, ember):
        o = _opt(fw)
        s = _ls(fw).StepLR(o, 3)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            s.step()
        msgs[fw.__name__] = [str(x.message) for x in w if issubclass(x.category, UserWarning)]
    assert msgs['ember'] and msgs['ember'] == msgs['torch']
    assert msgs['ember'][0].startswith("Detected call of `lr_scheduler.step()` before `optimizer.step()`.")

    o = _opt(ember)
    s = E_LS.StepLR(o, 3)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        o.step()
        s.step()  # the right order: no warning


def test_scheduler_state_dict_roundtrip():
    for name in ('StepLR', 'CosineAnnealingWarmRestarts-mult', 'OneCycleLR-cos', 'CyclicLR-triangular2',
                 'SequentialLR', 'LambdaLR'):
        make = SCHEDULERS[name]
        o1 = _opt(ember)
        s1 = make(ember, E_LS, o1)
        for _ in range(13):
            o1.step()
            s1.step()
        sd = s1.state_dict()
        assert 'optimizer' not in sd
        o2 = _opt(ember)
        s2 = make(ember, E_LS, o2)
        s2.load_state_dict(sd)
        o2.load_state_dict(o1.state_dict())
        for _ in range(20):
            for o, s in ((o1, s1), (o2, s2)):
                o.step()
                s.step()
            assert s1.get_last_lr() == s2.get_last_lr(), name
        # torch's state_dict has the same keys
        t_o = _opt(torch)
        t_s = make(torch, T_LS, t_o)
        assert set(t_s.state_dict()) == set(s2.state_dict()), name


def test_scheduler_state_dict_matches_torch():
    sds = {}
    for fw in (torch, ember):
        o = _opt(fw)
        s = _ls(fw).StepLR(o, step_size=4, gamma=0.5)
        for _ in range(6):
            o.step()
            s.step()
        sds[fw.__name__] = s.state_dict()
    assert sds['ember'] == sds['torch']


def test_tensor_lr_scheduled():
    out = {}
    for fw in (torch, ember):
        p = fw.nn.Parameter(fw.ones(2))
        o = fw.optim.Adam([p], lr=fw.tensor(0.1))
        s = _ls(fw).ExponentialLR(o, 0.5)
        lrs = []
        for _ in range(5):
            o.step()
            s.step()
            lrs.append(float(o.param_groups[0]['lr']))
            assert isinstance(o.param_groups[0]['lr'], fw.Tensor)
            assert isinstance(s.get_last_lr()[0], fw.Tensor)
        out[fw.__name__] = lrs
    np.testing.assert_allclose(out['ember'], out['torch'], rtol=1e-6)


def test_scheduler_errors():
    for fw in (torch, ember):
        L = _ls(fw)
        with pytest.raises(TypeError, match="is not an Optimizer"):
            L.StepLR(object(), 3)
        o = _opt(fw)
        with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
            L.StepLR(o, 3, last_epoch=5)
        with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
            L.LambdaLR(o, [lambda e: 1.0])
        with pytest.raises(ValueError):
            L.ConstantLR(o, factor=2.0)
        with pytest.raises(ValueError):
            L.LinearLR(o, start_factor=0.0)
        with pytest.raises(ValueError):
            L.OneCycleLR(o, max_lr=0.1)
        with pytest.raises(ValueError):
            L.CosineAnnealingWarmRestarts(o, T_0=0)


def test_last_epoch_resume():
    out = {}
    for fw in (torch, ember):
        o = _opt(fw)
        for g in o.param_groups:
            g['initial_lr'] = g['lr']
        s = _ls(fw).StepLR(o, step_size=3, gamma=0.5, last_epoch=7)
        seq = []
        for _ in range(10):
            o.step()
            s.step()
            seq.append(s.get_last_lr())
        out[fw.__name__] = seq
    assert out['ember'] == out['torch']


def test_scheduler_pickles():
    o = _opt(ember)
    s = E_LS.CosineAnnealingLR(o, T_max=10)
    s2 = pickle.loads(pickle.dumps(s.state_dict()))
    assert s2['T_max'] == 10
    copy.deepcopy(s.state_dict())
    assert math.isclose(s.get_last_lr()[0], 0.1)


# ---------------------------------------------------------------- more behaviour compared with torch
def _both(fn):
    """fn(fw, L) -> a comparable value, for each framework; the values must agree."""
    out = {}
    for fw in (torch, ember):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            out[fw.__name__] = fn(fw, _ls(fw))
    return out['ember'], out['torch']


RESUMABLE = ['LambdaLR', 'MultiplicativeLR', 'StepLR', 'MultiStepLR', 'ConstantLR', 'LinearLR', 'ExponentialLR',
             'PolynomialLR', 'CosineAnnealingLR', 'CosineAnnealingLR-0', 'CosineAnnealingWarmRestarts-mult',
             'CyclicLR-triangular2', 'CyclicLR-exp_range']


@pytest.mark.parametrize('name', RESUMABLE)
@pytest.mark.parametrize('start', [0, 4, 9])
def test_resume_from_last_epoch(name, start):
    def run(fw, L):
        o = _opt(fw)
        for g in o.param_groups:
            g['initial_lr'] = g['lr']
            g['lr'] = g['lr'] * 0.7
            g['max_momentum'], g['base_momentum'] = 0.9, 0.8
        s = SCHEDULERS[name](fw, L, o) if start == 0 else None
        if s is None:
            # the factories use last_epoch=-1; rebuild with last_epoch=start through kwargs
            s = _with_last_epoch(name, fw, L, o, start)
        seq = [_record(o) + list(map(float, s.get_last_lr()))]
        for _ in range(30):
            o.step()
            s.step()
            seq.append(_record(o) + list(map(float, s.get_last_lr())))
        return seq
    e, t = _both(run)
    np.testing.assert_allclose(e, t, rtol=1e-13, atol=1e-15)


def _with_last_epoch(name, fw, L, o, start):
    kw = dict(last_epoch=start)
    return {
        'LambdaLR': lambda: L.LambdaLR(o, lambda e: 0.95 ** e, **kw),
        'MultiplicativeLR': lambda: L.MultiplicativeLR(o, lambda e: 0.97, **kw),
        'StepLR': lambda: L.StepLR(o, step_size=7, gamma=0.5, **kw),
        'MultiStepLR': lambda: L.MultiStepLR(o, milestones=[5, 20, 20, 60], gamma=0.3, **kw),
        'ConstantLR': lambda: L.ConstantLR(o, factor=0.25, total_iters=9, **kw),
        'LinearLR': lambda: L.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=30, **kw),
        'ExponentialLR': lambda: L.ExponentialLR(o, gamma=0.96, **kw),
        'PolynomialLR': lambda: L.PolynomialLR(o, total_iters=40, power=2.0, **kw),
        'CosineAnnealingLR': lambda: L.CosineAnnealingLR(o, T_max=25, eta_min=0.001, **kw),
        'CosineAnnealingLR-0': lambda: L.CosineAnnealingLR(o, T_max=10, **kw),
        'CosineAnnealingWarmRestarts-mult': lambda: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01,
                                                                                  **kw),
        'CyclicLR-triangular2': lambda: L.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=5,
                                                   step_size_down=9, mode='triangular2', **kw),
        'CyclicLR-exp_range': lambda: L.CyclicLR(o, base_lr=0.01, max_lr=0.2, step_size_up=6, mode='exp_range',
                                                 gamma=0.97, **kw),
    }[name]()


@pytest.mark.parametrize('name', ['StepLR', 'MultiStepLR', 'ConstantLR', 'LinearLR', 'ExponentialLR',
                                  'PolynomialLR', 'CosineAnnealingLR', 'LambdaLR', 'MultiplicativeLR',
                                  'CyclicLR-triangular', 'OneCycleLR-cos'])
def test_step_with_explicit_epoch(name):
    """step(epoch) uses the closed form where there is one (and warns, like torch)."""
    def run(fw, L):
        o = _opt(fw)
        s = SCHEDULERS[name](fw, L, o)
        seq = []
        for ep in [1, 2, 5, 3, 17, 40, 41, 8, 100]:
            o.step()
            s.step(ep)
            seq.append(list(map(float, s.get_last_lr())) + _record(o))
        return seq
    e, t = _both(run)
    np.testing.assert_allclose(e, t, rtol=1e-13, atol=1e-15)


def test_cosine_annealing_follows_external_lr_changes():
    def run(fw, L):
        o = _opt(fw)
        s = L.CosineAnnealingLR(o, T_max=12, eta_min=0.002)
        seq = []
        for i in range(60):
            o.step()
            if i in (5, 23, 31):
                for g in o.param_groups:
                    g['lr'] = g['lr'] * 1.5
            s.step()
            seq.append(_record(o))
        return seq
    e, t = _both(run)
    np.testing.assert_allclose(e, t, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize('T_mult', [1, 3])
def test_warm_restarts_fractional_epochs(T_mult):
    def run(fw, L):
        o = _opt(fw)
        s = L.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=T_mult, eta_min=0.001)
        seq = []
        for ep in range(30):
            for b in range(5):
                o.step()
                s.step(ep + b / 5)
                seq.append(_record(o) + [s.T_cur, s.T_i, s.last_epoch])
        s.step()
        seq.append(_record(o) + [s.T_cur, s.T_i, s.last_epoch])
        return seq, sorted(s.state_dict())
    (e, ek), (t, tk) = _both(run)
    np.testing.assert_allclose(e, t, rtol=1e-13, atol=1e-15)
    assert ek == tk


@pytest.mark.parametrize('kw', [dict(mode='triangular2', step_size_up=3, step_size_down=5),
                                dict(mode='exp_range', gamma=0.9, step_size_up=4),
                                dict(scale_fn=lambda c: 0.5 ** c, step_size_up=3),
                                dict(base_momentum=[0.5, 0.6], max_momentum=0.99, step_size_up=5)])
def test_cyclic_lr_betas(kw):
    run_sched(lambda fw, L, o: L.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], **kw), kind='adam', steps=50)


@pytest.mark.parametrize('kw', [dict(three_phase=True), dict(anneal_strategy='linear', three_phase=True),
                                dict(div_factor=5.0, final_div_factor=50.0, pct_start=0.45),
                                dict(base_momentum=[0.6, 0.7], max_momentum=0.97)])
def test_one_cycle_variants(kw):
    run_sched(lambda fw, L, o: L.OneCycleLR(o, max_lr=0.4, total_steps=STEPS, **kw), steps=STEPS - 1)
    run_sched(lambda fw, L, o: L.OneCycleLR(o, max_lr=0.4, epochs=6, steps_per_epoch=10, **kw), kind='adam',
              steps=59)


def test_one_cycle_too_many_steps():
    for fw in (torch, ember):
        o = _opt(fw)
        s = _ls(fw).OneCycleLR(o, max_lr=0.1, total_steps=3)
        for _ in range(3):
            o.step()
            s.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
            s.step()


def test_plateau_other_optimizers_and_tensor_metric():
    mets = _metrics()
    run_sched(lambda fw, L, o: L.ReduceLROnPlateau(o, patience=2, factor=0.5), kind='adam', metrics=mets)
    def run(fw, L):
        o = _opt(fw)
        s = L.ReduceLROnPlateau(o, mode='max', patience=0, threshold=0.0, cooldown=1)
        for m in [1.0, 0.5, 0.5, 2.0, 1.0, 1.0, 1.0]:
            o.step()
            s.step(fw.tensor(m))
        sd = s.state_dict()
        return _record(o), {k: v for k, v in sd.items() if k != '_last_lr'}
    e, t = _both(run)
    assert e == t


def test_plateau_param_group_added():
    for fw in (torch, ember):
        o = _opt(fw)
        s = _ls(fw).ReduceLROnPlateau(o, patience=0, min_lr=[0.1, 0.1])
        o.add_param_group({'params': [fw.nn.Parameter(fw.ones(1))]})
        with pytest.raises(RuntimeError, match="The number of param groups in the `optimizer` \\(3\\) differs"):
            for _ in range(3):
                s.step(1.0)
    e, t = _both(lambda fw, L: _plateau_grown(fw, L))
    assert e == t


def _plateau_grown(fw, L):
    o = _opt(fw)
    s = L.ReduceLROnPlateau(o, patience=0, min_lr=0.01)
    o.add_param_group({'params': [fw.nn.Parameter(fw.ones(1))], 'lr': 0.2})
    for _ in range(6):
        s.step(1.0)
    return [float(g['lr']) for g in o.param_groups]


def test_error_messages_match_torch():
    cases = [
        lambda L, o: L.ConstantLR(o, factor=-1),
        lambda L, o: L.LinearLR(o, end_factor=2.0),
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2.0),
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5),
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, eta_min='a'),
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2).step(-1),
        lambda L, o: L.OneCycleLR(o, 0.1, total_steps=2.5),
        lambda L, o: L.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3),
        lambda L, o: L.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-3),
        lambda L, o: L.OneCycleLR(o, 0.1, epochs=2),
        lambda L, o: L.OneCycleLR(o, 0.1, 10, pct_start=1.5),
        lambda L, o: L.OneCycleLR(o, 0.1, 10, anneal_strategy='x'),
        lambda L, o: L.OneCycleLR(o, [0.1], 10),
        lambda L, o: L.CyclicLR(o, [0.1], 0.2),
        lambda L, o: L.CyclicLR(o, 0.01, 0.1, mode='foo'),
        lambda L, o: L.ReduceLROnPlateau(o, threshold_mode='x'),
        lambda L, o: L.SequentialLR(o, [], []),
        lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], [3]),
        lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.ReduceLROnPlateau(o)], [3]),
        lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), object()], [3]),
        lambda L, o: L.ChainedScheduler([]),
        lambda L, o: L.ChainedScheduler([L.StepLR(o, 2), L.ReduceLROnPlateau(o)]),
        lambda L, o: L.ChainedScheduler([L.StepLR(o, 2), object()]),
        lambda L, o: L.MultiplicativeLR(o, [lambda e: 1]),
    ]
    for case in cases:
        def run(fw, L):
            try:
                case(L, _opt(fw))
            except Exception as exc:  # noqa: BLE001
                return type(exc).__name__, str(exc)
            return None
        e, t = _both(run)
        assert t is not None and e == t
    for fw in (torch, ember):
        o = fw.optim.Adagrad([fw.nn.Parameter(fw.ones(2))], lr=0.1)
        for make in (lambda L: L.CyclicLR(o, 0.1, 0.2), lambda L: L.OneCycleLR(o, 0.1, 10)):
            with pytest.raises(ValueError, match="optimizer must support momentum or beta1 with `cycle_momentum`"):
                make(_ls(fw))


def test_warnings_match_torch():
    def run(fw, L):
        msgs = []
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            o = _opt(fw)
            s = L.ExponentialLR(o, 0.9)
            s.get_lr()                      # outside step
            o.step()
            s.step(3)                       # explicit epoch
            L.ReduceLROnPlateau(o).step(1.0, epoch=2)
            o2 = _opt(fw)
            s2 = L.StepLR(o2, 3)
            o2.step = lambda *a, **k: None  # overridden after the scheduler was made
            s2.step()
            o3 = _opt(fw)
            L.CosineAnnealingWarmRestarts(o3, 3).step()   # never warns about the call order
            o4 = _opt(fw)
            o4.step = types.MethodType(lambda self, *a, **k: None, o4)  # replaced before: watched, no warning
            s4 = L.StepLR(o4, 3)
            o4.step()
            s4.step()
        msgs = [(x.category.__name__, str(x.message)) for x in w]
        return msgs
    e, t = _both(run)
    assert e == t and len(e) == 4


def test_sequential_inside_chained():
    def make(fw, L, o):
        seq = L.SequentialLR(o, [L.LinearLR(o, start_factor=0.2, total_iters=5), L.ExponentialLR(o, gamma=0.9),
                                 L.CosineAnnealingLR(o, T_max=15)], milestones=[6, 20])
        return L.ChainedScheduler([seq, L.MultiStepLR(o, [10, 30], gamma=0.5)])
    run_sched(make, steps=60)
    run_sched(make, kind='adam', steps=60)


def test_lambda_state_dict_callable_object():
    class Decay:
        def __init__(self, k):
            self.k = k

        def __call__(self, e):
            return self.k ** e
    for fw in (torch, ember):
        o = _opt(fw)
        s = _ls(fw).LambdaLR(o, [Decay(0.9), lambda e: 1.0])
        sd = s.state_dict()
        assert sd['lr_lambdas'] == [{'k': 0.9}, None]
        sd['lr_lambdas'] = [{'k': 0.5}, None]
        s.load_state_dict(sd)
        assert s.lr_lambdas[0].k == 0.5


@pytest.mark.parametrize('name', ['ConstantLR', 'LinearLR', 'StepLR', 'CosineAnnealingLR', 'MultiplicativeLR',
                                  'CyclicLR-triangular', 'OneCycleLR-no-momentum',
                                  'CosineAnnealingWarmRestarts'])
def test_tensor_lr_other_schedulers(name):
    out = {}
    for fw in (torch, ember):
        ps = [fw.nn.Parameter(fw.ones(2))]
        o = fw.optim.SGD(ps, lr=fw.tensor(0.1, dtype=fw.float64), momentum=0.9)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            s = SCHEDULERS[name](fw, _ls(fw), o)
        seq = []
        for _ in range(30):
            o.step()
            s.step()
            assert isinstance(o.param_groups[0]['lr'], fw.Tensor)
            seq.append(float(o.param_groups[0]['lr']))
        out[fw.__name__] = seq
    np.testing.assert_allclose(out['ember'], out['torch'], rtol=1e-12)


def test_user_subclass_of_lr_scheduler():
    """A scheduler written against torch's base class (get_lr only) runs on ember's."""
    out = {}
    for fw in (torch, ember):
        L = _ls(fw)

        class HalfEvery3(L.LRScheduler):
            def get_lr(self):
                return [b * 0.5 ** (self.last_epoch // 3) for b in self.base_lrs]
        o = _opt(fw)
        s = HalfEvery3(o)
        seq = [s.get_last_lr()]
        for _ in range(10):
            o.step()
            s.step()
            seq.append(s.get_last_lr())
        out[fw.__name__] = (seq, sorted(s.state_dict()))
    assert out['ember'] == out['torch']
