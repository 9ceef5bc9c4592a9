"""Side-by-side speed of ember and torch, printed as ember/torch time ratios.

    python bench/run.py                 # 1 and 2 threads, all suites
    python bench/run.py --threads 1 --suite core

Each thread count runs in a fresh child process with OMP/OpenBLAS/MKL threads fixed before
NumPy and torch load (torch.set_num_threads too), so both frameworks get the same cores.
Within a child, ember and torch runs of each workload are interleaved and repeated; the
reported time is the median per call. Ratio < 1 means ember is faster.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _time_per_call(fn, min_time=0.02):
    """Seconds per call: grow the loop count until a batch takes min_time."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time:
            return dt / n
        n = n * 2 if dt <= 0 else max(n * 2, int(n * min_time / dt * 1.2))


def measure(e_fn, t_fn, repeats):
    e_fn(), t_fn()  # warm up
    es, ts = [], []
    for _ in range(repeats):
        es.append(_time_per_call(e_fn))
        ts.append(_time_per_call(t_fn))
    return statistics.median(es), statistics.median(ts)


# ------------------------------------------------------------------ suites
def _suites():
    """bench/suites/<name>.py each define workloads(ember, torch, np) -> [(name, setup)]."""
    d = os.path.join(HERE, 'suites')
    return sorted(f[:-3] for f in os.listdir(d) if f.endswith('.py') and not f.startswith('_'))


def _load_suite(name):
    import importlib.util
    spec = importlib.util.spec_from_file_location(f'bench_suite_{name}', os.path.join(HERE, 'suites', name + '.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.workloads


def child(threads, suites, repeats, out_json):
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    sys.path.insert(0, os.path.dirname(HERE))
    import ember
    rows = []
    for suite in suites:
        for name, setup in _load_suite(suite)(ember, torch, np):
            try:
                e_fn = setup(ember)
                e_fn()
            except Exception as exc:  # an op ember does not have yet
                rows.append({'suite': suite, 'name': name, 'error': f'{type(exc).__name__}: {exc}'[:80]})
                continue
            t_fn = setup(torch)
            e, t = measure(e_fn, t_fn, repeats)
            rows.append({'suite': suite, 'name': name, 'ember_s': e, 'torch_s': t, 'ratio': e / t})
    with open(out_json, 'w') as f:
        json.dump(rows, f)


def _fmt_time(s):
    if s < 1e-3:
        return f'{s * 1e6:8.1f} us'
    return f'{s * 1e3:8.2f} ms'


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', default='1,2', help='comma-separated thread counts')
    ap.add_argument('--suite', default=','.join(_suites()), help='comma-separated suites: ' + ', '.join(_suites()))
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--markdown', metavar='FILE',
                    help='also write the results as tables into FILE (e.g. bench/README.md), '
                         'replacing everything after its "<!-- results -->" line')
    ap.add_argument('--child', type=int, help=argparse.SUPPRESS)
    ap.add_argument('--out', help=argparse.SUPPRESS)
    args = ap.parse_args()
    suites = args.suite.split(',')
    if args.child:
        child(args.child, suites, args.repeats, args.out)
        return
    load = os.getloadavg()[0]
    all_rows = {}
    print(f"ember/torch benchmark  (load average {load:.2f} on {os.cpu_count()} cores"
          f"{'; machine busy: ratios are noisier' if load > 0.5 else ''})")
    for n in [int(x) for x in args.threads.split(',')]:
        env = dict(os.environ)
        for k in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
            env[k] = str(n)
        out = os.path.join(HERE, f'.results-{n}.json')
        subprocess.run([sys.executable, __file__, '--child', str(n), '--suite', args.suite,
                        '--repeats', str(args.repeats), '--out', out], env=env, check=True)
        rows = json.load(open(out))
        os.remove(out)
        all_rows[n] = rows
        print(f"\n== {n} thread{'s' if n > 1 else ''} ==")
        print(f"{'workload':48s} {'ember':>11s} {'torch':>11s} {'ember/torch':>12s}")
        for r in rows:
            if 'error' in r:
                print(f"{r['name']:48s} {'n/a':>11s} {'':>11s} {'':>12s}  ({r['error']})")
            else:
                print(f"{r['name']:48s} {_fmt_time(r['ember_s']):>11s} {_fmt_time(r['torch_s']):>11s} "
                      f"{r['ratio']:11.2f}x")

    if args.markdown:
        _write_markdown(args.markdown, all_rows, load)


def _machine():
    import platform
    import numpy as np
    try:
        import torch
        tv = torch.__version__
    except ImportError:
        tv = 'not installed'
    try:
        from threadpoolctl import threadpool_info
        blas = ', '.join(f"{i.get('internal_api')} {i.get('version')}" for i in threadpool_info()
                         if i.get('user_api') == 'blas') or 'unknown'
    except ImportError:
        blas = 'unknown (threadpoolctl not installed)'
    return (f"{os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__} "
            f"(BLAS: {blas}), torch {tv}")


def _write_markdown(path, all_rows, load):
    import datetime
    marker = '<!-- results -->'
    head = open(path).read().split(marker)[0] if os.path.exists(path) else '# bench results\n\n'
    lines = [marker, '',
             f"Generated by `python bench/run.py --markdown {path}` on "
             f"{datetime.date.today().isoformat()}. Machine: {_machine()}; load average at start "
             f"{load:.2f}. Median of repeats; **ember/torch < 1 means ember is faster.**", '']
    for n, rows in all_rows.items():
        lines += [f"### {n} thread{'s' if n > 1 else ''}", '',
                  '| workload | ember | torch | ember/torch |', '| --- | ---: | ---: | ---: |']
        for r in rows:
            if 'error' in r:
                lines.append(f"| {r['name']} | n/a | | ({r['error']}) |")
            else:
                lines.append(f"| {r['name']} | {_fmt_time(r['ember_s']).strip()} | "
                             f"{_fmt_time(r['torch_s']).strip()} | {r['ratio']:.2f}x |")
        lines.append('')
    with open(path, 'w') as f:
        f.write(head + '\n'.join(lines))


if __name__ == '__main__':
    main()
