"""Adagrad (lr_decay, initial_accumulator_value)."""
import numpy as np

from .._tensor import Tensor
from ._common import check_eps, check_group, check_wd, setstate_defaults
from .optimizer import (Optimizer, _NoGrad, _addcmul_, _bump, _call_closure, _check_lr,
                        _check_unsupported, _real, _scalar_tensor, _step_value, _value)

__all__ = ['Adagrad']


def _init_state(p, init):
    if p._data.dtype.kind == 'c':
        init = complex(init, init)
    return {'step': _scalar_tensor(0.0), 'sum': Tensor._make(np.full_like(p._data, init))}


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        check_wd(weight_decay)
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        check_eps(eps)
        _check_unsupported(foreach=foreach, fused=fused, differentiable=differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group['params']:
                self.state[p].update(_init_state(p, initial_accumulator_value))

    def __setstate__(self, state):
        super().__setstate__(state)
        setstate_defaults(self, foreach=None, maximize=False, differentiable=False, fused=None)
        for s in self.state.values():
            if 'step' in s and not isinstance(s['step'], Tensor):
                s['step'] = _scalar_tensor(float(s['step']))

    def share_memory(self):
        pass  # one process: nothing to share

    def step(self, closure=None):
        loss = _call_closure(closure)
        with _NoGrad():
            for group in self.param_groups:
                check_group(group)
                lr = _value(group['lr'])
                lr_decay = _value(group['lr_decay'])
                wd = _value(group['weight_decay'])
                eps = _value(group['eps'])
                maximize = group['maximize']
                for p, g in self._params_with_grad(group, 'Adagrad'):
                    state = self.state[p]
                    if len(state) == 0:
                        state.update(_init_state(p, self.defaults['initial_accumulator_value']))
                    step = _step_value(state)
                    a = _real(p._data)
                    g = _real(g)
                    if maximize:
                        g = -g
                    if wd != 0:
                        g = g + a * wd
                    clr = lr / (1 + (step - 1) * lr_decay)
                    s = _real(state['sum']._data)
                    _addcmul_(s, g, g, 1)
                    _bump(state['sum'])
                    std = np.sqrt(s)
                    std += eps
                    np.divide(g, std, out=std)
                    std *= -clr
                    a += std
                    _bump(p)
        return loss
