#!/usr/bin/env bash
# Regenerate results/digits/ — the tidy tables the replication notebooks (nbs/10_* ... 14_*) read — from scratch:
# the paper grid on digits (5 strategies x 3 architectures x 4 training methods x 3 seeds), the reuse evaluation of every
# final pool by the 12 evaluation models, the future models on the top configurations, then the export.
# Usage: scripts/replicate-digits.sh [results store, default runs]   (with the project's venv on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:-runs}
genreuse-sweep --grid paper --dataset digits --executor local --out-dir "$store"
python -c "from genreuse.loop import export_tables; print(export_tables('$store', 'results/digits'))"
