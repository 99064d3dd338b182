"""Time and memory of the query strategies on a CIFAR-10-sized pool (run by hand, not a test).

    python bench/strategies.py                 # CPU, writes bench/results/strategies.md
    python bench/strategies.py --device cuda   # on a GPU machine (writes strategies-cuda.md)

Pool: 50,000 unlabeled x 512 features plus 3,000 labeled, 10 classes, budget 300 (the paper's query size), and for
BALD 20 MC-dropout samples. Features are synthetic but shaped like penultimate ResNet features: non-negative,
grouped by class. Each strategy runs in a fresh subprocess so that its peak resident memory (`ru_maxrss`, which
also sees torch's allocations, unlike tracemalloc) is its own; the inputs are built in that process too, so the
peak includes them (about 0.2 GB) and the Python/torch baseline.
"""
import argparse, json, os, platform, resource, subprocess, sys, time
from datetime import datetime, timezone
from pathlib import Path

GOALS = dict(random=None, margin=0.1, entropy=None, least_confidence=None, bald=None, coreset=3., badge=15., typiclust=15.)
MEM_GOAL_GB = 2.

def make_inputs(n, d, n_lab, classes, mc, device, seed=0):
    "Synthetic class-clustered features, softmax probabilities and MC-dropout samples, float32 on `device`."
    import torch
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(classes, d, generator=g) * 1.5
    y = torch.randint(classes, (n + n_lab,), generator=g)
    feats = torch.randn(n + n_lab, d, generator=g)
    for i in range(0, len(feats), 4096): feats[i:i+4096].add_(centers[y[i:i+4096]]).relu_()   # chunked: no temporaries
    w = torch.randn(d, classes, generator=g) / d**.5
    logits = feats[n_lab:] @ w * 3
    out = dict(labeled_features=feats[:n_lab], unlabeled_features=feats[n_lab:], probs=logits.softmax(1), n_unlabeled=n)
    if mc: out['mc_probs'] = (logits[None] + torch.randn(mc, n, classes, generator=g)).softmax(-1)
    return {k: v.to(device) if hasattr(v, 'to') else v for k, v in out.items()}

def _rss_gb():
    "Current resident memory of this process in GB (psutil when installed, else the peak so far)."
    try:
        import psutil
        return psutil.Process().memory_info().rss / 2**30
    except ImportError: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20

def worker(a):
    "Time one strategy in this process; print a JSON line with seconds and memory."
    import inspect, torch
    from genreuse.strategies import STRATEGIES
    if a.threads: torch.set_num_threads(a.threads)
    fn = STRATEGIES[a.worker]
    params = inspect.signature(fn).parameters
    small = make_inputs(500, 16, 50, a.classes, 2 if 'mc_probs' in params else 0, a.device, seed=1)
    fn(**{k: v for k, v in small.items() if k in params}, budget=20)   # warm-up: kernels, thread pools
    inp = make_inputs(a.n, a.d, a.labeled, a.classes, a.mc if 'mc_probs' in params else 0, a.device)
    kw = {k: v for k, v in inp.items() if k in params}
    sync = torch.cuda.synchronize if a.device.startswith('cuda') else (lambda: None)
    if a.device.startswith('cuda'): torch.cuda.reset_peak_memory_stats()
    rss0 = _rss_gb()
    times = []
    for _ in range(a.repeat):
        sync(); t = time.perf_counter()
        picks = fn(**kw, budget=a.budget)
        sync(); times.append(time.perf_counter() - t)
        assert len(set(picks.tolist())) == a.budget
    res = dict(strategy=a.worker, seconds=sorted(times)[len(times) // 2], min_seconds=min(times),
               peak_gb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, inputs_gb=rss0)
    if a.device.startswith('cuda'): res['gpu_peak_gb'] = torch.cuda.max_memory_allocated() / 2**30
    print(json.dumps(res))

def main(a):
    rows = []
    for s in a.strategies:
        cmd = [sys.executable, __file__, '--worker', s] + [f'--{k}={getattr(a, k)}' for k in
               ('device', 'n', 'd', 'labeled', 'classes', 'budget', 'mc', 'threads', 'repeat') if getattr(a, k) is not None]
        p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, 'PYTHONPATH': str(Path(__file__).parents[1])})
        if p.returncode: sys.exit(f'{s} failed:\n{p.stderr}')
        rows.append(json.loads(p.stdout.strip().splitlines()[-1]))
        print(f"{s}: {rows[-1]['seconds']:.3f} s, peak {rows[-1]['peak_gb']:.2f} GB", file=sys.stderr)
    import torch
    gpu = a.device.startswith('cuda')
    head = ['strategy', 'median time (s)', 'min time (s)', 'goal (s)', 'peak RSS (GB)', 'RSS with inputs, before the call (GB)'] + (['GPU peak (GB)'] if gpu else []) + ['met']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        goal = GOALS.get(r['strategy'])
        ok = (goal is None or r['seconds'] <= goal) and r['peak_gb'] <= MEM_GOAL_GB
        cells = [r['strategy'], f"{r['seconds']:.3f}", f"{r['min_seconds']:.3f}", '-' if goal is None else f'{goal:g}', f"{r['peak_gb']:.2f}",
                 f"{r['inputs_gb']:.2f}"] + ([f"{r['gpu_peak_gb']:.2f}"] if gpu else []) + ['yes' if ok else 'NO']
        lines.append('| ' + ' | '.join(cells) + ' |')
    dev = torch.cuda.get_device_name() if gpu else f'{platform.processor() or platform.machine()}, {os.cpu_count()} cores'
    md = '\n'.join([
        '# Query strategy benchmark', '',
        f'Generated by `python bench/strategies.py {" ".join(sys.argv[1:])}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.', '',
        f'Pool: {a.n:,} unlabeled x {a.d} features + {a.labeled:,} labeled, {a.classes} classes, budget {a.budget}, '
        f'BALD with T={a.mc}. Device: {a.device} ({dev}); torch {torch.__version__}, '
        f'{a.threads or torch.get_num_threads()} torch threads, load average {os.getloadavg()[0]:.1f} at the end. '
        f'Goals: median time as listed, peak memory <= {MEM_GOAL_GB:g} GB. Each strategy runs in a fresh process: '
        f'a small warm-up call, then {a.repeat} timed calls; the peak RSS includes the inputs and the Python/torch '
        'baseline. On a busy machine, torch\'s worker threads wait for each other at every parallel op, which slows the '
        'per-pick loops of CoreSets, BADGE and TypiClust several-fold; `--threads 1` gives steadier numbers there.', '',
        *lines, ''])
    out = Path(a.out or Path(__file__).parent / 'results' / ('strategies.md' if not gpu else 'strategies-cuda.md'))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md)
    print(md)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cpu', help="torch device of the inputs, e.g. cpu or cuda")
    ap.add_argument('--strategies', nargs='+', default=['random', 'margin', 'entropy', 'least_confidence', 'bald',
                                                        'coreset', 'badge', 'typiclust'])
    ap.add_argument('--n', type=int, default=50_000, help='unlabeled rows')
    ap.add_argument('--d', type=int, default=512, help='feature dimension')
    ap.add_argument('--labeled', type=int, default=3_000, help='labeled rows')
    ap.add_argument('--classes', type=int, default=10)
    ap.add_argument('--budget', type=int, default=300)
    ap.add_argument('--mc', type=int, default=20, help='MC-dropout samples for BALD')
    ap.add_argument('--repeat', type=int, default=3, help='timed calls per strategy (the table shows median and min)')
    ap.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s choice, all cores)')
    ap.add_argument('--out', default=None, help='markdown file to write (default bench/results/strategies[-cuda].md)')
    ap.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    worker(a) if a.worker else main(a)
