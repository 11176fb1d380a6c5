#!/usr/bin/env bash
# Runs a sharded `nac fit` + `nac merge` and a sharded `nac score` through a real Slurm and
# checks them byte for byte against the unsharded commands. Starts a single-node cluster on this
# machine (munged, slurmctld and slurmd from Debian's slurm-wlm and munge, all in a temporary
# folder, on free ports, as root), submits scripts/slurm/nac-slurm.sh's job arrays and their
# dependent join jobs, waits, compares, prints the timings, and stops the daemons again.
#
#   sudo bash scripts/check-slurm.sh [NAC]       NAC: the nac executable (default: the first of
#                                                build-release, build-ci, build)
# Environment: NAC_SLURM_SHARDS (4), NAC_SLURM_SAMPLES (fit images, 1000), NAC_SLURM_HOLDOUT (200),
# NAC_SLURM_SCORE (images scored, 2000), NAC_SLURM_KEEP=1 keeps the temporary folder,
# NAC_SLURM_SMOKE_ONLY=1 stops after the cluster ran one trivial job.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
shards=${NAC_SLURM_SHARDS:-4}
samples=${NAC_SLURM_SAMPLES:-1000}
holdout=${NAC_SLURM_HOLDOUT:-200}
scored=${NAC_SLURM_SCORE:-2000}
if [ "$(id -u)" -ne 0 ]; then
  echo "check-slurm.sh: run as root (it starts munged, slurmctld and slurmd)" >&2
  exit 2
fi

nac=${1:-}
if [ -z "$nac" ]; then
  for candidate in build-release/app/cli/nac build-ci/app/cli/nac build/app/cli/nac; do
    if [ -x "$candidate" ]; then nac=$candidate; break; fi
  done
fi
if [ "${NAC_SLURM_SMOKE_ONLY:-0}" != 1 ]; then
  [ -n "$nac" ] && [ -x "$nac" ] || { echo "check-slurm.sh: no nac executable; build one (cmake --build --preset release) or give its path" >&2; exit 2; }
  nac=$(realpath "$nac")
fi
model=$src/resources/demo/fashion_resnet18.pt
fashion=/usr/share/datasets/fashion-mnist

need=()
for tool in munged slurmctld slurmd sbatch; do command -v "$tool" >/dev/null || need=(slurm-wlm munge); done
[ -f "$fashion/train-images-idx3-ubyte.gz" ] || need+=(dataset-fashion-mnist)
if [ ${#need[@]} -gt 0 ]; then
  echo "check-slurm.sh: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi

tmp=$(mktemp -d /tmp/nac-slurm.XXXXXX)
chmod 755 "$tmp"
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/work"
chmod 700 "$tmp/munge"
export SLURM_CONF=$tmp/slurm.conf
ok=0
stop() {
  set +e
  if [ -f "$tmp/slurmctld.pid" ]; then scontrol shutdown >/dev/null 2>&1; fi
  for pidfile in slurmd.pid slurmctld.pid munge/munged.pid; do
    if [ -f "$tmp/$pidfile" ]; then
      pid=$(cat "$tmp/$pidfile")
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill "$pid" 2>/dev/null
    fi
  done
  if [ "$ok" = 1 ] && [ "${NAC_SLURM_KEEP:-0}" != 1 ]; then
    rm -rf "$tmp"
  else
    echo "check-slurm.sh: logs and outputs kept in $tmp"
  fi
}
trap stop EXIT

# munge with its own key and socket, so that a munged already running here is left alone.
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
munged --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed"

read -r ctld_port slurmd_port < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
node=$(hostname -s)
cpus=$(nproc)
memory=$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)
cat >"$SLURM_CONF" <<CONF
ClusterName=nacstudio
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=3600
KillWait=5
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

started=$(date +%s.%N)
slurmctld -i
slurmd -N "$node"
for _ in $(seq 120); do
  state=$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
if [ "$state" != idle ]; then
  echo "check-slurm.sh: the node did not become idle (state '$state'); slurmctld.log and slurmd.log follow" >&2
  tail -20 "$tmp/slurmctld.log" "$tmp/slurmd.log" >&2
  exit 1
fi
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
echo "cluster up in $(elapsed "$started") s: node $node, $cpus CPUs, slurmctld :$ctld_port, slurmd :$slurmd_port"
sbatch --wait --quiet --output="$tmp/smoke.out" --wrap 'echo "job $SLURM_JOB_ID on $(hostname)"'
echo "smoke job: $(cat "$tmp/smoke.out")"
if [ "${NAC_SLURM_SMOKE_ONLY:-0}" = 1 ]; then ok=1; exit 0; fi

# Waits for a job to leave the queue and fails unless it COMPLETED.
wait_job() {
  local id=$1 state
  while [ -n "$(squeue -h -j "$id" 2>/dev/null)" ]; do sleep 1; done
  state=$(scontrol show job "$id" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1)
  if [ "$state" != COMPLETED ]; then
    echo "check-slurm.sh: job $id ended $state; its logs follow" >&2
    tail -n 30 "$tmp"/work/*.shards/slurm-*.out >&2 || true
    exit 1
  fi
}
# Submits through nac-slurm.sh and waits for both the array and the join job.
run_sharded() {
  local out
  out=$(cd "$tmp/work" && NAC=$nac bash "$src/scripts/slurm/nac-slurm.sh" "$@")
  wait_job "$(echo "$out" | awk '/^array/ { print $2 }')"
  wait_job "$(echo "$out" | awk '/^join/ { print $2 }')"
}

fit_args=(--model "$model" --data "$fashion/train-images-idx3-ubyte.gz" --samples "$samples" --holdout "$holdout")
score_args=(--data "$fashion/t10k-images-idx3-ubyte.gz@0-$((scored - 1))")

echo "unsharded fit ($samples images + $holdout held out) and score ($scored images) with $nac:"
t=$(date +%s.%N)
"$nac" fit --quiet "${fit_args[@]}" -o "$tmp/work/whole.nacprofile"
fit_whole=$(elapsed "$t")
t=$(date +%s.%N)
"$nac" score --quiet --profile "$tmp/work/whole.nacprofile" "${score_args[@]}" -o "$tmp/work/whole.csv"
score_whole=$(elapsed "$t")

t=$(date +%s.%N)
run_sharded fit --shards "$shards" --output "$tmp/work/merged.nacprofile" -- "${fit_args[@]}"
fit_sharded=$(elapsed "$t")
t=$(date +%s.%N)
run_sharded score --shards "$shards" --output "$tmp/work/sharded.csv" -- --profile "$tmp/work/merged.nacprofile" "${score_args[@]}"
score_sharded=$(elapsed "$t")
"$nac" score --quiet --profile "$tmp/work/merged.nacprofile" "${score_args[@]}" -o "$tmp/work/merged.csv"

# The merged profile: the same JSON header but for created_by, the same data blocks byte for byte.
/usr/bin/python3 - "$tmp/work/whole.nacprofile" "$tmp/work/merged.nacprofile" <<'PY'
import struct, sys
def parts(path):
    data = open(path, "rb").read()
    (length,) = struct.unpack_from("<Q", data, 12)
    header = data[20:20 + length].replace(b'"created_by":"nac merge"', b'"created_by":"nac fit"')
    return header, data[20 + length:-32]
whole, merged = parts(sys.argv[1]), parts(sys.argv[2])
if whole[0] != merged[0]: sys.exit("check-slurm.sh: the merged profile's header differs from the unsharded fit's")
if whole[1] != merged[1]: sys.exit("check-slurm.sh: the merged profile's data blocks differ from the unsharded fit's")
print(f"profiles: headers equal (but created_by), data blocks equal ({len(whole[1])} bytes)")
PY
cmp "$tmp/work/whole.csv" "$tmp/work/merged.csv"
cmp "$tmp/work/whole.csv" "$tmp/work/sharded.csv"
echo "scores: merged profile's CSV and the $shards sharded CSVs concatenated equal the unsharded CSV ($(($(wc -l <"$tmp/work/whole.csv") - 1)) rows, $(wc -c <"$tmp/work/whole.csv") bytes)"
echo "timings (s, wall; sharded = submission to the join job's end, $shards shards of 1 CPU on $cpus CPUs):"
echo "  fit   unsharded $fit_whole   sharded + merge $fit_sharded"
echo "  score unsharded $score_whole   sharded + concatenation $score_sharded"
ok=1
echo "check-slurm.sh: passed"
