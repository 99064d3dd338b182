"""Frozen-feature models end to end on the CPU: the built-in frozen SimCLR ResNet-18 (linear and MLP heads) queries with
every paper strategy and is evaluated beside other families on digits and MNIST-1D; a torchvision network loads a local
weights file and nothing is downloaded; a file of precomputed embeddings serves row for row; features are computed
once; bad input is one error line naming the parameter; the built-in names work in a fresh process. Budgets are the
`smoke` profile's: this checks the plumbing, not accuracy."""
import os, socket, subprocess, sys, urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision

import genreuse.frozen as frozen
from genreuse.data import load_data
from genreuse.frozen import EmbeddingsFile, SimCLRBackbone, TorchvisionBackbone, frozen_model
from genreuse.loop import DALConfig, evaluate_pool, run_dal
from genreuse.methods import TRAININGS, train_model
from genreuse.models import FROZEN_MODELS, MODELS, register_model
from genreuse.profiles import get_profile
from genreuse.store import final_pool

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PAPER_STRATEGIES = ('random', 'margin', 'coreset', 'badge', 'typiclust')
HELD_OUT = {'digits': 'resnet6', 'mnist1d': 'gru'}  # a family of each dataset to evaluate beside the frozen models


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    "Digits, and MNIST-1D generated once into a data root shared by this module's tests"
    root = tmp_path_factory.mktemp('data')
    return {'digits': load_data('digits'), 'mnist1d': load_data('mnist1d', root=root)}, root


@pytest.fixture(scope='module')
def weights(tmp_path_factory):
    "One weights store for the module: each dataset's SimCLR encoder and its features are made once"
    return tmp_path_factory.mktemp('weights')


@pytest.fixture
def offline(monkeypatch):
    "Any attempt to reach the network fails the test"
    def refuse(*args, **kwargs): raise AssertionError(f'network access attempted: {args[:1]}')
    for obj, name in ((socket.socket, 'connect'), (urllib.request, 'urlopen'), (torch.hub, 'load_state_dict_from_url'),
                      (torch.hub, 'download_url_to_file')):
        monkeypatch.setattr(obj, name, refuse)


@pytest.fixture
def registered():
    "Register models for one test; removed afterwards"
    names = []
    def register(name, builder): names.append(register_model(name, builder)); return name
    yield register
    for n in names: MODELS.pop(n)


def config(tmp_path, root, weights, dataset, **kw):
    return DALConfig(**{**dict(dataset=dataset, profile='smoke', init_size=20, query_size=10, cycles=1, out_dir=str(tmp_path/'runs'),
                               weights_dir=str(weights), data_root=str(root)), **kw})


def cache_entries(weights, dataset):
    return sorted((Path(weights)/'features'/dataset).glob('*.npz'))


@pytest.mark.parametrize('dataset', ['digits', 'mnist1d'])
@pytest.mark.parametrize('model', FROZEN_MODELS)
def test_every_paper_strategy_queries_with_a_frozen_model(data, weights, tmp_path, dataset, model):
    sets, root = data
    for s in PAPER_STRATEGIES:
        cfg = config(tmp_path, root, weights, dataset, strategy=s, model=model)
        tbl = run_dal(cfg, data=sets[dataset])
        assert tbl.n_labeled.tolist() == [20, 30] and tbl.accuracy.between(0, 100).all()
        pool = final_pool(cfg.out_dir, cfg)['labeled']
        assert len(pool) == 30 == len(set(pool)) and all(0 <= i < sets[dataset].n_train for i in pool)
    assert len(cache_entries(weights, dataset)) == 1  # both heads, every strategy and cycle: one SimCLR encoder, one feature file


@pytest.mark.parametrize('dataset', ['digits', 'mnist1d'])
def test_frozen_models_are_evaluated_beside_another_family(data, weights, tmp_path, dataset):
    sets, root = data
    cfg = config(tmp_path, root, weights, dataset)
    pool = np.random.default_rng(0).choice(sets[dataset].n_train, 30, replace=False)
    trainings = TRAININGS if dataset == 'digits' else ('base', 'semi')
    res = evaluate_pool(cfg, pool, eval_models=[HELD_OUT[dataset], *FROZEN_MODELS], eval_trainings=trainings, data=sets[dataset])
    assert len(res) == 3 * len(trainings) and res.accuracy.between(0, 100).all()
    acc = res.set_index(['eval_model', 'eval_training']).accuracy
    if dataset == 'digits':  # a pretrained frozen backbone: Self-SL trains like Base, 3SL like Semi-SL
        assert all(acc[m, 'self'] == acc[m, 'base'] and acc[m, '3sl'] == acc[m, 'semi'] for m in FROZEN_MODELS)


def test_features_are_computed_once(data, tmp_path, monkeypatch):
    digits, idx, smoke = data[0]['digits'], np.arange(20), get_profile('smoke')
    calls = []
    embed = frozen.embed
    monkeypatch.setattr(frozen, 'embed', lambda model, *a, **k: calls.append(1) or embed(model, *a, **k))
    a = train_model('probe_simclr_resnet18', digits, idx, 'base', smoke, weights_dir=tmp_path)
    entry, = cache_entries(tmp_path, 'digits')
    n, stamp = len(calls), entry.stat().st_mtime_ns
    b = train_model('mlp_probe_simclr_resnet18', digits, idx, 'semi', smoke, weights_dir=tmp_path)
    c = train_model('probe_simclr_resnet18', digits, idx, 'base', smoke, weights_dir=tmp_path)
    assert n == 3 and len(calls) == 3 and entry.stat().st_mtime_ns == stamp  # one forward pass per split, once
    assert cache_entries(tmp_path, 'digits') == [entry] and b.feature_dim == 256
    assert all(torch.equal(u, v) for u, v in zip(a.state_dict().values(), c.state_dict().values()))


def test_a_local_torchvision_weights_file_is_loaded_and_nothing_downloaded(data, tmp_path, offline, registered):
    sets, root = data
    torch.manual_seed(0)
    path = tmp_path/'resnet18.pt'
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), path)
    name = registered('tv_resnet18_probe', frozen_model(TorchvisionBackbone('resnet18', path, size=32)))
    for s in ('margin', 'badge'):
        tbl = run_dal(config(tmp_path, root, tmp_path/'w', 'digits', strategy=s, model=name), data=sets['digits'])
        assert tbl.n_labeled.tolist() == [20, 30]
    res = evaluate_pool(config(tmp_path, root, tmp_path/'w', 'digits'), range(30), eval_models=[name], eval_trainings=['base'],
                        data=sets['digits'])
    assert res.accuracy.between(0, 100).all()
    entry, = cache_entries(tmp_path/'w', 'digits')
    assert entry.name.startswith('torchvision-resnet18-32px-')
    with pytest.raises(ValueError, match=r"^arch: 'tv_resnet18_probe' takes 'images', but 'mnist1d' holds 'signals' inputs"):
        run_dal(config(tmp_path, root, tmp_path/'w', 'mnist1d', model=name), data=sets['mnist1d'])


@pytest.mark.parametrize('dataset', ['digits', 'mnist1d'])
def test_precomputed_embeddings_serve_row_for_row(data, tmp_path, registered, dataset):
    sets, root = data
    d = sets[dataset]
    proj = torch.randn(d.x_train[0].numel(), 16, generator=torch.Generator().manual_seed(0))
    arrays = {s: (d.normalize(getattr(d, f'x_{s}')).flatten(1) @ proj).numpy() for s in ('train', 'val', 'test')}
    np.savez(tmp_path/'emb.npz', **arrays)
    name = registered('emb_probe', frozen_model(EmbeddingsFile(tmp_path/'emb.npz'), 'mlp', hidden=32))
    for s in ('coreset', 'typiclust'):
        assert run_dal(config(tmp_path, root, tmp_path/'w', dataset, strategy=s, model=name), data=d).n_labeled.tolist() == [20, 30]
    assert not (tmp_path/'w'/'features').exists()  # nothing is computed, so nothing is cached
    np.savez(tmp_path/'emb.npz', **{**arrays, 'test': arrays['test'][:-1]})
    with pytest.raises(ValueError, match=rf"^embeddings: '.*emb.npz' has a float32 array 'test' of shape \({len(d.x_test) - 1}, 16\), "
                                         rf"but '{dataset}' has {len(d.x_test)} test rows; it needs float arrays train, val, test"):
        train_model(name, d, np.arange(20), 'base', get_profile('smoke'), weights_dir=tmp_path/'w')


def test_bad_input_is_one_line_naming_the_parameter(tmp_path):
    cases = [(lambda: SimCLRBackbone('resnet181'), r"^arch: unknown 'resnet181'; did you mean 'resnet18'\? allowed: resnet6, resnet10, "),
             (lambda: TorchvisionBackbone('resnet181', tmp_path/'w.pt'), r"^arch: unknown 'resnet181'; did you mean 'resnet18'\? allowed: alexnet, "),
             (lambda: TorchvisionBackbone('resnet18', tmp_path/'w.pt'), r"^weights: no file at '.*w.pt'; give the path of a local state_dict"),
             (lambda: EmbeddingsFile(tmp_path/'e.npz'), r"^embeddings: no file at '.*e.npz'; give the path of an .npz file of float arrays train, val, test"),
             (lambda: frozen_model('dinov2'), r"^backbone: expected one of SimCLRBackbone, TorchvisionBackbone, EmbeddingsFile, got 'dinov2'"),
             (lambda: frozen_model(SimCLRBackbone('resnet18'), head='transformer'), r"^head: unknown 'transformer'; allowed: linear, mlp")]
    for make, pattern in cases:
        with pytest.raises((ValueError, FileNotFoundError), match=pattern) as e: make()
        assert '\n' not in str(e.value)
    (tmp_path/'w.pt').write_bytes(b'not a state dict')
    enc = TorchvisionBackbone('resnet18', tmp_path/'w.pt', size=32).encoder(1, 10, 1.0)
    with pytest.raises(ValueError, match=r"^weights: could not read '.*w.pt' as a state_dict \(.*\); save one with torch.save"):
        enc.load(tmp_path/'w.pt', 'resnet18')


def test_the_built_in_names_run_in_a_fresh_process(tmp_path):
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    env.pop('GENREUSE_MODELS', None)
    r = subprocess.run([str(BIN/'genreuse-run'), '--model', 'mlp_probe_simclr_resnet18', '--strategy', 'badge', '--profile', 'smoke',
                        '--init-size', '10', '--query-size', '5', '--cycles', '1', '--out-dir', tmp_path/'runs',
                        '--weights-dir', tmp_path/'w'], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1].startswith('final test accuracy of the query model: ')
    assert len(cache_entries(tmp_path/'w', 'digits')) == 1
