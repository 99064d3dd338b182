"""Time per epoch of the four training methods (Base, Semi-SL, Self-SL, 3SL) on digits, and SimCLR pretraining time.

For each architecture: SimCLR pretraining into a fresh temporary weights store (timed: total and per epoch), then each method
through `methods.train_model` with those cached weights (timed: total and per epoch of its training loop). The labeled pool is
the digits DAL final pool size (init_size + cycles * query_size labels, random). Run with e.g.
`OMP_NUM_THREADS=1 python bench/methods.py`; writes bench/results/methods.md.
"""
import argparse, os, platform, shutil, statistics, tempfile, time
from pathlib import Path
import numpy as np, torch
from genreuse.data import load_data
from genreuse.profiles import get_profile
from genreuse.simclr import create_pretrained
from genreuse.training import Compute
from genreuse.methods import TRAININGS, train_model


def _epochs(p, training, n_labeled):
    "Epochs of the training loop of `training` on `n_labeled` labels (Self-SL/3SL fine-tune like Base/Semi-SL)"
    return p.mixmatch.for_pool(n_labeled).epochs if training in ('semi', '3sl') else p.base_epochs(n_labeled)


def bench(arch, n_labeled, repeats, profile='digits'):
    data = load_data('digits')
    p = get_profile(profile).for_arch(arch)
    idx = np.random.default_rng(0).choice(data.n_train, n_labeled, replace=False)
    store = Path(tempfile.mkdtemp())
    try:
        t0 = time.perf_counter()
        create_pretrained(data, p, seed=0, weights_dir=store, compute=Compute())
        pre = time.perf_counter() - t0
        steps = dict(simclr=data.n_train // p.simclr.bs, base=max(1, n_labeled // p.batch_size), semi=p.mixmatch.iters)
        steps.update({'self': steps['base'], '3sl': steps['semi']})
        rows = dict(simclr=dict(total=pre, per_epoch=pre / p.simclr.epochs, epochs=p.simclr.epochs, steps=steps['simclr']))
        times = {t: [] for t in TRAININGS}
        for r in range(repeats):
            for t in TRAININGS if r % 2 == 0 else TRAININGS[::-1]:
                t0 = time.perf_counter()
                train_model(arch, data, idx, t, p, seed=0, weights_dir=store, pretrain='never')
                times[t].append(time.perf_counter() - t0)
        for t in TRAININGS:
            s = statistics.median(times[t])
            rows[t] = dict(total=s, per_epoch=s / _epochs(p, t, n_labeled), epochs=_epochs(p, t, n_labeled), steps=steps[t])
        return p.width, rows
    finally: shutil.rmtree(store)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--archs', nargs='+', default=['resnet6', 'resnet10', 'resnet18'])
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'methods.md'))
    a = ap.parse_args()
    p = get_profile('digits')
    n_labeled = p.budget.sizes[-1]
    res = {arch: bench(arch, n_labeled, a.repeats) for arch in a.archs}
    names = {'base': 'Base', 'semi': 'Semi-SL', 'self': 'Self-SL (fine-tune)', '3sl': '3SL (fine-tune)', 'simclr': 'SimCLR pretraining'}
    hdr = '| arch | width | method | epochs | steps / epoch | s / epoch | s total |\n|---|---|---|---|---|---|---|'
    lines = [f"| {arch} | {w:g} | {names[k]} | {v['epochs']} | {v['steps']} | {v['per_epoch']:.3f} | {v['total']:.2f} |"
             for arch, (w, rows) in res.items() for k, v in rows.items()]
    env = (f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), OMP_NUM_THREADS="
           f"{os.environ.get('OMP_NUM_THREADS', 'unset')}, {platform.processor() or platform.machine()}, CPU; "
           f"profile `digits` (widths after `for_arch`), {n_labeled} labels, {load_data('digits').n_train} training images; "
           f"training times are the median of {a.repeats} runs (alternating order), pretraining is one run")
    text = (f"# Training methods on digits: time per epoch\n\n{env}\n\n"
            "Base and Self-SL epochs are passes over the labeled pool (batch `batch_size`, incomplete last batch dropped); "
            "Semi-SL and 3SL epochs are "
            "`mixmatch.iters` MixMatch steps; a SimCLR epoch is a pass over all training images (batch `simclr.bs`, two "
            "views each). Self-SL and 3SL times exclude pretraining, which is done once per (architecture, seed) and "
            f"cached.\n\n{hdr}\n" + '\n'.join(lines) + '\n')
    print(text)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(text)


if __name__ == '__main__': main()
