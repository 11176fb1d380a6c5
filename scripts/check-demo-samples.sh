#!/usr/bin/env bash
# Fits the demo as NAC Studio does on start (the model's nac.json parameters, 1000 fit images,
# 1000 held-out images from the never-trained range) and prints each sample image's NAC-UE score
# against the 95%-InD threshold, with its verdict; the table in resources/samples/README.md comes
# from this. Also prints the share of the bundled MNIST set that is flagged.
# Usage: scripts/check-demo-samples.sh [NAC]   (default build-ci/app/cli/nac)
# PROFILE: score with this profile instead of fitting one (e.g. a `nac tune -o` result).
set -euo pipefail
cd "$(dirname "$0")/.."
nac=${1:-build-ci/app/cli/nac}
train=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
test=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
for f in "$nac" "$train" "$test"; do
    [[ -e $f ]] || { echo "error: $f is not there (build nac; install dataset-fashion-mnist)" >&2; exit 3; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
profile=${PROFILE:-}
if [[ -z $profile ]]; then
    profile=$work/fit.nacprofile
    "$nac" fit --model resources/demo/fashion_resnet18.pt --data "$train" --samples 1000 --holdout 1000 --quiet -o "$profile"
fi
# threshold_95 of the JSON report is computed from the profile's held-out images only; the InD
# and OOD sets given here do not change it.
"$nac" eval --profile "$profile" --id "$test@0-999" --ood n=noise:uniform:100:seed=9 --quiet --json "$work/eval.json" > /dev/null
"$nac" score --profile "$profile" --data resources/samples --quiet -o "$work/samples.csv" 2> /dev/null
"$nac" score --profile "$profile" --data resources/demo/ood/mnist-images-idx3-ubyte.gz --quiet -o "$work/mnist.csv"
/usr/bin/python3 - "$work" <<'PY'
import csv, json, os, sys
work = sys.argv[1]
threshold = json.load(open(os.path.join(work, "eval.json")))["threshold_95"]
print(f"95%-InD threshold (held-out images): {threshold:.4f}")
for row in csv.DictReader(open(os.path.join(work, "samples.csv"))):
    score = float(row["score"])
    print(f"{os.path.relpath(row['source'], 'resources/samples'):45s} {score:.4f}  {'OOD' if score < threshold else 'InD'}")
mnist = [float(r["score"]) for r in csv.DictReader(open(os.path.join(work, "mnist.csv")))]
print(f"bundled MNIST set: {100 * sum(s < threshold for s in mnist) / len(mnist):.1f}% of {len(mnist)} flagged")
PY
