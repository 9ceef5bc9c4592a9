"""Anomaly mode: NaN in backward names the node and shows the forward call's traceback."""
import warnings

import pytest
import torch

import ember


def _nan_div(m):
    x = m.zeros(3, requires_grad=True)
    y = x / x                        # FORWARD-LINE-DIV
    y.sum().backward()


class _NanBack:
    @staticmethod
    def make(m):
        class NanBack(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * float('nan')
        return NanBack


def _enabled(m):
    # torch.is_anomaly_enabled (ember: also ember.autograd.is_anomaly_enabled)
    f = getattr(m, 'is_anomaly_enabled', None) or m.autograd.is_anomaly_enabled
    return f()


def _line_of(marker):
    import inspect
    src, start = inspect.getsourcelines(_nan_div)
    for i, line in enumerate(src):
        if marker in line:
            return start + i
    raise AssertionError(marker)


@pytest.mark.parametrize('m', [torch, ember], ids=['torch', 'ember'])
def test_detect_anomaly_nan_div(m, capsys):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        with m.autograd.detect_anomaly():
            with pytest.raises(RuntimeError, match="Function 'DivBackward0' returned nan values in its 1th output."):
                _nan_div(m)
    msgs = [str(x.message) for x in w]
    assert any("Anomaly Detection has been enabled" in s for s in msgs)
    trace = [s for s in msgs if "Error detected in DivBackward0" in s]
    assert trace, msgs
    assert __file__.rstrip('c') in trace[0] and f"line {_line_of('FORWARD-LINE-DIV')}" in trace[0]
    assert "x / x" in trace[0]
    assert not _enabled(m)


@pytest.mark.parametrize('m', [torch, ember], ids=['torch', 'ember'])
def test_set_detect_anomaly_custom_function(m):
    F = _NanBack.make(m)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        m.autograd.set_detect_anomaly(True)
        try:
            assert _enabled(m)
            x = m.ones(2, requires_grad=True)
            y = F.apply(x)  # FORWARD-LINE-CUSTOM
            with pytest.raises(RuntimeError, match="Function 'NanBackBackward' returned nan values in its 0th output."):
                y.sum().backward()
        finally:
            m.autograd.set_detect_anomaly(False)
    assert not _enabled(m)
    trace = [str(x.message) for x in w if "Error detected in NanBackBackward" in str(x.message)]
    assert trace and "FORWARD-LINE-CUSTOM" in trace[0]


@pytest.mark.parametrize('m', [torch, ember], ids=['torch', 'ember'])
def test_no_anomaly_no_error_and_check_nan_false(m):
    x = m.zeros(3, requires_grad=True)
    (x / x).sum().backward()  # NaN grads pass silently without anomaly mode
    assert m.isnan(x.grad).all() if hasattr(m, 'isnan') else True
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with m.autograd.detect_anomaly(check_nan=False):
            x2 = m.zeros(3, requires_grad=True)
            (x2 / x2).sum().backward()
            assert _enabled(m)


@pytest.mark.parametrize('m', [torch, ember], ids=['torch', 'ember'])
def test_anomaly_error_in_backward_reports_trace(m):
    class Boom(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            raise ValueError("boom")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        with m.autograd.detect_anomaly():
            x = m.ones(2, requires_grad=True)
            y = Boom.apply(x)  # FORWARD-LINE-BOOM
            with pytest.raises(ValueError, match="boom"):
                y.sum().backward()
    trace = [str(x.message) for x in w if "Error detected in BoomBackward" in str(x.message)]
    assert trace and "FORWARD-LINE-BOOM" in trace[0]


def test_anomaly_decorator():
    @ember.autograd.detect_anomaly()
    def f():
        return _enabled(ember)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert f() is True
    assert _enabled(ember) is False


def test_anomaly_trace_printed_to_stderr(tmp_path):
    import subprocess
    import sys
    script = tmp_path / "prog.py"
    script.write_text(
        "import ember\n"
        "x = ember.zeros(3, requires_grad=True)\n"
        "with ember.autograd.detect_anomaly():\n"
        "    y = x / x\n"
        "    try:\n"
        "        y.sum().backward()\n"
        "    except RuntimeError as e:\n"
        "        print(e)\n")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert "Function 'DivBackward0' returned nan values in its 1th output." in r.stdout
    assert "Error detected in DivBackward0" in r.stderr
    assert f'File "{script}", line 4' in r.stderr and "y = x / x" in r.stderr
