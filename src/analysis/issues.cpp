// SonarQube types and severities for tool findings: the table documented in issues.h.
#include "analysis/issues.h"

#include <algorithm>
#include <array>

namespace pw::analysis {
namespace {

using reports::Finding;
using reports::Level;
using reports::Severity;

constexpr Classification bug(IssueSeverity s) { return {IssueType::bug, s}; }
constexpr Classification smell(IssueSeverity s) { return {IssueType::code_smell, s}; }

bool starts(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }

// The code's prefix letters up to the first digit: "F401" -> "F", "C901" -> "C", "PLR0913" ->
// "PLR". Ruff's multi-letter prefixes must not be confused with pycodestyle's E/W or pyflakes' F.
std::string_view letters(std::string_view code) {
  size_t i = 0;
  while (i < code.size() && code[i] >= 'A' && code[i] <= 'Z') ++i;
  return code.substr(0, i);
}

bool is_syntax_rule(const Finding& f) {
  const std::string& id = f.rule_id;
  return id == "E999" || id == "E901" || id == "syntax-error" || id == "invalid-syntax" ||
         id == "parse-error" || (f.tool == "pylint" && id == "E0001") ||
         (f.tool == "mypy" && id == "syntax");
}

IssueSeverity from_advisory(Severity s) {
  switch (s) {
    case Severity::critical:
      return IssueSeverity::blocker;
    case Severity::high:
      return IssueSeverity::critical;
    case Severity::low:
      return IssueSeverity::minor;
    default:
      return IssueSeverity::major;  // medium, and unknown: Sonar's default severity
  }
}

IssueSeverity from_bandit(Severity s) {
  switch (s) {
    case Severity::critical:
    case Severity::high:
      return IssueSeverity::critical;
    case Severity::low:
      return IssueSeverity::minor;
    default:
      return IssueSeverity::major;
  }
}

Classification bandit_like(const Finding& f) {
  if (f.severity >= Severity::high && f.confidence >= Severity::high)
    return {IssueType::vulnerability, IssueSeverity::critical};
  return {IssueType::security_hotspot, from_bandit(f.severity)};
}

// flake8 and ruff share pycodestyle/pyflakes/mccabe codes and the plugins' prefixes.
Classification lint_code(const Finding& f) {
  std::string_view id = f.rule_id;
  std::string_view pre = letters(id);
  if (pre == "E" && starts(id, "E9")) return bug(IssueSeverity::major);
  if (pre == "F") {
    if (starts(id, "F63") || starts(id, "F7") || starts(id, "F82"))
      return bug(IssueSeverity::major);
    return smell(IssueSeverity::major);
  }
  if (pre == "S") return bandit_like(f);
  if (pre == "C" && starts(id, "C90")) return smell(IssueSeverity::critical);
  if (pre == "B") return smell(IssueSeverity::major);
  if (pre == "D" || pre == "I") return smell(IssueSeverity::info);
  return smell(IssueSeverity::minor);
}

Classification pylint(const Finding& f) {
  switch (f.rule_id.empty() ? '\0' : f.rule_id[0]) {
    case 'F':
      return bug(IssueSeverity::blocker);
    case 'E':
      return bug(IssueSeverity::major);
    case 'W':
      return smell(IssueSeverity::major);
    case 'R':
    case 'C':
      return smell(IssueSeverity::minor);
    case 'I':
      return smell(IssueSeverity::info);
    default:
      break;
  }
  // A SARIF written by another converter may carry only the symbol: fall back on the level,
  // which pylint's parser derives from the same category.
  if (f.level == Level::error) return bug(IssueSeverity::major);
  if (f.level == Level::warning) return smell(IssueSeverity::major);
  return smell(IssueSeverity::minor);
}

}  // namespace

std::string_view to_string(IssueType type) {
  switch (type) {
    case IssueType::bug:
      return "BUG";
    case IssueType::vulnerability:
      return "VULNERABILITY";
    case IssueType::code_smell:
      return "CODE_SMELL";
    case IssueType::security_hotspot:
      return "SECURITY_HOTSPOT";
  }
  return "CODE_SMELL";
}

std::string_view to_string(IssueSeverity severity) {
  static constexpr std::array<std::string_view, 5> names{"INFO", "MINOR", "MAJOR", "CRITICAL",
                                                         "BLOCKER"};
  return names[static_cast<size_t>(severity)];
}

std::string_view to_string(ReviewStatus status) {
  switch (status) {
    case ReviewStatus::to_review:
      return "TO_REVIEW";
    case ReviewStatus::safe:
      return "SAFE";
    case ReviewStatus::fixed:
      return "FIXED";
    case ReviewStatus::acknowledged:
      return "ACKNOWLEDGED";
  }
  return "TO_REVIEW";
}

bool is_dependency_tool(std::string_view tool) {
  return tool == "pip-audit" || tool == "pipewright-deps" || tool.ends_with("-deps");
}

Classification classify(const Finding& f) {
  if (is_dependency_tool(f.tool)) return {IssueType::vulnerability, from_advisory(f.severity)};
  if (is_syntax_rule(f)) return bug(IssueSeverity::blocker);
  if (f.tool == "bandit") return bandit_like(f);
  if (f.tool == "flake8" || f.tool == "ruff") return lint_code(f);
  if (f.tool == "pylint") return pylint(f);
  if (f.tool == "mypy") {
    if (f.level == Level::error) return bug(IssueSeverity::major);
    if (f.level == Level::warning) return smell(IssueSeverity::minor);
    return smell(IssueSeverity::info);
  }
  if (f.tool == "black" || f.tool == "ruff-format") return smell(IssueSeverity::minor);
  switch (f.level) {
    case Level::error:
      return smell(IssueSeverity::major);
    case Level::warning:
      return smell(IssueSeverity::minor);
    default:
      return smell(IssueSeverity::info);
  }
}

int remediation_minutes(IssueType type, IssueSeverity severity) {
  static constexpr std::array<int, 5> smells{0, 2, 5, 10, 15};
  static constexpr std::array<int, 5> others{5, 10, 20, 30, 60};
  auto i = static_cast<size_t>(severity);
  return type == IssueType::code_smell ? smells[i] : others[i];
}

Issue make_issue(const Finding& finding) {
  Issue issue;
  issue.finding = finding;
  Classification c = classify(finding);
  issue.type = c.type;
  issue.severity = c.severity;
  issue.effort_minutes = remediation_minutes(c.type, c.severity);
  return issue;
}

std::vector<Issue> make_issues(const std::vector<Finding>& findings) {
  std::vector<Issue> out;
  out.reserve(findings.size());
  for (const auto& f : findings) out.push_back(make_issue(f));
  return out;
}

}  // namespace pw::analysis
