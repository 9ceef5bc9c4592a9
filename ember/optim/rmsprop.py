"""RMSprop (alpha, centered, momentum)."""
import numpy as np

from .._tensor import Tensor
from ._common import check_eps, check_group, check_wd, setstate_defaults, zeros_like
from .optimizer import (Optimizer, _NoGrad, _addcmul_, _bump, _call_closure, _check_lr,
                        _check_unsupported, _lerp_, _real, _scalar_tensor, _step_value, _value)

__all__ = ['RMSprop']


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        check_eps(eps)
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        check_wd(weight_decay)
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        _check_unsupported(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        setstate_defaults(self, momentum=0, centered=False, foreach=None, maximize=False,
                          differentiable=False, capturable=False)
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
                alpha = _value(group['alpha'])
                eps = _value(group['eps'])
                wd = _value(group['weight_decay'])
                momentum = _value(group['momentum'])
                centered = group['centered']
                maximize = group['maximize']
                for p, g in self._params_with_grad(group, 'RMSprop'):
                    state = self.state[p]
                    if len(state) == 0:
                        state['step'] = _scalar_tensor(0.0)
                        state['square_avg'] = zeros_like(p)
                        if momentum > 0:
                            state['momentum_buffer'] = zeros_like(p)
                        if centered:
                            state['grad_avg'] = zeros_like(p)
                    _step_value(state)
                    a = _real(p._data)
                    g = _real(g)
                    if maximize:
                        g = -g
                    if wd != 0:
                        g = g + a * wd
                    sq = _real(state['square_avg']._data)
                    sq *= alpha
                    _addcmul_(sq, g, g, 1 - alpha)
                    _bump(state['square_avg'])
                    if centered:
                        ga = _real(state['grad_avg']._data)
                        _lerp_(ga, g, 1 - alpha)
                        _bump(state['grad_avg'])
                        avg = ga * -1
                        avg *= ga
                        avg += sq
                        np.sqrt(avg, out=avg)
                    else:
                        avg = np.sqrt(sq)
                    avg += eps
                    if momentum > 0:
                        buf = state['momentum_buffer']
                        b = _real(buf._data)
                        b *= momentum
                        np.divide(g, avg, out=avg)
                        b += avg
                        _bump(buf)
                        a -= b * lr
                    else:
                        np.divide(g, avg, out=avg)
                        avg *= -lr
                        a += avg
                    _bump(p)
        return loss
