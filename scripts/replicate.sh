#!/usr/bin/env bash
# Regenerate a testbed's replication — results/<dataset>/, the tidy tables the replication notebooks read — and the
# notebooks' executed pages: the paper grid (5 strategies x 3 ResNets x 4 training methods) over the testbed's seeds,
# the reuse evaluation of every final pool by the 12 evaluation models and by the held-out families, the future models
# on the top configurations, the frozen SimCLR probe (a linear head on the SimCLR ResNet-18's features) as one more query
# model with Base, whose pools 𝓜̄ and the held-out families evaluate (reuse across families; no future models), each
# seed's random-pool learning curve (REU* in label units; tasks of the paper grid's sweep), the export (of those seeds only: a store may hold a seed
# part-way), the replication notebooks 30-36 executed on those results, and 37_testbeds (every testbed side by side)
# executed again.
#   digits:  the quick default; 3 seeds; held out: the probe; its pages are the notebooks in nbs/ themselves (executed
#            in place).
#   mnist1d: the CPU testbed where GR is measurable; SEEDS (default 0, ..., N - 1 with N the pilot's seeds for the grid,
#            `grid_seeds` in bench/results/pilot-mnist1d.csv); held out: mlp, gru, transformer and the probe; its pages
#            are copies executed into nbs/mnist1d/ (the source stays in nbs/).
# The store, results/<dataset>/store by default, is committed (its JSON records; not the executed notebooks): a grid
# takes longer than a working session, and a committed store is what carries it into the next one. The sweep runs
# through scripts/sweep-logged.sh (resumable; timed in <store>/sweep.log, which nbs/22_cost reads back), one seed per
# invocation, so that a grid stopped part-way leaves whole seeds; run this script again with the same arguments to resume.
# TRAININGS runs a first stage of the grid: query models and 𝓜̄ with those training methods only, e.g. TRAININGS=base,semi
# while SimCLR's budget is still being checked; the pages show what the stage lacks. A store compares only the fields a
# training reads, so the stage's records stay valid, and the run without TRAININGS adds the rest (the other trainings on
# every pool, the future models, which evaluate the top pools by GR over the whole 𝓜̄). The probe (its backbone is
# SimCLR's) joins the stages whose trainings pretrain (self, 3sl).
# Usage: scripts/replicate.sh DATASET [results store]   (with the project's venv on PATH; SEEDS=0,1,2 runs those seeds
#        only, TRAININGS=base,semi those training methods only)
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=${1:?usage: scripts/replicate.sh DATASET [results store]   (DATASET: digits or mnist1d)}
store=${2:-results/$dataset/store}
probe=probe_simclr_resnet18
trainings=${TRAININGS:-base,semi,self,3sl}
whole=no; [ "$(tr , '\n' <<< "$trainings" | sort | paste -sd, -)" = 3sl,base,self,semi ] && whole=yes
probes=; case ,$trainings, in *,self,*|*,3sl,*) probes=$probe ;; esac
case $dataset in
  digits)  seeds=${SEEDS:-$(python -c "from genreuse.grid import GRIDS; print(','.join(map(str, GRIDS['paper'].seeds)))")}
           args=(--grid paper --dataset digits --executor local); others=$probes; pages=nbs ;;
  mnist1d) n=$(python -c "import pandas as pd; print(int(pd.read_csv('bench/results/pilot-mnist1d.csv').grid_seeds.max()))")
           seeds=${SEEDS:-$(seq -s, 0 $((n - 1)))}
           args=(--grid paper --dataset mnist1d --data-root data --executor local); others=mlp,gru,transformer${probes:+,$probes}
           pages=nbs/mnist1d ;;
  *) echo "replicate.sh: dataset: unknown '$dataset'; allowed: digits, mnist1d" >&2; exit 2 ;;
esac
[ -n "$others" ] && args+=(--other-models "$others")
start=$SECONDS
for seed in ${seeds//,/ }; do
  scripts/sweep-logged.sh "$store" "${args[@]}" --seeds "$seed" --trainings "$trainings" --eval-trainings "$trainings" --future-models ''
done
if [ $whole = yes ]; then scripts/sweep-logged.sh "$store" "${args[@]}" --seeds "$seeds"; fi   # the future models
if [ -n "$probes" ]; then
  scripts/sweep-logged.sh "$store" "${args[@]}" --seeds "$seeds" --models $probe --trainings base --eval-trainings "$trainings" --future-models ''
fi
python -c "from genreuse.store import export_tables; print(export_tables('$store', 'results/$dataset', seeds=[$seeds]))"
mkdir -p "$pages"
[ "$pages" = nbs ] || echo "executed copies of the replication notebooks in nbs/ (scripts/replicate.sh): nbdev-test tests the sources" > "$pages/.notest"
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
