"""RemovableHandle: what register_*hook returns."""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """Holds a hook in a dict; ``remove()`` takes it out. Usable as a context manager."""

    def __init__(self, hooks_dict, fn=None):
        self.id = next(_ids)
        self._hooks = hooks_dict
        if fn is not None:
            hooks_dict[self.id] = fn

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
