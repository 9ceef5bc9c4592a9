"""L-BFGS with an optional strong-Wolfe line search (torch.optim.LBFGS's API, state and numerics).

All parameters form one flat vector x.  Each step() runs up to ``max_iter`` quasi-Newton
iterations: the search direction is -H g, where the inverse Hessian H is represented by the last
``history_size`` curvature pairs (s = x_{k+1} - x_k, y = g_{k+1} - g_k) through the two-loop
recursion (Nocedal & Wright, Numerical Optimization, Algorithm 7.4), started from the scaled
identity (s.y / y.y) I.  The step length is ``lr`` (scaled down on the very first iteration), or
comes from a line search satisfying the strong Wolfe conditions (N&W Algorithms 3.5 and 3.6).

The state lives under the first parameter with torch's keys, so that state_dicts move between the
frameworks.  Scalars that torch keeps as 0-d tensors are numpy scalars here while a step runs (numpy
arithmetic keeps them numpy scalars, just as torch keeps them tensors) and 0-d Tensors in the state.
"""
import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, _NoGrad, _bump, _call_closure, _check_lr, _real

__all__ = ['LBFGS']


def _load(v):
    """A state value as used during the step: arrays and numpy scalars instead of Tensors."""
    if isinstance(v, Tensor):
        a = v._data
        return a[()] if a.ndim == 0 else a
    if isinstance(v, list):
        return [_load(x) for x in v]
    return v


def _store(v):
    """The inverse of _load: numpy arrays and scalars become ember Tensors."""
    if isinstance(v, (np.ndarray, np.generic)):
        return Tensor._make(np.asarray(v))
    if isinstance(v, list):
        return [_store(x) for x in v]
    return v


def _cubic_minimizer(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic matching values f and slopes g at x1 and x2 (N&W eq. 3.59), clipped to
    bounds (default: the interval between the points); the bounds' midpoint if the cubic has none."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 ** 2 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(disc)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


class _Point:
    """A trial step t along the direction, with the loss f, gradient g and slope gtd = g.d there."""
    __slots__ = ('t', 'f', 'g', 'gtd')

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(phi, d, t, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search for a step t along d satisfying the strong Wolfe conditions

        f(t) <= f(0) + c1 t f'(0)        (sufficient decrease)
        |f'(t)| <= c2 |f'(0)|            (curvature)

    phi(t) -> (loss, flat gradient) at x + t d.  Returns (loss, gradient, t, evaluations).
    """
    d_norm = np.abs(d).max()
    start = _Point(0, f, g, gtd)

    def probe(t):
        f_t, g_t = phi(t)
        return _Point(t, f_t, g_t, np.dot(g_t, d))

    def sufficient_decrease_fails(p):
        return p.f > f + c1 * p.t * gtd

    def curvature_holds(p):
        return abs(p.gtd) <= -c2 * gtd

    # --- bracketing: grow t (cubic extrapolation) until [prev, cur] contains acceptable steps
    prev, cur = start, probe(t)
    evals, n = 1, 0
    done = False
    bracket = None
    while n < max_ls:
        if sufficient_decrease_fails(cur) or (n > 1 and cur.f >= prev.f):
            bracket = [prev, cur]
            break
        if curvature_holds(cur):
            bracket, done = [cur], True
            break
        if cur.gtd >= 0:
            bracket = [prev, cur]
            break
        t_next = _cubic_minimizer(prev.t, prev.f, prev.gtd, cur.t, cur.f, cur.gtd,
                                  bounds=(cur.t + 0.01 * (cur.t - prev.t), cur.t * 10))
        prev, cur = cur, probe(t_next)
        evals += 1
        n += 1
    if n == max_ls:
        bracket = [start, cur]

    # --- zoom: shrink the bracket; `low` is the end with the lower loss
    def ends():
        return (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)

    low, high = ends()
    insufficient_progress = False
    while not done and n < max_ls:
        a, b = bracket
        if abs(b.t - a.t) * d_norm < tolerance_change:
            break
        t = _cubic_minimizer(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        # keep t at least 10% of the interval away from its ends; allow one close try in a row
        top, bottom = max(a.t, b.t), min(a.t, b.t)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            if insufficient_progress or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        p = probe(t)
        evals += 1
        n += 1
        if sufficient_decrease_fails(p) or p.f >= bracket[low].f:
            bracket[high] = p
            low, high = ends()
        else:
            if curvature_holds(p):
                done = True
            elif p.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = p

    best = bracket[low]
    return best.f, best.g, best.t, evals


def _drop_oldest(*histories):
    for h in histories:
        h.pop(0)


class LBFGS(Optimizer):
    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]['params']

    # ------------------------------------------------------------------ the flat parameter vector
    def _flat_grad(self):
        parts = []
        for p in self._params:
            a = _real(p._data)
            g = p._grad
            parts.append(np.zeros(a.size, a.dtype) if g is None else _real(g._data).reshape(-1))
        return np.concatenate(parts)

    def _add_to_params(self, t, d):
        """x += t * d."""
        offset = 0
        for p in self._params:
            a = _real(p._data)
            a += (t * d[offset:offset + a.size]).reshape(a.shape)
            offset += a.size
            _bump(p)

    def _save_params(self):
        return [p._data.copy() for p in self._params]

    def _restore_params(self, saved):
        for p, a in zip(self._params, saved):
            p._data[...] = a
            _bump(p)

    def _loss_and_grad_at(self, closure, x, t, d):
        """(loss, flat gradient) at x + t d; the parameters are put back to x afterwards."""
        self._add_to_params(t, d)
        loss = float(_call_closure(closure))
        g = self._flat_grad()
        self._restore_params(x)
        return loss, g

    # ------------------------------------------------------------------ step
    @staticmethod
    def _direction(g, dirs, stps, ro, H_diag, al):
        """-H g by the two-loop recursion over the stored pairs (y in dirs, s in stps, ro = 1 / y.s)."""
        q = -g
        for i in range(len(dirs) - 1, -1, -1):
            al[i] = np.dot(stps[i], q) * ro[i]
            q += -al[i] * dirs[i]
        r = q * H_diag
        for i in range(len(dirs)):
            be = np.dot(dirs[i], r) * ro[i]
            r += (al[i] - be) * stps[i]
        return r

    def step(self, closure):
        with _NoGrad():
            return self._step(closure)

    def _step(self, closure):
        group = self.param_groups[0]
        lr = _load(group['lr'])
        max_iter, max_eval = group['max_iter'], group['max_eval']
        tol_grad, tol_change = group['tolerance_grad'], group['tolerance_change']
        line_search_fn, history_size = group['line_search_fn'], group['history_size']

        state = self.state[self._params[0]]
        state.setdefault('func_evals', 0)
        state.setdefault('n_iter', 0)

        orig_loss = _call_closure(closure)
        loss = float(orig_loss)
        evals = 1
        state['func_evals'] += 1
        g = self._flat_grad()
        if np.abs(g).max() <= tol_grad:
            return orig_loss

        d, t = _load(state.get('d')), _load(state.get('t'))
        dirs, stps, ro = _load(state.get('old_dirs')), _load(state.get('old_stps')), _load(state.get('ro'))
        H_diag = _load(state.get('H_diag'))
        prev_g, prev_loss = _load(state.get('prev_flat_grad')), state.get('prev_loss')
        al = None

        n = 0
        while n < max_iter:
            n += 1
            state['n_iter'] += 1
            if state['n_iter'] == 1:
                d = -g
                dirs, stps, ro = [], [], []
                H_diag = 1
            else:
                y = g - prev_g
                s = d * t
                ys = np.dot(y, s)
                if ys > 1e-10:              # keep only pairs with positive curvature
                    if len(dirs) == history_size:
                        _drop_oldest(dirs, stps, ro)
                    dirs.append(y)
                    stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / np.dot(y, y)
                if al is None:
                    al = _load(state.setdefault('al', [None] * history_size))
                d = self._direction(g, dirs, stps, ro, H_diag, al)

            prev_g = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state['n_iter'] == 1 else lr

            gtd = np.dot(g, d)
            if gtd > -tol_change:           # not a descent direction
                break

            if line_search_fn is not None:
                if line_search_fn != 'strong_wolfe':
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x0 = self._save_params()
                # the line search may use what is left of the max_eval budget (at most 25 evaluations)
                loss, g, t, ls_evals = _strong_wolfe(
                    lambda step: self._loss_and_grad_at(closure, x0, step, d), d, t, loss, g, gtd,
                    max_ls=min(25, max_eval - evals))
                self._add_to_params(t, d)
                converged = np.abs(g).max() <= tol_grad
            else:
                self._add_to_params(t, d)
                ls_evals = 0
                if n != max_iter:           # the last iteration's loss is not needed
                    loss = float(_call_closure(closure))
                    g = self._flat_grad()
                    converged = np.abs(g).max() <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state['func_evals'] += ls_evals

            if (n == max_iter or evals >= max_eval or converged
                    or np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change):
                break

        if al is not None:
            state['al'] = _store(al)
        state['d'] = _store(d)
        state['t'] = _store(t)
        state['old_dirs'] = _store(dirs)
        state['old_stps'] = _store(stps)
        state['ro'] = _store(ro)
        state['H_diag'] = _store(H_diag)
        state['prev_flat_grad'] = _store(prev_g)
        state['prev_loss'] = prev_loss
        return orig_loss
