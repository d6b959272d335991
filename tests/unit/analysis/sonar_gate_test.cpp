// SonarQube mode's settings checks, project key and the server's gate as the stage shows and
// writes it, without a server or a build.
#include "analysis/sonar_gate.h"

#include <gtest/gtest.h>

namespace pw::analysis::sonar {
namespace {

TEST(SonarSettingsChecks, TokensAndRefusedProperties) {
  EXPECT_TRUE(looks_like_token("squ_0123"));
  EXPECT_TRUE(looks_like_token(std::string(40, 'a')));
  EXPECT_FALSE(looks_like_token("sonar-token"));
  EXPECT_FALSE(looks_like_token(std::string(40, 'A')));
  EXPECT_NE(refused_property("sonar.login").find("SONAR_TOKEN"), std::string::npos);
  EXPECT_EQ(refused_property("sonar.host.url"), "is set from host_url");
  EXPECT_EQ(refused_property("sonar.projectKey"), "is set from project_key");
  EXPECT_EQ(refused_property("sonar.python.version"), "");
}

TEST(SonarProjectKey, ReplacesWhatSonarQubeRefuses) {
  EXPECT_EQ(project_key_for("my service/app"), "my_service_app");
  EXPECT_EQ(project_key_for("a-b_c.d:e"), "a-b_c.d:e");
  EXPECT_EQ(project_key_for("2024"), "project-2024");
}

TEST(SonarGateReport, ConditionsTableReportAndFailures) {
  ProjectStatus gate;
  gate.status = "ERROR";
  gate.conditions = {{"new_coverage", "LT", "80", "61.5", "ERROR"},
                     {"new_bugs", "GT", "0", "0", "OK"}};
  auto r = gate_report(gate, {"http://sq", "svc", "T1", "A1", "http://sq/dashboard?id=svc"});
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_NE(r.failed[0].find("(new_coverage) is"), std::string::npos) << r.failed[0];
  EXPECT_NE(r.table.find("quality gate (SonarQube at http://sq, analysis A1): ERROR"),
            std::string::npos)
      << r.table;
  EXPECT_NE(r.table.find("dashboard: http://sq/dashboard?id=svc"), std::string::npos);
  EXPECT_EQ(r.report["source"], "sonarqube");
  EXPECT_EQ(r.report["task_id"], "T1");
  EXPECT_EQ(r.report["conditions"][0]["status"], "FAILED");
  EXPECT_EQ(r.report["conditions"][0]["actual"], 61.5);
  EXPECT_EQ(r.report["conditions"][1]["message"], "");
  EXPECT_EQ(r.data_conditions[1]["status"], "PASSED");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(SonarGateReport, NoGateIsAWarning) {
  ProjectStatus gate;
  gate.status = "NONE";
  auto r = gate_report(gate, {"http://sq", "svc", "T1", "A1", ""});
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("no quality gate for project svc"), std::string::npos);
  EXPECT_NE(r.table.find("note: "), std::string::npos);
  EXPECT_EQ(r.table.find("dashboard:"), std::string::npos);
}

}  // namespace
}  // namespace pw::analysis::sonar
