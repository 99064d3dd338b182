"""Shared fixtures: a real one-node Slurm cluster for the tests marked `slurm` (scripts/slurm-up.sh / slurm-down.sh);
and the order of the test files: slowest first, so that pytest-xdist's two workers end together."""
import csv, os, shutil, subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DURATIONS = ROOT/'bench'/'results'/'test_durations.csv'   # seconds per test file, written by bench/test_durations.py


def pytest_collection_modifyitems(items):
    """Run the test files from the slowest to the fastest measured (files not measured yet first), each file's tests in
    their own order: with `--dist loadfile --no-loadscope-reorder` (scripts/test.sh) each xdist worker takes the next file
    when it is free, so a slow file left to the end would keep one worker busy while the other idles."""
    seconds = {r['file']: float(r['seconds']) for r in csv.DictReader(DURATIONS.open())} if DURATIONS.exists() else {}
    rel = lambda item: Path(str(item.path)).relative_to(ROOT).as_posix()
    items.sort(key=lambda item: -seconds.get(rel(item), float('inf')))


def _slurm_up_now():
    "True if a slurmctld answers already (then the fixture leaves the cluster running at the end)"
    if not shutil.which('scontrol'): return False
    r = subprocess.run(['scontrol', 'ping'], capture_output=True, text=True)
    return r.returncode == 0 and 'UP' in r.stdout


@pytest.fixture(scope='session')
def slurm_cluster():
    """Start the test cluster with scripts/slurm-up.sh (installing Slurm with apt-get if needed); yields the partition.
    Skipped only when the machine cannot have one (not root, or no Slurm and no apt-get); any other failure is an error.
    Stops the cluster at the end with scripts/slurm-down.sh, unless it was already up or GENREUSE_SLURM_KEEP is set."""
    if os.geteuid() != 0:
        pytest.skip('slurm tests need root: scripts/slurm-up.sh starts munged, mariadb and slurm daemons')
    if not (shutil.which('slurmctld') or Path('/usr/sbin/slurmctld').exists()) and not shutil.which('apt-get'):
        pytest.skip('slurm tests need Slurm installed, or apt-get to install it (Debian/Ubuntu)')
    was_up = _slurm_up_now()
    r = subprocess.run([str(ROOT/'scripts'/'slurm-up.sh')], capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        pytest.fail(f'scripts/slurm-up.sh failed (exit {r.returncode}):\n{r.stdout}\n{r.stderr}')
    yield os.environ.get('GENREUSE_SLURM_PARTITION', 'debug')
    if not was_up and not os.environ.get('GENREUSE_SLURM_KEEP'):
        subprocess.run([str(ROOT/'scripts'/'slurm-down.sh')], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope='session')
def slurm_urgent(slurm_cluster):
    "The test cluster's higher-tier partition: its jobs preempt (requeue) those of the `slurm_cluster` partition"
    return os.environ.get('GENREUSE_SLURM_URGENT', 'urgent')
