#include <gtest/gtest.h>

#include "engine/console.h"
#include "engine/credentials.h"
#include "engine/engine.h"

namespace pw::engine {

TEST(When, BranchGlob) {
  pipeline::When w;
  w.branch = "release/*";
  std::string why;
  EXPECT_TRUE(when_holds(w, "release/1.2", std::nullopt, why));
  EXPECT_FALSE(when_holds(w, "main", std::nullopt, why));
  EXPECT_NE(why.find("does not match the branch 'main'"), std::string::npos);
}

TEST(When, ChangesGlobsAgainstChangedPaths) {
  pipeline::When w;
  w.changes = {"app/**", "pyproject.toml"};
  std::string why;
  EXPECT_TRUE(when_holds(w, "main", std::vector<std::string>{"app/x/y.py"}, why));
  EXPECT_TRUE(when_holds(w, "main", std::vector<std::string>{"pyproject.toml"}, why));
  EXPECT_FALSE(when_holds(w, "main", std::vector<std::string>{"README.md"}, why));
  // Unknown changes (first build): everything counts as changed.
  EXPECT_TRUE(when_holds(w, "main", std::nullopt, why));
}

TEST(Credentials, EnvNamesFollowTheDocumentedRule) {
  EXPECT_EQ(Credentials::env_name("dockerhub", "password"), "DOCKERHUB_PASSWORD");
  EXPECT_EQ(Credentials::env_name("aws-prod", "secret_key"), "AWS_PROD_SECRET_KEY");
  EXPECT_EQ(Credentials::env_name("sonar-token", ""), "SONAR_TOKEN");
}

TEST(ConsoleTable, PlainTableHasEveryStage) {
  BuildRecord r;
  r.number = 7;
  r.stages.push_back({"checkout", Status::success, true, 120, "abc on main"});
  r.stages.push_back({"tests", Status::failure, true, 4200, "2 failed"});
  r.stages.push_back({"package", Status::not_built, true, 0, "needs 'tests' (FAILURE)"});
  std::string t = Console::table(r, false, 100);
  EXPECT_NE(t.find("checkout  SUCCESS"), std::string::npos) << t;
  EXPECT_NE(t.find("tests     FAILURE"), std::string::npos) << t;
  EXPECT_NE(t.find("package   NOT_BUILT"), std::string::npos) << t;
  EXPECT_EQ(t.find("\x1b["), std::string::npos);
}

}  // namespace pw::engine
