// What an environment's installed distributions say about each other (dist_info.h).
#include "python/dist_info.h"

#include <gtest/gtest.h>

namespace pw::python {
namespace {

TEST(CloseOverRequirements, FollowsRequiresTransitivelyAndStopsAtCycles) {
  std::set<std::string> closure = {"app"};
  std::map<std::string, std::vector<std::string>> requires_ = {
      {"app", {"requests"}},
      {"requests", {"urllib3", "idna"}},
      {"idna", {"requests"}},  // a cycle ends the walk, not loops it
      {"unrelated", {"six"}}};
  close_over_requirements(closure, requires_);
  EXPECT_EQ(closure, (std::set<std::string>{"app", "idna", "requests", "urllib3"}));
}

TEST(CloseOverRequirements, NamesWithoutMetadataStayAsTheyAre) {
  std::set<std::string> closure = {"a", "b"};
  close_over_requirements(closure, {});
  EXPECT_EQ(closure, (std::set<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace pw::python
