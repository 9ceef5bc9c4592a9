"""NAdam: Adam with Nesterov momentum (optionally decoupled weight decay)."""
import numpy as np

from .._tensor import Tensor
from ._common import check_betas, check_eps, check_group, check_wd, setstate_defaults, zeros_like
from .optimizer import (Optimizer, _NoGrad, _addcmul_, _bump, _call_closure, _check_lr,
                        _check_unsupported, _lerp_, _real, _scalar_tensor, _step_value, _value)

__all__ = ['NAdam']


class NAdam(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_wd(weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        _check_unsupported(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        setstate_defaults(self, maximize=False, foreach=None, capturable=False, differentiable=False,
                          decoupled_weight_decay=False)
        for group in self.param_groups:
            for p in group['params']:
                st = self.state.get(p, [])
                if len(st) != 0:
                    if not isinstance(st['step'], Tensor):
                        st['step'] = _scalar_tensor(float(st['step']))
                    if not isinstance(st['mu_product'], Tensor):
                        st['mu_product'] = _scalar_tensor(st['mu_product'])

    def step(self, closure=None):
        loss = _call_closure(closure)
        with _NoGrad():
            for group in self.param_groups:
                check_group(group)
                lr = _value(group['lr'])
                beta1, beta2 = (_value(b) for b in group['betas'])
                eps = _value(group['eps'])
                wd = _value(group['weight_decay'])
                momentum_decay = _value(group['momentum_decay'])
                decoupled = group['decoupled_weight_decay']
                maximize = group['maximize']
                for p, g in self._params_with_grad(group, 'NAdam'):
                    state = self.state[p]
                    if len(state) == 0:
                        state['step'] = _scalar_tensor(0.0)
                        state['mu_product'] = _scalar_tensor(1.0)
                        state['exp_avg'] = zeros_like(p)
                        state['exp_avg_sq'] = zeros_like(p)
                    step = _step_value(state)
                    a = _real(p._data)
                    g = _real(g)
                    if maximize:
                        g = -g
                    bias_correction2 = 1 - beta2 ** step
                    if wd != 0:
                        if decoupled:
                            a *= 1 - lr * wd
                        else:
                            g = g + a * wd
                    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                    mp = state['mu_product']
                    # torch keeps mu_product as a 0-d tensor of the state's dtype (float32)
                    mp_arr = mp._data
                    np.multiply(mp_arr, np.asarray(mu).astype(mp_arr.dtype), out=mp_arr)
                    _bump(mp)
                    mu_product = float(mp_arr)
                    m = _real(state['exp_avg']._data)
                    v = _real(state['exp_avg_sq']._data)
                    _lerp_(m, g, 1 - beta1)
                    v *= beta2
                    _addcmul_(v, g, g, 1 - beta2)
                    denom = v / bias_correction2
                    np.sqrt(denom, out=denom)
                    denom += eps
                    mu_product_next = mu_product * mu_next
                    t = g / denom
                    t *= -lr * (1.0 - mu) / (1.0 - mu_product)
                    a += t
                    np.divide(m, denom, out=t)
                    t *= (-lr * mu_next) / (1.0 - mu_product_next)
                    a += t
                    _bump(p)
                    _bump(state['exp_avg'])
                    _bump(state['exp_avg_sq'])
        return loss
