// Each classification rule of issues.h (tool finding -> SonarQube type and severity) and the
// remediation effort table.
#include "analysis/issues.h"

#include <gtest/gtest.h>

namespace pw::analysis {
namespace {

using reports::Finding;
using reports::Level;
using reports::Severity;
using T = IssueType;
using S = IssueSeverity;

Finding f(std::string tool, std::string rule, Level level = Level::warning,
          Severity severity = Severity::none, Severity confidence = Severity::none) {
  Finding x;
  x.tool = std::move(tool);
  x.rule_id = std::move(rule);
  x.level = level;
  x.severity = severity;
  x.confidence = confidence;
  return x;
}

Classification c(T t, S s) { return {t, s}; }

TEST(Issues, SyntaxErrorsAreBlockerBugs) {
  EXPECT_EQ(classify(f("flake8", "E999", Level::error)), c(T::bug, S::blocker));
  EXPECT_EQ(classify(f("flake8", "E901", Level::error)), c(T::bug, S::blocker));
  EXPECT_EQ(classify(f("ruff", "syntax-error", Level::error)), c(T::bug, S::blocker));
  EXPECT_EQ(classify(f("pylint", "E0001", Level::error)), c(T::bug, S::blocker));
  EXPECT_EQ(classify(f("mypy", "syntax", Level::error)), c(T::bug, S::blocker));
  EXPECT_EQ(classify(f("black", "parse-error", Level::error)), c(T::bug, S::blocker));
  EXPECT_EQ(classify(f("ruff-format", "parse-error", Level::error)), c(T::bug, S::blocker));
}

TEST(Issues, CodeThatCannotRunIsMajorBug) {
  for (const char* rule : {"E902", "F631", "F632", "F701", "F706", "F821", "F822", "F823"}) {
    EXPECT_EQ(classify(f("flake8", rule, Level::error)), c(T::bug, S::major)) << rule;
    EXPECT_EQ(classify(f("ruff", rule, Level::error)), c(T::bug, S::major)) << rule;
  }
}

TEST(Issues, OtherLintCodesAreSmells) {
  EXPECT_EQ(classify(f("flake8", "F401")), c(T::code_smell, S::major));
  EXPECT_EQ(classify(f("flake8", "F841")), c(T::code_smell, S::major));
  EXPECT_EQ(classify(f("flake8", "E501")), c(T::code_smell, S::minor));
  EXPECT_EQ(classify(f("flake8", "W291")), c(T::code_smell, S::minor));
  EXPECT_EQ(classify(f("flake8", "C901")), c(T::code_smell, S::critical));
  EXPECT_EQ(classify(f("ruff", "B006")), c(T::code_smell, S::major));
  EXPECT_EQ(classify(f("ruff", "D103")), c(T::code_smell, S::info));
  EXPECT_EQ(classify(f("ruff", "I001")), c(T::code_smell, S::info));
  EXPECT_EQ(classify(f("ruff", "UP006")), c(T::code_smell, S::minor));
  // A multi-letter ruff prefix is not pyflakes' F nor pycodestyle's E.
  EXPECT_EQ(classify(f("ruff", "FBT001")), c(T::code_smell, S::minor));
  EXPECT_EQ(classify(f("ruff", "ERA001")), c(T::code_smell, S::minor));
}

TEST(Issues, MypyLevels) {
  EXPECT_EQ(classify(f("mypy", "assignment", Level::error)), c(T::bug, S::major));
  EXPECT_EQ(classify(f("mypy", "unused-ignore", Level::warning)), c(T::code_smell, S::minor));
  EXPECT_EQ(classify(f("mypy", "", Level::note)), c(T::code_smell, S::info));
}

TEST(Issues, PylintCategories) {
  EXPECT_EQ(classify(f("pylint", "F0002", Level::error)), c(T::bug, S::blocker));
  EXPECT_EQ(classify(f("pylint", "E1101", Level::error)), c(T::bug, S::major));
  EXPECT_EQ(classify(f("pylint", "W0612")), c(T::code_smell, S::major));
  EXPECT_EQ(classify(f("pylint", "R0913", Level::note)), c(T::code_smell, S::minor));
  EXPECT_EQ(classify(f("pylint", "C0116", Level::note)), c(T::code_smell, S::minor));
  EXPECT_EQ(classify(f("pylint", "I0011", Level::note)), c(T::code_smell, S::info));
}

TEST(Issues, BanditSureAndSevereIsVulnerabilityElseHotspot) {
  EXPECT_EQ(classify(f("bandit", "B602", Level::error, Severity::high, Severity::high)),
            c(T::vulnerability, S::critical));
  EXPECT_EQ(classify(f("bandit", "B602", Level::error, Severity::high, Severity::medium)),
            c(T::security_hotspot, S::critical));
  EXPECT_EQ(classify(f("bandit", "B105", Level::warning, Severity::medium, Severity::high)),
            c(T::security_hotspot, S::major));
  EXPECT_EQ(classify(f("bandit", "B404", Level::note, Severity::low, Severity::high)),
            c(T::security_hotspot, S::minor));
  // ruff's S codes are bandit's checks without severity.
  EXPECT_EQ(classify(f("ruff", "S602")), c(T::security_hotspot, S::major));
}

TEST(Issues, DependencyAdvisoriesAreVulnerabilities) {
  EXPECT_EQ(classify(f("pipewright-deps", "GHSA-1", Level::error, Severity::critical)),
            c(T::vulnerability, S::blocker));
  EXPECT_EQ(classify(f("pipewright-deps", "GHSA-1", Level::error, Severity::high)),
            c(T::vulnerability, S::critical));
  EXPECT_EQ(classify(f("pipewright-deps", "GHSA-1", Level::warning, Severity::medium)),
            c(T::vulnerability, S::major));
  EXPECT_EQ(classify(f("pipewright-deps", "GHSA-1", Level::warning, Severity::low)),
            c(T::vulnerability, S::minor));
  EXPECT_EQ(classify(f("pip-audit", "PYSEC-1", Level::error)), c(T::vulnerability, S::major));
  EXPECT_EQ(classify(f("other-deps", "X", Level::error, Severity::low)),
            c(T::vulnerability, S::minor));
  EXPECT_TRUE(is_dependency_tool("pip-audit"));
  EXPECT_FALSE(is_dependency_tool("bandit"));
}

TEST(Issues, FormattingAndUnknownTools) {
  EXPECT_EQ(classify(f("black", "format")), c(T::code_smell, S::minor));
  EXPECT_EQ(classify(f("ruff-format", "format")), c(T::code_smell, S::minor));
  EXPECT_EQ(classify(f("semgrep", "x", Level::error)), c(T::code_smell, S::major));
  EXPECT_EQ(classify(f("semgrep", "x", Level::warning)), c(T::code_smell, S::minor));
  EXPECT_EQ(classify(f("semgrep", "x", Level::note)), c(T::code_smell, S::info));
}

TEST(Issues, EffortTableAndNames) {
  EXPECT_EQ(remediation_minutes(T::code_smell, S::info), 0);
  EXPECT_EQ(remediation_minutes(T::code_smell, S::minor), 2);
  EXPECT_EQ(remediation_minutes(T::code_smell, S::major), 5);
  EXPECT_EQ(remediation_minutes(T::code_smell, S::critical), 10);
  EXPECT_EQ(remediation_minutes(T::code_smell, S::blocker), 15);
  EXPECT_EQ(remediation_minutes(T::bug, S::minor), 10);
  EXPECT_EQ(remediation_minutes(T::vulnerability, S::major), 20);
  EXPECT_EQ(remediation_minutes(T::bug, S::critical), 30);
  EXPECT_EQ(remediation_minutes(T::vulnerability, S::blocker), 60);
  Issue i = make_issue(f("flake8", "F821", Level::error));
  EXPECT_EQ(i.type, T::bug);
  EXPECT_EQ(i.effort_minutes, 20);
  EXPECT_EQ(to_string(T::security_hotspot), "SECURITY_HOTSPOT");
  EXPECT_EQ(to_string(T::code_smell), "CODE_SMELL");
  EXPECT_EQ(to_string(S::blocker), "BLOCKER");
  EXPECT_EQ(to_string(S::info), "INFO");
}

}  // namespace
}  // namespace pw::analysis
