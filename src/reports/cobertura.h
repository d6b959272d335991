// Reads the Cobertura XML that coverage.py writes (`coverage xml`, `pytest --cov-report=xml`) into
// totals and per-file line and branch data, for the tests stage's coverage gate and annotations.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "reports/findings.h"

namespace pw::reports {

// 24 bytes: a big report has hundreds of thousands of these.
struct LineCoverage {
  int number = 0;
  // From condition-coverage="50% (1/2)"; both 0 on a line that is not a branch.
  int branches_covered = 0;
  int branches_total = 0;
  long long hits = 0;

  bool is_branch() const { return branches_total > 0; }
  bool operator==(const LineCoverage&) const = default;
};

// coverage.py's missing-branches="25,exit" on a partially covered branch line: the lines (or
// "exit") the branch never jumped to.
struct MissingBranches {
  int line = 0;
  std::string targets;

  bool operator==(const MissingBranches&) const = default;
};

struct FileCoverage {
  std::string filename;  // the class's filename attribute, relative to one of the sources
  std::string package;   // the package's name attribute ("." for the top folder)
  // Counted from the <line> elements, not taken from attributes, so they always add up.
  int lines_valid = 0;
  int lines_covered = 0;
  int branches_valid = 0;
  int branches_covered = 0;
  std::vector<LineCoverage> lines;  // in document order (coverage.py writes them sorted)
  std::vector<MissingBranches> missing_branches;  // only lines that have the attribute

  // Line numbers never executed, for "missing: 11, 23-27" style output.
  std::vector<int> missing_lines() const;
  // coverage.py's percentage: (covered lines + covered branches) / (lines + branches), 100 for an
  // empty file.
  double percent() const;
  bool operator==(const FileCoverage&) const = default;
};

struct CoverageReport {
  std::string version;               // coverage.py's version attribute, e.g. "6.5.0"
  std::vector<std::string> sources;  // <source> folders the filenames are relative to
  // The root's attributes as coverage.py computed them; when a producer leaves them out they are
  // summed from the files.
  double line_rate = 0;
  double branch_rate = 0;
  long long lines_valid = 0;
  long long lines_covered = 0;
  long long branches_valid = 0;
  long long branches_covered = 0;
  bool has_branch_data = false;  // run with --cov-branch / branch = True
  std::vector<FileCoverage> files;

  // Total as `coverage report` prints it and as --fail-under compares: lines and branches
  // together when branch data exists.
  double percent() const;
  const FileCoverage* find(std::string_view filename) const;
  bool operator==(const CoverageReport&) const = default;
};

Parsed<CoverageReport> parse_cobertura(std::string_view xml, const ParseOptions& options = {});
Parsed<CoverageReport> parse_cobertura_file(const std::filesystem::path& path,
                                            const ParseOptions& options = {});

}  // namespace pw::reports
