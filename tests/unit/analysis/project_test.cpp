// analyse_project on tests/fixtures/analysis/project (see its README.md) with new code given, the
// gate on its measures, and the shapes of the three JSON writers.
#include "analysis/project.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "analysis/writers.h"

namespace pw::analysis {
namespace {

namespace fs = std::filesystem;

const fs::path kFixture = fs::path(PW_FIXTURES) / "analysis" / "project";

AnalysisInput fixture_input() {
  AnalysisInput in;
  in.root = kFixture;
  in.coverage_xml = kFixture / "coverage.xml";
  in.junit_xml = kFixture / "report.xml";
  in.sarif_files = {kFixture / "quality.sarif"};
  NewCode nc;
  nc.available = true;
  nc.reference = "0123456789abcdef0123456789abcdef01234567";
  nc.reference_label = "merge-base with main";
  nc.lines["app/calc.py"] = {16, 17, 18, 19, 20};
  nc.lines["app/util.py"] = {9, 10};
  in.new_code = nc;
  return in;
}

const AnalysisResult& fixture_result() {
  static const AnalysisResult r = analyse_project(fixture_input());
  return r;
}

double measure(const AnalysisResult& r, const std::string& key) {
  auto v = r.measures.get(key);
  EXPECT_TRUE(v.has_value()) << key;
  return v.value_or(-1);
}

TEST(Project, FindsAndMeasuresFilesSkippingBadOnes) {
  const auto& r = fixture_result();
  ASSERT_EQ(r.files.size(), 3u);  // tests/ excluded, latin1.py and broken.py skipped
  EXPECT_EQ(r.files[0].path, "app/__init__.py");
  EXPECT_EQ(r.files[1].path, "app/calc.py");
  EXPECT_EQ(r.files[2].path, "app/util.py");
  EXPECT_EQ(r.totals.ncloc, 18);
  EXPECT_EQ(measure(r, "ncloc"), 18);
  EXPECT_EQ(measure(r, "lines"), 20 + 10);
  EXPECT_EQ(measure(r, "functions"), 5);
  bool latin1 = false, broken = false;
  for (const auto& w : r.warnings) {
    latin1 |= w.file == "app/latin1.py" && w.message == "skipped: not UTF-8 text";
    broken |= w.file == "app/broken.py" && w.message.starts_with("skipped: not valid Python");
  }
  EXPECT_TRUE(latin1);
  EXPECT_TRUE(broken);
}

TEST(Project, CoverageTestsAndDuplication) {
  const auto& r = fixture_result();
  ASSERT_TRUE(r.coverage.has_value());
  // 18 lines (13 covered) and 4 conditions (2 covered): 15 / 22.
  EXPECT_NEAR(measure(r, "coverage"), 100.0 * 15 / 22, 1e-9);
  // New: calc 16 (covered), 17-20 (not); util 9-10 (covered): 3 of 7.
  EXPECT_NEAR(measure(r, "new_coverage"), 100.0 * 3 / 7, 1e-9);
  EXPECT_EQ(r.measures.details.at("new_coverage"), "3 of 7 new lines covered");
  EXPECT_EQ(r.measures.hints.at("new_coverage"), "add tests for app/calc.py lines 17-20");
  EXPECT_EQ(measure(r, "tests"), 4);
  EXPECT_EQ(measure(r, "test_failures"), 1);
  EXPECT_EQ(measure(r, "skipped_tests"), 1);
  EXPECT_EQ(measure(r, "duplicated_lines"), 0);
  EXPECT_EQ(measure(r, "new_duplicated_lines_density"), 0);
  EXPECT_EQ(r.new_ncloc, 7);
  EXPECT_EQ(measure(r, "new_lines"), 7);
}

TEST(Project, FileNoTestImportedCountsAsUncovered) {
  // A copy of the fixture with app/extra.py, which coverage.xml does not mention: its 3 lines of
  // code become uncovered lines to cover, overall and (being new) on new code.
  fs::path root = fs::temp_directory_path() / ("pw-cov-absent-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::copy(kFixture, root, fs::copy_options::recursive);
  {
    std::ofstream extra(root / "app" / "extra.py");
    extra << "# not imported by any test\n\ndef unused(x):\n    y = x * 2\n    return y\n";
  }
  AnalysisInput in = fixture_input();
  in.root = root;
  in.coverage_xml = root / "coverage.xml";
  in.junit_xml = root / "report.xml";
  in.sarif_files = {root / "quality.sarif"};
  in.new_code->lines["app/extra.py"] = {1, 2, 3, 4, 5};
  AnalysisResult r = analyse_project(in);
  fs::remove_all(root);
  ASSERT_TRUE(r.coverage.has_value());
  EXPECT_EQ(r.coverage->files_not_in_report, (std::vector<std::string>{"app/extra.py"}));
  EXPECT_NEAR(measure(r, "coverage"), 100.0 * 15 / (22 + 3), 1e-9);
  EXPECT_NEAR(measure(r, "new_coverage"), 100.0 * 3 / (7 + 3), 1e-9);
  EXPECT_EQ(r.measures.details.at("new_coverage"), "3 of 10 new lines covered");
  EXPECT_NE(r.measures.hints.at("new_coverage").find("app/extra.py lines 3-5"), std::string::npos);
  auto j = nlohmann::json::parse(analysis_json(r));
  EXPECT_EQ(j["coverage"]["files_not_in_report"], 1);
  EXPECT_EQ(j["coverage"]["overall"]["lines_to_cover"], 18 + 3);
}

TEST(Project, IssuesRatingsAndReviews) {
  const auto& r = fixture_result();
  ASSERT_EQ(r.issues.size(), 6u);
  EXPECT_EQ(measure(r, "bugs"), 1);             // F821
  EXPECT_EQ(measure(r, "vulnerabilities"), 2);  // B602 high/high, the critical advisory
  EXPECT_EQ(measure(r, "code_smells"), 1);      // C0116
  EXPECT_EQ(measure(r, "security_hotspots"), 2);
  EXPECT_EQ(measure(r, "security_hotspots_reviewed"), 50);  // B404 reviewed SAFE
  EXPECT_EQ(measure(r, "reliability_rating"), 3);           // MAJOR bug: C
  EXPECT_EQ(measure(r, "security_rating"), 5);              // BLOCKER advisory: E
  EXPECT_EQ(measure(r, "sqale_index"), 2);
  EXPECT_NEAR(measure(r, "sqale_debt_ratio"), 100.0 * 2 / (18 * 30), 1e-9);
  EXPECT_EQ(measure(r, "sqale_rating"), 1);
  // New code: F821 (line 20), C0116 (util.py:9), B105 (calc.py:17, unreviewed).
  EXPECT_EQ(measure(r, "new_bugs"), 1);
  EXPECT_EQ(measure(r, "new_vulnerabilities"), 0);
  EXPECT_EQ(measure(r, "new_code_smells"), 1);
  EXPECT_EQ(measure(r, "new_reliability_rating"), 3);
  EXPECT_EQ(measure(r, "new_security_rating"), 1);
  EXPECT_EQ(measure(r, "new_maintainability_rating"), 1);
  EXPECT_EQ(measure(r, "new_security_hotspots_reviewed"), 0);
  for (const auto& i : r.issues) {
    if (i.finding.rule_id == "B404") {
      EXPECT_EQ(i.review, ReviewStatus::safe);
      EXPECT_FALSE(i.is_new);
    }
    if (i.finding.rule_id == "PYSEC-2099-1") {
      EXPECT_EQ(i.severity, IssueSeverity::blocker);
      EXPECT_EQ(i.finding.file, "requirements.txt");
    }
  }
}

TEST(Project, SonarWayGateOnTheFixture) {
  const auto& r = fixture_result();
  // The fixture's new code is 7 lines of code: the small-changeset rule (below) would pass its
  // coverage; turned off here to see every condition on its value.
  GateOptions all;
  all.small_changeset_lines = 0;
  auto gate = evaluate_gate(r.measures, default_gate(), r.new_code_info, all);
  EXPECT_EQ(gate.status, GateStatus::error);
  ASSERT_EQ(gate.conditions.size(), 6u);
  EXPECT_EQ(gate.conditions[0].status, ConditionStatus::failed);
  EXPECT_EQ(gate.conditions[0].message,
            "Coverage on new code is 42.9% (3 of 7 new lines covered), below 80%: add tests for "
            "app/calc.py lines 17-20");
  EXPECT_EQ(gate.conditions[1].status, ConditionStatus::passed);
  EXPECT_EQ(gate.conditions[2].status, ConditionStatus::failed);
  EXPECT_NE(gate.conditions[2].message.find("app/calc.py:20 F821 undefined name 'reslt'"),
            std::string::npos);
  EXPECT_EQ(gate.conditions[3].status, ConditionStatus::passed);
  EXPECT_EQ(gate.conditions[4].status, ConditionStatus::passed);
  EXPECT_EQ(gate.conditions[5].status, ConditionStatus::failed);
  EXPECT_NE(gate.conditions[5].message.find("app/calc.py:17 B105"), std::string::npos);
  EXPECT_FALSE(gate.ignored_small_changeset);

  // With SonarQube's default, coverage on 7 new lines is not checked; the bug still fails.
  auto small = evaluate_gate(r.measures, default_gate(), r.new_code_info);
  EXPECT_EQ(small.status, GateStatus::error);
  EXPECT_EQ(small.conditions[0].status, ConditionStatus::passed);
  EXPECT_EQ(small.conditions[0].reason, "fewer than 20 new lines");
  EXPECT_EQ(small.conditions[2].status, ConditionStatus::failed);
  EXPECT_TRUE(small.ignored_small_changeset);
}

TEST(Project, UnknownNewCodeAndIncludedTests) {
  AnalysisInput in = fixture_input();
  NewCode unknown;
  unknown.reason = "cannot compute new code: not a git repository";
  in.new_code = unknown;
  in.include_tests = true;
  in.hotspot_reviews = kFixture / "missing-reviews.yaml";
  auto r = analyse_project(in);
  EXPECT_EQ(r.files.size(), 4u);  // tests/test_calc.py too
  EXPECT_FALSE(r.measures.get("new_coverage").has_value());
  EXPECT_FALSE(r.on_new_code.has_value());
  EXPECT_EQ(r.measures.get("security_hotspots_reviewed"), 0.0);  // no reviews file
  auto gate = evaluate_gate(r.measures, default_gate(), r.new_code_info);
  EXPECT_EQ(gate.status, GateStatus::ok);
  EXPECT_EQ(gate.conditions[0].status, ConditionStatus::no_value);
}

TEST(Project, MissingReportsAreWarningsNotCrashes) {
  AnalysisInput in;
  in.root = kFixture;
  in.coverage_xml = kFixture / "nope.xml";
  in.junit_xml = kFixture / "README.md";  // not XML
  in.sarif_files = {kFixture / "absent.sarif"};
  in.new_code = NewCode{};
  auto r = analyse_project(in);
  EXPECT_FALSE(r.coverage.has_value());
  EXPECT_FALSE(r.tests.has_value());
  EXPECT_TRUE(r.issues.empty());
  EXPECT_GE(r.warnings.size(), 5u);  // 2 skipped files + 3 reports
}

TEST(Project, HelpersAndGlobs) {
  EXPECT_EQ(line_ranges({1, 2, 3, 5, 7, 8}), "1-3, 5, 7-8");
  EXPECT_EQ(line_ranges({1, 3, 5}, 2), "1, 3, ...");
  EXPECT_TRUE(is_test_file("tests/unit/x.py"));
  EXPECT_TRUE(is_test_file("app/test_x.py"));
  EXPECT_TRUE(is_test_file("conftest.py"));
  EXPECT_FALSE(is_test_file("app/testing.py"));
  AnalysisInput in = fixture_input();
  in.include = {"app/c*.py"};
  EXPECT_EQ(analyse_project(in).files.size(), 1u);
  in.include = {};
  in.exclude = {"app/util.py"};
  EXPECT_EQ(analyse_project(in).files.size(), 2u);
}

TEST(Writers, AnalysisJsonShape) {
  auto j = nlohmann::json::parse(analysis_json(fixture_result()));
  EXPECT_EQ(j["version"], 1);
  ASSERT_EQ(j["files"].size(), 3u);
  const auto& calc = j["files"][1];
  EXPECT_EQ(calc["path"], "app/calc.py");
  EXPECT_EQ(calc["new_lines"], 5);
  EXPECT_EQ(calc["function_metrics"].size(), 3u);
  EXPECT_EQ(calc["function_metrics"][1]["name"], "classify");
  EXPECT_TRUE(calc["coverage"].is_number());
  EXPECT_EQ(j["total"]["ncloc"], 18);
  EXPECT_TRUE(j["duplication"]["blocks"].is_array());
  EXPECT_EQ(j["new_code"]["reference_label"], "merge-base with main");
  EXPECT_EQ(j["new_code"]["files"]["app/calc.py"], "16-20");
  EXPECT_EQ(j["coverage"]["overall"]["lines_to_cover"], 18);
  EXPECT_EQ(j["tests"]["failed"], 1);
  ASSERT_EQ(j["issues"].size(), 6u);
  for (const auto& i : j["issues"]) {
    for (const char* k :
         {"tool", "rule", "type", "severity", "effort_minutes", "file", "line", "message", "new"})
      EXPECT_TRUE(i.contains(k)) << k;
  }
  EXPECT_EQ(j["ratings"]["overall"]["security"], "E");
  EXPECT_EQ(j["ratings"]["new_code"]["reliability"], "C");
  EXPECT_EQ(j["measures"]["bugs"], 1);
  EXPECT_TRUE(j["warnings"].is_array());
  EXPECT_EQ(analysis_json(fixture_result()), analysis_json(fixture_result()));  // deterministic
}

TEST(Writers, QualityGateJsonShape) {
  const auto& r = fixture_result();
  GateOptions all;
  all.small_changeset_lines = 0;
  auto j = nlohmann::json::parse(
      quality_gate_json(evaluate_gate(r.measures, default_gate(), r.new_code_info, all)));
  EXPECT_EQ(j["status"], "ERROR");
  ASSERT_EQ(j["conditions"].size(), 6u);
  EXPECT_EQ(j["conditions"][0]["metric"], "new_coverage");
  EXPECT_EQ(j["conditions"][0]["op"], "LT");
  EXPECT_EQ(j["conditions"][0]["threshold"], 80.0);
  EXPECT_EQ(j["conditions"][0]["status"], "FAILED");
  EXPECT_TRUE(j["conditions"][0]["actual"].is_number());
  EXPECT_TRUE(j["conditions"][0]["reason"].is_null());
  EXPECT_EQ(j["ignored_conditions_on_small_changeset"], false);
  auto small = nlohmann::json::parse(
      quality_gate_json(evaluate_gate(r.measures, default_gate(), r.new_code_info)));
  EXPECT_EQ(small["conditions"][0]["status"], "PASSED");
  EXPECT_EQ(small["conditions"][0]["reason"], "fewer than 20 new lines");
  EXPECT_EQ(small["ignored_conditions_on_small_changeset"], true);
  auto unknown = nlohmann::json::parse(quality_gate_json(
      evaluate_gate(Measures{}, default_gate(), NewCodeInfo{false, "no git", "", 0})));
  EXPECT_EQ(unknown["status"], "OK");
  EXPECT_TRUE(unknown["conditions"][0]["actual"].is_null());
  EXPECT_EQ(unknown["conditions"][0]["status"], "NO_VALUE");
  EXPECT_EQ(unknown["warnings"].size(), 1u);
}

// SonarQube 10.3+'s generic format: rules with a clean code attribute and impacts, issues that
// only name their rule (no severity, no type, no engine).
TEST(Writers, SonarGenericIssuesCurrentFormat) {
  auto j = nlohmann::json::parse(sonar_generic_issues_json(fixture_result()));
  const auto& issues = j["issues"];
  ASSERT_EQ(issues.size(), 5u);  // the reviewed hotspot B404 is left out
  std::set<std::string> rule_ids;
  const std::set<std::string> attributes = {"FORMATTED",  "CONVENTIONAL", "IDENTIFIABLE", "CLEAR",
                                            "LOGICAL",    "COMPLETE",     "EFFICIENT",    "FOCUSED",
                                            "DISTINCT",   "MODULAR",      "TESTED",       "LAWFUL",
                                            "RESPECTFUL", "TRUSTWORTHY"};
  for (const auto& r : j["rules"]) {
    EXPECT_TRUE(rule_ids.insert(r["id"].get<std::string>()).second) << r.dump();
    EXPECT_TRUE(r["name"].is_string());
    EXPECT_TRUE(r["engineId"].is_string());
    EXPECT_TRUE(attributes.count(r["cleanCodeAttribute"].get<std::string>())) << r.dump();
    ASSERT_EQ(r["impacts"].size(), 1u);
    const std::string q = r["impacts"][0]["softwareQuality"], sev = r["impacts"][0]["severity"];
    EXPECT_TRUE(q == "MAINTAINABILITY" || q == "RELIABILITY" || q == "SECURITY") << q;
    EXPECT_TRUE(sev == "LOW" || sev == "MEDIUM" || sev == "HIGH") << sev;
    if (r["id"] == "F821") {
      EXPECT_EQ(q, "RELIABILITY");  // a bug
      EXPECT_EQ(sev, "MEDIUM");     // MAJOR
      EXPECT_EQ(r["cleanCodeAttribute"], "LOGICAL");
    }
  }
  for (const auto& i : issues) {
    EXPECT_FALSE(i.contains("severity"));
    EXPECT_FALSE(i.contains("type"));
    EXPECT_FALSE(i.contains("engineId"));
    EXPECT_TRUE(rule_ids.count(i["ruleId"].get<std::string>())) << i.dump();
    EXPECT_TRUE(i["primaryLocation"]["filePath"].is_string());
  }
}

TEST(Writers, SonarGenericIssuesShape) {
  auto j = nlohmann::json::parse(
      sonar_generic_issues_json(fixture_result(), SonarIssuesFormat::deprecated));
  EXPECT_FALSE(j.contains("rules"));
  const auto& issues = j["issues"];
  ASSERT_EQ(issues.size(), 5u);  // the reviewed hotspot B404 is left out
  bool hotspot = false;
  for (const auto& i : issues) {
    EXPECT_TRUE(i["engineId"].is_string());
    EXPECT_TRUE(i["ruleId"].is_string());
    EXPECT_TRUE(i["effortMinutes"].is_number());
    const std::string type = i["type"];
    EXPECT_TRUE(type == "BUG" || type == "VULNERABILITY" || type == "CODE_SMELL") << type;
    const auto& loc = i["primaryLocation"];
    EXPECT_TRUE(loc["filePath"].is_string());
    EXPECT_TRUE(loc["textRange"]["startLine"].is_number());
    if (i["ruleId"] == "F821") {
      EXPECT_EQ(i["type"], "BUG");
      EXPECT_EQ(i["severity"], "MAJOR");
      EXPECT_EQ(loc["filePath"], "app/calc.py");
      EXPECT_EQ(loc["textRange"]["startLine"], 20);
      EXPECT_EQ(loc["textRange"]["startColumn"], 11);  // SARIF 12 (1-based) -> Sonar 11
      EXPECT_EQ(i["effortMinutes"], 20);
    }
    if (i["ruleId"] == "B105") {
      hotspot = true;
      EXPECT_EQ(i["type"], "CODE_SMELL");
      EXPECT_EQ(loc["message"].get<std::string>().rfind("Security hotspot to review: ", 0), 0u);
    }
  }
  EXPECT_TRUE(hotspot);
}

}  // namespace
}  // namespace pw::analysis
