#!/usr/bin/env bash
# `make fuzz` and the fuzzers' short runs in `make test`: runs every libFuzzer harness of
# tests/fuzz (built in the sanitizer tree, see tests/fuzz/README.md) for FUZZ_SECONDS each,
# FUZZ_JOBS at a time, and fails when one found something. Usage: scripts/fuzz.sh [name...]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
BUILD_SAN=${BUILD_SAN:-build-san}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-2}
# FUZZ_SEED fixes libFuzzer's random seed: `make test` sets it, so a CI run on unchanged code
# explores the same inputs and cannot fail on a coincidence; `make fuzz` leaves it random to
# explore anew each time.
FUZZ_SEED=${FUZZ_SEED:-0}
# Seconds one input may take (libFuzzer's -timeout). `make fuzz` keeps the 1 s budget;
# `make test` allows 5 s: a timeout found at 1 s replayed in 0.07 s, the rest was a loaded
# machine's scheduler, and a real pathological input takes far longer than either.
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-1}
list="$BUILD_SAN/tests/fuzz/fuzzers.txt"
[ -f "$list" ] || { echo "fuzz: $list missing; build the sanitizer tree first (make fuzz does)" >&2; exit 2; }
work="$root/$BUILD_SAN/fuzz"
mkdir -p "$work"

# A failure here is a bug: keep the stack, stop at the first report. Leaks of known third-party
# code are suppressed with a reason in tests/lsan.supp.
# ASan keeps freed memory in a 256 MB quarantine by default, which the fuzzers' 256 MB RSS limit
# would count as ours: a small one keeps the limit about pipewright's memory.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}

# Seeds: the tracked files of the listed folders that fit max_len, copied into a working corpus
# that grows across runs (build-san/fuzz/corpus/<name>; `make clean` forgets it).
seed() {
  local name=$1 max_len=$2 dirs=$3 corpus="$work/corpus/$1" d f
  mkdir -p "$corpus"
  IFS=, read -r -a seed_dirs <<<"$dirs"
  for d in "${seed_dirs[@]}"; do
    [ -n "$d" ] || continue
    if git ls-files --error-unmatch "$d" >/dev/null 2>&1; then
      git ls-files -z -- "$d"
    else
      find "$d" -type f -print0 2>/dev/null
    fi | while IFS= read -r -d '' f; do
      [ "$(stat -c %s "$f")" -le "$max_len" ] || continue
      cp "$f" "$corpus/seed-$(sha1sum <"$f" | cut -c1-16)"
    done
  done
}

run_one() {
  local name=$1 max_len=$2 dirs=$3 bin="$BUILD_SAN/tests/fuzz/fuzz_$1"
  local log="$work/logs/$name.log" found="$work/findings/$name/"
  mkdir -p "$work/logs" "$found"
  seed "$name" "$max_len" "$dirs"
  local code=0
  "$bin" -seed="$FUZZ_SEED" -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -rss_limit_mb=256 -malloc_limit_mb=256 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$found" \
    "$work/corpus/$name" >"$log" 2>&1 || code=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ "$code" -eq 0 ]; then
    printf 'fuzz %-20s ok      %10s executions in %ss\n' "$name" "${execs:-?}" "$FUZZ_SECONDS"
  else
    printf 'fuzz %-20s FAILED  %10s executions; input saved in %s, log %s\n' "$name" \
      "${execs:-?}" "$(ls -t "$found" | head -n 1 | sed "s|^|$found|")" "$log"
    grep -m 3 -E 'ERROR:|runtime error|==pw-fuzz==|SUMMARY' "$log" | sed 's/^/    /' || true
    return 1
  fi
}
export -f seed run_one
export BUILD_SAN FUZZ_SECONDS FUZZ_SEED FUZZ_TIMEOUT work

wanted=" $* "
status=0
grep -v '^$' "$list" | while read -r name max_len dirs; do
  if [ $# -eq 0 ] || [[ "$wanted" == *" $name "* ]]; then printf '%s %s %s\n' "$name" "$max_len" "${dirs:-,}"; fi
done | xargs -P "$FUZZ_JOBS" -L 1 bash -c 'run_one "$@"' _ || status=$?
if [ "$status" -ne 0 ]; then
  echo "fuzz: a harness found an input that breaks a parser. Fix the parser and add the input as a" >&2
  echo "unit test in tests/unit/<layer>/ (tests/fuzz/README.md)." >&2
  exit 1
fi
