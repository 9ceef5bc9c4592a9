"""RAdam: rectified Adam (optionally decoupled weight decay)."""
import numpy as np

from ._common import check_betas, check_eps, check_group, check_wd, setstate_defaults, zeros_like
from .._tensor import Tensor
from .optimizer import (Optimizer, _NoGrad, _addcmul_, _bump, _call_closure, _check_lr,
                        _check_unsupported, _lerp_, _real, _scalar_tensor, _step_value, _value)

__all__ = ['RAdam']


class RAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_wd(weight_decay)
        _check_unsupported(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        setstate_defaults(self, foreach=None, maximize=False, differentiable=False,
                          decoupled_weight_decay=False, capturable=False)
        for group in self.param_groups:
            for p in group['params']:
                st = self.state.get(p, [])
                if len(st) != 0 and not isinstance(st['step'], Tensor):
                    st['step'] = _scalar_tensor(float(st['step']))

    def step(self, closure=None):
        loss = _call_closure(closure)
        with _NoGrad():
            for group in self.param_groups:
                check_group(group)
                lr = _value(group['lr'])
                beta1, beta2 = (_value(b) for b in group['betas'])
                eps = _value(group['eps'])
                wd = _value(group['weight_decay'])
                decoupled = group['decoupled_weight_decay']
                maximize = group['maximize']
                for p, g in self._params_with_grad(group, 'RAdam'):
                    state = self.state[p]
                    if len(state) == 0:
                        state['step'] = _scalar_tensor(0.0)
                        state['exp_avg'] = zeros_like(p)
                        state['exp_avg_sq'] = zeros_like(p)
                    step = _step_value(state)
                    a = _real(p._data)
                    g = _real(g)
                    if maximize:
                        g = -g
                    if wd != 0:
                        if decoupled:
                            a *= 1 - lr * wd
                        else:
                            g = g + a * wd
                    m = _real(state['exp_avg']._data)
                    v = _real(state['exp_avg_sq']._data)
                    _lerp_(m, g, 1 - beta1)
                    v *= beta2
                    _addcmul_(v, g, g, 1 - beta2)
                    bias_correction1 = 1 - beta1 ** step
                    bias_correction2 = 1 - beta2 ** step
                    upd = m / bias_correction1
                    upd *= lr
                    rho_inf = 2 / (1 - beta2) - 1
                    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                    if rho_t > 5.0:
                        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                                / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                        d = np.sqrt(v)
                        d += eps
                        np.divide(bias_correction2 ** 0.5, d, out=d)
                        upd *= d
                        upd *= rect
                    a -= upd
                    _bump(p)
                    _bump(state['exp_avg'])
                    _bump(state['exp_avg_sq'])
        return loss
