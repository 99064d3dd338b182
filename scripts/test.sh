#!/usr/bin/env bash
# The test command of README.md and .ci/run. Run it from the repository root with the project's venv on PATH.
# 1. notebooks and exported modules are in sync and clean, 2. every notebook's tests pass (nbdev-test; cells flagged
# `slow` are skipped), 3. pytest in two processes, one test file per process at a time, the slowest files first
# (tests/conftest.py orders them by bench/results/test_durations.csv; tests/test_site.py builds the docs with nbdev-docs,
# which includes nbdev's docs processing); its summary is the last line.
# Each of the two worker processes (notebooks, then pytest files) computes on one thread, so two of them share the
# 2 cores instead of fighting over them (torch and OpenMP spread one process over all cores by default).
set -uo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
status=0
step() { echo; echo "==> $*"; }

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  step "nbdev-export and nbdev-clean must not change tracked files"
  before=$(git diff --binary | sha1sum)
  nbdev-export && nbdev-clean || status=1
  if [ "$(git diff --binary | sha1sum)" != "$before" ]; then
    git --no-pager diff --stat
    echo "FAIL: notebooks and genreuse/ are out of sync or not clean; run nbdev-export && nbdev-clean and commit"
    status=1
  fi
fi

step "nbdev-test (flags skipped: slow notest)"
nbdev-test --n-workers 2 --timing || status=1

step "pytest"
python -m pytest -q -rs -n 2 --dist loadfile --no-loadscope-reorder --durations 15 tests
rc=$?
if [ $rc -eq 5 ]; then echo "FAIL: pytest collected no tests"; fi
[ $rc -ne 0 ] && status=1
exit $status
