"""Sweep tests: the local executor end to end on a fixture notebook, the GPU each kernel sees (stand-in GPU ids, no GPU
needed), a local sweep stopped by SIGTERM taking its workers and kernels with it, the CLI's bad input, the dry run's cost estimate, and (marked `slurm`) the submitit executor against the real
one-node cluster of scripts/slurm-up.sh: completion, failed and cancelled jobs, jobs without GPUs that see none, and
jobs requeued after a time-limit signal or a preemption that resume where they stopped."""
import json, os, subprocess, sys, threading, time, uuid
from pathlib import Path

import pytest

from genreuse.cli import genreuse_sweep
from genreuse.executors import TaskFailed, run_tasks, slurm_group
from genreuse.grid import Task, get_grid
from genreuse.sweep import sweep

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT/'tests'/'data'/'sweep_task.ipynb'   # fails for mode 'fail' or a 'broken' strategy; writes markers
NOTEBOOKS = {'dal': FIXTURE, 'eval': FIXTURE}
ENV_FIXTURE = ROOT/'tests'/'data'/'env_task.ipynb'   # writes the CUDA_VISIBLE_DEVICES and OMP_NUM_THREADS it sees
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONPATH': str(ROOT)}


def marker(kind, p):
    return (Path(p['out_dir'])/'markers'/('curve' if p.get('curve') else kind)/
            f"{p['strategy']}-{p['model']}-{p['training']}-{'_'.join(p.get('eval_models') or [])}.done")


def status(kind, **p):
    "Fixture status function: done when the fixture notebook has written its marker, partial given a .partial file"
    m = marker(kind, p)
    return 'done' if m.exists() else 'partial' if m.with_suffix('.partial').exists() else 'missing'


def nb_path(kind, **p):
    "Fixture notebook-path function"
    return Path(p['out_dir'])/'nbs'/('curve' if p.get('curve') else kind)/f"{p['strategy']}-{p['model']}-{'_'.join(p.get('eval_models') or [])}.ipynb"


def fixture_sweep(out, **kw):
    grid = get_grid('smoke', strategies='random,margin,broken')   # x resnet6 x base x seed 0; broken fails
    return sweep(grid, 'digits', out_dir=str(out), notebooks=NOTEBOOKS, status_fn=status, path_fn=nb_path, **kw)


def rows(table):
    return [(r.kind, r.task.split(' ')[1], r.status) for r in table.itertuples()]


def test_local_sweep_runs_skips_and_lists_failures(tmp_path, capsys):
    (tmp_path/'markers'/'dal').mkdir(parents=True)
    (tmp_path/'markers'/'dal'/'random-resnet6-base-.done').write_text('done')   # finished before the sweep
    (tmp_path/'markers'/'dal'/'margin-resnet6-base-.partial').write_text('')    # interrupted: run again (resumes)
    t = fixture_sweep(tmp_path, n_jobs=2)
    assert rows(t) == [('dal', 'random/resnet6-base', 'skipped'), ('dal', 'margin/resnet6-base', 'done'),
                       ('dal', 'broken/resnet6-base', 'failed'),
                       ('eval', 'random/resnet6-base', 'done'), ('eval', 'margin/resnet6-base', 'done')]
    assert list(t.columns) == ['kind', 'task', 'status', 'error', 'seconds', 'notebook']
    assert t.error[2] == "ValueError: mode: asked to fail ('ok', 'broken', 'resnet6')"
    assert (t.seconds[t.status != 'skipped'] > 0).all()
    assert not (tmp_path/'nbs'/'dal'/'random-resnet6-.ipynb').exists()          # skipped: not executed
    for nb in t.notebook[t.status != 'skipped']: assert Path(nb).exists()      # executed notebooks, failed ones too
    out = capsys.readouterr().out
    assert "FAILED dal broken/resnet6-base seed 0: ValueError: mode: asked to fail ('ok', 'broken', 'resnet6')" in out
    assert 'sweep: 5 tasks: 3 done, 1 skipped, 1 failed' in out
    # a second sweep skips everything done and retries only the failed DAL run
    t2 = fixture_sweep(tmp_path, n_jobs=2, progress=False)
    assert list(t2.status) == ['skipped', 'skipped', 'failed', 'skipped', 'skipped']


def test_bad_dataset():
    with pytest.raises(ValueError, match=r"^dataset: unknown 'mnist'; did you mean 'mnist1d'\? allowed: digits, two_moons, cifar10, folder, tabular, mnist1d$"):
        sweep('smoke', 'mnist')


def cli(*args, cwd=ROOT):
    "Run the genreuse-sweep console script installed with the package"
    return subprocess.run([str(Path(sys.executable).parent/'genreuse-sweep'), *args], capture_output=True, text=True,
                          cwd=cwd, env=ENV, timeout=120)


@pytest.mark.parametrize('args,msg', [
    (['--grid', 'huge'], "genreuse-sweep: grid: unknown 'huge'; allowed: paper, smoke"),
    (['--executor', 'dask'], "genreuse-sweep: executor: unknown 'dask'; allowed: local, slurm"),
    (['--jobs-per-gpu', '-1', '--dry-run'], "genreuse-sweep: jobs_per_gpu: -1 is not allowed; it must be an integer >= 0"),
    (['--jobs-per-gpu', '0', '--device', 'cuda', '--dry-run'],
     "genreuse-sweep: jobs_per_gpu: 0 makes CPU workers, which see no GPU, but the runs ask for device 'cuda'"),
])
def test_cli_bad_input(args, msg):
    r = cli(*args)
    assert r.returncode == 2
    assert r.stderr.strip() == msg


# ---------------------------------------------------------------- GPUs: what each kernel sees

def env_tasks(tmp_path, n, name='t', **params):
    return [Task('dal', f'{name}{i}', dict(out=str(tmp_path/f'{name}{i}.json'), **params)) for i in range(n)]


def kernel_envs(table):
    "What the env fixture's kernels saw, in task order"
    assert list(table.status) == ['done'] * len(table), list(table.error)
    return [json.loads(Path(nb).with_suffix('.json').read_text()) for nb in table.notebook]


def env_path(kind, **p): return Path(p['out']).with_suffix('.ipynb')


def test_local_gpu_workers_pin_each_kernel_to_one_gpu(tmp_path):
    "Stand-in GPUs 3 and 5, two workers each: the first four notebooks are dealt to the GPUs in turn, one thread each"
    t = run_tasks(env_tasks(tmp_path, 5), notebooks={'dal': ENV_FIXTURE}, path_fn=env_path, gpu_ids='3,5',
                  jobs_per_gpu=2, progress=False)
    envs = kernel_envs(t)
    assert [e['CUDA_VISIBLE_DEVICES'] for e in envs[:4]] == ['3', '5', '3', '5']
    assert envs[4]['CUDA_VISIBLE_DEVICES'] in ('3', '5')       # the slot that finished first
    assert {e['OMP_NUM_THREADS'] for e in envs} == {str(max(1, os.cpu_count() // 4))}


@pytest.mark.parametrize('kw', [dict(jobs_per_gpu=0), dict(device='cpu')])
def test_local_cpu_workers_see_no_gpu(tmp_path, monkeypatch, kw):
    "Where this process sees a GPU, CPU workers (asked for, or for runs on device 'cpu') hide it from their kernels"
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '0')
    run_kw = {k: v for k, v in kw.items() if k == 'jobs_per_gpu'}
    t = run_tasks(env_tasks(tmp_path, 2, **{k: v for k, v in kw.items() if k == 'device'}), notebooks={'dal': ENV_FIXTURE},
                  path_fn=env_path, n_jobs=2, progress=False, **run_kw)
    assert [e['CUDA_VISIBLE_DEVICES'] for e in kernel_envs(t)] == ['', '']


def test_local_default_uses_the_visible_gpus(tmp_path, monkeypatch):
    "Without jobs_per_gpu, runs with device 'auto' get the GPUs of CUDA_VISIBLE_DEVICES, n_jobs spread over them"
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '1,2')
    t = run_tasks(env_tasks(tmp_path, 3), notebooks={'dal': ENV_FIXTURE}, path_fn=env_path, n_jobs=3, progress=False)
    envs = [e['CUDA_VISIBLE_DEVICES'] for e in kernel_envs(t)]
    assert envs == ['1', '2', '1']


def test_slurm_group_runs_its_notebooks_on_the_jobs_gpu(tmp_path, monkeypatch):
    """What a GPU job with jobs_per_gpu=2 runs (no Slurm needed): both notebooks at once on the job's GPU, threads
    split; one failed notebook fails the job, and every notebook's result comes back with the error"""
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '6')   # what Slurm sets for a job holding GPU 6
    jobs = [dict(nb=str(ENV_FIXTURE), out=str(tmp_path/f'{i}.ipynb'), params=dict(out=str(tmp_path/f'{i}.json')),
                 cwd=str(ROOT)) for i in range(2)]
    res = slurm_group(jobs, 2, 3)
    assert [r['status'] for r in res] == ['done', 'done']
    assert [json.loads((tmp_path/f'{i}.json').read_text()) for i in range(2)] == \
        [{'CUDA_VISIBLE_DEVICES': '6', 'OMP_NUM_THREADS': '3'}] * 2
    jobs[0] = dict(nb=str(FIXTURE), out=str(tmp_path/'f.ipynb'), params=dict(mode='fail'), cwd=str(ROOT))
    with pytest.raises(TaskFailed) as e: slurm_group(jobs, 2, 1)
    assert [(r['status'], r['error']) for r in json.loads(str(e.value))] == \
        [('failed', "ValueError: mode: asked to fail ('fail', None, None)"), ('done', '')]


def test_pool_workers_ignore_the_time_limit_signal():
    """In a Slurm group job, submitit's USR2 handler (checkpoint and requeue) belongs to the job's main process; a forked
    pool worker would inherit it and requeue the job too, so the workers ignore USR2"""
    import multiprocessing as mp, signal
    from concurrent.futures import ProcessPoolExecutor
    from genreuse.executors import _init_worker
    with ProcessPoolExecutor(1, mp_context=mp.get_context('fork'), initializer=_init_worker, initargs=(os.getpid(),)) as pool:
        assert pool.submit(signal.getsignal, signal.SIGUSR2).result() == signal.SIG_IGN


STOPPABLE = """
import sys
from pathlib import Path
from genreuse.executors import run_tasks
from genreuse.grid import Task
out = Path(sys.argv[1])
tasks = [Task('dal', f't{i}', dict(mode='ok', seconds=600, out=str(out/f'{i}.txt'))) for i in range(2)]
run_tasks(tasks, notebooks={'dal': sys.argv[2]}, path_fn=lambda kind, **p: Path(p['out']).with_suffix('.ipynb'), n_jobs=2)
"""


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='workers follow the sweep on Linux only (PR_SET_PDEATHSIG)')
def test_local_sweep_stopped_by_sigterm_leaves_no_worker_or_kernel(tmp_path):
    """`kill <sweep pid>` ends the sweep's process alone; its pool workers and their kernels must end with it instead of
    training on (and writing into the store) for as long as their notebooks take"""
    import psutil
    p = subprocess.Popen([sys.executable, '-c', STOPPABLE, str(tmp_path), str(FIXTURE)], env=ENV, cwd=ROOT)
    main, end = psutil.Process(p.pid), time.time() + 120
    kernels = lambda ps: [c for c in ps if 'ipykernel' in ' '.join(c.cmdline())]
    while len(kernels(main.children(recursive=True))) < 2:   # both notebooks are running in their kernels
        assert p.poll() is None and time.time() < end, 'the two kernels did not start'
        time.sleep(0.5)
    family = main.children(recursive=True)   # 2 workers, 2 kernels
    names = {c.pid: ' '.join(c.cmdline()[:3]) for c in family}
    p.terminate()
    p.wait(30)
    _, alive = psutil.wait_procs(family, timeout=30)
    assert alive == [], f"still running 30 s after the sweep ended: {[names[a.pid] for a in alive]}"
    assert len(family) == 4 and not list(tmp_path.glob('*.txt'))   # the notebooks did not finish


# ---------------------------------------------------------------- Slurm (real one-node cluster)

SLURM_KW = dict(executor='slurm', timeout_min=5, cpus_per_task=1, mem_gb=1)


def sacct_states(job_name, *opts, secs=30):
    """States of the jobs named `job_name` (`sacct -X`, more options in `opts`) once none is pending or running, or
    after `secs`: the sweep returns once the results are written, and the jobs may still be exiting"""
    end = time.time() + secs
    while True:
        r = subprocess.run(['sacct', '-X', '-n', '-P', *opts, '--name', job_name, '-o', 'State'], capture_output=True,
                           text=True)
        states = r.stdout.split()
        if time.time() > end or not {'PENDING', 'RUNNING', 'COMPLETING'} & set(states): return states
        time.sleep(1)


@pytest.mark.slurm
def test_slurm_sweep_completes_and_reports_failures(slurm_cluster, tmp_path):
    name = f'gr-{uuid.uuid4().hex[:8]}'
    t = fixture_sweep(tmp_path, **SLURM_KW, partition=slurm_cluster, slurm_extra={'name': name})
    assert rows(t) == [('dal', 'random/resnet6-base', 'done'), ('dal', 'margin/resnet6-base', 'done'),
                       ('dal', 'broken/resnet6-base', 'failed'),
                       ('eval', 'random/resnet6-base', 'done'), ('eval', 'margin/resnet6-base', 'done')]
    assert t.error[2] == "ValueError: mode: asked to fail ('ok', 'broken', 'resnet6')"
    assert (t.seconds > 0).all()
    logs = tmp_path/'digits-smoke'/'slurm'
    assert list((logs/'dal').glob('*_log.out')) and list((logs/'eval').glob('*_log.out'))
    assert sorted(sacct_states(name)) == ['COMPLETED'] * 4 + ['FAILED']   # a failed notebook fails its Slurm job


@pytest.mark.slurm
def test_slurm_job_without_gpu_sees_none(slurm_cluster, tmp_path, monkeypatch):
    """A job that asked for no GPU runs its notebook with CUDA_VISIBLE_DEVICES='', even when the environment it starts
    with names a GPU (here the submitting process's, which sbatch exports; on a GPU node without device cgroups the
    node's GPUs are visible all the same); its kernel gets the job's CPUs as threads"""
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '0')
    t = run_tasks(env_tasks(tmp_path, 1), 'slurm', {'dal': ENV_FIXTURE}, env_path,
                  slurm=dict(timeout_min=5, cpus_per_task=1, mem_gb=1, name=f'gr-env-{uuid.uuid4().hex[:8]}',
                             slurm_partition=slurm_cluster), log_dir=tmp_path/'slurm', progress=False)
    assert kernel_envs(t) == [{'CUDA_VISIBLE_DEVICES': '', 'OMP_NUM_THREADS': '1'}]


@pytest.mark.slurm
def test_slurm_cancelled_jobs_do_not_hang(slurm_cluster, tmp_path):
    "One array, at most one job at a time: cancel the long first job while it runs and the third while it is pending"
    name = f'gr-cancel-{uuid.uuid4().hex[:8]}'
    tasks = [Task('dal', 'long', dict(mode='ok', seconds=300, out=str(tmp_path/'0.txt'))),
             Task('dal', 'quick', dict(mode='ok', out=str(tmp_path/'1.txt'))),
             Task('dal', 'pending', dict(mode='ok', seconds=300, out=str(tmp_path/'2.txt')))]

    def canceller():
        end = time.time() + 60
        while time.time() < end:
            q = subprocess.run(['squeue', '-h', '-n', name, '-o', '%i %T'], capture_output=True, text=True).stdout
            jobs = dict(l.split() for l in q.splitlines())
            running = [j for j,s in jobs.items() if s == 'RUNNING' and j.endswith('_0')]
            if running:
                subprocess.run(['scancel', running[0].replace('_0', '_2')])   # still pending (parallelism 1)
                time.sleep(2)
                subprocess.run(['scancel', running[0]])
                return
            time.sleep(0.5)

    th = threading.Thread(target=canceller, daemon=True)
    th.start()
    t0 = time.time()
    t = run_tasks(tasks, 'slurm', NOTEBOOKS, lambda kind, **p: Path(p['out']).with_suffix('.ipynb'), n_jobs=1,
                  slurm=dict(timeout_min=5, cpus_per_task=1, mem_gb=1, name=name, slurm_partition=slurm_cluster,
                             slurm_array_parallelism=1),
                  log_dir=tmp_path/'slurm', progress=False)
    th.join(1)
    assert time.time() - t0 < 90, 'the sweep waited for cancelled jobs'
    assert list(t.status) == ['cancelled', 'done', 'cancelled']
    assert t.error[0].startswith('slurm job ') and 'ended CANCELLED' in t.error[0] and 'log: ' in t.error[0]
    assert 'left the queue' in t.error[2] or 'ended CANCELLED' in t.error[2]   # pending: no accounting record on 22.05
    assert (tmp_path/'1.txt').exists() and not (tmp_path/'0.txt').exists()


def test_slurm_task_checkpoint_requeues_the_same_call():
    "What submitit dumps for the requeued job on the time-limit signal: the same notebook with the same parameters"
    pytest.importorskip('submitit')
    from genreuse.executors import slurm_task
    d = slurm_task.checkpoint('run_dal.ipynb', 'out.ipynb', {'seed': [0]}, '/work', 2)
    assert (d.function, d.args, d.kwargs) == (slurm_task, ('run_dal.ipynb', 'out.ipynb', {'seed': [0]}, '/work', 2), {})


def resumable_notebook(path):
    """A run notebook that resumes like the DAL loop: it runs `cycles` cycles of `seconds` each, records each finished
    cycle in `{state}/cycles` and skips those recorded before; `{state}/starts` gets Slurm's restart count per start"""
    import nbformat
    params = nbformat.v4.new_code_cell("cycles, seconds, state = 3, 1, ''", metadata={'tags': ['parameters']})
    body = nbformat.v4.new_code_cell(
        "import os, pathlib, time\n"
        "d = pathlib.Path(state)\n"
        "with open(d/'starts', 'a') as f: f.write(os.environ.get('SLURM_RESTART_COUNT', '0') + '\\n')\n"
        "done = len((d/'cycles').read_text().split()) if (d/'cycles').exists() else 0\n"
        "for c in range(done, cycles):\n"
        "    time.sleep(seconds)\n"
        "    with open(d/'cycles', 'a') as f: f.write(f'{c}\\n')")
    nb = nbformat.v4.new_notebook(cells=[params, body], metadata={'kernelspec': {'name': 'python3', 'language': 'python', 'display_name': 'Python 3'}})
    nbformat.write(nb, str(path))
    return path


def squeue(*args):
    return subprocess.run(['squeue', '-h', *args], capture_output=True, text=True).stdout.split()


def interrupt_after_first_cycle(name, state, how, urgent):
    """Once job `name` has finished a cycle: send it the time-limit signal (`how='timeout'`: USR2, what Slurm sends
    `slurm_signal_delay_s` before the limit and what submitit's `job._interrupt(timeout=True)` sends) or preempt it by
    a job on the `urgent` partition; then let the requeued job start after 3 s instead of Slurm's 2-minute hold (sooner,
    slurmd would refuse it: the job's credential is revoked until the second after its requeue)"""
    end = time.time() + 120
    while time.time() < end and not (state/'cycles').exists(): time.sleep(0.2)
    job = squeue('-n', name, '-o', '%i')[0]
    if how == 'timeout': subprocess.run(['scancel', '--signal=USR2', job], check=True)
    else: subprocess.run(['sbatch', '-p', urgent, '--exclusive', '--mem=100M', '-J', f'{name}-urgent', '-o', '/dev/null',
                          '--wrap', 'sleep 1'], check=True, capture_output=True)
    while time.time() < end:
        if squeue('-j', job, '-o', '%r') == ['BeginTime']:
            time.sleep(3)
            subprocess.run(['scontrol', 'update', f'JobId={job}', 'StartTime=now'], check=True)
            return
        time.sleep(0.2)


@pytest.mark.slurm
@pytest.mark.parametrize('how', ['timeout', 'preempt'])
def test_slurm_requeued_task_resumes(slurm_cluster, slurm_urgent, tmp_path, how):
    """A job interrupted after its first cycle is requeued (by submitit's checkpoint on the time-limit signal, by Slurm
    on preemption), runs again and resumes: the task ends done, each cycle ran once, and the notebook started twice"""
    name, state = f'gr-{how}-{uuid.uuid4().hex[:8]}', tmp_path/'state'
    state.mkdir()
    th = threading.Thread(target=interrupt_after_first_cycle, args=(name, state, how, slurm_urgent), daemon=True)
    th.start()
    t = run_tasks([Task('dal', 'resumable', dict(cycles=3, seconds=4, state=str(state)))], 'slurm',
                  {'dal': resumable_notebook(tmp_path/'resumable.ipynb')}, lambda kind, **p: tmp_path/'out.ipynb',
                  slurm=dict(timeout_min=5, cpus_per_task=1, mem_gb=1, name=name, slurm_partition=slurm_cluster,
                             slurm_max_num_timeout=1), log_dir=tmp_path/'slurm', progress=False)
    th.join(5)
    assert list(t.status) == ['done'], t.error[0]
    assert (state/'starts').read_text().split() == ['0', '1']        # ran twice, the second time as Slurm's restart 1
    assert (state/'cycles').read_text().split() == ['0', '1', '2']   # resumed: cycle 0 was not run again
    assert sacct_states(name, '--duplicates') == ['REQUEUED' if how == 'timeout' else 'PREEMPTED', 'COMPLETED']
    assert '#SBATCH --requeue' in next((tmp_path/'slurm').glob('*_submission.sh')).read_text()
    log = ''.join(p.read_text() for p in (tmp_path/'slurm').glob('*_log.*'))
    if how == 'timeout': assert '(0 remaining timeouts)' in log   # requeued by submitit's checkpoint, 1 time-out allowed


@pytest.mark.slurm
def test_slurm_group_job_requeued_resumes_all_its_notebooks(slurm_cluster, tmp_path, monkeypatch):
    """A GPU job of jobs_per_gpu=2 (the test cluster has no GPU: the job is planned as holding one, its GPU id '0' comes
    from the exported environment) runs both notebooks at once on it; after the time-limit signal it is requeued once,
    both notebooks resume, and each gets its own row"""
    import genreuse.executors as sw
    plan = sw._slurm_calls
    monkeypatch.setattr(sw, '_slurm_calls', lambda jobs, params, k: plan(jobs, {**params, 'gpus_per_node': 1}, k))
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '0')
    name, states = f'gr-group-{uuid.uuid4().hex[:8]}', [tmp_path/f'state{i}' for i in range(2)]
    for d in states: d.mkdir()
    th = threading.Thread(target=interrupt_after_first_cycle, args=(name, states[0], 'timeout', None), daemon=True)
    th.start()
    nb = resumable_notebook(tmp_path/'resumable.ipynb')
    t = run_tasks([Task('dal', f'r{i}', dict(cycles=3, seconds=4, state=str(d))) for i, d in enumerate(states)], 'slurm',
                  {'dal': nb}, lambda kind, **p: Path(p['state'])/'out.ipynb', jobs_per_gpu=2,
                  slurm=dict(timeout_min=5, cpus_per_task=2, mem_gb=1, name=name, slurm_partition=slurm_cluster),
                  log_dir=tmp_path/'slurm', progress=False)
    th.join(5)
    assert list(t.status) == ['done', 'done'], list(t.error)
    for d in states:
        assert (d/'starts').read_text().split() == ['0', '1']
        assert (d/'cycles').read_text().split() == ['0', '1', '2']
    assert sacct_states(name, '--duplicates') == ['REQUEUED', 'COMPLETED']   # one job, requeued once


@pytest.mark.slurm
def test_slurm_submission_error_is_reported(slurm_cluster, tmp_path):
    t = run_tasks([Task('dal', 'x', dict(mode='ok'))], 'slurm', NOTEBOOKS, lambda kind, **p: tmp_path/'x.ipynb',
                  slurm=dict(timeout_min=1, slurm_partition='no-such-partition'), log_dir=tmp_path/'slurm', progress=False)
    assert list(t.status) == ['failed']
    assert t.error[0].startswith('submission: ') and 'invalid partition' in t.error[0]


# ---------------------------------------------------------------- integration with genreuse.loop

def test_dry_run_lists_paper_grid(tmp_path, capsys):
    """The real loop's status and notebook-path functions on the paper grid: nothing done yet in an empty results root,
    every task has its own executed notebook (the future-model evaluations and the random-pool curves too), and a dry
    run writes nothing"""
    rc = genreuse_sweep(grid='paper', dataset='digits', out_dir=str(tmp_path), dry_run=True)
    out, err = capsys.readouterr()
    assert rc == 0, err
    lines, cost = out.split('\n\n', 1)
    lines = lines.strip().splitlines()
    assert len(lines) == 3 + 60 + 60 + 12 + 1 and all(l.startswith('missing') for l in lines[:-1])
    assert [l.split()[1:3] for l in lines[:3]] == [['pretrain', m] for m in ('resnet6', 'resnet10', 'resnet18')]   # once each
    assert lines[3].split() == ['missing', 'dal', 'random/resnet6-base', 'seed', '0,1,2']
    assert lines[-2].split() == ['missing', 'curve', 'random/resnet6-base', 'seed', '0,1,2', 'by', 'resnet18', 'x', '3sl']
    assert lines[-1].startswith('future models: chosen after the evaluations')
    assert cost.startswith('trainings of this sweep (profile digits, 1007 training rows, 20 + 4 x 20 labels):')
    rc = genreuse_sweep(grid='paper', dataset='digits', out_dir=str(tmp_path), future_on='all', dry_run=True)
    lines = capsys.readouterr().out.split('\n\n')[0].strip().splitlines()
    assert rc == 0 and len(lines) == 3 + 60 + 2 + 120 + 12   # the future models' encoders before the evaluations
    assert lines[-13].endswith('by wrn28_2,wrn28_10 x base,semi,self,3sl')
    rc = genreuse_sweep(grid='paper', dataset='digits', out_dir=str(tmp_path), curves=False, dry_run=True)
    assert rc == 0 and 'curve' not in capsys.readouterr().out
    assert not any(tmp_path.iterdir())


def test_sweep_pretrains_each_simclr_encoder_once_before_its_runs(tmp_path):
    """Two Self-SL DAL runs of one seed, side by side: the sweep pretrains their SimCLR encoder in one task first, and the
    runs and the evaluations only load it; a second sweep skips everything and pretrains nothing"""
    from genreuse.sweep import sweep
    runs, weights = tmp_path/'runs', tmp_path/'w'
    kw = dict(trainings='self', eval_trainings='self', out_dir=str(runs), n_jobs=2, progress=False,
              run_params=dict(weights_dir=str(weights), init_size=4, query_size=3, cycles=1))
    t = sweep('smoke', 'digits', **kw)
    assert list(zip(t.kind, t.status)) == [('pretrain', 'done'), ('dal', 'done'), ('dal', 'done'),
                                           ('pretrain', 'skipped'), ('eval', 'done'), ('eval', 'done')], t
    assert (runs/'digits-smoke'/'pretrain'/'run_pretrain-resnet6-seed0.ipynb').exists()
    (encoder,) = weights.rglob('*.pt')
    started = min(f.stat().st_mtime_ns for f in runs.rglob('config.json'))
    assert encoder.stat().st_mtime_ns < started   # written before either run began, and not again by them
    t2 = sweep('smoke', 'digits', **kw)
    assert list(zip(t2.kind, t2.status)) == [('dal', 'skipped')] * 2 + [('eval', 'skipped')] * 2, t2


def test_dry_run_counts_trainings_and_estimates_hours(tmp_path):
    """The smoke grid on the CPU: 2 DAL runs of 2 trainings each plus 2 evaluations (Random's and Margin's pools) by
    resnet6/base, 2 Base epochs of one batch each; the hours come from the committed CPU step-cost table"""
    r = cli('--grid', 'smoke', '--out-dir', str(tmp_path), '--device', 'cpu', '--dry-run')
    assert r.returncode == 0, r.stderr
    rows = {tuple(l.split()[:2]): l.split()[2:] for l in r.stdout.splitlines() if l.startswith('resnet6')}
    assert list(rows) == [('resnet6', 'base')] and rows['resnet6', 'base'][:2] == ['6', '12']
    cost = str(ROOT/'bench'/'results'/'step_cost-cpu.csv')
    assert f'compute hours of training steps on cpu, from {cost}' in r.stdout.splitlines()[-1]
    assert not any(tmp_path.iterdir())
