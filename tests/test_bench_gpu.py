"The prepared device check `bench/gpu.py` runs end to end on the CPU (`--quick`), so it never rots before a GPU runs it."
import os, subprocess, sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_bench_quick_on_cpu(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT/'bench'/'gpu.py'), '--device', 'cpu', '--quick', '--out', str(tmp_path)],
                       capture_output=True, text=True, cwd=ROOT, env={**os.environ, 'OMP_NUM_THREADS': '1'}, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    report = (tmp_path/'gpu-cpu.md').read_text()
    for section in ('Seconds per optimizer step', 'SimCLR and the future models', 'Strategies', 'Memory over a 10-cycle',
                    'Concurrent trainings', 'device-hours'):
        assert section in report, section
    costs = pd.read_csv(tmp_path/'step_cost-cpu-cifar10.csv')
    assert list(costs.columns) == ['profile', 'arch', 'training', 'seconds_per_step']
    assert {('resnet18', t) for t in ('base', 'semi', 'self', '3sl', 'simclr')} <= set(zip(costs.arch, costs.training))
    assert (costs.seconds_per_step > 0).all()
    assert '| 10 |' in report   # the memory run did all 10 cycles
