#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, for the test suite (tests/slurm.rs) and for
# trying scripts/slurm/sweep.sbatch without a cluster. Debian 12, as root, without systemd:
#
#   scripts/slurm/local-cluster.sh start    # install slurm-wlm and munge if missing, start
#   scripts/slurm/local-cluster.sh status
#   scripts/slurm/local-cluster.sh stop     # stop exactly the daemons `start` started
#
# The daemons run in the foreground of background processes, so the PIDs recorded in the state
# folder ($REDESIGN_SLURM_STATE, default /run/redesign-slurm) are the daemons themselves and
# `stop` ends those and nothing else. Their logs are in the same folder. The configuration is
# /etc/slurm/slurm.conf, where the client commands (sbatch, squeue) look for it; the script
# never overwrites a configuration it did not write.
set -euo pipefail

STATE=${REDESIGN_SLURM_STATE:-/run/redesign-slurm}
# start empties this folder, so it must be one of its own.
[[ $STATE == /?*/?* ]] || {
    echo "local-cluster: REDESIGN_SLURM_STATE must be an absolute path two levels deep (e.g. /run/x), not '$STATE'" >&2
    exit 2
}
CONF=/etc/slurm/slurm.conf
# The first line of a configuration this script wrote, so it knows it may replace it.
MARK="# Written by redesign-sim scripts/slurm/local-cluster.sh"

die() {
    echo "local-cluster: $*" >&2
    exit 1
}

log() {
    echo "local-cluster: $*"
}

# Whether the daemon whose PID is in $STATE/NAME.pid is alive.
alive() {
    local pid
    pid=$(cat "$STATE/$1.pid" 2>/dev/null) || return 1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
        command -v munged >/dev/null && command -v sinfo >/dev/null; then
        return
    fi
    command -v apt-get >/dev/null || die "slurm-wlm and munge are missing and there is no apt-get"
    log "installing slurm-wlm and munge"
    # A fresh machine has no package lists yet; otherwise the caller's `apt-get update` stands.
    if ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
        apt-get update -qq
    fi
    # Without systemd the packages' scripts would try to start the daemons their own way; a
    # policy-rc.d that says "no" keeps them stopped until we start them below.
    local policy=/usr/sbin/policy-rc.d own_policy=
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        own_policy=1
    fi
    local status=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurm-wlm munge >/dev/null || status=$?
    [[ -z $own_policy ]] || rm -f "$policy"
    [[ $status -eq 0 ]] || die "apt-get install slurm-wlm munge failed (status $status)"
}

write_config() {
    if [[ -e $CONF ]] && ! head -n 1 "$CONF" | grep -qxF "$MARK"; then
        die "$CONF exists and was not written by this script; not touching a real cluster"
    fi
    local host node
    host=$(hostname -s)
    # The node as slurmd measures it (CPUs, sockets, cores, memory): a node line that does not
    # match the machine leaves the node drained.
    node=$(slurmd -C | head -n 1)
    [[ $node == NodeName=* ]] || die "slurmd -C did not describe this node: $node"
    mkdir -p "$(dirname "$CONF")"
    cat >"$CONF" <<EOF
$MARK
# (and removed by its 'stop'; a one-node cluster for tests/slurm.rs)
ClusterName=redesign-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/slurmd
# Pid files in the state folder: a leftover /run/slurmctld.pid breaks package removal.
SlurmctldPidFile=$STATE/slurmctld.daemon.pid
SlurmdPidFile=$STATE/slurmd.daemon.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
# No cgroups here (no systemd to delegate them): plain process tracking, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default a job asks for the whole node's memory and jobs cannot share the node.
DefMemPerCPU=500
# sacct would need slurmdbd; squeue and scontrol are enough.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
$node
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    [[ -s /etc/munge/munge.key ]] || {
        log "creating a munge key"
        mungekey --create --keyfile=/etc/munge/munge.key
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    }
    install -d -o munge -g munge -m 755 /run/munge
    install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge
    # setpriv execs munged as user munge, so $! is munged itself.
    setpriv --reuid=munge --regid=munge --init-groups munged --foreground \
        >>"$STATE/munged.out" 2>&1 &
    echo $! >"$STATE/munged.pid"
    local i
    for ((i = 0; i < 50; i++)); do
        if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
            return
        fi
        alive munged || break
        sleep 0.2
    done
    die "munged did not start; see $STATE/munged.out"
}

start() {
    if alive slurmctld && alive slurmd && alive munged; then
        log "already running (state in $STATE)"
        return
    fi
    [[ $(id -u) -eq 0 ]] || die "run as root (it installs packages and starts daemons)"
    local t0=$SECONDS
    install_packages
    log "packages ready after $((SECONDS - t0)) s"
    # Leftovers of an earlier start (daemons that died, or a half-done start) go first.
    stop_daemons
    # A fresh controller state each time: no jobs from an earlier run come back.
    rm -rf "$STATE"
    mkdir -p "$STATE/ctld" "$STATE/slurmd"
    write_config
    start_munge
    slurmctld -D -i >>"$STATE/slurmctld.out" 2>&1 &
    echo $! >"$STATE/slurmctld.pid"
    slurmd -D >>"$STATE/slurmd.out" 2>&1 &
    echo $! >"$STATE/slurmd.pid"
    local i st=
    for ((i = 0; i < 120; i++)); do
        alive slurmctld || die "slurmctld stopped; see $STATE/slurmctld.log"
        alive slurmd || die "slurmd stopped; see $STATE/slurmd.log"
        st=$(sinfo -h -o %T 2>/dev/null | head -n 1) || true
        case "$st" in
            idle* | mixed* | allocated*)
                log "cluster up after $((SECONDS - t0)) s: $(sinfo -h -o '%n %c CPUs %m MB %T')"
                return
                ;;
            down* | drain*)
                scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true
                ;;
        esac
        sleep 0.5
    done
    die "the node did not become idle within 60 s (state: ${st:-none}); see $STATE/*.log"
}

# Ends the daemons whose PIDs `start` recorded, and only those.
stop_daemons() {
    local name pid i
    for name in slurmd slurmctld munged; do
        pid=$(cat "$STATE/$name.pid" 2>/dev/null) || continue
        if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.2
            done
            if kill -0 "$pid" 2>/dev/null; then
                log "$name ($pid) ignored TERM; killing it"
                kill -KILL "$pid" 2>/dev/null || true
            fi
            log "stopped $name ($pid)"
        fi
        rm -f "$STATE/$name.pid"
    done
}

stop() {
    stop_daemons
    rm -f "$STATE/slurmctld.daemon.pid" "$STATE/slurmd.daemon.pid"
    if [[ -e $CONF ]] && head -n 1 "$CONF" | grep -qxF "$MARK"; then
        rm -f "$CONF"
    fi
}

status() {
    local name ok=0
    for name in munged slurmctld slurmd; do
        if alive "$name"; then
            echo "$name: running ($(cat "$STATE/$name.pid"))"
        else
            echo "$name: not running"
            ok=1
        fi
    done
    [[ $ok -ne 0 ]] || sinfo
    return $ok
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
