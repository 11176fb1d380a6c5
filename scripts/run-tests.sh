#!/usr/bin/env bash
# Installs the packages, builds everything with warnings as errors, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_root bash packaging/setup.sh
cmake --preset ci
cmake --build --preset ci
# Xvfb for the end-to-end GUI tests (widget tests run offscreen and need no display).
ctest --preset ci --timeout 900
