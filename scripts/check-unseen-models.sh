#!/usr/bin/env bash
# nac's DEFAULT settings against the independent eager PyTorch implementation
# (tools/reference_nac.py) on three models no test and not the model zoo use
# (tools/make_unseen_models.py): resnet34 traced with embedded nac.json, mobilenet_v3_large
# scripted with a sidecar <model>.nac.json, regnet_x_400mf wrapped (layer names net.*) scripted
# with no metadata (fit gets --input/--mean/--std and --layer; score gets none of them: the
# profile carries the preprocessing).
# Per model: nac fit (defaults, --samples all) on the first 1000 rgb32 Fashion-MNIST training
# images; nac score on 2000 test images (InD) and 2000 each of MNIST and textures (OOD, made
# 3x32x32 the same way); the eager reference with the same layers and images. Then a table
# (tools/unseen_table.py): mean/max |score difference|, images differing by > 1e-6, AUROC from
# both and the difference, PASS/FAIL per model (mean < 1e-5, |dAUROC| < 0.1 points). Last, nac
# again with the opt-in --memory-format channels-last (its mean difference is shown, not judged).
# Usage: scripts/check-unseen-models.sh [OUT_DIR]       (default: a new temporary folder)
# Env: NAC (binary, default /tmp/nac-snapshot/nac), THREADS (2), NAC_OPTIONS (extra options for
# every nac call), MODELS (subset, space separated), CHANNELS_LAST=0 to skip that run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=$(realpath -m "${1:-$(mktemp -d)}")
mkdir -p "$out"
nac=${NAC:-/tmp/nac-snapshot/nac}
threads=${THREADS:-2}
read -r -a extra <<< "${NAC_OPTIONS:-}"
py=/usr/bin/python3
mean=0.4914,0.4822,0.4465
std=0.2470,0.2435,0.2616
start=$(date +%s)
log() { echo "[$(($(date +%s) - start))s] $*"; }

# ---- data and models (each step skipped when its files exist)
data=$out/data
if [ ! -f "$data/train-images-idx4-ubyte" ] || [ ! -f "$data/t10k-images-idx4-ubyte" ]; then
    "$py" tools/make_rgb32_idx.py --out "$data" --train 1000 --test 2000
fi
if [ ! -f "$data/mnist-rgb32-idx4-ubyte" ] || [ ! -f "$data/textures-rgb32-idx4-ubyte" ]; then
    "$py" tools/make_rgb32_idx.py --out "$data" --count 2000 \
        --convert resources/demo/ood/mnist-images-idx3-ubyte.gz=mnist-rgb32-idx4-ubyte \
        --convert resources/demo/ood/textures-test-images-idx3-ubyte.gz=textures-rgb32-idx4-ubyte
fi
"$py" tools/make_unseen_models.py --out "$out/models"

fit_data=$data/train-images-idx4-ubyte@0-999
declare -A set_file=([test]=$data/t10k-images-idx4-ubyte [mnist]=$data/mnist-rgb32-idx4-ubyte
                     [textures]=$data/textures-rgb32-idx4-ubyte)
sets=(test mnist textures)

# name|file|eager --arch|what nac fit and the reference get besides the defaults
declare -A spec=(
    [resnet34]="resnet34_traced.pt|torchvision:resnet34|"
    [mobilenet_v3_large]="mobilenet_v3_large_scripted.pt|torchvision:mobilenet_v3_large|"
    [regnet_x_400mf_wrapped]="regnet_x_400mf_wrapped_scripted.pt|torchvision:regnet_x_400mf:wrapped|nometa"
)
read -r -a models <<< "${MODELS:-regnet_x_400mf_wrapped mobilenet_v3_large resnet34}"

fit_opts() {  # $1: model name -> options nac fit and the reference need beyond the model's metadata
    IFS='|' read -r file _arch kind <<< "${spec[$1]}"
    if [ "$kind" = nometa ]; then
        echo "--input 3x32x32 --mean $mean --std $std $("$py" tools/make_unseen_models.py --out "$out/models" --print-layers "$file")"
    fi
}

run_nac() {  # $1: model name, $2: CSV prefix (nac or nac-cl), the rest: extra options
    local m=$1 prefix=$2; shift 2
    IFS='|' read -r file _arch _kind <<< "${spec[$m]}"
    local -a fo; read -r -a fo <<< "$(fit_opts "$m")"
    "$nac" fit --model "$out/models/$file" --data "$fit_data" --samples all "${fo[@]}" \
        --threads "$threads" "$@" "${extra[@]}" --quiet -o "$out/$m/$prefix.nacprofile"
    for s in "${sets[@]}"; do   # no --input/--mean/--std/--layer: the profile carries them
        "$nac" score --profile "$out/$m/$prefix.nacprofile" --data "${set_file[$s]}@0-1999" \
            --threads "$threads" "$@" "${extra[@]}" --quiet -o "$out/$m/$prefix-$s.csv"
    done
}

run_eager() {  # $1: model name
    local m=$1
    IFS='|' read -r file arch _kind <<< "${spec[$m]}"
    local -a fo; read -r -a fo <<< "$(fit_opts "$m")"
    local -a so=()
    for s in "${sets[@]}"; do so+=(--score "${set_file[$s]}" --out "$out/$m/eager-$s.csv"); done
    "$py" tools/reference_nac.py --arch "$arch" --model "$out/models/$file" \
        --fit "$data/train-images-idx4-ubyte" --fit-count 1000 --score-count 2000 "${so[@]}" \
        "${fo[@]}" --threads "$threads" --dump-products "$out/$m/eager-products.npz" > "$out/$m/eager.log"
}

log "nac $nac; $threads threads; NAC_OPTIONS '${NAC_OPTIONS:-}'; outputs in $out"
for m in "${models[@]}"; do
    mkdir -p "$out/$m"
    t0=$(date +%s); run_nac "$m" nac; t1=$(date +%s)
    log "$m: nac fit + 3 scores (defaults) in $((t1 - t0))s"
    t0=$(date +%s); run_eager "$m"; t1=$(date +%s)
    log "$m: eager reference in $((t1 - t0))s ($(grep -m1 '^layers:' "$out/$m/eager.log"))"
done
"$py" tools/unseen_table.py --dir "$out" "${models[@]/#/--model=}" > "$out/table-defaults.txt" || true
cat "$out/table-defaults.txt"
if [ "${CHANNELS_LAST:-1}" != 0 ]; then
    for m in "${models[@]}"; do
        t0=$(date +%s); run_nac "$m" nac-cl --memory-format channels-last; t1=$(date +%s)
        log "$m: nac fit + 3 scores (--memory-format channels-last) in $((t1 - t0))s"
    done
fi
log "done"
status=0
"$py" tools/unseen_table.py --dir "$out" "${models[@]/#/--model=}" | tee "$out/table.txt" || status=$?
exit $status
