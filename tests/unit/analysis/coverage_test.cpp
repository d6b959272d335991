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

TEST(Coverage, SonarFormulaOverallAndNewCode) {
  NewCode nc;
  nc.available = true;
  nc.lines["src/pkg/calc.py"] = {2, 3, 9};
  auto c = analyse_coverage(sample(), {"src/pkg/calc.py", "src/other.py"}, "/proj", &nc);
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
}

TEST(Coverage, NothingToCoverHasNoValue) {
  CoverageCounts none;
  EXPECT_FALSE(none.coverage().has_value());
  EXPECT_FALSE(none.condition_coverage().has_value());
  auto c = analyse_coverage(sample(), {"src/pkg/calc.py"}, "/proj", nullptr);
  EXPECT_FALSE(c.new_code.coverage().has_value());
}

TEST(Coverage, MapsRelativeSourcesAndSuffixes) {
  auto r = sample();
  r.sources = {"."};
  r.files[0].filename = "./src/pkg/calc.py";
  auto direct = analyse_coverage(r, {"src/pkg/calc.py"}, "/proj", nullptr);
  EXPECT_EQ(direct.files.size(), 1u);
  r.sources = {"/elsewhere"};
  r.files[0].filename = "pkg/calc.py";
  auto suffix = analyse_coverage(r, {"src/pkg/calc.py"}, "/proj", nullptr);
  ASSERT_EQ(suffix.files.size(), 1u);
  EXPECT_EQ(suffix.files[0].path, "src/pkg/calc.py");
  // Ambiguous suffix: not guessed.
  auto ambiguous = analyse_coverage(r, {"src/pkg/calc.py", "lib/pkg/calc.py"}, "/proj", nullptr);
  EXPECT_TRUE(ambiguous.files.empty());
  EXPECT_EQ(ambiguous.unmapped_files.size(), 2u);
}

}  // namespace
}  // namespace pw::analysis
