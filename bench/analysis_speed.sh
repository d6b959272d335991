#!/usr/bin/env bash
# Code analysis speed: pipewright's tokenizer + metrics + duplication (bench_analysis_speed, C++)
# against Python's own tokenize for size metrics and pylint's duplicate-code checker (symilar,
# --min-lines 10 like Sonar's 10-line minimum) on the same ~100,000 lines of Python's standard
# library, in the same run. Prints a table with ms and ratios.
# Metrics take tens of milliseconds natively, so one run is at the mercy of the scheduler on a
# shared machine: both sides run PW_BENCH_RUNS times (default 5), alternately, each run a fresh
# process doing one pass over the files, and the best times are compared (as timeit does: noise
# only ever adds time, to either side).
# Usage: bash bench/analysis_speed.sh [BUILD_DIR]   (default: build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build}"
binary="$build/bench/bench_analysis_speed"
[ -x "$binary" ] || { echo "analysis_speed: build $binary first (--target bench_analysis_speed)" >&2; exit 1; }
py=/usr/bin/python3  # Debian's Python, where pylint lives
stdlib="${PW_BENCH_PYTHON_TREE:-/usr/lib/python3.11}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
$py "$here/analysis_speed_peer.py" select "$stdlib" 100000 >"$tmp/files"
"$binary" 10 <"$tmp/files" >"$tmp/native"
runs="${PW_BENCH_RUNS:-5}"
for _ in $(seq "$runs"); do
  "$binary" 10 metrics <"$tmp/files" | awk '{print $2}' >>"$tmp/native_ms"
  $py "$here/analysis_speed_peer.py" metrics "$tmp/files" | awk '{print $2}' >>"$tmp/peer_ms"
done
best() { sort -n "$1" | head -1; }
start=$(date +%s%N)
xargs $py -m pylint.checkers.similar --duplicates=10 <"$tmp/files" >"$tmp/symilar.out" || true
end=$(date +%s%N)
sym_ms=$(( (end - start) / 1000000 ))
read -r _ _ files lines ncloc <"$tmp/native"
read -r _ d_ms blocks dup_lines < <(sed -n 2p "$tmp/native")
m_ms=$(best "$tmp/native_ms")
p_ms=$(best "$tmp/peer_ms")
sym_summary=$(tail -1 "$tmp/symilar.out")
printf '%s files, %s lines (%s lines of code) of %s\n\n' "$files" "$lines" "$ncloc" "$stdlib"
printf '%-44s %12s %12s %8s\n' "task" "pipewright" "peer" "ratio"
awk -v a="$m_ms" -v b="$p_ms" -v n="$runs" 'BEGIN{printf "%-44s %10.1fms %10.1fms %7.1fx\n", "metrics, best of " n " (peer: tokenize, sizes)", a, b, b/a}'
awk -v a="$d_ms" -v b="$sym_ms" 'BEGIN{printf "%-44s %10.1fms %10.1fms %7.1fx\n", "duplication (peer: pylint symilar, 10 lines)", a, b, b/a}'
printf '\npipewright: %s duplicated blocks, %s duplicated lines; symilar: %s\n' "$blocks" "$dup_lines" "$sym_summary"
