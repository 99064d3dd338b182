"""The MNIST-1D testbed end to end on 1-D signals: every paper strategy queries with a 1-D ResNet and with the GRU, every
training method (MixMatch's weak and SimCLR's strong signal augmentations) trains a 1-D query model, and the final pool
is evaluated by the 1-D ResNets and the other families. Budgets are the `smoke` profile's: this checks the plumbing on
signals, not accuracy; `bench/convergence.py --profile mnist1d` checks the budgets."""
import pytest

from genreuse.data import load_data
from genreuse.loop import DALConfig, run_dal, run_eval
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
        tbl = run_dal(config(tmp_path, root, strategy=s, model=model), data=data)
        assert tbl.n_labeled.tolist() == [20, 30] and tbl.accuracy.between(0, 100).all()
        queried = tbl.queried.iloc[0]
        assert len(queried) == 10 == len(set(queried)) and all(0 <= i < data.n_train for i in queried)
        pools[s] = tuple(sorted(queried))
    assert len(set(pools.values())) > 1   # the strategies do not all pick the same rows


def test_every_training_method_and_family_on_signals(signals, tmp_path):
    data, root = signals
    for t in TRAININGS:
        cfg = config(tmp_path, root, strategy='badge', model='resnet10', training=t)
        assert run_dal(cfg, data=data).accuracy.between(0, 100).all()
    ev = run_eval(cfg, ['resnet6', 'resnet18', 'wrn28_2', *OTHER_FAMILIES], ['base', 'self'], data=data)
    assert len(ev) == 2 * (3 + len(OTHER_FAMILIES)) and ev.accuracy.between(0, 100).all()
    assert set(ev.eval_model) == {'resnet6', 'resnet18', 'wrn28_2', *OTHER_FAMILIES}



def test_a_seeded_signal_run_repeats_bit_for_bit(signals, tmp_path):
    data, root = signals
    runs = [run_dal(config(tmp_path/str(i), root, strategy='badge', model='resnet6', training='semi'), data=data) for i in range(2)]
    cols = ['cycle', 'n_labeled', 'accuracy', 'queried']
    assert runs[0][cols].to_dict('list') == runs[1][cols].to_dict('list')
