"""Is every model of a grid trained to convergence (digits by default, `--profile mnist1d` for MNIST-1D)? The check of issue 13, §1.

For every (architecture, training method) pair — the query/evaluation ResNets and the future WRNs alike — and for the
pool sizes the grid trains it on, train on a random pool with the profile's budget and with `--factor` (4) times that budget, 3 seeds or more, and compare the mean accuracy on
the dataset's validation split (`DALData.x_val`: digits' 250 or MNIST-1D's 1,000 training rows that are never queried or
trained on; the test split is not touched). The dataset is the profile's own (`--dataset` to choose another). "4× the budget" scales every length of the method at once: Base epochs, MixMatch epochs and its
ramp-up, SimCLR pretraining epochs. The gap is the mean of the seeds' paired differences (same pool, same seed, 4× minus
1×) with its two-sided t-interval over the seeds at `--level` (90 %). A pair is converged at a pool size only when the
whole interval lies within ± `--tol` (1.5 points, the tolerance the profile was tuned to, about 4 of the 250 validation
images): an interval at level 1 − 2α inside ± the margin is exactly an equivalence test by two one-sided t-tests (TOST)
at level α, so 90 % gives a TOST at α = 0.05. A gap whose interval lies entirely outside ± the margin is NO (4× changes
the accuracy by more than the margin, up or down); one whose interval reaches across +margin or −margin is "not shown":
the seeds measured cannot tell. The pool sizes are the smallest and the largest of the profile's DAL budget (20 and 100 labels for `digits`)
for the query and evaluation models; the future models train only on final pools in the grid (the top configurations'
and the Random ones), so they are checked at the largest.

Each training is one row of bench/results/convergence.csv, written as soon as it ends, so an interrupted check resumes
and a changed budget, width or other profile value that a training reads (learning rate, MixMatch's λu or temperature,
SimCLR's values, ...; the `values` column hashes them) retrains only the rows it changes. The report bench/results/convergence.md (digits; convergence-<dataset>.md for others) has a row per pair and
pool size (budget, accuracy, 4×-budget accuracy, gap, seconds per training), the check of issue 13 §2 (future models at
least as accurate as the query models they succeed and as ResNet-18, Base on the final pool size, paired over seeds) and
the parameter counts.
SimCLR pretraining runs first, one task per (architecture, budget, seed), then the trainings, in `--jobs` processes of
one thread each, on `--device`: the CPU by default, or a GPU (`cuda`), whose rows the table keeps apart from the CPU's
and reports in convergence-cuda.md. `python bench/convergence.py` (about 1.5 hours on 2 cores); `--archs`/`--trainings` narrow what is
trained and `--sizes` the pool sizes, while the report keeps the grid's smallest and largest pool and every architecture,
training and pool size already measured, so checking a subset never drops rows from it.
"""
import argparse, csv, hashlib, json, os, time
from contextlib import nullcontext
from multiprocessing import get_context
from pathlib import Path
import numpy as np, pandas as pd, torch
from scipy import stats
from genreuse.checks import resolve_device
from genreuse.data import DEFAULT_ROOT, load_data, profile_dataset
from genreuse.executors import exit_with_parent
from genreuse.methods import TRAININGS, train_model
from genreuse.models import EVAL_MODELS, FUTURE_MODELS, build_for, num_params
from genreuse.simclr import create_pretrained, pretrained_path
from genreuse.training import Compute, val_accuracy
from genreuse.profiles import get_profile

RESULTS = Path(__file__).parent/'results'
COLS = ['profile', 'device', 'arch', 'width', 'training', 'labels', 'seed', 'factor', 'budget', 'rampup', 'values', 'val_accuracy', 'seconds']
KEY = ['arch', 'width', 'training', 'labels', 'factor', 'budget', 'rampup', 'values']   # with the seed: which training a row is
ADDED = {'values': '', 'device': 'cpu'}   # columns a table may predate, and what its rows had
UNUSED = {'base': ('mixmatch', 'simclr'), 'semi': ('simclr',), 'self': ('mixmatch',), '3sl': ()}   # groups a training ignores
FUTURE_PAIRS = (('wrn28_2', 'resnet10'), ('wrn28_10', 'resnet18'), ('wrn28_2', 'resnet18'))   # §2: (future model, query model it must match): the paper's successors, and ResNet-18 for both (issue 34)
PAPER_PARAMS = {'resnet6': None, 'resnet10': 4.9e6, 'resnet18': 11.2e6, 'wrn28_2': 1.5e6, 'wrn28_10': 36.5e6}


def gap_interval(d, level=0.9):
    "The mean of the paired differences `d` and the bounds of its two-sided t-interval at `level` (NaN bounds with fewer than 2)"
    d = np.asarray(d, float)
    if len(d) < 2: return (d.mean() if len(d) else np.nan), np.nan, np.nan
    half = stats.t.ppf((1 + level) / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return d.mean(), d.mean() - half, d.mean() + half


def verdict(lo, hi, tol):
    "'yes' when the interval [`lo`, `hi`] lies within ±`tol` (equivalence, a TOST), 'NO' when it lies entirely outside, else 'not shown'"
    if pd.isna(lo) or pd.isna(hi): return 'not shown'
    if -tol <= lo and hi <= tol: return 'yes'
    return 'NO' if lo > tol or hi < -tol else 'not shown'


OVERRIDES = {}   # `--override`: Profile fields to try before changing the profile itself

def scaled(profile, arch, factor):
    "The profile (with `OVERRIDES`) resolved for `arch`, every training length (Base, MixMatch and its ramp-up, SimCLR) times `factor`"
    p = get_profile(profile, **OVERRIDES).for_arch(arch)
    mm, sc = p.mixmatch, p.simclr
    return get_profile(p, epochs=p.epochs * factor, min_steps=p.min_steps * factor, simclr={'epochs': sc.epochs * factor},
                       mixmatch={'epochs': mm.epochs * factor, 'rampup_epochs': mm.rampup_epochs * factor})


def budget(p, training, labels):
    "The budget of `training` on `labels` labels under resolved profile `p`, in words"
    mm = p.mixmatch.for_pool(labels)
    base, mm, sc = f"{p.base_epochs(labels)} ep", f"{mm.epochs}x{mm.iters} it", f"{p.simclr.epochs} SimCLR ep"
    return dict(base=base, semi=mm, self=f"{sc} + {base}", **{'3sl': f"{sc} + {mm}"})[training]


def rampup(p, training, labels):
    "MixMatch's ramp-up epochs of `training` on `labels` labels under resolved profile `p`, as text ('' without MixMatch)"
    return f"{p.mixmatch.for_pool(labels).rampup_epochs:g}" if training in ('semi', '3sl') else ''


def profile_values(p, training):
    "A short hash of every value of resolved profile `p` that `training` reads (lr, weight decay, MixMatch's and SimCLR's values, ...)"
    r = {k: v for k, v in p.record().items() if k not in ('name', 'min_steps', *UNUSED[training])}   # min_steps: in `budget`
    return hashlib.sha1(json.dumps(r, sort_keys=True).encode()).hexdigest()[:12]


def setting(profile, arch, training, labels, factor):
    "What tells a training's rows apart besides pool and seed: width, budget, ramp-up and the hash of the values of `scaled(profile, arch, factor)`"
    p = scaled(profile, arch, factor)
    return dict(width=p.width, budget=budget(p, training, labels), rampup=rampup(p, training, labels),
                values=profile_values(p, training))


def pool_sizes(arch, sizes):
    "The pool sizes of `sizes` that `arch` trains on in the grid: all for a query model, the final one for a future model"
    return [max(sizes)] if arch in FUTURE_MODELS else sizes


def pool(n_train, labels, seed):
    "The random pool of `labels` rows for `seed`, shared by both budgets"
    return np.random.default_rng(10_000 + seed).choice(n_train, labels, replace=False)


DATA = {}   # `--dataset` and `--data-root` of the check, set in every worker

def _init_worker(overrides, data, parent=None):
    "Set up a process that trains: one thread, the overrides and data of the check; a pool worker (`parent` given) ends with its parent"
    if parent is not None: exit_with_parent(parent)
    torch.set_num_threads(1)
    OVERRIDES.update(overrides)
    DATA.update(data)


def dataset(device='cpu'):
    "The check's dataset on `device` (generated datasets are cached under the data root)"
    return load_data(DATA['name'], root=DATA['root'], device=device)


def _pretrain(task):
    profile, arch, factor, seed, weights, device = task
    data, p = dataset(device), scaled(profile, arch, factor)
    compute = Compute(str(data.x_train.device))   # what the store's path is keyed by, for the check and the pretraining alike
    if pretrained_path(weights, data.name, p, seed, compute).exists(): return task, None   # pretrained by an earlier check
    t = time.perf_counter()
    create_pretrained(data, p, seed=seed, weights_dir=weights, compute=compute)
    return task, time.perf_counter() - t


def _train(task):
    profile, arch, training, labels, seed, factor, weights, device = task
    data = dataset(device)
    p = scaled(profile, arch, factor)
    t = time.perf_counter()
    m = train_model(arch, data, pool(data.n_train, labels, seed), training, p, seed=seed, weights_dir=weights,
                    pretrain='never')
    secs = time.perf_counter() - t
    return dict(profile=profile, device=device, arch=arch, training=training, labels=labels, seed=seed, factor=factor,
                **setting(profile, arch, training, labels, factor), val_accuracy=round(val_accuracy(m, data), 2), seconds=round(secs, 2))


def with_added_columns(rows):
    "`rows` with the `ADDED` columns it lacks, at the value its rows had"
    return rows.assign(**{c: v for c, v in ADDED.items() if c not in rows})


def done_rows(path, profile, device='cpu'):
    "Rows of `profile` already measured on `device` (a budget, ramp-up, width or other value that changed since gives new rows)"
    rows = pd.read_csv(path, dtype={'rampup': str, 'values': str}, keep_default_na=False) if path.exists() else pd.DataFrame(columns=COLS)
    rows = with_added_columns(rows)   # as `add_missing_columns` writes them (--report-only does not write the table)
    return rows[(rows.profile == profile) & (rows.device == device)]


def add_missing_columns(path):
    """Give a table written before rows were keyed by their profile values (an empty `values` column: its rows match no
    setting) or by their device (`device` cpu: every earlier check ran on the CPU) the columns of `COLS`"""
    if not path.exists(): return
    have = pd.read_csv(path, nrows=0).columns
    if all(c in have for c in ADDED): return
    rows = with_added_columns(pd.read_csv(path, dtype=str, keep_default_na=False))
    tmp = path.with_suffix('.tmp')
    rows[COLS].to_csv(tmp, index=False)
    tmp.replace(path)


def measure(profile, archs, trainings, sizes, seeds, factor, jobs, weights, path, device='cpu'):
    "Run the trainings not yet in `path` on `device`, appending a row per training as it ends"
    add_missing_columns(path)
    have = done_rows(path, profile, device)
    key = lambda r: (*(r[c] for c in KEY), int(r['seed']))
    seen = {key(r) for r in have.to_dict('records')}
    todo = [(profile, a, t, n, s, f, weights, device) for a in archs for t in trainings for n in pool_sizes(a, sizes) for s in seeds
            for f in (1, factor) if key(dict(arch=a, training=t, labels=n, seed=s, factor=f, **setting(profile, a, t, n, f))) not in seen]
    pre = sorted({(profile, a, f, s, weights, device) for _, a, t, _, s, f, *_ in todo if t in ('self', '3sl')},
                 key=lambda x: (-x[2], x[1], x[3]))   # the longer budget first: less idle tail
    todo.sort(key=lambda x: -x[5] * (3 if x[1].startswith('wrn') else 1))   # long ones first: less idle tail
    print(f"{len(todo)} trainings to run ({len(seen)} already measured), {len(pre)} SimCLR pretrainings", flush=True)
    if not todo and not pre: return
    new = not path.exists()
    pool = nullcontext() if jobs == 1 else get_context('spawn').Pool(jobs, initializer=_init_worker, initargs=(OVERRIDES, DATA, os.getpid()))
    with pool as ex, open(path, 'a', newline='') as f:
        if ex is None: _init_worker(OVERRIDES, DATA)   # one job: the trainings run in this process, on one thread
        run = map if ex is None else ex.imap_unordered
        w = csv.DictWriter(f, COLS, lineterminator='\n')
        if new: w.writeheader()
        for i, (task, secs) in enumerate(run(_pretrain, pre)):
            print(f"pretrained {i + 1}/{len(pre)} {task[1]} x{task[2]} seed {task[3]}: "
                  f"{'in the weights store' if secs is None else f'{secs:.0f} s'}", flush=True)
        for i, row in enumerate(run(_train, todo)):
            w.writerow({**row, 'profile': profile}); f.flush()
            print(f"{i + 1}/{len(todo)} {row['arch']} {row['training']} {row['labels']} labels seed {row['seed']} "
                  f"x{row['factor']}: {row['val_accuracy']} % in {row['seconds']} s", flush=True)


def report(profile, archs, trainings, sizes, grid_sizes, min_seeds, factor, tol, path, device='cpu', level=0.9):
    "The markdown report of the rows of the profile's current budgets: every seed measured with both budgets, each gap with its t-interval at `level` judged against ±`tol`; the counts are of the `grid_sizes` (the grid's smallest and largest pool), other `sizes` apart"
    rows = done_rows(path, profile, device)
    cur = [dict(arch=a, training=t, labels=n, factor=f, **setting(profile, a, t, n, f))
           for a in archs for t in trainings for n in pool_sizes(a, sizes) for f in (1, factor)]
    rows = rows.merge(pd.DataFrame(cur), on=KEY)
    if rows.empty: raise SystemExit(f"{path}: no measured rows for the {profile!r} profile's current budgets on {device}; run without --report-only")
    keys = ['arch', 'training', 'labels']
    paired = rows.pivot_table(index=[*keys, 'seed'], columns='factor', values='val_accuracy').reindex(columns=[1, factor])
    paired = paired.dropna()   # a seed counts once it has both budgets
    d = (paired[factor] - paired[1]).groupby(keys)
    ci = pd.DataFrame(d.apply(lambda x: gap_interval(x, level)).tolist(), index=d.count().index, columns=['gap', 'lo', 'hi'])
    t = pd.DataFrame(dict(acc=paired[1].groupby(keys).mean(), acc_big=paired[factor].groupby(keys).mean(),
                          n=d.count())).join(ci).reset_index()
    measured = set(rows[keys].itertuples(index=False, name=None))
    grid = pd.DataFrame([dict(arch=a, training=m, labels=n, budget=setting(profile, a, m, n, 1)['budget'])
                         for a in archs for m in trainings for n in pool_sizes(a, sizes)
                         if n in grid_sizes or (a, m, n) in measured])   # the grid's pools: every pair (unmeasured: incomplete); others: what was measured
    secs = rows[rows.factor == 1].groupby(keys).seconds.mean().rename('secs').reset_index()
    t = grid.merge(secs, on=keys, how='left').merge(t, on=keys, how='left').fillna({'n': 0})
    t['converged'] = [verdict(r.lo, r.hi, tol) if r.n >= min_seeds else 'incomplete' for r in t.itertuples()]
    order = {a: i for i, a in enumerate(archs)}, {m: i for i, m in enumerate(trainings)}
    t = t.sort_values(keys, key=lambda c: c.map(order[0] if c.name == 'arch' else order[1]) if c.name != 'labels' else c)
    seeds = sorted(map(int, paired.reset_index().seed.unique()))
    lines = [f"# Convergence of the `{profile}` profile on the validation split", "",
             f"torch {torch.__version__}, {'CPU' if device == 'cpu' else f'{device} (fp32)'}, one thread per training. Validation accuracy (%) on the {DATA['n_val']:,} validation rows "
             f"of {DATA['name']}, mean over every seed measured with both budgets (seeds column; at least {min_seeds}; seeds "
             f"{', '.join(map(str, seeds))} occur); each seed draws one random pool, trained with the profile's budget "
             f"and with {factor}× it (every length: Base epochs, MixMatch epochs and ramp-up, SimCLR epochs). Gap: the mean of "
             f"the seeds' paired differences ({factor}× minus 1×: same pool, same seed, two budgets) with its two-sided "
             f"{level * 100:g} % t-interval over the seeds. Converged: **yes** only when the whole interval lies within ±{tol:g} "
             f"points, an equivalence test (an interval at 1 − 2α inside ± the margin is two one-sided t-tests, TOST, at "
             f"level α; {level * 100:g} % gives α = {(1 - level) / 2:g}); **NO** when it lies entirely outside ±{tol:g} (the "
             f"{factor}× budget gains, or loses, more than the margin); **not shown** when it reaches across a margin: the "
             f"seeds measured cannot tell. {tol:g} points is the tolerance the profile was tuned to, about "
             f"{tol / 100 * DATA['n_val']:.0f} of the {DATA['n_val']:,} validation rows. A Base epoch is ⌈labels / batch size⌉ SGD steps "
             f"(batch {get_profile(profile).batch_size}). Seconds: one training with the profile's budget (Self-SL/3SL without the "
             f"SimCLR pretraining, which is done once per architecture and seed). For scale: 6 seeds resolve a gap about "
             f"1.4× more finely than 3.", "",
             f"| arch | training | labels | budget | seeds | accuracy | {factor}× accuracy | gap [{level * 100:g} % t-interval] | converged | s / training |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    fut = [a for a in archs if a in FUTURE_MODELS]
    if fut: lines[2] += (f" The future models ({', '.join(fut)}) are checked at {max(sizes)} labels only: the grid trains them "
                         f"on final pools alone.")
    if OVERRIDES: lines[2:2] = [f"**Not the profile as shipped:** overrides tried, `{json.dumps(OVERRIDES)}`.", ""]
    f = lambda v: '—' if pd.isna(v) else f"{v:.1f}"
    g = lambda v: f"{round(v, 1) + 0.0:+.1f}"   # signed, never -0.0
    for r in t.itertuples():
        gap = '—' if pd.isna(r.gap) else f"{g(r.gap)} [—]" if pd.isna(r.lo) else f"{g(r.gap)} [{g(r.lo)}, {g(r.hi)}]"
        lines.append(f"| {r.arch} | {r.training} | {r.labels} | {r.budget} | {int(r.n)} | {f(r.acc)} | {f(r.acc_big)} | "
                     f"{gap} | {r.converged} | {f(r.secs)} |")
    def count(r):
        c = r.converged.value_counts()
        return (f"**{c.get('yes', 0)} of {len(r)}** (pair, pool size) rows shown converged, {c.get('NO', 0)} not converged, "
                f"{c.get('not shown', 0)} not shown" + (f", {c['incomplete']} incomplete" if c.get('incomplete', 0) else ''))
    req, other = t.labels.isin(grid_sizes), sorted(set(t.labels) - set(grid_sizes))
    lines += ["", f"At the grid's smallest and largest pool ({' and '.join(map(str, grid_sizes))} labels): {count(t[req])}."
              + (f" Of these, the future models' ({', '.join(fut)}): {count(t[req & t.arch.isin(fut)])}." if fut else '')
              + (f" At the other pool sizes measured ({', '.join(map(str, other))} labels): {count(t[~req])}." if other else '')]
    lines += future_check(paired, sizes, level, tol), *[params(profile, archs)]
    return '\n'.join(lines) + '\n'


def future_check(paired, sizes, level, tol):
    "§2: each future model against the query models it must match, Base on random pools of the final size, paired over seeds (same seed, same pool)"
    n = max(sizes)
    base = paired[1].xs(('base', n), level=('training', 'labels')).unstack('arch') if 'base' in paired.index.unique('training') else pd.DataFrame()
    out = ["", f"## Future models vs the query models (Base, {n} random labels, validation accuracy)", "",
           f"Each future model against the query model it succeeds in the paper and against ResNet-18: the mean of the seeds' "
           f"paired differences (same seed, same pool) with its two-sided {level * 100:g} % t-interval. At least as accurate: "
           f"**yes** when the interval's lower end lies above −{tol:g} points (non-inferiority at α = {(1 - level) / 2:g}), "
           f"**NO** when its upper end lies below 0 (shown less accurate), else **not shown**.", "",
           "| future model | accuracy | query model | accuracy | difference [t-interval] | seeds | at least as accurate |",
           "|---|---|---|---|---|---|---|"]
    for fut, old in FUTURE_PAIRS:
        if fut not in base or old not in base: continue
        pair = base[[fut, old]].dropna()
        if pair.empty: continue
        gap, lo, hi = gap_interval(pair[fut] - pair[old], level)
        word = 'not shown' if pd.isna(lo) else 'yes' if lo >= -tol else 'NO' if hi < 0 else 'not shown'
        interval = '—' if pd.isna(lo) else f"[{lo:+.1f}, {hi:+.1f}]"
        out.append(f"| {fut} | {pair[fut].mean():.1f} | {old} | {pair[old].mean():.1f} | {gap:+.1f} {interval} | {len(pair)} | {word} |")
    return '\n'.join(out)


def params(profile, archs):
    "Parameter counts of the profile's models on the check's dataset beside the paper's (CIFAR-10)"
    data = dataset()
    out = ["", "## Parameter counts", "", f"| arch | width | parameters ({data.name}, inputs {tuple(data.x_train.shape[1:])}) | "
           "paper (CIFAR-10, width 1) |", "|---|---|---|---|"]
    for a in archs:
        p = get_profile(profile, **OVERRIDES).for_arch(a)
        paper = PAPER_PARAMS.get(a)
        out.append(f"| {a} | {p.width:g} | {num_params(build_for(a, data, p.width)):,} | "
                   f"{'—' if paper is None else f'{paper / 1e6:.1f} M'} |")
    return '\n'.join(out)


def reported(selected, measured, order):
    "What the report covers: the `selected` names and every one already `measured`, in `order`"
    return [x for x in order if x in selected or x in measured]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--profile', default='digits')
    ap.add_argument('--dataset', help="the dataset trained on (default: the profile's name if it is a dataset, else digits)")
    ap.add_argument('--data-root', default=DEFAULT_ROOT, help='data root (MNIST-1D is generated once and cached there)')
    ap.add_argument('--archs', nargs='+', default=[*EVAL_MODELS, *FUTURE_MODELS])
    ap.add_argument('--trainings', nargs='+', default=list(TRAININGS))
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2], help='seeds to train (the report uses every seed measured)')
    ap.add_argument('--min-seeds', type=int, default=3, help='seeds a row needs before it is judged')
    ap.add_argument('--sizes', nargs='+', type=int, help="pool sizes (default: the profile's smallest and largest)")
    ap.add_argument('--factor', type=int, default=4)
    ap.add_argument('--tol', type=float, default=1.5, help='the margin: converged when the interval of the gap lies within ± it (points)')
    ap.add_argument('--level', type=float, default=0.9, help="the t-interval's level (0.9: a TOST at α = 0.05)")
    ap.add_argument('--jobs', type=int, default=min(2, os.cpu_count()), help='trainings at once, one process (and CPU thread) each; 1: in this process')
    ap.add_argument('--device', default='cpu', help="where the trainings run: cpu, cuda or cuda:N (the rows of each device are apart)")
    ap.add_argument('--weights-dir', default='bench/convergence-weights')
    ap.add_argument('--out-dir', default=str(RESULTS), help='where convergence.csv and convergence.md are written')
    ap.add_argument('--override', type=json.loads, default={}, metavar='JSON',
                    help='Profile fields to try, e.g. \'{"epochs": 600, "simclr": {"epochs": 240}}\' (use another --out-dir)')
    ap.add_argument('--report-only', action='store_true', help='rewrite the report from the measured rows')
    a = ap.parse_args()
    try: device = a.device if a.report_only else resolve_device(a.device)   # a report needs no device
    except ValueError as e: ap.error(str(e))
    OVERRIDES.update(a.override)
    name = a.dataset or profile_dataset(a.profile)
    DATA.update(name=name, root=a.data_root)
    DATA['n_val'] = len(dataset().y_val)
    b = get_profile(a.profile).budget
    grid_sizes = [b.sizes[0], b.sizes[-1]]
    sizes = a.sizes or grid_sizes
    out = Path(a.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if not a.report_only:
        measure(a.profile, a.archs, a.trainings, sizes, a.seeds, a.factor, a.jobs, a.weights_dir, out/'convergence.csv', device)
    have = done_rows(out/'convergence.csv', a.profile, device)
    archs = reported(a.archs, set(have.arch), [*EVAL_MODELS, *FUTURE_MODELS])
    trainings = reported(a.trainings, set(have.training), list(TRAININGS))
    md = report(a.profile, archs, trainings, sorted({*grid_sizes, *sizes, *have.labels.astype(int)}), grid_sizes, a.min_seeds, a.factor,
                a.tol, out/'convergence.csv', device, a.level)
    stem = 'convergence' + ('' if name == 'digits' else f'-{name}') + ('' if device == 'cpu' else f"-{device.replace(':', '')}")
    (out/f'{stem}.md').write_text(md)
    print(md)


if __name__ == '__main__':
    main()
