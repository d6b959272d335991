// SonarQube's issue model (type and severity) applied to what the quality tools and the dependency
// scan found, so ratings, technical debt and the gate can be computed natively the way a SonarQube
// server would compute them from the same findings imported as external issues.
//
// Classification, by tool (first matching line wins; "flake8/ruff" means both tools' codes):
//  - syntax errors: flake8/ruff E999 and E901, ruff "syntax-error", pylint E0001 / syntax-error,
//    mypy code "syntax", black/ruff-format "parse-error"          -> BUG BLOCKER (the file cannot
//    run)
//  - flake8/ruff E9 (other: E902 file unreadable), F63 (comparison/assert that is always the same),
//    F7 (break/return/yield/await outside their block), F82 (undefined name) -> BUG MAJOR: code
//    that cannot run or fails at run time, the checks flake8's own docs recommend as "fatal".
//  - mypy: level error -> BUG MAJOR (a type error is a wrong call or attribute at run time);
//    level warning -> CODE_SMELL MINOR; note -> CODE_SMELL INFO.
//  - pylint by message category (first letter of the id): F (fatal) -> BUG BLOCKER, E (error) ->
//    BUG MAJOR, W (warning) -> CODE_SMELL MAJOR, R (refactor) -> CODE_SMELL MINOR, C (convention)
//    -> CODE_SMELL MINOR, I (informational) -> CODE_SMELL INFO.
//  - bandit (and ruff/flake8-bandit "S" codes, which carry bandit's ids): severity HIGH and
//    confidence HIGH -> VULNERABILITY CRITICAL (bandit is sure and it is exploitable); otherwise a
//    SECURITY_HOTSPOT (code to review, as Sonar's hotspots) with severity from bandit's: high ->
//    CRITICAL, medium -> MAJOR, low -> MINOR, unknown (ruff's S codes carry none) -> MAJOR.
//  - dependency advisories (tools "pip-audit", "pipewright-deps", and any tool whose name ends in
//    "-deps"): VULNERABILITY with the advisory's severity: critical -> BLOCKER, high -> CRITICAL,
//    medium -> MAJOR, low -> MINOR, unknown (pip-audit gives none) -> MAJOR, SonarQube's default
//    severity for an external issue.
//  - flake8/ruff other F (pyflakes: unused import/variable, redefinition) -> CODE_SMELL MAJOR
//    (likely mistakes, Sonar ranks its own "unused" rules MAJOR/MINOR); C90 (mccabe complexity) ->
//    CODE_SMELL CRITICAL (Sonar's complexity rules are CRITICAL); B (bugbear) -> CODE_SMELL MAJOR;
//    D (docstrings), I (import order) -> CODE_SMELL INFO; everything else (pycodestyle E/W, naming,
//    pyupgrade...) -> CODE_SMELL MINOR.
//  - black/ruff-format "format" (a file that would be reformatted) -> CODE_SMELL MINOR.
//  - any other tool: level error -> CODE_SMELL MAJOR, warning -> MINOR, note/none -> INFO (an
//    unknown tool is not trusted to call something a bug).
//
// Remediation effort in minutes per issue, the "technical debt" Sonar sums (its rules each carry a
// constant effort; these are the usual values of Sonar's Python rules at each severity):
//               INFO  MINOR  MAJOR  CRITICAL  BLOCKER
//   CODE_SMELL     0      2      5        10       15
//   BUG/VULN/      5     10     20        30       60   (hotspots: the effort to review and fix)
//   HOTSPOT
// Only CODE_SMELL effort makes up the technical debt (maintainability), as in SonarQube.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reports/findings.h"

namespace pw::analysis {

enum class IssueType { bug, vulnerability, code_smell, security_hotspot };
// In increasing order of gravity, so std::max gives the worst.
enum class IssueSeverity { info, minor, major, critical, blocker };

// SonarQube's words: "BUG", "VULNERABILITY", "CODE_SMELL", "SECURITY_HOTSPOT"; "INFO" .. "BLOCKER".
std::string_view to_string(IssueType type);
std::string_view to_string(IssueSeverity severity);

struct Classification {
  IssueType type = IssueType::code_smell;
  IssueSeverity severity = IssueSeverity::info;
  bool operator==(const Classification&) const = default;
};

// The mapping documented above. Pure: depends only on the finding.
Classification classify(const reports::Finding& finding);

// The effort table above.
int remediation_minutes(IssueType type, IssueSeverity severity);

// True for the tools whose findings are known vulnerabilities of dependencies.
bool is_dependency_tool(std::string_view tool);

// Hotspot review statuses (pipewright-hotspots.yaml, see ratings.h), SonarQube's resolutions of a
// reviewed hotspot.
enum class ReviewStatus { to_review, safe, fixed, acknowledged };
std::string_view to_string(ReviewStatus status);  // "TO_REVIEW", "SAFE", "FIXED", "ACKNOWLEDGED"

// A finding with its SonarQube classification.
struct Issue {
  reports::Finding finding;
  IssueType type = IssueType::code_smell;
  IssueSeverity severity = IssueSeverity::info;
  int effort_minutes = 0;
  // On a new or changed line (a finding without a line: in a file with new lines). Set by
  // analyse_project from the new code; false when new code is unknown.
  bool is_new = false;
  // Hotspots only: set from the reviews file; anything but to_review counts as reviewed.
  ReviewStatus review = ReviewStatus::to_review;
  std::string review_comment;

  bool reviewed() const { return review != ReviewStatus::to_review; }
};

Issue make_issue(const reports::Finding& finding);
std::vector<Issue> make_issues(const std::vector<reports::Finding>& findings);

}  // namespace pw::analysis
