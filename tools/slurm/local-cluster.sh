#!/bin/bash
# Starts a one-node SLURM cluster on this machine (as root, without systemd), for the slide tests:
# Debian's slurm-wlm + munge, configured for this host's name, cores and memory. Idempotent: an
# already running cluster is left as it is. Usage: sudo tools/slurm/local-cluster.sh [--install]
set -euo pipefail
if [ "${1:-}" = "--install" ] && ! command -v slurmctld >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null
fi
command -v slurmctld >/dev/null || { echo "slurm-wlm is not installed (apt-get install slurm-wlm munge)"; exit 1; }
if sinfo -h -o %t 2>/dev/null | grep -q idle; then echo "slurm: running"; exit 0; fi
host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(free -m | awk '/^Mem:/ {print $2}') * 9 / 10 ))
mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /etc/slurm
chown munge:munge /run/munge 2>/dev/null || true
[ -f /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
pgrep -x munged >/dev/null || /usr/sbin/munged --force
pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld
pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
# Wait for the node to come up (an event, with a bound).
for _ in $(seq 1 60); do
  if sinfo -h -o %t 2>/dev/null | grep -q -E 'idle|mix|alloc'; then echo "slurm: started ($host, $cpus CPUs)"; exit 0; fi
  sleep 1
done
echo "slurm: the node did not come up; see /var/log/slurm/"; exit 1
