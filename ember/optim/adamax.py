"""Adamax: Adam with the infinity norm."""
import numpy as np

from ._common import check_betas, check_eps, check_group, check_wd, setstate_defaults, zeros_like
from .optimizer import (Optimizer, _NoGrad, _bump, _call_closure, _check_lr, _check_unsupported,
                        _lerp_, _real, _scalar_tensor, _step_value, _value)

__all__ = ['Adamax']


class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_wd(weight_decay)
        _check_unsupported(foreach=foreach, differentiable=differentiable, capturable=capturable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        setstate_defaults(self, foreach=None, maximize=False, differentiable=False, capturable=False)

    def step(self, closure=None):
        loss = _call_closure(closure)
        with _NoGrad():
            for group in self.param_groups:
                check_group(group)
                lr = _value(group['lr'])
                beta1, beta2 = (_value(b) for b in group['betas'])
                eps = _value(group['eps'])
                wd = _value(group['weight_decay'])
                maximize = group['maximize']
                for p, g in self._params_with_grad(group, 'Adamax'):
                    state = self.state[p]
                    if len(state) == 0:
                        state['step'] = _scalar_tensor(0.0)
                        state['exp_avg'] = zeros_like(p)
                        state['exp_inf'] = zeros_like(p)
                    step = _step_value(state)
                    a = _real(p._data)
                    g = _real(g)
                    if maximize:
                        g = -g
                    if wd != 0:
                        g = g + a * wd
                    m = _real(state['exp_avg']._data)
                    u = _real(state['exp_inf']._data)
                    _lerp_(m, g, 1 - beta1)
                    u *= beta2
                    t = np.abs(g)
                    t += eps
                    np.maximum(u, t, out=u)
                    clr = lr / (1 - beta1 ** step)
                    np.divide(m, u, out=t)
                    t *= -clr
                    a += t
                    _bump(p)
                    _bump(state['exp_avg'])
                    _bump(state['exp_inf'])
        return loss
