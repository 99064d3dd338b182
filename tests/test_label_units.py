"""REU* in label units end to end: a random-pool learning curve evaluated in a results store (smoke profile on digits),
a small pool scored beside its random baseline (`eval_pool`), and that pool's label-equivalent on the curve."""
import json, os, subprocess, sys
from pathlib import Path

import numpy as np
import pytest

from genreuse.data import load_data
from genreuse.loop import DALConfig
from genreuse.pools import eval_pool, random_curve
from genreuse.reusability import label_equivalents

EV = dict(eval_models=['resnet6'], eval_trainings=['base'])


@pytest.fixture(scope='module')
def scored(tmp_path_factory):
    "The random curve of seed 0 with the smoke budget (10 + 1 x 5 labels), and a pool of 15 rows scored by `eval_pool`"
    tmp, data = tmp_path_factory.mktemp('label_units'), load_data('digits')
    cfg = DALConfig(profile='smoke', out_dir=str(tmp/'runs'), weights_dir=str(tmp/'w'))
    curve = random_curve(cfg, data=data, **EV)
    pool = np.random.default_rng(7).choice(data.n_train, 15, replace=False).tolist()
    report = eval_pool(cfg, pool, 'mine/logreg/sklearn', data=data, **EV)
    return cfg, curve, report


def test_curve_goes_beyond_the_final_pool(scored):
    _, curve, _ = scored
    assert curve['n_labeled'].tolist() == [10, 15, 23, 30, 45]                     # cycles, then 1.5x, 2x, 3x of 15
    assert curve['accuracy'].between(0, 100).all()


def test_baseline_is_the_curves_pool_of_its_size(scored):
    "eval_pool's random baseline and the curve's 15-label pool are one pool, evaluated once"
    _, curve, report = scored
    assert report['random'].tolist() == curve.loc[curve.n_labeled == 15, 'accuracy'].tolist()


def test_pool_in_label_units(scored):
    cfg, curve, report = scored
    le = label_equivalents(report.assign(seed=cfg.seed), curve).iloc[0]
    assert le.labels_flag in ('', '<10', '>45')
    assert np.isfinite(le.labels_equivalent) == (le.labels_flag == '')            # a value, or NaN with the bound
    if le.labels_flag == '':
        assert 10 <= le.labels_equivalent <= 45 and np.isclose(le.label_gain, le.labels_equivalent - 15)


def test_cli_prints_label_equivalents(scored, tmp_path):
    "`genreuse-eval --pool FILE --label-units` reads the curve and the pool's evaluations from the store and adds the labels"
    cfg, curve, report = scored
    le = label_equivalents(report.assign(seed=cfg.seed), curve).iloc[0]
    pool = tmp_path/'mine.json'
    pool.write_text(json.dumps(np.random.default_rng(7).choice(1007, 15, replace=False).tolist()))   # the fixture's pool
    r = subprocess.run([str(Path(sys.executable).parent/'genreuse-eval'), '--pool', str(pool), '--pool-name', 'mine/logreg/sklearn',
                        '--label-units', '--profile', 'smoke', '--eval-models', 'resnet6', '--eval-trainings', 'base',
                        '--out-dir', cfg.out_dir, '--weights-dir', cfg.weights_dir],
                       capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': '1'}, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    i = next(i for i, l in enumerate(lines) if l.split()[:1] == ['eval_model'])   # the table, after the progress bars
    header, row = lines[i:i + 2]
    assert header.split()[-3:] == ['labels_equivalent', 'labels_flag', 'label_gain'], r.stdout
    assert (f'{le.labels_equivalent:g}'[:4] in row) if le.labels_flag == '' else (le.labels_flag in row), r.stdout
