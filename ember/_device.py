"""Devices. ember computes on the CPU (NumPy); 'cuda' and others are recognised and refused clearly."""

import re

_DEVICE_RE = re.compile(r'([a-zA-Z_]+)(?::([1-9]\d*|0))?\Z')
_KNOWN = ('cpu', 'cuda', 'ipu', 'xpu', 'mkldnn', 'opengl', 'opencl', 'ideep', 'hip', 've', 'fpga',
          'maia', 'xla', 'lazy', 'vulkan', 'mps', 'meta', 'hpu', 'mtia', 'privateuseone')


def _invalid_combination(args):
    got = ', '.join(type(a).__name__ for a in args)
    return TypeError(
        f"device() received an invalid combination of arguments - got ({got}), but expected one of:\n"
        " * (ember.device device)\n"
        " * (str type, int index = -1)\n")


class device:
    """ember.device('cpu'), device('cuda', 0), device('cuda:1'): like torch.device."""
    __slots__ = ('type', 'index')

    def __init__(self, type, index=None):
        if type.__class__ is device:
            if index is not None:
                raise _invalid_combination((type, index))
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool) and index is None:
            # torch.device(0) means "accelerator 0"; ember has none
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if not isinstance(type, str):
            raise _invalid_combination((type,) if index is None else (type, index))
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                            f"{index.__class__.__name__}")
        if not type:
            raise RuntimeError("Device string must not be empty")
        m = _DEVICE_RE.match(type)
        if m is None:
            raise RuntimeError(f"Invalid device string: '{type}'")
        name, idx = m.group(1), m.group(2)
        if idx is not None:
            if index is not None:
                raise RuntimeError("type (string) must not include an index because index was passed "
                                   f"explicitly: {type}")
            index = int(idx)
        if name not in _KNOWN:
            raise RuntimeError(f"Expected one of {', '.join(_KNOWN)} device type at start of device "
                               f"string: {name}")
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type = name
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        # like torch: a device equals only another device (device('cpu') == 'cpu' is False)
        if other.__class__ is not device:
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    # ``with ember.device('cpu'):`` -- the default device is always the CPU
    def __enter__(self):
        as_device(self)
        return self

    def __exit__(self, *exc):
        return False


CPU = device('cpu')


class CudaUnavailableError(RuntimeError, AssertionError):
    """Raised for CUDA requests. torch raises AssertionError('Torch not compiled with CUDA
    enabled'); this is both a RuntimeError and an AssertionError so either handler catches it."""


def as_device(d):
    """Normalise a device argument and refuse devices this build cannot run on."""
    if d is None or d is CPU:
        return CPU
    if d.__class__ is not device:
        d = device(d)
    if d.type != 'cpu':
        if d.type == 'cuda':
            raise CudaUnavailableError("ember not compiled with CUDA enabled: ember runs on the CPU "
                                       "(NumPy) only")
        raise RuntimeError(f"ember is not linked with support for {d.type} devices: only the 'cpu' "
                           "device is supported")
    return CPU
