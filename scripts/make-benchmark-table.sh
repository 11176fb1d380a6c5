#!/usr/bin/env bash
# Regenerates docs/BENCHMARKS.md from scratch: every figure in it comes from the outputs of the
# commands below (nac fit / tune / eval --json / bench --json) and is rendered by
# tools/benchmark_table.py. Never edit docs/BENCHMARKS.md by hand; re-run this script.
#
#   bash scripts/make-benchmark-table.sh            # about 10-15 minutes on 2 CPU cores
#
# Needs: a built nac ($NAC, else build-release/app/cli/nac, else build/app/cli/nac), Debian's
# /usr/bin/python3 with numpy, the Fashion-MNIST IDX files (/usr/share/datasets/fashion-mnist or
# $NAC_BENCH_FMNIST) and the bundled OOD sets (resources/demo/ood/).
#
# Settings (environment; the defaults are what docs/BENCHMARKS.md is made with):
#   NAC                  the nac binary
#   NAC_BENCH_MODEL      model (resources/demo/fashion_resnet18.pt)
#   NAC_BENCH_TRAIN_LOG  training log shown next to the accuracy (training_log.txt beside the model)
#   NAC_BENCH_GRID       the tuning grid, as nac tune --grid arguments separated by spaces
#                        (default: the 256-combination grid over avgpool/layer3/layer2/layer1 below)
#   NAC_BENCH_WORK       folder for profiles, logs and JSON outputs (build/benchmark; emptied first)
#   NAC_BENCH_OUT        the Markdown file written (docs/BENCHMARKS.md)
#   NAC_BENCH_THREADS    passed as --threads to every nac command (default: nac's own, all cores)
#   NAC_BENCH_QUICK=1    development only: every data set cut to 500 images (the table says so)
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
PY=/usr/bin/python3
if [ -z "${NAC:-}" ]; then
    for c in build-release/app/cli/nac build/app/cli/nac; do
        if [ -x "$c" ]; then NAC=$c; break; fi
    done
fi
if [ -z "${NAC:-}" ] || [ ! -x "$NAC" ]; then
    echo "make-benchmark-table: no nac binary; build it (cmake --preset release && cmake --build --preset release) or set NAC" >&2
    exit 2
fi
MODEL=${NAC_BENCH_MODEL:-resources/demo/fashion_resnet18.pt}
TRAIN_LOG=${NAC_BENCH_TRAIN_LOG:-$(dirname "$MODEL")/training_log.txt}
FMNIST=${NAC_BENCH_FMNIST:-/usr/share/datasets/fashion-mnist}
OOD=resources/demo/ood
WORK=${NAC_BENCH_WORK:-build/benchmark}
OUT=${NAC_BENCH_OUT:-docs/BENCHMARKS.md}
QUICK=${NAC_BENCH_QUICK:-0}
# Default grid: 8 x 4 x 4 x 2 = 256 combinations. Each layer's lists hold the reference default
# value (SPEC §2's CIFAR-10 parameters), so the tuned result is at least the default on the validation sets; the other
# alpha is about 1 / (spread of the layer's raw products z*g), which are sum-pooled and so grow
# with the map size of the earlier layers (see the Fit section of the generated file).
GRID=${NAC_BENCH_GRID:-"avgpool:O=10/50,M=50/500,alpha=10/100 \
layer3:O=10/100,M=500,alpha=0.1/1000 \
layer2:O=5/50,M=50,alpha=0.001/0.05 \
layer1:O=100,M=500,alpha=0.001/0.01"}

for f in "$MODEL" "$FMNIST/train-images-idx3-ubyte.gz" "$FMNIST/t10k-images-idx3-ubyte.gz" \
         "$OOD/mnist-images-idx3-ubyte.gz" "$OOD/textures-val-images-idx3-ubyte.gz" \
         "$OOD/textures-test-images-idx3-ubyte.gz"; do
    [ -e "$f" ] || { echo "make-benchmark-table: $f is missing" >&2; exit 2; }
done

# Data sets. Fit: training images 0..54999 (those the model was trained on) with 1000 more of them
# held out for the sanity check; tuning InD validation: training images 55000..57499 (never seen
# by the model); tuning OOD validation: textures-val only (photos disjoint from textures-test).
range() { if [ "$QUICK" = 1 ]; then echo "@$1-$(( $1 + 499 < $2 ? $1 + 499 : $2 ))"; else echo "@$1-$2"; fi; }
all() { if [ "$QUICK" = 1 ]; then echo "@0-499"; fi; }
noise_n=2000; [ "$QUICK" = 1 ] && noise_n=500
TRAIN="$FMNIST/train-images-idx3-ubyte.gz"
TEST="$FMNIST/t10k-images-idx3-ubyte.gz"
FIT_DATA="$TRAIN$(range 0 54999)"
[ "$QUICK" = 1 ] && FIT_DATA="$TRAIN@0-54999"
ID_VAL="$TRAIN$(range 55000 57499)"
OOD_VAL="$OOD/textures-val-images-idx3-ubyte.gz$(all)"
ID_TEST="$TEST$(all)"
OOD_TEST=(--ood "mnist=$OOD/mnist-images-idx3-ubyte.gz$(all)"
          --ood "textures-test=$OOD/textures-test-images-idx3-ubyte.gz$(all)"
          --ood "gaussian=noise:gaussian:$noise_n:seed=3"
          --ood "uniform=noise:uniform:$noise_n:seed=4"
          --ood "invert=invert:$TEST$(all)"
          --ood "rot90=rot90:$TEST$(all)")
COMMON=(--quiet)
[ -n "${NAC_BENCH_THREADS:-}" ] && COMMON+=(--threads "$NAC_BENCH_THREADS")

rm -rf "$WORK"
mkdir -p "$WORK" "$(dirname "$OUT")"
: > "$WORK/steps.tsv"
cat /proc/loadavg > "$WORK/loadavg-start.txt"

# run NAME CMD...: runs a command, keeps its output in $WORK/NAME.log, and records its wall time
# and exact command line (shell-quoted) in $WORK/steps.tsv.
quote() {
    if [[ $1 =~ ^[A-Za-z0-9_./:=@,+%-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
run() {
    local name=$1; shift
    local t0 t1 ms line a
    line=""
    for a in "$@"; do line+=$(quote "$a"); line+=" "; done
    printf '%-14s %s\n' "$name" "${line:0:120} ..." >&2
    t0=$(date +%s%N)
    if ! "$@" > "$WORK/$name.log" 2>&1; then
        echo "make-benchmark-table: '$name' failed; its output:" >&2
        tail -20 "$WORK/$name.log" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    printf '%s\t%d.%03d\t%s\n' "$name" $((ms / 1000)) $((ms % 1000)) "${line% }" >> "$WORK/steps.tsv"
    printf '%-14s done in %d.%03d s\n' "$name" $((ms / 1000)) $((ms % 1000)) >&2
}

# The starting ("default") parameters are the reference's CIFAR-10 defaults (SPEC §2), not the
# model's nac.json: the committed demo model already carries the tuned values.
REFERENCE_LAYERS=(--layer avgpool:M=50,O=50,alpha=100 --layer layer3:M=500,O=100,alpha=1000
                  --layer layer2:M=50,O=5,alpha=0.001 --layer layer1:M=500,O=100,alpha=0.001)
[ -n "${NAC_BENCH_MODEL:-}" ] && REFERENCE_LAYERS=()
run fit "$NAC" fit --model "$MODEL" --data "$FIT_DATA" --samples 1000 --seed 1 --holdout 1000 \
    "${REFERENCE_LAYERS[@]}" "${COMMON[@]}" -o "$WORK/default.nacprofile"
run eval-default "$NAC" eval --profile "$WORK/default.nacprofile" --id "$ID_TEST" "${OOD_TEST[@]}" \
    "${COMMON[@]}" --json "$WORK/eval-default.json"
grid_args=()
for g in $GRID; do grid_args+=(--grid "$g"); done
run tune "$NAC" tune --profile "$WORK/default.nacprofile" --id-val "$ID_VAL" --ood-val "$OOD_VAL" \
    "${grid_args[@]}" "${COMMON[@]}" -o "$WORK/tuned.nacprofile" \
    --write-model "$WORK/$(basename "${MODEL%.pt}").tuned.pt" --json "$WORK/tune.json"
run eval-tuned "$NAC" eval --profile "$WORK/tuned.nacprofile" --id "$ID_TEST" "${OOD_TEST[@]}" \
    "${COMMON[@]}" --json "$WORK/eval-tuned.json"
# Layer ablation with the tuned parameters: the first layer of the profile, then one more at a
# time; the last step (all layers) is eval-tuned itself.
mapfile -t prefixes < <("$PY" tools/benchmark_table.py layer-prefixes "$WORK/tuned.nacprofile")
for ((i = 0; i + 1 < ${#prefixes[@]}; i++)); do
    run "ablation-$((i + 1))" "$NAC" eval --profile "$WORK/tuned.nacprofile" --layers "${prefixes[$i]}" \
        --id "$ID_TEST" "${OOD_TEST[@]}" "${COMMON[@]}" --json "$WORK/ablation-$((i + 1)).json"
done
bench_args=()
[ "$QUICK" = 1 ] && bench_args=(--samples 256 --rounds 1)
run bench "$NAC" bench --model "$MODEL" "${bench_args[@]}" "${COMMON[@]}" --json "$WORK/bench.json"

"$PY" tools/benchmark_table.py render --work "$WORK" --model "$MODEL" --train-log "$TRAIN_LOG" \
    --grid "$GRID" --quick "$QUICK" --started "$started" --out "$OUT"
echo "wrote $OUT ($(( $(date +%s) - started )) s)" >&2
