"""Seconds per optimizer step of each training method per architecture and profile, on this machine's CPU, for the
cost estimate of `genreuse-sweep --dry-run`.

Each cost is the slope between two runs of the real training code (`methods.train_model`, `simclr.create_pretrained`)
on the profile's dataset (digits for profiles not named after one; the fastest of two runs each), one at least `--steps` steps and half a second longer than the other, so
the fixed cost of a training (building the model, moving the data, loading pretrained weights) cancels out; trainings
run on the profile's final DAL pool (random labels). Self-SL and 3SL fine-tune weights pretrained here with one
SimCLR epoch; a frozen-feature model's rows are its head's steps on the cached features of such a backbone (it has no
SimCLR row: its backbone's pretraining is that architecture's). Run with `OMP_NUM_THREADS=1 python bench/step_cost.py` (about 4 minutes on 1 thread); writes
bench/results/step_cost-cpu.csv (columns: profile, arch, training, seconds_per_step); with `--archs`/`--profiles`, only the
rows of the pairs measured are replaced.
`bench/gpu.py` writes bench/results/step_cost-cuda.csv in the same format.
"""
import argparse, csv, os, shutil, tempfile, time
from pathlib import Path
import numpy as np, torch
from genreuse.data import DEFAULT_ROOT, load_data, profile_dataset
from genreuse.methods import TRAININGS, train_model
from genreuse.models import EVAL_MODELS, FUTURE_MODELS, build_for
from genreuse.simclr import create_pretrained
from genreuse.training import Compute
from genreuse.profiles import get_profile


def timed(f, repeats=2):
    "Seconds `f()` takes: the fastest of `repeats` runs (the least disturbed by other processes)"
    def once():
        t0 = time.perf_counter()
        f()
        return time.perf_counter() - t0
    return min(once() for _ in range(repeats))


GROUP = dict(base=None, self=None, semi='mixmatch', **{'3sl': 'mixmatch'}, simclr='simclr')  # which `epochs` to set


def lengths(p, training, n_labeled, n_train, steps):
    "Two versions of profile `p` whose trainings of `training` differ by at least `steps` steps, and that difference"
    g = GROUP[training]
    per = dict(simclr=max(1, n_train // p.simclr.bs), mixmatch=p.mixmatch.iters).get(g, max(1, n_labeled // p.batch_size))
    e = -(-steps // per)   # epochs making at least `steps` steps
    make = lambda n: get_profile(p, **({g: {'epochs': n}} if g else {'epochs': n, 'min_steps': 0}))   # Base: exactly n epochs
    return make(1), make(1 + e), e * per


def step_cost(data, arch, training, p, idx, store, steps, min_s=0.5):
    """Seconds per step of `training` of `arch` with profile `p` (resolved for `arch`): the slope between two lengths,
    `steps` apart, doubled (up to 3 times) until the longer run takes `min_s` longer, so timer noise stays small"""
    if training == 'simclr': run = lambda q: create_pretrained(data, q, seed=0, weights_dir=store, compute=Compute())
    else: run = lambda q: train_model(arch, data, idx, training, q, seed=0, weights_dir=store, pretrain='never')
    for _ in range(4):
        short, long, extra = lengths(p, training, len(idx), data.n_train, steps)
        dt = timed(lambda: run(long)) - timed(lambda: run(short))
        if dt >= min_s: break
        steps *= 2
    return max(0., dt) / extra


def bench(profile, arch, data, steps):
    "Seconds per step of every training method (and SimCLR pretraining) of `arch` with `profile`"
    p = get_profile(profile).for_arch(arch)
    p = get_profile(p, simclr={'epochs': 1})   # the weights Self-SL and 3SL fine-tune
    b = p.budget
    idx = np.random.default_rng(0).choice(data.n_train, b.sizes[-1], replace=False)
    store = tempfile.mkdtemp()
    try:
        frozen = hasattr(build_for(arch, data, p.width), 'fit_head')   # as `methods.train_model` tells a frozen-feature model
        if frozen: train_model(arch, data, idx, 'base', p, seed=0, weights_dir=store)   # pretrains its backbone, caches the features
        else: create_pretrained(data, p, seed=0, weights_dir=store, compute=Compute())   # also the warm-up of this architecture
        return {t: step_cost(data, arch, t, p, idx, store, steps) for t in (*TRAININGS, *(() if frozen else ('simclr',)))}
    finally: shutil.rmtree(store)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--profiles', nargs='+', default=['digits', 'smoke'])
    ap.add_argument('--archs', nargs='+', default=[*EVAL_MODELS, *FUTURE_MODELS])
    ap.add_argument('--steps', type=int, default=16, help='extra steps of the longer run')
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'step_cost-cpu.csv'))
    a = ap.parse_args()
    t0 = time.time()
    data = {prof: load_data(profile_dataset(prof), root=DEFAULT_ROOT) for prof in a.profiles}
    rows = [dict(profile=prof, arch=arch, training=t, seconds_per_step=f'{s:.5f}')
            for prof in a.profiles for arch in a.archs for t, s in bench(prof, arch, data[prof], a.steps).items()]
    measured = {(r['profile'], r['arch']) for r in rows}
    if Path(a.out).exists():   # keep the rows of the (profile, arch) pairs not measured now
        with open(a.out, newline='') as f: rows = [r for r in csv.DictReader(f) if (r['profile'], r['arch']) not in measured] + rows
        archs = [*EVAL_MODELS, *FUTURE_MODELS]
        rows.sort(key=lambda r: (r['profile'], archs.index(r['arch']) if r['arch'] in archs else len(archs)))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, 'w', newline='') as f:
        w = csv.DictWriter(f, ['profile', 'arch', 'training', 'seconds_per_step'])
        w.writeheader()
        w.writerows(rows)
    print(open(a.out).read())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS', 'unset')}, load average {os.getloadavg()[0]:.1f}; "
          f"{time.time() - t0:.0f} s; wrote {a.out}")


if __name__ == '__main__': main()
