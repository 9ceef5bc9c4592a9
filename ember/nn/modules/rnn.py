"""nn.RNN, LSTM, GRU and the cells (torch.nn.modules.rnn), with torch's parameter layout.

A layer/direction runs as: one matmul for the input projection of every time step
(``F.linear(x, W_ih, b_ih)`` on the whole (packed) sequence), then ``_RNNLayer``: a single Op
whose forward loops over the time steps on NumPy arrays (one ``h @ W_hh^T`` per step) and whose
backward is the closed-form backward through time (also a NumPy loop, plus one matmul for
``W_hh``'s gradient). With ``create_graph=True`` the backward recomputes the layer with ember ops
and differentiates that, so higher-order gradients work too.

The sequence is always handled in packed layout: rows ``offs[t]:offs[t]+bs[t]`` of the 2-D data
are time step ``t`` (a padded (T, B, *) input is the packed layout with ``bs = [B] * T``).
"""
import math
import numbers
import warnings

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import Op
from ...autograd import grad_mode as _gm
from ...ops.creation import empty, zeros
from ...ops.shape import cat, stack
from ..parameter import Parameter
from .. import init
from .._functional.linear import linear as _linear
from .._functional.dropout import dropout as _dropout
from .module import Module

__all__ = ['RNNBase', 'RNN', 'LSTM', 'GRU', 'RNNCellBase', 'RNNCell', 'LSTMCell', 'GRUCell']

_make = Tensor._make
_GATES = {'RNN_TANH': 1, 'RNN_RELU': 1, 'LSTM': 4, 'GRU': 3}


def _sigmoid(x):
    out = np.negative(x)
    np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return out


def _offsets(bs):
    offs = [0] * len(bs)
    s = 0
    for t, b in enumerate(bs):
        offs[t] = s
        s += b
    return offs


class _RNNLayer(Op):
    """One layer, one direction. Inputs: xw (N, G*H) = x W_ih^T + b_ih, h0 (B, Hout), c0 (B, H)
    or None, w_hh (G*H, Hout), b_hh or None, w_hr (Hout, H) or None. Outputs: out (N, Hout),
    h_n (B, Hout) and, for LSTM, c_n (B, H)."""
    _name = 'RNNLayerBackward0'

    @staticmethod
    def forward(ctx, xw, h0, c0, w_hh, b_hh, w_hr, mode, bs, reverse):
        G = _GATES[mode]
        H = w_hh.shape[0] // G
        N = xw.shape[0]
        Hout = h0.shape[1]
        dt = xw.dtype
        offs = _offsets(bs)
        T = len(bs)
        steps = range(T - 1, -1, -1) if reverse else range(T)
        whhT = w_hh.T
        h = h0.copy()
        out = np.empty((N, Hout), dt)
        record = bool(ctx.needs_input_grad)
        hp_all = np.empty((N, Hout), dt) if record else None
        if mode == 'LSTM':
            # tanh(x) = 2 sigmoid(2x) - 1: scale the cell-gate columns by 2 once, so each step is
            # one matmul, one add and one sigmoid over all four gates
            c = c0.copy()
            g2 = slice(2 * H, 3 * H)
            xwb = xw + b_hh if b_hh is not None else xw.copy()
            xwb[:, g2] *= 2
            whhT = whhT.copy()
            whhT[:, g2] *= 2
            act = np.empty((N, 4 * H), dt) if record else np.empty((h0.shape[0], 4 * H), dt)
            cp_all = np.empty((N, H), dt) if record else None
            tc_all = np.empty((N, H), dt) if record else np.empty((h0.shape[0], H), dt)
            c_tmp = np.empty((h0.shape[0], H), dt)
            whrT = w_hr.T if w_hr is not None else None
            for t in steps:
                b, s = bs[t], offs[t]
                hp = h[:b]
                if record:
                    a = act[s:s + b]
                    tc = tc_all[s:s + b]
                    hp_all[s:s + b] = hp
                    cp_all[s:s + b] = c[:b]
                else:
                    a = act[:b]
                    tc = tc_all[:b]
                np.matmul(hp, whhT, out=a)
                a += xwb[s:s + b]
                np.negative(a, out=a)
                np.exp(a, out=a)
                a += 1
                np.reciprocal(a, out=a)
                gg = a[:, g2]
                gg *= 2
                gg -= 1
                cb = c[:b]
                cb *= a[:, H:2 * H]
                np.multiply(a[:, :H], gg, out=c_tmp[:b])
                cb += c_tmp[:b]
                np.tanh(cb, out=tc)
                if whrT is None:
                    np.multiply(tc, a[:, 3 * H:], out=out[s:s + b])
                else:
                    np.matmul(tc * a[:, 3 * H:], whrT, out=out[s:s + b])
                h[:b] = out[s:s + b]
            if record:
                ctx.arrs = (act, cp_all, tc_all, hp_all)
        elif mode == 'GRU':
            # b_hr, b_hz fold into the input projection once; b_hn stays inside r * (W_hn h + b_hn)
            Bm = h0.shape[0]
            xwb = xw.copy()
            bhn = None
            if b_hh is not None:
                xwb[:, :2 * H] += b_hh[:2 * H]
                bhn = b_hh[2 * H:]
            act = np.empty((N, 3 * H), dt) if record else np.empty((Bm, 3 * H), dt)
            ghn_all = np.empty((N, H), dt) if record else np.empty((Bm, H), dt)
            gh_buf = np.empty((Bm, 3 * H), dt)
            for t in steps:
                b, s = bs[t], offs[t]
                hp = h[:b]
                if record:
                    hp_all[s:s + b] = hp
                    a = act[s:s + b]
                    ghn = ghn_all[s:s + b]
                else:
                    a = act[:b]
                    ghn = ghn_all[:b]
                gh = gh_buf[:b]
                np.matmul(hp, whhT, out=gh)
                rz = a[:, :2 * H]
                np.add(gh[:, :2 * H], xwb[s:s + b, :2 * H], out=rz)
                np.negative(rz, out=rz)
                np.exp(rz, out=rz)
                rz += 1
                np.reciprocal(rz, out=rz)
                if bhn is not None:
                    np.add(gh[:, 2 * H:], bhn, out=ghn)
                else:
                    ghn[...] = gh[:, 2 * H:]
                n = a[:, 2 * H:]
                np.multiply(a[:, :H], ghn, out=n)
                n += xwb[s:s + b, 2 * H:]
                np.tanh(n, out=n)
                o = out[s:s + b]
                np.subtract(hp, n, out=o)
                o *= a[:, H:2 * H]
                o += n
                h[:b] = o
            if record:
                ctx.arrs = (act, ghn_all, hp_all)
        else:
            relu = mode == 'RNN_RELU'
            for t in steps:
                b, s = bs[t], offs[t]
                hp = h[:b]
                g = hp @ whhT
                g += xw[s:s + b]
                if b_hh is not None:
                    g += b_hh
                if relu:
                    np.maximum(g, 0, out=g)
                else:
                    np.tanh(g, out=g)
                if record:
                    hp_all[s:s + b] = hp
                out[s:s + b] = g
                h[:b] = g
            if record:
                ctx.arrs = (out, hp_all)
        if record:
            ctx.cfg = (mode, bs, reverse)
            ctx.present = (c0 is not None, b_hh is not None, w_hr is not None)
            ctx.save_for_backward(xw, h0, c0, w_hh, b_hh, w_hr)
        if mode == 'LSTM':
            return out, h, c
        return out, h

    @staticmethod
    def backward(ctx, gout, ghn, gcn=None):
        mode, bs, reverse = ctx.cfg
        has_c, has_b, has_r = ctx.present
        saved = ctx.saved_tensors
        tensors = [t for t, p in zip(saved, (True, True, has_c, True, has_b, has_r)) if p]
        needs = ctx.needs_input_grad
        if _gm.STATE.enabled:  # create_graph: differentiate the layer recomputed with ember ops
            from .._functional.normalization import _composite_grads
            xw, h0, c0, w_hh, b_hh, w_hr = saved

            def fn(*ts):
                it = iter(ts)
                a = [next(it), next(it), next(it) if has_c else None, next(it),
                     next(it) if has_b else None, next(it) if has_r else None]
                return _rnn_layer_composite(mode, *a, bs, reverse)
            gs = (gout, ghn, gcn) if mode == 'LSTM' else (gout, ghn)
            return tuple(_composite_grads(fn, tensors, needs, list(gs)))
        xw, h0, c0, w_hh, b_hh, w_hr = [None if t is None else t._data for t in saved]
        dout = gout._data
        G = _GATES[mode]
        H = w_hh.shape[0] // G
        dt = xw.dtype
        offs = _offsets(bs)
        T = len(bs)
        steps = range(T) if reverse else range(T - 1, -1, -1)
        dxw = np.empty(xw.shape, dt)
        dh = np.array(ghn._data, dtype=dt, copy=True)
        gw_hr = None
        if mode == 'LSTM':
            act, cp_all, tc_all, hp_all = ctx.arrs
            N = xw.shape[0]
            i, f, g, o = act[:, :H], act[:, H:2 * H], act[:, 2 * H:3 * H], act[:, 3 * H:]
            # local derivatives for all steps at once: gate pre-activation grad = factor * (dc or dh)
            P = np.empty((N, 4, H), dt)
            np.multiply(i, 1 - i, out=P[:, 0])
            P[:, 0] *= g
            np.multiply(f, 1 - f, out=P[:, 1])
            P[:, 1] *= cp_all
            np.multiply(g, g, out=P[:, 2])
            np.subtract(1, P[:, 2], out=P[:, 2])
            P[:, 2] *= i
            np.multiply(o, 1 - o, out=P[:, 3])
            P[:, 3] *= tc_all
            k1 = tc_all * tc_all
            np.subtract(1, k1, out=k1)
            k1 *= o
            dc = np.array(gcn._data, dtype=dt, copy=True)
            dcn_buf = np.empty(dc.shape, dt)
            dxw3 = dxw.reshape(N, 4, H)
            if has_r:
                dh_all = np.empty((N, w_hr.shape[0]), dt)
            for t in steps:
                b, s = bs[t], offs[t]
                dht = dh[:b] + dout[s:s + b]
                if has_r:
                    dh_all[s:s + b] = dht
                    dht = dht @ w_hr
                dcn = dcn_buf[:b]
                np.multiply(dht, k1[s:s + b], out=dcn)
                dcn += dc[:b]
                np.multiply(dcn[:, None, :], P[s:s + b, :3], out=dxw3[s:s + b, :3])
                np.multiply(dht, P[s:s + b, 3], out=dxw3[s:s + b, 3])
                np.multiply(dcn, f[s:s + b], out=dc[:b])
                np.matmul(dxw[s:s + b], w_hh, out=dh[:b])
            dgh = dxw
            if has_r and needs[-1]:
                gw_hr = dh_all.T @ (o * tc_all)
        elif mode == 'GRU':
            act, ghn_all, hp_all = ctx.arrs
            N = xw.shape[0]
            r, z, n = act[:, :H], act[:, H:2 * H], act[:, 2 * H:]
            Q = np.empty((N, 3, H), dt)
            np.multiply(r, 1 - r, out=Q[:, 0])
            Q[:, 0] *= ghn_all
            np.multiply(z, 1 - z, out=Q[:, 1])
            Q[:, 1] *= hp_all - n
            np.multiply(n, n, out=Q[:, 2])
            np.subtract(1, Q[:, 2], out=Q[:, 2])
            Q[:, 2] *= 1 - z
            dgh = np.empty(xw.shape, dt)
            dxw3 = dxw.reshape(N, 3, H)
            dgh3 = dgh.reshape(N, 3, H)
            for t in steps:
                b, s = bs[t], offs[t]
                dht = dh[:b] + dout[s:s + b]
                d3 = dxw3[s:s + b]
                np.multiply(dht[:, None, :], Q[s:s + b, 1:], out=d3[:, 1:])
                np.multiply(d3[:, 2], Q[s:s + b, 0], out=d3[:, 0])
                e3 = dgh3[s:s + b]
                e3[:, :2] = d3[:, :2]
                np.multiply(d3[:, 2], r[s:s + b], out=e3[:, 2])
                np.matmul(dgh[s:s + b], w_hh, out=dh[:b])
                dht *= z[s:s + b]
                dh[:b] += dht
        else:
            out_all, hp_all = ctx.arrs
            relu = mode == 'RNN_RELU'
            for t in steps:
                b, s = bs[t], offs[t]
                dht = dh[:b] + dout[s:s + b]
                y = out_all[s:s + b]
                if relu:
                    dht *= y > 0
                else:
                    dht *= 1 - y * y
                dxw[s:s + b] = dht
                dh[:b] = dht @ w_hh
            dgh = dxw
        res = [_make(dxw) if needs[0] else None, _make(dh) if needs[1] else None]
        k = 2
        if has_c:
            res.append(_make(dc) if needs[k] else None)
            k += 1
        res.append(_make(dgh.T @ hp_all) if needs[k] else None)
        k += 1
        if has_b:
            res.append(_make(dgh.sum(0)) if needs[k] else None)
            k += 1
        if has_r:
            res.append(_make(gw_hr) if needs[k] else None)
        return tuple(res)


def _rnn_layer_composite(mode, xw, h0, c0, w_hh, b_hh, w_hr, bs, reverse):
    """The same layer written with ember ops (used for create_graph backward)."""
    G = _GATES[mode]
    H = w_hh.shape[0] // G
    offs = _offsets(bs)
    T = len(bs)
    steps = range(T - 1, -1, -1) if reverse else range(T)
    B = h0.shape[0]
    h, c = h0, c0
    outs = [None] * T
    for t in steps:
        b, s = bs[t], offs[t]
        hp = h[:b]
        gi = xw[s:s + b]
        gh = hp.matmul(w_hh.t())
        if b_hh is not None:
            gh = gh + b_hh
        if mode == 'LSTM':
            g = gi + gh
            i, f, gg, o = g[:, :H].sigmoid(), g[:, H:2 * H].sigmoid(), g[:, 2 * H:3 * H].tanh(), \
                g[:, 3 * H:].sigmoid()
            cn = f * c[:b] + i * gg
            hn = o * cn.tanh()
            if w_hr is not None:
                hn = hn.matmul(w_hr.t())
            c = cat([cn, c[b:]], 0) if b < B else cn
        elif mode == 'GRU':
            r = (gi[:, :H] + gh[:, :H]).sigmoid()
            z = (gi[:, H:2 * H] + gh[:, H:2 * H]).sigmoid()
            n = (gi[:, 2 * H:] + r * gh[:, 2 * H:]).tanh()
            hn = (1 - z) * n + z * hp
        else:
            g = gi + gh
            hn = g.relu() if mode == 'RNN_RELU' else g.tanh()
        outs[t] = hn
        h = cat([hn, h[b:]], 0) if b < B else hn
    out = cat(outs, 0)
    return (out, h, c) if mode == 'LSTM' else (out, h)


def _apply_permutation(t, perm, dim=1):
    return t.index_select(dim, perm)


class RNNBase(Module):
    """Base of RNN, LSTM and GRU: torch's parameters (weight_ih_l{k}[_reverse], ...)."""
    __constants__ = ['mode', 'input_size', 'hidden_size', 'num_layers', 'bias', 'batch_first',
                     'dropout', 'bidirectional', 'proj_size']

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        fk = {'device': device, 'dtype': dtype}
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability "
                             "of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero "
                          "dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                real_hidden = proj_size if proj_size > 0 else hidden_size
                layer_input_size = input_size if layer == 0 else real_hidden * num_directions
                w_ih = Parameter(empty((gate_size, layer_input_size), **fk))
                w_hh = Parameter(empty((gate_size, real_hidden), **fk))
                b_ih = Parameter(empty(gate_size, **fk))
                b_hh = Parameter(empty(gate_size, **fk))
                if proj_size == 0:
                    layer_params = (w_ih, w_hh, b_ih, b_hh) if bias else (w_ih, w_hh)
                else:
                    w_hr = Parameter(empty((proj_size, hidden_size), **fk))
                    layer_params = (w_ih, w_hh, b_ih, b_hh, w_hr) if bias else (w_ih, w_hh, w_hr)
                suffix = '_reverse' if direction == 1 else ''
                names = ['weight_ih_l{}{}', 'weight_hh_l{}{}']
                if bias:
                    names += ['bias_ih_l{}{}', 'bias_hh_l{}{}']
                if proj_size > 0:
                    names += ['weight_hr_l{}{}']
                names = [x.format(layer, suffix) for x in names]
                for name, param in zip(names, layer_params):
                    setattr(self, name, param)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, wn, None) for wn in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, w) for w in ws] for ws in self._all_weights]

    def flatten_parameters(self):
        """No-op (cuDNN weight flattening does not apply)."""
        return None

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _weights_for(self, idx):
        names = self._all_weights[idx]
        ws = [getattr(self, n) for n in names]
        w_ih, w_hh = ws[0], ws[1]
        if self.bias:
            b_ih, b_hh = ws[2], ws[3]
        else:
            b_ih = b_hh = None
        w_hr = ws[-1] if self.proj_size > 0 else None
        return w_ih, w_hh, b_ih, b_hh, w_hr

    def check_input(self, input, batch_sizes):
        wdt = self._flat_weights[0].dtype
        if input.dtype != wdt:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({wdt}). "
                             f"Convert input: input.to({wdt}), or convert model: model.to({input.dtype})")
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f"input must have {expected_input_dim} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError("input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        nd = 2 if self.bidirectional else 1
        return (self.num_layers * nd, mini_batch, self.proj_size if self.proj_size > 0 else self.hidden_size)

    def check_hidden_size(self, hx, expected_hidden_size, msg="Expected hidden size {}, got {}"):
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx, permutation)

    def extra_repr(self):
        s = '{input_size}, {hidden_size}'
        if self.proj_size != 0:
            s += ', proj_size={proj_size}'
        if self.num_layers != 1:
            s += ', num_layers={num_layers}'
        if self.bias is not True:
            s += ', bias={bias}'
        if self.batch_first is not False:
            s += ', batch_first={batch_first}'
        if self.dropout != 0:
            s += ', dropout={dropout}'
        if self.bidirectional is not False:
            s += ', bidirectional={bidirectional}'
        return s.format(**self.__dict__)

    # ------------------------------------------------------------------ the computation
    def _run(self, data, bs, h0, c0):
        """data: (N, input_size) packed rows; h0/c0: (L*D, B, *). Returns out (N, D*Hout), h_n, c_n."""
        nd = 2 if self.bidirectional else 1
        mode = self.mode
        bs = tuple(int(b) for b in bs)
        x = data
        hns, cns = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(nd):
                idx = layer * nd + d
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights_for(idx)
                xw = _linear(x, w_ih, b_ih)
                r = _RNNLayer.apply(xw, h0[idx], c0[idx] if c0 is not None else None, w_hh, b_hh, w_hr,
                                    mode, bs, d == 1)
                outs.append(r[0])
                hns.append(r[1])
                if mode == 'LSTM':
                    cns.append(r[2])
            x = outs[0] if nd == 1 else cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True)
        return x, stack(hns, 0), (stack(cns, 0) if mode == 'LSTM' else None)

    def _forward_impl(self, input, hx):
        from ..utils.rnn import PackedSequence
        is_lstm = self.mode == 'LSTM'
        name = {'LSTM': 'LSTM', 'GRU': 'GRU'}.get(self.mode, 'RNN')
        nd = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        orig_input = input
        is_batched = True
        if isinstance(orig_input, PackedSequence):
            input, batch_sizes, sorted_indices, unsorted_indices = input
            max_batch_size = int(batch_sizes[0])
        else:
            batch_sizes = None
            if input.dim() not in (2, 3):
                if is_lstm:
                    raise ValueError(f"LSTM: Expected input to be 2D or 3D, got {input.dim()}D instead")
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D tensor instead")
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not is_batched:
                input = input.unsqueeze(batch_dim)
                if hx is not None:
                    if is_lstm:
                        if hx[0].dim() != 2 or hx[1].dim() != 2:
                            raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but "
                                               f"got ({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                        hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
                    else:
                        if hx.dim() != 2:
                            raise RuntimeError("For unbatched 2-D input, hx should also be 2-D but got "
                                               f"{hx.dim()}-D tensor")
                        hx = hx.unsqueeze(1)
            elif hx is not None:
                if is_lstm:
                    if hx[0].dim() != 3 or hx[1].dim() != 3:
                        raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                                           f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                elif hx.dim() != 3:
                    raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D "
                                       "tensor")
            max_batch_size = input.size(0) if self.batch_first else input.size(1)
            sorted_indices = unsorted_indices = None
        if hx is None:
            h0 = zeros(self.num_layers * nd, max_batch_size, real_hidden, dtype=input.dtype)
            c0 = zeros(self.num_layers * nd, max_batch_size, self.hidden_size,
                       dtype=input.dtype) if is_lstm else None
        elif is_lstm:
            h0, c0 = hx
        else:
            h0, c0 = hx, None
        self.check_input(input, batch_sizes)
        exp = self.get_expected_hidden_size(input, batch_sizes)
        if is_lstm:
            self.check_hidden_size(h0, exp, 'Expected hidden[0] size {}, got {}')
            self.check_hidden_size(c0, (exp[0], exp[1], self.hidden_size), 'Expected hidden[1] size {}, got {}')
        else:
            self.check_hidden_size(h0, exp)
        if hx is not None and sorted_indices is not None:
            h0 = _apply_permutation(h0, sorted_indices)
            if c0 is not None:
                c0 = _apply_permutation(c0, sorted_indices)
        if batch_sizes is not None:
            bs = [int(b) for b in batch_sizes.tolist()]
            out, hn, cn = self._run(input, bs, h0, c0)
        else:
            x = input.transpose(0, 1) if self.batch_first else input
            T, B = x.shape[0], x.shape[1]
            out, hn, cn = self._run(x.reshape(T * B, x.shape[2]), [B] * T, h0, c0)
            out = out.reshape(T, B, out.shape[-1])
            if self.batch_first:
                out = out.transpose(0, 1)
        if isinstance(orig_input, PackedSequence):
            output = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
            if unsorted_indices is not None:
                hn = _apply_permutation(hn, unsorted_indices)
                if cn is not None:
                    cn = _apply_permutation(cn, unsorted_indices)
        else:
            output = out
            if not is_batched:
                output = output.squeeze(0 if self.batch_first else 1)
                hn = hn.squeeze(1)
                if cn is not None:
                    cn = cn.squeeze(1)
        return output, ((hn, cn) if is_lstm else hn)

    def forward(self, input, hx=None):
        return self._forward_impl(input, hx)


class RNN(RNNBase):
    """Elman RNN with tanh or ReLU non-linearity."""

    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop('nonlinearity', 'tanh')
        if self.nonlinearity == 'tanh':
            mode = 'RNN_TANH'
        elif self.nonlinearity == 'relu':
            mode = 'RNN_RELU'
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    def __init__(self, *args, **kwargs):
        super().__init__('LSTM', *args, **kwargs)


class GRU(RNNBase):
    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__('GRU', *args, **kwargs)


# ---------------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    __constants__ = ['input_size', 'hidden_size', 'bias']

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        fk = {'device': device, 'dtype': dtype}
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **fk))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **fk))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **fk))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **fk))
        else:
            self.register_parameter('bias_ih', None)
            self.register_parameter('bias_hh', None)
        self.reset_parameters()

    def extra_repr(self):
        s = '{input_size}, {hidden_size}'
        if 'bias' in self.__dict__ and self.bias is not True:
            s += ', bias={bias}'
        if 'nonlinearity' in self.__dict__ and self.nonlinearity != 'tanh':
            s += ', nonlinearity={nonlinearity}'
        return s.format(**self.__dict__)

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _check(self, input, hs):
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected "
                               f"{self.input_size}")
        for i, h in enumerate(hs):
            if input.size(0) != h.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{i} batch size "
                                   f"{h.size(0)}")
            if h.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.size(1)}, expected "
                                   f"{self.hidden_size}")

    def _step(self, mode, input, h, c):
        xw = _linear(input, self.weight_ih, self.bias_ih)
        return _RNNLayer.apply(xw, h, c, self.weight_hh, self.bias_hh, None, mode, (input.shape[0],), False)


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity='tanh', device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = zeros(input.size(0), self.hidden_size, dtype=input.dtype)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        if self.nonlinearity == 'tanh':
            mode = 'RNN_TANH'
        elif self.nonlinearity == 'relu':
            mode = 'RNN_RELU'
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        self._check(input, (hx,))
        ret = self._step(mode, input, hx, None)[0]
        return ret if is_batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got {value.dim()}D "
                                     "instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            z = zeros(input.size(0), self.hidden_size, dtype=input.dtype)
            hx = (z, z)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        self._check(input, hx)
        _, h, c = self._step('LSTM', input, hx[0], hx[1])
        if not is_batched:
            h, c = h.squeeze(0), c.squeeze(0)
        return h, c


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"GRUCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"GRUCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = zeros(input.size(0), self.hidden_size, dtype=input.dtype)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        self._check(input, (hx,))
        ret = self._step('GRU', input, hx, None)[0]
        return ret if is_batched else ret.squeeze(0)
