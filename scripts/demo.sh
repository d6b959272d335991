#!/usr/bin/env bash
# `make demo`: builds the binary and runs pipewright on examples/python-app, showing the run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD:-build}
example=examples/python-app
# image-build builds the example's Dockerfile FROM a local Debian base image (the example's
# pipewright.yaml says so). On a fresh machine making it (mmdebstrap: downloads and dpkg) takes
# minutes, as the compile does: both at once, the image in the background, its log kept.
base_pid=""
mkdir -p "$build"
if command -v podman >/dev/null 2>&1; then
  bash scripts/base-image.sh >"$build/base-image.log" 2>&1 &
  base_pid=$!
fi
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target pipewright
if [ -n "$base_pid" ]; then
  if wait "$base_pid"; then
    grep -h "ready" "$build/base-image.log" || true
  else
    tail -n 5 "$build/base-image.log"
    echo "base image not made: image-build will show why"
  fi
fi
case $build in
  /*) bin=$build/pipewright ;;
  *) bin=$root/$build/pipewright ;;
esac
# The example is committed inside this repository, so its checkout clones this repository at
# HEAD; a tarball without git history builds the folder as it is.
args=(run -C "$example")
if ! git -C "$example" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  args+=(--in-place)
fi
# The dependency scan reads the local advisory database: give it the example's advisory (an
# OSV file written from a real advisory's facts), so the demo shows a real finding offline.
echo "$ build/pipewright db import $example/advisories"
"$bin" db import "$example/advisories" | tail -n 1
echo "$ build/pipewright ${args[*]}"
set +e
"$bin" "${args[@]}"
code=$?
set -e
echo
echo "pipewright exited with $code; the build's records are in $example/.pipewright/builds/latest/"
exit $code
