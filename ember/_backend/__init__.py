"""The array namespace. NumPy on the CPU; the only module ops take their array library from.

Op bodies write ``xp.exp(x)`` rather than ``numpy.exp(x)`` so that a second backend
(CuPy on 'cuda') can be slotted in per device without touching the ops.
"""
import numpy as xp  # noqa: F401

__all__ = ['xp']
