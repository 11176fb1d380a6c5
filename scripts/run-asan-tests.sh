#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UBSan (presets `asan`, build-asan/) and runs the whole
# test suite under them (LeakSanitizer suppressions for third-party libraries: tests/lsan.supp).
# Extra arguments go to ctest, e.g. scripts/run-asan-tests.sh -L fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_root bash packaging/setup.sh
cmake --preset asan
cmake --build --preset asan
ctest --preset asan --timeout 1800 "$@"
