"""Anomaly detection: record where each node was created; fail on NaN gradients."""
ENABLED = False


def is_anomaly_enabled():
    return ENABLED


def set_detect_anomaly_flag(mode):
    global ENABLED
    ENABLED = bool(mode)


class detect_anomaly:
    """Context manager / decorator turning anomaly detection on.

    While on, every node remembers the Python stack of the forward call that created it, and
    a backward that produces NaN raises ``RuntimeError`` naming the node and printing that stack.
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self.prev = ENABLED
        set_detect_anomaly_flag(True)

    def __exit__(self, *exc):
        set_detect_anomaly_flag(self.prev)

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with detect_anomaly(self.check_nan):
                return fn(*a, **k)
        return wrapper


class set_detect_anomaly:
    def __init__(self, mode, check_nan=True):
        self.prev = ENABLED
        set_detect_anomaly_flag(mode)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        set_detect_anomaly_flag(self.prev)
