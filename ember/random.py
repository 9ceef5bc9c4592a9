"""Random number generators (``ember.random``, ``ember.Generator``, ``ember.manual_seed``).

A ``Generator`` wraps a NumPy ``numpy.random.Generator`` over a PCG64 bit generator. Its
state is reproducible within ember (``manual_seed``, ``get_state``/``set_state``); the
streams are not bit-identical to PyTorch's Mersenne Twister.
"""
import contextlib
import os

import numpy as np

from ._device import as_device
from ._tensor import Tensor

__all__ = ['set_rng_state', 'get_rng_state', 'manual_seed', 'seed', 'initial_seed', 'fork_rng',
           'Generator', 'default_generator']

_DEFAULT_SEED = 67280421310721  # torch's default CPU seed
_MASK64 = (1 << 64) - 1
_MAGIC = b'EMBRPCG1'
# layout of a state tensor: magic(8) | seed(8) | state(16) | inc(16) | has_uint32(1) | uinteger(4)
_STATE_SIZE = 8 + 8 + 16 + 16 + 1 + 4


def _check_seed(seed):
    try:
        seed = int(seed)
    except (TypeError, ValueError) as e:
        raise type(e)(str(e)) from None
    if not -(1 << 63) <= seed <= _MASK64:
        raise ValueError("Overflow when unpacking long long")
    return seed & _MASK64


class Generator:
    """torch.Generator: a seedable source of random numbers (CPU only)."""

    __slots__ = ('device', '_seed', '_np', '__weakref__')

    def __init__(self, device='cpu'):
        self.device = as_device(device)
        self._reseed(_DEFAULT_SEED)

    def _reseed(self, seed):
        self._seed = seed
        self._np = np.random.Generator(np.random.PCG64(seed))

    def manual_seed(self, seed):
        self._reseed(_check_seed(seed))
        return self

    def seed(self):
        """Seed from a non-deterministic source; returns the new seed."""
        s = int.from_bytes(os.urandom(8), 'little')
        self._reseed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        st = self._np.bit_generator.state
        buf = (_MAGIC + self._seed.to_bytes(8, 'little')
               + st['state']['state'].to_bytes(16, 'little')
               + st['state']['inc'].to_bytes(16, 'little')
               + bytes([st['has_uint32'] & 1])
               + int(st['uinteger']).to_bytes(4, 'little'))
        return Tensor._make(np.frombuffer(buf, dtype=np.uint8).copy())

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        n = new_state._data.size
        if n != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found the input "
                               f"RNG state size to be {n}")
        buf = new_state._data.reshape(-1).tobytes()
        if buf[:8] != _MAGIC:
            raise RuntimeError("Invalid RNG state: not a state produced by ember's Generator.get_state()")
        seed = int.from_bytes(buf[8:16], 'little')
        bg = np.random.PCG64()
        bg.state = {'bit_generator': 'PCG64',
                    'state': {'state': int.from_bytes(buf[16:32], 'little'),
                              'inc': int.from_bytes(buf[32:48], 'little')},
                    'has_uint32': buf[48], 'uinteger': int.from_bytes(buf[49:53], 'little')}
        self._seed = seed
        self._np = np.random.Generator(bg)
        return self

    def __repr__(self):
        return f"<ember.Generator object at {hex(id(self))}>"

    def __getstate__(self):
        return {'device': str(self.device), 'state': self.get_state()._data.tobytes()}

    def __setstate__(self, d):
        self.device = as_device(d['device'])
        self._reseed(_DEFAULT_SEED)
        self.set_state(Tensor._make(np.frombuffer(d['state'], dtype=np.uint8).copy()))


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator; returns it (like torch.manual_seed)."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller='fork_rng', _devices_kw='devices', device_type=None):
    """Restore the default generator's state on exit (CPU only: ``devices`` must be empty)."""
    if not enabled:
        yield
        return
    if devices:
        raise RuntimeError("ember.random.fork_rng: ember has no accelerator devices; pass devices=[] "
                           "or leave it None")
    state = default_generator.get_state()
    try:
        yield
    finally:
        default_generator.set_state(state)
