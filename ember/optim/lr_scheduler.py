"""Learning-rate schedulers with torch.optim.lr_scheduler's API.

A scheduler owns an optimizer and a step counter ``last_epoch``.  Every ``step()`` advances the
counter, asks ``get_lr()`` for one value per param group and writes it into ``group['lr']``
(filling it in place when the learning rate is a Tensor).  Most schedulers are written in their
recursive ("chainable") form, multiplying the group's current lr, so that several schedulers can
act on the same optimizer; where one exists, ``_get_closed_form_lr()`` gives the value as a
function of the epoch alone and is used when ``step(epoch)`` is called with an explicit epoch.
The step made by the constructor (``_is_initial``) leaves the lr of the chainable schedulers as it
is when resuming (``last_epoch >= 0``).  The sequences agree with PyTorch's bit for bit.
"""
import math
import types
import warnings
from bisect import bisect_right
from collections import Counter
from functools import partial

from .._tensor import Tensor
from .optimizer import Optimizer

__all__ = ['LambdaLR', 'MultiplicativeLR', 'StepLR', 'MultiStepLR', 'ConstantLR', 'LinearLR',
           'ExponentialLR', 'SequentialLR', 'CosineAnnealingLR', 'ChainedScheduler', 'ReduceLROnPlateau',
           'CyclicLR', 'CosineAnnealingWarmRestarts', 'OneCycleLR', 'PolynomialLR', 'LRScheduler']

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch "
    "is different from None, the closed form is used instead of the new chainable form, where "
    "available. Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose.")

_ADJUST_LR_DOCS = "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"


# ---------------------------------------------------------------------------- helpers
def _snapshot(v):
    """A value read from a param group, detached from later in-place updates of that group."""
    return v.clone() if isinstance(v, Tensor) else v


def _set(group, key, value):
    """group[key] = value, except that a Tensor hyper-parameter is filled in place."""
    old = group[key]
    if isinstance(old, Tensor):
        old.fill_(float(value) if isinstance(value, Tensor) else value)
    else:
        group[key] = value


def _group_values(optimizer, key):
    return [_snapshot(g[key]) for g in optimizer.param_groups]


def _per_group(optimizer, name, value):
    """A scalar broadcast to every param group, or a list/tuple with one entry per group."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {n}.")
        return [_snapshot(v) for v in value]
    return [_snapshot(value) for _ in range(n)]


def _set_momentum(group, value, use_beta1):
    """Cycle the momentum: SGD-like optimizers have 'momentum', Adam-like ones beta1 of 'betas'."""
    if use_beta1:
        group['betas'] = (value, *group['betas'][1:])
    else:
        group['momentum'] = value


def _mark_optimizer_stepped(optimizer, args, kwargs):
    optimizer._opt_called = True


def _watch_optimizer(optimizer):
    """Record that optimizer.step() ran, for the call-order warning: a step pre-hook (once per
    optimizer); a step replaced on the instance runs no hooks, so that one is wrapped."""
    if getattr(optimizer, '_lr_sched_step_hook', None) is None:
        optimizer._lr_sched_step_hook = optimizer.register_step_pre_hook(_mark_optimizer_stepped)
    own = vars(optimizer).get('step')
    if own is not None and not getattr(own, '_marks_lr_sched', False):
        def step(*args, **kwargs):
            optimizer._opt_called = True
            return own(*args, **kwargs)
        step._marks_lr_sched = True
        optimizer.step = step


def _step_replaced(optimizer):
    """optimizer.step was replaced on the instance after the scheduler was made."""
    own = vars(optimizer).get('step')
    return own is not None and not getattr(own, '_marks_lr_sched', False)


def _check_in_step(sched):
    if not sched._get_lr_called_within_step:
        warnings.warn("To get the last learning rate computed by the scheduler, please use "
                      "`get_last_lr()`.", UserWarning, stacklevel=3)


class _InStep:
    """Marks the scheduler as being inside step() while get_lr() runs."""

    def __init__(self, sched):
        self.sched = sched

    def __enter__(self):
        self.sched._get_lr_called_within_step = True

    def __exit__(self, *exc):
        self.sched._get_lr_called_within_step = False


# ---------------------------------------------------------------------------- base class
class LRScheduler:
    """Base class: subclasses implement ``get_lr()`` (and optionally ``_get_closed_form_lr()``)."""

    _get_lr_called_within_step = False
    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault('initial_lr', _snapshot(group['lr']))
        else:
            for i, group in enumerate(optimizer.param_groups):
                if 'initial_lr' not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when "
                                   "resuming an optimizer")
        self.base_lrs = [g['initial_lr'] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        _watch_optimizer(optimizer)
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        self._get_lr_called_within_step = False
        try:
            self.step()
        finally:
            self._is_initial = False

    def state_dict(self):
        """Every attribute except the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != 'optimizer'}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)

    def get_last_lr(self):
        """The learning rates set by the last step(), one per param group."""
        return self._last_lr

    def get_lr(self):
        raise NotImplementedError

    def _warn_call_order(self):
        """On the first real step: warn if optimizer.step() was not called before it."""
        if _step_replaced(self.optimizer):
            warnings.warn("Seems like `optimizer.step()` has been overridden after learning rate scheduler "
                          "initialization. Please, make sure to call `optimizer.step()` before "
                          f"`lr_scheduler.step()`. See more details at {_ADJUST_LR_DOCS}",
                          UserWarning, stacklevel=3)
        elif not getattr(self.optimizer, '_opt_called', False):
            warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch "
                          "1.1.0 and later, you should call them in the opposite order: `optimizer.step()` "
                          "before `lr_scheduler.step()`.  Failure to do this will result in PyTorch "
                          "skipping the first value of the learning rate schedule. See more details at "
                          f"{_ADJUST_LR_DOCS}", UserWarning, stacklevel=3)

    def step(self, epoch=None):
        if self._step_count == 1:
            self._warn_call_order()
        self._step_count += 1
        with _InStep(self):
            if epoch is None:
                self.last_epoch += 1
                lrs = self.get_lr()
            else:
                warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
                self.last_epoch = epoch
                closed_form = getattr(self, '_get_closed_form_lr', None)
                lrs = closed_form() if closed_form is not None else self.get_lr()
        self._apply(lrs)

    def _apply(self, lrs):
        for group, lr in zip(self.optimizer.param_groups, lrs):
            _set(group, 'lr', lr)
        self._last_lr = _group_values(self.optimizer, 'lr')

    def _current_lrs(self):
        return [g['lr'] for g in self.optimizer.param_groups]


class _LRScheduler(LRScheduler):
    """The former name of LRScheduler."""


# ---------------------------------------------------------------------------- lambda schedulers
class _LambdaScheduler(LRScheduler):
    """Shared by LambdaLR and MultiplicativeLR: one function of the epoch per param group.

    Plain functions and lambdas are not saved in the state_dict; callable objects save their __dict__.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ('optimizer', 'lr_lambdas')}
        state['lr_lambdas'] = [None if isinstance(f, types.FunctionType) else f.__dict__.copy()
                               for f in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop('lr_lambdas')
        self.__dict__.update(state)
        for fn, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                fn.__dict__.update(attrs)


class LambdaLR(_LambdaScheduler):
    """lr = initial_lr * lr_lambda(epoch)."""

    def get_lr(self):
        _check_in_step(self)
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]


class MultiplicativeLR(_LambdaScheduler):
    """lr *= lr_lambda(epoch) at every step after the first."""

    def get_lr(self):
        _check_in_step(self)
        if self.last_epoch > 0 and not self._is_initial:
            return [g['lr'] * f(self.last_epoch)
                    for g, f in zip(self.optimizer.param_groups, self.lr_lambdas)]
        return self._current_lrs()


# ---------------------------------------------------------------------------- decays
class StepLR(LRScheduler):
    """lr *= gamma every step_size epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _check_in_step(self)
        e = self.last_epoch
        if e == 0 or e % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr *= gamma at each milestone (a milestone listed k times multiplies by gamma**k)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _check_in_step(self)
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        k = self.milestones[self.last_epoch]
        return [lr * self.gamma ** k for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma ** passed for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """lr = factor * initial_lr for the first total_iters epochs, then initial_lr."""

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if not 0 <= factor <= 1.0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _check_in_step(self)
        e = self.last_epoch
        if e == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if e != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        done = self.last_epoch >= self.total_iters
        return [base * (self.factor + done * (1 - self.factor)) for base in self.base_lrs]


class LinearLR(LRScheduler):
    """The multiplicative factor goes linearly from start_factor to end_factor in total_iters epochs."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        if not 0 < start_factor <= 1.0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or "
                             "equal to 1.")
        if not 0 <= end_factor <= 1.0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _check_in_step(self)
        e, s, f = self.last_epoch, self.start_factor, self.end_factor
        if e == 0:
            return [lr * s for lr in self._current_lrs()]
        if self._is_initial or e > self.total_iters:
            return self._current_lrs()
        # ratio of the factor at epoch e to the factor at epoch e - 1
        ratio = 1.0 + (f - s) / (self.total_iters * s + (e - 1) * (f - s))
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        s, f = self.start_factor, self.end_factor
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (s + (f - s) * frac) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr *= gamma every epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _check_in_step(self)
        if self.last_epoch == 0 or self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """lr = initial_lr * (1 - epoch / total_iters) ** power, constant after total_iters."""

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _check_in_step(self)
        e, n = self.last_epoch, self.total_iters
        if e == 0 or self._is_initial or e > n:
            return self._current_lrs()
        decay = ((1.0 - e / n) / (1.0 - (e - 1) / n)) ** self.power
        return [lr * decay for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        left = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * left ** self.power for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from initial_lr to eta_min over T_max epochs (and back, periodically).

    Recursive form: lr_e - eta_min = (lr_{e-1} - eta_min) * (1 + cos(pi e / T)) / (1 + cos(pi (e-1) / T)),
    which follows external changes of the lr; where the denominator vanishes (the epoch after a
    minimum) the increment of the closed form is added instead.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _check_in_step(self)
        e, T, lo = self.last_epoch, self.T_max, self.eta_min
        if e == 0 or self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and e > 0:     # restarted step count: back to the closed form
            return [lo + (base - lo) * (1 + math.cos(e * math.pi / T)) / 2 for base in self.base_lrs]
        if (e - 1 - T) % (2 * T) == 0:
            return [lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base in zip(self._current_lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
        return [ratio * (lr - lo) + lo for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        c = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every T_i epochs; T_0 at first, then multiplied by T_mult.

    ``step(epoch)`` accepts fractional epochs (e.g. ``epoch + batch / n_batches``).
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _check_in_step(self)
        c = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]

    def _locate(self, epoch):
        """(T_cur, T_i) for an absolute, possibly fractional, epoch."""
        if epoch < self.T_0:
            return epoch, self.T_0
        if self.T_mult == 1:
            return epoch % self.T_0, self.T_0
        m = self.T_mult
        # number of completed cycles: T_0 (1 + m + ... + m**(n-1)) <= epoch
        n = int(math.log(epoch / self.T_0 * (m - 1) + 1, m))
        return epoch - self.T_0 * (m ** n - 1) / (m - 1), self.T_0 * m ** n

    def step(self, epoch=None):
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            self.T_cur, self.T_i = self._locate(epoch)
        self.last_epoch = math.floor(epoch)
        with _InStep(self):
            lrs = self.get_lr()
        self._apply(lrs)


# ---------------------------------------------------------------------------- cyclical schedules
def _triangular_scale(x):
    return 1.0


def _triangular2_scale(x):
    return 1 / (2.0 ** (x - 1))


def _exp_range_scale(gamma, x):
    return gamma ** x


class CyclicLR(LRScheduler):
    """Cyclical learning rate (Smith 2017): lr goes base_lr -> max_lr in step_size_up iterations, back
    in step_size_down, the amplitude scaled by a policy; momentum cycles inversely."""

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode='triangular', gamma=1.0, scale_fn=None, scale_mode='cycle', cycle_momentum=True,
                 base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        base_lrs = _per_group(optimizer, 'base_lr', base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                _set(group, 'lr', lr)
        self.max_lrs = _per_group(optimizer, 'max_lr', max_lr)

        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size

        if mode not in ('triangular', 'triangular2', 'exp_range') and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_ref = None
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if 'momentum' not in optimizer.defaults and 'betas' not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = 'betas' in optimizer.defaults
            self.base_momentums = _per_group(optimizer, 'base_momentum', base_momentum)
            self.max_momentums = _per_group(optimizer, 'max_momentum', max_momentum)
            if last_epoch == -1:
                for hi, lo, group in zip(self.max_momentums, self.base_momentums, optimizer.param_groups):
                    _set_momentum(group, hi, self.use_beta1)
                    group['max_momentum'] = hi
                    group['base_momentum'] = lo

        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self):
        if self._scale_fn_custom is not None:
            return
        if self.mode == 'triangular':
            self._scale_fn_ref, self.scale_mode = _triangular_scale, 'cycle'
        elif self.mode == 'triangular2':
            self._scale_fn_ref, self.scale_mode = _triangular2_scale, 'cycle'
        elif self.mode == 'exp_range':
            self._scale_fn_ref, self.scale_mode = partial(_exp_range_scale, self.gamma), 'iterations'

    def scale_fn(self, x):
        fn = self._scale_fn_custom if self._scale_fn_custom is not None else self._scale_fn_ref
        return fn(x)

    def get_lr(self):
        _check_in_step(self)
        t = self.last_epoch / self.total_size
        cycle = math.floor(1 + t)
        x = 1.0 + t - cycle                      # position within the cycle, in [0, 1)
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == 'cycle' else self.last_epoch)

        lrs = [lo + (hi - lo) * height * scale for lo, hi in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, lo, hi in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(group, hi - (hi - lo) * height * scale, self.use_beta1)
        return lrs

    def state_dict(self):
        state = super().state_dict()
        state.pop('_scale_fn_ref', None)
        fn = state.pop('_scale_fn_custom', None)
        state['_scale_fn_custom'] = (fn.__dict__.copy()
                                     if fn is not None and not isinstance(fn, types.FunctionType) else None)
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        attrs = state.pop('_scale_fn_custom', None)
        super().load_state_dict(state)
        if attrs is not None:
            self._scale_fn_custom.__dict__.update(attrs)
        self._init_scale_fn()


def _anneal_cos(start, end, pct):
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _anneal_linear(start, end, pct):
    return (end - start) * pct + start


def _positive_int(name, value):
    if value <= 0 or not isinstance(value, int):
        raise ValueError(f"Expected positive integer {name}, but got {value}")


class OneCycleLR(LRScheduler):
    """1cycle policy (Smith & Topin 2018): warm up from max_lr/div_factor to max_lr, then anneal to
    initial_lr/final_div_factor (three_phase: back to initial_lr first); momentum moves inversely.

    Each phase interpolates between two per-group values, stored in the param groups under the names
    'initial_lr', 'max_lr', 'min_lr', 'max_momentum', 'base_momentum'.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy='cos', cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer

        if total_steps is not None:
            _positive_int('total_steps', total_steps)
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            _positive_int('epochs', epochs)
            _positive_int('steps_per_epoch', steps_per_epoch)
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")

        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        warm_end = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if three_phase:
            ends = [(warm_end, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
                    (float(2 * pct_start * self.total_steps) - 2, 'max_lr', 'initial_lr', 'base_momentum',
                     'max_momentum'),
                    (last, 'initial_lr', 'min_lr', 'max_momentum', 'max_momentum')]
        else:
            ends = [(warm_end, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
                    (last, 'max_lr', 'min_lr', 'base_momentum', 'max_momentum')]
        self._schedule_phases = [dict(end_step=e, start_lr=a, end_lr=b, start_momentum=c, end_momentum=d)
                                 for e, a, b, c, d in ends]

        if anneal_strategy not in ('cos', 'linear'):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_func_type = anneal_strategy

        max_lrs = _per_group(optimizer, 'max_lr', max_lr)
        if last_epoch == -1:
            for top, group in zip(max_lrs, optimizer.param_groups):
                group['initial_lr'] = top / div_factor
                group['max_lr'] = top
                group['min_lr'] = group['initial_lr'] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if 'momentum' not in optimizer.defaults and 'betas' not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = 'betas' in optimizer.defaults
            highs = _per_group(optimizer, 'max_momentum', max_momentum)
            lows = _per_group(optimizer, 'base_momentum', base_momentum)
            if last_epoch == -1:
                for hi, lo, group in zip(highs, lows, optimizer.param_groups):
                    _set_momentum(group, hi, self.use_beta1)
                    group['max_momentum'] = hi
                    group['base_momentum'] = lo

        super().__init__(optimizer, last_epoch)

    def _anneal_func(self, start, end, pct):
        return (_anneal_cos if self._anneal_func_type == 'cos' else _anneal_linear)(start, end, pct)

    def get_lr(self):
        _check_in_step(self)
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps is "
                             f"{self.total_steps}")
        # the phase containing this step (the last one catches everything after its predecessors)
        phases = self._schedule_phases
        start = 0.0
        for phase in phases[:-1]:
            if step <= phase['end_step']:
                break
            start = phase['end_step']
        else:
            phase = phases[-1]
        pct = (step - start) / (phase['end_step'] - start)

        lrs = []
        for group in self.optimizer.param_groups:
            lrs.append(self._anneal_func(group[phase['start_lr']], group[phase['end_lr']], pct))
            if self.cycle_momentum:
                m = self._anneal_func(group[phase['start_momentum']], group[phase['end_momentum']], pct)
                _set_momentum(group, m, self.use_beta1)
        return lrs


# ---------------------------------------------------------------------------- metric-driven
class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by factor once the metric passed to step() has not improved for more than
    patience epochs; then wait cooldown epochs before counting again."""

    def __init__(self, optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4, threshold_mode='rel',
                 cooldown=0, min_lr=0, eps=1e-8):
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.factor = factor
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _group_values(optimizer, 'lr')
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _init_is_better(self, mode, threshold, threshold_mode):
        if mode not in ('min', 'max'):
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in ('rel', 'abs'):
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode_worse = math.inf if mode == 'min' else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _is_better(self, a, best):
        th = self.threshold
        if self.mode == 'min':
            return a < (best * (1.0 - th) if self.threshold_mode == 'rel' else best - th)
        return a > (best * (th + 1.0) if self.threshold_mode == 'rel' else best + th)

    def step(self, metrics, epoch=None):
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch

        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr(epoch)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _group_values(self.optimizer, 'lr')

    def _reduce_lr(self, epoch):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the `optimizer` ({len(groups)}) differs from when "
                    f"`ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually due to a new param "
                    "group being added to the optimizer. Please modify the `min_lrs` field to match the "
                    "length of the `optimizer` param groups.")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, floor_lr in zip(groups, self.min_lrs):
            old = float(group['lr'])
            new = max(old * self.factor, floor_lr)
            if old - new > self.eps:
                _set(group, 'lr', new)

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._init_is_better(mode=self.mode, threshold=self.threshold, threshold_mode=self.threshold_mode)


# ---------------------------------------------------------------------------- composition
def _check_children(owner, optimizer, schedulers):
    for i, s in enumerate(schedulers):
        if not hasattr(s, 'optimizer'):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute.")
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires "
                             "additional kwargs to be specified when calling `step`, but got one at index "
                             f"{i} in the given schedulers sequence.")
        if optimizer != s.optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the same optimizer, but got "
                             f"scheduler {type(s).__name__} at index {i} has {s.optimizer}, which is "
                             f"different from {type(optimizer).__name__}.")


class _Composite(LRScheduler):
    """state_dict of a scheduler made of schedulers: its own attributes plus each child's state_dict."""

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ('optimizer', '_schedulers')}
        state['_schedulers'] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        children = state.pop('_schedulers')
        self.__dict__.update(state)
        for s, sd in zip(self._schedulers, children):
            s.load_state_dict(sd)


class SequentialLR(_Composite):
    """Run schedulers[i] between milestones[i-1] and milestones[i]; at a milestone the next scheduler
    starts from its epoch 0."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        owner = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{owner} expects at least one scheduler, but got no scheduler.")
        _check_children(owner, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be one more than "
                             "the number of milestone points, but got number of schedulers "
                             f"{len(schedulers)} and the number of milestones to be equal to {len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer

        # the children already made their initial step at construction: undo it, restart the first
        for group in optimizer.param_groups:
            _set(group, 'lr', group['initial_lr'])
        self.recursive_undo()
        schedulers[0]._initial_step()
        self._last_lr = schedulers[0].get_last_lr()

    def recursive_undo(self, sched=None):
        """Move every (nested) child scheduler back by one epoch."""
        target = self if sched is None else sched
        if hasattr(target, '_schedulers'):
            for s in target._schedulers:
                self.recursive_undo(s)
        elif hasattr(target, 'last_epoch'):
            target.last_epoch -= 1

    def step(self):
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        active = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            active.step(0)
        else:
            active.step()
        self._last_lr = active.get_last_lr()


class ChainedScheduler(_Composite):
    """Step every scheduler in turn at each step (their multiplicative effects compose)."""

    def __init__(self, schedulers, optimizer=None):
        owner = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{owner} expects at least one scheduler to be chained, but got no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_children(owner, optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _group_values(schedulers[-1].optimizer, 'lr')

    def step(self):
        for s in self._schedulers:
            s.step()
        self._last_lr = _group_values(self._schedulers[-1].optimizer, 'lr')
