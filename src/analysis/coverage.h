// Coverage overall and on new code, as SonarQube defines it, from the coverage.xml the tests
// stage wrote: the gate's "coverage on new code >= 80%" needs the line-level data mapped onto the
// analysed files and the new lines.
//
// SonarQube's definitions: coverage = (covered lines + covered conditions) / (lines to cover +
// conditions to cover) * 100; line coverage = covered lines / lines to cover; condition coverage
// = covered conditions / conditions to cover. Lines to cover are the <line> elements coverage.py
// wrote (its executable statements); conditions are the branch counts of branch lines. On new code
// only lines that are new count, with all their conditions. An analysed file the report does not
// mention (no test imported it, so coverage.py never saw it) is not left out: as SonarQube does,
// all its executable lines count as uncovered, with its lines of code as the executable lines.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/metrics.h"
#include "analysis/new_code.h"
#include "reports/cobertura.h"

namespace pw::analysis {

struct CoverageCounts {
  long long lines_to_cover = 0;
  long long covered_lines = 0;
  long long conditions_to_cover = 0;
  long long covered_conditions = 0;

  // nullopt when there is nothing to cover (Sonar shows no value rather than 0% or 100%).
  std::optional<double> coverage() const;
  std::optional<double> line_coverage() const;
  std::optional<double> condition_coverage() const;
  void add(const CoverageCounts& other);
  bool operator==(const CoverageCounts&) const = default;
};

struct FileCoverageSummary {
  std::string path;  // the analysed source path it was mapped to
  CoverageCounts overall;
  CoverageCounts new_code;
  // New lines to cover that are not fully covered (never run, or a branch not taken), ascending:
  // what the gate's message points a developer to.
  std::vector<int> uncovered_new_lines;
  bool in_report = true;  // false: absent from the report, all its lines of code uncovered
};

struct CoverageAnalysis {
  CoverageCounts overall;
  CoverageCounts new_code;
  // Every analysed file that has lines to cover, mapped or absent from the report, in path order.
  std::vector<FileCoverageSummary> files;
  // Analysed files the report does not mention, counted as wholly uncovered (in `files` too, with
  // in_report false); files without lines of code are not listed.
  std::vector<std::string> files_not_in_report;
  // Report entries that matched no analysed source file (a stale report, another checkout):
  // their names and how many coverage lines they held. They count in neither total.
  std::vector<std::string> unmapped_files;
  long long unmapped_lines = 0;
};

// Maps each report filename onto `sources` (the analysed files, paths relative to `project_root`,
// '/' separators): tried in order, <source>/filename for each of the report's <source> folders
// made relative to the root, the filename itself, and finally a unique path suffix match
// ("pkg/a.py" for "src/pkg/a.py"). A source no report entry maps to counts its code_lines as
// uncovered lines to cover. `new_code` may be null or unavailable: new-code counts stay 0.
CoverageAnalysis analyse_coverage(const reports::CoverageReport& report,
                                  const std::vector<FileMetrics>& sources,
                                  const std::string& project_root, const NewCode* new_code);

}  // namespace pw::analysis
