#!/usr/bin/env bash
# `make demo`: runs pipewright on examples/python-app and shows the run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
example=examples/python-app
# The example is committed inside this repository, so its checkout clones this repository at
# HEAD; a tarball without git history builds the folder as it is.
args=(run -C "$example")
if ! git -C "$example" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  args+=(--in-place)
fi
# The dependency scan reads the local advisory database: give it the example's advisory (an
# OSV file written from a real advisory's facts), so the demo shows a real finding offline.
echo "$ build/pipewright db import $example/advisories"
"$root/build/pipewright" db import "$example/advisories" | tail -n 1
# image-build builds the example's Dockerfile FROM a local Debian base image (the example's
# pipewright.yaml says so); make it once when podman is here, as the tests do.
if command -v podman >/dev/null 2>&1; then
  bash scripts/base-image.sh || echo "base image not made: image-build will show why"
fi
echo "$ build/pipewright ${args[*]}"
set +e
"$root/build/pipewright" "${args[@]}"
code=$?
set -e
echo
echo "pipewright exited with $code; the build's records are in $example/.pipewright/builds/latest/"
exit $code
