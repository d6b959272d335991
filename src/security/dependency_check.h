// OWASP Dependency-Check's JSON report, read and merged into pipewright's own scan. Where a
// team has Dependency-Check (Java and a local NVD mirror), the dependency-scan stage runs it too
// (dependency_check: true) and reports one finding per vulnerability across both tools, each
// saying which tool found it. Reading and merging only: the stage runs the program.
//
// The report shape read (Dependency-Check's `--format JSON`, reportSchema 1.1):
//   {"scanInfo": {"engineVersion": "..."},
//    "dependencies": [{"fileName", "filePath", "packages": [{"id": "pkg:pypi/jinja2@2.10"}],
//      "vulnerabilities": [{"source": "NVD", "name": "CVE-2019-10906", "severity": "HIGH",
//        "cvssv3": {"baseScore": 8.6, "baseSeverity": "HIGH"}, "description": "...",
//        "references": [{"source", "url", "name"}],
//        "vulnerableSoftware": [{"software": {"id", "versionEndExcluding",
//                                             "vulnerabilityIdMatched"}}]}]}]}
// Unknown members are ignored; a member of the wrong type is an error naming it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "security/scan.h"

namespace pw::security {

inline constexpr std::string_view kDependencyCheckTool = "dependency-check";
inline constexpr std::string_view kNativeTool = "pipewright";

struct DcVulnerability {
  std::string name;      // CVE-..., GHSA-..., sonatype-...: the vulnerability id
  std::string source;    // NVD, OSSINDEX, NPM, RETIREJS...
  std::string severity;  // as written ("HIGH", "moderate"...)
  std::optional<double> cvss3_score;
  std::string cvss3_severity;  // cvssv3.baseSeverity
  std::string description;
  std::vector<std::string> reference_urls;
  std::vector<std::string> fixed;  // versionEndExcluding of the matched vulnerable software
};

struct DcDependency {
  std::string file_name;
  std::string file_path;
  std::vector<std::string> purls;  // packages[].id
  std::vector<DcVulnerability> vulnerabilities;
};

struct DcReport {
  std::string engine_version;
  std::vector<DcDependency> dependencies;
};

// Parses a report. Throws pw::Error starting with `file_name` when the text is not JSON or not
// a Dependency-Check report (no `dependencies` array, a member of the wrong type).
DcReport parse_dependency_check_json(std::string_view text, const std::string& file_name);

struct DcMergeCounts {
  size_t confirmed = 0;  // Dependency-Check findings pipewright had too
  size_t added = 0;      // findings only Dependency-Check had
};

// Merges `report` into `result`: a Dependency-Check vulnerability of a package (by its purl, or
// else its file name and no version) whose name is a native finding's id or alias for the same
// package version adds kDependencyCheckTool to that finding's found_by; any other becomes a new
// finding (its package added to result.packages when not scanned natively), found_by
// {kDependencyCheckTool}, once per package version however many of the report's dependencies
// name it. Findings and packages are re-sorted as scan() sorts them. Run before apply_ignores,
// so an ignore entry applies to both tools' findings.
DcMergeCounts merge_dependency_check(ScanResult& result, const DcReport& report);

}  // namespace pw::security
