#!/usr/bin/env bash
# Run a command while a logged sweep is suspended, and log the pause where cost.sweep_invocations reads it: on a machine
# whose cores the sweep fills, a test run or a measurement beside it would slow both and skew the sweep's wall time.
# The sweep's processes (scripts/sweep-logged.sh, genreuse-sweep, its workers and their kernels) get SIGSTOP, the command
# runs, they get SIGCONT (also when the command fails or is interrupted), and <store>/sweep.log gains the line
# `paused <UTC start> - <UTC end> for <reason>`. Its exit status is the command's.
# Usage: scripts/sweep-pause.sh STORE REASON -- COMMAND [ARGS ...]
set -uo pipefail
store=${1:?usage: scripts/sweep-pause.sh STORE REASON -- COMMAND [ARGS ...]}
reason=${2:?usage: scripts/sweep-pause.sh STORE REASON -- COMMAND [ARGS ...]}
[ "${3:-}" = -- ] && [ $# -ge 4 ] || { echo "usage: scripts/sweep-pause.sh STORE REASON -- COMMAND [ARGS ...]" >&2; exit 2; }
shift 3
pidfile="$store/.sweep.pid"   # written by scripts/sweep-logged.sh while its invocation runs
pid=$(cat "$pidfile" 2>/dev/null) || { echo "sweep-pause.sh: store: no running logged sweep in $store (no $pidfile)" >&2; exit 2; }
kill -0 "$pid" 2>/dev/null || { echo "sweep-pause.sh: store: the sweep of $pidfile (pid $pid) is not running" >&2; exit 2; }
tree() { echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }
procs=$(tree "$pid")
start=$(date -u +%FT%TZ)
resume() { kill -CONT $procs 2>/dev/null; echo "paused $start - $(date -u +%FT%TZ) for $reason" >> "$store/sweep.log"; }
trap resume EXIT
trap 'exit 130' INT TERM
kill -STOP $procs
"$@"
