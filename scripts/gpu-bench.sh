#!/usr/bin/env bash
# For a machine with an NVIDIA GPU and PyTorch but no Qt or OpenCV (the `device` machine):
# builds the engine, `nac` and `nac bench` against PyTorch's own LibTorch and CMake config, then
# prints fit throughput on the GPU next to the CPU, on the demo model.
# Usage: scripts/gpu-bench.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-python3}
prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
"$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B build-gpu "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DNAC_BUILD_GUI=OFF -DNAC_BUILD_TESTS=OFF \
  -DNAC_WITH_OPENCV=OFF -DCMAKE_PREFIX_PATH="$prefix"
cmake --build build-gpu --target nac -j"$(nproc)"
nac=build-gpu/app/cli/nac
model=resources/demo/fashion_resnet18.pt
data=noise:uniform:8192
for batch in 64 256; do
  echo "== cuda, batch $batch"
  "$nac" bench --model "$model" --device cuda --data "$data" --samples 8192 --batch "$batch" --rounds 3
done
echo "== cpu, batch 64 (same machine, for comparison)"
"$nac" bench --model "$model" --device cpu --data noise:uniform:1024 --samples 1024 --batch 64 --rounds 2
