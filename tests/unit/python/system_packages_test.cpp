// The interpreter's packages standing in for declared dev dependencies (dev_dependencies: system).
#include "python/system_packages.h"

#include <gtest/gtest.h>

namespace pw::python {
namespace {

TEST(StandIns, SatisfiedMissingAndExcludedVersions) {
  std::map<std::string, std::string> installed = {
      {"pytest", "7.2.1"}, {"coverage", "6.5.0"}, {"typing-extensions", "4.4.0"}};
  MarkerEnvironment env = {{"python_version", "3.11"}, {"sys_platform", "linux"}};
  auto s = check_stand_ins(
      "# generated\n"
      "--no-binary :none:\n"
      "pytest>=8  # too new for Debian 12\n"
      "Coverage[toml]\n"
      "freezegun\n"
      "typing_extensions==4.4.0 --hash=sha256:abc\n"
      "tomli; python_version < \"3.11\"\n"
      "\n",
      installed, env);
  ASSERT_EQ(s.size(), 4u);  // tomli's marker is false on 3.11
  EXPECT_EQ(s[0].requirement, "pytest>=8");
  EXPECT_EQ(s[0].found, "7.2.1");
  EXPECT_FALSE(s[0].satisfied);
  EXPECT_TRUE(s[1].satisfied);  // the name is normalized, extras do not matter
  EXPECT_EQ(s[2].name, "freezegun");
  EXPECT_EQ(s[2].found, "");
  EXPECT_FALSE(s[2].satisfied);
  EXPECT_TRUE(s[3].satisfied);
  EXPECT_EQ(describe_unmet(s), "pytest 7.2.1 for pytest>=8, freezegun (missing)");
}

TEST(StandIns, WithoutAMarkerEnvironmentEveryRequirementCounts) {
  auto s = check_stand_ins("tomli; python_version < \"3.11\"\n", {}, {});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(describe_unmet(s), "tomli (missing)");
}

}  // namespace
}  // namespace pw::python
