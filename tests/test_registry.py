"""Every axis is extensible from an importable module of the user's: a strategy and a model run in a sweep's fresh
kernels, a training method runs in genreuse-run, and a registration that fresh kernels cannot see is refused first."""
import json, os, subprocess, sys, textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
USER_MODULE = textwrap.dedent('''
    "A user's own strategy, model and training method, in an importable module"
    from dataclasses import replace
    import numpy as np
    from torch import nn
    from genreuse.methods import TrainingMethod
    from genreuse.training import fit_base

    def most_confident(probs, budget):
        "The `budget` unlabeled rows the model is most sure of (the opposite of least confidence)"
        return np.argsort(-probs.max(1).values.cpu().numpy(), kind='stable')[:budget]

    class TinyConv(nn.Module):
        "One convolution, global pooling and a linear head"
        def __init__(self, in_channels=3, num_classes=10, width=1.0):
            super().__init__()
            self.feature_dim = 8
            self.body = nn.Sequential(nn.Conv2d(in_channels, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
            self.head = nn.Linear(8, num_classes)
        def embed(self, x): return self.body(x)
        def forward(self, x): return self.head(self.embed(x))

    def half_base(model, data, labeled_idx, profile, seed=0, progress=False, compute=None):
        "Base training for half the profile's epochs"
        return fit_base(model, data, labeled_idx, replace(profile, epochs=max(1, profile.epochs // 2)), seed=seed,
                        progress=progress, compute=compute)

    half = TrainingMethod(half_base)
''')


@pytest.fixture
def user_env(tmp_path):
    "A user module on PYTHONPATH, as a user's installed package would be"
    (tmp_path/'my_gr_axes.py').write_text(USER_MODULE)
    return {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONPATH': f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def run(cmd, env, *args, timeout=900):
    return subprocess.run([str(BIN/cmd), *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout)


def test_user_strategy_and_model_run_in_a_sweeps_fresh_kernels(tmp_path, user_env):
    out = tmp_path/'runs'
    r = run('genreuse-sweep', user_env, '--grid', 'smoke', '--strategies', 'my_gr_axes:most_confident',
            '--models', 'my_gr_axes:TinyConv', '--future-models', 'none', '--out-dir', out, '--n-jobs', '1')
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    from genreuse.store import load_runs, load_perf
    runs, perf = load_runs(out), load_perf(out)
    assert list(zip(runs.strategy, runs.query_model)) == [('my_gr_axes:most_confident', 'my_gr_axes:TinyConv')]
    assert len(perf) > 0 and set(perf.strategy) == {'my_gr_axes:most_confident'}


def test_user_training_method_runs_in_genreuse_run(tmp_path, user_env):
    r = run('genreuse-run', user_env, '--training', 'my_gr_axes:half', '--profile', 'smoke', '--init-size', '4',
            '--query-size', '3', '--cycles', '1', '--out-dir', tmp_path/'runs')
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1].startswith('final test accuracy of the query model: ')
    cfg = json.loads(next((tmp_path/'runs').rglob('config.json')).read_text())['config']
    assert cfg['training'] == 'my_gr_axes:half'


def test_a_registration_fresh_kernels_cannot_see_is_refused_before_the_sweep(tmp_path):
    from genreuse.strategies import register_strategy
    from genreuse.sweep import sweep
    register_strategy('only_here', lambda n_unlabeled, budget, seed: list(range(budget)))
    with pytest.raises(ValueError, match=r"^strategies: 'only_here' is registered in this process only"):
        sweep('smoke', strategies='only_here', out_dir=str(tmp_path), progress=False)
    assert not any(tmp_path.iterdir())


def test_unknown_user_path_is_one_line(tmp_path, user_env):
    r = run('genreuse-run', user_env, '--strategy', 'my_gr_axes:nothing', '--profile', 'smoke', '--out-dir', tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "genreuse-run: strategy: could not import 'my_gr_axes:nothing' (AttributeError: module 'my_gr_axes' has no "
        "attribute 'nothing'); make the module importable (installed, on PYTHONPATH or in the working directory)"]
