"""ember.cuda: ember computes on the CPU only, so CUDA is never available.

Queries answer truthfully (``is_available()`` is False, ``device_count()`` is 0) so that
programs written as ``device = 'cuda' if torch.cuda.is_available() else 'cpu'`` run; anything
that needs a GPU raises a clear RuntimeError.
"""


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def _no_cuda(*args, **kwargs):
    raise RuntimeError("ember was built without CUDA support: no CUDA device is available "
                       "(ember runs on the CPU with NumPy)")


current_device = _no_cuda
set_device = _no_cuda
get_device_name = _no_cuda
get_device_properties = _no_cuda
synchronize = _no_cuda
memory_allocated = _no_cuda
max_memory_allocated = _no_cuda
empty_cache = _no_cuda


def manual_seed(seed):
    """Like torch: seeding CUDA without CUDA is silently a no-op (there is no CUDA RNG)."""


def manual_seed_all(seed):
    """Like torch: a no-op without CUDA devices."""


def is_bf16_supported(including_emulation=True):
    return False
