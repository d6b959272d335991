// The analysis stage's one entry point: measures a Python project the way SonarQube would (size,
// complexity, duplication, coverage, tests, issues, ratings), overall and on new code, and
// returns the Measures the quality gate (gate.h) evaluates. Gathers the other analysis files so
// the stage only passes paths in and writes reports out.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "analysis/coverage.h"
#include "analysis/duplication.h"
#include "analysis/gate.h"
#include "analysis/issues.h"
#include "analysis/metrics.h"
#include "analysis/new_code.h"
#include "analysis/ratings.h"
#include "reports/junit.h"
#include "util/error.h"

namespace pw::analysis {

// Folders never analysed, wherever they are: virtual environments, build output, tool caches.
const std::vector<std::string>& default_excluded_dirs();
// pytest's conventions: a "test"/"tests" folder on the path, test_*.py, *_test.py, conftest.py.
bool is_test_file(std::string_view relative_path);

struct AnalysisInput {
  std::filesystem::path root;  // absolute project root; every path below is relative to it
  // Globs on paths relative to the root (util glob_match: '*' within a segment, '**' across).
  // Empty: every *.py under the root outside default_excluded_dirs().
  std::vector<std::string> include;
  std::vector<std::string> exclude;  // globs left out on top of the excluded folders
  // Tests are code too, but SonarQube measures them apart (sonar.tests); off by default so that
  // test code does not dilute coverage and debt figures.
  bool include_tests = false;
  std::filesystem::path coverage_xml;              // "" = no coverage report
  std::filesystem::path junit_xml;                 // "" = no test report
  std::vector<std::filesystem::path> sarif_files;  // quality.sarif, dependency-scan.sarif...
  NewCodeReference new_code_reference;
  // New code already computed (tests, or a caller that computed it once for several uses); when
  // empty it is computed with compute_new_code(root, new_code_reference).
  std::optional<NewCode> new_code;
  DuplicationOptions duplication;
  // "" = <root>/pipewright-hotspots.yaml when it exists (format in ratings.h).
  std::filesystem::path hotspot_reviews;
  int dev_cost_minutes = 30;  // sonar.technicalDebt.developmentCost
};

struct Ratings {
  Rating reliability = Rating::A;
  Rating security = Rating::A;
  Rating maintainability = Rating::A;
  long long debt_minutes = 0;               // CODE_SMELL remediation effort
  double debt_ratio = 0;                    // percent
  std::optional<double> hotspots_reviewed;  // percent; none without hotspots
};

struct AnalysisResult {
  std::string root;
  std::vector<FileMetrics> files;  // analysed files, sorted by path
  MetricsTotals totals;
  DuplicationResult duplication;
  NewCode new_code;
  NewCodeInfo new_code_info;
  long long new_ncloc = 0;  // new lines that are lines of code, in the analysed files
  std::optional<CoverageAnalysis> coverage;  // when a coverage report was read
  std::optional<reports::TestTotals> tests;  // when a test report was read
  std::vector<Issue> issues;                 // sorted by file, line
  Ratings overall;
  std::optional<Ratings> on_new_code;  // when new code is known
  Measures measures;
  // Files skipped (not UTF-8, not Python), unreadable or malformed reports, stale hotspot
  // reviews: the analysis went on without them.
  std::vector<Diagnostic> warnings;
};

// Never throws on bad input: every problem becomes a warning and the rest is measured.
AnalysisResult analyse_project(const AnalysisInput& input);

// "10-14, 20, 31-32": line numbers (ascending) as ranges, at most `max_ranges` then "...".
std::string line_ranges(const std::vector<int>& lines, size_t max_ranges = 6);

}  // namespace pw::analysis
