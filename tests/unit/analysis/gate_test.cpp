// The quality gate: Sonar way's conditions each PASSED and FAILED, empty and unknown new code,
// SonarQube's GT/LT semantics and condition validation.
#include "analysis/gate.h"

#include <gtest/gtest.h>

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
