// The dependency scan's reports, in the formats the ecosystem already reads, so replacing OWASP
// Dependency-Check changes nothing downstream: pipewright's own JSON, Dependency-Check's XML
// (Jenkins' dependency-check publisher, DefectDojo), SARIF (code scanning) and a CycloneDX 1.5
// SBOM with its vulnerabilities (Dependency-Track). Every writer is deterministic except for
// timestamps (and the SBOM's random serial number unless one is given).
#pragma once

#include <string>

#include "reports/sarif.h"
#include "security/scan.h"

namespace pw::security {

struct DependencyReportOptions {
  std::string tool_version;  // pipewright's version; "" uses the version this library was built as
  // The project's absolute root: requirements paths under it become relative in SARIF.
  std::string root;
  // CycloneDX serialNumber ("urn:uuid:..."); "" draws a random version 4 UUID.
  std::string serial_number;
};

// ---- (a) dependency-scan.json, pipewright's own format (schema version 1):
// {
//   "tool": "pipewright", "tool_version": "0.1.0", "version": 1,
//   "project": "app", "scanned_at": "2025-01-01T00:00:00.000Z",
//   "database": {"path": "...", "records": 123, "last_import": "...", "age_days": 2 | null},
//   "packages": [{"name", "normalized", "version", "purl", "found_in": [..]}],
//   "findings": [{"id", "aliases": [..], "package", "version", "purl",
//                 "severity": "HIGH", "cvss": {"score": 7.5 | null, "vector": "..." },
//                 "fixed_versions": [..], "summary", "link", "found_in": [..],
//                 "found_by": ["pipewright", "dependency-check"],
//                 "ignored": false, "ignore_reason": ""}],
//   "counts": {"critical", "high", "medium", "low", "none", "unknown", "ignored", "total"},
//   "warnings": ["file:line: message", ...]
// }
// Packages and findings in ScanResult order; counts leave ignored findings out of the
// severities (total = not ignored).
std::string write_dependency_json(const ScanResult& result,
                                  const DependencyReportOptions& options = {});

// ---- (a2) dependency-check-report.json in Dependency-Check's own JSON schema (reportSchema
// 1.1: scanInfo, projectInfo, dependencies with packages, vulnerabilities and
// suppressedVulnerabilities), the same content as the XML report (b), so tools that read
// Dependency-Check's JSON report (and parse_dependency_check_json) read this one.
std::string write_dependency_check_json(const ScanResult& result,
                                        const DependencyReportOptions& options = {});

// ---- (b) Dependency-Check's XML report, schema dependency-check.2.5.xsd (the namespace
// https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd), elements in the
// schema's order: scanInfo (engineVersion, one dataSource "OSV"), projectInfo (name,
// reportDate, credits), then one virtual dependency per scanned package (fileName
// "name:version", filePath where it was found, empty md5/sha1/sha256 since a pin is not a
// file, identifiers/package with the purl) with its vulnerabilities; ignored findings are
// written as suppressedVulnerability, as Dependency-Check writes suppressed ones. cvssV3 only
// when a valid v3 vector is known (the schema requires all its metrics). Text is XML-escaped
// and stripped of characters XML 1.0 cannot carry.
std::string write_dependency_check_xml(const ScanResult& result,
                                       const DependencyReportOptions& options = {});

// ---- (c) SARIF: one reports::Finding per non-ignored finding, tool "pipewright-deps",
// rule_id the advisory id, level error for HIGH/CRITICAL else warning, file and line the pin
// in the requirements file when known.
reports::ToolRun dependency_sarif_run(const ScanResult& result,
                                      const DependencyReportOptions& options = {});
std::string write_dependency_sarif(const ScanResult& result,
                                   const DependencyReportOptions& options = {});

// ---- (d) CycloneDX 1.5 JSON SBOM (sbom.cdx.json): every scanned package as a library
// component (bom-ref = purl), every finding as a vulnerability affecting its component, with
// ratings (method CVSSv31/CVSSv3/CVSSv4/CVSSv2, or "other" for a database word), alias
// references and an upgrade recommendation; ignored findings carry analysis {state (default
// not_affected), justification when given, detail: the reason}.
std::string write_cyclonedx(const ScanResult& result, const DependencyReportOptions& options = {});

// A random version 4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string random_uuid_v4();

}  // namespace pw::security
