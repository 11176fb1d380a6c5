#!/usr/bin/env bash
# Prints how fast NAC Studio's views follow a change of O, M or alpha after a fit of 10,000 demo
# images (issue target: O under 30 ms, M or alpha under 100 ms), then the evaluation workbench's
# figures: the bundled OOD sets (9000 images) evaluated in the app with the longest
# event-loop stall, and the metrics table following O (target 50 ms), M and alpha (150 ms).
# Uses the newest build.
#   scripts/bench-gui.sh [FIT_IMAGES] [REPEATS]          both benchmarks
#   scripts/bench-gui.sh workbench [FIT_IMAGES] [REPEATS] only the workbench (default fit: 1000 images)
set -euo pipefail
cd "$(dirname "$0")/.."
only_workbench=false
if [ "${1:-}" = workbench ]; then
  only_workbench=true
  shift
fi
newest() { ls -t build*/tests/app/"$1" 2>/dev/null | head -n 1 || true; }
if ! $only_workbench; then
  bench=$(newest bench_gui_params)
  [ -n "$bench" ] || { echo "bench-gui.sh: build the target bench_gui_params first" >&2; exit 1; }
  QT_QPA_PLATFORM=offscreen "$bench" "${1:-10000}" "${2:-5}"
fi
workbench=$(newest bench_gui_workbench)
[ -n "$workbench" ] || { echo "bench-gui.sh: build the target bench_gui_workbench first" >&2; exit 1; }
if $only_workbench; then
  QT_QPA_PLATFORM=offscreen "$workbench" "${1:-1000}" "${2:-5}"
else
  QT_QPA_PLATFORM=offscreen "$workbench" 1000 "${2:-5}"
fi
