#!/usr/bin/env bash
# Builds the fuzz targets of the file readers with clang's libFuzzer, ASan and UBSan (preset
# `fuzz`, in build-fuzz/) and runs each for SECONDS, one after the other; prints executions,
# coverage and findings per target.
#   scripts/fuzz.sh SECONDS [TARGET...]
# TARGET: idx_dataset, image_header, profile_io, model_metadata (default: all four).
# Each run starts from the committed corpus (tests/fuzz/corpus/fuzz_<target>) and adds what it
# finds to build-fuzz/tests/fuzz/found/fuzz_<target>; crashes, timeouts (5 s) and inputs that need
# over 2 GB land in build-fuzz/findings/fuzz_<target>/, its log beside them. Exit status 1 when a
# target found something. FUZZ_NO_BUILD=1 skips the build (for a second run in parallel);
# FUZZ_FLAGS adds libFuzzer options.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh SECONDS [idx_dataset|image_header|profile_io|model_metadata]..." >&2
  exit 2
fi
seconds=$1
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx_dataset image_header profile_io model_metadata)

if ! command -v clang++-14 >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: needs clang-14 and libclang-rt-14-dev: sudo bash packaging/setup.sh --fuzz" >&2
  exit 2
fi
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  [ -f build-fuzz/CMakeCache.txt ] || cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz
fi

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
summary=()
for target in "${targets[@]}"; do
  name=fuzz_$target
  binary=build-fuzz/tests/fuzz/$name
  [ -x "$binary" ] || { echo "scripts/fuzz.sh: no target $target ($binary)" >&2; exit 2; }
  findings=build-fuzz/findings/$name
  found=build-fuzz/tests/fuzz/found/$name
  mkdir -p "$findings" "$found"
  log=$findings/run-$(date +%Y%m%d-%H%M%S).log
  echo "== $name: ${seconds} s (log $log)"
  dict=()
  case $target in profile_io|model_metadata) dict=(-dict=tests/fuzz/json.dict) ;; esac
  rc=0
  # shellcheck disable=SC2086  # FUZZ_FLAGS holds several options
  "$binary" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$findings/" "${dict[@]}" ${FUZZ_FLAGS:-} "$found" "tests/fuzz/corpus/$name" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  features=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")
  artifacts=$(find "$findings" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
  result=ok
  if [ "$rc" -ne 0 ]; then
    result="FOUND SOMETHING (exit $rc): $(grep -m1 -E 'ERROR: |runtime error|Test unit written' "$log" || echo see log)"
    status=1
  fi
  line="$name: ${execs:-?} executions in ${seconds} s (${rate:-?}/s), coverage ${cov:-?} edges, ${features:-?} features, corpus ${corpus:-?}, $artifacts finding files; $result"
  echo "$line"
  summary+=("$line")
done
echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
