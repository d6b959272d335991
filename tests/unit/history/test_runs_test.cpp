// The packed record of a build's tests (history/test_runs.h): what goes in comes out, and a
// damaged record is refused with a message rather than read as something else.
#include "history/test_runs.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace pw::history {
namespace {

TEST(TestRuns, RoundTripsInTestIdOrder) {
  std::vector<TestRun> in = {{7, Outcome::failed, 500000},
                             {1, Outcome::passed, 12},
                             {300, Outcome::skipped, 0},
                             {2, Outcome::error, 4'000'000'000'000LL},  // ~46 days
                             {40000, Outcome::passed, -3}};             // a clock that went back
  std::string blob = encode_runs(in);
  auto out = decode_runs(blob);
  ASSERT_EQ(out.size(), 5u);
  std::vector<int64_t> ids;
  for (const auto& r : out) ids.push_back(r.test);
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 2, 7, 300, 40000}));
  EXPECT_EQ(out[1].outcome, Outcome::error);
  EXPECT_EQ(out[1].duration_us, 4'000'000'000'000LL);
  EXPECT_EQ(out[2].outcome, Outcome::failed);
  EXPECT_EQ(out[3].outcome, Outcome::skipped);
  EXPECT_EQ(out[4].duration_us, -3);
  auto one = find_run(blob, 300);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->outcome, Outcome::skipped);
  EXPECT_FALSE(find_run(blob, 8));
  EXPECT_FALSE(find_run(blob, 50000));
  EXPECT_TRUE(decode_runs(encode_runs({})).empty());
}

TEST(TestRuns, KeepsTheLastOfTwoRunsOfOneTest) {
  auto out = decode_runs(encode_runs({{3, Outcome::passed, 1}, {3, Outcome::failed, 2}}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].outcome, Outcome::failed);
  EXPECT_EQ(out[0].duration_us, 2);
}

TEST(TestRuns, TakesAboutFourBytesATest) {
  std::vector<TestRun> in;
  for (int i = 1; i <= 2000; ++i) in.push_back({i, Outcome::passed, 10000 + i});
  EXPECT_LT(encode_runs(in).size(), 2000u * 5);
}

std::string refused(const std::string& blob) {
  try {
    decode_runs(blob);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TestRuns, ADamagedRecordIsRefusedWithAMessage) {
  std::string good = encode_runs({{1, Outcome::passed, 500000}, {2, Outcome::failed, 600000}});
  EXPECT_NE(refused("").find("not a test runs record"), std::string::npos);
  EXPECT_NE(refused("Xabc").find("not a test runs record"), std::string::npos);
  std::string newer = good;
  newer[1] = 9;
  EXPECT_NE(refused(newer).find("format 9"), std::string::npos);
  EXPECT_NE(refused(good.substr(0, good.size() - 1)).find("cut short"), std::string::npos);
  EXPECT_NE(refused(good + "x").find("after the last run"), std::string::npos);
  std::string huge = good;
  huge[2] = 100;  // claims 100 runs in 8 bytes
  EXPECT_NE(refused(huge).find("claims 100 runs"), std::string::npos);
  std::string repeated = encode_runs({{1, Outcome::passed, 5}, {2, Outcome::passed, 6}});
  repeated[5] = 0;  // the second run's id delta: 0, the same test again
  EXPECT_NE(refused(repeated).find("out of order"), std::string::npos);
  EXPECT_NE(refused(good.substr(0, 4)).find("rebuild"), std::string::npos);
}

}  // namespace
}  // namespace pw::history
