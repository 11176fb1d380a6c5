#!/usr/bin/env bash
# Times `nac fit` + `nac score` against the independent eager PyTorch implementation
# (tools/reference_nac.py: forward hooks + one autograd.grad) on the same model, data, batch and
# threads, as whole processes, and checks that both give the same per-sample scores.
# Usage: scripts/compare-with-eager.sh [FIT_COUNT] [SCORE_COUNT]   (defaults 1000 and 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
fit_count=${1:-1000}
score_count=${2:-5000}
threads=${THREADS:-2}
nac=${NAC:-build-release/app/cli/nac}
[ -x "$nac" ] || nac=build/app/cli/nac
model=$(realpath "${MODEL:-resources/demo/fashion_resnet18.pt}")
fm=/usr/share/datasets/fashion-mnist
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
echo "fit: first $fit_count training images; score: first $score_count test images; $threads threads, batch 64"

now() { date +%s.%N; }

t0=$(now)
(cd /tmp && "$py" "$OLDPWD/tools/reference_nac.py" --arch demo --model "$model" \
    --fit "$fm/train-images-idx3-ubyte.gz" --fit-count "$fit_count" \
    --score "$fm/t10k-images-idx3-ubyte.gz" --score-count "$score_count" \
    $layers --batch 64 --threads "$threads" --out "$out/eager.csv") > "$out/eager.log"
t1=$(now)
"$nac" fit --model "$model" --data "$fm/train-images-idx3-ubyte.gz@0-$((fit_count - 1))" --samples all \
    $layers --batch 64 --threads "$threads" --quiet -o "$out/cpp.nacprofile"
"$nac" score --profile "$out/cpp.nacprofile" --data "$fm/t10k-images-idx3-ubyte.gz@0-$((score_count - 1))" \
    --batch 64 --threads "$threads" --quiet -o "$out/cpp.csv"
t2=$(now)
"$nac" fit --model "$model" --data "$fm/train-images-idx3-ubyte.gz@0-$((fit_count - 1))" --samples all \
    $layers --batch 64 --threads "$threads" --workers 1 --quiet -o "$out/plain.nacprofile"
"$nac" score --profile "$out/plain.nacprofile" --data "$fm/t10k-images-idx3-ubyte.gz@0-$((score_count - 1))" \
    --batch 64 --threads "$threads" --workers 1 --quiet -o "$out/plain.csv"
t3=$(now)

grep -E "images/s" "$out/eager.log" | sed 's/^/eager: /'
awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" 'BEGIN {
    e = t1 - t0; c = t2 - t1; p = t3 - t2
    printf "eager PyTorch (reference_nac.py), whole process:        %7.2f s\n", e
    printf "nac fit + nac score (defaults: 2 workers x 1 thread):   %7.2f s   %.2fx faster\n", c, e / c
    printf "nac fit + nac score (--workers 1: 1 batch x 2 threads): %7.2f s   %.2fx faster\n", p, e / p
}'
echo "scores, defaults vs eager:"
"$py" tools/compare_scores.py "$out/eager.csv" "$out/cpp.csv" || true
echo "scores, --workers 1 vs eager:"
"$py" tools/compare_scores.py "$out/eager.csv" "$out/plain.csv" || true
echo "outputs in $out"
