#!/usr/bin/env python
"""Measure how much of the commonly used torch API ember provides.

Reads the curated list ``docs/torch_api.txt`` (one fully-qualified torch / torchvision name a
line, grouped by ``# section`` lines; ``##`` lines are notes), maps each name to ember
(``torch.X`` -> ``ember.X``, ``torchvision.X`` -> ``ember.vision.X``, so ``torch.Tensor.m`` ->
``ember.Tensor.m``), checks which exist, and writes ``docs/api-coverage.md``.

    python tools/api_coverage.py            # regenerate docs/api-coverage.md
    python tools/api_coverage.py --check    # exit 1 if the committed file is stale

torch is not needed (and is blocked from importing while the check runs).
"""
import argparse
import importlib
import os
import sys
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIST_PATH = os.path.join(ROOT, 'docs', 'torch_api.txt')
DOC_PATH = os.path.join(ROOT, 'docs', 'api-coverage.md')
_MAPPING = (('torchvision', 'ember.vision'), ('torch', 'ember'))
_MISSING = object()


def read_list(path=LIST_PATH):
    """[(section, [torch names])] in file order."""
    sections, current = [], None
    with open(path, encoding='utf-8') as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith('##'):
                continue
            if line.startswith('#'):
                current = (line.lstrip('#').strip(), [])
                sections.append(current)
                continue
            if current is None:
                raise SystemExit(f'{path}:{lineno}: name before any "# section" line')
            if not line.startswith(('torch.', 'torchvision.')):
                raise SystemExit(f'{path}:{lineno}: not a torch/torchvision name: {line!r}')
            current[1].append(line)
    return sections


def to_ember(name):
    for src, dst in _MAPPING:
        if name == src or name.startswith(src + '.'):
            return dst + name[len(src):]
    raise ValueError(name)


class _Resolver:
    def __init__(self):
        self.errors = {}          # module name -> import error text (other than "no such module")
        self._modules = {}
        self._tensor_instance = None

    def _import(self, modname):
        if modname not in self._modules:
            try:
                self._modules[modname] = importlib.import_module(modname)
            except ModuleNotFoundError as e:
                # the module itself is absent; a missing dependency inside it is an error
                if e.name is not None and not (modname == e.name or modname.startswith(e.name + '.')):
                    self.errors[modname] = f'{type(e).__name__}: {e}'
                self._modules[modname] = None
            except Exception as e:  # a broken module counts as missing, but is reported
                self.errors[modname] = f'{type(e).__name__}: {e}'
                self._modules[modname] = None
        return self._modules[modname]

    def _tensor(self):
        if self._tensor_instance is None:
            import ember
            self._tensor_instance = ember.zeros(2, 2)
        return self._tensor_instance

    def exists(self, ember_name):
        parts = ember_name.split('.')
        # longest importable module prefix, then attributes
        obj, i = None, len(parts)
        while i > 0:
            obj = self._import('.'.join(parts[:i]))
            if obj is not None:
                break
            i -= 1
        if obj is None:
            return False
        for j in range(i, len(parts)):
            attr = getattr(obj, parts[j], _MISSING)
            if attr is _MISSING:
                # instance attributes of Tensor (grad, data, ...) may not live on the class
                if parts[:j] == ['ember', 'Tensor'] and j == len(parts) - 1:
                    with warnings.catch_warnings():
                        warnings.simplefilter('ignore')
                        try:
                            return hasattr(self._tensor(), parts[j])
                        except Exception:
                            return False
                return False
            obj = attr
        return True


def measure(sections=None):
    """[(section, total, [missing torch names])]."""
    if sections is None:
        sections = read_list()
    blocked = 'torch' not in sys.modules
    if blocked:
        sys.modules['torch'] = None      # any `import torch` inside ember fails loudly
    try:
        resolver = _Resolver()
        result = [(sec, len(names), [n for n in names if not resolver.exists(to_ember(n))])
                  for sec, names in sections]
    finally:
        if blocked:
            del sys.modules['torch']
    for mod, err in sorted(resolver.errors.items()):
        print(f'api_coverage: warning: importing {mod} failed: {err}', file=sys.stderr)
    return result


def overall(result):
    total = sum(t for _, t, _ in result)
    covered = total - sum(len(m) for _, _, m in result)
    return covered, total, 100.0 * covered / total if total else 0.0


def render(result):
    covered, total, pct = overall(result)
    out = [
        '# API coverage',
        '',
        '<!-- Generated by tools/api_coverage.py from docs/torch_api.txt; do not edit by hand. -->',
        '',
        'How much of the torch API that most programs use exists in ember. The curated list of '
        'names is `docs/torch_api.txt`; each `torch.X` is looked up as `ember.X`, each '
        '`torchvision.X` as `ember.vision.X` (`torch.Tensor.m` as `ember.Tensor.m`). '
        'Existence only: behaviour is checked against torch by the test suite. '
        'Regenerate with `python tools/api_coverage.py`.',
        '',
        f'**Overall: {covered} / {total} names ({pct:.1f}%).**',
        '',
        '| Section | Covered | % |',
        '|---|---:|---:|',
    ]
    for sec, tot, missing in result:
        cov = tot - len(missing)
        out.append(f'| {sec} | {cov} / {tot} | {100.0 * cov / tot if tot else 0.0:.1f}% |')
    out += ['', '## Missing names', '']
    any_missing = False
    for sec, tot, missing in result:
        if not missing:
            continue
        any_missing = True
        prefix = os.path.commonprefix([m.rsplit('.', 1)[0] + '.' for m in missing]) if missing else ''
        prefix = prefix[:prefix.rfind('.') + 1]
        out.append(f'### {sec} ({len(missing)} missing)')
        out.append('')
        if prefix:
            out.append(f'Under `{prefix[:-1]}`: ' + ', '.join(f'`{m[len(prefix):]}`' for m in missing))
        else:
            out.append(', '.join(f'`{m}`' for m in missing))
        out.append('')
    if not any_missing:
        out += ['None.', '']
    return '\n'.join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--check', action='store_true',
                   help='do not write; exit 1 if docs/api-coverage.md is not up to date')
    p.add_argument('--output', default=DOC_PATH, help='markdown file to write/check')
    args = p.parse_args(argv)
    result = measure()
    text = render(result)
    covered, total, pct = overall(result)
    if args.check:
        try:
            with open(args.output, encoding='utf-8') as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print(f'{os.path.relpath(args.output, ROOT)} is stale; regenerate it with '
                  '`python tools/api_coverage.py`', file=sys.stderr)
            return 1
        print(f'{os.path.relpath(args.output, ROOT)} is current: {covered}/{total} ({pct:.1f}%)')
        return 0
    with open(args.output, 'w', encoding='utf-8') as f:
        f.write(text)
    print(f'wrote {os.path.relpath(args.output, ROOT)}: {covered}/{total} ({pct:.1f}%)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
