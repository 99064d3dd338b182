#!/usr/bin/env bash
# Stop the one-node test cluster started by scripts/slurm-up.sh, in order: cancel all jobs, wait for an empty
# queue, then stop slurmd, slurmctld, slurmdbd, mariadb and munged by PID. Only daemons that slurm-up.sh
# started are stopped (a MariaDB or munged that was already running is left alone). Idempotent.
# Environment: GENREUSE_SLURM_DIR (as for slurm-up.sh; default /var/lib/genreuse-slurm).
set -uo pipefail

STATE=${GENREUSE_SLURM_DIR:-/var/lib/genreuse-slurm}
export PATH=$PATH:/usr/sbin:/sbin

log() { echo "slurm-down: $*"; }
die() { echo "slurm-down: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (uid is $(id -u))"
[ -d "$STATE" ] || { log "nothing to do: no state directory $STATE"; exit 0; }

ours() { grep -qx "$1" "$STATE/started" 2>/dev/null; }

stop() { # stop NAME PIDFILE
  local name=$1 pidfile=$2 pid
  if ! [ -s "$pidfile" ] || ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "$name: not running"; sed -i "/^$name\$/d" "$STATE/started"; return 0
  fi
  if ! ours "$name"; then log "$name: running but not started by slurm-up.sh, left alone"; return 0; fi
  pid=$(cat "$pidfile")
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; log "$name (pid $pid) did not stop in 10 s: killed"
  else log "stopped $name (pid $pid)"; fi
  sed -i "/^$name\$/d" "$STATE/started"
}

if [ -s "$STATE/slurmctld.pid" ] && kill -0 "$(cat "$STATE/slurmctld.pid")" 2>/dev/null; then
  jobs=$(squeue -h -o %i 2>/dev/null | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    log "cancelling jobs: $jobs"
    scancel $jobs 2>/dev/null
    for _ in $(seq 1 60); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.5; done
    left=$(squeue -h -o %i 2>/dev/null | tr '\n' ' ')
    [ -z "${left// /}" ] && log "queue empty" || log "jobs still in the queue after 30 s: $left (stopping anyway)"
  else
    log "queue empty"
  fi
fi

stop slurmd "$STATE/slurmd.pid"
stop slurmctld "$STATE/slurmctld.pid"
stop slurmdbd "$STATE/slurmdbd.pid"
stop mariadb /run/mysqld/mysqld.pid
stop munged /run/munge/munged.pid
log "done"
