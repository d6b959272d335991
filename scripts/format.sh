#!/usr/bin/env bash
# The tree's C++ as .clang-format says: `make format` rewrites the tracked files, `make test`
# (scripts/format.sh --check) fails naming the files that differ, so a review never argues about
# whitespace. Usage: scripts/format.sh [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$fmt" ]; then
  echo "format: clang-format-14 missing: run scripts/install-deps.sh test" >&2
  exit 2
fi
mapfile -d '' files < <(git ls-files -z -- '*.cpp' '*.h')
if [ "${1:-}" = "--check" ]; then
  bad=$("$fmt" --dry-run "${files[@]}" 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' | sort -u)
  if [ -n "$bad" ]; then
    echo "format: these files differ from .clang-format; run \`make format\`:" >&2
    printf '  %s\n' $bad >&2
    exit 1
  fi
  echo "format: ${#files[@]} files as .clang-format says"
else
  "$fmt" -i "${files[@]}"
fi
