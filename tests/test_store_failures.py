"""Failures that must read like errors: a full disk, a results directory that becomes read-only or vanishes in the middle
of a run, a full SimCLR weights directory; plus the did-you-mean hint, the CLI help and the run notebooks' parameters.
The disk tests mount small tmpfs file systems, which needs root (CI runs as root); without it they fail, never skip."""
import json, os, shutil, subprocess, sys, time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}
SMOKE = ['--profile', 'smoke', '--init-size', '4', '--query-size', '3', '--cycles', '2']


def cli(*args, timeout=300):
    return subprocess.run([str(BIN/'genreuse-run'), *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=ENV,
                          timeout=timeout)


@pytest.fixture
def tmpfs(tmp_path):
    "Mount a tmpfs of a given size (kB) under tmp_path; unmounted at the end"
    mounts = []
    def mount(kb, name='fs'):
        d = tmp_path/name
        d.mkdir()
        r = subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={kb}k', 'tmpfs', str(d)], capture_output=True, text=True)
        if r.returncode != 0: pytest.fail(f'cannot mount a tmpfs (these tests need root): {r.stderr.strip()}')
        mounts.append(d)
        return d
    yield mount
    for d in mounts: subprocess.run(['umount', '-l', str(d)], capture_output=True)


def leftovers(path):
    "Temporary files an interrupted atomic write could leave"
    return [p for p in Path(path).rglob('*.tmp')]


def one_line(r, prefix, prog='genreuse-run'):
    "The one line of a bad-input error: `prog: prefix...` on stderr, exit status 2"
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f'{prog}: {prefix}'), lines[0]
    return lines[0]


def test_disk_full_is_one_line_and_leaves_no_partial_file(tmpfs):
    out = tmpfs(12)
    r = cli('--out-dir', out, *SMOKE)
    line = one_line(r, 'out_dir: could not write')
    assert 'No space left on device' in line
    assert leftovers(out) == []
    for f in out.rglob('*.json'): json.loads(f.read_text())   # every record that exists is whole


def test_weights_dir_full_is_one_line(tmpfs, tmp_path):
    w = tmpfs(16, 'weights')
    r = cli('--training', 'self', '--weights-dir', w, '--out-dir', tmp_path/'runs', *SMOKE)
    line = one_line(r, 'weights_dir: could not write')
    assert 'No space left on device' in line
    assert leftovers(w) == []


def _start_and_wait(out, after, args):
    proc = subprocess.Popen([str(BIN/'genreuse-run'), '--out-dir', str(out), *args], env=ENV, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while not list(Path(out).glob(f'*/dal/*/*/seed0/{after}')):
        assert proc.poll() is None, f'run ended before {after}: {proc.stderr.read()}'
        assert time.time() - t0 < 240
        time.sleep(0.02)
    return proc


LONG = ['--profile', 'smoke', '--init-size', '4', '--query-size', '2', '--cycles', '40']


def remount_read_only(path, tries=500):
    "Remount `path` read-only; the kernel refuses (busy) while the run has a file open for writing, so retry between writes"
    for _ in range(tries):
        r = subprocess.run(['mount', '-o', 'remount,ro', str(path)], capture_output=True, text=True)
        if r.returncode == 0: return
        time.sleep(0.01)
    pytest.fail(f'could not remount {path} read-only in {tries} tries: {r.stderr.strip()}')


def test_results_dir_read_only_mid_run(tmpfs):
    out = tmpfs(2048)
    proc = _start_and_wait(out, 'cycles/001.json', LONG)
    remount_read_only(out)
    _, err = proc.communicate(timeout=240)
    r = subprocess.CompletedProcess(proc.args, proc.returncode, '', err)
    line = one_line(r, 'out_dir: could not write')
    assert 'Read-only file system' in line
    assert leftovers(out) == []


def test_results_dir_vanished_mid_run(tmp_path):
    out = tmp_path/'runs'
    proc = _start_and_wait(out, 'cycles/001.json', LONG)
    out.rename(tmp_path/'gone')   # one atomic step: rmtree here would race the run's next write into the tree
    _, err = proc.communicate(timeout=240)
    shutil.rmtree(tmp_path/'gone')
    r = subprocess.CompletedProcess(proc.args, proc.returncode, '', err)
    line = one_line(r, 'out_dir: ')
    assert 'no longer exists' in line
    assert not out.exists()   # not re-created half-empty


def test_did_you_mean():
    r = cli('--strategy', 'BADGE', '--out-dir', '/tmp/never-written')
    line = one_line(r, "strategy: unknown 'BADGE'; did you mean 'badge'?")
    assert 'allowed: random, margin' in line
    r = cli('--model', 'wrn28-2', '--out-dir', '/tmp/never-written')
    assert "did you mean 'wrn28_2'?" in one_line(r, "model: unknown 'wrn28-2'")


def test_cli_help_lists_every_parameter_with_its_help():
    from genreuse.loop import RUN_PARAMS
    for cmd, extra in (('genreuse-run', ()), ('genreuse-eval', ('eval_models', 'eval_trainings'))):
        out = subprocess.run([str(BIN/cmd), '--help'], capture_output=True, text=True, env=ENV).stdout
        for p in (*RUN_PARAMS, *extra):
            flags = [f"--{p.replace('_', '-')} ", f"--no-{p.replace('_', '-')} "]   # booleans are flags, on or off
            line = next((l for l in out.splitlines() if any(l.strip().startswith(f) for f in flags)), None)
            assert line is not None, f'{cmd} --help lacks --{p}'
            assert len(line.strip().split(None, 2)[-1].strip()) > 3, f'{cmd} --help: --{p} has no help text'


def test_run_notebook_parameters_are_the_run_fields():
    import papermill as pm
    from genreuse.loop import RUN_PARAMS
    for nb in ('run_dal.ipynb', 'run_pretrain.ipynb'): assert list(pm.inspect_notebook(str(ROOT/'nbs'/nb))) == list(RUN_PARAMS)
    assert sorted(pm.inspect_notebook(str(ROOT/'nbs'/'run_eval.ipynb'))) == sorted(
        [*RUN_PARAMS, 'eval_models', 'eval_trainings', 'pool', 'pool_name', 'per_cycle', 'curve'])


def test_every_notebook_parameter_is_listed_by_papermill():
    "`papermill --help-notebook` shows each assignment of a parameters cell (a tuple target or an `=` in a comment hides it)"
    import ast, json
    import papermill as pm
    for nb in sorted((ROOT/'nbs').glob('*.ipynb')):
        cells = [c for c in json.loads(nb.read_text())['cells'] if 'parameters' in c['metadata'].get('tags', [])]
        if not cells: continue
        assigned = [t.id for s in ast.parse(''.join(cells[0]['source'])).body for t in s.targets]
        assert sorted(pm.inspect_notebook(str(nb))) == sorted(assigned), nb.name
