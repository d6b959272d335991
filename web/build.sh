#!/usr/bin/env bash
# Bundles the dashboard into $1 (app.js, app.css, index.html) with esbuild; installs the pinned
# npm packages first when they are missing or older than package-lock.json (a fresh clone).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null; then
  echo "web/build.sh: node and npm are needed to bundle the dashboard: run scripts/install-deps.sh" >&2
  exit 1
fi
if [ ! -x node_modules/.bin/esbuild ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node build.mjs "$1"
