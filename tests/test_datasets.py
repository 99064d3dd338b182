"""Datasets of your own, end to end: a registered loader (by exported name and by module path), the `folder` dataset
(PNG files written here) and the `tabular` dataset (CSV files written here) each run a DAL run, a reuse evaluation
and a two-configuration sweep of the real run notebooks, whose fresh kernels must find the dataset. The built-in
`mnist1d` is generated offline and cached under the data root."""
import os, random, socket, subprocess, sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from genreuse.data import DATASETS, DATASETS_ENV, load_data, register_dataset, write_image_folder
from genreuse.loop import DALConfig, run_dal, run_eval
from genreuse.store import load_curves, load_perf, load_runs
from genreuse.grid import get_grid
from genreuse.sweep import sweep

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUDGET = dict(profile='smoke', init_size=4, query_size=3, cycles=1)
MODULE = '''
import numpy as np
from genreuse.data import dal_data

def load(root=None):
    "Two classes of 12x12 gray images: a bright top half or a bright bottom half, with noise"
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 0.3, (60, 1, 12, 12)).astype('float32')
    y = np.arange(60) % 2
    for i in range(60): x[i, 0, :6] += 0.6 if y[i] == 0 else 0.0; x[i, 0, 6:] += 0.6 if y[i] == 1 else 0.0
    return dal_data('ignored', x[:40], y[:40], x[40:], y[40:])
'''


@pytest.fixture
def own_module(tmp_path, monkeypatch):
    "A loader module `gr_test_stripes` importable here and, through PYTHONPATH, in every child process"
    mods = tmp_path/'mods'
    mods.mkdir()
    (mods/'gr_test_stripes.py').write_text(MODULE)
    monkeypatch.syspath_prepend(str(mods))
    monkeypatch.setenv('PYTHONPATH', os.pathsep.join([str(mods), str(ROOT)]))
    monkeypatch.delenv(DATASETS_ENV, raising=False)
    before = dict(DATASETS.entries)
    yield 'gr_test_stripes'
    DATASETS.entries.clear(); DATASETS.entries.update(before)


def run_and_evaluate(dataset, out, model='resnet6', eval_models=('resnet6', 'mlp'), eval_trainings=('base',), **kw):
    "A DAL run of `dataset` and the evaluation of its final pool; the evaluation table"
    cfg = DALConfig(dataset=dataset, strategy='margin', model=model, out_dir=str(out/'runs'), weights_dir=str(out/'w'),
                    **BUDGET, **kw)
    tbl = run_dal(cfg)
    assert tbl.n_labeled.tolist() == [4, 7]
    ev = run_eval(cfg, list(eval_models), list(eval_trainings))
    assert ev.accuracy.between(0, 100).all() and len(ev) == len(eval_models) * len(eval_trainings)
    return ev


def two_config_sweep(dataset, out, model='resnet6', eval_models='resnet6', curves=False, **run_params):
    "The smoke grid (random and margin; `curves`: and the random-pool curve) on `dataset` with the real run notebooks; every task must be done"
    grid = get_grid('smoke', models=model, eval_models=eval_models, eval_trainings='base', curves=curves)
    kw = dict(out_dir=str(out/'sweep'), n_jobs=1, progress=False,
              run_params=dict(weights_dir=str(out/'w'), init_size=4, query_size=3, cycles=1, **run_params))
    t = sweep(grid, dataset, **kw)
    assert list(t.status) == ['done'] * (4 + curves), t[['task', 'status', 'error']].to_string()
    if curves: assert list(sweep(grid, dataset, **kw).status) == ['skipped'] * 5   # the curve task is done too
    perf = load_perf(out/'sweep')
    assert sorted(set(perf.strategy)) == ['margin', 'random'] and set(perf.dataset) == {dataset}
    return perf


def test_registered_dataset_runs_evaluates_and_sweeps(own_module, tmp_path):
    import importlib
    register_dataset('stripes', importlib.import_module(own_module).load)
    assert os.environ[DATASETS_ENV] == f'stripes={own_module}:load'
    d = load_data('stripes')
    assert (d.name, d.x_train.shape, d.num_classes) == ('stripes', (40, 1, 12, 12), 2)
    run_and_evaluate('stripes', tmp_path)
    assert (tmp_path/'runs'/'stripes-smoke'/'dal'/'margin'/'resnet6-base'/'seed0'/'done.json').exists()
    perf = two_config_sweep('stripes', tmp_path, curves=True)
    curve = load_curves(tmp_path/'sweep')   # the random pools of 4, 7 labels (the Random run's), then 7 x 1.5, 2, 3
    assert sorted(curve.n_labeled) == [4, 7, 11, 14, 21] and set(curve.eval_model) == {'resnet6'}
    rand = perf[perf.strategy == 'random']
    assert curve[curve.n_labeled == 7].accuracy.tolist() == rand.accuracy.tolist()   # REU*'s baseline is on the curve


def test_module_path_dataset_from_the_command_line(own_module, tmp_path):
    args = ['--dataset', f'{own_module}:load', '--strategy', 'margin', '--out-dir', tmp_path/'runs',
            '--weights-dir', tmp_path/'w', '--profile', 'smoke', '--init-size', '4', '--query-size', '3', '--cycles', '1']
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    r = subprocess.run([str(BIN/'genreuse-run'), *map(str, args)], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(BIN/'genreuse-eval'), *map(str, args), '--eval-models', 'mlp', '--eval-trainings', 'base'],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert load_runs(tmp_path/'runs').dataset.tolist() == [f'{own_module}:load']
    assert load_perf(tmp_path/'runs').eval_model.tolist() == ['mlp']
    r = subprocess.run([str(BIN/'genreuse-run'), '--dataset', 'no_such_mod_gr:load', '--out-dir', tmp_path/'x'],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode != 0
    assert "dataset: could not import 'no_such_mod_gr:load' (ModuleNotFoundError" in r.stderr.splitlines()[-1]


def test_sweep_refuses_a_dataset_fresh_kernels_cannot_load(own_module):
    register_dataset('local_only', lambda: load_data('two_moons'))
    with pytest.raises(ValueError, match=r"^dataset: 'local_only' is registered in this process only"):
        sweep('smoke', 'local_only', profile='smoke')


def test_folder_dataset_runs_evaluates_and_sweeps(tmp_path):
    root = write_image_folder(tmp_path/'images', classes=('cat', 'dog', 'owl'), n_train=8, n_test=3)
    assert load_data('folder', root).x_train.shape == (24, 3, 32, 32)
    ev = run_and_evaluate('folder', tmp_path, eval_models=('resnet6',), eval_trainings=('base', 'semi'), data_root=str(root))
    assert ev.eval_training.tolist() == ['base', 'semi']
    two_config_sweep('folder', tmp_path, data_root=str(root))
    (root/'test'/'owl').rename(root/'test'/'bat')
    with pytest.raises(ValueError, match='^root: train/ and test/ have different classes .only in train: owl; only in test: bat'):
        run_dal(DALConfig(dataset='folder', data_root=str(root), out_dir=str(tmp_path/'r2'), **BUDGET))


def write_tabular(root, n=90, seed=0):
    "train.csv and test.csv of three Gaussian blobs in five features, labels as strings"
    from sklearn.datasets import make_blobs
    x, y = make_blobs(n, n_features=5, centers=3, random_state=seed)
    df = pd.DataFrame(x, columns=[f'f{i}' for i in range(5)]).assign(label=np.array(['a', 'b', 'c'])[y])
    root.mkdir(parents=True)
    df.iloc[:60].to_csv(root/'train.csv', index=False); df.iloc[60:].to_csv(root/'test.csv', index=False)
    return root


def test_tabular_dataset_runs_evaluates_and_sweeps(tmp_path):
    root = write_tabular(tmp_path/'table')
    d = load_data('tabular', root)
    assert (d.x_train.shape, d.classes) == ((60, 5), ('a', 'b', 'c'))
    ev = run_and_evaluate('tabular', tmp_path, model='mlp', eval_models=('mlp',), eval_trainings=('base', 'self'),
                          data_root=str(root))
    assert ev.eval_training.tolist() == ['base', 'self']
    two_config_sweep('tabular', tmp_path, model='mlp', eval_models='mlp', data_root=str(root))


def test_missing_roots_name_data_root(tmp_path):
    for ds in ('folder', 'tabular'):
        with pytest.raises(FileNotFoundError, match='^data_root: '):
            run_dal(DALConfig(dataset=ds, data_root=str(tmp_path/'nothing'), out_dir=str(tmp_path/'r'), **BUDGET))


def test_mnist1d_is_generated_offline_cached_and_leaves_the_global_rngs_alone(tmp_path, monkeypatch):
    import mnist1d.data, requests
    def offline(*args, **kwargs): raise AssertionError('mnist1d must not download or regenerate here')
    for obj, attr in ((mnist1d.data, 'get_dataset'), (requests, 'get'), (requests.Session, 'request'), (socket.socket, 'connect')):
        monkeypatch.setattr(obj, attr, offline)
    def draws(): return random.random(), float(np.random.rand()), float(torch.rand(1))
    random.seed(3); np.random.seed(3); torch.manual_seed(3)
    d = load_data('mnist1d', tmp_path)
    after = draws()
    random.seed(3); np.random.seed(3); torch.manual_seed(3)
    assert after == draws()
    assert [f.suffix for f in (tmp_path/'mnist1d').iterdir()] == ['.npz']
    monkeypatch.setattr(mnist1d.data, 'make_dataset', offline)  # the second load must read the cache
    d2 = load_data('mnist1d', tmp_path)
    splits = ('x_train', 'y_train', 'x_val', 'y_val', 'x_test', 'y_test')
    assert all(torch.equal(getattr(d, f), getattr(d2, f)) for f in splits)
    assert (d.kind, d.x_train.shape, d.x_val.shape, d.x_test.shape) == ('signals', (14000, 1, 40), (1000, 1, 40), (5000, 1, 40))
    assert (d.x_train.dtype, d.y_train.dtype, d.num_classes) == (torch.float32, torch.int64, 10)
    assert all(y.unique().tolist() == list(range(10)) for y in (d.y_train, d.y_val, d.y_test))
    expected = (d.y_train.bincount() + d.y_val.bincount()) * 1000 / 15000  # stratified: the training split's proportions
    assert (d.y_val.bincount() - expected).abs().max() <= 1
