// Coverage overall and on new code by SonarQube's formula, with filename mapping through the
// report's <source> folders and a count of what could not be mapped.
#include "analysis/coverage.h"

#include <gtest/gtest.h>

namespace pw::analysis {
namespace {

reports::CoverageReport sample() {
  reports::CoverageReport r;
  r.sources = {"/proj/src"};
  reports::FileCoverage a;
  a.filename = "pkg/calc.py";
  a.lines = {{1, 0, 0, 1}, {2, 0, 0, 0}, {3, 1, 2, 3}, {4, 2, 2, 1}, {5, 0, 0, 0}};
  reports::FileCoverage stale;
  stale.filename = "gone.py";
  stale.lines = {{1, 0, 0, 1}, {2, 0, 0, 1}};
  r.files = {a, stale};
  return r;
}

// Analysed files as analyse_coverage sees them: a path and its lines of code.
std::vector<FileMetrics> files(std::vector<std::pair<std::string, std::vector<int>>> list) {
  std::vector<FileMetrics> out;
  for (auto& [path, code] : list) {
    FileMetrics m;
    m.path = path;
    m.code_lines = code;
    m.ncloc = static_cast<int>(code.size());
    out.push_back(std::move(m));
  }
  return out;
}

TEST(Coverage, SonarFormulaOverallAndNewCode) {
  NewCode nc;
  nc.available = true;
  nc.lines["src/pkg/calc.py"] = {2, 3, 9};
  auto c = analyse_coverage(
      sample(), files({{"src/pkg/calc.py", {1, 2, 3, 4, 5}}, {"src/other.py", {}}}), "/proj", &nc);
  // overall: 5 lines, 3 covered; 4 conditions, 3 covered -> (3+3)/(5+4)
  EXPECT_EQ(c.overall, (CoverageCounts{5, 3, 4, 3}));
  EXPECT_NEAR(*c.overall.coverage(), 100.0 * 6 / 9, 1e-9);
  EXPECT_NEAR(*c.overall.line_coverage(), 60.0, 1e-9);
  EXPECT_NEAR(*c.overall.condition_coverage(), 75.0, 1e-9);
  // new: lines 2 (uncovered) and 3 (covered, 1/2 conditions); 9 is not executable
  EXPECT_EQ(c.new_code, (CoverageCounts{2, 1, 2, 1}));
  EXPECT_NEAR(*c.new_code.coverage(), 50.0, 1e-9);
  ASSERT_EQ(c.files.size(), 1u);
  EXPECT_EQ(c.files[0].path, "src/pkg/calc.py");
  EXPECT_EQ(c.unmapped_files, (std::vector<std::string>{"gone.py"}));
  EXPECT_EQ(c.unmapped_lines, 2);
  EXPECT_TRUE(c.files_not_in_report.empty());  // other.py has no lines of code to cover
}

TEST(Coverage, FileAbsentFromReportCountsAsUncovered) {
  // other.py was analysed but no test imported it, so coverage.py left it out of the report.
  // SonarQube counts every executable line of it as uncovered; so do we, with its code lines.
  NewCode nc;
  nc.available = true;
  nc.lines["src/pkg/calc.py"] = {2, 3, 9};
  nc.lines["src/other.py"] = {2, 3, 4};  // 4 is a blank or comment line: nothing to cover
  auto c = analyse_coverage(
      sample(), files({{"src/pkg/calc.py", {1, 2, 3, 4, 5}}, {"src/other.py", {1, 2, 3, 5, 8}}}),
      "/proj", &nc);
  // overall: calc's 5 lines (3 covered, 4 conditions, 3 covered) + other's 5 uncovered lines
  EXPECT_EQ(c.overall, (CoverageCounts{10, 3, 4, 3}));
  EXPECT_NEAR(*c.overall.coverage(), 100.0 * 6 / 14, 1e-9);
  // new: calc's {2 lines, 1 covered, 2 conditions, 1 covered} + other's lines 2 and 3 uncovered
  EXPECT_EQ(c.new_code, (CoverageCounts{4, 1, 2, 1}));
  EXPECT_NEAR(*c.new_code.coverage(), 100.0 * 2 / 6, 1e-9);
  EXPECT_EQ(c.files_not_in_report, (std::vector<std::string>{"src/other.py"}));
  ASSERT_EQ(c.files.size(), 2u);  // in path order
  EXPECT_EQ(c.files[0].path, "src/other.py");
  EXPECT_FALSE(c.files[0].in_report);
  EXPECT_TRUE(c.files[1].in_report);
  EXPECT_EQ(c.files[0].overall, (CoverageCounts{5, 0, 0, 0}));
  EXPECT_EQ(c.files[0].uncovered_new_lines, (std::vector<int>{2, 3}));
  // Without new code the file still counts overall, and nothing counts on new code.
  auto overall_only = analyse_coverage(
      sample(), files({{"src/pkg/calc.py", {1, 2, 3, 4, 5}}, {"src/other.py", {1, 2, 3, 5, 8}}}),
      "/proj", nullptr);
  EXPECT_EQ(overall_only.overall, (CoverageCounts{10, 3, 4, 3}));
  EXPECT_EQ(overall_only.new_code, CoverageCounts{});
}

TEST(Coverage, ReportOfAnotherCheckoutLeavesEverythingUncovered) {
  reports::CoverageReport r = sample();
  r.sources = {"/elsewhere"};
  r.files[0].filename = "nothing/like/it.py";
  auto c = analyse_coverage(r, files({{"src/pkg/calc.py", {1, 2, 3}}, {"src/b.py", {4}}}), "/proj",
                            nullptr);
  EXPECT_EQ(c.unmapped_files.size(), 2u);
  EXPECT_EQ(c.files_not_in_report, (std::vector<std::string>{"src/b.py", "src/pkg/calc.py"}));
  EXPECT_EQ(c.overall, (CoverageCounts{4, 0, 0, 0}));
  EXPECT_NEAR(*c.overall.coverage(), 0.0, 1e-9);
}

TEST(Coverage, NothingToCoverHasNoValue) {
  CoverageCounts none;
  EXPECT_FALSE(none.coverage().has_value());
  EXPECT_FALSE(none.condition_coverage().has_value());
  auto c =
      analyse_coverage(sample(), files({{"src/pkg/calc.py", {1, 2, 3, 4, 5}}}), "/proj", nullptr);
  EXPECT_FALSE(c.new_code.coverage().has_value());
}

TEST(Coverage, MapsRelativeSourcesAndSuffixes) {
  auto r = sample();
  r.sources = {"."};
  r.files[0].filename = "./src/pkg/calc.py";
  auto direct = analyse_coverage(r, files({{"src/pkg/calc.py", {}}}), "/proj", nullptr);
  EXPECT_EQ(direct.files.size(), 1u);
  r.sources = {"/elsewhere"};
  r.files[0].filename = "pkg/calc.py";
  auto suffix = analyse_coverage(r, files({{"src/pkg/calc.py", {}}}), "/proj", nullptr);
  ASSERT_EQ(suffix.files.size(), 1u);
  EXPECT_EQ(suffix.files[0].path, "src/pkg/calc.py");
  // Ambiguous suffix: not guessed.
  auto ambiguous = analyse_coverage(r, files({{"src/pkg/calc.py", {}}, {"lib/pkg/calc.py", {}}}),
                                    "/proj", nullptr);
  EXPECT_TRUE(ambiguous.files.empty());
  EXPECT_EQ(ambiguous.unmapped_files.size(), 2u);
}

}  // namespace
}  // namespace pw::analysis
