// The dependency scan's console table, one-line summary and report files, shared by the
// dependency-scan stage and `pipewright scan deps`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "security/scan.h"

namespace pw::security {

// The console table of findings: package, version, advisory, severity, fixed in.
std::string findings_table(const ScanResult& result);
// "3 vulnerabilities (1 high, 2 medium), 1 ignored" or "no known vulnerability".
std::string findings_summary(const ScanResult& result);
// The reports' file names, as write_scan_reports writes them: also what a cached scan restores.
const std::vector<std::string>& scan_report_files();
// Writes the reports into `dir` (dependency-scan.json, dependency-check-report.json and .xml in
// Dependency-Check's schemas, dependency-scan.sarif, sbom.cdx.json); returns their file names.
std::vector<std::string> write_scan_reports(const ScanResult& result,
                                            const std::filesystem::path& dir,
                                            const std::string& root);

}  // namespace pw::security
