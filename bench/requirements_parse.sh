#!/usr/bin/env bash
# Side-by-side benchmark: pipewright's requirements-file parser vs pip's own parser, on the same
# generated 5,000-line file, same number of iterations, in the same run.
# Usage: bash bench/requirements_parse.sh [BUILD_DIR]   (default: build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
source "$here/lib/build_dir.sh" "${1:-}"
n="${PW_BENCH_N:-20}"
lines="${PW_BENCH_LINES:-5000}"
python=/usr/bin/python3   # Debian's, which has python3-pip; not the first python3 on PATH

bin="$build/bench/bench_requirements_parse"
if [[ ! -x "$bin" ]]; then
  if [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
    cmake -S "$root" -B "$build" -G Ninja >/dev/null
  fi
  cmake --build "$build" --target bench_requirements_parse >/dev/null
fi
if ! "$python" -c 'import pip._internal.req.req_file' 2>/dev/null; then
  echo "requirements_parse: $python cannot import pip (install python3-pip)" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
file="$work/requirements.txt"
"$bin" --generate "$file" "$lines"

ours="$("$bin" "$file" "$n")"
peer="$("$python" "$here/requirements_parse_peer.py" "$file" "$n")"

echo "requirements_parse: $(wc -l <"$file") lines, $n parses each ($(nproc) CPUs, $(uname -m))"
printf '%s\n%s\n' "$ours" "$peer" | awk '
  { tool[NR] = $1; ms[NR] = $2; reqs[NR] = $4 }
  END {
    printf "%-18s %14s %12s %14s\n", "tool", "ms per parse", "requirements", "vs pipewright"
    for (i = 1; i <= NR; i++)
      printf "%-18s %14.3f %12d %13.1fx\n", tool[i], ms[i], reqs[i], ms[i] / ms[1]
  }'
