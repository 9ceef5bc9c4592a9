"""ember.vision: torchvision's counterpart (datasets, transforms, models, utils).

Includes ``datasets.Digits``, the UCI handwritten-digits set that ships with ember.
Pillow (the ``vision`` extra) is imported only by the functions that need it.
"""
from . import datasets, transforms, utils, models  # noqa: F401
