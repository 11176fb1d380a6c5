#!/usr/bin/env bash
# For a machine with an NVIDIA GPU and PyTorch but no Qt or OpenCV (the `device` machine): builds
# the engine and `nac` (with `nac bench`) against that PyTorch's LibTorch, prints fit throughput
# on the GPU next to the CPU on the demo model, and checks that CUDA and CPU give the same scores.
#
#   bash scripts/gpu-prepare.sh        # here, first: copies Debian's nlohmann and CLI11 headers to build-deps/
#   bash scripts/gpu-bench.sh [PYTHON] # there, with build-deps carried along
#
# LibTorch is taken through Torch's CMake config when nvcc is there (that config insists on the
# CUDA toolkit for a CUDA build), else straight from the torch package folder
# (-DNAC_TORCH_FROM_WHEEL, see CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-python3}
jobs=$(nproc)

read -r torch_dir prefix abi < <("$python" -c 'import os, torch
print(os.path.dirname(torch.__file__), torch.utils.cmake_prefix_path, int(torch._C._GLIBCXX_USE_CXX11_ABI))')
"$python" -c 'import torch; print("torch", torch.__version__, "| CUDA", torch.version.cuda, "| available",
torch.cuda.is_available(), "| devices", [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())])'
echo "torch folder $torch_dir; C++11 ABI $abi; cmake $(cmake --version | head -n 1); $(c++ --version | head -n 1)"

common=(-DCMAKE_BUILD_TYPE=Release -DNAC_BUILD_GUI=OFF -DNAC_BUILD_TESTS=OFF -DNAC_WITH_OPENCV=OFF)
if [ -f build-deps/include/nlohmann/json.hpp ]; then
  common+=(-DNAC_NLOHMANN_INCLUDE_DIR="$PWD/build-deps/include")
fi
if [ -f build-deps/include/CLI/CLI.hpp ]; then
  common+=(-DNAC_CLI11_INCLUDE_DIR="$PWD/build-deps/include")
fi
if command -v ninja >/dev/null; then
  common+=(-G Ninja)
fi

nvcc=$(command -v nvcc || true)
for candidate in "${CUDA_HOME:-}/bin/nvcc" /usr/local/cuda/bin/nvcc; do
  if [ -z "$nvcc" ] && [ -x "$candidate" ]; then nvcc=$candidate; fi
done
rm -rf build-gpu
configured=no
if [ -n "$nvcc" ]; then
  echo "== configure through Torch's CMake config (nvcc: $nvcc)"
  if cmake -S . -B build-gpu "${common[@]}" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CUDA_COMPILER="$nvcc"; then
    configured=yes
  else
    echo "Torch's CMake config failed; linking the torch package folder directly instead"
    rm -rf build-gpu
  fi
else
  echo "== no nvcc: linking the torch package folder directly"
fi
if [ "$configured" = no ]; then
  cmake -S . -B build-gpu "${common[@]}" -DNAC_TORCH_FROM_WHEEL="$torch_dir" -DNAC_TORCH_CXX11_ABI="$abi"
fi
time cmake --build build-gpu --target nac -j"$jobs"

nac=build-gpu/app/cli/nac
model=resources/demo/fashion_resnet18.pt
out=build-gpu/check
mkdir -p "$out"
"$nac" layers --model "$model" --device cuda > "$out/layers.txt"
head -n 5 "$out/layers.txt"

for batch in 64 256 auto; do
  echo "== nac bench, cuda, batch $batch"
  "$nac" bench --model "$model" --device cuda --data noise:uniform:8192 --samples 8192 --batch "$batch" --rounds 3
done
echo "== nac bench, cpu ($jobs threads), batch 64, same machine"
"$nac" bench --model "$model" --device cpu --data noise:uniform:2048 --samples 2048 --batch 64 --rounds 2

echo "== the same fit and scores on cuda and cpu"
fit=resources/demo/ood/textures-val-images-idx3-ubyte.gz@0-999
score=resources/demo/ood/mnist-images-idx3-ubyte.gz@0-1999
timed() {  # LABEL COMMAND...: runs it and prints its wall time
  local label=$1 t0 t1
  shift
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  awk -v l="$label" -v a="$t0" -v b="$t1" 'BEGIN {printf "%s: %.2f s\n", l, b - a}'
}
for device in cuda cpu; do
  timed "$device fit (whole process)" "$nac" fit --model "$model" --device "$device" --data "$fit" --samples all \
    --quiet -o "$out/$device.nacprofile"
  timed "$device score (whole process)" "$nac" score --profile "$out/$device.nacprofile" --device "$device" \
    --data "$score" --quiet -o "$out/$device.csv"
done
"$python" - "$out/cuda.csv" "$out/cpu.csv" <<'PY'
import csv, sys
a, b = ([row for row in csv.DictReader(open(p))] for p in sys.argv[1:3])
assert len(a) == len(b) and a, "row counts differ"
for column in [c for c in a[0] if c == "score" or c.startswith("score_") or c in ("msp", "energy")]:
    d = [abs(float(x[column]) - float(y[column])) for x, y in zip(a, b)]
    print(f"{column:16s} mean|cuda-cpu| {sum(d) / len(d):.3e}  max {max(d):.3e}")
d = [abs(float(x["score"]) - float(y["score"])) for x, y in zip(a, b)]
print(f"{len(a)} images: NAC-UE mean |cuda - cpu| {sum(d) / len(d):.3e}:", "PASS" if sum(d) / len(d) < 1e-5 else "FAIL")
PY
