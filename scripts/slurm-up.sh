#!/usr/bin/env bash
# Start a one-node Slurm cluster with accounting (slurmdbd + MariaDB) on this machine, for testing
# `genreuse-sweep --executor slurm`. Needs root and a Debian/Ubuntu system; works without systemd.
# Installs slurm-wlm, munge, slurmdbd and mariadb-server with apt-get if they are missing.
# Idempotent: daemons already running are left alone. Stop everything with scripts/slurm-down.sh.
# Two partitions on the one node: the default one (GENREUSE_SLURM_PARTITION) is preemptible: a job of the higher-tier
# partition GENREUSE_SLURM_URGENT that needs its resources requeues its jobs (PreemptMode=REQUEUE, JobRequeue=1), as
# on the preemptible partitions of real clusters.
# Environment: GENREUSE_SLURM_DIR (state, logs, pid files; default /var/lib/genreuse-slurm),
#              GENREUSE_SLURM_CLUSTER (cluster name; default genreuse), GENREUSE_SLURM_PARTITION (default debug),
#              GENREUSE_SLURM_URGENT (the preempting partition; default urgent).
set -euo pipefail

STATE=${GENREUSE_SLURM_DIR:-/var/lib/genreuse-slurm}
CLUSTER=${GENREUSE_SLURM_CLUSTER:-genreuse}
PARTITION=${GENREUSE_SLURM_PARTITION:-debug}
URGENT=${GENREUSE_SLURM_URGENT:-urgent}
CONF_DIR=/etc/slurm
MARKER="# written by genreuse scripts/slurm-up.sh"
NODE=$(hostname -s)

log() { echo "slurm-up: $*"; }
die() { echo "slurm-up: ERROR: $*" >&2; exit 1; }

alive() { # alive PIDFILE -> true if the pid in PIDFILE is a running process
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND... -> polls COMMAND every 0.2 s
  local secs=$1 what=$2; shift 2
  local end=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.2
  done
}

started() { echo "$1" >> "$STATE/started"; sort -u -o "$STATE/started" "$STATE/started"; }

[ "$(id -u)" = 0 ] || die "must run as root (uid is $(id -u)); a test cluster needs root to start munged, mariadb and slurm"

# ---------------------------------------------------------------- install
missing=()
for exe in munged slurmctld slurmd slurmdbd sacct mariadbd; do
  command -v "$exe" >/dev/null 2>&1 || [ -x "/usr/sbin/$exe" ] || missing+=("$exe")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and apt-get is not available; install slurm-wlm, munge, slurmdbd and mariadb-server yourself"
  log "installing slurm-wlm munge slurmdbd mariadb-server (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q slurm-wlm munge slurmdbd mariadb-server >/tmp/genreuse-slurm-apt.log 2>&1; then
    log "apt-get install failed; running apt-get update and retrying"
    apt-get update -q >>/tmp/genreuse-slurm-apt.log 2>&1 || true
    apt-get install -y -q slurm-wlm munge slurmdbd mariadb-server >>/tmp/genreuse-slurm-apt.log 2>&1 \
      || die "apt-get install failed; see /tmp/genreuse-slurm-apt.log"
  fi
else
  log "slurm, munge, slurmdbd and mariadb are installed"
fi
export PATH=$PATH:/usr/sbin:/sbin

mkdir -p "$STATE"/{ctld,spool,log}
touch "$STATE/started"

# ---------------------------------------------------------------- munge
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
chmod 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  log "creating /etc/munge/munge.key"
  mkdir -p /etc/munge
  if command -v mungekey >/dev/null 2>&1; then mungekey --create --force --keyfile=/etc/munge/munge.key
  else dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none; fi
  chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
fi
if alive /run/munge/munged.pid; then
  log "munged already running (pid $(cat /run/munge/munged.pid))"
else
  runuser -u munge -- munged --pid-file=/run/munge/munged.pid || die "munged failed to start; see /var/log/munge/munged.log"
  wait_for 10 munged bash -c 'munge -n | unmunge' || die "munged does not answer; see /var/log/munge/munged.log"
  started munged
  log "started munged (pid $(cat /run/munge/munged.pid))"
fi

# ---------------------------------------------------------------- mariadb
MYPID=/run/mysqld/mysqld.pid
mkdir -p /run/mysqld; chown mysql:mysql /run/mysqld
if [ ! -d /var/lib/mysql/mysql ]; then
  log "initialising the MariaDB data directory"
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql >"$STATE/log/mariadb-install.log" 2>&1 \
    || die "mariadb-install-db failed; see $STATE/log/mariadb-install.log"
fi
if alive "$MYPID"; then
  log "mariadb already running (pid $(cat "$MYPID"))"
else
  (setsid mariadbd --user=mysql --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock --pid-file="$MYPID" \
     --bind-address=127.0.0.1 --log-error="$STATE/log/mariadb.log" </dev/null >/dev/null 2>&1 &)
  wait_for 30 mariadb mariadb -e 'select 1' || die "mariadb did not start; see $STATE/log/mariadb.log"
  started mariadb
  log "started mariadb (pid $(cat "$MYPID"))"
fi
mariadb -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurm';
            GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;" \
  || die "could not create the slurm database user"

# ---------------------------------------------------------------- configuration
node_hw=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* //')   # CPUs=.. Boards=.. ... RealMemory=..
[ -n "$node_hw" ] || die "slurmd -C did not report the node hardware"
cpus=$(echo "$node_hw" | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p')
mem=$(echo "$node_hw" | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
new_conf=$(cat <<EOF
$MARKER
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=300
JobRequeue=1
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1,batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$(( mem / cpus ))
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=$NODE NodeAddr=127.0.0.1 $node_hw State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP PriorityTier=1
PartitionName=$URGENT Nodes=$NODE MaxTime=INFINITE State=UP PriorityTier=2 PreemptMode=OFF
EOF
)
new_dbd=$(cat <<EOF
$MARKER
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
SlurmUser=root
PidFile=$STATE/slurmdbd.pid
LogFile=$STATE/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurm
StorageLoc=slurm_acct_db
EOF
)
write_conf() { # write_conf FILE CONTENT MODE
  local f=$1 content=$2 mode=$3
  if [ -e "$f" ] && ! head -1 "$f" | grep -qF "$MARKER"; then
    die "$f exists and was not written by this script; move it away to use the test cluster"
  fi
  if [ "$(cat "$f" 2>/dev/null)" != "$content" ]; then
    if alive "$STATE/slurmctld.pid" || alive "$STATE/slurmdbd.pid"; then
      die "$f would change while slurm is running; run scripts/slurm-down.sh first"
    fi
    printf '%s\n' "$content" > "$f.tmp"; chmod "$mode" "$f.tmp"; mv "$f.tmp" "$f"
    log "wrote $f"
  fi
}
mkdir -p "$CONF_DIR"
write_conf "$CONF_DIR/slurm.conf" "$new_conf" 0644
write_conf "$CONF_DIR/slurmdbd.conf" "$new_dbd" 0600

# ---------------------------------------------------------------- slurm daemons
if alive "$STATE/slurmdbd.pid"; then
  log "slurmdbd already running (pid $(cat "$STATE/slurmdbd.pid"))"
else
  slurmdbd || die "slurmdbd failed to start; see $STATE/log/slurmdbd.log"
  wait_for 30 slurmdbd sacctmgr -n list cluster || die "slurmdbd does not answer; see $STATE/log/slurmdbd.log"
  wait_for 10 slurmdbd alive "$STATE/slurmdbd.pid" || die "slurmdbd wrote no pid file; see $STATE/log/slurmdbd.log"
  started slurmdbd
  log "started slurmdbd (pid $(cat "$STATE/slurmdbd.pid"))"
fi
if ! sacctmgr -n -P list cluster format=cluster | grep -qx "$CLUSTER"; then
  sacctmgr -i add cluster "$CLUSTER" >/dev/null || die "could not register cluster $CLUSTER with slurmdbd"
  log "registered cluster $CLUSTER in the accounting database"
fi
if alive "$STATE/slurmctld.pid"; then
  log "slurmctld already running (pid $(cat "$STATE/slurmctld.pid"))"
else
  slurmctld || die "slurmctld failed to start; see $STATE/log/slurmctld.log"
  wait_for 30 slurmctld bash -c "scontrol ping | grep -q UP" || die "slurmctld does not answer; see $STATE/log/slurmctld.log"
  wait_for 10 slurmctld alive "$STATE/slurmctld.pid" || die "slurmctld wrote no pid file; see $STATE/log/slurmctld.log"
  started slurmctld
  log "started slurmctld (pid $(cat "$STATE/slurmctld.pid"))"
fi
if alive "$STATE/slurmd.pid"; then
  log "slurmd already running (pid $(cat "$STATE/slurmd.pid"))"
else
  slurmd -N "$NODE" || die "slurmd failed to start; see $STATE/log/slurmd.log"
  wait_for 10 slurmd alive "$STATE/slurmd.pid" || die "slurmd did not stay up; see $STATE/log/slurmd.log"
  started slurmd
  log "started slurmd (pid $(cat "$STATE/slurmd.pid"))"
fi

node_state() { sinfo -h -n "$NODE" -o %T 2>/dev/null | head -1; }
node_ready() { case "$(node_state)" in idle|mixed|allocated|completing) return 0;; *) return 1;; esac; }
if ! wait_for 20 node node_ready; then
  log "node $NODE is '$(node_state)'; resuming it"
  scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true
  wait_for 20 node node_ready || die "node $NODE is '$(node_state)' instead of idle; see $STATE/log/slurmd.log and slurmctld.log"
fi
log "cluster $CLUSTER up: node $NODE ($cpus CPUs, ${mem} MB), partition $PARTITION (preempted by $URGENT), state $(node_state); logs in $STATE/log"
