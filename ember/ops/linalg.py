"""Linear algebra: matmul and friends, einsum, tensordot, diagonals, triangles, decompositions.

Products run as single BLAS calls (``xp.matmul`` on contiguous-or-transposed views); their
backward is written with ``matmul`` again (so it can be differentiated twice). The
decompositions (inv, det, solve, cholesky, eigh, svd, qr) follow torch's backward formulas
(``FunctionsManual.cpp``), written with ember ops.
"""
import math

from .._backend import xp
from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import unbroadcast, check_broadcast, wrap_dim, promote_pair, broadcast_shapes

_make = Tensor._make

# C++ scalar-type names torch prints in "expected m1 and m2 to have the same dtype" messages
_CNAME = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'bfloat16': 'c10::BFloat16',
          'int64': 'long int', 'int32': 'int', 'int16': 'short int', 'int8': 'signed char',
          'uint8': 'unsigned char', 'bool': 'bool', 'complex64': 'c10::complex<float>',
          'complex128': 'c10::complex<double>'}


def _short(arr):
    return D.NP2DT[arr.dtype]._short


def _same_dtype_mm(a, b):
    if a.dtype is not b.dtype and a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_CNAME.get(a.dtype.name, a.dtype.name)} != {_CNAME.get(b.dtype.name, b.dtype.name)}")
    if a.dtype.kind == 'b':
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")


def _same_dtype_mv(a, b):
    if a.dtype is not b.dtype and a.dtype != b.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_short(b)}, {_short(a)}, "
                           f"and {_short(b)}")
    if a.dtype.kind == 'b':
        raise NotImplementedError("\"addmv_impl_cpu\" not implemented for 'Bool'")


def _check_tensor(x, fname, argname, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _mT(x):
    n = x._data.ndim
    return x.transpose(n - 2, n - 1)


def _unsq(x, dim):
    """unsqueeze via reshape (a view)."""
    s = list(x._data.shape)
    if dim < 0:
        dim += len(s) + 1
    s.insert(dim, 1)
    return x.reshape(tuple(s))


def _const(arr):
    return _make(arr)


# ====================================================================== matmul family
def _mm_raw(x, y):
    """matmul of two tensors already validated (same dtype, >= 1-D)."""
    return MatMul.apply(x, y)


def _matmul_backward(g, a, b, needs):
    na, nb = needs
    if a._data.dtype.kind == 'c':  # d(a@b) = g @ b^H, a^H @ g
        a, b = a.conj(), b.conj()
    ash, bsh = a._data.shape, b._data.shape
    ad, bd = len(ash), len(bsh)
    if ad == 1 and bd == 1:
        return (g * b if na else None), (g * a if nb else None)
    a2 = a if ad > 1 else a.reshape((1, ash[0]))
    b2 = b if bd > 1 else b.reshape((bsh[0], 1))
    gs = g._data.shape
    if ad == 1:
        g2 = g.reshape(gs[:-1] + (1, gs[-1]))
    elif bd == 1:
        g2 = g.reshape(gs + (1,))
    else:
        g2 = g
    a2s, b2s = a2._data.shape, b2._data.shape
    ga = gb = None
    if na:
        if len(b2s) == 2 and len(a2s) > 2:
            ga = _mm_raw(g2, _mT(b2))
        else:
            ga = _mm_raw(g2, _mT(b2))
            if ga._data.shape != a2s:
                ga = unbroadcast(ga, a2s)
        if ad == 1:
            ga = ga.reshape(ash)
    if nb:
        if len(b2s) == 2 and len(a2s) > 2:
            k = a2s[-1]
            n = g2._data.shape[-1]
            gb = _mm_raw(_mT(a2.reshape((-1, k) if a2._data.size else (0, k))),
                         g2.reshape((-1, n) if g2._data.size else (0, n)))
        else:
            gb = _mm_raw(_mT(a2), g2)
            if gb._data.shape != b2s:
                gb = unbroadcast(gb, b2s)
        if bd == 1:
            gb = gb.reshape(bsh)
    return ga, gb


def _blasable(x):
    """True when NumPy's matmul can hand the last two dims to BLAS as they are (C order or a
    transposed view); broadcast (0-stride) and gapped layouts would take its slow loop."""
    s0, s1 = x.strides[-2:]
    n0, n1 = x.shape[-2:]
    it = x.itemsize
    return (s1 == it and s0 >= n1 * it) or (s0 == it and s1 >= n0 * it) or x.size == 0


class MatMul(Op):
    _name = 'MmBackward0'

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if a.ndim > 1 and not _blasable(a):
            a = xp.ascontiguousarray(a)
        if b.ndim > 1 and not _blasable(b):
            b = xp.ascontiguousarray(b)
        if b.ndim == 2 and a.ndim > 2:
            # fold the batch into the rows: one GEMM instead of a loop of small ones
            r = xp.matmul(a.reshape(-1, a.shape[-1]), b).reshape(a.shape[:-1] + (b.shape[1],))
        else:
            r = xp.matmul(a, b)
        if r.dtype is not a.dtype and r.ndim:  # bfloat16: NumPy computes in float32
            r = r.astype(a.dtype)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _matmul_backward(g, a, b, ctx.needs_input_grad)


class _Dot(MatMul):
    _name = 'DotBackward0'


class _Mv(MatMul):
    _name = 'MvBackward0'


class _VecMat(MatMul):
    _name = 'SqueezeBackward4'


class _BatchMatMul(MatMul):
    _name = 'UnsafeViewBackward0'


class _Bmm(MatMul):
    _name = 'BmmBackward0'


def matmul(input, other, *, out=None):
    _check_tensor(input, 'matmul', 'input', 1)
    _check_tensor(other, 'matmul', 'other', 2)
    a, b = input._data, other._data
    ad, bd = a.ndim, b.ndim
    if ad == 0 or bd == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {ad}D and {bd}D")
    if ad == 1 and bd == 1:
        return _out(dot(input, other), out)
    if bd == 1:
        _same_dtype_mv(a, b)
        if a.shape[-1] != b.shape[0]:
            rows = math.prod(a.shape[:-1])
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{a.shape[-1]}), "
                               f"vec ({b.shape[0]})")
        return _out((_Mv if ad == 2 else _BatchMatMul).apply(input, other), out)
    _same_dtype_mm(a, b)
    if a.shape[-1] != b.shape[-2]:
        if bd == 2 or ad == 1:
            rows = math.prod(a.shape[:-1])
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{a.shape[-1]} and "
                               f"{b.shape[-2]}x{b.shape[-1]})")
        batch = math.prod(broadcast_shapes(a.shape[:-2], b.shape[:-2]))
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {a.shape[-1]}] but got: [{batch}, {b.shape[-2]}].")
    if ad == 2 and bd == 2:
        return _out(MatMul.apply(input, other), out)
    if ad > 2 and bd > 2:
        check_broadcast(a.shape[:-2], b.shape[:-2])
    return _out((_VecMat if ad == 1 and bd == 2 else _BatchMatMul).apply(input, other), out)


def mm(input, mat2, *, out=None):
    _check_tensor(input, 'mm', 'input', 1)
    _check_tensor(mat2, 'mm', 'mat2', 2)
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _same_dtype_mm(a, b)
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    return _out(MatMul.apply(input, mat2), out)


def bmm(input, mat2, *, out=None):
    _check_tensor(input, 'bmm', 'input', 1)
    _check_tensor(mat2, 'bmm', 'mat2', 2)
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _same_dtype_mm(a, b)
    return _out(_Bmm.apply(input, mat2), out)


def mv(input, vec, *, out=None):
    _check_tensor(input, 'mv', 'input', 1)
    _check_tensor(vec, 'mv', 'vec', 2)
    a, b = input._data, vec._data
    if a.ndim != 2 or b.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {b.ndim}")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
                           f"vec ({b.shape[0]})")
    _same_dtype_mv(a, b)
    return _out(_Mv.apply(input, vec), out)


def _check_dot(a, b, name='dot'):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype is not b.dtype and a.dtype != b.dtype:
        raise RuntimeError(f"{name} : expected both vectors to have same dtype, but found "
                           f"{_short(a)} and {_short(b)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] "
                           f"to have the same number of elements, but got {a.shape[0]} and {b.shape[0]} "
                           "elements respectively")


def dot(input, tensor, *, out=None):
    _check_tensor(input, 'dot', 'input', 1)
    _check_tensor(tensor, 'dot', 'tensor', 2)
    _check_dot(input._data, tensor._data)
    if input._data.dtype.kind == 'b':
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    return _out(_Dot.apply(input, tensor), out)


def vdot(input, other, *, out=None):
    _check_tensor(input, 'vdot', 'input', 1)
    _check_tensor(other, 'vdot', 'other', 2)
    _check_dot(input._data, other._data)
    if input.is_complex():
        input = input.conj()
    return _out(_Dot.apply(input, other), out)


def inner(input, other, *, out=None):
    _check_tensor(input, 'inner', 'input', 1)
    _check_tensor(other, 'inner', 'other', 2)
    if input._data.ndim == 0 or other._data.ndim == 0:
        from .elementwise import mul
        return _out(mul(input, other), out)
    a, b = input._data, other._data
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(a.shape)} and {list(b.shape)}")
    return _out(tensordot(input, other, dims=([-1], [-1])), out)


def outer(input, vec2, *, out=None):
    _check_tensor(input, 'outer', 'input', 1)
    _check_tensor(vec2, 'outer', 'vec2', 2)
    a, b = input._data, vec2._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {a.ndim}-D" if a.ndim != 1 else
                           f"outer: Expected 1-D argument vec2, but got {b.ndim}-D")
    from .elementwise import mul
    return _out(mul(input.reshape((a.shape[0], 1)), vec2), out)


ger = outer


class Addmm(Op):
    """beta * input + alpha * (mat1 @ mat2) in one node (nn.Linear's op)."""
    _name = 'AddmmBackward0'

    @staticmethod
    def forward(ctx, inp, m1, m2, beta, alpha):
        ctx.save_for_backward(m1, m2)
        ctx.params = (inp.shape, beta, alpha)
        r = xp.matmul(m1, m2)
        if r.dtype != m1.dtype:
            r = r.astype(m1.dtype)
        if alpha != 1:
            r *= alpha
        if beta != 0:
            r += inp if beta == 1 else beta * inp
        return r

    @staticmethod
    def backward(ctx, g):
        m1, m2 = ctx.saved_tensors
        ishape, beta, alpha = ctx.params
        ni, n1, n2 = ctx.needs_input_grad
        gi = g1 = g2 = None
        if ni and beta != 0:
            gi = unbroadcast(g if beta == 1 else g * beta, ishape)
        if n1:
            g1 = _mm_raw(g, _mT(m2))
            if alpha != 1:
                g1 = g1 * alpha
        if n2:
            g2 = _mm_raw(_mT(m1), g)
            if alpha != 1:
                g2 = g2 * alpha
        return gi, g1, g2


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    _check_tensor(mat1, 'addmm', 'mat1', 2)
    _check_tensor(mat2, 'addmm', 'mat2', 3)
    a, b = mat1._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {a.ndim}-D tensor")
    if b.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {b.ndim}-D tensor")
    if not isinstance(input, Tensor):
        input = _make(xp.asarray(input, dtype=a.dtype))
    if input._data.dtype != b.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_short(input._data)} and "
                           f"{_short(b)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_short(a)} and {_short(b)}")
    if a.dtype.kind == 'b':
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    if a.dtype.kind in 'iu':  # torch converts the scalars to the integer type
        beta, alpha = int(beta), int(alpha)
    oshape = (a.shape[0], b.shape[1])
    if input._data.shape != oshape:
        _check_expand(input._data.shape, oshape)
    return _out(Addmm.apply(input, mat1, mat2, beta, alpha), out)


def _check_expand(shape, target):
    n = len(target)
    if len(shape) > n:
        raise RuntimeError(f"The expanded size of the tensor ({target[0] if target else 0}) must match")
    s = (1,) * (n - len(shape)) + tuple(shape)
    for i in range(n - 1, -1, -1):
        if s[i] != target[i] and s[i] != 1:
            raise RuntimeError(f"The expanded size of the tensor ({target[i]}) must match the existing size "
                               f"({s[i]}) at non-singleton dimension {i}.  Target sizes: {list(target)}.  "
                               f"Tensor sizes: {list(shape)}")


def _scaled_add(input, prod, beta, alpha):
    from .elementwise import mul, add
    if alpha != 1:
        prod = mul(prod, alpha)
    if beta == 0:
        r = prod
        if input._data.shape != prod._data.shape:
            _check_expand(input._data.shape, prod._data.shape)
        return r
    if input._data.shape != prod._data.shape:
        _check_expand(input._data.shape, prod._data.shape)
    return add(mul(input, beta) if beta != 1 else input, prod)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    return _out(_scaled_add(input, mv(mat, vec), beta, alpha), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    return _out(_scaled_add(input, bmm(batch1, batch2).sum(0), beta, alpha), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    return _out(_scaled_add(input, bmm(batch1, batch2), beta, alpha), out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    return _out(_scaled_add(input, outer(vec1, vec2), beta, alpha), out)


# ====================================================================== einsum / tensordot
_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'


class Einsum(Op):
    _name = 'EinsumBackward0'  # torch decomposes einsum; its grad_fn is that of the last op

    @staticmethod
    def forward(ctx, eq, subs, out_sub, *arrays):
        ctx.save_for_backward(*arrays)
        ctx.spec = (subs, out_sub)
        # a contraction path (BLAS via tensordot) pays off for 3+ operands or large ones;
        # for small pairs its planning costs more than the plain C loop
        opt = len(arrays) > 2 or (len(arrays) == 2 and arrays[0].size * arrays[1].size > 1 << 16)
        r = xp.einsum(eq, *arrays, optimize=opt)
        return r if r.dtype is arrays[0].dtype or not r.ndim else r.astype(arrays[0].dtype)

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        subs, out_sub = ctx.spec
        needs = ctx.needs_input_grad
        sizes = {}
        for s, o in zip(subs, ops):
            for c, n in zip(s, o._data.shape):
                sizes[c] = n
        grads = []
        for i, s in enumerate(subs):
            if not needs[i]:
                grads.append(None)
                continue
            in_subs = [out_sub]
            in_ops = [g]
            for j, (sj, oj) in enumerate(zip(subs, ops)):
                if j != i:
                    in_subs.append(sj)
                    in_ops.append(oj)
            avail = set(''.join(in_subs))
            used = set(''.join(subs)) | set(out_sub)
            fresh = (c for c in _LETTERS if c not in used)
            target = []
            seen = set()
            dt = ops[i]._data.dtype
            for c in s:
                if c in seen:  # repeated subscript (a diagonal): route through an identity
                    f = next(fresh)
                    in_subs.append(c + f)
                    in_ops.append(_const(xp.eye(sizes[c], dtype=dt)))
                    target.append(f)
                    continue
                seen.add(c)
                if c not in avail:  # summed away only in this operand: its gradient is broadcast
                    in_subs.append(c)
                    in_ops.append(_const(xp.ones(sizes[c], dtype=dt)))
                    avail.add(c)
                target.append(c)
            tgt = ''.join(target)
            grads.append(_einsum_raw(in_subs, tgt, in_ops))
        return tuple(grads)


def _einsum_raw(subs, out_sub, ops):
    eq = ','.join(subs) + '->' + out_sub
    return Einsum.apply(eq, tuple(subs), out_sub, *ops)


def _sublist_equation(args):
    """einsum(op1, [0, 1], op2, [1, 2], [0, 2]) -> ('ab,bc->ac', (eq, op1, op2))."""
    def letters(sub):
        out = []
        for v in sub:
            if v is Ellipsis:
                out.append('...')
            elif isinstance(v, int) and 0 <= v < 52:
                out.append(_LETTERS[v])
            else:
                raise RuntimeError(f"einsum(): expected subscript to be within the range [0, 52) but got {v}")
        return ''.join(out)
    ops, subs = [], []
    i = 0
    while i + 1 < len(args):
        ops.append(args[i])
        subs.append(letters(args[i + 1]))
        i += 2
    eq = ','.join(subs)
    if i < len(args):
        eq += '->' + letters(args[i])
    return eq, (eq, *ops)


def einsum(*args):
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, or at "
                        "least one operand and its subscripts list")
    eq = args[0]
    if not isinstance(eq, str):
        eq, args = _sublist_equation(args)
    ops = args[1:]
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = tuple(ops[0])
    for o in ops:
        if not isinstance(o, Tensor):
            raise TypeError(f"einsum(): argument 'operands' must be tuple of Tensors, not {type(o).__name__}")
    eq = eq.replace(' ', '')
    if '->' in eq:
        lhs, rhs = eq.split('->')
    else:
        lhs, rhs = eq, None
    in_subs = lhs.split(',')
    if len(in_subs) > len(ops):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(in_subs) < len(ops):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for s in in_subs + ([rhs] if rhs is not None else []):
        for c in s.replace('...', ''):
            if c not in _LETTERS:
                raise RuntimeError(f"einsum(): invalid subscript given at index {eq.index(c)} in the equation "
                                   f"string, subscripts must be in [a-zA-Z]")
    # expand ellipses into explicit letters; drop broadcast size-1 ellipsis dims of an operand
    used = set(c for c in eq if c in _LETTERS)
    fresh = [c for c in _LETTERS if c not in used]
    ell_nd = 0
    for s, o in zip(in_subs, ops):
        nd = o._data.ndim
        if '...' in s:
            k = nd - (len(s) - 3)
            if k < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s) - 3}) is more "
                                   f"than the number of dimensions ({nd}) for operand {in_subs.index(s)}")
            ell_nd = max(ell_nd, k)
        elif len(s) != nd:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) does not match "
                               f"the number of dimensions ({nd}) for operand {in_subs.index(s)} and no ellipsis "
                               "was given")
    ell = ''.join(fresh[:ell_nd])
    ell_shapes = [o._data.shape[:o._data.ndim - (len(s) - 3)] if '...' in s else () for s, o in zip(in_subs, ops)]
    ell_bshape = [1] * ell_nd
    for idx, es in enumerate(ell_shapes):
        for j, n in enumerate(es):
            d = ell_nd - len(es) + j
            if n != 1 and ell_bshape[d] != 1 and ell_bshape[d] != n:
                raise RuntimeError(f"einsum(): dimension {j} covered by ellipsis in operand {idx}has size {n} which "
                                   f"does not broadcast with previously seen ellipsis with size {ell_bshape[d]} for "
                                   "the respective dimension")
            if n != 1:
                ell_bshape[d] = n
    new_ops = []
    subs = []
    sizes = {}
    for idx, (s, o) in enumerate(zip(in_subs, ops)):
        if '...' in s:
            pre, post = s.split('...')
            es = ell_shapes[idx]
            letters = ell[ell_nd - len(es):]
            keep = [j for j, n in enumerate(es) if not (n == 1 and ell_bshape[ell_nd - len(es) + j] != 1)]
            if len(keep) != len(es):
                shp = o._data.shape
                nl = len(pre)
                o = o.reshape(shp[:nl] + tuple(es[j] for j in keep) + shp[nl + len(es):])
                letters = ''.join(letters[j] for j in keep)
            s = pre + letters + post
        own = {}
        for c, n in zip(s, o._data.shape):
            if c in own and own[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {idx} but the sizes don't "
                                   f"match, {n} != {own[c]}")
            own[c] = n
        for c, n in zip(s, o._data.shape):
            if c in sizes and sizes[c] != n and n != 1 and sizes[c] != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {idx} which does not "
                                   f"broadcast with previously seen size {sizes[c]}")
            if n != 1 or c not in sizes:
                sizes[c] = n
        subs.append(s)
        new_ops.append(o)
    if rhs is None:
        counts = {}
        for s in in_subs:
            for c in s.replace('...', ''):
                counts[c] = counts.get(c, 0) + 1
        out_sub = ell + ''.join(sorted(c for c, n in counts.items() if n == 1))
    else:
        if '...' in rhs:
            pre, post = rhs.split('...')
            out_sub = pre + ell + post
        else:
            out_sub = rhs
        for c in out_sub:
            if c not in sizes:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any "
                                   "input operand")
        if len(set(out_sub)) != len(out_sub):
            c = next(c for c in out_sub if out_sub.count(c) > 1)
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
    # size-1 dims that broadcast against a larger size: expand so NumPy sees equal sizes
    for idx, (s, o) in enumerate(zip(subs, new_ops)):
        shp = o._data.shape
        tgt = tuple(sizes[c] for c in s)
        if tgt != shp:
            new_ops[idx] = o.expand(tgt)
    dts = set(o._data.dtype for o in new_ops)
    if len(dts) > 1:
        names = [_short(o._data) for o in new_ops]
        raise RuntimeError(f"expected scalar type {names[0]} but found {[n for n in names if n != names[0]][0]}")
    if len(new_ops) == 1 and new_ops[0]._data.dtype.kind in 'biu' and set(subs[0]) - set(out_sub):
        from .convert import cast
        new_ops[0] = cast(new_ops[0], D.int64)  # torch reduces through sum(): integers accumulate in int64
    return _einsum_raw(subs, out_sub, new_ops)


def tensordot(a, b, dims=2, out=None):
    _check_tensor(a, 'tensordot', 'a', 1)
    _check_tensor(b, 'tensordot', 'b', 2)
    an, bn = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(an, bn):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(an - dims, an)), list(range(dims))
    else:
        da, db = dims
        if isinstance(da, int):
            da = [da]
        if isinstance(db, int):
            db = [db]
        da, db = list(da), list(db)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length")
    da = [wrap_dim(d, an) for d in da]
    db = [wrap_dim(d, bn) for d in db]
    sa, sb = a._data.shape, b._data.shape
    for x, y in zip(da, db):
        if sa[x] != sb[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa[x]} in dim {x} "
                               f"and second has size {sb[y]} in dim {y}")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    fa = [d for d in range(an) if d not in da]
    fb = [d for d in range(bn) if d not in db]
    k = math.prod(sa[d] for d in da)
    m = math.prod(sa[d] for d in fa)
    n = math.prod(sb[d] for d in fb)
    pa = a.permute(tuple(fa + da)) if fa + da != list(range(an)) else a
    pb = b.permute(tuple(db + fb)) if db + fb != list(range(bn)) else b
    r = _mm_raw(pa.reshape((m, k)), pb.reshape((k, n)))
    return _out(r.reshape(tuple(sa[d] for d in fa) + tuple(sb[d] for d in fb)), out)


def kron(input, other, *, out=None):
    from .elementwise import mul  # mul promotes the dtypes
    _check_tensor(input, 'kron', 'input', 1)
    _check_tensor(other, 'kron', 'other', 2)
    a, b = input, other
    na, nb = a._data.ndim, b._data.ndim
    n = max(na, nb)
    sa = (1,) * (n - na) + a._data.shape
    sb = (1,) * (n - nb) + b._data.shape
    ra = a.reshape(tuple(x for s in sa for x in (s, 1)))
    rb = b.reshape(tuple(x for s in sb for x in (1, s)))
    return _out(mul(ra, rb).reshape(tuple(x * y for x, y in zip(sa, sb))), out)


# ====================================================================== cross
class Cross(Op):
    _name = 'LinalgCrossBackward0'

    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.save_for_backward(a, b)
        ctx.dim = dim
        return xp.cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        d = ctx.dim
        ga = unbroadcast(Cross.apply(b, g, d), a._data.shape) if na else None
        gb = unbroadcast(Cross.apply(g, a, d), b._data.shape) if nb else None
        return ga, gb


def linalg_cross(input, other, *, dim=-1, out=None):
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, a.ndim)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[d]} and "
                           f"{b.shape[d]}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_short(a)} but found {_short(b)}")
    if a.shape != b.shape:
        check_broadcast(a.shape, b.shape)
    return _out(Cross.apply(input, other, d - a.ndim), out)


def cross(input, other, dim=None, *, out=None):
    if dim is None:
        a, b = input._data, other._data
        if a.ndim != b.ndim:
            raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
        s = broadcast_shapes(a.shape, b.shape)
        for i, n in enumerate(s):
            if n == 3:
                dim = i
                break
        else:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim, out=out)


# ====================================================================== diagonals / triangles
def _diag_view(arr, offset, d1, d2):
    v = xp.diagonal(arr, offset, d1, d2)
    if arr.flags.writeable:
        v.flags.writeable = True  # torch's diagonal is a writable view
    return v


class Diagonal(Op):
    _name = 'DiagonalBackward0'
    is_view = True

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.params = (x.shape, offset, d1, d2)
        return _diag_view(x, offset, d1, d2)

    @staticmethod
    def backward(ctx, g):
        shape, offset, d1, d2 = ctx.params
        return DiagonalScatter.apply(g, shape, offset, d1, d2)


class DiagonalScatter(Op):
    """zeros(shape) with g written on the (offset, d1, d2) diagonal: diagonal's backward."""
    _name = 'DiagonalBackwardBackward0'

    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        ctx.params = (offset, d1, d2)
        r = xp.zeros(shape, g.dtype)
        _diag_view(r, offset, d1, d2)[...] = g
        return r

    @staticmethod
    def backward(ctx, gg):
        offset, d1, d2 = ctx.params
        return Diagonal.apply(gg, offset, d1, d2)


def diagonal(input, offset=0, dim1=0, dim2=1):
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset, d1, d2)


class _DiagEmbed(DiagonalScatter):
    _name = 'DiagEmbedBackward0'


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    shp = input._data.shape
    nd = len(shp) + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = (shp[-1] if shp else 1) + abs(offset)
    rest = list(shp[:-1])
    out = []
    for i in range(nd):
        out.append(n if i in (d1, d2) else rest.pop(0))
    x = input if shp else input.reshape((1,))
    return _DiagEmbed.apply(x, tuple(out), offset, d1, d2)


class _DiagCopy(Diagonal):
    _name = 'DiagonalBackward0_copy'
    is_view = False

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.params = (x.shape, offset, d1, d2)
        return xp.diagonal(x, offset, d1, d2).copy()


def diag(input, diagonal=0, *, out=None):
    nd = input._data.ndim
    if nd == 1:
        return _out(diag_embed(input, diagonal, 0, 1), out)
    if nd == 2:
        return _out(_DiagCopy.apply(input, diagonal, 0, 1), out)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


class Trace(Op):
    _name = 'TraceBackward0'

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        r = xp.trace(x)
        if x.dtype.kind in 'biu':
            r = r.astype(xp.int64)
        return r

    @staticmethod
    def backward(ctx, g):
        n, m = ctx.shape
        return g * _const(xp.eye(n, m, dtype=g._data.dtype))


def trace(input):
    nd = input._data.ndim
    if nd != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {nd}")
    if input._data.dtype.kind == 'b':
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Trace.apply(input)


class Tril(Op):
    _name = 'TrilBackward0'

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return xp.tril(x, k)

    @staticmethod
    def backward(ctx, g):
        return Tril.apply(g, ctx.k)


class Triu(Op):
    _name = 'TriuBackward0'

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return xp.triu(x, k)

    @staticmethod
    def backward(ctx, g):
        return Triu.apply(g, ctx.k)


def tril(input, diagonal=0, *, out=None):
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return _out(Tril.apply(input, int(diagonal)), out)


def triu(input, diagonal=0, *, out=None):
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return _out(Triu.apply(input, int(diagonal)), out)


def _tril_(self, diagonal=0):
    from .inplace import apply_inplace
    return apply_inplace(self, lambda s: tril(s, diagonal))


def _triu_(self, diagonal=0):
    from .inplace import apply_inplace
    return apply_inplace(self, lambda s: triu(s, diagonal))


# ====================================================================== square-matrix helpers
def _check_square(x, fname):
    a = x._data
    if a.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{fname}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")


def _check_float(x, fname, what='input'):
    k = x._data.dtype.kind
    if k not in 'fc' and x._data.dtype.name != 'bfloat16':
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as {what}. Got "
                           f"{_short(x._data)}")
    if x._data.dtype.name in ('float16', 'bfloat16'):
        raise RuntimeError(f"{fname}: Low precision dtypes not supported. Got {_short(x._data)}")


def _batch_prefix(arr, idx):
    if arr.ndim <= 2:
        return ''
    return f"(Batch element {idx}): "


def _first_bad(arr, bad_fn):
    """index of the first matrix of a batch for which bad_fn(matrix) is truthy, and its value."""
    flat = arr.reshape((-1,) + arr.shape[-2:])
    for i, m in enumerate(flat):
        r = bad_fn(m)
        if r:
            return i, r
    return 0, 1


def _zero_pivot(m):
    """1-based index of the first zero pivot of LU with partial pivoting (0 if none)."""
    a = xp.array(m, dtype=xp.float64 if m.dtype.kind == 'f' else xp.complex128)
    n = a.shape[0]
    for j in range(n):
        p = j + int(xp.argmax(xp.abs(a[j:, j])))
        if a[p, j] == 0:
            return j + 1
        if p != j:
            a[[j, p]] = a[[p, j]]
        a[j + 1:, j:] -= xp.outer(a[j + 1:, j] / a[j, j], a[j, j:])
    return 0


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError (torch._C._LinAlgError): a RuntimeError."""


def _singular_error(arr, fname):
    i, k = _first_bad(arr, _zero_pivot)
    return LinAlgError(f"{fname}: {_batch_prefix(arr, i)}The diagonal element {k} is zero, the inversion "
                        "could not be completed because the input matrix is singular.")


# ====================================================================== inv / det / slogdet / solve
class Inv(Op):
    _name = 'LinalgInvExBackward0'

    @staticmethod
    def forward(ctx, a):
        try:
            r = xp.linalg.inv(a)
        except xp.linalg.LinAlgError:
            raise _singular_error(a, 'linalg.inv') from None
        ctx.save_for_backward(r)
        return r

    @staticmethod
    def backward(ctx, g):
        inv_a, = ctx.saved_tensors
        it = _mT(inv_a)
        return -_mm_raw(it, _mm_raw(g, it))


def inv(A, *, out=None):
    _check_square(A, 'linalg.inv')
    _check_float(A, 'linalg.inv')
    if A._data.size == 0:
        return _out(_make(A._data.copy()), out) if not A._requires_grad else _out(A * 1, out)
    return _out(Inv.apply(A), out)


def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info is 0, or the 1-based index of the first zero pivot (the inverse of a
    singular matrix is then NaN-filled, where LAPACK would leave a partial result)."""
    _check_square(A, 'linalg.inv_ex')
    _check_float(A, 'linalg.inv_ex')
    a = A._data
    try:
        return _InvExResult(inv(A), _make(xp.zeros(a.shape[:-2], xp.int32)))
    except LinAlgError:
        if check_errors:
            raise
    flat = a.reshape((-1,) + a.shape[-2:])
    info = xp.array([_zero_pivot(m) for m in flat], xp.int32).reshape(a.shape[:-2])
    res = xp.full(a.shape, xp.nan, a.dtype)
    ok = info == 0
    if ok.any():
        res[ok] = xp.linalg.inv(a[ok])
    return _InvExResult(_make(res), _make(info))


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): info is 0, or the order of the first leading minor that is not positive-definite
    (L is then NaN-filled, where LAPACK would leave a partial factor)."""
    _check_square(A, 'linalg.cholesky_ex')
    _check_float(A, 'linalg.cholesky_ex')
    a = A._data
    try:
        return _CholeskyExResult(linalg_cholesky(A, upper=upper), _make(xp.zeros(a.shape[:-2], xp.int32)))
    except LinAlgError:
        if check_errors:
            raise
    flat = a.reshape((-1,) + a.shape[-2:])
    info = xp.array([_chol_minor(m) for m in flat], xp.int32).reshape(a.shape[:-2])
    res = xp.full(a.shape, xp.nan, a.dtype)
    ok = info == 0
    if ok.any():
        L = xp.linalg.cholesky(a[ok])
        res[ok] = xp.swapaxes(L, -1, -2) if upper else L
    return _CholeskyExResult(_make(res), _make(info))


def cond(A, p=None, *, out=None):
    _check_matrix(A, 'linalg.cond')
    _check_float(A, 'linalg.cond')
    if p is None or p in (2, -2):
        S = svdvals(A)
        hi = vector_norm(S, math.inf, -1)
        lo = vector_norm(S, -math.inf, -1)
        return _out(lo / hi if p == -2 else hi / lo, out)
    _check_square(A, 'linalg.cond')
    return _out(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


def inverse(input, *, out=None):
    return inv(input, out=out)


class Det(Op):
    _name = 'LinalgDetBackward0'

    @staticmethod
    def forward(ctx, a):
        r = xp.asarray(xp.linalg.det(a))  # an array: saved as *the output* (double backward)
        ctx.save_for_backward(a, r)
        return r

    @staticmethod
    def backward(ctx, g):
        a, d = ctx.saved_tensors
        if bool(xp.all(d._data != 0)):
            # d det / dA = det * A^{-T}
            return _unsq(_unsq(g * d, -1), -1) * _mT(Inv.apply(a))
        # a singular matrix: the cofactor matrix through the SVD, A = U S Vh,
        # cof(A) = det(U) det(Vh) U diag(prod_{j != i} s_j) Vh  (first order only)
        u, sv, vh = xp.linalg.svd(a._data)
        k = sv.shape[-1]
        prods = xp.stack([xp.prod(xp.delete(sv, i, axis=-1), axis=-1) for i in range(k)], axis=-1)
        sign = xp.linalg.det(u) * xp.linalg.det(vh)
        cof = (sign[..., None, None] * (u * prods[..., None, :]) @ vh).astype(a._data.dtype)
        return _unsq(_unsq(g, -1), -1) * _const(cof)


def det(A, *, out=None):
    _check_square(A, 'linalg.det')
    _check_float(A, 'linalg.det')
    return _out(Det.apply(A), out)


class Slogdet(Op):
    _name = 'LinalgSlogdetBackward0'

    @staticmethod
    def forward(ctx, a):
        s, l = xp.linalg.slogdet(a)
        s = xp.asarray(s, a.dtype)
        l = xp.asarray(l, a.real.dtype if a.dtype.kind == 'c' else a.dtype)
        ctx.save_for_backward(a)
        return s, l  # torch: sign requires grad too (its gradient is zero for real inputs)

    @staticmethod
    def backward(ctx, gs, gl):
        a, = ctx.saved_tensors
        return _unsq(_unsq(gl, -1), -1) * _mT(Inv.apply(a))


def slogdet(A, *, out=None):
    _check_square(A, 'linalg.slogdet')
    _check_float(A, 'linalg.slogdet')
    s, l = Slogdet.apply(A)
    return _SlogdetResult(s, l)


class Logdet(Op):
    _name = 'LogdetBackward0'

    @staticmethod
    def forward(ctx, a):
        s, l = xp.linalg.slogdet(a)
        r = xp.where(s < 0, xp.nan, l).astype(a.dtype)
        ctx.save_for_backward(a)
        return r

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return _unsq(_unsq(g, -1), -1) * _mT(Inv.apply(a))


def logdet(input):
    _check_square(input, 'linalg.det')
    _check_float(input, 'logdet')
    return Logdet.apply(input)


class Solve(Op):
    _name = 'LinalgSolveExBackward0'

    @staticmethod
    def forward(ctx, a, b):
        try:
            x = xp.linalg.solve(a, b)
        except xp.linalg.LinAlgError:
            i, _ = _first_bad(a, lambda m: _zero_pivot(m) > 0)
            raise LinAlgError(f"torch.linalg.solve: {_batch_prefix(a, i)}The solver failed because the input "
                               "matrix is singular.") from None
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        gb = Solve.apply(_mT(a), g)
        ga = -_mm_raw(gb, _mT(x)) if na else None
        return ga, (gb if nb else None)


def solve(A, B, *, left=True, out=None):
    _check_square(A, 'linalg.solve')
    _check_float(A, 'linalg.solve')
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{_short(A._data)} and B of type {_short(B._data)} instead")
    if not left:
        return _out(_mT(solve(_mT(A), _mT(B))), out)
    a, b = A._data, B._data
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    Bm = _unsq(B, -1) if vector else B
    bm = Bm._data
    if bm.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({a.shape[-2]}x{a.shape[-1]} and {bm.shape[-2]}x{bm.shape[-1]})")
    batch = broadcast_shapes(a.shape[:-2], bm.shape[:-2])
    Ae = A if a.shape[:-2] == batch else A.expand(batch + a.shape[-2:])
    Be = Bm if bm.shape[:-2] == batch else Bm.expand(batch + bm.shape[-2:])
    x = Solve.apply(Ae, Be)
    if vector:
        x = x.reshape(x._data.shape[:-1])
    return _out(x, out)


def _tri_part(A, upper, unitriangular):
    T = Triu.apply(A, 0) if upper else Tril.apply(A, 0)
    if unitriangular:
        nd = T._data.ndim
        n = T._data.shape[-1]
        T = T - _diag_embed_last(Diagonal.apply(T, 0, nd - 2, nd - 1)) + _const(xp.eye(n, dtype=T._data.dtype))
    return T


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """Only the ``upper``/lower triangle of A is read (as LAPACK's trtrs); differentiable."""
    if A._data.ndim < 2 or B._data.ndim < 2:
        raise RuntimeError(f"linalg.solve_triangular: The input tensor {'A' if A._data.ndim < 2 else 'B'} must "
                           "have at least 2 dimensions.")
    _check_square(A, 'linalg.solve_triangular')
    _check_float(A, 'linalg.solve_triangular')
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve_triangular: Expected A and B to have the same dtype, but found A of "
                           f"type {_short(A._data)} and B of type {_short(B._data)} instead")
    T = _tri_part(A, upper, unitriangular)
    a, b = A._data, B._data
    k = b.shape[-2] if left else b.shape[-1]
    if k != a.shape[-1]:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({a.shape[-2]}x{a.shape[-1]} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    return _out(solve(T, B, left=left), out)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """Legacy torch.triangular_solve: returns (solution, cloned_coefficient)."""
    T = _tri_part(A, upper, unitriangular)
    X = solve(_mT(T) if transpose else T, b)
    from .convert import clone
    return _TriangularSolveResult(X, clone(A))


def _tri_value_full_grad(L, upper):
    """The triangle's values, with the gradient of the full matrix (torch's cholesky_solve/inverse
    backward formulas are not masked to the triangle)."""
    tri = xp.triu(L._data) if upper else xp.tril(L._data)
    return L + _const(tri - L._data)


def cholesky_solve(B, L, upper=False, *, out=None):
    """Solves A X = B given A's Cholesky factor (A = L L^T, or U^T U when upper)."""
    if B._data.ndim < 2 or L._data.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B._data.ndim} dimensions instead")
    T = _tri_value_full_grad(L, upper)
    A = _mm_raw(_mT(T), T) if upper else _mm_raw(T, _mT(T))
    return _out(solve(A, B), out)


def cholesky_inverse(L, upper=False, *, out=None):
    T = _tri_value_full_grad(L, upper)
    A = _mm_raw(_mT(T), T) if upper else _mm_raw(T, _mT(T))
    return _out(inv(A), out)


# ====================================================================== cholesky
def _chol_minor(m):
    n = m.shape[0]
    for k in range(1, n + 1):
        try:
            xp.linalg.cholesky(m[:k, :k])
        except xp.linalg.LinAlgError:
            return k
    return 0


class Cholesky(Op):
    _name = 'LinalgCholeskyExBackward0'

    @staticmethod
    def forward(ctx, a):
        try:
            L = xp.linalg.cholesky(a)
        except xp.linalg.LinAlgError:
            i, k = _first_bad(a, _chol_minor)
            raise LinAlgError(f"linalg.cholesky: {_batch_prefix(a, i)}The factorization could not be completed "
                               f"because the input is not positive-definite (the leading minor of order {k} is "
                               "not positive-definite).") from None
        ctx.save_for_backward(L)
        return L

    @staticmethod
    def backward(ctx, gL):
        L, = ctx.saved_tensors
        # torch: gA = L^{-H} Phi(L^H gL) L^{-1}, symmetrised; Phi = tril with halved diagonal
        P = Tril.apply(_mm_raw(_mT(L), gL), 0)
        P = P - 0.5 * _diag_embed_last(Diagonal.apply(P, 0, P._data.ndim - 2, P._data.ndim - 1))
        Li = Inv.apply(L)
        S = _mm_raw(_mm_raw(_mT(Li), P), Li)
        return 0.5 * (S + _mT(S))


def _diag_embed_last(v):
    return diag_embed(v, 0, -2, -1)


def linalg_cholesky(A, *, upper=False, out=None):
    _check_square(A, 'linalg.cholesky')
    _check_float(A, 'linalg.cholesky')
    L = Cholesky.apply(A)
    return _out(_mT(L) if upper else L, out)


def cholesky_legacy(input, upper=False, *, out=None):
    return linalg_cholesky(input, upper=upper, out=out)


# ====================================================================== eigh
class Eigh(Op):
    _name = 'LinalgEighBackward0'

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = xp.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        nd = V._data.ndim
        Vt = _mT(V)
        if gV is not None and ctx._materialize_gV(gV):
            VhgV = _mm_raw(Vt, gV)
            VhgV = 0.5 * (VhgV - _mT(VhgV))
            E = _unsq(L, -2) - _unsq(L, -1)
            n = E._data.shape[-1]
            eye = _const(xp.eye(n, dtype=E._data.dtype))
            E = E + eye  # diagonal of E is 0: make it 1 (the diagonal is overwritten below)
            ret = (VhgV / E) * (1 - eye)
            ret = ret + _diag_embed_last(gL)
        else:
            ret = _diag_embed_last(gL)
        return _mm_raw(V, _mm_raw(ret, Vt))

    @staticmethod
    def _materialize_gV(gV):
        return bool(xp.any(gV._data != 0)) or gV._requires_grad


def eigh(A, UPLO='L', *, out=None):
    if UPLO not in ('L', 'U'):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    _check_square(A, 'linalg.eigh')
    _check_float(A, 'linalg.eigh')
    w, v = Eigh.apply(A, UPLO)
    return _EighResult(w, v)


def eigvalsh(A, UPLO='L', *, out=None):
    return eigh(A, UPLO)[0]


# ====================================================================== svd
class _Narrow(Op):
    """x[..., :k] along ``dim`` (a copy); backward pads with zeros."""
    _name = 'NarrowBackward0'

    @staticmethod
    def forward(ctx, x, dim, k):
        ctx.params = (x.shape, dim, k)
        idx = [slice(None)] * x.ndim
        idx[dim] = slice(0, k)
        return x[tuple(idx)].copy()

    @staticmethod
    def backward(ctx, g):
        shape, dim, k = ctx.params
        return _PadNarrow.apply(g, shape, dim, k)


class _PadNarrow(Op):
    _name = 'NarrowBackwardBackward0'

    @staticmethod
    def forward(ctx, g, shape, dim, k):
        ctx.params = (dim, k)
        r = xp.zeros(shape, g.dtype)
        idx = [slice(None)] * len(shape)
        idx[dim] = slice(0, k)
        r[tuple(idx)] = g
        return r

    @staticmethod
    def backward(ctx, gg):
        dim, k = ctx.params
        return _Narrow.apply(gg, dim, k)


class Svd(Op):
    _name = 'LinalgSvdBackward0'

    @staticmethod
    def forward(ctx, a, full):
        u, s, vh = xp.linalg.svd(a, full_matrices=full)
        ctx.save_for_backward(u, s, vh)
        ctx.full = full
        return u, s, vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        return _svd_backward(gU, gS, gVh, U, S, Vh, ctx.full)


def _nonzero(g):
    return g is not None and (g._requires_grad or bool(xp.any(g._data != 0)))


def _svd_backward(gU, gS, gVh, U, S, Vh, full):
    m, n = U._data.shape[-2], Vh._data.shape[-1]
    k = S._data.shape[-1]
    if not _nonzero(gU):
        gU = None
    if not _nonzero(gVh):
        gVh = None
    if full:
        if U._data.shape[-1] != k:
            U = _Narrow.apply(U, -1, k)
            if gU is not None:
                gU = _Narrow.apply(gU, -1, k)
        if Vh._data.shape[-2] != k:
            Vh = _Narrow.apply(Vh, -2, k)
            if gVh is not None:
                gVh = _Narrow.apply(gVh, -2, k)
    if gU is None and gVh is None:
        if gS is None:
            return None
        if m >= n:
            return _mm_raw(U, _unsq(gS, -1) * Vh)
        return _mm_raw(U * _unsq(gS, -2), Vh)
    UhgU = None
    VhgV = None
    if gU is not None:
        t = _mm_raw(_mT(U), gU)
        UhgU = t - _mT(t)
    if gVh is not None:
        t = _mm_raw(Vh, _mT(gVh))
        VhgV = t - _mT(t)
    S2 = S * S
    eye = _const(xp.eye(k, dtype=S._data.dtype))
    E = _unsq(S2, -2) - _unsq(S2, -1) + eye
    if UhgU is not None and VhgV is not None:
        gA = (UhgU * _unsq(S, -2) + _unsq(S, -1) * VhgV) / E
    elif UhgU is not None:
        gA = (UhgU / E) * _unsq(S, -2)
    else:
        gA = _unsq(S, -1) * (VhgV / E)
    gA = gA * (1 - eye)
    if gS is not None:
        gA = gA + _diag_embed_last(gS)
    if m > n and gU is not None:
        gA = _mm_raw(U, gA)
        gUSinv = gU / _unsq(S, -2)
        gA = gA + gUSinv - _mm_raw(U, _mm_raw(_mT(U), gUSinv))
        gA = _mm_raw(gA, Vh)
    elif m < n and gVh is not None:
        gA = _mm_raw(gA, Vh)
        SinvgVh = gVh / _unsq(S, -1)
        gA = gA + SinvgVh - _mm_raw(_mm_raw(SinvgVh, _mT(Vh)), Vh)
        gA = _mm_raw(U, gA)
    else:
        gA = _mm_raw(U, _mm_raw(gA, Vh)) if m >= n else _mm_raw(_mm_raw(U, gA), Vh)
    return gA


def _check_matrix(x, fname):
    if x._data.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")


def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs "
                           "with cuSOLVER backend.")
    _check_matrix(A, 'linalg.svd')
    _check_float(A, 'linalg.svd')
    u, s, vh = Svd.apply(A, bool(full_matrices))
    return _SvdResult(u, s, vh)


def svdvals(A, *, driver=None, out=None):
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs "
                           "with cuSOLVER backend.")
    _check_matrix(A, 'linalg.svd')
    _check_float(A, 'linalg.svd')
    if not A._requires_grad:
        return _out(_make(xp.linalg.svd(A._data, compute_uv=False)), out)
    return _out(Svd.apply(A, False)[1], out)


def svd_legacy(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: returns (U, S, V) with V (not V^H); ``some`` = not full_matrices."""
    if not compute_uv:
        s = svdvals(input)
        m, n = input._data.shape[-2:]
        from .creation import zeros
        b = input._data.shape[:-2]
        return _SvdLegacyResult(zeros(b + (m, m), dtype=input.dtype), s, zeros(b + (n, n), dtype=input.dtype))
    u, s, vh = linalg_svd(input, full_matrices=not some)
    return _SvdLegacyResult(u, s, _mT(vh))


# ====================================================================== qr
class Qr(Op):
    _name = 'LinalgQrBackward0'

    @staticmethod
    def forward(ctx, a, mode):
        if mode == 'r':
            r = xp.linalg.qr(a, mode='r')
            q = xp.zeros((0,), a.dtype)
        else:
            q, r = xp.linalg.qr(a, mode=mode)
        ctx.save_for_backward(q, r)
        ctx.mode = mode
        return q, r

    @staticmethod
    def backward(ctx, gQ, gR):
        Q, R = ctx.saved_tensors
        mode = ctx.mode
        if mode == 'r':
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                               "through linalg.qr.")
        m, n = Q._data.shape[-2], R._data.shape[-1]
        if mode == 'complete' and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                               "nrows > ncols.")
        if m < n:
            raise NotImplementedError("ember: the derivative of linalg.qr for wide matrices (nrows < ncols) "
                                      "is not implemented")
        gQ = gQ if _nonzero(gQ) else None
        gR = gR if _nonzero(gR) else None
        if gQ is None and gR is None:
            return None
        if gQ is not None:
            M = _mm_raw(gR, _mT(R)) - _mm_raw(_mT(Q), gQ) if gR is not None else -_mm_raw(_mT(Q), gQ)
        else:
            M = _mm_raw(gR, _mT(R))
        M = Triu.apply(M, 0)
        nd = M._data.ndim
        M = M + _mT(M) - _diag_embed_last(Diagonal.apply(M, 0, nd - 2, nd - 1))
        gA = _mm_raw(Q, M)
        if gQ is not None:
            gA = gA + gQ
        return _mm_raw(gA, _mT(Inv.apply(R)))


def linalg_qr(A, mode='reduced', *, out=None):
    if mode not in ('reduced', 'complete', 'r'):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    _check_matrix(A, 'linalg.qr')
    _check_float(A, 'linalg.qr')
    q, r = Qr.apply(A, mode)
    return _QrResult(q, r)


def qr_legacy(input, some=True, *, out=None):
    return linalg_qr(input, 'reduced' if some else 'complete')


# ====================================================================== pinv / rank / multi_dot / power
def _tol(S, atol, rtol, m, n):
    from .elementwise import mul
    smax = S._data.max(axis=-1, keepdims=True) if S._data.shape[-1] else xp.zeros(S._data.shape[:-1] + (1,))
    if rtol is None:
        rtol = 0.0 if atol is not None and (not isinstance(atol, (int, float)) or atol > 0) else \
            xp.finfo(S._data.dtype).eps * max(m, n)
    at = atol._data if isinstance(atol, Tensor) else (atol if atol is not None else 0.0)
    rt = rtol._data if isinstance(rtol, Tensor) else rtol
    if isinstance(at, xp.ndarray) and at.ndim:
        at = at[..., None]
    if isinstance(rt, xp.ndarray) and rt.ndim:
        rt = rt[..., None]
    return xp.maximum(at, rt * smax)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    _check_matrix(A, 'linalg.pinv')
    _check_float(A, 'linalg.pinv')
    m, n = A._data.shape[-2:]
    if hermitian:  # A = V diag(L) V^H: invert the eigenvalues above the tolerance
        _check_square(A, 'linalg.pinv')
        L, V = eigh(A)
        absL = _make(xp.abs(L._data))
        tol = _tol(absL, atol, rtol, m, n)
        mask = (absL._data > tol).astype(L._data.dtype)
        Linv = _const(mask) / (L + _const(1 - mask))
        return _out(_mm_raw(V * _unsq(Linv, -2), _mT(V)), out)
    U, S, Vh = linalg_svd(A, full_matrices=False)
    tol = _tol(S, atol, rtol, m, n)
    mask = (S._data > tol).astype(S._data.dtype)
    S_safe = S + _const(1 - mask)
    Sinv = _const(mask) / S_safe
    return _out(_mm_raw(_mT(Vh) * _unsq(Sinv, -2), _mT(U)), out)


def pinverse(input, rcond=1e-15):
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    _check_matrix(A, 'linalg.matrix_rank')
    _check_float(A, 'linalg.matrix_rank')
    m, n = A._data.shape[-2:]
    S = _make(xp.abs(xp.linalg.eigvalsh(A._data)) if hermitian else xp.linalg.svd(A._data, compute_uv=False))
    tol = _tol(S, atol, rtol, m, n)
    return _out(_make((S._data > tol).sum(-1).astype(xp.int64)), out)


def lstsq(A, B, rcond=None, *, driver=None):
    """Least squares via the pseudo-inverse (the minimum-norm solution, as gelsy/gelsd give)."""
    if driver is None:
        driver = 'gelsy'
    if driver not in ('gels', 'gelsy', 'gelsd', 'gelss'):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    _check_tensor(A, 'linalg_lstsq', 'self', 1)
    _check_tensor(B, 'linalg_lstsq', 'b', 2)
    if A._data.ndim < 2:
        raise RuntimeError(f"torch.linalg.lstsq: input must have at least 2 dimensions.")
    _check_float(A, 'torch.linalg.lstsq')
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {A.dtype} and other's dtype {B.dtype}")
    vector = B._data.ndim == A._data.ndim - 1
    Bm = _unsq(B, -1) if vector else B
    a, b = A._data, Bm._data
    if b.ndim < 2 or a.shape[-2] != b.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    Ae = A if a.shape[:-2] == batch else A.expand(batch + a.shape[-2:])
    Be = Bm if b.shape[:-2] == batch else Bm.expand(batch + b.shape[-2:])
    m, n = a.shape[-2:]
    rc = rcond if rcond is not None else float(xp.finfo(a.dtype).eps) * max(m, n)
    X = _mm_raw(pinv(Ae, rtol=rc), Be)
    sv = xp.linalg.svd(Ae._data, compute_uv=False)
    tol = sv[..., :1] * rc if sv.shape[-1] else sv[..., :0]
    rank = (sv > tol).sum(-1).astype(xp.int64)
    empty = _make(xp.zeros((0,), a.dtype))
    if driver != 'gelsy' and m > n and bool((rank == n).all()):
        r = _mm_raw(Ae, X) - Be
        residuals = (r * r).sum(-2)
    else:  # torch's empty residuals are still part of the graph
        residuals = _Narrow.apply(X.reshape((-1,)), 0, 0) if X._requires_grad else empty
    X = X.reshape(X._data.shape[:-1]) if vector else X
    return _LstsqResult(X, residuals, _make(rank) if driver != 'gels' else _make(xp.zeros((0,), xp.int64)),
                        _make(sv) if driver in ('gelsd', 'gelss') else empty)


def multi_dot(tensors, *, out=None):
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_1d = tensors[0]._data.ndim == 1
    last_1d = tensors[-1]._data.ndim == 1
    for i, t in enumerate(tensors):
        nd = t._data.ndim
        if (i == 0 or i == len(tensors) - 1):
            if nd not in (1, 2):
                raise RuntimeError(f"multi_dot(): the {'first' if i == 0 else 'last'} tensor must be 1D or 2D "
                                   f"but got {nd}D")
        elif nd != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {nd}D")
    ts = list(tensors)
    if first_1d:
        ts[0] = _unsq(ts[0], 0)
    if last_1d:
        ts[-1] = _unsq(ts[-1], -1)
    r = ts[0]
    for i, t in enumerate(ts[1:], 1):
        if r._data.dtype != t._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{_CNAME.get(tensors[0]._data.dtype.name)} and tensor {i} "
                               f"{_CNAME.get(t._data.dtype.name)}")
        if r._data.shape[-1] != t._data.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{list(tensors[i - 1]._data.shape)} and {list(tensors[i]._data.shape)} "
                               "cannot be multiplied")
        r = mm(r, t)
    s = r._data.shape
    if first_1d and last_1d:
        r = r.reshape(())
    elif first_1d:
        r = r.reshape(s[1:])
    elif last_1d:
        r = r.reshape(s[:1])
    return _out(r, out)


def matrix_power(input, n, *, out=None):
    _check_square(input, 'linalg.matrix_power')
    a = input._data
    if n == 0:
        eye = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape).copy()
        return _out(_make(eye) if not input._requires_grad else input * 0 + _const(eye), out)
    if n < 0:
        input = inv(input)
        n = -n
    result = None
    base = input
    while n:
        if n & 1:
            result = base if result is None else _mm_raw(result, base)
        n >>= 1
        if n:
            base = _mm_raw(base, base)
    if result is input:
        result = result * 1 if result._requires_grad else _make(result._data.copy())
    return _out(result, out)


# ====================================================================== norms
class _Abs(Op):
    _name = 'AbsBackward0'

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.abs(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * _const(xp.sign(x._data))


class _PowS(Op):
    """x ** p for a Python float p (x >= 0 in the norms that use it)."""
    _name = 'PowBackward0'

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return xp.power(x, p)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return g * 0
        return g * (p * _PowS.apply(x, p - 1)) if p != 1 else g


class VectorNorm(Op):
    _name = 'LinalgVectorNormBackward0'

    @staticmethod
    def forward(ctx, x, ord, dims, keepdim):
        ctx.save_for_backward(x)
        ctx.params = (ord, dims, keepdim)
        ax = xp.abs(x)
        if ord == 2:
            r = xp.sqrt(xp.sum(xp.real(x * x.conj()) if x.dtype.kind == 'c' else x * x, axis=dims,
                               keepdims=True))
        elif ord == math.inf:
            r = xp.max(ax, axis=dims, keepdims=True, initial=0)
        elif ord == -math.inf:
            r = xp.min(ax, axis=dims, keepdims=True)
        elif ord == 0:
            r = xp.sum(ax != 0, axis=dims, keepdims=True).astype(ax.dtype)
        elif ord == 1:
            r = xp.sum(ax, axis=dims, keepdims=True)
        else:
            r = xp.power(xp.sum(xp.power(ax, ord), axis=dims, keepdims=True), 1.0 / ord)
        ctx.save_for_backward(x, r)
        r = r.astype(ax.dtype, copy=False)
        return r if keepdim else r.reshape(tuple(s for i, s in enumerate(r.shape) if i not in dims))

    @staticmethod
    def backward(ctx, g):
        x, r = ctx.saved_tensors  # r: the norm with kept dims (a constant copy of the output)
        ord, dims, keepdim = ctx.params
        if not keepdim:
            g = g.reshape(r._data.shape)
        # recompute the norm differentiably when higher-order gradients are needed
        if _needs_graph(x, g):  # create_graph: recompute the norm differentiably
            r = VectorNorm.apply(x, ord, dims, True)
        xd = x._data
        if ord == 0:
            return g * 0 * x
        if ord == 2:
            safe = r + _const((r._data == 0).astype(r._data.dtype))
            return x * (g / safe)
        if ord == 1:
            return g * _const(xp.sign(xd))
        if ord in (math.inf, -math.inf):
            mask = (xp.abs(xd) == r._data)
            cnt = mask.sum(axis=dims, keepdims=True)
            w = (xp.sign(xd) * mask / xp.maximum(cnt, 1)).astype(xd.dtype)
            return g * _const(w)
        ax = _Abs.apply(x)
        safe = r + _const((r._data == 0).astype(r._data.dtype))
        return g * _const(xp.sign(xd)) * _PowS.apply(ax, ord - 1) / _PowS.apply(safe, ord - 1)


def _needs_graph(x, g):
    from ..autograd.grad_mode import STATE
    return STATE.enabled and (x._requires_grad or g._requires_grad)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    if isinstance(ord, str) or not isinstance(ord, (int, float)) or isinstance(ord, bool):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    if dtype is not None:
        from .convert import cast
        dt = D.as_dtype(dtype)
        if dt.category < D.FLOAT:
            raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got {dt._short}")
        _check_vn_float(x)
        x = cast(x, dt)
    _check_vn_float(x)
    nd = x._data.ndim
    if dim is None or (not isinstance(dim, int) and len(dim) == 0):
        dim = None
        dims = tuple(range(nd))
    else:
        ds = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = tuple(sorted(wrap_dim(d, nd) for d in ds)) if nd else ()
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
    if (ord < 0 or ord == math.inf) and x._data.size == 0:
        if dim is None:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty tensor because "
                               "the operation does not have an identity")
        for d in dims:
            if x._data.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on the dimension {d}"
                                   "because this dimension is empty and the operation does not have an identity")
    return _out(VectorNorm.apply(x, float(ord), dims, bool(keepdim)), out)


def _check_vn_float(x):
    if x._data.dtype.kind not in 'fc' and x._data.dtype.name != 'bfloat16':
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_short(x._data)}")


def matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    nd = A._data.ndim
    if nd < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if dtype is not None:
        from .convert import cast
        A = cast(A, dtype)
    _check_float(A, 'linalg.matrix_norm')
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    d0, d1 = wrap_dim(dim[0], nd), wrap_dim(dim[1], nd)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == 'fro':
        return _out(vector_norm(A, 2, (d0, d1), keepdim), out)
    if isinstance(ord, str) and ord != 'nuc':
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord in ('nuc', 2, -2):
        perm = [i for i in range(nd) if i not in (d0, d1)] + [d0, d1]
        Ap = A.permute(tuple(perm)) if perm != list(range(nd)) else A
        S = svdvals(Ap)
        if ord == 'nuc':
            r = S.sum(-1)
        elif ord == 2 and S._data.shape[-1] == 0:
            r = VectorNorm.apply(S, math.inf, (S._data.ndim - 1,), False)  # max with identity 0
        else:
            r = vector_norm(S, math.inf if ord == 2 else -math.inf, -1)
        if keepdim:
            for d in sorted((d0, d1)):
                r = _unsq(r, d)
        return _out(r, out)
    if ord in (1, -1, math.inf, -math.inf):
        if ord in (math.inf, -math.inf):
            d0, d1 = d1, d0
        s = vector_norm(A, 1, d0, True)
        r = vector_norm(s, math.inf if ord > 0 else -math.inf, d1, True)
        if not keepdim:
            r = r.reshape(tuple(n for i, n in enumerate(r._data.shape) if i not in (d0, d1)))
        return _out(r, out)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    nd = A._data.ndim
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, 'fro', dim, keepdim, dtype=dtype, out=out)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None:
        if nd not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                               f"Got {nd}D.")
        dim = tuple(range(nd))
    if isinstance(ord, str) or len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


# ====================================================================== results
def _result_type(name, fields):
    from collections import namedtuple
    return namedtuple(name, fields)


_SlogdetResult = _result_type('linalg_slogdet', ['sign', 'logabsdet'])
_EighResult = _result_type('linalg_eigh', ['eigenvalues', 'eigenvectors'])
_SvdResult = _result_type('linalg_svd', ['U', 'S', 'Vh'])
_SvdLegacyResult = _result_type('svd', ['U', 'S', 'V'])
_QrResult = _result_type('linalg_qr', ['Q', 'R'])
_InvExResult = _result_type('linalg_inv_ex', ['inverse', 'info'])
_CholeskyExResult = _result_type('linalg_cholesky_ex', ['L', 'info'])
_TriangularSolveResult = _result_type('triangular_solve', ['solution', 'cloned_coefficient'])
_LstsqResult = _result_type('linalg_lstsq', ['solution', 'residuals', 'rank', 'singular_values'])


def _out(result, out):
    if out is None:
        return result
    from .elementwise import _out as eo
    return eo(result, out)


def legacy_slogdet(input, *, out=None):
    return slogdet(input)


# ====================================================================== Tensor methods
def _rmatmul(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


def _matmul_method(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented  # Python raises torch's TypeError (unsupported operand type(s) for @)
    return matmul(self, other)


Tensor.matmul = matmul
Tensor.__matmul__ = _matmul_method
Tensor.__rmatmul__ = _rmatmul
Tensor.mm = mm
Tensor.bmm = bmm
Tensor.mv = mv
Tensor.dot = dot
Tensor.vdot = vdot
Tensor.inner = inner
Tensor.outer = outer
Tensor.ger = outer
Tensor.addmm = addmm
Tensor.addmv = addmv
Tensor.addbmm = addbmm
Tensor.baddbmm = baddbmm
Tensor.addr = addr
Tensor.kron = kron
Tensor.cross = cross
Tensor.trace = trace
Tensor.diag = diag
Tensor.diagonal = diagonal
Tensor.diag_embed = diag_embed
Tensor.tril = tril
Tensor.triu = triu
Tensor.tril_ = _tril_
Tensor.triu_ = _triu_
Tensor.matrix_power = matrix_power
Tensor.inverse = inverse
Tensor.det = det
Tensor.logdet = logdet
Tensor.slogdet = legacy_slogdet
Tensor.svd = svd_legacy
Tensor.cholesky = cholesky_legacy
Tensor.qr = qr_legacy
Tensor.pinverse = pinverse
Tensor.triangular_solve = triangular_solve
Tensor.cholesky_solve = cholesky_solve
Tensor.cholesky_inverse = cholesky_inverse
if not hasattr(Tensor, 'mT'):
    Tensor.mT = property(_mT)
if not hasattr(Tensor, 'mH'):
    Tensor.mH = property(lambda self: _mT(self.conj()) if self.is_complex() else _mT(self))

# torch-namespace names whose torch.linalg counterparts differ (those live in ember.linalg)
svd = svd_legacy
qr = qr_legacy
cholesky = cholesky_legacy

__all__ = ['matmul', 'mm', 'bmm', 'mv', 'dot', 'vdot', 'inner', 'outer', 'ger', 'addmm', 'addmv',
           'addbmm', 'baddbmm', 'addr', 'einsum', 'tensordot', 'kron', 'cross', 'trace', 'diag',
           'diagonal', 'diag_embed', 'tril', 'triu', 'matrix_power', 'inverse', 'det', 'logdet',
           'slogdet', 'pinverse', 'chain_matmul', 'svd', 'qr', 'cholesky',
           'triangular_solve', 'cholesky_solve', 'cholesky_inverse']


def chain_matmul(*matrices, out=None):
    return multi_dot(matrices, out=out)
