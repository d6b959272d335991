#!/usr/bin/env bash
# `make bench`: every side-by-side benchmark, each printing its own table with ratios.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
status=0
for b in bench/*.py bench/*.sh; do
  [ -e "$b" ] || continue
  case "$b" in bench/run.sh|*_peer.py) continue ;; esac
  echo "== $b"
  if [[ "$b" == *.py ]]; then /usr/bin/python3 "$b" "$BUILD" || status=1
  else bash "$b" "$BUILD" || status=1; fi
  echo
done
exit $status
