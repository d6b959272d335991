// SonarQube's ratings at every boundary, hotspots reviewed, and the hotspot reviews file.
#include "analysis/ratings.h"

#include <gtest/gtest.h>

namespace pw::analysis {
namespace {

Issue issue(IssueType type, IssueSeverity severity, bool is_new = false) {
  Issue i;
  i.type = type;
  i.severity = severity;
  i.is_new = is_new;
  i.effort_minutes = remediation_minutes(type, severity);
  return i;
}

TEST(Ratings, ReliabilityFromWorstBug) {
  using S = IssueSeverity;
  EXPECT_EQ(reliability_rating({}), Rating::A);
  EXPECT_EQ(reliability_rating({issue(IssueType::bug, S::info)}), Rating::A);
  EXPECT_EQ(reliability_rating({issue(IssueType::bug, S::minor)}), Rating::B);
  EXPECT_EQ(reliability_rating({issue(IssueType::bug, S::minor), issue(IssueType::bug, S::major)}),
            Rating::C);
  EXPECT_EQ(reliability_rating({issue(IssueType::bug, S::critical)}), Rating::D);
  EXPECT_EQ(reliability_rating({issue(IssueType::bug, S::blocker)}), Rating::E);
  // Other types do not count.
  EXPECT_EQ(reliability_rating({issue(IssueType::vulnerability, S::blocker),
                                issue(IssueType::code_smell, S::blocker),
                                issue(IssueType::security_hotspot, S::blocker)}),
            Rating::A);
}

TEST(Ratings, SecurityFromWorstVulnerabilityAndNewOnly) {
  using S = IssueSeverity;
  std::vector<Issue> v{issue(IssueType::vulnerability, S::blocker),
                       issue(IssueType::vulnerability, S::minor, true)};
  EXPECT_EQ(security_rating(v), Rating::E);
  EXPECT_EQ(security_rating(v, true), Rating::B);
  EXPECT_EQ(security_rating({issue(IssueType::vulnerability, S::major)}), Rating::C);
  EXPECT_EQ(security_rating({issue(IssueType::vulnerability, S::critical)}), Rating::D);
  EXPECT_EQ(security_rating({issue(IssueType::security_hotspot, S::critical)}), Rating::A);
}

TEST(Ratings, MaintainabilityAtEveryBoundary) {
  EXPECT_DOUBLE_EQ(debt_ratio_percent(0, 100), 0);
  EXPECT_DOUBLE_EQ(debt_ratio_percent(10, 0), 0);  // no code: no ratio
  // 100 lines x 30 min = 3000 min of development.
  EXPECT_DOUBLE_EQ(debt_ratio_percent(150, 100), 5.0);
  EXPECT_EQ(maintainability_rating(0), Rating::A);
  EXPECT_EQ(maintainability_rating(debt_ratio_percent(150, 100)), Rating::A);  // exactly 5%
  EXPECT_EQ(maintainability_rating(5.01), Rating::B);
  EXPECT_EQ(maintainability_rating(debt_ratio_percent(300, 100)), Rating::B);  // exactly 10%
  EXPECT_EQ(maintainability_rating(10.01), Rating::C);
  EXPECT_EQ(maintainability_rating(20.0), Rating::C);
  EXPECT_EQ(maintainability_rating(20.01), Rating::D);
  EXPECT_EQ(maintainability_rating(50.0), Rating::D);
  EXPECT_EQ(maintainability_rating(50.01), Rating::E);
  // 15 min over 10 lines is 5% on paper, 0.05000000000000000277 in binary: still A.
  EXPECT_EQ(maintainability_rating(debt_ratio_percent(15, 10)), Rating::A);
  EXPECT_EQ(letter(Rating::A), 'A');
  EXPECT_EQ(letter(Rating::E), 'E');
  EXPECT_EQ(rating_from_value(3.0), Rating::C);
  EXPECT_FALSE(rating_from_value(6.0).has_value());
}

TEST(Ratings, HotspotsReviewedPercent) {
  EXPECT_FALSE(hotspots_reviewed_percent(0, 0).has_value());
  EXPECT_DOUBLE_EQ(*hotspots_reviewed_percent(1, 4), 25.0);
  EXPECT_DOUBLE_EQ(*hotspots_reviewed_percent(3, 3), 100.0);
}

TEST(HotspotReviews, ParsesAndMatches) {
  auto r = parse_hotspot_reviews(R"(# reviews
- rule: B602
  file: ./app/x.py
  line: 12
  status: safe
  comment: the command is a constant
- rule: B105
  file: app/y.py
  fingerprint: abc123
  status: ACKNOWLEDGED
  comment: test credentials
)",
                                 "pipewright-hotspots.yaml");
  ASSERT_TRUE(r.ok()) << r.errors.front().str();
  ASSERT_EQ(r.reviews.size(), 2u);
  EXPECT_EQ(r.reviews[0].file, "app/x.py");
  EXPECT_EQ(r.reviews[0].line, 12);
  EXPECT_EQ(r.reviews[0].status, ReviewStatus::safe);
  EXPECT_EQ(r.reviews[0].source_line, 2);
  EXPECT_EQ(r.reviews[1].status, ReviewStatus::acknowledged);

  std::vector<Issue> issues(4);
  for (auto& i : issues) i.type = IssueType::security_hotspot;
  issues[0].finding = {.tool = "bandit", .rule_id = "B602", .file = "app/x.py", .line = 12};
  issues[1].finding = {.tool = "bandit", .rule_id = "B602", .file = "app/x.py", .line = 13};
  issues[2].finding = {
      .tool = "bandit", .rule_id = "B105", .file = "app/y.py", .line = 99, .fingerprint = "abc123"};
  issues[3].finding = {
      .tool = "bandit", .rule_id = "B105", .file = "app/y.py", .line = 5, .fingerprint = "zzz"};
  auto stale = apply_reviews(issues, r);
  EXPECT_TRUE(stale.empty());
  EXPECT_EQ(issues[0].review, ReviewStatus::safe);
  EXPECT_EQ(issues[0].review_comment, "the command is a constant");
  EXPECT_FALSE(issues[1].reviewed());  // another line
  EXPECT_TRUE(issues[2].reviewed());   // fingerprint matches whatever the line
  EXPECT_FALSE(issues[3].reviewed());
}

TEST(HotspotReviews, EmptyFileIsNoReviews) {
  EXPECT_TRUE(parse_hotspot_reviews("", "f").ok());
  EXPECT_TRUE(parse_hotspot_reviews("[]\n", "f").reviews.empty());
  EXPECT_TRUE(read_hotspot_reviews("/nonexistent/pipewright-hotspots.yaml").ok());
}

TEST(HotspotReviews, MalformedEntriesReportFileAndLine) {
  auto r = parse_hotspot_reviews(R"(- rule: B602
  file: app/x.py
  status: SAFE
  comment: fine
- rule: B603
  file: app/x.py
  status: MAYBE
  comment: hmm
- rule: B604
  fil: app/x.py
  status: FIXED
  comment: done
- rule: B605
  file: app/x.py
  line: twelve
  status: SAFE
- just a string
)",
                                 "pipewright-hotspots.yaml");
  EXPECT_EQ(r.reviews.size(), 1u);  // the good one is kept
  ASSERT_GE(r.errors.size(), 5u);
  EXPECT_EQ(r.errors[0].str(),
            "pipewright-hotspots.yaml:7:11: 'status' must be SAFE, FIXED or ACKNOWLEDGED, not "
            "'MAYBE'");
  EXPECT_EQ(r.errors[1].str(),
            "pipewright-hotspots.yaml:10:3: unknown key 'fil' in a hotspot review (did you mean "
            "'file'?)");
  EXPECT_EQ(r.errors[2].line, 9);  // missing file: the entry's line
  bool line_error = false, comment_error = false, not_map = false;
  for (const auto& e : r.errors) {
    line_error |= e.line == 15 && e.message.find("'line' must be a line number") == 0;
    comment_error |= e.line == 13 && e.message.find("without 'comment'") != std::string::npos;
    not_map |= e.line == 17;
  }
  EXPECT_TRUE(line_error);
  EXPECT_TRUE(comment_error);
  EXPECT_TRUE(not_map);
}

TEST(HotspotReviews, SyntaxErrorAndWrongShape) {
  auto bad = parse_hotspot_reviews("- rule: [B602\n  file: x\n", "h.yaml");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].file, "h.yaml");
  EXPECT_GT(bad.errors[0].line, 0);
  auto map = parse_hotspot_reviews("rule: B602\n", "h.yaml");
  ASSERT_EQ(map.errors.size(), 1u);
  EXPECT_EQ(map.errors[0].line, 1);
}

}  // namespace
}  // namespace pw::analysis
