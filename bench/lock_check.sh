#!/usr/bin/env bash
# Side-by-side benchmark: reading and checking a 500-package uv.lock and poetry.lock against the
# project's declarations, pipewright vs tomllib + packaging doing the same check, same files,
# same number of iterations, in the same run.
# Usage: bash bench/lock_check.sh [BUILD_DIR]   (default: build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
source "$here/lib/build_dir.sh" "${1:-}"
n="${PW_BENCH_N:-20}"
packages="${PW_BENCH_PACKAGES:-500}"
python=/usr/bin/python3   # Debian's 3.11: tomllib and python3-packaging

bin="$build/bench/bench_lock_check"
if [[ ! -x "$bin" ]]; then
  if [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
    cmake -S "$root" -B "$build" -G Ninja >/dev/null
  fi
  cmake --build "$build" --target bench_lock_check >/dev/null
fi
if ! "$python" -c 'import tomllib, packaging.requirements' 2>/dev/null; then
  echo "lock_check: $python lacks tomllib or packaging (Python 3.11+, python3-packaging)" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" --generate "$work" "$packages"

ours="$("$bin" "$work" "$n")"
peer="$("$python" "$here/lock_check_peer.py" "$work" "$n")"

echo "lock_check: $packages packages per lock, $n checks each ($(nproc) CPUs, $(uname -m))"
printf '%s\n%s\n' "$ours" "$peer" | awk '
  { tool[NR] = $1; ms[NR] = $2; pk[NR] = $4; split($1, f, "-"); fmt[NR] = f[length(f)] }
  END {
    printf "%-26s %14s %9s %14s\n", "tool", "CPU ms/check", "packages", "vs pipewright"
    for (i = 1; i <= NR; i++) {
      base = 0
      for (j = 1; j <= NR; j++) if (tool[j] ~ /^pipewright/ && fmt[j] == fmt[i]) base = ms[j]
      printf "%-26s %14.3f %9d %13.1fx\n", tool[i], ms[i], pk[i], ms[i] / base
    }
  }'
