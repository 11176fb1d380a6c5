#!/usr/bin/env bash
# Submits a sharded `nac fit` or `nac score` to Slurm: a job array of N shards, then one job that
# runs after all of them succeed and joins their outputs (`nac merge`, or the CSVs in order).
#
#   nac-slurm.sh fit   --shards N --output OUT.nacprofile [--work DIR] -- NAC-FIT-ARGS...
#   nac-slurm.sh score --shards N --output OUT.csv        [--work DIR] -- NAC-SCORE-ARGS...
#
# NAC-...-ARGS are those of `nac fit` / `nac score` without -o and --shard (e.g. --model M.pt
# --data D --samples 1000). The shards' outputs go to DIR (default OUT.shards/); the joined
# result, equal byte for byte to what the unsharded command writes (for a profile: the same
# images, samples and scores; only its created_by says "nac merge"), to OUT. Prints the job ids:
# "array JOBID" and "join JOBID". Environment: NAC (the nac executable, default `nac` on PATH),
# and sbatch's own SBATCH_* variables for the partition, time limit, account, etc.
# (e.g. SBATCH_PARTITION=gpu SBATCH_TIMELIMIT=1:00:00). Each shard gets --cpus-per-task from
# NAC_CPUS_PER_SHARD (default 1, and nac is told to use as many threads).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
command=$1; shift
case $command in fit | score) ;; -h | --help) usage ;; *) echo "nac-slurm.sh: unknown command '$command' (fit or score)" >&2; exit 2 ;; esac

shards= output= work=
while [ $# -gt 0 ]; do
  case $1 in
    --shards) shards=${2:-}; shift 2 ;;
    --output | -o) output=${2:-}; shift 2 ;;
    --work) work=${2:-}; shift 2 ;;
    --) shift; break ;;
    *) echo "nac-slurm.sh: unknown option '$1' (nac's own options go after --)" >&2; exit 2 ;;
  esac
done
if ! [[ $shards =~ ^[0-9]+$ ]] || [ "$shards" -lt 1 ]; then
  echo "nac-slurm.sh: --shards must be a whole number of at least 1, not '$shards'" >&2; exit 2
fi
[ -n "$output" ] || { echo "nac-slurm.sh: give --output" >&2; exit 2; }
for arg in "$@"; do
  case $arg in -o | --output | --output=* | --shard | --shard=*)
    echo "nac-slurm.sh: do not give nac's $arg; use --output (the shards are made here)" >&2; exit 2 ;;
  esac
done
output=$(realpath -m "$output")
work=$(realpath -m "${work:-$output.shards}")
mkdir -p "$work"
cpus=${NAC_CPUS_PER_SHARD:-1}
export NAC=${NAC:-nac}

# Jobs start in the submitting folder, so relative paths in the nac arguments keep their meaning.
array=$(sbatch --parsable --job-name="nac-$command" --array="0-$((shards - 1))" --cpus-per-task="$cpus" \
  --output="$work/slurm-%A_%a.out" "$here/nac-shard.sbatch" "$command" "$shards" "$work" "$@")
array=${array%%;*}
join=$(sbatch --parsable --job-name="nac-$command-join" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$work/slurm-%j-join.out" "$here/nac-join.sbatch" "$command" "$shards" "$work" "$output")
join=${join%%;*}
echo "array $array"
echo "join $join"
