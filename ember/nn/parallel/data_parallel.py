"""DataParallel on ember's single CPU device.

torch's DataParallel replicates a module over several GPUs of one process. ember has one
device (the CPU), where torch's DataParallel also just runs the wrapped module: so does this
one — same results as the bare module, ``.module`` attribute and ``module.``-prefixed
state_dict keys. For several processes use DistributedDataParallel.
"""
from ..modules.module import Module

__all__ = ['DataParallel', 'data_parallel']


def _check_ids(ids, what):
    for d in ids or ():
        s = str(getattr(d, 'type', d))
        if s not in ('cpu',) and not isinstance(d, int):
            raise ValueError(f"DataParallel: invalid {what} {d!r}")


class DataParallel(Module):
    """Runs ``module`` on the one CPU device (torch's behaviour without GPUs)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        _check_ids(device_ids, 'device id')
        if output_device is not None:
            _check_ids([output_device], 'output device')
        self.module = module
        self.device_ids = []       # torch's value when no accelerator is available
        self.dim = dim
        self.output_device = None
        self.src_device_obj = None

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """Functional DataParallel: on one CPU device, ``module(*inputs, **module_kwargs)``."""
    _check_ids(device_ids, 'device id')
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
