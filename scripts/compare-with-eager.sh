#!/usr/bin/env bash
# Times `nac fit` + `nac score` against the independent eager PyTorch implementation
# (tools/reference_nac.py: forward hooks + one autograd.grad) on the same model, data and
# threads, as whole processes, and checks that both give the same per-sample scores. The eager
# side runs batches of EAGER_BATCH (64); nac runs its defaults (automatic batch size), with the
# eager batch size, and with the opt-in channels-last layout.
# Usage: scripts/compare-with-eager.sh [FIT_COUNT] [SCORE_COUNT]   (defaults 1000 and 5000)
# ROUNDS (3) sets how many interleaved rounds the medians are taken over.
# NAC_OPTIONS adds options to every nac call (e.g. NAC_OPTIONS="--memory-format channels-last").
# Another model: MODEL (TorchScript with nac.json), ARCH (its eager twin in reference_nac.py:
# demo or resnet18), FIT_DATA and SCORE_DATA (IDX files). A CIFAR-sized torchvision ResNet-18:
#   /usr/bin/python3 tools/make_rgb32_idx.py --out build/rgb32
#   ARCH=resnet18 MODEL=build/test_models/resnet18_scripted.pt FIT_DATA=build/rgb32/train-images-idx4-ubyte \
#     SCORE_DATA=build/rgb32/t10k-images-idx4-ubyte scripts/compare-with-eager.sh 1000 2000
set -euo pipefail
cd "$(dirname "$0")/.."
fit_count=${1:-1000}
score_count=${2:-5000}
threads=${THREADS:-2}
read -r -a extra <<< "${NAC_OPTIONS:-}"
nac=${NAC:-build-release/app/cli/nac}
[ -x "$nac" ] || nac=build/app/cli/nac
model=$(realpath "${MODEL:-resources/demo/fashion_resnet18.pt}")
fm=/usr/share/datasets/fashion-mnist
arch=${ARCH:-demo}
fit_data=$(realpath "${FIT_DATA:-$fm/train-images-idx3-ubyte.gz}")
score_data=$(realpath "${SCORE_DATA:-$fm/t10k-images-idx3-ubyte.gz}")
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
py=/usr/bin/python3

layers=$("$py" - "$model" <<'PY'
import sys, torch
extra = {"nac.json": ""}
torch.jit.load(sys.argv[1], _extra_files=extra)
import json
meta = json.loads(extra["nac.json"])
print(" ".join(f"--layer {l['name']}:M={l['M']},O={l['O']},alpha={l['alpha']}" for l in meta["layers"]))
PY
)
echo "model $model; layers: $layers"
eager_batch=${EAGER_BATCH:-64}
echo "fit: first $fit_count images of $fit_data; score: first $score_count of $score_data; $threads threads; eager batch $eager_batch"

now() { date +%s.%N; }

# Variants of nac, each timed as whole fit + score processes: name|options.
variants=("defaults|"
          "--memory-format channels-last|--memory-format channels-last"
          "--batch $eager_batch (the eager batch)|--batch $eager_batch")
rounds=${ROUNDS:-3}

run_eager() {
    (cd /tmp && "$py" "$OLDPWD/tools/reference_nac.py" --arch "$arch" --model "$model" \
        --fit "$fit_data" --fit-count "$fit_count" \
        --score "$score_data" --score-count "$score_count" \
        $layers --batch "$eager_batch" --threads "$threads" --out "$out/eager.csv") > "$out/eager.log"
}
run_nac() {  # $1: variant index; the rest: options
    local v=$1; shift
    "$nac" fit --model "$model" --data "$fit_data@0-$((fit_count - 1))" --samples all \
        $layers --threads "$threads" "$@" "${extra[@]}" --quiet -o "$out/nac$v.nacprofile"
    "$nac" score --profile "$out/nac$v.nacprofile" --data "$score_data@0-$((score_count - 1))" \
        --threads "$threads" "$@" "${extra[@]}" --quiet -o "$out/nac$v.csv"
}

# Rounds interleave eager and every variant, so a slow spell of this shared machine hits all of
# them; the figures are the medians over rounds.
: > "$out/times.txt"
for ((r = 1; r <= rounds; r++)); do
    t0=$(now); run_eager; t1=$(now)
    echo "eager $(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" >> "$out/times.txt"
    for v in "${!variants[@]}"; do
        read -r -a opts <<< "${variants[$v]#*|}"
        t0=$(now); run_nac "$v" "${opts[@]}"; t1=$(now)
        echo "nac$v $(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" >> "$out/times.txt"
    done
done

grep -E "images/s" "$out/eager.log" | sed 's/^/eager (last round): /'
median() { grep "^$1 " "$out/times.txt" | cut -d' ' -f2 | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
all() { grep "^$1 " "$out/times.txt" | cut -d' ' -f2 | xargs printf "%.2f "; }
e=$(median eager)
echo "median of $rounds rounds (each round: eager, then every nac variant), whole processes:"
printf "  %-56s %6.2f s              [%s]\n" "eager PyTorch (tools/reference_nac.py)" "$e" "$(all eager)"
for v in "${!variants[@]}"; do
    m=$(median "nac$v")
    printf "  %-56s %6.2f s  %.2fx faster [%s]\n" "nac fit + nac score, ${variants[$v]%%|*}" "$m" "$(awk -v a="$e" -v b="$m" 'BEGIN {print a / b}')" "$(all "nac$v")"
done
for v in "${!variants[@]}"; do
    echo "scores, nac ${variants[$v]%%|*} vs eager:"
    "$py" tools/compare_scores.py "$out/eager.csv" "$out/nac$v.csv" || true
done
echo "outputs in $out"
