"""ember.linalg: torch.linalg's counterpart (the ops live in ember/ops/linalg.py)."""
from .ops import linalg as _L

matmul = _L.matmul
multi_dot = _L.multi_dot
cross = _L.linalg_cross
matrix_power = _L.matrix_power
norm = _L.linalg_norm
vector_norm = _L.vector_norm
matrix_norm = _L.matrix_norm
inv = _L.inv
det = _L.det
slogdet = _L.slogdet
solve = _L.solve
svd = _L.linalg_svd
svdvals = _L.svdvals
qr = _L.linalg_qr
eigh = _L.eigh
eigvalsh = _L.eigvalsh
cholesky = _L.linalg_cholesky
pinv = _L.pinv
matrix_rank = _L.matrix_rank
lstsq = _L.lstsq
solve_triangular = _L.solve_triangular
inv_ex = _L.inv_ex
cholesky_ex = _L.cholesky_ex
cond = _L.cond
LinAlgError = _L.LinAlgError


def vecdot(x, y, *, dim=-1):
    """sum(conj(x) * y) over ``dim`` (broadcasting)."""
    return ((x.conj() if x.is_complex() else x) * y).sum(dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return _L.diagonal(A, offset, dim1, dim2)


__all__ = ['matmul', 'multi_dot', 'cross', 'diagonal', 'vecdot', 'matrix_power', 'norm', 'vector_norm',
           'matrix_norm', 'inv', 'det', 'slogdet', 'solve', 'svd', 'svdvals', 'qr', 'eigh', 'eigvalsh',
           'cholesky', 'pinv', 'matrix_rank', 'lstsq', 'solve_triangular', 'inv_ex', 'cholesky_ex', 'cond', 'LinAlgError']
