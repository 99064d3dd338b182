"""Pools of your own, end to end: `genreuse-eval --pool FILE` (JSON and CSV, per cycle), the same through
run_eval.ipynb, bad files as one line, and the imported pools in the same store and tables as everything else
(REU*, GR, REU* over the learning curve, penalty matrices, Tables 1 and 2). Pools carry their dataset's fingerprint:
`genreuse-eval --export` writes a run's pools (also of the committed store, which predates fingerprints) and a pool made
for digits in another row order is refused with one line."""
import dataclasses, json, os, subprocess, sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from genreuse.data import load_data
from genreuse.loop import DALConfig, run_dal
from genreuse.pools import cycle_pools, cycle_rows, export_pool, load_cycle_perf, random_baseline
from genreuse.reusability import general_reusability, learning_curve_auc, reu_star
from genreuse.penalty import penalty_matrix
from genreuse.store import final_pool, load_perf, load_runs
from genreuse.tables import future_model_table, top_configurations

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}
COMMON = ['--profile', 'smoke', '--eval-trainings', 'base']


def cli(*args, timeout=600):
    return subprocess.run([str(BIN/'genreuse-eval'), *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=ENV,
                          timeout=timeout)


def store_args(tmp_path):
    return ['--out-dir', tmp_path/'runs', '--weights-dir', tmp_path/'w']


@pytest.fixture(scope='module')
def imported(tmp_path_factory):
    "Three pools of another library (per cycle: 6 + 2 x 4 rows), imported through the CLI with two evaluation models"
    tmp = tmp_path_factory.mktemp('pools')
    rng = np.random.default_rng(1)
    rows = rng.permutation(1007)
    pools = {'lib_margin': rows[:14], 'lib_entropy': rows[20:34], 'lib_badge': rows[40:54]}
    outs = {}
    for i, (name, p) in enumerate(pools.items()):
        cycles = [p[:6].tolist(), p[6:10].tolist(), p[10:].tolist()]
        if i < 2: f = tmp/f'{name}.json'; f.write_text(json.dumps({'cycles': cycles, 'accuracy': 70.0 + i}))
        else: f = tmp/f'{name}.csv'; f.write_text('index,cycle\n' + ''.join(f'{r},{c}\n' for c, cy in enumerate(cycles) for r in cy))
        outs[name] = cli('--pool', f, '--pool-name', f'{name}/logreg/sklearn', '--per-cycle', '--eval-models', 'mlp,resnet6',
                         *COMMON, *store_args(tmp))
    return tmp, outs


def test_cli_scores_imported_pools(imported):
    tmp, outs = imported
    for name, r in outs.items():
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[-1] == f"pool {tmp}/{name}.{'csv' if name == 'lib_badge' else 'json'}: 14 labels, " \
                                            f"filed as {name}/logreg/sklearn, seed 0, in {tmp}/runs"
        head = next(l.split() for l in r.stdout.splitlines() if l.startswith('eval_model'))
        assert head == ['eval_model', 'eval_training', 'accuracy', 'random', 'reu_star', 'auc', 'random_auc', 'reu_star_auc']
    runs = load_runs(tmp/'runs')
    assert sorted(runs.strategy) == ['lib_badge', 'lib_entropy', 'lib_margin', 'random']     # one shared baseline
    assert runs.set_index('strategy').accuracy.loc[['lib_margin', 'lib_entropy']].tolist() == [70.0, 71.0]
    base = runs[runs.strategy == 'random'].iloc[0]
    key = SimpleNamespace(dataset='digits', profile='smoke', strategy='random', model='logreg', training='sklearn', seed=0)
    assert cycle_pools(tmp/'runs', key)[-1] == [i for c in random_baseline(1007, [6, 10, 14], 0) for i in c]
    assert base.n_labeled == 14


def test_imported_pools_in_the_metrics_and_tables(imported):
    tmp, _ = imported
    runs, perf = load_runs(tmp/'runs'), load_perf(tmp/'runs')
    assert len(perf) == 4 * 2
    r = reu_star(perf)
    rand = perf[perf.strategy == 'random'].set_index('eval_model').accuracy
    mine = r[r.strategy == 'lib_margin'].set_index('eval_model')
    assert np.allclose(mine.reu_star, mine.accuracy - rand.loc[mine.index])                 # REU* against the baseline
    gr = general_reusability(perf, models='all').set_index('strategy')
    assert np.isclose(gr.loc['lib_margin', 'gr'], mine.reu_star.mean())
    pm = penalty_matrix(r, 'strategy', 'reu_star')
    assert sorted(pm.columns) == ['lib_badge', 'lib_entropy', 'lib_margin', 'random']
    top = top_configurations(runs, perf, n=2, eval_model='resnet6', eval_training='base', gr_models='all')
    assert list(top.ranking) == ['gr', 'gr', 'qmp', 'qmp']
    assert list(top[top.ranking == 'qmp'].strategy) == ['lib_entropy', 'lib_margin']      # QMP from the files (71, 70)
    t2 = future_model_table(perf, top, eval_models=['mlp'])
    assert t2.shape == (5, 1) and not t2.isna().any().any()


def test_reu_star_over_the_learning_curve_by_hand(imported):
    tmp, outs = imported
    cp = load_cycle_perf(tmp/'runs')
    assert sorted(set(cp.cycle)) == [0, 1, 2] and sorted(set(cp.n_labeled)) == [6, 10, 14]
    ra = reu_star(cp, measure='auc').set_index(['strategy', 'eval_model'])
    for m in ('mlp', 'resnet6'):
        curve = lambda s: cp[(cp.strategy == s) & (cp.eval_model == m)].sort_values('cycle')
        mine, base = curve('lib_margin'), curve('random')
        # the trapezoids by hand over 6, 10, 14 labels (equal widths): (a0 + 2 a1 + a2) / 4
        by_hand = lambda c: (c.accuracy.iloc[0] + 2 * c.accuracy.iloc[1] + c.accuracy.iloc[2]) / 4
        assert np.isclose(ra.loc[('lib_margin', m), 'reu_star'], by_hand(mine) - by_hand(base))
        assert np.isclose(by_hand(mine), learning_curve_auc(mine.accuracy, mine.n_labeled))
    printed = outs['lib_margin'].stdout.splitlines()
    row = next(l.split() for l in printed if l.split()[:1] == ['resnet6'])
    assert np.isclose(float(row[-1]), ra.loc[('lib_margin', 'resnet6'), 'reu_star'], atol=1e-3)
    ga = general_reusability(cp, measure='auc', weights={'mlp': 3, 'resnet6': 1}, models='all').set_index('strategy')
    rm = ra.loc['lib_margin', 'reu_star']
    assert np.isclose(ga.loc['lib_margin', 'gr'], 0.75 * rm['mlp'] + 0.25 * rm['resnet6'])


@pytest.mark.parametrize('content,name,message', [
    ('index\n3\n5\n99999\n', 'bad.csv', "pool: {f} line 4: index 99999 is out of range; the training pool has 1007 rows (0..1006)"),
    ('index\n3\nthree\n', 'bad.csv', "pool: {f} line 3: 'three' is not a row index; indices are integers >= 0"),
    ('[3, 5, 3]', 'bad.json', "pool: {f} entry 3: index 3 repeats entry 1"),
    ('{"labeled": [3, 5], "size": 3}', 'bad.json', "pool: {f} states size 3 but holds 2 row indices"),
])
def test_cli_bad_pool_file_is_one_line(tmp_path, content, name, message):
    f = tmp_path/name
    f.write_text(content)
    r = cli('--pool', f, '--eval-models', 'mlp', *COMMON, *store_args(tmp_path))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == ['genreuse-eval: ' + message.format(f=f)]
    assert not (tmp_path/'runs').exists() or not any((tmp_path/'runs').rglob('*.json'))


def test_run_eval_notebook_scores_a_pool(tmp_path):
    import papermill as pm
    f = tmp_path/'mine.json'
    f.write_text(json.dumps({'labeled': list(range(100, 112)), 'strategy': 'nb_pool', 'query_model': 'vit'}))
    nb = pm.execute_notebook(str(ROOT/'nbs'/'run_eval.ipynb'), str(tmp_path/'eval.ipynb'), cwd=str(ROOT), progress_bar=False,
                             kernel_name='python3', parameters=dict(pool=str(f), eval_models=['mlp'], eval_trainings=['base'],
                                                                    profile='smoke', seed=[0, 1], out_dir=str(tmp_path/'runs'),
                                                                    weights_dir=str(tmp_path/'w')))
    runs = load_runs(tmp_path/'runs')
    assert sorted(zip(runs.strategy, runs.query_model, runs.seed)) == [('nb_pool', 'vit', 0), ('nb_pool', 'vit', 1),
                                                                      ('random', 'vit', 0), ('random', 'vit', 1)]
    assert len(load_perf(tmp_path/'runs')) == 4
    last = [c for c in nb.cells if c.cell_type == 'code'][-1]
    table = next(o for o in last.outputs if o.output_type == 'execute_result')['data']['text/plain']
    assert table.split()[:2] == ['eval_training', 'base'] and 'mlp' in table       # REU* per evaluation model


def test_cli_per_cycle_evaluation_of_a_dal_run(tmp_path):
    run = ['--strategy', 'margin', '--profile', 'smoke', '--init-size', '4', '--query-size', '3', '--cycles', '2',
           *store_args(tmp_path)]
    r = subprocess.run([str(BIN/'genreuse-run'), *map(str, run)], capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    r = cli(*run, '--per-cycle', '--eval-models', 'mlp', '--eval-trainings', 'base')
    assert r.returncode == 0, r.stderr
    lines = [l.split() for l in r.stdout.splitlines() if l.split()[:1] in (['cycle'], ['0'], ['1'], ['2'])]
    assert [l[:4] for l in lines] == [['cycle', 'n_labeled', 'eval_model', 'eval_training'], ['0', '4', 'mlp', 'base'],
                                      ['1', '7', 'mlp', 'base'], ['2', '10', 'mlp', 'base']]
    cp = load_cycle_perf(tmp_path/'runs')
    assert cp[['cycle', 'n_labeled']].values.tolist() == [[0, 4], [1, 7], [2, 10]]
    assert np.allclose(cp.accuracy, [float(l[4]) for l in lines[1:]], atol=1e-4)
    with pytest.raises(ValueError, match=r"perf: no 'random' row"):    # a margin run alone has no baseline curve
        reu_star(cp, measure='auc')


def test_committed_run_without_fingerprint_exports_and_imports_back(tmp_path):
    "The committed digits store predates fingerprints: its runs still read, export with the dataset's, and import back"
    committed = ROOT/'results'/'digits'/'store'
    key = SimpleNamespace(dataset='digits', profile='digits', strategy='badge', model='resnet6', training='semi', seed=0)
    assert 'fingerprint' not in final_pool(committed, key)
    f = tmp_path/'badge.json'
    r = cli('--export', f, '--strategy', 'badge', '--model', 'resnet6', '--training', 'semi', '--out-dir', committed)
    assert r.returncode == 0, r.stderr
    fp = load_data('digits').fingerprint()
    exported = json.loads(f.read_text())
    assert exported['fingerprint'] == fp and exported['cycles'] == cycle_rows(committed, key)
    assert r.stdout.splitlines()[-1].startswith(f"{f}: {len(exported['cycles'])} pools of badge/resnet6/semi, seed 0, 100 labels")
    r = cli('--pool', f, '--eval-models', 'mlp', *COMMON, *store_args(tmp_path))      # filed as badge/resnet6/semi
    assert r.returncode == 0, r.stderr
    imported = SimpleNamespace(**{**vars(key), 'profile': 'smoke'})
    assert cycle_pools(tmp_path/'runs', imported, fp) == cycle_pools(committed, key)
    assert final_pool(tmp_path/'runs', imported)['fingerprint'] == fp


def test_cli_refuses_a_pool_of_reordered_digits(tmp_path):
    "A pool queried on digits with its rows permuted is refused on digits: one line with both fingerprints, nothing written"
    digits = load_data('digits')
    perm = torch.randperm(digits.n_train, generator=torch.Generator().manual_seed(0))
    shuffled = dataclasses.replace(digits, x_train=digits.x_train[perm], y_train=digits.y_train[perm])
    cfg = DALConfig(strategy='margin', profile='smoke', init_size=6, query_size=4, cycles=1, out_dir=str(tmp_path/'shuffled'),
                    weights_dir=str(tmp_path/'w'))
    run_dal(cfg, data=shuffled)
    f = tmp_path/'margin.json'
    assert export_pool(cfg, f)['fingerprint'] == shuffled.fingerprint()
    r = cli('--pool', f, '--pool-name', 'theirs', '--eval-models', 'mlp', *COMMON, *store_args(tmp_path))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [f"genreuse-eval: pool: {f} was made for dataset fingerprint "
                                             f"{json.dumps(shuffled.fingerprint())}, this dataset is {json.dumps(digits.fingerprint())}"]
    assert not (tmp_path/'runs').exists() or not any((tmp_path/'runs').rglob('*.json'))
