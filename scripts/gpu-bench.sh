#!/usr/bin/env bash
# One prepared run for a machine with an NVIDIA GPU and PyTorch but no Qt or OpenCV (the `device`
# machine): builds the engine-only `nac` against that PyTorch's LibTorch, then prints, each part
# time-boxed so that the whole run stays under a budget (default 470 s, under 8 minutes):
#   1. NAC fit throughput on CUDA next to the plain forward + gradient on CUDA (NAC's overhead),
#   2. the eager PyTorch reference (tools/reference_nac.py) on the same GPU and the same images,
#   3. CUDA-vs-CPU score agreement (mean and max |difference| of every score column),
#   4. the largest batch that fits on the GPU,
#   5. the same fit on this machine's CPU, for scale,
# and a summary of the labelled figures. A part that would start with too little time left is
# skipped with a message; one that runs over its share is stopped with a message.
#
#   bash scripts/gpu-prepare.sh                  # here, first: copies Debian's nlohmann and CLI11 headers to build-deps/
#   bash scripts/gpu-bench.sh [options]          # there, with build-deps carried along
#
# options:
#   --python PY      Python with torch (default python3)
#   --budget S       seconds for the whole run, build included (default 470)
#   --nac PATH       use this nac instead of building one (any build of this tree)
#   --build-dir DIR  where to build (default build-gpu)
#   --jobs N         build jobs (default: all cores)
#   --build-seconds S  most seconds the build may take out of the budget (default 300)
#   --cpu-dry-run    no GPU: the same parts on the CPU with tiny sizes ("cuda" becomes cpu, so the
#                    agreement part compares cpu with cpu and checks the code path, not CUDA)
#
# LibTorch is taken through Torch's CMake config when nvcc is there (that config insists on the
# CUDA toolkit for a CUDA build), else straight from the torch package folder
# (-DNAC_TORCH_FROM_WHEEL, see CMakeLists.txt).
set -uo pipefail
cd "$(dirname "$0")/.."

python=python3
budget=470
nac=
build_dir=build-gpu
jobs=$(nproc)
build_seconds=300
dry_run=no
while [ $# -gt 0 ]; do
  case $1 in
    --python) python=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --nac) nac=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build-seconds) build_seconds=$2; shift 2 ;;
    --cpu-dry-run) dry_run=yes; shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "gpu-bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case $budget in ''|*[!0-9]*) echo "gpu-bench: --budget '$budget' must be a whole number of seconds" >&2; exit 2 ;; esac
case $jobs in ''|*[!0-9]*|0) echo "gpu-bench: --jobs '$jobs' must be a positive whole number" >&2; exit 2 ;; esac
case $build_seconds in ''|*[!0-9]*) echo "gpu-bench: --build-seconds '$build_seconds' must be a whole number" >&2; exit 2 ;; esac

started=$(date +%s)
remaining() { echo $((budget - ($(date +%s) - started))); }
skipped=()

# part NAME MIN MAX COMMAND...: runs COMMAND under `timeout` for at most MAX seconds (less when the
# budget has less left, keeping 10 s for the summary); skips it when fewer than MIN seconds are left.
# Output goes to the terminal and to $out/NAME.log. Returns the command's status (124: timed out).
part() {
  local name=$1 min=$2 max=$3 left limit rc
  shift 3
  left=$(($(remaining) - 10))
  if [ "$left" -lt "$min" ]; then
    echo "== $name: SKIPPED (${left} s of the ${budget} s budget left, it needs at least ${min} s)"
    skipped+=("$name (no time left)")
    return 125
  fi
  limit=$((left < max ? left : max))
  echo "== $name (at most ${limit} s; $(($(date +%s) - started)) s into the run)"
  timeout --kill-after=5 "$limit" "$@" 2>&1 | tee "$out/$name.log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "== $name: STOPPED after ${limit} s (its share of the budget); what it printed is above"
    skipped+=("$name (stopped at ${limit} s)")
  elif [ "$rc" -ne 0 ]; then
    echo "== $name: FAILED (exit status $rc)"
    skipped+=("$name (failed, status $rc)")
  fi
  return "$rc"
}

out=$build_dir/check
if ! read -r torch_dir prefix abi < <("$python" -c 'import os, torch
print(os.path.dirname(torch.__file__), torch.utils.cmake_prefix_path, int(torch._C._GLIBCXX_USE_CXX11_ABI))'); then
  echo "gpu-bench: $python cannot import torch; give a Python with PyTorch (--python)" >&2
  exit 1
fi
"$python" -c 'import torch; print("torch", torch.__version__, "| CUDA", torch.version.cuda, "| available",
torch.cuda.is_available(), "| devices", [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())])'
echo "torch folder $torch_dir; C++11 ABI $abi; cmake $(cmake --version | head -n 1); $(c++ --version | head -n 1)"

if [ "$dry_run" = yes ]; then
  device=cpu
  echo "CPU DRY RUN: every part runs on the CPU with tiny sizes; no figure below is a GPU figure"
  fit_count=128; score_count=64; batch=32; rounds=2; bench_samples=256; max_batch_start=16; max_batch_cap=128
  cpu_samples=128; cpu_batch=32
else
  device=cuda
  if ! "$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "gpu-bench: PyTorch sees no CUDA device here; run with --cpu-dry-run to check the script on a CPU" >&2
    exit 1
  fi
  fit_count=2000; score_count=2000; batch=256; rounds=5; bench_samples=16384; max_batch_start=1024; max_batch_cap=1048576
  cpu_samples=2048; cpu_batch=64
fi

if [ -z "$nac" ]; then
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
  if command -v ccache >/dev/null; then
    common+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  nvcc=$(command -v nvcc || true)
  for candidate in "${CUDA_HOME:-}/bin/nvcc" /usr/local/cuda/bin/nvcc; do
    if [ -z "$nvcc" ] && [ -x "$candidate" ]; then nvcc=$candidate; fi
  done
  configured=no
  if [ -f "$build_dir/CMakeCache.txt" ]; then
    configured=yes  # an earlier run's build folder: only what changed is rebuilt
  elif [ -n "$nvcc" ] && [ "$dry_run" = no ]; then
    echo "== configure through Torch's CMake config (nvcc: $nvcc)"
    if cmake -S . -B "$build_dir" "${common[@]}" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CUDA_COMPILER="$nvcc"; then
      configured=yes
    else
      echo "Torch's CMake config failed; linking the torch package folder directly instead"
      rm -rf "$build_dir"
    fi
  else
    echo "== linking the torch package folder directly"
  fi
  if [ "$configured" = no ]; then
    cmake -S . -B "$build_dir" "${common[@]}" -DNAC_TORCH_FROM_WHEEL="$torch_dir" -DNAC_TORCH_CXX11_ABI="$abi" || exit 1
  fi
  mkdir -p "$out"
  if ! part build 60 "$build_seconds" cmake --build "$build_dir" --target nac -j"$jobs"; then
    echo "gpu-bench: no nac was built, nothing to measure" >&2
    exit 1
  fi
  nac=$build_dir/app/cli/nac
fi
mkdir -p "$out"
if [ ! -x "$nac" ]; then
  echo "gpu-bench: $nac is not an executable nac" >&2
  exit 1
fi

model=resources/demo/fashion_resnet18.pt
fit_file=resources/demo/ood/textures-val-images-idx3-ubyte.gz
score_file=resources/demo/ood/mnist-images-idx3-ubyte.gz
"$nac" layers --model "$model" --device "$device" > "$out/layers.txt" || exit 1
head -n 5 "$out/layers.txt"

# 1. NAC vs the plain forward + gradient on the device: the reference's images and batch (the
#    figures of part 2 compare with these), then many noise images at the automatic batch.
part bench-same-data 20 90 "$nac" bench --model "$model" --device "$device" --data "$fit_file" \
  --samples "$fit_count" --batch "$batch" --rounds "$rounds" --rebin-sizes none --json "$out/bench-same-data.json"
part bench-noise 20 90 "$nac" bench --model "$model" --device "$device" --data "noise:uniform:$bench_samples" \
  --samples "$bench_samples" --batch auto --rounds 3 --rebin-sizes none --json "$out/bench-noise.json"

# 2. The eager PyTorch reference on the same device, images and batch.
part reference 20 90 "$python" -u tools/reference_nac.py --arch demo --model "$model" --device "$device" \
  --fit "$fit_file" --fit-count "$fit_count" --score "$score_file" --score-count "$score_count" \
  --batch "$batch" --rounds "$rounds" --threads "$(nproc)" --out "$out/reference.csv"

# 3. The same fit and scores on the device and on the CPU.
agreement() {
  local d
  for d in "$device" cpu; do
    "$nac" fit --model "$model" --device "$d" --data "$fit_file@0-$((fit_count - 1))" --samples all --batch "$batch" \
      --quiet -o "$out/agree-$d.nacprofile" || return 1
    "$nac" score --profile "$out/agree-$d.nacprofile" --device "$d" --data "$score_file@0-$((score_count - 1))" \
      --batch "$batch" --quiet -o "$out/agree-$d.csv" || return 1
  done
  "$python" - "$out/agree-$device.csv" "$out/agree-cpu.csv" "$device" <<'PY'
import csv, sys
a, b = ([row for row in csv.DictReader(open(p))] for p in sys.argv[1:3])
device = sys.argv[3]
assert len(a) == len(b) and a, "row counts differ"
for column in [c for c in a[0] if c == "score" or c.startswith("score_") or c in ("msp", "energy")]:
    d = [abs(float(x[column]) - float(y[column])) for x, y in zip(a, b)]
    print(f"agreement {column:16s} mean |{device}-cpu| {sum(d) / len(d):.3e}  max {max(d):.3e}")
d = [abs(float(x["score"]) - float(y["score"])) for x, y in zip(a, b)]
verdict = "PASS" if sum(d) / len(d) < 1e-5 else "FAIL"
print(f"agreement NAC-UE over {len(a)} images: mean |{device} - cpu| {sum(d) / len(d):.3e}, max {max(d):.3e}: {verdict}")
sys.exit(0 if verdict == "PASS" else 1)
PY
}
export -f agreement
export nac model device fit_file score_file fit_count score_count batch out python
part agreement 30 120 bash -c agreement

# 4. The largest batch one forward + gradient + NAC call runs with on the device.
part max-batch 20 120 "$nac" bench --model "$model" --device "$device" --data "noise:uniform:$max_batch_start" \
  --samples "$max_batch_start" --batch "$max_batch_start" --find-max-batch "$max_batch_cap" --json "$out/max-batch.json"

# 5. The CPU of the same machine, for scale.
part bench-cpu 20 60 "$nac" bench --model "$model" --device cpu --data "$fit_file" --samples "$cpu_samples" \
  --batch "$cpu_batch" --rounds 2 --rebin-sizes none --json "$out/bench-cpu.json"

echo
echo "== summary ($(($(date +%s) - started)) s of the ${budget} s budget; $([ "$dry_run" = yes ] && echo "CPU DRY RUN, not GPU figures" || echo "device $device"))"
"$python" - "$out" "$device" <<'PY'
import json, os, re, sys
out, device = sys.argv[1], sys.argv[2]
def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
for name, label in (("bench-same-data.json", "demo images"), ("bench-noise.json", "noise images")):
    j = load(name)
    if j:
        print(f"nac fit on {j['device']:7s} ({label}, batch {j['batch']}): {j['fit_images_per_second']:10.1f} images/s; "
              f"plain forward + gradient {j['plain_images_per_second']:10.1f} images/s; NAC overhead {j['overhead_percent']:.1f} %")
    else:
        print(f"nac fit ({label}): no figure (part skipped, stopped or failed)")
ref = None
try:
    m = re.search(r"^fit: (\d+) images, state extraction ([\d.]+)s = ([\d.]+) images/s", open(os.path.join(out, "reference.log")).read(), re.M)
    ref = float(m.group(3)) if m else None
except OSError:
    pass
same = load("bench-same-data.json")
if ref:
    ratio = f"; nac is {same['fit_images_per_second'] / ref:.2f}x the reference" if same else ""
    print(f"eager PyTorch reference on {device}: {ref:10.1f} images/s (state extraction, same images and batch){ratio}")
else:
    print("eager PyTorch reference: no figure (part skipped, stopped or failed)")
try:
    for line in open(os.path.join(out, "agreement.log")):
        if line.startswith("agreement NAC-UE"):
            print(line.rstrip())
except OSError:
    print("agreement: no figure (part skipped, stopped or failed)")
j = load("max-batch.json")
if j:
    tail = f"batch {j['smallest_failing_batch']} fails: {j['failure'][:160]}" if j["smallest_failing_batch"] else f"nothing failed up to the cap {j['cap']}"
    print(f"largest batch on {j['device']}: {j['max_batch']} images ({j['max_batch_images_per_second']:.1f} images/s at that batch; {tail})")
else:
    print("largest batch: no figure (part skipped, stopped or failed)")
j = load("bench-cpu.json")
if j:
    print(f"nac fit on cpu ({j['threads']} threads, batch {j['batch']}): {j['fit_images_per_second']:10.1f} images/s; "
          f"plain {j['plain_images_per_second']:10.1f} images/s; overhead {j['overhead_percent']:.1f} %")
PY
for s in "${skipped[@]}"; do echo "not measured: $s"; done
echo "total $(($(date +%s) - started)) s"
[ "${#skipped[@]}" -eq 0 ]
