"""Anomaly detection: record where each node was created; fail on NaN gradients.

While enabled, every node remembers the Python stack of the forward call that created it
(ember's own frames left out). If a node's backward raises, or (with ``check_nan``) returns
NaN values, a UserWarning "Error detected in <Node>. Traceback of forward call that caused
the error: ..." is issued (printed to stderr by default) and a RuntimeError is raised.
"""
import os
import traceback
import warnings

ENABLED = False
CHECK_NAN = True

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_anomaly_enabled():
    return ENABLED


def is_anomaly_check_nan_enabled():
    return CHECK_NAN


def set_detect_anomaly_flag(mode, check_nan=True):
    global ENABLED, CHECK_NAN
    ENABLED = bool(mode)
    CHECK_NAN = bool(check_nan)


def forward_trace():
    """The current stack without ember's frames, formatted like a traceback."""
    frames = [f for f in traceback.extract_stack()[:-1] if not f.filename.startswith(_PKG_DIR)]
    return ''.join(traceback.format_list(frames))


def report(node):
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the "
                  f"error:\n{node._trace}", UserWarning, stacklevel=3)


class detect_anomaly:
    """Context manager / decorator turning anomaly detection on."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and "
                      "should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self.prev = (ENABLED, CHECK_NAN)
        set_detect_anomaly_flag(True, self.check_nan)

    def __exit__(self, *exc):
        set_detect_anomaly_flag(*self.prev)

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with self.__class__(self.check_nan):
                return fn(*a, **k)
        return wrapper


class set_detect_anomaly:
    """Sets anomaly detection on or off (at construction; also usable as a context manager)."""

    def __init__(self, mode, check_nan=True):
        self.prev = (ENABLED, CHECK_NAN)
        set_detect_anomaly_flag(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        set_detect_anomaly_flag(*self.prev)
