// The pool hands every task's exception back to its caller, whatever its type.
#include "util/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/error.h"

namespace pw {

TEST(ThreadPool, FuturesCarryResultsAndExceptions) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.size(), 3u);
  auto ok = pool.submit([] { return 42; });
  auto std_error = pool.submit([]() -> int { throw std::out_of_range("stoull"); });
  auto pw_error = pool.submit([]() -> int { throw Error("a pipewright error"); });
  auto odd = pool.submit([]() -> int { throw 7; });  // not a std::exception
  EXPECT_EQ(ok.get(), 42);
  EXPECT_THROW(std_error.get(), std::out_of_range);
  try {
    pw_error.get();
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "a pipewright error");
  }
  try {
    odd.get();
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("unknown exception"), std::string::npos);
  }
}

TEST(ThreadPool, RunsEveryQueuedTaskBeforeItIsDestroyed) {
  std::atomic<int> done{0};
  {
    ThreadPool pool(2);
    for (int i = 0; i < 100; ++i) pool.submit([&] { ++done; });
  }
  EXPECT_EQ(done.load(), 100);
}

TEST(ThreadPool, WithoutThreadsTasksRunOnTheCaller) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.size(), 0u);
  auto f = pool.submit([] { return std::string("inline"); });
  EXPECT_EQ(f.get(), "inline");
  auto bad = pool.submit([]() -> int { throw std::invalid_argument("x"); });
  EXPECT_THROW(bad.get(), std::invalid_argument);
}

TEST(ParallelFor, RunsEachIndexOnce) {
  std::vector<std::atomic<int>> hits(1000);
  parallel_for(hits.size(), 7, [&](std::size_t i) { hits[i]++; });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  parallel_for(0, 4, [&](std::size_t) { FAIL(); });
  parallel_for(3, 0, [&](std::size_t i) { hits[i]++; });  // 0 workers: the caller alone
  EXPECT_EQ(hits[2].load(), 2);
}

TEST(ParallelFor, RethrowsTheLowestIndexThatThrewAndStopsStartingNewOnes) {
  try {
    parallel_for(10000, 4, [&](std::size_t i) {
      if (i == 5) throw std::out_of_range("index five");
    });
    FAIL();
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "index five");
  }
  // How many other workers start before they see the failure depends on the scheduler (with 4
  // workers a loaded machine once ran all 10,000): one worker shows the rule exactly.
  std::atomic<int> ran{0};
  EXPECT_THROW(parallel_for(10000, 1,
                            [&](std::size_t i) {
                              ++ran;
                              if (i == 5) throw std::out_of_range("index five");
                            }),
               std::out_of_range);
  EXPECT_EQ(ran.load(), 6);
  EXPECT_THROW(parallel_for(3, 2, [](std::size_t) { throw 1; }), Error);
}

}  // namespace pw
