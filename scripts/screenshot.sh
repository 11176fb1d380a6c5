#!/usr/bin/env bash
# Takes docs/screenshot.png: nac-studio under Xvfb with the demo model, its Fashion-MNIST training
# images and a few dropped sample images, with the bundled OOD sets evaluated in the Evaluation
# dock, saved once the fit, the scoring and the evaluation are done. Builds
# nothing: it uses the newest build*/app/gui/nac-studio (or $NAC_STUDIO).
#   scripts/screenshot.sh [OUTPUT.png] [extra nac-studio options...]
# SCREEN=WxH sets the virtual screen (default 1600x1000), e.g. SCREEN=1024x700, or
# SCREEN=3840x2160 QT_SCALE_FACTOR=2 for a HiDPI 4K screen.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshot.png}
shift || true

studio=${NAC_STUDIO:-}
if [ -z "$studio" ]; then
  studio=$(ls -t build*/app/gui/nac-studio 2>/dev/null | head -n 1 || true)
fi
if [ -z "$studio" ] || [ ! -x "$studio" ]; then
  echo "screenshot.sh: no nac-studio executable found; build it first (cmake --build <dir> --target nac-studio)" >&2
  exit 1
fi
if [ ! -f resources/demo/fashion_resnet18.pt ] && [ -z "${NAC_DEMO_DIR:-}" ]; then
  echo "screenshot.sh: resources/demo/fashion_resnet18.pt is missing (tools/train_demo_model.py makes it)" >&2
  exit 1
fi

# Images to drop: Fashion-MNIST test images (InD) beside MNIST digits, textures and noise (OOD),
# plus the deliberately bad ones, so the list shows verdicts and the message bar shows notices.
samples=resources/samples
score=()
for f in fmnist-test-00000-ankle-boot fmnist-test-00002-trouser fmnist-test-00013-dress fmnist-test-00018-bag \
         mnist-0000-digit9 mnist-0002-digit2 texture-test-0000 noise-uniform; do
  [ -f "$samples/$f.png" ] && score+=("$samples/$f.png")
done
[ -f "$samples/bad/colour-64x64.png" ] && score+=("$samples/bad/colour-64x64.png")
[ -f "$samples/bad/not-an-image.png" ] && score+=("$samples/bad/not-an-image.png")

# A fresh settings folder: the grab shows the default layout, not the last user's.
config=$(mktemp -d)
trap 'rm -rf "$config"' EXIT
mkdir -p "$(dirname "$out")"
score_args=()
if [ ${#score[@]} -gt 0 ]; then
  score_args=(--score "${score[@]}")
fi
XDG_CONFIG_HOME="$config" QT_QPA_PLATFORM=xcb \
  xvfb-run -a -s "-screen 0 ${SCREEN:-1600x1000}x24" "$studio" --evaluate bundled --screenshot "$out" "$@" "${score_args[@]}"
echo "wrote $out"
