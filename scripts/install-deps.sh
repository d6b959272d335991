#!/usr/bin/env bash
# Installs the Debian packages (and, for the tests, the pinned npm tools) pipewright needs, by
# profile, so that a newcomer's `make demo` does not wait for what only the tests use:
#   scripts/install-deps.sh demo   build the binary, run the example's pipeline, build its image
#   scripts/install-deps.sh test   the demo's, plus the test servers, the JDK and groovy, clang for
#                                  the sanitizer and fuzzing tree (the default: CI runs it)
# Idempotent: asks apt only for what is missing, so a second run costs a dpkg query.
set -euo pipefail
profile=${1:-test}
case "$profile" in
  demo | test) ;;
  *) echo "install-deps: unknown profile '$profile' (demo or test)" >&2; exit 2 ;;
esac

packages=(
  # build
  build-essential cmake ninja-build pkg-config git ccache
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libfmt-dev libpugixml-dev
  libgtest-dev libgmock-dev libssl-dev libsqlite3-dev libarchive-dev libcurl4-openssl-dev
  libtomlplusplus-dev
  # the Python stages and the example project (Debian's tools stand in for PyPI, which is not reachable)
  python3 python3-venv python3-pip python3-pytest python3-pytest-cov python3-coverage
  black mypy python3-bandit flake8 python3-build python3-packaging python3-setuptools python3-wheel
  procps util-linux
  # container image and image scan of the example (issue 7): podman builds, mmdebstrap makes the
  # base image from the apt mirror (scripts/base-image.sh)
  podman runc mmdebstrap
  # dashboard (issue 18), compiled into the binary: the HTTP server library, node to bundle web/
  # with esbuild (npm below)
  libcpp-httplib-dev nodejs
)
if [ "$profile" = test ]; then
  packages+=(
    # pylint, a quality tool a project may choose (the example lints with flake8), and the build
    # backends of the layouts the project-detection tests build offline (hatchling, flit_core)
    pylint python3-hatchling flit
    # the sanitizer and fuzzing tree (issue 14): clang 14 and its sanitizer and libFuzzer runtimes
    clang-14 libclang-rt-14-dev
    # `make test` checks that every C++ file is as .clang-format says (scripts/format.sh)
    clang-format-14
    # Debian's docker-registry with htpasswd auth is the test registry
    docker-registry apache2-utils
    # S3 upload (issue 8): botocore as an independent signer and client for read-back
    awscli python3-botocore
    # SSH deployment (issue 9): a test sshd on a loopback port
    openssh-server openssh-client
    # export (issue 10): groovyc compiles the Jenkinsfile, gitlab-ci-local needs rsync
    groovy openjdk-17-jdk-headless rsync
    # dashboard browser tests (issue 18), driven by web/'s pinned playwright-core
    chromium
  )
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -ne 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's npm, unless node came with its own (NodeSource's nodejs includes npm and conflicts
# with Debian's package).
if ! command -v npm >/dev/null; then
  echo "install-deps: installing npm"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

[ "$profile" = test ] || exit 0

# Test servers and checkers from npm (Debian has none of them), pinned, into the project's
# .tools/ so nothing global changes: s3rver (an S3 store), gitlab-ci-local (4.75 needs a newer
# Node than Debian's 20), action-validator (GitHub workflow checker), pyright (the type checker
# a project may configure instead of mypy), ajv (JSON Schema; ajv-draft-04 for SARIF's, for the
# reports' official schemas below).
npm_packages=(s3rver@3.7.1 gitlab-ci-local@4.70.1 @action-validator/cli@0.6.0 ajv@8.20.0
  ajv-formats@3.0.1 ajv-draft-04@1.0.0 pyright@1.1.408)
tools="$(cd "$(dirname "$0")/.." && pwd)/.tools"
if command -v npm >/dev/null; then
  need=()
  for p in "${npm_packages[@]}"; do
    name=${p%@*}
    version=${p##*@}
    if ! grep -qs "\"version\": \"$version\"" "$tools/node_modules/$name/package.json"; then
      need+=("$p")
    fi
  done
  if [ ${#need[@]} -ne 0 ]; then
    echo "install-deps: npm installing ${need[*]} into .tools/"
    mkdir -p "$tools"
    npm install --silent --no-audit --no-fund --prefix "$tools" "${need[@]}" >/dev/null
  fi
fi

# The reports' official schemas, for tests/integration/schema_check.mjs: CycloneDX 1.5 (with the
# SPDX and JSF schemas it refers to) from CycloneDX's own JavaScript library, SARIF 2.1.0 from
# Microsoft's SARIF matcher. Only the schema files are kept; the packages are not installed.
schemas="$tools/schemas"
if command -v npm >/dev/null && [ ! -f "$schemas/sarif-2.1.0-rtm.5.json" ]; then
  echo "install-deps: report schemas into .tools/schemas/"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent @cyclonedx/cyclonedx-library@10.3.0 \
    @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
  mkdir -p "$schemas"
  tar -xzf "$tmp"/cyclonedx-cyclonedx-library-10.3.0.tgz -C "$tmp" package/res/schema
  cp "$tmp"/package/res/schema/{bom-1.5,spdx,jsf-0.82}.SNAPSHOT.schema.json "$schemas/"
  tar -xzf "$tmp"/microsoft-jest-sarif-1.0.0-beta.0.tgz -C "$tmp" \
    package/lib/schemas/sarif-2.1.0-rtm.5.json
  cp "$tmp"/package/lib/schemas/sarif-2.1.0-rtm.5.json "$schemas/"
  rm -rf "$tmp"
fi

# The dashboard's front end: esbuild, uPlot and playwright-core pinned by web/package-lock.json.
# `make` installs them too when missing (web/build.sh); here so `make test` finds playwright-core.
web="$(cd "$(dirname "$0")/.." && pwd)/web"
if command -v npm >/dev/null && [ ! -d "$web/node_modules/playwright-core" ]; then
  echo "install-deps: npm ci in web/"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
