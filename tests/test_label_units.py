"""REU* in label units end to end: a random-pool learning curve evaluated in a results store (smoke profile on digits),
a small pool scored beside its random baseline (`eval_pool`), and that pool's label-equivalent on the curve."""
import numpy as np
import pytest

from genreuse.data import load_data
from genreuse.label_units import random_curve
from genreuse.loop import DALConfig
from genreuse.pools import eval_pool
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
