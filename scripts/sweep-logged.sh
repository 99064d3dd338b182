#!/usr/bin/env bash
# Run genreuse-sweep into a results store and log it there: every invocation appends its output to <store>/sweep.log
# between lines that time it (cost.sweep_invocations and nbs/22_cost read them back), so a grid that takes longer than a
# working session is run again with the same arguments, resumes where it stopped, and its wall time adds up from the log.
# To stop it, signal its process group (kill -- -<pgid>) or press Ctrl-C: the log then says when it stopped. To run
# something else on its cores meanwhile, scripts/sweep-pause.sh suspends it and logs the pause. Only append to the log
# while an invocation runs (>>): a tool that rewrites the file (sed -i, most editors) replaces it, and the invocation's
# output goes on into the replaced, deleted copy.
# Usage: scripts/sweep-logged.sh STORE [genreuse-sweep arguments ...]   (with the project's venv on PATH; --out-dir is STORE)
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:?usage: scripts/sweep-logged.sh STORE [genreuse-sweep arguments ...]}
shift
start=$SECONDS
mkdir -p "$store"
echo "invocation started $(date -u +%FT%TZ) at $(git rev-parse --short HEAD)" >> "$store/sweep.log"
echo $$ > "$store/.sweep.pid"   # scripts/sweep-pause.sh suspends this process and those below it
trap 'rm -f "$store/.sweep.pid"' EXIT
trap 'echo "invocation stopped $(date -u +%FT%TZ) by a signal after $(( (SECONDS - start) / 60 )) min" >> "$store/sweep.log"; exit 143' TERM INT
set +e
genreuse-sweep "$@" --out-dir "$store" 2>&1 | tee -a "$store/sweep.log"
rc=${PIPESTATUS[0]}
set -e
echo "invocation finished $(date -u +%FT%TZ): $(( (SECONDS - start) / 60 )) min, exit status $rc" >> "$store/sweep.log"
echo "sweep: $(( (SECONDS - start) / 60 )) min wall time in this invocation"
exit "$rc"
