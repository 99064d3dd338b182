"The convergence check `bench/convergence.py` end to end on a tiny profile: rows per training, resume, the report."
import importlib.util, shutil
from pathlib import Path

import numpy as np, pandas as pd, pytest, torch
from scipy import stats

from script_runner import run_script

ROOT = Path(__file__).resolve().parents[1]


def run_check(tmp_path, *extra):
    "Run bench/convergence.py in this process (`run_script`); its exit code, standard output and error"
    return run_script(ROOT/'bench'/'convergence.py', '--profile', 'smoke', '--archs', 'resnet6', '--trainings', 'base', 'self',
                      '--seeds', '0', '1', '--min-seeds', '2', '--factor', '2', '--jobs', '1',
                      '--out-dir', tmp_path, '--weights-dir', tmp_path/'w', *extra)


def t_interval(d, level=0.9):
    "The two-sided t-interval of the mean of `d`, written out here so that the test does not reuse the script's code"
    d = np.asarray(d, float)
    half = stats.t.ppf(1 - (1 - level) / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return d.mean() - half, d.mean() + half


def expected_verdict(d, tol=1.5):
    "Two-sided: yes inside ±`tol`, NO entirely outside, else not shown"
    lo, hi = t_interval(d)
    return 'yes' if -tol <= lo and hi <= tol else 'NO' if lo > tol or hi < -tol else 'not shown'


def check(tmp_path, *extra):
    r = run_check(tmp_path, *extra)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


BASE_SEED0 = ('--trainings', 'base', '--seeds', '0', '--min-seeds', '1')   # ResNet-6 with Base, seed 0: 2 sizes x 2 budgets


@pytest.fixture(scope='module')
def base_seed0_rows(tmp_path_factory):
    "The rows of a check of `BASE_SEED0`, measured once for the tests that start from them"
    out_dir = tmp_path_factory.mktemp('base_seed0')
    assert '4 trainings to run (0 already measured)' in check(out_dir, *BASE_SEED0)
    return out_dir/'convergence.csv'


def start_from(rows, tmp_path):
    "The path of a copy of `rows` in `tmp_path`, as the check writes it there"
    return Path(shutil.copy(rows, tmp_path/'convergence.csv'))


def test_convergence_check_rows_resume_and_report(tmp_path):
    out = check(tmp_path)
    assert '16 trainings to run (0 already measured), 4 SimCLR pretrainings' in out   # 2 trainings x 2 sizes x 2 seeds x 2 budgets
    rows = pd.read_csv(tmp_path/'convergence.csv')
    assert len(rows) == 16 and set(rows.labels) == {10, 15} and set(rows.factor) == {1, 2}
    assert rows.val_accuracy.between(0, 100).all() and (rows.seconds > 0).all()
    assert set(rows.budget[(rows.training == 'base') & (rows.factor == 2)]) == {'4 ep'}      # smoke: 2 epochs, doubled
    again = check(tmp_path)
    assert '0 trainings to run (16 already measured)' in again                               # resumed, nothing retrained
    assert len(pd.read_csv(tmp_path/'convergence.csv')) == 16
    wider = check(tmp_path, '--override', '{"arch_overrides": {"resnet6": {"width": 0.5}}}')
    assert '16 trainings to run (16 already measured)' in wider                               # same budgets, new width
    assert set(pd.read_csv(tmp_path/'convergence.csv').width) == {1.0, 0.5}
    longer = check(tmp_path, '--override', '{"epochs": 3}')                                   # new Base budget, same SimCLR
    assert longer.count('in the weights store') == 4                                          # pretrained weights reused
    check(tmp_path, '--report-only')                                                          # the shipped profile's report
    md = (tmp_path/'convergence.md').read_text()
    table = [l for l in md.splitlines() if l.startswith('| resnet6 |')]
    assert len(table) == 4 + 1                                                                 # 2 trainings x 2 sizes, + a parameter row
    base10 = rows[(rows.training == 'base') & (rows.labels == 10)].pivot(index='seed', columns='factor', values='val_accuracy')
    d = base10[2] - base10[1]                                                                  # paired: same seed, same pool
    assert f"| resnet6 | base | 10 | 2 ep | 2 |" in md and f"{d.mean():+.1f} [" in md          # 2 seeds with both budgets
    assert f"| {expected_verdict(d)} |" in md.split('| resnet6 | base | 10 |')[1].split('\n')[0]


def test_convergence_check_tries_overrides_without_changing_the_profile(tmp_path):
    out = check(tmp_path, '--trainings', 'base', '--override', '{"epochs": 3}')
    assert '8 trainings to run' in out                                     # base only: 2 sizes x 2 seeds x 2 budgets
    rows = pd.read_csv(tmp_path/'convergence.csv')
    assert set(rows.budget) == {'3 ep', '6 ep'}                            # the override, and 2x it
    md = (tmp_path/'convergence.md').read_text()
    assert 'overrides tried, `{"epochs": 3}`' in md and '| resnet6 | base | 10 | 3 ep |' in md
    strict = check(tmp_path, '--trainings', 'base', '--override', '{"epochs": 3}', '--min-seeds', '3', '--report-only')
    assert '| incomplete |' in strict and '**0 of 2** (pair, pool size) rows shown converged, 0 not converged, 0 not shown, 2 incomplete.' in strict   # 2 seeds are too few to judge


def test_convergence_check_future_models_at_the_final_pool_only(tmp_path):
    out = check(tmp_path, '--archs', 'resnet6', 'wrn28_2', '--trainings', 'base', '--seeds', '0', '--min-seeds', '1')
    assert '6 trainings to run' in out                                     # resnet6: 2 sizes x 2 budgets; wrn28_2: 1 size x 2
    rows = pd.read_csv(tmp_path/'convergence.csv')
    assert set(rows.labels[rows.arch == 'wrn28_2']) == {15} and set(rows.labels[rows.arch == 'resnet6']) == {10, 15}
    md = (tmp_path/'convergence.md').read_text()
    assert '| wrn28_2 | base | 15 |' in md and '| wrn28_2 | base | 10 |' not in md and 'incomplete' not in md
    narrower = check(tmp_path, '--archs', 'resnet6', '--trainings', 'base', '--seeds', '0', '--min-seeds', '1')
    assert '0 trainings to run (6 already measured)' in narrower           # a subset to check, nothing left to train
    assert '| wrn28_2 | base | 15 |' in (tmp_path/'convergence.md').read_text()   # the report keeps what was measured
    smallest = check(tmp_path, '--archs', 'resnet6', '--trainings', 'base', '--seeds', '0', '--min-seeds', '1', '--sizes', '10')
    assert '0 trainings to run (6 already measured)' in smallest           # one pool size to check, nothing left to train
    md = (tmp_path/'convergence.md').read_text()                           # ... and the report keeps the other pool size
    assert '| resnet6 | base | 15 |' in md and '| wrn28_2 | base | 15 |' in md and '| wrn28_2 | base | 10 |' not in md
    extra = check(tmp_path, '--archs', 'resnet6', '--trainings', 'base', '--seeds', '0', '--min-seeds', '1', '--sizes', '12')
    assert '2 trainings to run (6 already measured)' in extra              # a pool size between the grid's two
    md = (tmp_path/'convergence.md').read_text()                           # ... is reported, and counted apart
    assert '| resnet6 | base | 12 |' in md and '| wrn28_2 | base | 12 |' not in md
    assert ("At the grid's smallest and largest pool (10 and 15 labels): **0 of 3** (pair, pool size) rows shown converged, "
            "0 not converged, 3 not shown. Of these, the future models' (wrn28_2): **0 of 1**") in md   # one seed: no interval
    assert "At the other pool sizes measured (12 labels): **0 of 1** (pair, pool size) rows shown converged, 0 not converged, 1 not shown." in md
    md = check(tmp_path, '--archs', 'resnet6', '--trainings', 'base', 'self', '--min-seeds', '1', '--report-only')
    assert '| resnet6 | self | 10 | 1 SimCLR ep + 2 ep | 0 |' in md and '| resnet6 | self | 15 |' in md   # the grid's pools: incomplete
    assert '| resnet6 | self | 12 |' not in md and '**0 of 6** (pair, pool size) rows shown converged, 0 not converged, 3 not shown, 3 incomplete.' in md   # others: as measured
    assert '(12 labels): **0 of 1** (pair, pool size) rows shown converged, 0 not converged, 1 not shown.' in md


def test_convergence_check_keys_rows_by_the_rampup(tmp_path):
    out = check(tmp_path, '--trainings', 'semi', '--seeds', '0', '--min-seeds', '1')
    assert '4 trainings to run (0 already measured)' in out                # 2 sizes x 2 budgets
    assert set(pd.read_csv(tmp_path/'convergence.csv').rampup) == {1.0, 2.0}   # smoke: ramp-up 1 epoch, doubled
    ramp = check(tmp_path, '--trainings', 'semi', '--seeds', '0', '--min-seeds', '1', '--override', '{"mixmatch": {"rampup_epochs": 2.0}}')
    assert '4 trainings to run (4 already measured)' in ramp               # same budget string, another ramp-up: retrained
    assert len(pd.read_csv(tmp_path/'convergence.csv')) == 8


def test_convergence_check_reads_only_its_profiles_rows(tmp_path, base_seed0_rows):
    rows = pd.read_csv(start_from(base_seed0_rows, tmp_path), dtype={'rampup': str}, keep_default_na=False)
    other = rows.assign(profile='digits')                                  # another profile's rows: same keys ...
    pd.concat([other, other.assign(labels=other.labels + 2)]).to_csv(tmp_path/'convergence.csv', index=False)   # ... and sizes
    out = check(tmp_path, *BASE_SEED0)
    assert '4 trainings to run (0 already measured)' in out                # another profile's rows are not this one's
    md = (tmp_path/'convergence.md').read_text()
    assert '| resnet6 | base | 10 |' in md and '| resnet6 | base | 12 |' not in md and '| resnet6 | base | 17 |' not in md


def test_convergence_check_keys_rows_by_every_value_the_training_reads(tmp_path):
    out = check(tmp_path, '--trainings', 'base', 'semi', '--seeds', '0', '--min-seeds', '1')
    assert '8 trainings to run (0 already measured)' in out                # 2 trainings x 2 sizes x 2 budgets
    lam = check(tmp_path, '--trainings', 'base', 'semi', '--seeds', '0', '--min-seeds', '1', '--override', '{"mixmatch": {"lambda_u": 5.0}}')
    assert '4 trainings to run (8 already measured)' in lam                # same budgets, another λu: MixMatch retrained, Base not
    rows = pd.read_csv(tmp_path/'convergence.csv', dtype={'values': str})
    assert rows.groupby('training')['values'].nunique().to_dict() == {'base': 2, 'semi': 4}   # a hash per budget (x λu)


def test_convergence_check_upgrades_a_table_without_values(tmp_path, base_seed0_rows):
    old = pd.read_csv(start_from(base_seed0_rows, tmp_path), dtype=str, keep_default_na=False).drop(columns='values')
    old.to_csv(tmp_path/'convergence.csv', index=False)                   # as written before rows were keyed by their values
    out = check(tmp_path, *BASE_SEED0)
    assert '4 trainings to run (4 already measured)' in out                # unkeyed rows are kept but not trusted: retrained
    rows = pd.read_csv(tmp_path/'convergence.csv', dtype={'values': str}, keep_default_na=False)
    assert len(rows) == 8 and (rows['values'] == '').sum() == 4 and rows.val_accuracy.between(0, 100).all()


def test_convergence_check_keeps_each_devices_rows_apart(tmp_path, base_seed0_rows):
    path = start_from(base_seed0_rows, tmp_path)
    rows = pd.read_csv(path, dtype={'rampup': str, 'values': str}, keep_default_na=False)
    assert set(rows.device) == {'cpu'}
    rows.drop(columns='device').to_csv(path, index=False)                  # as written before rows were keyed by device
    assert '0 trainings to run (4 already measured)' in check(tmp_path, *BASE_SEED0)   # ... they were CPU rows: kept and trusted
    again = pd.read_csv(path)
    assert len(again) == 4 and set(again.device) == {'cpu'}               # the column added, the rows unchanged
    cpu_md = (tmp_path/'convergence.md').read_text()
    gpu = rows.assign(device='cuda', val_accuracy=np.where(rows.factor == 1, 50.0, 60.0))   # as a GPU check appends them
    pd.concat([rows, gpu]).to_csv(path, index=False)
    assert '0 trainings to run (4 already measured)' in check(tmp_path, *BASE_SEED0)   # the CPU's rows only
    assert (tmp_path/'convergence.md').read_text() == cpu_md                # the CPU report ignores the GPU's rows
    check(tmp_path, *BASE_SEED0, '--device', 'cuda', '--report-only')             # a report needs no GPU
    md = (tmp_path/'convergence-cuda.md').read_text()
    assert 'cuda (fp32)' in md and md.count('| +10.0 [—] | not shown |') == 2   # 2 pool sizes, one seed (no interval), 50 → 60 %
    if torch.cuda.is_available():
        assert '0 trainings to run (4 already measured)' in check(tmp_path, *BASE_SEED0, '--device', 'cuda')
    else:
        r = run_check(tmp_path, *BASE_SEED0, '--device', 'cuda')
        assert r.returncode == 2 and "device: 'cuda' requested but no CUDA device is available" in r.stderr


def load_script():
    spec = importlib.util.spec_from_file_location('convergence', ROOT/'bench'/'convergence.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_convergence_verdict_is_two_sided():
    conv = load_script()
    for d in ([0.4, -0.8, 0.0, 0.8, -0.4, 0.4], [-5.0, -6.4, -5.2, -6.1, -5.5, -6.0], [-6, 8, -3, 5, 0, 2], [3.5, 1.9, 2.6, 3.0]):
        gap, lo, hi = conv.gap_interval(d)
        assert np.isclose(gap, np.mean(d)) and np.allclose((lo, hi), t_interval(d))
        assert conv.verdict(lo, hi, 1.5) == expected_verdict(d)
    assert [conv.verdict(*b, 1.5) for b in ((-1.5, 1.5), (-1.6, 1.0), (1.6, 3.0), (-8.2, -3.1), (-1.0, 2.0), (-3.0, 3.0))] == \
           ['yes', 'not shown', 'NO', 'NO', 'not shown', 'not shown']     # the margins belong to "within"
    assert conv.verdict(np.nan, np.nan, 1.5) == 'not shown' and np.isnan(conv.gap_interval([2.0])[1])   # one seed: no interval
    assert np.allclose(conv.gap_interval([1.0, 2.0, 3.0], level=0.95)[1:], (2 - stats.t.ppf(0.975, 2) / np.sqrt(3), 2 + stats.t.ppf(0.975, 2) / np.sqrt(3)))


def test_convergence_report_judges_hand_made_rows_two_sided(tmp_path, base_seed0_rows):
    path = start_from(base_seed0_rows, tmp_path)
    seed0 = pd.read_csv(path, dtype={'rampup': str, 'values': str}, keep_default_na=False)
    seed0 = seed0[seed0.labels == 10]                                      # one row per budget, a template for hand-made ones
    diffs = {10: [0.4, -0.8, 0.0, 0.8, -0.4, 0.4],                        # tight around 0: inside ±1.5
             15: [-5.0, -6.4, -5.2, -6.1, -5.5, -6.0],                    # 4x loses 5.7 points, tightly: NO (a one-sided rule says yes)
             12: [-6.0, 8.0, -3.0, 5.0, 0.0, 2.0]}                        # +1.0 but wide: the seeds cannot tell
    rows = [r.assign(labels=n, seed=s, val_accuracy=60.0 + s + (d[s] if r.factor.iloc[0] == 2 else 0.0))
            for n, d in diffs.items() for s in range(6) for _, r in seed0.groupby('factor')]
    pd.concat(rows).to_csv(path, index=False)
    md = check(tmp_path, '--trainings', 'base', '--min-seeds', '3', '--report-only')
    row = lambda n: md.split(f'| resnet6 | base | {n} | 2 ep | 6 |')[1].split('\n')[0]
    for n, d in diffs.items():
        lo, hi = t_interval(d)
        assert f"| {np.mean(d) + 0.0:+.1f} [{lo:+.1f}, {hi:+.1f}] |" in row(n)   # the gap and its 90 % t-interval
    assert '| yes |' in row(10) and '| NO |' in row(15) and '| not shown |' in row(12)
    assert ("At the grid's smallest and largest pool (10 and 15 labels): **1 of 2** (pair, pool size) rows shown converged, "
            "1 not converged, 0 not shown. At the other pool sizes measured (12 labels): **0 of 1** (pair, pool size) rows "
            "shown converged, 0 not converged, 1 not shown.") in md
    assert '90 % t-interval' in md and 'TOST' in md and 'about 4 of the 250 validation rows' in md


def test_future_models_are_compared_with_resnet18_paired_over_seeds():
    conv = load_script()
    seeds = range(5)
    r18 = np.array([86.0, 82.0, 87.0, 88.0, 87.0])
    acc = {'resnet18': r18, 'wrn28_2': r18 + [1.0, 2.0, 1.0, 2.0, 1.0],   # ahead on every pool: non-inferior
           'wrn28_10': r18 - [3.0, 4.0, 3.0, 4.0, 3.0]}                  # behind on every pool: shown less accurate
    idx = pd.MultiIndex.from_tuples([(a, 'base', 150, s) for a in acc for s in seeds], names=['arch', 'training', 'labels', 'seed'])
    paired = pd.DataFrame({1: np.concatenate(list(acc.values())), 4: np.nan}, index=idx)
    md = conv.future_check(paired, [50, 150], 0.9, 1.5)
    rows = {tuple(l.split(' | ')[0:3:2]): l for l in md.splitlines() if l.startswith('| wrn')}
    assert set(rows) == {('| wrn28_2', 'resnet18'), ('| wrn28_10', 'resnet18')}   # no ResNet-10 rows: the pair is skipped
    for fut, word in (('wrn28_2', 'yes'), ('wrn28_10', 'NO')):
        d = acc[fut] - r18
        lo, hi = t_interval(d)
        assert f"| {d.mean():+.1f} [{lo:+.1f}, {hi:+.1f}] | 5 | {word} |" in rows[(f'| {fut}', 'resnet18')]
