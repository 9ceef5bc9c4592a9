"""The example at the top of README.md runs as written (and its checkpoint loads in torch)."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_readme_example_runs(tmp_path):
    text = open(os.path.join(ROOT, 'README.md')).read()
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert 'import ember as torch' in block
    r = subprocess.run([sys.executable, '-c', block], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    import torch
    sd = torch.load(tmp_path / 'net.pt', weights_only=True)
    assert list(sd) == ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    assert tuple(sd['fc1.weight'].shape) == (128, 784)
