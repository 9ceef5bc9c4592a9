"""python -m ember.compat: torch programs run on ember (each case in a fresh subprocess)."""
import os
import subprocess
import sys
import textwrap

import pytest

import ember.compat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(tmp_path, source, *args, mode='script'):
    script = tmp_path / 'prog.py'
    script.write_text(textwrap.dedent(source))
    if mode == 'script':
        cmd = [sys.executable, '-m', 'ember.compat', str(script), *args]
    elif mode == '-m':
        cmd = [sys.executable, '-m', 'ember.compat', '-m', 'prog', *args]
    else:
        cmd = [sys.executable, '-m', 'ember.compat', '-c', textwrap.dedent(source), *args]
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_torch_script_runs_on_ember(tmp_path):
    r = run(tmp_path, """
        import sys
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch import Tensor
        from torch.serialization import save, load
        x = torch.ones(2, 3)
        print(type(x).__module__)
        print(torch.__name__, nn.Module.__module__, F.__name__)
        print(isinstance(x, Tensor), torch.nn is nn, torch.nn.functional is F)
        print(sys.argv[1:], __name__)
        print('real torch loaded:', any(getattr(m, '__file__', None) and 'site-packages/torch'
                                        in m.__file__ for m in list(sys.modules.values())))
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.zeros(2))
        save(Net().state_dict(), 'net.pt')
        print(list(load('net.pt')))
    """, '--epochs', '2')
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == 'ember._tensor'
    assert lines[1] == 'torch ember.nn.modules.module torch.nn.functional'
    assert lines[2] == 'True True True'
    assert lines[3] == "['--epochs', '2'] __main__"
    assert lines[4] == 'real torch loaded: False'
    assert lines[5] == "['w']"


def test_missing_attribute_names_the_torch_api(tmp_path):
    r = run(tmp_path, """
        import torch
        torch.definitely_not_an_api(3)
    """)
    assert r.returncode == 1
    assert "AttributeError: module 'torch' has no attribute 'definitely_not_an_api'" in r.stderr
    assert 'ember does not implement torch.definitely_not_an_api' in r.stderr
    r = run(tmp_path, """
        import torch.nn as nn
        nn.NoSuchLayer
    """)
    assert 'ember does not implement torch.nn.NoSuchLayer' in r.stderr


def test_missing_module_names_the_torch_module(tmp_path):
    r = run(tmp_path, """
        import torch.no_such_module
    """)
    assert r.returncode == 1
    assert "ModuleNotFoundError: No module named 'torch.no_such_module'" in r.stderr
    assert 'ember does not implement torch.no_such_module' in r.stderr


def test_dash_m_and_dash_c(tmp_path):
    src = """
        import sys, torch
        print(type(torch.zeros(1)).__module__, sys.argv[1:])
    """
    r = run(tmp_path, src, 'x', mode='-m')
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ember._tensor ['x']"
    r = run(tmp_path, src, 'y', mode='-c')
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ember._tensor ['y']"


def test_usage_and_missing_script(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, '-m', 'ember.compat'], capture_output=True, text=True,
                       env=env, timeout=60)
    assert r.returncode == 2 and 'usage' in r.stderr
    r = subprocess.run([sys.executable, '-m', 'ember.compat', str(tmp_path / 'nope.py')],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and "can't open file" in r.stderr


def test_install_refuses_when_torch_already_imported():
    import torch  # noqa: F401  (the test process has the real torch)
    with pytest.raises(RuntimeError, match='already imported'):
        ember.compat.install()
    assert not ember.compat.is_installed()
    assert sys.modules['torch'].__file__.endswith('__init__.py')


def test_name_mapping():
    assert ember.compat.ember_name('torch') == 'ember'
    assert ember.compat.ember_name('torch.utils.data') == 'ember.utils.data'
    assert ember.compat.ember_name('torchvision.transforms') == 'ember.vision.transforms'
    assert ember.compat.ember_name('torchaudio') is None
    assert ember.compat.ember_name('torchx') is None


def test_no_torch_package_shipped():
    import importlib.util
    spec = importlib.util.find_spec('torch')
    assert spec is None or 'ember' not in (spec.origin or '')
    assert not os.path.exists(os.path.join(ROOT, 'torch'))
