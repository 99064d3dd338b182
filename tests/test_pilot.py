"The pilot report `bench/pilot.py` end to end: a logged smoke sweep of two seeds, its measurability checked by hand."
import importlib.util, os, subprocess, sys
from dataclasses import replace
from pathlib import Path

import numpy as np, pandas as pd
from scipy import stats

from script_runner import run_script

from genreuse.cost import step_cost_path
from genreuse.data import load_data
from genreuse.inference import seeds_to_reach
from genreuse.profiles import PROFILES
from genreuse.store import load_perf, load_runs

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PATH': f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def sweep(store, seeds, *more):
    args = ['bash', str(ROOT/'scripts'/'sweep-logged.sh'), str(store), '--grid', 'smoke', '--dataset', 'digits',
            '--strategies', 'random,margin,entropy', '--seeds', seeds, *more]
    r = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert not (store/'.sweep.pid').exists()   # only while it runs (scripts/sweep-pause.sh reads it)


def pilot(store, out, *more):
    "Run bench/pilot.py on `store` in this process (`run_script`); it writes to `out`"
    r = run_script(ROOT/'bench'/'pilot.py', '--store', store, '--dataset', 'digits', '--profile', 'smoke', '--out', out, *more)
    assert r.returncode == 0, r.stderr[-3000:]


def anova_reliability(wide):
    "1 - 1/F of a configurations x seeds table (two-way ANOVA without replication), written out independently"
    k, n = wide.shape
    resid = wide - wide.mean(1, keepdims=True) - wide.mean(0, keepdims=True) + wide.mean()
    f = (n * wide.mean(1).var(ddof=1)) / ((resid ** 2).sum() / ((k - 1) * (n - 1)))
    return 1 - 1 / f, stats.f.sf(f, k - 1, (k - 1) * (n - 1))


def test_pilot_report_from_a_logged_sweep(tmp_path, monkeypatch):
    store = tmp_path/'store'
    sweep(store, '0')
    pilot(store, tmp_path)   # one seed cannot measure noise: the wall time only
    report = (tmp_path/'pilot-digits.md').read_text()
    assert 'Measurability needs 2 complete seeds; 1 so far' in report and "1 ended sweep invocation(s)" in report
    assert not (tmp_path/'pilot-digits.csv').exists()
    # a second invocation, as a pilot run one seed at a time; it adds a labelled extension to the same store: the MLP as
    # a second query model (both seeds) and in 𝓜̄, which the pilot of the paper's 𝒜 (ResNets) must leave out
    sweep(store, '0,1', '--models', 'resnet6,mlp', '--eval-models', 'resnet6,mlp')
    pilot(store, tmp_path)
    report = (tmp_path/'pilot-digits.md').read_text()
    assert 'complete seeds: 0, 1' in report and "The pilot's 2 ended sweep invocation(s)" in report
    m = pd.read_csv(tmp_path/'pilot-digits.csv', index_col='score')
    assert (m['grid_seeds'] == max(m.loc['gr', 'seeds_needed'], seeds_to_reach(0.05 / 9))).all()   # N for the grid
    assert f"costs {m['grid_wall_hours_per_seed'].iloc[0]:.2f} wall hours per seed" in report

    # the stored work is priced at the profile each record was trained with, whatever the profile's present values
    spec = importlib.util.spec_from_file_location('pilot', ROOT/'bench'/'pilot.py')
    bench_pilot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_pilot)
    priced = lambda: bench_pilot.done_hours(store, 'digits', load_data('digits').n_train, pd.read_csv(step_cost_path('cpu')), 'smoke')
    stored, uncounted = priced()   # the step-cost table has no MLP on digits: its work is named, not priced
    assert stored > 0 and uncounted == ['mlp/base'] and 'not counted, no step cost measured: mlp/base' in report
    smoke = PROFILES['smoke']
    monkeypatch.setitem(PROFILES.entries, 'smoke', replace(smoke, epochs=3 * smoke.epochs, min_steps=3 * smoke.min_steps))
    assert priced() == (stored, uncounted)
    monkeypatch.setitem(PROFILES.entries, 'smoke', smoke)

    runs, perf = load_runs(store), load_perf(store)
    runs, resnet = runs[runs.query_model == 'resnet6'], perf[(perf.query_model == 'resnet6') & (perf.eval_model == 'resnet6')]
    qmp = runs[runs.strategy != 'random'].pivot_table(index='strategy', columns='seed', values='accuracy').to_numpy()
    acc = resnet.pivot_table(index='strategy', columns='seed', values='accuracy')   # one evaluation model: GR = its REU*
    gr = (acc.drop('random') - acc.loc['random']).to_numpy()
    for score, wide in (('qmp', qmp), ('gr', gr)):
        rel, p = anova_reliability(wide)
        assert m.loc[score, 'configs'] == 2 and m.loc[score, 'seeds'] == 2
        assert np.isclose(m.loc[score, 'reliability'], rel) and np.isclose(m.loc[score, 'p'], p), (score, m.loc[score])

    pilot(store, tmp_path, '--grid-stage', 'base')   # a grid's store read part-way: the same analysis, its own report
    report = (tmp_path/'grid-digits-base.md').read_text()
    assert report.startswith('# Grid on digits (its base stage, read part-way)') and "The grid's 2 ended sweep invocation(s)" in report
    assert pd.read_csv(tmp_path/'grid-digits-base.csv', index_col='score').equals(pd.read_csv(tmp_path/'pilot-digits.csv', index_col='score'))

    pilot(store, tmp_path, '--archs', 'resnet6,mlp')
    report = (tmp_path/'pilot-digits-with-mlp.md').read_text()
    assert "labelled extension: 𝒜 = the paper's ResNets + mlp" in report and '𝓜̄ = 2 evaluation models (mlp, resnet6 × base)' in report
    assert '4 architectures (resnet6, resnet10, resnet18, mlp) × 4 training methods, 16 𝓜̄ evaluations per pool' in report
    ext = pd.read_csv(tmp_path/'pilot-digits-with-mlp.csv', index_col='score')
    perf = load_perf(store)
    acc = perf.pivot_table(index=['query_model', 'strategy'], columns='seed', values='accuracy')   # mean over the 2 evaluation models
    gr = pd.concat([acc.loc[q].drop('random') - acc.loc[q].loc['random'] for q in ('mlp', 'resnet6')]).to_numpy()
    rel, p = anova_reliability(gr)
    assert ext.loc['gr', 'configs'] == 4 and np.isclose(ext.loc['gr', 'reliability'], rel) and np.isclose(ext.loc['gr', 'p'], p)
    far = np.abs(gr.mean(1) - gr.mean()).argmax()   # leave the farthest configuration out: 3 remain
    assert f"GR's reliability is {anova_reliability(np.delete(gr, far, 0))[0]:.2f}" in report
    pilot(store, tmp_path, '--archs', 'resnet6,mlp', '--strategies', 'random,margin')   # an earlier, smaller pilot
    assert pd.read_csv(tmp_path/'pilot-digits-margin-with-mlp.csv', index_col='score').loc['gr', 'configs'] == 2
    log = store/'sweep.log'   # an invocation still running: its stored work has no wall time yet, so nothing is priced
    log.write_text(log.read_text() + 'invocation started 2030-01-01T00:00:00Z at abc1234\n')
    r = run_script(ROOT/'bench'/'pilot.py', '--store', store, '--dataset', 'digits', '--profile', 'smoke', '--out', tmp_path/'running')
    assert r.returncode == 1 and 'the invocation started 2030-01-01T00:00:00Z has not ended' in r.stderr
    assert not (tmp_path/'running').exists()


def test_sweep_pause_suspends_the_sweep_and_logs_the_pause(tmp_path):
    """scripts/sweep-pause.sh on a stand-in sweep (a shell and its child, the process sweep-logged.sh records in
    .sweep.pid): both stopped while the command runs, both running after it, also when it fails; the pause in the log"""
    import time
    from genreuse.cost import sweep_invocations
    store = tmp_path/'store'
    store.mkdir()
    log = store/'sweep.log'
    log.write_text('invocation started 2026-12-04T01:00:00Z at abc1234\n')
    pause = lambda *cmd: subprocess.run(['bash', str(ROOT/'scripts'/'sweep-pause.sh'), str(store), 'a check', '--', *cmd],
                                        capture_output=True, text=True, timeout=60)
    r = pause('true')
    assert r.returncode == 2 and 'no running logged sweep' in r.stderr and log.read_text().count('\n') == 1
    sweep = subprocess.Popen(['bash', '-c', 'sleep 60 & wait'])
    try:
        for _ in range(100):
            child = subprocess.run(['pgrep', '-P', str(sweep.pid)], capture_output=True, text=True).stdout.split()
            if child: break
            time.sleep(0.05)
        (store/'.sweep.pid').write_text(f'{sweep.pid}\n')
        states = lambda out: [s[0] for s in out.split()]
        r = pause('ps', '-o', 'stat=', '-p', f'{sweep.pid},{child[0]}')
        assert r.returncode == 0 and states(r.stdout) == ['T', 'T'], r.stderr
        r = pause('false')
        assert r.returncode == 1
        after = subprocess.run(['ps', '-o', 'stat=', '-p', f'{sweep.pid},{child[0]}'], capture_output=True, text=True).stdout
        assert len(states(after)) == 2 and 'T' not in states(after)
    finally:
        sweep.kill()
    lines = log.read_text().splitlines()
    assert len(lines) == 3 and all(l.startswith('paused 20') and l.endswith('Z for a check') for l in lines[1:])
    inv = sweep_invocations(log.read_text() + 'invocation stopped 2030-01-01T00:00:00Z\n')
    assert inv.paused.iloc[0] < 1   # read back: two short pauses, in minutes
