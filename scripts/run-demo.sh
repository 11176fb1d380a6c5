#!/usr/bin/env bash
# Installs the packages, builds (release), and runs NAC on the embedded demo: the Fashion-MNIST
# ResNet-18 is fitted on 1000 training images, then InD test images are compared with OOD sets.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_root bash packaging/setup.sh
cmake --preset release
cmake --build --preset release
nac=build-release/app/cli/nac
demo=resources/demo
fmnist=/usr/share/datasets/fashion-mnist
out=${NAC_DEMO_OUT:-build-release/demo}
mkdir -p "$out"
"$nac" layers --model "$demo/fashion_resnet18.pt"
"$nac" fit --model "$demo/fashion_resnet18.pt" --data "$fmnist/train-images-idx3-ubyte.gz" \
  --samples 1000 --holdout 1000 -o "$out/demo.nacprofile"
"$nac" eval --profile "$out/demo.nacprofile" --id "$fmnist/t10k-images-idx3-ubyte.gz" \
  --ood mnist="$demo/ood/mnist-t10k-images-idx3-ubyte.gz" \
  --ood gaussian=noise:gaussian:2000:seed=3 --ood uniform=noise:uniform:2000:seed=4 \
  --json "$out/eval.json"
