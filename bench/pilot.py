"""The pilot before a grid (issue 34, §5): how well QMP and GR separate the pilot's configurations at its seeds, their
variance components, the seeds N the planner asks for, and what the full paper grid at N seeds costs in wall time here.

Reads a results store written by a reduced sweep (`scripts/sweep-logged.sh STORE --dataset mnist1d --strategies
random,margin,badge --models resnet6,resnet18 --trainings base,semi --future-models '' ...`, one seed per invocation so
each finished invocation adds a complete seed). Measurability (`inference.measurability`) is computed over the non-random
configurations with every seed present: the ANOVA F of configurations against seed noise, reliability 1 − 1/F, the
variance of the configurations' true scores (`var_config`) and of a configuration's score from seed to seed
(`var_noise`), and `seeds_needed`, the seeds at which the mean over seeds reaches `--target` reliability (0.7).

Wall time is measured from the store's sweep log (`cost.sweep_invocations`) and set against the sweep's own cost estimate
(`cost.sweep_steps` with the measured step costs) for the seeds whose runs and evaluations are all done: that ratio,
wall hours per estimated compute hour, turns the estimate of the full paper grid (5 strategies × 3 ResNets × 4 training
methods, every 𝓜̄ evaluation, the future models on the top pools) at N seeds into wall hours on this machine.
With one complete seed the report gives the wall time only. Usage: python bench/pilot.py --store results/mnist1d-pilot/store [--dataset mnist1d] [--data-root data] [--target 0.7]
Writes bench/results/pilot-<dataset>.md and pilot-<dataset>.csv (one row per score; `--out` for another folder).
𝓜̄ is every evaluation model the pilot trained except the future models.
"""
import argparse, math
from dataclasses import replace
from pathlib import Path
import pandas as pd
from genreuse.cost import estimate_hours, step_cost_path, sweep_invocations, sweep_steps
from genreuse.data import load_data
from genreuse.grid import GRIDS, Grid
from genreuse.inference import measurability, seed_scores
from genreuse.loop import DALConfig
from genreuse.models import FUTURE_MODELS
from genreuse.reusability import CONFIG
from genreuse.store import load_perf, load_runs

RESULTS = Path(__file__).parent/'results'


def complete_seeds(runs, perf, n_configs, n_evals):
    "Seeds for which every configuration's run and every evaluation of its final pool are done"
    r = runs.groupby('seed').size()
    p = perf.groupby('seed').size()
    return sorted(s for s in r.index if r[s] == n_configs and p.get(s, 0) == n_configs * n_evals)


def estimated_hours(grid, profile, budget, n_train):
    "The sweep's own estimate of `grid`'s compute hours (measured step costs of this machine)"
    steps = sweep_steps(grid, profile, budget, n_train)
    return estimate_hours(steps, pd.read_csv(step_cost_path('cpu')), profile).hours.sum()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--store', required=True, help='results store of the pilot sweep')
    ap.add_argument('--dataset', default='mnist1d')
    ap.add_argument('--profile', default=None, help="the runs' profile (default: the dataset's name)")
    ap.add_argument('--data-root', default='data')
    ap.add_argument('--target', type=float, default=0.7, help='GR reliability the planner aims at')
    ap.add_argument('--wall-hours', type=float, default=8., help='wall time the full grid may take on this machine')
    ap.add_argument('--out', default=str(RESULTS), help='folder of the report (default bench/results)')
    a = ap.parse_args()
    prof = a.profile or a.dataset
    runs, perf = load_runs(a.store), load_perf(a.store)
    runs, perf = runs[runs.dataset == a.dataset], perf[(perf.dataset == a.dataset) & ~perf.eval_model.isin(FUTURE_MODELS)]
    configs = runs[list(CONFIG)].drop_duplicates()
    evals = perf[['eval_model', 'eval_training']].drop_duplicates()
    seeds = complete_seeds(runs, perf, len(configs), len(evals))
    if not seeds: raise SystemExit(f"pilot: no complete seed in {a.store} (every run and every evaluation of its pool done)")
    m = measurability(seed_scores(runs[runs.seed.isin(seeds)], perf[perf.seed.isin(seeds)], models=sorted(evals.eval_model.unique())),
                      target=a.target) if len(seeds) >= 2 else None

    cfg = DALConfig(dataset=a.dataset, profile=prof)
    budget, n_train = (cfg.init_size, cfg.query_size, cfg.cycles), load_data(a.dataset, root=a.data_root).n_train
    pilot = Grid(strategies=tuple(sorted(configs.strategy.unique())), models=tuple(sorted(configs.query_model.unique())),
                 trainings=tuple(sorted(configs.query_training.unique())), seeds=tuple(seeds),
                 eval_models=tuple(sorted(evals.eval_model.unique())), eval_trainings=tuple(sorted(evals.eval_training.unique())),
                 future_models=())
    inv = sweep_invocations((Path(a.store)/'sweep.log').read_text())
    inv = inv[inv.ended != '']   # ended invocations; one still running is not counted
    wall = inv.wall.sum() / 60
    est = estimated_hours(pilot, prof, budget, n_train)
    ratio = wall / est
    per_seed = estimated_hours(replace(GRIDS['paper'], seeds=(0,)), prof, budget, n_train) * ratio
    fits = math.floor(a.wall_hours / per_seed)

    out = Path(a.out)
    if m is None:
        measured = [f"Measurability needs 2 complete seeds; {len(seeds)} so far. Run the next seed and this script again."]
        grid_n = "— (no N yet)"
    else:
        m.to_csv(out/f'pilot-{a.dataset}.csv')
        n_gr = m.loc['gr', 'seeds_needed']
        show = m[['configs', 'seeds', 'F', 'p', 'reliability', 'var_config', 'var_noise', 'seed_rho', 'seeds_needed']]
        fmt = lambda v: f"{v:.3g}" if isinstance(v, float) else str(v)
        table = ['| score | ' + ' | '.join(show.columns) + ' |', '|---' * (len(show.columns) + 1) + '|']
        table += [f"| {i} | " + ' | '.join(fmt(v) for v in r) + ' |' for i, r in show.iterrows()]
        n_word = f"{n_gr:.0f}" if math.isfinite(n_gr) else "no number of seeds (the configurations' GR do not differ beyond seed noise)"
        grid_n = f"{n_gr * per_seed:.1f} h at N = {n_gr:.0f}" if math.isfinite(n_gr) else "—"
        measured = [*table, "",
                    f"`var_config`: variance of the configurations' true scores; `var_noise`: a configuration's seed-to-seed variance "
                    f"(points²); `seeds_needed`: seeds at which the mean over seeds reaches reliability {a.target}.", "",
                    f"**Planner: N = {n_word} seeds for GR reliability ≥ {a.target}** (QMP: {m.loc['qmp', 'seeds_needed']:.0f})."]
    lines = [f"# Pilot on {a.dataset}: measurability and the seed planner", "",
             f"Written by `python bench/pilot.py --store {a.store} --dataset {a.dataset}` from the pilot's store. Pilot grid: "
             f"strategies {', '.join(pilot.strategies)} × query models {', '.join(pilot.models)} × trainings "
             f"{', '.join(pilot.trainings)}; 𝓜̄ = {len(evals)} evaluation models ({', '.join(pilot.eval_models)} × "
             f"{', '.join(pilot.eval_trainings)}); budget {budget[0]} + {budget[2]} × {budget[1]} labels; complete seeds: "
             f"{', '.join(map(str, seeds))}.", "",
             f"## Measurability over the {len(configs[configs.strategy != 'random'])} non-random configurations", "", *measured, "",
             "## Wall time", "",
             f"The pilot's {len(inv)} ended sweep invocation(s) took {wall:.2f} h of wall time (pauses excluded) for an estimated "
             f"{est:.2f} compute hours of its complete seeds ({ratio:.2f} wall hours per compute hour on this machine; work of an "
             f"unfinished seed in an ended invocation counts in the wall time only, so the ratio errs high). The full paper grid (5 strategies × 3 ResNets × 4 training "
             f"methods, 12 𝓜̄ evaluations per pool, the future models on the top pools) costs {per_seed:.2f} wall hours per seed at "
             f"that ratio: {fits} seed(s) fit in {a.wall_hours:g} h; the planner's N would take {grid_n}."]
    (out/f'pilot-{a.dataset}.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
