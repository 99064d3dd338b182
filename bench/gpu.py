"""The prepared device check of issue 16: CIFAR-10-sized trainings, strategies, memory and concurrency on one device.

    python bench/gpu.py                       # on a CUDA machine: the full check (< 8 min on an H100/H200-class GPU)
    python bench/gpu.py --device cpu --quick  # end to end on the CPU in a couple of minutes (a test runs this)

It writes a synthetic CIFAR-10 root in the real python-pickle format (`genreuse.data.write_cifar10_sample`: 50,000 +
10,000 random images; `--quick`: 2,000 + 400), then measures on the device:
- one training of ResNet-18 with the `cifar10` profile per training method at 3,000 labels (`--quick`: 300), epochs
  scaled down; reported per optimizer step and extrapolated to the profile's budget (200 epochs, MixMatch 200 x 100);
- SimCLR pretraining steps; Base steps of the future models WRN-28-2 and WRN-28-10;
- fp32 against mixed precision (`training.Compute`), per step;
- the query strategies on a 50,000-row pool (`--quick`: 5,000) of 512 features;
- peak memory over a 10-cycle DAL run, and the memory left once it is over;
- throughput with k = 1, 2, 4, 8 concurrent Base trainings on the one device (`--quick`: 1, 2);
and extrapolates the device-hours of the whole `paper` grid on CIFAR-10 with the best k. Results go to
`{out}/gpu-{device}.md` and the per-step cost table `{out}/step_cost-{cuda|cpu}.csv` (columns profile, arch, training,
seconds_per_step), which `genreuse-sweep --dry-run` reads.
"""
import argparse, gc, re, resource, tempfile, time
from dataclasses import astuple
import multiprocessing as mp
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from genreuse.data import load_data, write_cifar10_sample
from genreuse.loop import DALConfig, run_dal
from genreuse.methods import TRAININGS, train_model
from genreuse.models import EVAL_MODELS, FUTURE_MODELS
from genreuse.models import build_for
from genreuse.simclr import pretrain_simclr
from genreuse.strategies import STRATEGIES
from genreuse.cost import estimate_hours, sweep_steps, train_steps
from genreuse.grid import get_grid
from genreuse.training import Compute
from genreuse.profiles import get_profile

PAPER = get_profile('cifar10')
SIZES = dict(full=dict(per_batch=10_000, labels=3000, pool=50_000, ks=(1, 2, 4, 8), steps=60, profile={}),
             quick=dict(per_batch=200, labels=128, pool=2_000, ks=(1, 2), steps=2,
                        profile=dict(width=0.125, simclr=dict(bs=64))))   # --quick checks the code paths, not speed
QUICK_NOTE = (" `--quick` uses models at width 0.125 and tiny sizes: it checks the code paths, and its numbers say "
              "nothing about the real grid.")
OVERRIDES = {}   # the size's profile overrides, set by `main` (and passed to the concurrent workers)


def cifar_profile(**kw):
    "The `cifar10` profile with the size's overrides and `kw`"
    return get_profile(get_profile('cifar10', **OVERRIDES), **kw)   # a dict for a group replaces only the fields it names


def sync(device):
    if device.startswith('cuda'): torch.cuda.synchronize()


def timed(fn, device):
    "Seconds `fn()` takes on `device` (synchronised), and its result"
    sync(device); t0 = time.perf_counter()
    r = fn()
    sync(device)
    return time.perf_counter() - t0, r


def method_profile(steps, n_labeled):
    "The `cifar10` profile scaled to about `steps` optimizer steps per training method at `n_labeled` (SimCLR: one short epoch)"
    per_epoch = max(1, n_labeled // PAPER.batch_size)
    return cifar_profile(epochs=max(1, steps // per_epoch), mixmatch=dict(epochs=1, iters=steps), simclr=dict(epochs=1))


def bench_methods(data, n, compute, steps, weights):
    "Seconds per optimizer step of ResNet-18 with each training method (Self-SL/3SL: after their SimCLR weights exist)"
    p, idx = method_profile(steps, n), np.random.default_rng(0).choice(data.n_train, n, replace=False)
    rows = []
    for t in TRAININGS:
        train_model('resnet18', data, idx[:64], t, get_profile(p, epochs=1, mixmatch=dict(iters=1)), weights_dir=weights,
                    compute=compute)   # warm-up; Self-SL/3SL also pretrain (one SimCLR epoch) here, outside the timing
        pr = p.for_arch('resnet18')
        n_steps = train_steps(pr, t, n, data.n_train)
        sec, _ = timed(lambda: train_model('resnet18', data, idx, t, p, weights_dir=weights, compute=compute), compute.device)
        rows.append(dict(arch='resnet18', training=t, amp=compute.amp, steps=n_steps, seconds_per_step=sec / n_steps))
    return rows


def bench_simclr_and_future(data, compute, steps):
    "Seconds per step of SimCLR pretraining (ResNet-18) and of Base training of the future models"
    p = cifar_profile(simclr=dict(epochs=1))
    sub = data if data.n_train <= steps * p.simclr.bs else _subset(data, steps * p.simclr.bs)
    pr = p.for_arch('resnet18')
    sec, _ = timed(lambda: pretrain_simclr(compute.prepare(build_for('resnet18', sub, pr.width)), sub, pr, compute=compute),
                   compute.device)
    rows = [dict(arch='resnet18', training='simclr', amp=compute.amp, steps=sub.n_train // p.simclr.bs,
                 seconds_per_step=sec / max(1, sub.n_train // p.simclr.bs))]
    idx = np.arange(min(data.n_train, steps * p.batch_size))
    for arch in FUTURE_MODELS:
        q = cifar_profile(epochs=1)
        sec, _ = timed(lambda: train_model(arch, data, idx, 'base', q, compute=compute), compute.device)
        n_steps = train_steps(q.for_arch(arch), 'base', len(idx), data.n_train)
        rows.append(dict(arch=arch, training='base', amp=compute.amp, steps=n_steps, seconds_per_step=sec / n_steps))
    return rows


def _subset(data, n):
    from dataclasses import replace
    return replace(data, x_train=data.x_train[:n], y_train=data.y_train[:n])


def bench_strategies(pool, device):
    "Seconds of each paper strategy on `pool` unlabeled rows of 512 features (3,000 labeled, budget 300)"
    g = torch.Generator().manual_seed(0)
    u, l = torch.randn(pool, 512, generator=g).to(device), torch.randn(3000, 512, generator=g).to(device)
    probs = torch.randn(pool, 10, generator=g).softmax(1).to(device)
    args = dict(random=lambda: STRATEGIES['random'](pool, 300), margin=lambda: STRATEGIES['margin'](probs, 300),
                coreset=lambda: STRATEGIES['coreset'](u, l, 300), badge=lambda: STRATEGIES['badge'](u, probs, 300),
                typiclust=lambda: STRATEGIES['typiclust'](u, l, 300))
    return [dict(strategy=k, seconds=timed(f, device)[0]) for k, f in args.items()]


def peak_memory(device):
    if device.startswith('cuda'): return torch.cuda.max_memory_allocated() / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def bench_memory(root, device, out):
    "Peak and remaining memory (GiB) over a 10-cycle DAL run of ResNet-18 with MixMatch on the synthetic root"
    if device.startswith('cuda'): torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated() / 2**30 if device.startswith('cuda') else None
    cfg = DALConfig(dataset='cifar10', data_root=str(root), strategy='margin', model='resnet18', training='semi',
                    profile='smoke', init_size=100, query_size=50, cycles=9, out_dir=str(out), device=device)
    sec, tbl = timed(lambda: run_dal(cfg), device)
    gc.collect()
    after = torch.cuda.memory_allocated() / 2**30 if device.startswith('cuda') else None
    return dict(cycles=len(tbl), seconds=sec, peak_gib=peak_memory(device), before_gib=before, after_gib=after)


def _concurrent(args):
    "One of k concurrent Base trainings (a fresh process): (start, end, steps)"
    root, device, steps, seed, overrides = args
    torch.set_num_threads(1)
    OVERRIDES.update(overrides)
    data = load_data('cifar10', root=root, device=device)
    p = cifar_profile(epochs=steps)
    idx = np.random.default_rng(seed).choice(data.n_train, p.batch_size, replace=False)
    compute = Compute.for_device(device)
    train_model('resnet18', data, idx[:8], 'base', get_profile(p, epochs=1), compute=compute)   # warm-up
    sync(device); t0 = time.time()
    train_model('resnet18', data, idx, 'base', p, seed=seed, compute=compute)
    sync(device)
    return t0, time.time(), steps


def bench_concurrency(root, device, ks, steps):
    "Aggregate Base steps per second with k trainings at once on the device"
    rows, ctx = [], mp.get_context('spawn')
    for k in ks:
        with ctx.Pool(k) as pool: res = pool.map(_concurrent, [(str(root), device, steps, s, OVERRIDES) for s in range(k)])
        span = max(r[1] for r in res) - min(r[0] for r in res)
        rows.append(dict(k=k, steps_per_second=sum(r[2] for r in res) / span))
    base = rows[0]['steps_per_second']
    for r in rows: r['speedup'] = r['steps_per_second'] / base
    return rows


STAND_IN = {'resnet6': 'resnet18', 'resnet10': 'resnet18', 'wrn28_2': 'wrn28_10'}   # costed as (upper bounds)


def grid_hours(costs, speedup):
    "Trainings, steps and device-hours of the `paper` grid on CIFAR-10 (`sweep.sweep_steps`) at the measured `costs`"
    steps = sweep_steps(get_grid('paper'), 'cifar10', astuple(PAPER.budget), 50_000)
    r18 = costs[costs.arch == 'resnet18'].set_index('training').seconds_per_step
    def cost(arch, training):   # unmeasured methods of an architecture: its Base cost x ResNet-18's ratio to Base
        own = costs[costs.arch == STAND_IN.get(arch, arch)].set_index('training').seconds_per_step
        return own[training] if training in own else own['base'] * r18[training] / r18['base']
    table = steps[['arch', 'training']].assign(profile='cifar10', seconds_per_step=[cost(a, t) for a, t in
                                                                                   zip(steps.arch, steps.training)])
    est = estimate_hours(steps, table, 'cifar10')
    return est, est.hours.sum() / speedup


def md_table(df):
    cols = list(df.columns)
    fmt = lambda v: f'{v:.4g}' if isinstance(v, float) else str(v)
    return '\n'.join(['| ' + ' | '.join(cols) + ' |', '|' + '---|' * len(cols)] +
                     ['| ' + ' | '.join(fmt(v) for v in r) + ' |' for r in df.itertuples(index=False)])


def report(device, name, sz, methods, other, strategies, memory, conc, hours, est, wall):
    "The markdown report"
    mx = pd.DataFrame(methods)
    amp = mx.pivot_table(index='training', columns='amp', values='seconds_per_step').reset_index()
    best = max(conc, key=lambda r: r['steps_per_second'])
    lines = [f"# Device check: {name}", '',
             f"`python bench/gpu.py --device {device}{' --quick' if sz['per_batch'] < 10_000 else ''}`; torch {torch.__version__}; "
             f"synthetic CIFAR-10 of {5 * sz['per_batch']:,} + {sz['per_batch']:,} images; ResNet-18 (`cifar10` profile) at "
             f"{sz['labels']:,} labels; {wall / 60:.1f} min in all." + QUICK_NOTE * bool(sz['profile']), '',
             '## Seconds per optimizer step, by training method (fp32 vs mixed precision)', '', md_table(mx), '',
             md_table(amp.rename(columns={False: 'fp32', True: 'mixed'})), '',
             '## SimCLR and the future models (per step)', '', md_table(pd.DataFrame(other)), '',
             '## Strategies (50,000-row pool in the full check)', '', md_table(pd.DataFrame(strategies)), '',
             '## Memory over a 10-cycle DAL run (ResNet-18, MixMatch, smoke budgets)', '', md_table(pd.DataFrame([memory])), '',
             '## Concurrent trainings on the one device', '', md_table(pd.DataFrame(conc)), '',
             '## The paper grid on CIFAR-10, extrapolated', '',
             md_table(est), '',
             f"With the fastest settings measured here and k = {best['k']} concurrent trainings ({best['speedup']:.2f}x "
             f"one): **{hours:,.1f} device-hours**. ResNet-6/-10 are costed as ResNet-18 and WRN-28-2 as WRN-28-10 "
             "(upper bounds), methods not measured on a WRN as its Base step times ResNet-18's ratio to Base; query "
             "and evaluation time is not included (see the strategy table)."]
    return '\n'.join(lines) + '\n'


def step_costs(methods, other):
    "Rows of the per-step cost table: the fastest measured setting per (arch, training)"
    df = pd.DataFrame(methods + other).groupby(['arch', 'training'], as_index=False)['seconds_per_step'].min()
    return df.assign(profile='cifar10')[['profile', 'arch', 'training', 'seconds_per_step']]


def main(device='auto', quick=False, out='bench/results'):
    sz, t_start = SIZES['quick' if quick else 'full'], time.time()
    OVERRIDES.update(sz['profile'])
    compute = Compute.for_device(device)
    device, out = compute.device, Path(out)
    name = torch.cuda.get_device_name(0) if device.startswith('cuda') else 'cpu'
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)/'cifar'
        write_cifar10_sample(root, n_per_batch=sz['per_batch'])
        data = load_data('cifar10', root=root, device=device)
        weights = Path(tmp)/'weights'
        settings = [compute] if not compute.amp else [Compute(device), compute]
        methods = [r for c in settings for r in bench_methods(data, sz['labels'], c, sz['steps'], weights)]
        other = bench_simclr_and_future(data, compute, sz['steps'])
        strategies = bench_strategies(sz['pool'], device)
        del data; gc.collect()
        memory = bench_memory(root, device, Path(tmp)/'runs')
        conc = bench_concurrency(root, device, sz['ks'], sz['steps'])
    costs = step_costs(methods, other)
    est, hours = grid_hours(costs, max(r['speedup'] for r in conc))
    out.mkdir(parents=True, exist_ok=True)
    tag = re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')
    text = report(device, name, sz, methods, other, strategies, memory, conc, hours, est, time.time() - t_start)
    (out/f'gpu-{tag}.md').write_text(text)
    costs.to_csv(out/f"step_cost-{'cuda' if device.startswith('cuda') else 'cpu-cifar10'}.csv", index=False)
    print(text)
    return out/f'gpu-{tag}.md'


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='auto', help="auto, cpu, cuda or cuda:N")
    ap.add_argument('--quick', action='store_true', help='small sizes: end to end on a CPU in a couple of minutes')
    ap.add_argument('--out', default='bench/results', help='folder for gpu-<device>.md and the step-cost table')
    a = ap.parse_args()
    main(a.device, a.quick, a.out)
