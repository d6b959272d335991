#!/usr/bin/env bash
# Side-by-side benchmark: `pipewright scan image` on a saved image (the base image the tests
# build: a debootstrapped bookworm) against a Python script taking the same inventory with
# tarfile, and against the `podman save` that makes the archive (the issue's goal: the scan adds
# less than the save). Median of 5 runs each, same machine, same run.
# Usage: bash bench/image_scan.sh [BUILD_DIR]   (default: build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
source "$here/lib/build_dir.sh" "${1:-}"
image="${PW_BENCH_IMAGE:-localhost/pipewright-base:bookworm}"
python=/usr/bin/python3
bin="$build/pipewright"

if ! command -v podman >/dev/null || ! podman image exists "$image" 2>/dev/null; then
  echo "image_scan: skipped: podman or the image $image is absent (scripts/base-image.sh makes it)"
  exit 0
fi
[[ -x "$bin" ]] || cmake --build "$build" --target pipewright >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache"
"$bin" db import "$root/examples/python-app/advisories" >/dev/null

ms() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
save=(); ours=(); peer=()
for i in 1 2 3 4 5; do
  rm -f "$work/image.tar"
  t0=$(ms); podman save -o "$work/image.tar" "$image" >/dev/null 2>&1; t1=$(ms)
  save+=($(( (t1 - t0) / 1000000 )))
done
sync
# Both read the same archive from the page cache, alternating. Ours is the whole command (start,
# database, inventory, matching, report); the peer's figure is its inventory alone.
for i in 1 2 3 4 5; do
  t0=$(ms); out="$("$bin" scan image "$work/image.tar" --fail-on none)"; t1=$(ms)
  ours+=($(( (t1 - t0) / 1000000 )))
  line="$("$python" "$here/image_scan_peer.py" "$work/image.tar")"
  peer+=("$(echo "$line" | awk '{ printf "%d", $2 }')")
done
counts="$(echo "$out" | grep -oE '[0-9]+ Debian and [0-9]+ Python packages')"
peer_counts="$(echo "$line" | awk '{ print $3 " Debian and " $4 " Python packages" }')"
s=$(printf '%s\n' "${save[@]}" | median); o=$(printf '%s\n' "${ours[@]}" | median)
p=$(printf '%s\n' "${peer[@]}" | median)
size=$(du -m "$work/image.tar" | cut -f1)

echo "image_scan: $image, ${size} MB archive ($(nproc) CPUs, $(uname -m)), median of 5"
printf '%-34s %9s   %s\n' "what" "ms" "found"
printf '%-34s %9d   %s\n' "pipewright scan image (whole scan)" "$o" "$counts"
printf '%-34s %9d   %s   (%.1fx ours)\n' "python tarfile (inventory only)" "$p" "$peer_counts" "$(echo "$p $o" | awk '{ print $1 / ($2 ? $2 : 1) }')"
printf '%-34s %9d   (scan/save %.2f)\n' "podman save" "$s" "$(echo "$o $s" | awk '{ print $1 / ($2 ? $2 : 1) }')"
