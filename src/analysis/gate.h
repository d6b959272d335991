// The quality gate: SonarQube's measures under their metric keys and conditions on them, with
// SonarQube's default gate "Sonar way" built in, so a project is held to "clean as you code"
// without a SonarQube server.
//
// Conditions are SonarQube's: operator GT fails when the value is greater than the threshold, LT
// when it is less (SonarQube accepts no other operators on a gate, so neither do we: "at least 80"
// is written `LT 80`, "at most 3" `GT 3`). Ratings are numbers 1..5 for A..E, so "rating must be A"
// is `GT 1`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace pw::analysis {

// SonarQube's metric keys. Overall: lines, ncloc, comment_lines, files, functions, classes,
// statements, complexity, cognitive_complexity, coverage, line_coverage, condition_coverage,
// lines_to_cover, uncovered_lines, conditions_to_cover, uncovered_conditions, duplicated_lines,
// duplicated_blocks, duplicated_files, duplicated_lines_density, bugs, vulnerabilities,
// code_smells, security_hotspots, security_hotspots_reviewed, reliability_rating,
// security_rating, sqale_rating, sqale_index (debt minutes), sqale_debt_ratio,
// reliability_remediation_effort, security_remediation_effort, tests, test_failures,
// test_errors, skipped_tests, test_success_density.
// New code: new_lines (new lines of code), new_coverage, new_line_coverage,
// new_condition_coverage, new_lines_to_cover, new_uncovered_lines, new_conditions_to_cover,
// new_uncovered_conditions, new_duplicated_lines, new_duplicated_lines_density, new_bugs,
// new_vulnerabilities, new_code_smells, new_security_hotspots, new_security_hotspots_reviewed,
// new_reliability_rating, new_security_rating, new_maintainability_rating, new_technical_debt,
// new_sqale_debt_ratio.
const std::vector<std::string>& metric_keys();
bool is_new_code_metric(std::string_view key);  // starts with "new_"
// "Coverage on new code", "Duplicated lines (%)"...; the key itself for an unknown one.
std::string metric_name(std::string_view key);

struct Measures {
  // key -> value; a metric without a value (nothing to cover, no hotspots, new code unknown) is
  // simply absent, as SonarQube shows no value rather than 0.
  std::map<std::string, double> values;
  // key -> what the value is made of, shown in brackets after it: "5 of 8 new lines covered".
  std::map<std::string, std::string> details;
  // key -> what to do when the condition fails: "add tests for app/x.py lines 10-14".
  std::map<std::string, std::string> hints;

  std::optional<double> get(std::string_view key) const;
  void set(const std::string& key, double value) { values[key] = value; }
  void set(const std::string& key, std::optional<double> value) {
    if (value) values[key] = *value;
  }
};

enum class Op { GT, LT };
std::string_view to_string(Op op);                  // "GT", "LT"
std::optional<Op> parse_op(std::string_view text);  // "GT"/"gt", "LT"/"lt"; nothing else

struct Condition {
  std::string metric;
  Op op = Op::GT;
  double threshold = 0;
  bool operator==(const Condition&) const = default;
};

// Sonar way (SonarQube's default gate since 9.x), in its order:
//   new_coverage LT 80, new_duplicated_lines_density GT 3, new_reliability_rating GT 1,
//   new_security_rating GT 1, new_maintainability_rating GT 1, new_security_hotspots_reviewed
//   LT 100.
std::vector<Condition> default_gate();

// Unknown metric keys (with a suggestion), negative thresholds on percentages, ratings outside
// 1..5. `source` names the configuration in the diagnostics.
std::vector<Diagnostic> validate_conditions(const std::vector<Condition>& conditions,
                                            std::string_view source = {});

// What the gate needs to know about new code to word its messages.
struct NewCodeInfo {
  bool available = false;
  std::string reason;       // when not available: why ("cannot compute new code: no git history")
  std::string reference;    // label of the reference: "merge-base with main"
  long long new_lines = 0;  // new or changed lines in the analysed files (0 = no new code)
};

enum class WhenNewCodeUnknown { pass, fail };

struct GateOptions {
  // A new-code condition when new code is unknown is NO_VALUE; whether that fails the gate.
  // Default pass (with a warning), since a shallow clone must not block a build on its own.
  WhenNewCodeUnknown when_new_code_unknown = WhenNewCodeUnknown::pass;
  // SonarQube's small-changeset rule (sonar.qualitygate.ignoreSmallChanges, on by default): when
  // the new code has fewer than this many lines of code (the new_lines measure), a condition on
  // new-code coverage or duplication that would fail passes instead, with the reason "fewer than
  // 20 new lines", so a three-line fix is not blocked by one untested line. SonarQube's limit is
  // 20; 0 turns the rule off. The metrics are SonarQube's: small_changeset_metrics().
  int small_changeset_lines = 20;
};

// new_coverage, new_line_coverage, new_condition_coverage, new_duplicated_lines and
// new_duplicated_lines_density: what the small-changeset rule may ignore.
const std::vector<std::string>& small_changeset_metrics();

enum class ConditionStatus { passed, failed, no_value };
std::string_view to_string(ConditionStatus status);  // "PASSED", "FAILED", "NO_VALUE"

struct ConditionResult {
  std::string metric;
  std::string name;  // metric_name(metric)
  Op op = Op::GT;
  double threshold = 0;
  std::optional<double> actual;
  ConditionStatus status = ConditionStatus::no_value;
  // One sentence a developer can act on: what the value is, what it is made of, which side of
  // the threshold, and on failure what to do.
  std::string message;
  // Set when the condition passed by a rule although its value is on the failing side:
  // "fewer than 20 new lines" (the small-changeset rule). The message ends with it too.
  std::string reason;
};

enum class GateStatus { ok, error };
std::string_view to_string(GateStatus status);  // "OK", "ERROR"

struct GateResult {
  GateStatus status = GateStatus::ok;
  std::vector<ConditionResult> conditions;  // in the order of the conditions given
  std::vector<std::string> warnings;        // e.g. new code unknown and passed by configuration
  // Some condition passed only by the small-changeset rule (SonarQube's ignoredConditions).
  bool ignored_small_changeset = false;
  bool passed() const { return status == GateStatus::ok; }
};

// A condition FAILS when its value is on the wrong side of the threshold; a condition whose
// metric has no value is NO_VALUE and does not fail the gate (SonarQube's rule), except new-code
// conditions while new code is unknown under when_new_code_unknown = fail. With new code known
// but empty, new-code conditions PASS with "no new code since <reference>". With fewer new lines
// of code than options.small_changeset_lines, failing coverage and duplication conditions on new
// code PASS with the reason "fewer than N new lines" (SonarQube's small-changeset rule).
GateResult evaluate_gate(const Measures& measures, const std::vector<Condition>& conditions,
                         const NewCodeInfo& new_code, const GateOptions& options = {});

// "62.5%", "A", "12": how a value of `key` is shown.
std::string format_value(std::string_view key, double value);

}  // namespace pw::analysis
