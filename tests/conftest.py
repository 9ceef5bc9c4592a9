import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running test (CI runs them too)")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
