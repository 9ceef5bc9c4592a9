"""Adadelta."""
import numpy as np

from .._tensor import Tensor
from ._common import check_eps, check_group, check_wd, setstate_defaults, zeros_like
from .optimizer import (Optimizer, _NoGrad, _addcmul_, _bump, _call_closure, _check_lr,
                        _check_unsupported, _real, _scalar_tensor, _step_value, _value)

__all__ = ['Adadelta']


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_eps(eps)
        check_wd(weight_decay)
        _check_unsupported(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        setstate_defaults(self, foreach=None, maximize=False, differentiable=False, capturable=False)
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
                rho = _value(group['rho'])
                eps = _value(group['eps'])
                wd = _value(group['weight_decay'])
                maximize = group['maximize']
                for p, g in self._params_with_grad(group, 'Adadelta'):
                    state = self.state[p]
                    if len(state) == 0:
                        state['step'] = _scalar_tensor(0.0)
                        state['square_avg'] = zeros_like(p)
                        state['acc_delta'] = zeros_like(p)
                    _step_value(state)
                    a = _real(p._data)
                    g = _real(g)
                    if maximize:
                        g = -g
                    if wd != 0:
                        g = g + a * wd
                    sq = _real(state['square_avg']._data)
                    acc = _real(state['acc_delta']._data)
                    sq *= rho
                    _addcmul_(sq, g, g, 1 - rho)
                    std = sq + eps
                    np.sqrt(std, out=std)
                    delta = acc + eps
                    np.sqrt(delta, out=delta)
                    delta /= std
                    delta *= g
                    acc *= rho
                    _addcmul_(acc, delta, delta, 1 - rho)
                    delta *= -lr
                    a += delta
                    _bump(p)
                    _bump(state['square_avg'])
                    _bump(state['acc_delta'])
        return loss
