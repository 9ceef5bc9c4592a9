"""torch.return_types: the named tuples returned by max/min/sort/topk/... (``values, indices``)."""


class _StructSeq(tuple):
    """A tuple with named fields and torch's structseq repr."""
    __slots__ = ()
    _fields = ()
    n_fields = 0
    n_sequence_fields = 0
    n_unnamed_fields = 0

    def __new__(cls, seq):
        seq = tuple(seq)
        if len(seq) != len(cls._fields):
            raise TypeError(f"ember.return_types.{cls.__name__} takes a {len(cls._fields)}-sequence "
                            f"({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ',\n'.join(f"{n}={v!r}" for n, v in zip(self._fields, self))
        return f"ember.return_types.{type(self).__name__}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))

    def _asdict(self):
        return dict(zip(self._fields, self))


def _make(name, fields):
    ns = {'__slots__': (), '_fields': tuple(fields), 'n_fields': len(fields),
          'n_sequence_fields': len(fields), '__module__': __name__}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    cls = type(name, (_StructSeq,), ns)
    cls.__qualname__ = name
    return cls


_VI = ('values', 'indices')
max = _make('max', _VI)
min = _make('min', _VI)
sort = _make('sort', _VI)
topk = _make('topk', _VI)
median = _make('median', _VI)
nanmedian = _make('nanmedian', _VI)
mode = _make('mode', _VI)
kthvalue = _make('kthvalue', _VI)
cummax = _make('cummax', _VI)
cummin = _make('cummin', _VI)
aminmax = _make('aminmax', ('min', 'max'))
histogram = _make('histogram', ('hist', 'bin_edges'))
slogdet = _make('slogdet', ('sign', 'logabsdet'))
linalg_slogdet = _make('linalg_slogdet', ('sign', 'logabsdet'))
qr = _make('qr', ('Q', 'R'))
linalg_qr = _make('linalg_qr', ('Q', 'R'))
svd = _make('svd', ('U', 'S', 'V'))
linalg_svd = _make('linalg_svd', ('U', 'S', 'Vh'))
eig = _make('eig', ('eigenvalues', 'eigenvectors'))
linalg_eig = _make('linalg_eig', ('eigenvalues', 'eigenvectors'))
eigh = _make('eigh', ('eigenvalues', 'eigenvectors'))
linalg_eigh = _make('linalg_eigh', ('eigenvalues', 'eigenvectors'))
lu_unpack = _make('lu_unpack', ('P', 'L', 'U'))
linalg_lu = _make('linalg_lu', ('P', 'L', 'U'))
lu_factor = _make('lu_factor', ('LU', 'pivots'))
linalg_lu_factor = _make('linalg_lu_factor', ('LU', 'pivots'))
frexp = _make('frexp', ('mantissa', 'exponent'))
geqrf = _make('geqrf', ('a', 'tau'))
triangular_solve = _make('triangular_solve', ('solution', 'cloned_coefficient'))
lstsq = _make('lstsq', ('solution', 'QR'))
linalg_lstsq = _make('linalg_lstsq', ('solution', 'residuals', 'rank', 'singular_values'))
linalg_inv_ex = _make('linalg_inv_ex', ('inverse', 'info'))
linalg_cholesky_ex = _make('linalg_cholesky_ex', ('L', 'info'))
linalg_ldl_factor = _make('linalg_ldl_factor', ('LD', 'pivots'))
linalg_solve_ex = _make('linalg_solve_ex', ('result', 'info'))

__all__ = sorted(n for n, v in list(globals().items())
                 if isinstance(v, type) and issubclass(v, _StructSeq) and v is not _StructSeq)
