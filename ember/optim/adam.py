"""Adam (with amsgrad, maximize and the decoupled weight decay that AdamW uses)."""
import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _NoGrad, _addcmul_, _bump, _call_closure,
                        _check_unsupported, _lerp_, _real, _scalar_tensor, _step_value, _to_scalar,
                        _value)

__all__ = ['Adam']


def _zeros_like(p):
    return Tensor._make(np.zeros_like(p._data))


def _check_betas(betas):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
            if lr.numel() != 1:
                raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False "
                                     "and foreach=True")
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(map(_to_scalar, betas))
        _check_unsupported(foreach=foreach, fused=fused, capturable=capturable,
                           differentiable=differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault('amsgrad', False)
            group.setdefault('maximize', False)
            group.setdefault('foreach', None)
            group.setdefault('capturable', False)
            group.setdefault('differentiable', False)
            group.setdefault('decoupled_weight_decay', False)
            group.setdefault('fused', None)
            for p in group['params']:
                p_state = self.state.get(p, [])
                if len(p_state) != 0 and not isinstance(p_state['step'], Tensor):
                    p_state['step'] = _scalar_tensor(float(p_state['step']))

    def step(self, closure=None):
        loss = _call_closure(closure)
        name = type(self).__name__
        with _NoGrad():
            for group in self.param_groups:
                _check_unsupported(foreach=group.get('foreach'), fused=group.get('fused'),
                                   capturable=group.get('capturable'),
                                   differentiable=group.get('differentiable'))
                lr = _value(group['lr'])
                beta1, beta2 = (_value(b) for b in group['betas'])
                eps = _value(group['eps'])
                wd = _value(group['weight_decay'])
                amsgrad = group['amsgrad']
                maximize = group['maximize']
                decoupled = group['decoupled_weight_decay']
                for p, g in self._params_with_grad(group, name):
                    state = self.state[p]
                    if len(state) == 0:
                        state['step'] = _scalar_tensor(0.0)
                        state['exp_avg'] = _zeros_like(p)
                        state['exp_avg_sq'] = _zeros_like(p)
                        if amsgrad:
                            state['max_exp_avg_sq'] = _zeros_like(p)
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
                    exp_avg, exp_avg_sq = state['exp_avg'], state['exp_avg_sq']
                    m = _real(exp_avg._data)
                    v = _real(exp_avg_sq._data)
                    _lerp_(m, g, 1 - beta1)
                    v *= beta2
                    _addcmul_(v, g, g, 1 - beta2)
                    bias_correction1 = 1 - beta1 ** step
                    bias_correction2 = 1 - beta2 ** step
                    step_size = lr / bias_correction1
                    bias_correction2_sqrt = bias_correction2 ** 0.5
                    if amsgrad:
                        mx = state['max_exp_avg_sq']
                        vm = _real(mx._data)
                        np.maximum(vm, v, out=vm)
                        _bump(mx)
                        denom = np.sqrt(vm, out=self._scratch(a))
                    else:
                        denom = np.sqrt(v, out=self._scratch(a))
                    denom /= bias_correction2_sqrt
                    denom += eps
                    np.divide(m, denom, out=denom)
                    denom *= -step_size
                    a += denom
                    _bump(p)
                    _bump(exp_avg)
                    _bump(exp_avg_sq)
        return loss
