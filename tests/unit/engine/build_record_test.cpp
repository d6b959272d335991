// What started a build (build.json's trigger), from the environment a run sees.
#include "engine/build_record.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace pw::engine {

namespace {
std::string trigger(std::map<std::string, std::string> env) {
  return build_trigger([&](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  });
}
}  // namespace

TEST(BuildTrigger, NamesTheCiEngineItsEventAndWho) {
  EXPECT_EQ(trigger({{"GITHUB_ACTIONS", "true"},
                     {"GITHUB_EVENT_NAME", "push"},
                     {"GITHUB_ACTOR", "alice"},
                     {"CI", "true"},
                     {"USER", "runner"}}),
            "GitHub Actions push by alice");
  EXPECT_EQ(trigger({{"GITLAB_CI", "true"},
                     {"CI_PIPELINE_SOURCE", "merge_request_event"},
                     {"GITLAB_USER_LOGIN", "bob"}}),
            "GitLab CI merge_request_event by bob");
  EXPECT_EQ(trigger({{"JENKINS_URL", "http://ci/"}, {"JOB_NAME", "app"}, {"BUILD_NUMBER", "12"}}),
            "Jenkins app #12");
  EXPECT_EQ(trigger({{"CI", "true"}}), "CI");
}

TEST(BuildTrigger, OtherwiseTheUser) {
  EXPECT_EQ(trigger({{"USER", "carol"}}), "user carol");
  EXPECT_EQ(trigger({{"LOGNAME", "dave"}}), "user dave");
  EXPECT_EQ(trigger({}), "user");
}

TEST(BuildTrigger, TravelsThroughBuildJson) {
  BuildRecord r;
  r.number = 3;
  r.trigger = "user carol";
  EXPECT_EQ(BuildRecord::from_json(r.to_json(nullptr)).trigger, "user carol");
  auto j = r.to_json(nullptr);
  j.erase("trigger");  // a build.json from before the trigger was recorded
  EXPECT_EQ(BuildRecord::from_json(j).trigger, "");
}

}  // namespace pw::engine
