// The scheduler with fake stages: no processes, no threads, no clock.
#include "engine/schedule.h"

#include <gtest/gtest.h>

#include "engine/status.h"

namespace pw::engine {

namespace {
// checkout -> {a, b} -> c
Schedule diamond(bool a_blocking = true, FailFast ff = FailFast::yes) {
  return Schedule(
      {{"checkout", {}, true}, {"a", {0}, a_blocking}, {"b", {0}, true}, {"c", {1, 2}, true}}, ff);
}
}  // namespace

TEST(Schedule, IndependentStagesStartTogether) {
  auto s = diamond();
  EXPECT_EQ(s.start_ready(4), std::vector<int>{0});
  EXPECT_TRUE(s.start_ready(4).empty());
  s.finish(0, Status::success);
  EXPECT_EQ(s.start_ready(4), (std::vector<int>{1, 2}));
  s.finish(1, Status::success);
  EXPECT_TRUE(s.start_ready(4).empty());  // c still waits for b
  s.finish(2, Status::success);
  EXPECT_EQ(s.start_ready(4), std::vector<int>{3});
  s.finish(3, Status::success);
  EXPECT_TRUE(s.done());
}

TEST(Schedule, JobsLimitTheStarts) {
  auto s = diamond();
  s.start_ready(1);
  s.finish(0, Status::success);
  EXPECT_EQ(s.start_ready(1), std::vector<int>{1});
  EXPECT_EQ(s.running(), 1u);
}

TEST(Schedule, UnstableStageLetsDependentsRun) {
  auto s = diamond(false);
  s.start_ready(4);
  s.finish(0, Status::success);
  s.start_ready(4);
  s.finish(1, settle(Status::failure, /*blocking=*/false));
  s.finish(2, Status::success);
  EXPECT_EQ(s.status(1), Status::unstable);
  EXPECT_EQ(s.start_ready(4), std::vector<int>{3});
}

TEST(Schedule, BlockingFailureMakesDependentsNotBuilt) {
  auto s = diamond();
  s.start_ready(4);
  s.finish(0, Status::success);
  s.start_ready(4);
  s.finish(1, Status::failure);
  EXPECT_EQ(s.status(3), Status::not_built);
  EXPECT_EQ(s.reason(3), "needs 'a' (FAILURE)");
  EXPECT_FALSE(s.done());  // b is still running
  s.finish(2, Status::success);
  EXPECT_TRUE(s.done());
}

TEST(Schedule, FailFastStopsUnrelatedPendingStages) {
  // checkout -> a (fails); checkout -> slow -> d: d is unrelated to a but must not start.
  Schedule s({{"checkout", {}, true}, {"a", {0}, true}, {"slow", {0}, true}, {"d", {2}, true}},
             FailFast::yes);
  s.start_ready(4);
  s.finish(0, Status::success);
  s.start_ready(4);
  s.finish(1, Status::failure);
  s.finish(2, Status::success);
  EXPECT_EQ(s.status(3), Status::not_built);
  EXPECT_TRUE(s.done());
}

TEST(Schedule, KeepGoingStartsUnrelatedStages) {
  Schedule s({{"checkout", {}, true}, {"a", {0}, true}, {"slow", {0}, true}, {"d", {2}, true}},
             FailFast::no);
  s.start_ready(4);
  s.finish(0, Status::success);
  s.start_ready(4);
  s.finish(1, Status::failure);
  s.finish(2, Status::success);
  EXPECT_EQ(s.start_ready(4), std::vector<int>{3});
}

TEST(Schedule, AbortMarksPendingNotBuilt) {
  auto s = diamond();
  s.start_ready(4);
  s.abort();
  EXPECT_EQ(s.status(1), Status::not_built);
  s.finish(0, Status::aborted);
  EXPECT_TRUE(s.done());
}

TEST(Schedule, SkippedStageLetsDependentsRun) {
  auto s = diamond();
  s.start_ready(4);
  s.finish(0, Status::skipped);
  EXPECT_EQ(s.start_ready(4), (std::vector<int>{1, 2}));
}

TEST(Status, BuildStatusRules) {
  EXPECT_EQ(build_status({Status::success, Status::skipped}, false), Status::success);
  EXPECT_EQ(build_status({Status::success, Status::unstable}, false), Status::unstable);
  EXPECT_EQ(build_status({Status::unstable, Status::failure, Status::not_built}, false),
            Status::failure);
  EXPECT_EQ(build_status({Status::success}, true), Status::aborted);
  EXPECT_EQ(build_status({Status::aborted, Status::failure}, false), Status::failure);
  EXPECT_EQ(build_status({Status::success, Status::aborted}, false), Status::aborted);
  EXPECT_EQ(settle(Status::failure, false), Status::unstable);
  EXPECT_EQ(settle(Status::failure, true), Status::failure);
  EXPECT_EQ(settle(Status::aborted, false), Status::aborted);
  EXPECT_EQ(exit_code_for(Status::unstable, false), ExitCode::unstable);
  EXPECT_EQ(exit_code_for(Status::unstable, true), ExitCode::success);
  EXPECT_EQ(exit_code_for(Status::aborted, false), ExitCode::aborted);
  EXPECT_EQ(exit_code_for(Status::failure, false), ExitCode::failure);
}

// A Jenkins stage's post block: `post` needs the two nested stages a -> b and runs whatever they
// ended as, even after a fail-fast stop; `next` (the stage after the parent) needs both the
// nested stages and the post, so it does not run after a's failure.
namespace {
Schedule with_post(FailFast ff = FailFast::yes) {
  Schedule::Node post{"post", {1, 2}, true, true};
  return Schedule(
      {{"checkout", {}, true}, {"a", {0}, true}, {"b", {1}, true}, post, {"next", {2, 3}, true}},
      ff);
}
}  // namespace

TEST(Schedule, AlwaysStageRunsAfterItsNeedsFailed) {
  auto s = with_post();
  s.start_ready(4);
  s.finish(0, Status::success);
  EXPECT_EQ(s.start_ready(4), std::vector<int>{1});
  s.finish(1, Status::failure);  // fail-fast: the build stops
  EXPECT_EQ(s.status(2), Status::not_built);
  EXPECT_EQ(s.start_ready(4), std::vector<int>{3});  // post still runs
  EXPECT_FALSE(s.done());
  s.finish(3, Status::success);
  EXPECT_EQ(s.status(4), Status::not_built);
  EXPECT_EQ(s.reason(4), "needs 'b' (NOT_BUILT)");
  EXPECT_TRUE(s.done());
}

TEST(Schedule, AlwaysStageWaitsForEveryNeedWithoutFailFast) {
  auto s = with_post(FailFast::no);
  s.start_ready(4);
  s.finish(0, Status::success);
  s.start_ready(4);
  s.finish(1, Status::failure);
  EXPECT_EQ(s.status(2), Status::not_built);
  EXPECT_EQ(s.start_ready(4), std::vector<int>{3});
  s.finish(3, Status::success);
  EXPECT_EQ(s.status(4), Status::not_built);
  EXPECT_EQ(s.reason(4), "needs 'b' (NOT_BUILT)");
}

TEST(Schedule, AlwaysStageRunsInOrderWhenAllSucceed) {
  auto s = with_post();
  s.start_ready(4);
  s.finish(0, Status::success);
  s.start_ready(4);
  s.finish(1, Status::success);
  EXPECT_EQ(s.start_ready(4), std::vector<int>{2});  // post waits for b
  s.finish(2, Status::success);
  EXPECT_EQ(s.start_ready(4), std::vector<int>{3});
  s.finish(3, Status::success);
  EXPECT_EQ(s.start_ready(4), std::vector<int>{4});
}

TEST(Schedule, AlwaysStageIsNotBuiltWhenNoneOfItsNeedsRan) {
  auto s = with_post();
  s.start_ready(4);
  s.finish(0, Status::failure);
  EXPECT_TRUE(s.start_ready(4).empty());
  EXPECT_EQ(s.status(3), Status::not_built);
  EXPECT_EQ(s.reason(3), "needs 'checkout' (FAILURE)");
  EXPECT_TRUE(s.done());
}

TEST(Schedule, AbortStopsAlwaysStagesToo) {
  auto s = with_post();
  s.start_ready(4);
  s.abort("aborted by SIGINT");
  s.finish(0, Status::aborted);
  EXPECT_TRUE(s.start_ready(4).empty());
  EXPECT_EQ(s.status(3), Status::not_built);
  EXPECT_TRUE(s.done());
}

}  // namespace pw::engine
