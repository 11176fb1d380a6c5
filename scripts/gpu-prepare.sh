#!/usr/bin/env bash
# Run here before scripts/gpu-bench.sh goes to the GPU machine: that machine has PyTorch but not
# Debian's nlohmann-json3-dev nor libcli11-dev, so a copy of their headers travels in build-deps/
# (ignored by git; pass it to the device run as a carried path).
set -euo pipefail
cd "$(dirname "$0")/.."
src=/usr/include/nlohmann
if [ ! -f "$src/json.hpp" ]; then
  echo "gpu-prepare: $src/json.hpp is missing; install nlohmann-json3-dev (packaging/setup.sh)" >&2
  exit 1
fi
rm -rf build-deps/include/nlohmann
mkdir -p build-deps/include
cp -r "$src" build-deps/include/
echo "copied $src to build-deps/include/nlohmann ($(du -sh build-deps/include/nlohmann | cut -f1))"
cli11=/usr/include/CLI
if [ ! -f "$cli11/CLI.hpp" ]; then
  echo "gpu-prepare: $cli11/CLI.hpp is missing; install libcli11-dev (packaging/setup.sh)" >&2
  exit 1
fi
rm -rf build-deps/include/CLI
cp -r "$cli11" build-deps/include/
echo "copied $cli11 to build-deps/include/CLI ($(du -sh build-deps/include/CLI | cut -f1))"
