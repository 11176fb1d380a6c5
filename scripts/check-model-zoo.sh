#!/usr/bin/env bash
# Exports torchvision architectures (random weights, scripted and traced; tools/make_model_zoo.py)
# and runs `nac layers`, `nac fit` and `nac score` on each, printing one line per file: whether
# each step worked, the memory format nac settled on, and the first error line otherwise.
#   scripts/check-model-zoo.sh [WORK_DIR]      (about 11 minutes on 2 cores)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
nac=${NAC:-build-release/app/cli/nac}
[ -x "$nac" ] || nac=build/app/cli/nac
work=${1:-build/model-zoo}
mkdir -p "$work"
/usr/bin/python3 tools/make_model_zoo.py --out "$work" | grep -v "^wrote"
printf "%-32s %-7s %-7s %-7s %-14s %s\n" model layers fit score format note
for model in "$work"/*.pt; do
  name=$(basename "$model" .pt)
  err="$work/$name.err"
  : > "$err"
  step() { if "$@" > /dev/null 2>> "$err"; then echo ok; else echo FAIL; fi; }
  l=$(step "$nac" layers --model "$model")
  f=$(step "$nac" fit --model "$model" --data noise:uniform:48 --samples all --batch 16 --quiet -o "$work/$name.nacprofile")
  s=$(step "$nac" score --profile "$work/$name.nacprofile" --data noise:gaussian:8 --batch 4 --quiet -o "$work/$name.csv")
  format=$("$nac" bench --model "$model" --data noise:uniform:8 --samples 8 --rounds 1 2> /dev/null | head -n 1 |
           grep -o "channels-last\|contiguous")
  note=$(grep -v "^WARNING\|^W[0-9]" "$err" | head -n 1 | cut -c1-150)
  printf "%-32s %-7s %-7s %-7s %-14s %s\n" "$name" "$l" "$f" "$s" "${format:--}" "$note"
done
