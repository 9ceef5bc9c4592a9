"""Rprop: resilient backpropagation."""
import numpy as np

from .._tensor import Tensor
from ._common import check_group, setstate_defaults, zeros_like
from .optimizer import (Optimizer, _NoGrad, _bump, _call_closure, _check_lr, _check_unsupported,
                        _real, _scalar_tensor, _step_value, _value)

__all__ = ['Rprop']


class Rprop(Optimizer):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False,
                 foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_unsupported(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
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
                etaminus, etaplus = (_value(e) for e in group['etas'])
                step_size_min, step_size_max = (_value(s) for s in group['step_sizes'])
                maximize = group['maximize']
                for p, g in self._params_with_grad(group, 'Rprop'):
                    state = self.state[p]
                    if len(state) == 0:
                        lr = _value(group['lr'])
                        state['step'] = _scalar_tensor(0.0)
                        state['prev'] = zeros_like(p)
                        state['step_size'] = Tensor._make(np.full_like(
                            g, complex(lr, lr) if p._data.dtype.kind == 'c' else lr))
                    _step_value(state)
                    a = _real(p._data)
                    g = _real(g)
                    if maximize:
                        g = -g
                    prev = _real(state['prev']._data)
                    ss = _real(state['step_size']._data)
                    prod = g * prev
                    sign = np.ones_like(prod)
                    sign[prod > 0] = etaplus
                    neg = prod < 0
                    sign[neg] = etaminus
                    ss *= sign
                    np.clip(ss, step_size_min, step_size_max, out=ss)
                    g = g.copy()
                    g[neg] = 0
                    t = np.sign(g)
                    t *= ss
                    a -= t
                    prev[...] = g
                    _bump(p)
                    _bump(state['prev'])
                    _bump(state['step_size'])
        return loss
