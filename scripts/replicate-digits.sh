#!/usr/bin/env bash
# Regenerate results/digits/ — the tidy tables the replication notebooks read — from scratch, then re-execute those
# notebooks so their figures, tables and generated summaries follow the new results: the paper grid on digits
# (5 strategies x 3 architectures x 4 training methods x 3 seeds), the reuse evaluation of every final pool by the 12
# evaluation models, the future models (all four training methods) on the top configurations, the export, and
# nbs/23_sweep (the grid's wall time) and the replication notebooks 30-36. An interrupted sweep resumes where it stopped when the script is run again.
# The store, results/digits/store by default, is committed (its JSON records, a few MB; not the executed notebooks): the
# grid takes longer than a working session, and a committed store is what carries it into the next one. The sweep runs
# through scripts/sweep-logged.sh (resumable; timed in <store>/sweep.log, which nbs/22_cost reads back).
# Usage: scripts/replicate-digits.sh [results store, default results/digits/store]   (with the project's venv on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:-results/digits/store}
start=$SECONDS
scripts/sweep-logged.sh "$store" --grid paper --dataset digits --executor local
python -c "from genreuse.store import export_tables; print(export_tables('$store', 'results/digits'))"
for nb in 23_sweep 30_learning_curves 31_penalty_matrices 32_paper_tables 33_two_moons 34_findings 35_choice_of_mbar 36_gr_validity; do
    (cd nbs && jupyter nbconvert --to notebook --execute --inplace "$nb.ipynb")
done
nbdev-clean
echo "done: $(( (SECONDS - start) / 60 )) min wall time in this invocation"
