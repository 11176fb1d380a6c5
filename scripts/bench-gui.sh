#!/usr/bin/env bash
# Prints how fast NAC Studio's views follow a change of O, M or alpha after a fit of 10,000 demo
# images (issue target: O under 30 ms, M or alpha under 100 ms). Uses the newest build.
#   scripts/bench-gui.sh [FIT_IMAGES] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
bench=$(ls -t build*/tests/app/bench_gui_params 2>/dev/null | head -n 1 || true)
[ -n "$bench" ] || { echo "bench-gui.sh: build the target bench_gui_params first" >&2; exit 1; }
QT_QPA_PLATFORM=offscreen "$bench" "${1:-10000}" "${2:-5}"
