#!/usr/bin/env bash
# Installs the packages, builds (release), and runs NAC on the embedded demo. With a display it
# opens NAC Studio, which loads the Fashion-MNIST ResNet-18 and starts fitting at once; without
# one it runs the same demo with the `nac` command line (fit on 1000 training images, then InD
# test images against the bundled OOD sets) and saves a screenshot of the app made under Xvfb.
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
studio=build-release/app/gui/nac-studio
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$studio" ] && [ "${NAC_DEMO_CLI:-0}" != 1 ]; then
  exec "$studio" "$@"
fi
"$nac" layers --model "$demo/fashion_resnet18.pt"
# Fit on 1000 class-balanced images the model was trained on (0-54999); hold out 1000 of the
# 5000 training images the model never saw (55000-59999) for the threshold and sanity check.
"$nac" fit --model "$demo/fashion_resnet18.pt" --data "$fmnist/train-images-idx3-ubyte.gz@0-54999" \
  --samples 1000 --holdout 1000 --holdout-data "$fmnist/train-images-idx3-ubyte.gz@55000-59999" \
  -o "$out/demo.nacprofile"
"$nac" eval --profile "$out/demo.nacprofile" --id "$fmnist/t10k-images-idx3-ubyte.gz" \
  --ood mnist="$demo/ood/mnist-images-idx3-ubyte.gz" \
  --ood textures="$demo/ood/textures-test-images-idx3-ubyte.gz" \
  --ood gaussian=noise:gaussian:2000:seed=3 --ood uniform=noise:uniform:2000:seed=4 \
  --ood inverted="invert:$fmnist/t10k-images-idx3-ubyte.gz@0-1999" \
  --ood rot90="rot90:$fmnist/t10k-images-idx3-ubyte.gz@0-1999" \
  --json "$out/eval.json"
if [ -x "$studio" ] && command -v xvfb-run >/dev/null; then
  NAC_STUDIO="$studio" bash scripts/screenshot.sh "$out/screenshot.png" >/dev/null 2>&1 \
    && echo "NAC Studio with the demo (made under Xvfb): $out/screenshot.png"
fi
