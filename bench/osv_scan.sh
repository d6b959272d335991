#!/usr/bin/env bash
# Side-by-side benchmark: pipewright's advisory store + PEP 440 matcher vs a Python script doing
# the same OSV matching with packaging, over the shared PyPI corpus, same environment, same run.
# Scan times are medians of five runs, in wall time and in CPU time (which a loaded machine's
# waits for a core leave out).
# Usage: bash bench/osv_scan.sh [BUILD_DIR]   (default: build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
source "$here/lib/build_dir.sh" "${1:-}"
corpus="${PW_OSV_CORPUS:-$root/../shared/data/osv-pypi}/vulns"
packages="${PW_BENCH_PACKAGES:-1000}"
python=/usr/bin/python3   # Debian's, which has python3-packaging and python3-yaml

if [[ ! -d "$corpus" ]]; then
  echo "osv_scan: skipped: the shared corpus $corpus is absent"
  exit 0
fi
bin="$build/bench/bench_osv_scan"
if [[ ! -x "$bin" ]]; then
  if [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
    cmake -S "$root" -B "$build" -G Ninja >/dev/null
  fi
  cmake --build "$build" --target bench_osv_scan >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" --generate "$corpus" "$work/env.txt" "$packages"
ours="$("$bin" "$corpus" "$work/env.txt" "$work/osv.db")"
peer="$("$python" "$here/osv_scan_peer.py" "$corpus" "$work/env.txt")"

echo "osv_scan: $(find "$corpus" -name '*.yaml' | wc -l) OSV records, $packages packages ($(nproc) CPUs, $(uname -m))"
printf '%s\n%s\n' "$ours" "$peer" | awk '
  { tool[NR] = $1; load[NR] = $2; scan[NR] = $3; n[NR] = $4; cpu[NR] = $5 }
  END {
    printf "%-18s %12s %10s %9s %14s %12s %13s\n", "tool", "import ms", "scan ms", "findings",
      "scan vs ours", "scan cpu ms", "cpu vs ours"
    for (i = 1; i <= NR; i++)
      printf "%-18s %12.1f %10.2f %9d %13.1fx %12.2f %12.1fx\n", tool[i], load[i], scan[i], n[i],
        scan[i] / scan[1], cpu[i], cpu[i] / cpu[1]
  }'
