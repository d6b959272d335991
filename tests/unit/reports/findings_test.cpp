// Tests for the common findings model: names, counting, fingerprints, path normalisation.
#include "reports/findings.h"

#include <gtest/gtest.h>

namespace pw::reports {
namespace {

Finding make(std::string tool, std::string rule, Level level, Severity sev = Severity::none,
             std::string file = "a.py", int line = 1, std::string message = "m") {
  Finding f;
  f.tool = std::move(tool);
  f.rule_id = std::move(rule);
  f.level = level;
  f.severity = sev;
  f.file = std::move(file);
  f.line = line;
  f.message = std::move(message);
  return f;
}

TEST(Findings, LevelAndSeverityNamesRoundTrip) {
  for (Level l : {Level::none, Level::note, Level::warning, Level::error}) {
    EXPECT_EQ(parse_level(to_string(l)), l);
  }
  for (Severity s :
       {Severity::none, Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    EXPECT_EQ(parse_severity(to_string(s)), s);
  }
  EXPECT_EQ(parse_severity("HIGH"), Severity::high);
  EXPECT_EQ(parse_severity("Moderate"), Severity::medium);
  EXPECT_EQ(parse_severity("UNDEFINED"), Severity::none);
  EXPECT_EQ(parse_severity("bogus"), std::nullopt);
  EXPECT_EQ(parse_level("Error"), Level::error);
  EXPECT_EQ(parse_level("fatal"), std::nullopt);
}

TEST(Findings, CountsPerToolLevelAndSeverity) {
  std::vector<Finding> fs = {
      make("bandit", "B602", Level::error, Severity::high),
      make("bandit", "B105", Level::note, Severity::low),
      make("bandit", "B307", Level::warning, Severity::medium),
      make("flake8", "F401", Level::warning),
      make("flake8", "F821", Level::error),
      make("pip-audit", "PYSEC-1", Level::error, Severity::critical),
  };
  Counts all = count(fs);
  EXPECT_EQ(all.total, 6);
  EXPECT_EQ(all.errors, 3);
  EXPECT_EQ(all.warnings, 2);
  EXPECT_EQ(all.notes, 1);
  EXPECT_EQ(all.severity(Severity::none), 2);
  EXPECT_EQ(all.at_least(Severity::medium), 3);
  EXPECT_EQ(all.at_least(Severity::high), 2);
  EXPECT_EQ(all.at_least(Severity::none), 6);

  auto by_tool = count_by_tool(fs);
  ASSERT_EQ(by_tool.size(), 3u);
  EXPECT_EQ(by_tool.begin()->first, "bandit");  // ordered by name
  EXPECT_EQ(by_tool["bandit"].total, 3);
  EXPECT_EQ(by_tool["bandit"].severity(Severity::high), 1);
  EXPECT_EQ(by_tool["flake8"].errors, 1);
  EXPECT_EQ(by_tool["pip-audit"].at_least(Severity::high), 1);
}

TEST(Findings, FingerprintsIgnoreLinesButSeparateDuplicates) {
  std::vector<Finding> before = {make("flake8", "E231", Level::warning, Severity::none, "a.py", 10),
                                 make("flake8", "E231", Level::warning, Severity::none, "a.py", 12),
                                 make("flake8", "F401", Level::warning, Severity::none, "a.py", 2)};
  // The same code moved down by 5 lines, reported in another order.
  std::vector<Finding> after = {make("flake8", "F401", Level::warning, Severity::none, "a.py", 7),
                                make("flake8", "E231", Level::warning, Severity::none, "a.py", 17),
                                make("flake8", "E231", Level::warning, Severity::none, "a.py", 15)};
  assign_fingerprints(before);
  assign_fingerprints(after);
  EXPECT_NE(before[0].fingerprint, before[1].fingerprint);
  EXPECT_EQ(before[0].fingerprint, after[2].fingerprint);  // first E231 stays first
  EXPECT_EQ(before[1].fingerprint, after[1].fingerprint);
  EXPECT_EQ(before[2].fingerprint, after[0].fingerprint);
  EXPECT_EQ(before[0].fingerprint.size(), 32u);

  // An existing fingerprint is kept.
  std::vector<Finding> kept = {make("x", "y", Level::note)};
  kept[0].fingerprint = "given";
  assign_fingerprints(kept);
  EXPECT_EQ(kept[0].fingerprint, "given");
}

TEST(Findings, SortOrdersByFileLineColumn) {
  std::vector<Finding> fs = {make("t", "r", Level::note, Severity::none, "b.py", 1),
                             make("t", "r", Level::note, Severity::none, "a.py", 20),
                             make("t", "r", Level::note, Severity::none, "a.py", 3)};
  sort_findings(fs);
  EXPECT_EQ(fs[0].line, 3);
  EXPECT_EQ(fs[1].line, 20);
  EXPECT_EQ(fs[2].file, "b.py");
}

TEST(Findings, RelativePaths) {
  EXPECT_EQ(relative_path("./app/x.py", ""), "app/x.py");
  EXPECT_EQ(relative_path("app/../lib/x.py", ""), "lib/x.py");
  EXPECT_EQ(relative_path("/home/dev/p/app/x.py", "/home/dev/p"), "app/x.py");
  EXPECT_EQ(relative_path("/home/dev/p/app/x.py", "/home/dev/p/"), "app/x.py");
  EXPECT_EQ(relative_path("/usr/lib/python3/x.py", "/home/dev/p"), "/usr/lib/python3/x.py");
  EXPECT_EQ(relative_path("/home/dev/project2/x.py", "/home/dev/p"), "/home/dev/project2/x.py");
  EXPECT_EQ(relative_path("", "/r"), "");
  EXPECT_EQ(relative_path("x.py", "/r"), "x.py");
}

}  // namespace
}  // namespace pw::reports
