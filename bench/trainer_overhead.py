"""Overhead of genreuse's fastai Base trainer over a plain PyTorch loop.

Both train the same model (same initial weights) on the same rows of digits (2-D ResNets, MLP) or MNIST-1D (1-D ResNets) for the same epochs and batch size, with the same
per-batch weak augmentation + normalization, SGD (momentum 0.9, Nesterov, weight decay) and per-step cosine annealing to 0.
Both are seeded identically, so they also end with the same weights (checked). Runs alternate; the median CPU time
(`time.process_time`, robust to other processes sharing the machine) of each is compared; wall-clock medians are shown too.
Run with e.g. `OMP_NUM_THREADS=1 python bench/trainer_overhead.py`; writes bench/results/trainer_overhead.md.
"""
import argparse, copy, math, os, platform, statistics, time
from pathlib import Path
import numpy as np, torch, torch.nn.functional as F
from genreuse.data import DEFAULT_ROOT, load_data, profile_dataset
from genreuse.models import build_for
from genreuse.training import Compute, fit_base, seed_everything
from genreuse.profiles import batches_per_epoch, get_profile


def plain_fit(model, data, idx, p, seed):
    "Reference loop: what `fit_base` does, without fastai"
    seed_everything(seed)
    x, y = data.x_train[idx], data.y_train[idx]
    n, bs = len(x), p.batch_size
    steps, epochs = batches_per_epoch(n, bs), p.base_epochs(n)
    total, t = epochs * steps, 0
    opt = torch.optim.SGD(model.parameters(), lr=p.lr, momentum=p.momentum, nesterov=True, weight_decay=p.weight_decay)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(n)
        for i in range(steps):
            for g in opt.param_groups: g['lr'] = p.lr * (1 + math.cos(math.pi * t / total)) / 2
            b = perm[i*bs:(i+1)*bs]
            loss = F.cross_entropy(model(data.normalize(data.weak_augment(x[b]))), y[b])
            loss.backward()
            opt.step()
            opt.zero_grad()
            t += 1
    return model.eval()


def bench(arch, n_labeled, epochs, repeats, profile='digits'):
    data = load_data(profile_dataset(profile), root=DEFAULT_ROOT)
    p = get_profile(profile, epochs=epochs).for_arch(arch)
    idx = torch.as_tensor(np.random.default_rng(0).choice(data.n_train, n_labeled, replace=False))
    torch.manual_seed(0)
    init = build_for(arch, data, p.width)
    cpu, wall, models = {'fastai': [], 'plain': []}, {'fastai': [], 'plain': []}, {}
    for r in range(repeats + 1):  # the first round warms up and is not timed
        for kind in ('plain', 'fastai') if r % 2 else ('fastai', 'plain'):
            m = copy.deepcopy(init)
            c0, w0 = time.process_time(), time.perf_counter()
            if kind == 'fastai': fit_base(m, data, idx, p, seed=1, compute=Compute())
            else: plain_fit(m, data, idx, p, seed=1)
            if r: cpu[kind].append(time.process_time() - c0); wall[kind].append(time.perf_counter() - w0)
            models[kind] = m
    sd = [models[k].state_dict().values() for k in ('fastai', 'plain')]
    diff = max((a.float() - b.float()).abs().max().item() for a, b in zip(*sd))
    med = lambda d, k: statistics.median(d[k])
    steps = epochs * (n_labeled // p.batch_size if n_labeled > p.batch_size else 1)
    return dict(data=f"{data.name} {tuple(data.x_train.shape[1:])}", arch=arch, width=p.width, n_labeled=n_labeled, epochs=epochs, steps=steps, fastai_s=med(cpu, 'fastai'),
                plain_s=med(cpu, 'plain'), ratio=med(cpu, 'fastai') / med(cpu, 'plain'),
                wall_ratio=med(wall, 'fastai') / med(wall, 'plain'), max_weight_diff=diff)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'trainer_overhead.md'))
    a = ap.parse_args()
    ep = get_profile('digits').epochs
    cases = [('resnet18', 100, ep), ('resnet10', 100, ep), ('resnet6', 100, ep), ('resnet18', 1000, 3), ('mlp', 1000, 20),
             *[(arch, 150, 40, 'mnist1d') for arch in ('resnet18', 'resnet10', 'resnet6')]]   # the MNIST-1D grid's final pool
    rows = [bench(*c[:3], a.repeats, *c[3:]) for c in cases]
    hdr = ('| data | arch | width | labeled | epochs | steps | ms / step | fastai CPU s | plain CPU s | ratio (CPU) | ratio (wall) | '
           'max weight diff |\n|' + '---|' * 12)
    lines = [f"| {r['data']} | {r['arch']} | {r['width']} | {r['n_labeled']} | {r['epochs']} | {r['steps']} | "
             f"{1000 * r['fastai_s'] / r['steps']:.1f} | {r['fastai_s']:.3f} | "
             f"{r['plain_s']:.3f} | {r['ratio']:.3f} | {r['wall_ratio']:.3f} | {r['max_weight_diff']:.1e} |" for r in rows]
    env = (f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), OMP_NUM_THREADS="
           f"{os.environ.get('OMP_NUM_THREADS', 'unset')}, {platform.processor() or platform.machine()}, "
           f"median of {a.repeats} alternating runs after one warm-up round")
    worst = max(r['ratio'] for r in rows)
    total = sum(r['fastai_s'] for r in rows) / sum(r['plain_s'] for r in rows)
    sig = [r for r in rows if r['data'].startswith('mnist1d')]
    sig_ratio = sum(r['fastai_s'] for r in sig) / sum(r['plain_s'] for r in sig)
    text = (f"# Base trainer overhead: fastai `fit_base` vs a plain PyTorch loop\n\n{env}\n\n{hdr}\n" + '\n'.join(lines) +
            f"\n\nCPU-time ratio over all cases: **{total:.3f}×**; worst single case {worst:.3f}× (goal ≤ 1.1×); "
            f"the 1-D ResNets on MNIST-1D: **{sig_ratio:.3f}×** (goal ≤ 1.15×). "
            "Weight diff 0 means both runs did the same computation. The shorter a step (ms / step), the more fastai's "
            "fixed bookkeeping per batch shows.\n")
    print(text, flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(text)


if __name__ == '__main__': main()
