#!/usr/bin/env bash
# Makes the base image the example's Dockerfile builds FROM on a machine without Docker Hub:
# a minimal Debian bookworm with python3, pip and venv, built by mmdebstrap (or debootstrap) from
# the machine's own apt mirror and imported into podman. Idempotent: an existing image is kept.
#   scripts/base-image.sh [NAME]     (default localhost/pipewright-base:bookworm)
set -euo pipefail
name=${1:-localhost/pipewright-base:bookworm}
if podman image exists "$name" 2>/dev/null; then
  exit 0
fi
# The mirror the machine's apt already uses (deb822 or one-line sources), else Debian's.
mirror=$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' |
  grep -v security | head -n1 || true)
if [ -z "$mirror" ]; then
  mirror=$(grep -hoE '^deb +[^ ]+' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1 || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}
work=$(mktemp -d /var/tmp/pipewright-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
include=python3,python3-pip,python3-venv
if command -v mmdebstrap >/dev/null; then
  # mmdebstrap (what install-deps installs) makes the same minbase with apt: parallel downloads
  # and one dpkg run instead of debootstrap's package by package (366 s against 543 s side by
  # side on the shared machine, 190 s alone at load 9-11; the base image is what make demo waits
  # for once the compile is short). No Recommends, as debootstrap; it drops the .debs and the apt
  # lists itself.
  echo "base-image: mmdebstrap bookworm from $mirror"
  # The merged-usr hook (mmdebstrap's own) merges /usr as debootstrap does, with usr-is-merged
  # instead of the usrmerge package and the perl it pulls in: the same 123 packages.
  mmdebstrap --variant=minbase --include=$include --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --aptopt='APT::Install-Recommends "false"' \
    bookworm "$work/rootfs.tar" "$mirror" >"$work/mmdebstrap.log" 2>&1 ||
    { tail -n 20 "$work/mmdebstrap.log" >&2; exit 1; }
  podman import --quiet --change 'CMD ["python3"]' "$work/rootfs.tar" "$name" >/dev/null
else
  echo "base-image: debootstrap bookworm from $mirror (a few minutes)"
  debootstrap --variant=minbase --include=$include bookworm "$work/rootfs" "$mirror" \
    >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
  # Drop what an image does not need: downloaded .debs and the apt lists.
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | podman import --quiet --change 'CMD ["python3"]' - "$name" >/dev/null
fi
echo "base-image: $name ready"
