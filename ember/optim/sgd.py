"""SGD with momentum, dampening, Nesterov, weight decay and maximize."""
import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _NoGrad, _bump, _call_closure, _check_lr, _check_unsupported,
                        _real, _value)

__all__ = ['SGD']


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_unsupported(foreach=foreach, fused=fused, differentiable=differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault('nesterov', False)
            group.setdefault('maximize', False)
            group.setdefault('foreach', None)
            group.setdefault('differentiable', False)
            group.setdefault('fused', False)

    def step(self, closure=None):
        loss = _call_closure(closure)
        with _NoGrad():
            for group in self.param_groups:
                _check_unsupported(foreach=group.get('foreach'), fused=group.get('fused'),
                                   differentiable=group.get('differentiable'))
                lr = _value(group['lr'])
                momentum = _value(group['momentum'])
                dampening = _value(group['dampening'])
                wd = _value(group['weight_decay'])
                nesterov = group['nesterov']
                maximize = group['maximize']
                state = self.state
                for p, g in self._params_with_grad(group, 'SGD'):
                    a = _real(p._data)
                    g = _real(g)
                    if maximize:
                        g = -g
                    if wd != 0:
                        t = np.multiply(a, wd, out=self._scratch(a, 1))
                        t += g
                        g = t
                    if momentum != 0:
                        st = state[p]
                        buf = st.get('momentum_buffer')
                        if buf is None:
                            buf = Tensor._make(g.copy())
                            if p._data.dtype.kind == 'c':
                                buf = Tensor._make(buf._data.view(p._data.dtype))
                            st['momentum_buffer'] = buf
                            b = _real(buf._data)
                        else:
                            b = _real(buf._data)
                            b *= momentum
                            if dampening == 0:
                                b += g
                            else:
                                b += g * (1 - dampening)
                            _bump(buf)
                        if nesterov:
                            t = np.multiply(b, momentum, out=self._scratch(a, 2))
                            t += g
                            g = t
                        else:
                            g = b
                    a -= np.multiply(g, lr, out=self._scratch(a))
                    _bump(p)
        return loss
