"End-to-end tests of DAL and reuse-evaluation runs: papermill notebooks, CLI, resume after SIGKILL, bad input."
import json, os, signal, subprocess, sys, time
from pathlib import Path

import pytest

from script_runner import run_script

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SMOKE = ['--profile', 'smoke', '--init-size', '4', '--query-size', '3', '--cycles', '2']
SMOKE_PM = dict(profile='smoke', init_size=4, query_size=3, cycles=2)
ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}


def cli(cmd, *args, cwd=ROOT, timeout=300):
    return subprocess.run([str(BIN/cmd), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=ENV,
                          timeout=timeout)


def papermill(nb, out, **params):
    import papermill as pm
    return pm.execute_notebook(str(ROOT/'nbs'/nb), str(out), parameters=params, cwd=str(ROOT), progress_bar=False,
                               kernel_name='python3')


def run_dir(out, strategy='margin', model='resnet6', training='base', seed=0, dataset='digits', profile='smoke'):
    return Path(out)/f'{dataset}-{profile}'/'dal'/strategy/f'{model}-{training}'/f'seed{seed}'


def snapshot(path):
    "Every file under `path` with its bytes"
    return {p: p.read_bytes() for p in sorted(Path(path).rglob('*')) if p.is_file()}


def test_papermill_dal_then_eval(tmp_path):
    out = tmp_path/'runs'
    nb = papermill('run_dal.ipynb', tmp_path/'dal.ipynb', strategy='badge', out_dir=str(out), **SMOKE_PM)
    done = json.loads((run_dir(out, 'badge')/'done.json').read_text())
    assert len(set(done['labeled'])) == 4 + 2*3
    assert any(o.get('output_type') == 'display_data' for c in nb.cells for o in c.get('outputs', []))
    papermill('run_eval.ipynb', tmp_path/'eval.ipynb', strategy='badge', out_dir=str(out), eval_models=['resnet6', 'mlp'],
              eval_trainings=['base'], **SMOKE_PM)
    from genreuse.store import load_perf
    perf = load_perf(out)
    assert sorted(perf.eval_model) == ['mlp', 'resnet6']
    assert perf.accuracy.between(0, 100).all()


def test_cli_run_then_rerun_does_nothing(tmp_path):
    r = cli('genreuse-run', '--strategy', 'typiclust', '--out-dir', tmp_path, *SMOKE)
    assert r.returncode == 0, r.stderr
    assert 'final test accuracy' in r.stdout
    before = snapshot(tmp_path)
    r2 = cli('genreuse-run', '--strategy', 'typiclust', '--out-dir', tmp_path, *SMOKE)
    assert r2.returncode == 0, r2.stderr
    assert snapshot(tmp_path) == before
    assert r2.stdout.splitlines()[-1] == r.stdout.splitlines()[-1]


def _wait_for(path, proc, timeout=240):
    t0 = time.time()
    while not path.exists():
        assert proc.poll() is None, f'run ended before {path} appeared'
        assert time.time() - t0 < timeout, f'{path} did not appear'
        time.sleep(0.05)


@pytest.mark.parametrize('kill_after', ['initial.json', 'cycles/001.json'])
def test_sigkill_resume_is_bit_identical(tmp_path, kill_after):
    args = ['--strategy', 'coreset', '--profile', 'smoke', '--init-size', '4', '--query-size', '3', '--cycles', '4']
    ref = cli('genreuse-run', '--out-dir', tmp_path/'ref', *args)
    assert ref.returncode == 0, ref.stderr
    proc = subprocess.Popen([str(BIN/'genreuse-run'), '--out-dir', str(tmp_path/'killed'), *args], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(run_dir(tmp_path/'killed', 'coreset')/kill_after, proc)
    proc.send_signal(signal.SIGKILL); proc.wait()
    assert not (run_dir(tmp_path/'killed', 'coreset')/'done.json').exists()
    resumed = cli('genreuse-run', '--out-dir', tmp_path/'killed', *args)
    assert resumed.returncode == 0, resumed.stderr
    a, b = run_dir(tmp_path/'ref', 'coreset'), run_dir(tmp_path/'killed', 'coreset')
    assert json.loads((a/'done.json').read_text()) == json.loads((b/'done.json').read_text())
    for fa, fb in zip(sorted((a/'cycles').glob('*.json')), sorted((b/'cycles').glob('*.json')), strict=True):
        ra, rb = json.loads(fa.read_text()), json.loads(fb.read_text())
        assert (ra['accuracy'], ra['queried']) == (rb['accuracy'], rb['queried'])


BAD = [
    (['--strategy', 'foo'], "strategy: unknown 'foo'"),
    (['--model', 'resnet99'], "model: unknown 'resnet99'"),
    (['--training', 'supervised'], "training: unknown 'supervised'"),
    (['--dataset', 'mnist'], "dataset: unknown 'mnist'"),
    (['--profile', 'huge'], "profile: unknown 'huge'"),
    (['--query-size', '0'], 'query_size:'),
    (['--init-size', '-3'], 'init_size:'),
    (['--init-size', '1000', '--query-size', '100', '--cycles', '4'], 'init_size/query_size/cycles:'),
    (['--seed', '-1'], 'seed:'),
    (['--seed', '1.5'], 'seed'),
    (['--dataset', 'cifar10', '--data-root', '/nonexistent/cifar'], 'data_root:'),
    (['--device', 'tpu'], 'device:'),
    (['--pretrain', 'maybe'], 'pretrain:'),
]


@pytest.mark.parametrize('args,message', BAD, ids=[m.split(':')[0].split(' ')[0] + str(i) for i, (a, m) in enumerate(BAD)])
def test_cli_bad_input(tmp_path, args, message):
    r = run_script(BIN/'genreuse-run', '--out-dir', tmp_path/'runs', *args)   # in this process: no interpreter to start
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert message in lines[-1]
    assert len(lines) == 1 or lines[0].startswith('usage:')  # argparse prints its usage before a type error
    assert not (tmp_path/'runs').exists() or not any((tmp_path/'runs').rglob('*.json'))


def test_cli_out_dir_is_a_file_or_unwritable(tmp_path):
    f = tmp_path/'results'
    f.write_text('keep me')
    r = cli('genreuse-run', '--out-dir', f, *SMOKE)
    assert r.returncode != 0 and 'out_dir:' in r.stderr and 'is a file' in r.stderr
    assert f.read_text() == 'keep me'
    r = cli('genreuse-run', '--out-dir', '/proc/genreuse-cannot-write-here', *SMOKE)
    assert r.returncode != 0 and 'out_dir:' in r.stderr and 'not a writable directory' in r.stderr


def test_missing_pretrained_weights(tmp_path):
    r = cli('genreuse-run', '--training', 'self', '--pretrain', 'never', '--weights-dir', tmp_path/'empty',
            '--out-dir', tmp_path/'runs', *SMOKE)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1].startswith('genreuse-run: weights_dir:')


@pytest.fixture(scope='module')
def finished(tmp_path_factory):
    "A finished smoke run to damage in the tests below"
    out = tmp_path_factory.mktemp('finished')
    r = cli('genreuse-run', '--out-dir', out, *SMOKE)
    assert r.returncode == 0, r.stderr
    return out


@pytest.mark.parametrize('damage', ['truncate', 'garbage'])
def test_corrupt_results_file_is_reported_and_kept(finished, tmp_path, damage):
    import shutil
    out = tmp_path/'runs'
    shutil.copytree(finished, out)
    rd = run_dir(out)
    (rd/'done.json').unlink()
    f = rd/'cycles'/'001.json'
    f.write_text(f.read_text()[:25] if damage == 'truncate' else 'not json at all')
    before = snapshot(out)
    r = cli('genreuse-run', '--out-dir', out, *SMOKE)
    assert r.returncode != 0
    assert r.stderr.strip().startswith('genreuse-run: out_dir: corrupt results file') and '001.json' in r.stderr
    assert snapshot(out) == before
    from genreuse.store import load_cycles
    with pytest.raises(ValueError, match='001.json'): load_cycles(out)


def test_config_mismatch_is_refused(finished, tmp_path):
    import shutil
    out = tmp_path/'runs'
    shutil.copytree(finished, out)
    before = snapshot(out)
    r = cli('genreuse-run', '--out-dir', out, '--profile', 'smoke', '--init-size', '4', '--query-size', '3', '--cycles', '3')
    assert r.returncode != 0
    assert r.stderr.strip().startswith('genreuse-run: config:') and 'config.cycles' in r.stderr
    assert snapshot(out) == before


def test_eval_trained_with_a_changed_profile_is_redone_never_mixed(finished, tmp_path):
    "A profile changed under the same name since a pool was evaluated: the sweep must not skip it, nor the run mix it in"
    import shutil
    from genreuse.loop import eval_status
    out = tmp_path/'runs'
    shutil.copytree(finished, out)
    ev = ['--eval-models', 'resnet6', '--eval-trainings', 'base']
    assert cli('genreuse-eval', '--out-dir', out, *ev, *SMOKE).returncode == 0
    params = dict(eval_models=['resnet6'], eval_trainings=['base'], out_dir=str(out), **SMOKE_PM)
    assert eval_status(**params) == 'done'
    f, = out.glob('digits-smoke/eval/*/resnet6-base-seed0.json')
    r = json.loads(f.read_text())
    f.write_text(json.dumps({**r, 'profile': {**r['profile'], 'epochs': r['profile']['epochs'] + 10}}))
    assert eval_status(**params) == 'stale'
    before = snapshot(out)
    r2 = cli('genreuse-eval', '--out-dir', out, *ev, *SMOKE)
    assert r2.returncode != 0
    assert r2.stderr.strip().startswith('genreuse-eval: config:') and "another 'smoke' profile (differs in epochs)" in r2.stderr
    assert snapshot(out) == before


def test_corrupt_done_record_is_refused_not_reported_as_done(finished, tmp_path):
    """A finished run whose done.json was truncated: genreuse-run refuses it with the same one line as `load_runs`
    (exit 2) instead of printing its learning curve, and leaves the store as it was"""
    import shutil
    out = tmp_path/'runs'
    shutil.copytree(finished, out)
    f = run_dir(out)/'done.json'
    f.write_text(f.read_text()[:20])
    before = snapshot(out)
    r = cli('genreuse-run', '--out-dir', out, *SMOKE)
    assert r.returncode == 2 and 'final test accuracy' not in r.stdout
    line, = r.stderr.strip().splitlines()
    assert line.startswith(f'genreuse-run: out_dir: corrupt results file {f} ('), line
    assert snapshot(out) == before
    from genreuse.store import load_runs
    with pytest.raises(ValueError, match='corrupt results file'): load_runs(out)


def test_eval_of_unfinished_run_is_refused(tmp_path):
    r = cli('genreuse-eval', '--strategy', 'badge', '--out-dir', tmp_path, *SMOKE)
    assert r.returncode != 0 and 'is not finished' in r.stderr


@pytest.mark.parametrize('params,message', [
    (dict(strategy='foo'), "strategy: unknown 'foo'"),
    (dict(seed=-2), 'seed:'),
    (dict(dataset='cifar10', data_root='/nonexistent/cifar', profile='smoke'), 'data_root:'),
    (dict(cycles=500, **{k: v for k, v in SMOKE_PM.items() if k != 'cycles'}), 'init_size/query_size/cycles:'),
])
def test_papermill_bad_input_fails_the_cell(tmp_path, params, message):
    import papermill as pm
    with pytest.raises(pm.PapermillExecutionError) as e:
        papermill('run_dal.ipynb', tmp_path/'out.ipynb', out_dir=str(tmp_path/'runs'), **params)
    assert message in str(e.value)
    nb = json.loads((tmp_path/'out.ipynb').read_text())
    errors = [o for c in nb['cells'] for o in c.get('outputs', []) if o.get('output_type') == 'error']
    assert len(errors) == 1 and message in errors[0]['evalue']
