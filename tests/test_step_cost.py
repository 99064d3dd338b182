"""`bench/step_cost.py` prices every kind of model the dry run counts: a frozen-feature model by its head's steps, an
architecture by its steps and its SimCLR pretraining; a partial run keeps the other rows of the table."""
import os, subprocess, sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def test_step_cost_prices_a_frozen_model_by_its_head(tmp_path):
    out = tmp_path/'step_cost.csv'
    pd.DataFrame([dict(profile='digits', arch='resnet18', training='base', seconds_per_step=0.5)]).to_csv(out, index=False)
    r = subprocess.run([sys.executable, str(ROOT/'bench'/'step_cost.py'), '--profiles', 'smoke', '--archs', 'resnet6',
                        'probe_simclr_resnet18', '--steps', '4', '--out', str(out)],
                       capture_output=True, text=True, cwd=ROOT, env={**os.environ, 'OMP_NUM_THREADS': '1'}, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    costs = pd.read_csv(out)
    got = lambda arch: set(costs[(costs.profile == 'smoke') & (costs.arch == arch)].training)
    assert got('resnet6') == {'base', 'semi', 'self', '3sl', 'simclr'}
    assert got('probe_simclr_resnet18') == {'base', 'semi', 'self', '3sl'}   # no pretraining of its own
    assert (costs.seconds_per_step >= 0).all() and costs.seconds_per_step.notna().all()
    assert ((costs.profile == 'digits') & (costs.arch == 'resnet18') & (costs.seconds_per_step == 0.5)).sum() == 1   # kept
