#!/usr/bin/env bash
# `make test`: every unit test binary, then the integration tests that run the real binary.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

echo "== unit tests"
failed=0
for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  if ! "$t" --gtest_brief=1; then failed=1; fi
done
if [ "$failed" -ne 0 ]; then
  echo "unit tests failed" >&2
  exit 1
fi

echo "== integration tests"
# Debian's pytest: the python3 first on PATH may be another build without it.
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration "$@"
