"""Devices. ember computes on the CPU (NumPy); 'cuda' and others are recognised and refused clearly."""


class device:
    __slots__ = ('type', 'index')

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and index is None:
            # torch.device(0) means cuda:0
            type, index = 'cuda', type
        if not isinstance(type, str):
            raise TypeError(f"device(): argument 'type' must be str, not {type.__class__.__name__}")
        if ':' in type:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
            type, _, idx = type.partition(':')
            try:
                index = int(idx)
            except ValueError:
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'") from None
        if type not in _KNOWN:
            raise RuntimeError(
                f"Expected one of cpu, cuda, mps, meta device type at start of device string: {type}")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


_KNOWN = ('cpu', 'cuda', 'mps', 'meta', 'xpu')
CPU = device('cpu')


def as_device(d):
    """Normalise a device argument and refuse devices this build cannot run on."""
    if d is None:
        return CPU
    if d.__class__ is not device:
        d = device(d)
    if d.type != 'cpu':
        if d.type == 'cuda':
            raise RuntimeError("ember was built without CUDA support: no CUDA device is available "
                               "(ember runs on the CPU with NumPy)")
        raise RuntimeError(f"device '{d}' is not available in ember (only 'cpu' is supported)")
    return CPU
