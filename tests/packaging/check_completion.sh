#!/usr/bin/env bash
# The bash completion of nac against the program: it offers exactly the commands that
# `nac --help` lists, and every option it offers for a command is one that the command accepts
# (the command parses all its options before it checks their values).
#   check_completion.sh NAC COMPLETION_FILE
set -uo pipefail
nac=$1
completion=$2
# Stand-ins for bash-completion's helpers (which need not be installed), called by _nac; they set
# _nac's own locals (bash scoping is dynamic).
# shellcheck disable=SC2034,SC2317
_init_completion() {
  words=("${COMP_WORDS[@]}")
  cword=$COMP_CWORD
  cur=${words[cword]}
  prev=${words[cword - 1]}
}
# shellcheck disable=SC2317
_filedir() { :; }
# shellcheck source=/dev/null
source "$completion"
offered() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _nac
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
status=0
listed=$("$nac" --help | sed -n 's/^  nac \([a-z]*\) .*/\1/p' | sort -u)
completed=$(offered nac "" | grep -v -e '^-' -e '^help$')
if [ "$listed" != "$completed" ]; then
  echo "FAIL: nac --help lists: $(echo "$listed" | tr '\n' ' '); the completion offers: $(echo "$completed" | tr '\n' ' ')"
  status=1
fi
for command in $listed; do
  args=()
  for option in $(offered nac "$command" -); do
    [ "$option" = --help ] || args+=("$option" x)
  done
  if [ ${#args[@]} -eq 0 ]; then
    echo "FAIL: the completion offers no options for nac $command"
    status=1
    continue
  fi
  output=$("$nac" "$command" "${args[@]}" 2>&1 > /dev/null)
  if echo "$output" | grep -q "unknown option"; then
    echo "FAIL: nac $command: $(echo "$output" | head -n 1)"
    status=1
  else
    echo "nac $command: $((${#args[@]} / 2)) options accepted"
  fi
done
exit $status
