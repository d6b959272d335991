// One build's test outcomes packed into one value (the index's test_runs.data BLOB): 10,000
// builds of 2,000 tests are 20 million (build, test) facts, too many to insert as rows within
// the rebuild's budget, while nearly all of them say "passed in so many microseconds". The index
// keeps one blob per build and indexed rows only for the tests that did not pass; the views that
// need passes too (a test's history, slowest, flaky, the grid) decode a few blobs.
//
// Layout (version 1): 'T', 1, varint(count), then per run in increasing test id order
// varint((id - previous id) << 2 | outcome), varint(zigzag(duration_us)). About 4 bytes a test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "history/build_facts.h"

namespace pw::history {

struct TestRun {
  int64_t test = 0;  // test_names.id, > 0
  Outcome outcome = Outcome::passed;
  int64_t duration_us = 0;
};

// Sorted by test id; of two runs of one id, the later one is kept (as INSERT OR REPLACE did).
std::string encode_runs(std::vector<TestRun> runs);

// Every run, in test id order. Throws pw::Error naming what is wrong with a damaged blob.
std::vector<TestRun> decode_runs(std::string_view blob);

// The run of one test, without building the whole vector. Throws as decode_runs.
std::optional<TestRun> find_run(std::string_view blob, int64_t test);

// Calls fn(run) for each run in order; stops early when fn returns false. Throws as decode_runs.
template <class F>
void for_each_run(std::string_view blob, F&& fn);

namespace detail {
struct RunReader {
  explicit RunReader(std::string_view blob);  // checks the header
  bool next(TestRun& out);                    // false at the end (after checking nothing trails)
  std::string_view blob;
  size_t pos = 0;
  uint64_t left = 0;
  int64_t last = 0;
};
}  // namespace detail

template <class F>
void for_each_run(std::string_view blob, F&& fn) {
  detail::RunReader r(blob);
  TestRun run;
  while (r.next(run))
    if (!fn(run)) return;
}

}  // namespace pw::history
