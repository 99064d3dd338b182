"""The pilot before a grid (issue 34, §5): how well QMP and GR separate the pilot's configurations at its seeds, their
variance components, the seeds N the planner asks for, and what the full paper grid at N seeds costs in wall time here.

Reads a results store written by a reduced sweep (`scripts/sweep-logged.sh STORE --dataset mnist1d --strategies
random,margin,badge --models resnet6,resnet18 --trainings base,semi --future-models '' ...`, one seed per invocation so
each finished invocation adds a complete seed). Measurability (`inference.measurability`) is computed over the non-random
configurations with every seed present: the ANOVA F of configurations against seed noise, reliability 1 − 1/F, the
variance of the configurations' true scores (`var_config`) and of a configuration's score from seed to seed
(`var_noise`), and `seeds_needed`, the seeds at which the mean over seeds reaches `--target` reliability (0.7). Two
checks beside it: GR's reliability without the configuration farthest from the others (does it rest on one?), and the
floor the verdicts set: the seeds from which a sign-flip test can pass Holm across the paper's 9 claims. N for the grid
is the larger of the two.

Wall time is measured from the store's sweep log (`cost.sweep_invocations`) and set against the estimated compute hours
of everything the store holds (the training steps of each DAL cycle and of each pool's evaluations under the profile
each record was trained with, times the measured step costs of bench/results/step_cost-cpu.csv): that ratio, wall hours per estimated compute hour, turns the
estimate of the full paper grid (5 strategies × 3 ResNets × 4 training methods, every 𝓜̄ evaluation, the future models
on the top pools, each seed's random-pool curves) at N seeds into wall hours on this machine. While an invocation is
still running (no end line in the log) the store holds work whose wall time is not known yet, so the script refuses.
With one complete seed the report gives the wall time only. Usage: python bench/pilot.py --store results/mnist1d-pilot/store [--dataset mnist1d] [--data-root data] [--target 0.7] [--archs ...]
Writes bench/results/pilot-<dataset>.md and pilot-<dataset>.csv (one row per score, with `grid_seeds`, N for the grid,
which scripts/replicate.sh reads, and `grid_wall_hours_per_seed`, which the README shows; `--out` for another folder).

𝒜 (`--archs`, default the paper's ResNets) is the set of architectures analysed: configurations whose query model is in
𝒜, and 𝓜̄ = 𝒜 × every training method the store evaluated with. Runs and evaluations of other models in the same store
(other families, a probe, future models) are left out of the measurability but count in the wall-time ratio. An 𝒜 beyond
the paper's (e.g. `--archs resnet6,resnet10,resnet18,mlp`) is a labelled extension: its report is
pilot-<dataset>-with-<extra archs>.md, and the full grid it prices is the paper's with the extra architectures added to
the query models and to 𝓜̄. `--strategies` restricts the configurations to some of the store's strategies (an earlier,
smaller pilot read back from a store that has grown); its report is pilot-<dataset>-<strategies but random>[...].md.

`--grid-stage STAGE` reads the store of the full grid part-way (STAGE names what it holds so far, e.g. base-semi for
its Base/Semi-SL stage): the same measurability over the configurations it holds, and the wall-time ratio of the grid's
own sweep log, which prices the rest of the grid; its report is grid-<dataset>-<STAGE>.md and .csv.
"""
import argparse, json, math
from dataclasses import replace
from pathlib import Path
import pandas as pd
from genreuse.cost import estimate_hours, step_cost_path, sweep_invocations, sweep_steps, train_steps
from genreuse.data import load_data
from genreuse.grid import GRIDS, Grid
from genreuse.inference import measurability, seed_scores, seeds_to_reach, t_interval
from genreuse.loop import DALConfig
from genreuse.models import EVAL_MODELS
from genreuse.profiles import LATER_FIELDS, get_profile
from genreuse.reusability import CONFIG
from genreuse.store import load_perf, load_runs, training_seconds

RESULTS = Path(__file__).parent/'results'
ALPHA, CLAIMS = 0.05, 9   # the findings' family-wise level and the paper's claims tested under Holm (nbs/34_findings)


def complete_seeds(runs, perf, n_configs, n_evals):
    "Seeds for which every configuration's run and every evaluation of its final pool are done"
    r = runs.groupby('seed').size()
    p = perf.groupby('seed').size()
    return sorted(s for s in r.index if r[s] == n_configs and p.get(s, 0) == n_configs * n_evals)


def config_table(scores):
    "Markdown rows: each non-random configuration's mean QMP and GR over the seeds with their 95 % t-intervals"
    ci = lambda x: '{:+.1f} [{:+.1f}, {:+.1f}]'.format(*t_interval(x))
    rows = ['| strategy | query model | training | QMP (%) [95 % CI] | GR (points) [95 % CI] |', '|---' * 5 + '|']
    for (s, q, t), g in scores[scores.strategy != 'random'].groupby(list(CONFIG)):
        rows.append(f"| {s} | {q} | {t} | {ci(g.qmp).replace('+', '')} | {ci(g.gr)} |")
    return rows


def sensitivity(scores, target):
    "A sentence: GR's reliability without the configuration whose mean GR lies farthest from the others' (does it rest on one?)"
    s = scores[scores.strategy != 'random']
    means = s.groupby(list(CONFIG))['gr'].mean()
    if len(means) < 3: return "Whether that rests on one configuration needs at least 3 configurations."
    far = (means - means.mean()).abs().idxmax()
    g = measurability(s[s[list(CONFIG)].apply(tuple, axis=1) != far], target=target).loc['gr']
    n = f"N = {g.seeds_needed:.0f}" if math.isfinite(g.seeds_needed) else "no N"
    return (f"Whether that rests on one configuration: without {'/'.join(far)} (mean GR {means[far]:+.1f}, the farthest from the "
            f"others), GR's reliability is {g.reliability:.2f} (F = {g.F:.3g}, p = {g.p:.3g}; {n} for {target}).")


def stored_profile(fields:dict):
    "The resolved `Profile` a store record was trained with, from its profile `fields`, with fields it lacks at their old behaviour"
    return get_profile(fields['name'], **{**LATER_FIELDS, **{k: v for k, v in fields.items() if k != 'name'}})


def steps_taken(store, dataset, n_train):
    """The store's trainings of `dataset` (`store.training_seconds`: every DAL cycle's, each pool's evaluations once) with
    the optimizer `steps` each took under the profile its record was trained with, and the SimCLR pretrainings they did
    (phase 'pretrain', training 'simclr', once per architecture, seed and SimCLR setting; their seconds are inside the
    training that did them)"""
    t = training_seconds(store)
    t = t[t.dataset == dataset].reset_index(drop=True)
    keys = [json.dumps(f, sort_keys=True) for f in t.profile_fields]
    resolved = {k: stored_profile(json.loads(k)) for k in set(keys)}
    prof = [resolved[k] for k in keys]
    t['steps'] = [train_steps(p, tr, n, n_train) for p, tr, n in zip(prof, t.training, t.n_labeled)]
    pre = {(a, s, str(p.simclr)): (a, s, p) for a, tr, s, p in zip(t.arch, t.training, t.seed, prof) if tr in ('self', '3sl')}
    pre = pd.DataFrame([dict(phase='pretrain', dataset=dataset, arch=a, training='simclr', seed=s, n_labeled=0,
                             steps=train_steps(p, 'simclr', 0, n_train)) for a, s, p in pre.values()], columns=list(t.columns))
    return pd.concat([t, pre], ignore_index=True) if len(pre) else t


def done_hours(store, dataset, n_train, costs, profile):
    """Estimated compute hours of the work the store holds (`steps_taken` × the step costs `costs` of `profile`), and
    the (arch, training) pairs without a measured step cost, not counted"""
    done = steps_taken(store, dataset, n_train).groupby(['arch', 'training'], as_index=False).steps.sum()
    est = estimate_hours(done, costs, profile)
    return est.hours.sum(), [f"{r.arch}/{r.training}" for r in est[est.hours.isna()].itertuples()]


def estimated_hours(grid, profile, budget, n_train, costs):
    "The sweep's own estimate of `grid`'s compute hours (measured step costs of this machine)"
    return estimate_hours(sweep_steps(grid, profile, budget, n_train), costs, profile).hours.sum()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--store', required=True, help='results store of the pilot sweep')
    ap.add_argument('--dataset', default='mnist1d')
    ap.add_argument('--profile', default=None, help="the runs' profile (default: the dataset's name)")
    ap.add_argument('--data-root', default='data')
    ap.add_argument('--target', type=float, default=0.7, help='GR reliability the planner aims at')
    ap.add_argument('--wall-hours', type=float, default=8., help='wall time the full grid may take on this machine')
    ap.add_argument('--out', default=str(RESULTS), help='folder of the report (default bench/results)')
    ap.add_argument('--archs', default=','.join(EVAL_MODELS),
                    help="𝒜: query architectures analysed and the architectures of 𝓜̄, comma-separated (default the paper's ResNets)")
    ap.add_argument('--strategies', default=None, help="strategies analysed, comma-separated, random among them (default: all the store's)")
    ap.add_argument('--grid-stage', default=None, help="the store is the full grid's, read part-way at this stage (e.g. base-semi)")
    a = ap.parse_args()
    inv = sweep_invocations((Path(a.store)/'sweep.log').read_text())
    if len(running := inv[inv.ended == '']):
        raise SystemExit(f"pilot: {Path(a.store)/'sweep.log'}: the invocation started {running.start.iloc[0]:%Y-%m-%dT%H:%M:%SZ} has "
                         "not ended: the work it stored would count without its wall time. Read the store once it has ended (a "
                         "signal writes its end line; where its machine went away, append 'invocation stopped <UTC time>')")
    prof, archs = a.profile or a.dataset, tuple(a.archs.split(','))
    extra = tuple(m for m in archs if m not in EVAL_MODELS)
    every_run, every_perf = load_runs(a.store), load_perf(a.store)
    every_run, every_perf = every_run[every_run.dataset == a.dataset], every_perf[every_perf.dataset == a.dataset]
    runs = every_run[every_run.query_model.isin(archs)]
    if a.strategies: runs = runs[runs.strategy.isin(a.strategies.split(','))]
    perf = every_perf[every_perf.eval_model.isin(archs)].merge(runs[['dataset', 'profile', *CONFIG, 'seed']])
    configs = runs[list(CONFIG)].drop_duplicates()
    evals = perf[['eval_model', 'eval_training']].drop_duplicates()
    seeds = complete_seeds(runs, perf, len(configs), len(evals))
    if not seeds: raise SystemExit(f"pilot: no complete seed in {a.store} for 𝒜 = {', '.join(archs)} (every run and every evaluation of its pool done)")
    scores = seed_scores(runs[runs.seed.isin(seeds)], perf[perf.seed.isin(seeds)], models=sorted(evals.eval_model.unique()))
    m = measurability(scores, target=a.target) if len(seeds) >= 2 else None

    cfg = DALConfig(dataset=a.dataset, profile=prof)
    budget, n_train = (cfg.init_size, cfg.query_size, cfg.cycles), load_data(a.dataset, root=a.data_root).n_train
    pilot = Grid(strategies=tuple(sorted(configs.strategy.unique())), models=tuple(sorted(configs.query_model.unique())),
                 trainings=tuple(sorted(configs.query_training.unique())), seeds=tuple(seeds),
                 eval_models=tuple(sorted(evals.eval_model.unique())), eval_trainings=tuple(sorted(evals.eval_training.unique())),
                 future_models=())
    wall = inv.wall.sum() / 60
    costs = pd.read_csv(step_cost_path('cpu'))
    est, uncounted = done_hours(a.store, a.dataset, n_train, costs, prof)
    ratio = wall / est
    paper = GRIDS['paper']
    full = replace(paper, seeds=(0,), models=paper.models + extra, eval_models=paper.eval_models + extra)
    per_seed = estimated_hours(full, prof, budget, n_train, costs) * ratio
    fits = math.floor(a.wall_hours / per_seed) if math.isfinite(per_seed) else 0
    chosen = [t for t in a.strategies.split(',') if t != 'random'] if a.strategies else []
    noun = 'grid' if a.grid_stage else 'pilot'
    name = (f"{noun}-{a.dataset}" + ''.join(f"-{t}" for t in chosen) + (f"-with-{'-'.join(extra)}" if extra else '')
            + (f"-{a.grid_stage}" if a.grid_stage else ''))
    label = (f" — labelled extension: 𝒜 = the paper's ResNets + {', '.join(extra)}" if extra else '')
    curve_words = ", each seed's random-pool curves by 𝓜̄" if full.curves else ''
    grid_words = f"5 strategies × {len(full.models)} architectures ({', '.join(full.models)}) × 4 training methods"

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    need_claims = seeds_to_reach(ALPHA / CLAIMS)
    if m is None:
        measured = [f"Measurability needs 2 complete seeds; {len(seeds)} so far. Run the next seed and this script again."]
        grid_n = "— (no N yet)"
    else:
        n_gr = m.loc['gr', 'seeds_needed']
        n_grid = max(n_gr, need_claims)
        m.assign(grid_seeds=n_grid, grid_wall_hours_per_seed=round(per_seed, 2)).to_csv(out/f'{name}.csv')
        show = m[['configs', 'seeds', 'F', 'p', 'reliability', 'var_config', 'var_noise', 'seed_rho', 'seeds_needed']]
        fmt = lambda v: f"{v:.3g}" if isinstance(v, float) else str(v)
        table = ['| score | ' + ' | '.join(show.columns) + ' |', '|---' * (len(show.columns) + 1) + '|']
        table += [f"| {i} | " + ' | '.join(fmt(v) for v in r) + ' |' for i, r in show.iterrows()]
        grid_n = f"{n_grid * per_seed:.1f} h at N = {n_grid:.0f}" if math.isfinite(n_grid) else "—"
        measured = [*table, "",
                    f"`var_config`: variance of the configurations' true scores; `var_noise`: a configuration's seed-to-seed variance "
                    f"(points²); `seeds_needed`: seeds at which the mean over seeds reaches reliability {a.target}.", "",
                    (f"**Planner: N = {n_gr:.0f} (seeds for GR reliability ≥ {a.target})**" if math.isfinite(n_gr) else
                     f"**Planner: no number of seeds brings GR to reliability {a.target}**: the configurations' GR do not differ "
                     f"beyond seed noise (estimated variance of their true GR: 0)") + f" (QMP: N = {m.loc['qmp', 'seeds_needed']:.0f}).",
                    "", sensitivity(scores, a.target), "",
                    f"The verdicts set a floor of their own: a two-sided sign-flip test over seeds reaches p ≤ {ALPHA} only from "
                    f"{seeds_to_reach(ALPHA)} seeds, and Holm across the paper's {CLAIMS} claims (p ≤ {ALPHA / CLAIMS:.4f}) only from "
                    f"{need_claims}; **N for the grid = max(the planner's N, {need_claims})**.",
                    "", f"Each configuration over the {len(seeds)} seeds (Student-t intervals; no test across configurations here):", "",
                    *config_table(scores)]
    stage = f" (its {a.grid_stage} stage, read part-way)" if a.grid_stage else ''
    lines = [f"# {noun.capitalize()} on {a.dataset}{stage}: measurability and the seed planner{label}", "",
             f"Written by `python bench/pilot.py --store {a.store} --dataset {a.dataset}" + (f" --archs {a.archs}" if extra else '')
             + (f" --strategies {a.strategies}" if a.strategies else '') + (f" --grid-stage {a.grid_stage}" if a.grid_stage else '')
             + f"` from the {noun}'s store. {'Held so far' if a.grid_stage else 'Pilot grid'}: "
             f"strategies {', '.join(pilot.strategies)} × query models {', '.join(pilot.models)} × trainings "
             f"{', '.join(pilot.trainings)}; 𝓜̄ = {len(evals)} evaluation models ({', '.join(pilot.eval_models)} × "
             f"{', '.join(pilot.eval_trainings)}); budget {budget[0]} + {budget[2]} × {budget[1]} labels; complete seeds: "
             f"{', '.join(map(str, seeds))}.", "",
             f"## Measurability over the {len(configs[configs.strategy != 'random'])} non-random configurations", "", *measured, "",
             "## Wall time", "",
             f"The {noun}'s {len(inv)} ended sweep invocation(s) took {wall:.2f} h of wall time (pauses excluded)"
             f" for an estimated {est:.2f} compute hours of the work the store holds (every DAL run, each pool's evaluations "
             f"once, the random-pool curves, their SimCLR pretrainings, each at the budget of its record{'; not counted, no step cost measured: ' + ', '.join(uncounted) if uncounted else ''}): {ratio:.2f} wall hours per compute hour on this machine (work lost to a stop counts in "
             f"the wall time only, so the ratio errs high). The full grid at the profile's present budgets ({grid_words}, {len(full.eval_models) * len(full.eval_trainings)} "
             f"𝓜̄ evaluations per pool, the future models on the top pools{curve_words}) costs {per_seed:.2f} wall hours per seed at that ratio: "
             f"{fits} seed(s) fit in {a.wall_hours:g} h; N seeds would take {grid_n}."]
    (out/f'{name}.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
