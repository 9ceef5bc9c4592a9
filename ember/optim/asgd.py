"""ASGD: averaged stochastic gradient descent."""
import numpy as np

from .._dtype import get_default_dtype
from .._tensor import Tensor
from ._common import check_group, check_wd, setstate_defaults, zeros_like
from .optimizer import (Optimizer, _NoGrad, _bump, _call_closure, _check_lr, _check_unsupported,
                        _real, _scalar_tensor, _step_value, _value)

__all__ = ['ASGD']


class ASGD(Optimizer):
    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        check_wd(weight_decay)
        _check_unsupported(foreach=foreach, differentiable=differentiable, capturable=capturable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        setstate_defaults(self, foreach=None, maximize=False, differentiable=False, capturable=False)
        for group in self.param_groups:
            for p in group['params']:
                st = self.state.get(p, [])
                if len(st) != 0:
                    for k in ('step', 'eta', 'mu'):
                        if not isinstance(st[k], Tensor):
                            st[k] = _scalar_tensor(float(st[k]))

    def step(self, closure=None):
        loss = _call_closure(closure)
        with _NoGrad():
            for group in self.param_groups:
                check_group(group)
                lr = _value(group['lr'])
                lambd = _value(group['lambd'])
                alpha = _value(group['alpha'])
                t0 = _value(group['t0'])
                wd = _value(group['weight_decay'])
                maximize = group['maximize']
                for p, g in self._params_with_grad(group, 'ASGD'):
                    state = self.state[p]
                    if len(state) == 0:
                        state['step'] = _scalar_tensor(0.0)
                        state['eta'] = _scalar_tensor(lr)
                        state['mu'] = _scalar_tensor(1.0)
                        state['ax'] = zeros_like(p)
                    step = _step_value(state)
                    a = _real(p._data)
                    g = _real(g)
                    if maximize:
                        g = -g
                    if wd != 0:
                        g = g + a * wd
                    eta, mu = state['eta'], state['mu']
                    eta_value = float(eta._data)
                    a *= 1 - lambd * eta_value
                    a -= g * eta_value
                    _bump(p)
                    ax = _real(state['ax']._data)
                    mu_value = float(mu._data)
                    if mu_value != 1:
                        t = a - ax
                        t *= mu._data  # a 0-d tensor: computed in a's dtype
                        ax += t
                    else:
                        ax[...] = a
                    _bump(state['ax'])
                    # torch goes through torch.as_tensor(python float): the default dtype
                    dflt = get_default_dtype().np
                    eta._data[...] = dflt.type(lr / ((1 + lambd * lr * step) ** alpha))
                    mu._data[...] = dflt.type(1 / max(1, step - t0))
                    _bump(eta)
                    _bump(mu)
        return loss
