#!/usr/bin/env bash
# Installs every Debian package that building pipewright, its demo and its tests need.
# Idempotent: asks apt only for what is missing, so a second run costs a dpkg query.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libfmt-dev libpugixml-dev
  libgtest-dev libgmock-dev libssl-dev libsqlite3-dev libarchive-dev libcurl4-openssl-dev
  # the Python stages and the example project (Debian's tools stand in for PyPI, which is not reachable)
  python3 python3-venv python3-pip python3-pytest python3-pytest-cov python3-coverage
  black mypy python3-bandit flake8 pylint python3-build python3-packaging python3-setuptools python3-wheel
  # tests
  procps util-linux
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
