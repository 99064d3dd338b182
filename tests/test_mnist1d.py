"""The MNIST-1D testbed end to end on 1-D signals: every paper strategy queries with a 1-D ResNet and with the GRU, every
training method (MixMatch's weak and SimCLR's strong signal augmentations) trains a 1-D query model, and the final pool
is evaluated with Base by the 1-D ResNets, a 1-D WRN and the other families. Budgets are the `smoke` profile's: this checks the plumbing on
signals, not accuracy; `bench/convergence.py --profile mnist1d` checks the budgets."""
import pytest

from genreuse.data import load_data
from genreuse.loop import DALConfig, run_dal, run_eval
from genreuse.store import final_pool
from genreuse.methods import TRAININGS
from genreuse.models import OTHER_FAMILIES
from genreuse.strategies import STRATEGIES

PAPER_STRATEGIES = ('random', 'margin', 'coreset', 'badge', 'typiclust')


@pytest.fixture(scope='module')
def signals(tmp_path_factory):
    "MNIST-1D generated once into a data root shared by this module's tests"
    root = tmp_path_factory.mktemp('data')
    return load_data('mnist1d', root=root), root


def config(out, root, **kw):
    return DALConfig(**{**dict(dataset='mnist1d', profile='smoke', init_size=20, query_size=10, cycles=1, out_dir=str(out/'runs'),
                               weights_dir=str(out/'w'), data_root=str(root)), **kw})


@pytest.mark.parametrize('model', ['resnet6', 'gru'])
def test_every_paper_strategy_queries_signals(signals, tmp_path, model):
    data, root = signals
    pools = {}
    for s in PAPER_STRATEGIES:
        assert s in STRATEGIES
        cfg = config(tmp_path, root, strategy=s, model=model)
        tbl = run_dal(cfg, data=data)
        assert tbl.n_labeled.tolist() == [20, 30] and tbl.n_queried.tolist() == [10, 0] and tbl.accuracy.between(0, 100).all()
        pool = final_pool(cfg.out_dir, cfg)['labeled']
        assert len(pool) == 30 == len(set(pool)) and all(0 <= i < data.n_train for i in pool)
        pools[s] = tuple(sorted(pool))
    assert len(set(pools.values())) > 1   # the strategies do not all pick the same rows


def test_every_training_method_and_family_on_signals(signals, tmp_path):
    data, root = signals
    for t in TRAININGS:
        cfg = config(tmp_path, root, strategy='badge', model='resnet10', training=t)
        assert run_dal(cfg, data=data).accuracy.between(0, 100).all()
    ev = run_eval(cfg, ['resnet6', 'resnet18', 'wrn28_2', *OTHER_FAMILIES], ['base'], data=data)   # other families: Base only
    assert len(ev) == 3 + len(OTHER_FAMILIES) and ev.accuracy.between(0, 100).all()
    assert set(ev.eval_model) == {'resnet6', 'resnet18', 'wrn28_2', *OTHER_FAMILIES}



def test_a_seeded_signal_run_repeats_bit_for_bit(signals, tmp_path):
    data, root = signals
    cfgs = [config(tmp_path/str(i), root, strategy='badge', model='resnet6', training='semi') for i in range(2)]
    runs = [run_dal(c, data=data)[['cycle', 'n_labeled', 'accuracy']].to_dict('list') for c in cfgs]
    assert runs[0] == runs[1]
    assert final_pool(cfgs[0].out_dir, cfgs[0]) == final_pool(cfgs[1].out_dir, cfgs[1])
