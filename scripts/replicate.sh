#!/usr/bin/env bash
# Regenerate a testbed's replication — results/<dataset>/, the tidy tables the replication notebooks read — and the
# notebooks' executed pages: the paper grid (5 strategies x 3 ResNets x 4 training methods) over the testbed's seeds,
# the reuse evaluation of every final pool by the 12 evaluation models and by the held-out families, the future models
# on the top configurations, the frozen SimCLR probe (a linear head on the SimCLR ResNet-18's features) as one more query
# model with Base, whose pools 𝓜̄ and the held-out families evaluate (reuse across families; no future models), each
# seed's random-pool learning curve (REU* in label units), the export, the replication notebooks 30-36 executed on
# those results, and 37_testbeds (every testbed side by side) executed again.
#   digits:  the quick default; 3 seeds; held out: the probe; its pages are the notebooks in nbs/ themselves (executed
#            in place).
#   mnist1d: the CPU testbed where GR is measurable; SEEDS (default 0, ..., N - 1 with N the pilot's seeds for the grid,
#            `grid_seeds` in bench/results/pilot-mnist1d.csv); held out: mlp, gru, transformer and the probe; its pages
#            are copies executed into nbs/mnist1d/ (the source stays in nbs/).
# The store, results/<dataset>/store by default, is committed (its JSON records; not the executed notebooks): a grid
# takes longer than a working session, and a committed store is what carries it into the next one. The sweep runs
# through scripts/sweep-logged.sh (resumable; timed in <store>/sweep.log, which nbs/22_cost reads back): run this
# script again with the same arguments to resume.
# Usage: scripts/replicate.sh DATASET [results store]   (with the project's venv on PATH; SEEDS=0,1,2 for mnist1d runs
#        those seeds only)
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=${1:?usage: scripts/replicate.sh DATASET [results store]   (DATASET: digits or mnist1d)}
store=${2:-results/$dataset/store}
probe=probe_simclr_resnet18
case $dataset in
  digits)  args=(--grid paper --dataset digits --executor local --other-models $probe); pages=nbs ;;
  mnist1d) n=$(python -c "import pandas as pd; print(int(pd.read_csv('bench/results/pilot-mnist1d.csv').grid_seeds.max()))")
           args=(--grid paper --dataset mnist1d --data-root data --seeds "${SEEDS:-$(seq -s, 0 $((n - 1)))}" --executor local
                 --other-models mlp,gru,transformer,$probe); pages=nbs/mnist1d ;;
  *) echo "replicate.sh: dataset: unknown '$dataset'; allowed: digits, mnist1d" >&2; exit 2 ;;
esac
start=$SECONDS
scripts/sweep-logged.sh "$store" "${args[@]}"
scripts/sweep-logged.sh "$store" "${args[@]}" --models $probe --trainings base --future-models ''
python - "$store" "$dataset" <<'EOF'
import sys
from genreuse.loop import DALConfig
from genreuse.pools import random_curve
from genreuse.store import load_runs
store, dataset = sys.argv[1:]
root = 'data' if dataset == 'mnist1d' else None
for seed in sorted(load_runs(store).query('dataset == @dataset').seed.unique()):
    random_curve(DALConfig(dataset=dataset, seed=int(seed), out_dir=store, data_root=root), progress=True)
EOF
python -c "from genreuse.store import export_tables; print(export_tables('$store', 'results/$dataset'))"
mkdir -p "$pages"
for nb in 23_sweep 30_learning_curves 31_penalty_matrices 32_paper_tables 33_two_moons 34_findings 35_choice_of_mbar 36_gr_validity; do
  if [ "$pages" = nbs ]; then
    (cd nbs && jupyter nbconvert --to notebook --execute --inplace "$nb.ipynb")
  elif [ "$nb" != 23_sweep ] && [ "$nb" != 33_two_moons ]; then   # the sweep's cost and the toy are not per testbed
    papermill "nbs/$nb.ipynb" "$pages/$nb.ipynb" --cwd "$pages" -p results "../../results/$dataset"
  fi
done
(cd nbs && jupyter nbconvert --to notebook --execute --inplace 37_testbeds.ipynb)   # both testbeds side by side
nbdev-clean
echo "done: $(( (SECONDS - start) / 60 )) min wall time in this invocation"
