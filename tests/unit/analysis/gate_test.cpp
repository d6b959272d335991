// The quality gate: Sonar way's conditions each PASSED and FAILED, empty and unknown new code,
// SonarQube's GT/LT semantics and condition validation.
#include "analysis/gate.h"

#include <gtest/gtest.h>

#include "analysis/writers.h"

namespace pw::analysis {
namespace {

NewCodeInfo known(long long lines = 10) { return {true, "", "merge-base with main", lines}; }

Measures good() {
  Measures m;
  m.set("new_coverage", 85.0);
  m.set("new_duplicated_lines_density", 3.0);
  m.set("new_reliability_rating", 1.0);
  m.set("new_security_rating", 1.0);
  m.set("new_maintainability_rating", 1.0);
  m.set("new_security_hotspots_reviewed", 100.0);
  return m;
}

TEST(Gate, RecordedAnalysisIsReadBackLeniently) {
  auto data = nlohmann::json::parse(R"({
    "measures": {"coverage": 81.5, "bugs": 0, "odd": "text"},
    "measure_details": {"coverage": "from coverage.xml", "bad": 3},
    "measure_hints": {"bugs": "see analysis.json"},
    "new_code": {"available": true, "reason": "", "reference": "abc", "definition": "since v1",
                 "new_lines": 12.7}})");
  auto r = read_recorded_analysis(data);
  EXPECT_EQ(r.measures.values.size(), 2u);
  EXPECT_EQ(r.measures.values.at("coverage"), 81.5);
  EXPECT_EQ(r.measures.details.size(), 1u);
  EXPECT_EQ(r.measures.hints.at("bugs"), "see analysis.json");
  EXPECT_TRUE(r.new_code.available);
  EXPECT_EQ(r.new_code.reference, "abc");
  EXPECT_EQ(r.new_code_definition, "since v1");
  EXPECT_EQ(r.new_code.new_lines, 12);
  // Wrong types are missing values, never a crash.
  auto odd = read_recorded_analysis(nlohmann::json::parse(
      R"({"measures": {}, "measure_details": [], "new_code": {"available": "yes", "new_lines": "x"}})"));
  EXPECT_FALSE(odd.new_code.available);
  EXPECT_EQ(odd.new_code.new_lines, 0);
  EXPECT_TRUE(odd.measures.details.empty());
}

TEST(Gate, SonarWayIsTheDefault) {
  auto g = default_gate();
  ASSERT_EQ(g.size(), 6u);
  EXPECT_EQ(g[0], (Condition{"new_coverage", Op::LT, 80}));
  EXPECT_EQ(g[1], (Condition{"new_duplicated_lines_density", Op::GT, 3}));
  EXPECT_EQ(g[2], (Condition{"new_reliability_rating", Op::GT, 1}));
  EXPECT_EQ(g[3], (Condition{"new_security_rating", Op::GT, 1}));
  EXPECT_EQ(g[4], (Condition{"new_maintainability_rating", Op::GT, 1}));
  EXPECT_EQ(g[5], (Condition{"new_security_hotspots_reviewed", Op::LT, 100}));
  EXPECT_TRUE(validate_conditions(g).empty());
}

TEST(Gate, AllPassedIsOk) {
  auto r = evaluate_gate(good(), default_gate(), known());
  EXPECT_EQ(r.status, GateStatus::ok);
  ASSERT_EQ(r.conditions.size(), 6u);
  for (const auto& c : r.conditions) {
    EXPECT_EQ(c.status, ConditionStatus::passed) << c.metric << ": " << c.message;
  }
  // A value equal to the threshold passes: GT 3 fails only above 3.
  EXPECT_EQ(r.conditions[1].message, "Duplicated lines on new code (%) is 3%, at most 3%");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(Gate, EachConditionFails) {
  const std::vector<std::pair<std::string, double>> bad{{"new_coverage", 79.9},
                                                        {"new_duplicated_lines_density", 3.1},
                                                        {"new_reliability_rating", 2},
                                                        {"new_security_rating", 5},
                                                        {"new_maintainability_rating", 3},
                                                        {"new_security_hotspots_reviewed", 50}};
  for (const auto& [metric, value] : bad) {
    Measures m = good();
    m.set(metric, value);
    auto r = evaluate_gate(m, default_gate(), known());
    EXPECT_EQ(r.status, GateStatus::error) << metric;
    int failed = 0;
    for (const auto& c : r.conditions) {
      if (c.status == ConditionStatus::failed) {
        ++failed;
        EXPECT_EQ(c.metric, metric);
        ASSERT_TRUE(c.actual.has_value());
        EXPECT_DOUBLE_EQ(*c.actual, value);
      }
    }
    EXPECT_EQ(failed, 1) << metric;
  }
}

TEST(Gate, FailureMessagesSayWhatToDo) {
  Measures m = good();
  m.set("new_coverage", 62.5);
  m.details["new_coverage"] = "5 of 8 new lines covered";
  m.hints["new_coverage"] = "add tests for app/x.py lines 10-14";
  m.set("new_reliability_rating", 3.0);
  m.details["new_reliability_rating"] = "1 new bug, worst MAJOR";
  auto r = evaluate_gate(m, default_gate(), known());
  EXPECT_EQ(r.conditions[0].message,
            "Coverage on new code is 62.5% (5 of 8 new lines covered), below 80%: add tests for "
            "app/x.py lines 10-14");
  EXPECT_EQ(r.conditions[2].message,
            "Reliability rating on new code is C (1 new bug, worst MAJOR), worse than A");
}

// The small-changeset rule: new_lines (new lines of code) below 20 lets failing coverage and
// duplication conditions on new code pass, with the reason; 20 lines are checked as usual.
Measures small_change(double new_lines) {
  Measures m = good();
  m.set("new_lines", new_lines);
  m.set("new_coverage", 50.0);
  m.details["new_coverage"] = "3 of 6 new lines covered";
  m.hints["new_coverage"] = "add tests for app/x.py lines 2-4";
  m.set("new_duplicated_lines_density", 40.0);
  return m;
}

TEST(Gate, SmallChangesetIgnoresCoverageAndDuplicationBelow20Lines) {
  auto r = evaluate_gate(small_change(19), default_gate(), known(19));
  EXPECT_EQ(r.status, GateStatus::ok);
  ASSERT_EQ(r.conditions.size(), 6u);
  for (int i : {0, 1}) {
    const auto& c = r.conditions[i];
    EXPECT_EQ(c.status, ConditionStatus::passed) << c.metric;
    EXPECT_EQ(c.reason, "fewer than 20 new lines") << c.metric;
    ASSERT_TRUE(c.actual.has_value());  // the real value is still shown
    EXPECT_NE(c.message.find("passed: fewer than 20 new lines"), std::string::npos) << c.message;
  }
  EXPECT_EQ(r.conditions[0].message,
            "Coverage on new code is 50% (3 of 6 new lines covered), below 80%; passed: fewer than "
            "20 new lines (19 new lines of code; coverage and duplication are not checked on so "
            "small a change, as in SonarQube)");
  EXPECT_TRUE(r.ignored_small_changeset);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("2 conditions"), std::string::npos);
}

TEST(Gate, SmallChangesetRuleStopsAt20Lines) {
  auto r = evaluate_gate(small_change(20), default_gate(), known(20));
  EXPECT_EQ(r.status, GateStatus::error);
  EXPECT_EQ(r.conditions[0].status, ConditionStatus::failed);
  EXPECT_EQ(r.conditions[1].status, ConditionStatus::failed);
  EXPECT_TRUE(r.conditions[0].reason.empty());
  EXPECT_NE(r.conditions[0].message.find("add tests for app/x.py"), std::string::npos);
  EXPECT_FALSE(r.ignored_small_changeset);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(Gate, SmallChangesetRuleSparesOtherConditionsAndCanBeTurnedOff) {
  // Ratings are checked however small the change.
  Measures m = small_change(5);
  m.set("new_reliability_rating", 3.0);
  auto r = evaluate_gate(m, default_gate(), known(5));
  EXPECT_EQ(r.status, GateStatus::error);
  EXPECT_EQ(r.conditions[0].status, ConditionStatus::passed);
  EXPECT_EQ(r.conditions[2].status, ConditionStatus::failed);
  EXPECT_TRUE(r.conditions[2].reason.empty());
  // Line and condition coverage and duplicated lines are covered by the rule too; overall
  // coverage is not a new-code metric and is never ignored.
  Measures n;
  n.set("new_lines", 3.0);
  n.set("new_line_coverage", 10.0);
  n.set("new_condition_coverage", 10.0);
  n.set("new_duplicated_lines", 50.0);
  n.set("coverage", 10.0);
  auto q = evaluate_gate(n,
                         {{"new_line_coverage", Op::LT, 80},
                          {"new_condition_coverage", Op::LT, 80},
                          {"new_duplicated_lines", Op::GT, 0},
                          {"coverage", Op::LT, 80}},
                         known(3));
  EXPECT_EQ(q.conditions[0].status, ConditionStatus::passed);
  EXPECT_EQ(q.conditions[1].status, ConditionStatus::passed);
  EXPECT_EQ(q.conditions[2].status, ConditionStatus::passed);
  EXPECT_EQ(q.conditions[3].status, ConditionStatus::failed);
  // Configurable: a lower limit, or 0 for off.
  GateOptions ten;
  ten.small_changeset_lines = 10;
  EXPECT_EQ(evaluate_gate(small_change(12), default_gate(), known(12), ten).status,
            GateStatus::error);
  auto ten_small = evaluate_gate(small_change(9), default_gate(), known(9), ten);
  EXPECT_EQ(ten_small.status, GateStatus::ok);
  EXPECT_EQ(ten_small.conditions[0].reason, "fewer than 10 new lines");
  GateOptions off;
  off.small_changeset_lines = 0;
  EXPECT_EQ(evaluate_gate(small_change(1), default_gate(), known(1), off).status,
            GateStatus::error);
  // Without a new_lines measure SonarQube does not apply the rule; neither do we.
  Measures no_count = small_change(1);
  no_count.values.erase("new_lines");
  EXPECT_EQ(evaluate_gate(no_count, default_gate(), known(1)).status, GateStatus::error);
}

TEST(Gate, EmptyNewCodePasses) {
  Measures m;  // nothing measured on new code
  auto r = evaluate_gate(m, default_gate(), known(0));
  EXPECT_EQ(r.status, GateStatus::ok);
  for (const auto& c : r.conditions) {
    EXPECT_EQ(c.status, ConditionStatus::passed);
    EXPECT_NE(c.message.find("no new code since merge-base with main"), std::string::npos);
  }
}

TEST(Gate, UnknownNewCodeIsNoValuePassOrFail) {
  NewCodeInfo unknown{false, "cannot compute new code: not a git repository", "", 0};
  auto passed = evaluate_gate(Measures{}, default_gate(), unknown);
  EXPECT_EQ(passed.status, GateStatus::ok);
  for (const auto& c : passed.conditions) {
    EXPECT_EQ(c.status, ConditionStatus::no_value);
    EXPECT_NE(c.message.find("not a git repository"), std::string::npos);
  }
  ASSERT_EQ(passed.warnings.size(), 1u);
  auto failed = evaluate_gate(Measures{}, default_gate(), unknown,
                              {.when_new_code_unknown = WhenNewCodeUnknown::fail});
  EXPECT_EQ(failed.status, GateStatus::error);
  EXPECT_EQ(failed.conditions[0].status, ConditionStatus::no_value);
}

TEST(Gate, OverallConditionsAndMissingValues) {
  Measures m;
  m.set("coverage", 50.0);
  m.set("bugs", 0.0);
  std::vector<Condition> conds{{"coverage", Op::LT, 60}, {"bugs", Op::GT, 0}, {"tests", Op::LT, 1}};
  // Overall conditions do not depend on new code being known.
  auto r = evaluate_gate(m, conds, NewCodeInfo{});
  EXPECT_EQ(r.status, GateStatus::error);
  EXPECT_EQ(r.conditions[0].status, ConditionStatus::failed);
  EXPECT_EQ(r.conditions[1].status, ConditionStatus::passed);
  // No value: SonarQube neither passes nor fails it, and the gate is not failed by it.
  EXPECT_EQ(r.conditions[2].status, ConditionStatus::no_value);
  auto only_missing = evaluate_gate(m, {{"tests", Op::LT, 1}}, NewCodeInfo{});
  EXPECT_EQ(only_missing.status, GateStatus::ok);
}

TEST(Gate, OperatorsAndValidation) {
  EXPECT_EQ(parse_op("gt"), Op::GT);
  EXPECT_EQ(parse_op("LT"), Op::LT);
  EXPECT_FALSE(parse_op("GE").has_value());
  EXPECT_EQ(to_string(Op::LT), "LT");
  auto d = validate_conditions(
      {{"new_coverge", Op::LT, 80}, {"new_security_rating", Op::GT, 7}, {"coverage", Op::LT, 120}},
      "pipewright.yaml");
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].str(),
            "pipewright.yaml: unknown metric 'new_coverge' in a gate condition (did you mean "
            "'new_coverage'?)");
  EXPECT_NE(d[1].message.find("rating 1..5"), std::string::npos);
  EXPECT_EQ(format_value("new_security_rating", 2), "B");
  EXPECT_EQ(format_value("coverage", 42.857142), "42.9%");
  EXPECT_EQ(format_value("sqale_index", 12), "12 min");
  EXPECT_EQ(metric_name("new_coverage"), "Coverage on new code");
}

}  // namespace
}  // namespace pw::analysis
