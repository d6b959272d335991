// Evaluates gate conditions on measures and words each result so that a failing gate says what to
// fix, not just which number is wrong.
#include "analysis/gate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "util/strings.h"

namespace pw::analysis {
namespace {

enum class ValueKind { count, percent, rating, minutes };

struct MetricDef {
  const char* key;
  const char* name;
  ValueKind kind;
};

// SonarQube's keys and (shortened) display names.
constexpr MetricDef kMetrics[] = {
    {"lines", "Lines", ValueKind::count},
    {"ncloc", "Lines of code", ValueKind::count},
    {"comment_lines", "Comment lines", ValueKind::count},
    {"files", "Files", ValueKind::count},
    {"functions", "Functions", ValueKind::count},
    {"classes", "Classes", ValueKind::count},
    {"statements", "Statements", ValueKind::count},
    {"complexity", "Cyclomatic complexity", ValueKind::count},
    {"cognitive_complexity", "Cognitive complexity", ValueKind::count},
    {"coverage", "Coverage", ValueKind::percent},
    {"line_coverage", "Line coverage", ValueKind::percent},
    {"condition_coverage", "Condition coverage", ValueKind::percent},
    {"lines_to_cover", "Lines to cover", ValueKind::count},
    {"uncovered_lines", "Uncovered lines", ValueKind::count},
    {"conditions_to_cover", "Conditions to cover", ValueKind::count},
    {"uncovered_conditions", "Uncovered conditions", ValueKind::count},
    {"duplicated_lines", "Duplicated lines", ValueKind::count},
    {"duplicated_blocks", "Duplicated blocks", ValueKind::count},
    {"duplicated_files", "Duplicated files", ValueKind::count},
    {"duplicated_lines_density", "Duplicated lines (%)", ValueKind::percent},
    {"bugs", "Bugs", ValueKind::count},
    {"vulnerabilities", "Vulnerabilities", ValueKind::count},
    {"code_smells", "Code smells", ValueKind::count},
    {"security_hotspots", "Security hotspots", ValueKind::count},
    {"security_hotspots_reviewed", "Security hotspots reviewed", ValueKind::percent},
    {"reliability_rating", "Reliability rating", ValueKind::rating},
    {"security_rating", "Security rating", ValueKind::rating},
    {"sqale_rating", "Maintainability rating", ValueKind::rating},
    {"sqale_index", "Technical debt", ValueKind::minutes},
    {"sqale_debt_ratio", "Technical debt ratio", ValueKind::percent},
    {"reliability_remediation_effort", "Reliability remediation effort", ValueKind::minutes},
    {"security_remediation_effort", "Security remediation effort", ValueKind::minutes},
    {"tests", "Unit tests", ValueKind::count},
    {"test_failures", "Unit test failures", ValueKind::count},
    {"test_errors", "Unit test errors", ValueKind::count},
    {"skipped_tests", "Skipped unit tests", ValueKind::count},
    {"test_success_density", "Unit test success (%)", ValueKind::percent},
    {"new_lines", "New lines of code", ValueKind::count},
    {"new_coverage", "Coverage on new code", ValueKind::percent},
    {"new_line_coverage", "Line coverage on new code", ValueKind::percent},
    {"new_condition_coverage", "Condition coverage on new code", ValueKind::percent},
    {"new_lines_to_cover", "Lines to cover on new code", ValueKind::count},
    {"new_uncovered_lines", "Uncovered lines on new code", ValueKind::count},
    {"new_conditions_to_cover", "Conditions to cover on new code", ValueKind::count},
    {"new_uncovered_conditions", "Uncovered conditions on new code", ValueKind::count},
    {"new_duplicated_lines", "Duplicated lines on new code", ValueKind::count},
    {"new_duplicated_lines_density", "Duplicated lines on new code (%)", ValueKind::percent},
    {"new_bugs", "New bugs", ValueKind::count},
    {"new_vulnerabilities", "New vulnerabilities", ValueKind::count},
    {"new_code_smells", "New code smells", ValueKind::count},
    {"new_security_hotspots", "New security hotspots", ValueKind::count},
    {"new_security_hotspots_reviewed", "Security hotspots reviewed on new code",
     ValueKind::percent},
    {"new_reliability_rating", "Reliability rating on new code", ValueKind::rating},
    {"new_security_rating", "Security rating on new code", ValueKind::rating},
    {"new_maintainability_rating", "Maintainability rating on new code", ValueKind::rating},
    {"new_technical_debt", "Technical debt on new code", ValueKind::minutes},
    {"new_sqale_debt_ratio", "Technical debt ratio on new code", ValueKind::percent},
};

const MetricDef* find_metric(std::string_view key) {
  for (const auto& m : kMetrics) {
    if (key == m.key) return &m;
  }
  return nullptr;
}

ValueKind kind_of(std::string_view key) {
  const MetricDef* m = find_metric(key);
  return m ? m->kind : ValueKind::count;
}

std::string number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  // 62.50 -> 62.5, 80.0 -> 80: percentages read like SonarQube's one-decimal figures.
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

bool fails(Op op, double actual, double threshold) {
  return op == Op::GT ? actual > threshold : actual < threshold;
}

std::string side_text(std::string_view key, Op op, double threshold, bool failed) {
  std::string t = format_value(key, threshold);
  if (kind_of(key) == ValueKind::rating) {
    // GT 1 on a rating means "must be A": say it with letters.
    if (op == Op::GT) return failed ? "worse than " + t : "at most " + t;
    return failed ? "better than " + t : "at least " + t;
  }
  if (op == Op::GT) return failed ? "above " + t : "at most " + t;
  return failed ? "below " + t : "at least " + t;
}

}  // namespace

const std::vector<std::string>& metric_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const auto& m : kMetrics) k.emplace_back(m.key);
    return k;
  }();
  return keys;
}

bool is_new_code_metric(std::string_view key) { return key.starts_with("new_"); }

const std::vector<std::string>& small_changeset_metrics() {
  // SonarQube's QualityGateEvaluatorImpl.METRICS_TO_IGNORE_ON_SMALL_CHANGESETS, less
  // new_blocks_duplicated, which pipewright does not measure.
  static const std::vector<std::string> keys = {"new_coverage", "new_line_coverage",
                                                "new_condition_coverage", "new_duplicated_lines",
                                                "new_duplicated_lines_density"};
  return keys;
}

std::string metric_name(std::string_view key) {
  const MetricDef* m = find_metric(key);
  return m ? m->name : std::string(key);
}

std::string format_value(std::string_view key, double value) {
  switch (kind_of(key)) {
    case ValueKind::percent:
      return number(value, 1) + "%";
    case ValueKind::rating: {
      long r = std::lround(value);
      if (r >= 1 && r <= 5) return std::string(1, static_cast<char>('A' + r - 1));
      return number(value, 2);
    }
    case ValueKind::minutes:
      return number(value, 0) + " min";
    case ValueKind::count:
      return number(value, 2);
  }
  return number(value, 2);
}

std::optional<double> Measures::get(std::string_view key) const {
  auto it = values.find(std::string(key));
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::string_view to_string(Op op) { return op == Op::GT ? "GT" : "LT"; }

std::optional<Op> parse_op(std::string_view text) {
  std::string s = to_upper(trim(text));
  if (s == "GT") return Op::GT;
  if (s == "LT") return Op::LT;
  return std::nullopt;
}

std::string_view to_string(ConditionStatus status) {
  switch (status) {
    case ConditionStatus::passed:
      return "PASSED";
    case ConditionStatus::failed:
      return "FAILED";
    case ConditionStatus::no_value:
      return "NO_VALUE";
  }
  return "NO_VALUE";
}

std::string_view to_string(GateStatus status) { return status == GateStatus::ok ? "OK" : "ERROR"; }

std::vector<Condition> default_gate() {
  return {{"new_coverage", Op::LT, 80},
          {"new_duplicated_lines_density", Op::GT, 3},
          {"new_reliability_rating", Op::GT, 1},
          {"new_security_rating", Op::GT, 1},
          {"new_maintainability_rating", Op::GT, 1},
          {"new_security_hotspots_reviewed", Op::LT, 100}};
}

std::vector<Diagnostic> validate_conditions(const std::vector<Condition>& conditions,
                                            std::string_view source) {
  std::vector<Diagnostic> out;
  for (const auto& c : conditions) {
    const MetricDef* m = find_metric(c.metric);
    if (!m) {
      std::string hint = closest_match(c.metric, metric_keys());
      out.push_back({std::string(source), 0, 0,
                     "unknown metric '" + c.metric + "' in a gate condition" +
                         (hint.empty() ? "" : " (did you mean '" + hint + "'?)")});
      continue;
    }
    if (m->kind == ValueKind::rating && (c.threshold < 1 || c.threshold > 5)) {
      out.push_back({std::string(source), 0, 0,
                     "threshold of '" + c.metric + "' must be a rating 1..5 (A..E), not " +
                         number(c.threshold, 2)});
    } else if (c.threshold < 0 || (m->kind == ValueKind::percent && c.threshold > 100)) {
      out.push_back({std::string(source), 0, 0,
                     "threshold of '" + c.metric + "' is out of range: " + number(c.threshold, 2)});
    }
  }
  return out;
}

GateResult evaluate_gate(const Measures& measures, const std::vector<Condition>& conditions,
                         const NewCodeInfo& new_code, const GateOptions& options) {
  GateResult gate;
  bool warned_unknown = false;
  // SonarQube decides on the new_lines measure (new lines of code) and only when it has a value.
  std::optional<double> new_ncloc = measures.get("new_lines");
  bool small_changeset =
      options.small_changeset_lines > 0 && new_ncloc && *new_ncloc < options.small_changeset_lines;
  int ignored = 0;
  for (const auto& c : conditions) {
    ConditionResult r;
    r.metric = c.metric;
    r.name = metric_name(c.metric);
    r.op = c.op;
    r.threshold = c.threshold;
    r.actual = measures.get(c.metric);
    bool is_new = is_new_code_metric(c.metric);

    if (is_new && !new_code.available) {
      r.status = ConditionStatus::no_value;
      std::string why = new_code.reason.empty() ? "new code is unknown" : new_code.reason;
      if (options.when_new_code_unknown == WhenNewCodeUnknown::fail) {
        r.message = r.name + ": no value, " + why + "; failing as configured " +
                    "(when_new_code_unknown: fail)";
        gate.status = GateStatus::error;
      } else {
        r.message = r.name + ": no value, " + why + "; not checked (when_new_code_unknown: pass)";
        if (!warned_unknown) {
          gate.warnings.push_back("new-code conditions not checked: " + why);
          warned_unknown = true;
        }
      }
      gate.conditions.push_back(std::move(r));
      continue;
    }
    if (is_new && new_code.new_lines == 0) {
      r.status = ConditionStatus::passed;
      r.message = r.name + ": no new code since " +
                  (new_code.reference.empty() ? std::string("the reference") : new_code.reference);
      gate.conditions.push_back(std::move(r));
      continue;
    }
    auto detail_it = measures.details.find(c.metric);
    std::string detail = detail_it == measures.details.end() ? "" : " (" + detail_it->second + ")";
    if (!r.actual) {
      // SonarQube's rule: a condition on a metric without a value neither passes nor fails.
      r.status = ConditionStatus::no_value;
      r.message = r.name + " has no value" + detail + "; condition not checked";
      gate.conditions.push_back(std::move(r));
      continue;
    }
    bool failed = fails(c.op, *r.actual, c.threshold);
    r.status = failed ? ConditionStatus::failed : ConditionStatus::passed;
    r.message = r.name + " is " + format_value(c.metric, *r.actual) + detail + ", " +
                side_text(c.metric, c.op, c.threshold, failed);
    const auto& small = small_changeset_metrics();
    if (failed && small_changeset &&
        std::find(small.begin(), small.end(), c.metric) != small.end()) {
      r.status = ConditionStatus::passed;
      r.reason = "fewer than " + std::to_string(options.small_changeset_lines) + " new lines";
      r.message += "; passed: " + r.reason + " (" + number(*new_ncloc, 0) +
                   " new lines of code; coverage and duplication are not checked on so small a "
                   "change, as in SonarQube)";
      ++ignored;
      gate.conditions.push_back(std::move(r));
      continue;
    }
    if (failed) {
      gate.status = GateStatus::error;
      auto hint = measures.hints.find(c.metric);
      if (hint != measures.hints.end() && !hint->second.empty()) r.message += ": " + hint->second;
    }
    gate.conditions.push_back(std::move(r));
  }
  if (ignored > 0) {
    gate.ignored_small_changeset = true;
    gate.warnings.push_back(std::to_string(ignored) + " condition" + (ignored == 1 ? "" : "s") +
                            " on new-code coverage or duplication ignored: fewer than " +
                            std::to_string(options.small_changeset_lines) + " new lines of code");
  }
  return gate;
}

}  // namespace pw::analysis
