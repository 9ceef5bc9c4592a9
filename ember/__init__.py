"""ember: a PyTorch-compatible deep-learning framework on NumPy.

    import ember as torch
"""
import numpy as _np

# torch computes 1/0 = inf without warnings; NumPy would warn on every such element.
_np.seterr(all='ignore')

from . import _dtype
from ._dtype import (dtype, bool_ as bool, uint8, int8, int16, int32, int64, float16, bfloat16,
                     float32, float64, complex64, complex128, complex32,
                     get_default_dtype, set_default_dtype, promote_types, result_type, can_cast,
                     finfo, iinfo)
from ._device import device
from ._tensor import Tensor, Size
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                                 is_grad_enabled, is_inference_mode_enabled)
from . import autograd
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled
from ._tensor_str import set_printoptions
from ._tensor import (from_dlpack, layout, strided, memory_format, contiguous_format,
                      preserve_format, channels_last, channels_last_3d)
from .ops import *  # noqa: F401,F403  (the public op functions)
from . import linalg  # noqa: E402,F401  (torch.linalg)
from . import return_types  # noqa: E402,F401


half = float16
float = float32
double = float64
short = int16
int = int32
long = int64
cfloat = complex64
cdouble = complex128
chalf = complex32

__version__ = '0.1.0'


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def numel(input):
    return input.numel()


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError(f"Boolean value of Tensor with {'no values' if input.numel() == 0 else 'more than one value'} is ambiguous")
    return bool(input)

from . import random  # noqa: E402,F401
from .random import (Generator, default_generator, manual_seed, seed, initial_seed,  # noqa: E402,F401
                     get_rng_state, set_rng_state)
from . import nn  # noqa: E402,F401  (torch.nn is reachable after `import torch`)
from . import optim  # noqa: E402,F401
from . import distributed, multiprocessing  # noqa: E402,F401
from . import utils  # noqa: E402,F401
from .nn.functional import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,  # noqa: E402,F401
                            conv_transpose3d, max_pool1d, max_pool2d, max_pool3d, avg_pool1d,
                            adaptive_avg_pool1d, adaptive_max_pool1d)
from . import serialization  # noqa: E402
from .serialization import save, load  # noqa: E402
from . import cuda  # noqa: E402,F401
