#!/usr/bin/env bash
# `make test`: the unit tests, the sanitizer tree (clang 14, ASan+UBSan, the libFuzzer harnesses)
# with the unit tests and the engine's integration tests run under it and each fuzzer for
# FUZZ_SECONDS (30), then the integration tests of the ordinary binary.
# Prints how long each step took, so the CI budget (45 minutes on 2 cores) can be watched.
#   scripts/test.sh [pytest args]     everything (`make test`; `make` built $BUILD first)
#   scripts/test.sh --build-san-only [TARGET...]  configure and build the sanitizer tree
#   scripts/test.sh --sanitize-only   unit and engine tests under the sanitizers (tree built)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
BUILD=${BUILD:-build}
BUILD_SAN=${BUILD_SAN:-build-san}
JOBS=${JOBS:-$(nproc)}
export FUZZ_SECONDS=${FUZZ_SECONDS:-30}
mode=all
case "${1:-}" in
  --build-san-only) mode=build-san; shift ;;
  --sanitize-only) mode=sanitize; shift ;;
esac

timings=()
step_start=0
step() {  # step NAME: closes the previous step's timing, opens this one
  step_end
  step_name=$1
  step_start=$SECONDS
  echo "== $1"
}
step_end() {
  if [ "$step_start" -gt 0 ] || [ -n "${step_name:-}" ]; then
    timings+=("$(printf '%-42s %4d s' "$step_name" $((SECONDS - step_start)))")
  fi
  step_name=""
}
report_timings() {
  step_end
  [ ${#timings[@]} -gt 0 ] || return 0
  echo "== time per step"
  printf '   %s\n' "${timings[@]}"
}
trap report_timings EXIT

# A sanitizer report fails the program that made it; leaks of third-party code are suppressed
# with a reason in tests/lsan.supp.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}

unit_tests() {  # unit_tests DIR
  local failed=0 t
  for t in "$1"/tests/test_*; do
    [ -x "$t" ] || continue
    if ! "$t" --gtest_brief=1; then failed=1; fi
  done
  if [ "$failed" -ne 0 ]; then
    echo "unit tests in $1 failed" >&2
    exit 1
  fi
}

build_san() {  # build_san TARGET...
  step "sanitizer build ($BUILD_SAN, clang 14, ASan+UBSan): $*"
  if ! command -v clang++-14 >/dev/null; then
    echo "clang++-14 missing: run scripts/install-deps.sh test" >&2
    exit 1
  fi
  # -O1 with line tables: stacks with file:line, asserts kept, a third less compile time than -O2 -g.
  if [ ! -f "$BUILD_SAN/build.ninja" ]; then
    cmake -S . -B "$BUILD_SAN" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize \
      "-DCMAKE_CXX_FLAGS=-O1 -gline-tables-only" -DCMAKE_CXX_COMPILER=clang++-14 \
      -DPW_SANITIZE=ON -DPW_FUZZ=ON >/dev/null
  fi
  cmake --build "$BUILD_SAN" -j "$JOBS" --target "$@"
}

sanitize() {
  step "unit tests under ASan+UBSan"
  unit_tests "$BUILD_SAN"
  step "engine integration tests under ASan+UBSan"
  # The binary aborts on any report; the tests then fail on its exit code and show its stderr.
  PIPEWRIGHT_BINARY="$root/$BUILD_SAN/pipewright" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration/test_engine.py
}

case "$mode" in
  build-san) if [ $# -eq 0 ]; then set -- pipewright pw_unit_tests pw_fuzzers; fi; build_san "$@"; exit 0 ;;
  sanitize) sanitize; exit 0 ;;
esac

step "format check"
bash scripts/format.sh --check
step "unit tests"
unit_tests "$BUILD"
build_san pipewright pw_unit_tests pw_fuzzers
sanitize
step "fuzzers, ${FUZZ_SECONDS} s each"
BUILD_SAN=$BUILD_SAN FUZZ_SEED=${FUZZ_SEED:-1} FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-5} bash scripts/fuzz.sh
step "integration tests"
# Debian's pytest: the python3 first on PATH may be another build without it.
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration "$@"
