#!/usr/bin/env bash
# The test command of README.md and .ci/run. Run it from the repository root with the project's venv on PATH.
# 1. notebooks and exported modules are in sync and clean, 2. nbdev's docs processing succeeds,
# 3. every notebook's tests pass (nbdev-test; cells flagged `slow` are skipped), 4. pytest (its summary is the last line).
set -uo pipefail
cd "$(dirname "$0")/.."
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

step "docs processing (nbdev proc_nbs; Quarto itself is not needed for this check)"
python -c "from nbdev.serve import proc_nbs; proc_nbs()" >/dev/null || { echo "FAIL: nbdev docs processing"; status=1; }
rm -rf _proc

step "nbdev-test (flags skipped: slow notest)"
nbdev-test --n-workers 2 || status=1

step "pytest"
python -m pytest -q -rs tests
rc=$?
if [ $rc -eq 5 ]; then echo "FAIL: pytest collected no tests"; fi
[ $rc -ne 0 ] && status=1
exit $status
