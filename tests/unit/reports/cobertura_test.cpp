// Cobertura parser on coverage.py's real coverage.xml (recorded from ../sample with branch
// coverage by record.sh) and on edge cases.
#include "reports/cobertura.h"

#include <gtest/gtest.h>

#include "support.h"

namespace pw::reports {
namespace {

using testing::fixture;
using testing::read_fixture;

TEST(Cobertura, CoveragePyTotals) {
  auto r = parse_cobertura_file(fixture("recorded/coverage.xml"));
  ASSERT_TRUE(r.ok()) << join_diagnostics(r.errors);
  EXPECT_TRUE(r.warnings.empty());
  const CoverageReport& c = r.value;
  EXPECT_EQ(c.version, "6.5.0");
  ASSERT_EQ(c.sources.size(), 1u);
  EXPECT_TRUE(c.sources[0].ends_with("tests/fixtures/reports/sample/app")) << c.sources[0];
  EXPECT_EQ(c.lines_valid, 48);
  EXPECT_EQ(c.lines_covered, 12);
  EXPECT_EQ(c.branches_valid, 12);
  EXPECT_EQ(c.branches_covered, 5);
  EXPECT_DOUBLE_EQ(c.line_rate, 0.25);
  EXPECT_DOUBLE_EQ(c.branch_rate, 0.4167);
  EXPECT_TRUE(c.has_branch_data);
  // coverage.py's TOTAL for this run: (12 + 5) / (48 + 12) = 28.33%.
  EXPECT_NEAR(c.percent(), 100.0 * 17 / 60, 1e-9);
  // The per-file numbers add up to the totals.
  long long lines = 0, covered = 0;
  for (const auto& f : c.files) lines += f.lines_valid, covered += f.lines_covered;
  EXPECT_EQ(lines, c.lines_valid);
  EXPECT_EQ(covered, c.lines_covered);
  ASSERT_EQ(c.files.size(), 3u);
}

TEST(Cobertura, PerFileLinesAndBranches) {
  auto r = parse_cobertura_file(fixture("recorded/coverage.xml"));
  ASSERT_TRUE(r.ok());
  const FileCoverage* calc = r.value.find("calc.py");
  ASSERT_NE(calc, nullptr);
  EXPECT_EQ(calc->package, ".");
  EXPECT_EQ(calc->lines_valid, 18);
  EXPECT_EQ(calc->lines_covered, 12);
  EXPECT_EQ(calc->branches_valid, 10);
  EXPECT_EQ(calc->branches_covered, 5);
  EXPECT_EQ(calc->missing_lines(), (std::vector<int>{11, 23, 24, 25, 26, 27}));
  // <line number="9" hits="1" branch="true" condition-coverage="50% (1/2)" missing-branches="11"/>
  const LineCoverage* nine = nullptr;
  for (const auto& l : calc->lines) {
    if (l.number == 9) nine = &l;
  }
  ASSERT_NE(nine, nullptr);
  EXPECT_EQ(*nine, (LineCoverage{9, 1, 2, 1}));
  ASSERT_FALSE(calc->missing_branches.empty());
  EXPECT_EQ(calc->missing_branches[0], (MissingBranches{9, "11"}));
  EXPECT_EQ(calc->missing_branches.back(), (MissingBranches{25, "24,26"}));
  EXPECT_TRUE(nine->is_branch());
  EXPECT_FALSE(calc->lines.front().is_branch());
  EXPECT_NEAR(calc->percent(), 100.0 * 17 / 28, 1e-9);

  const FileCoverage* init = r.value.find("__init__.py");
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(init->lines_valid, 0);
  EXPECT_DOUBLE_EQ(init->percent(), 100.0);

  const FileCoverage* quality = r.value.find("quality.py");
  ASSERT_NE(quality, nullptr);
  EXPECT_EQ(quality->lines_covered, 0);
  EXPECT_EQ(r.value.find("nope.py"), nullptr);
}

TEST(Cobertura, FileAndStringAgree) {
  auto a = parse_cobertura_file(fixture("recorded/coverage.xml"));
  auto b = parse_cobertura(read_fixture("recorded/coverage.xml"));
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(a.value.files.size(), b.value.files.size());
  for (size_t i = 0; i < a.value.files.size(); ++i) {
    EXPECT_EQ(a.value.files[i].lines, b.value.files[i].lines);
    EXPECT_EQ(a.value.files[i].missing_branches, b.value.files[i].missing_branches);
  }
}

TEST(Cobertura, TotalsComputedWhenAttributesAreMissing) {
  auto r = parse_cobertura(
      "<coverage><packages><package name=\"p\"><classes>"
      "<class name=\"a\" filename=\"p/a.py\"><lines><line number=\"1\" hits=\"3\"/>"
      "<line number=\"2\" hits=\"0\" branch=\"true\" condition-coverage=\"0% "
      "(0/2)\"/></lines></class>"
      "<class name=\"b\" filename=\"p/b.py\"><lines><line number=\"1\" hits=\"1\"/></lines></class>"
      "</classes></package></packages></coverage>");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.lines_valid, 3);
  EXPECT_EQ(r.value.lines_covered, 2);
  EXPECT_EQ(r.value.branches_valid, 2);
  EXPECT_EQ(r.value.branches_covered, 0);
  EXPECT_NEAR(r.value.line_rate, 2.0 / 3, 1e-9);
  EXPECT_NEAR(r.value.percent(), 40.0, 1e-9);
}

TEST(Cobertura, WithoutBranchData) {
  auto r = parse_cobertura(
      "<coverage lines-valid=\"2\" lines-covered=\"1\" line-rate=\"0.5\" branches-valid=\"0\" "
      "branches-covered=\"0\" branch-rate=\"0\"><packages><package name=\".\"><classes>"
      "<class filename=\"m.py\"><lines><line number=\"1\" hits=\"1\"/><line number=\"2\" "
      "hits=\"0\"/></lines></class></classes></package></packages></coverage>");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value.has_branch_data);
  EXPECT_DOUBLE_EQ(r.value.percent(), 50.0);
}

TEST(Cobertura, ClassesOfOneFileMerge) {
  auto r = parse_cobertura(
      "<coverage><packages><package name=\"x\"><classes>"
      "<class name=\"A\" filename=\"x/m.py\"><lines><line number=\"1\" hits=\"1\"/></lines></class>"
      "<class name=\"B\" filename=\"x/m.py\"><lines><line number=\"9\" hits=\"0\"/></lines></class>"
      "</classes></package></packages></coverage>");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.files.size(), 1u);
  EXPECT_EQ(r.value.files[0].lines_valid, 2);
}

TEST(Cobertura, BadLinesAreSkippedWithOneWarning) {
  auto r = parse_cobertura(
      "<coverage><packages><package name=\".\"><classes><class filename=\"m.py\"><lines>"
      "<line number=\"x\" hits=\"1\"/><line number=\"2\"/><line number=\"3\" hits=\"-1\"/>"
      "<line number=\"4\" hits=\"2\" condition-coverage=\"garbage\"/>"
      "</lines></class></classes></package></packages></coverage>");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].message.find("3 in all"), std::string::npos) << r.warnings[0].message;
  ASSERT_EQ(r.value.files[0].lines.size(), 1u);
  EXPECT_FALSE(r.value.files[0].lines[0].is_branch());
}

TEST(Cobertura, EmptyReport) {
  auto r = parse_cobertura("<coverage version=\"6.5.0\"><sources/><packages/></coverage>");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value.files.empty());
  EXPECT_DOUBLE_EQ(r.value.percent(), 100.0);
}

}  // namespace
}  // namespace pw::reports
