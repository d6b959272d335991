// The image scan's report in Trivy's JSON schema (SchemaVersion 2, `trivy image -f json`), so
// whatever reads Trivy reports (DefectDojo, dashboards, jq scripts) reads pipewright's:
//
//   {"SchemaVersion": 2, "CreatedAt", "ArtifactName", "ArtifactType": "container_image",
//    "Metadata": {"OS": {"Family": "debian", "Name": "12.8"}, "ImageID", "DiffIDs",
//                 "RepoTags", "ImageConfig"},
//    "Results": [
//      {"Target": "<artifact> (debian 12.8)", "Class": "os-pkgs", "Type": "debian",
//       "Packages": [...], "Vulnerabilities": [...]},
//      {"Target": "Python", "Class": "lang-pkgs", "Type": "python-pkg", ...}]}
//
// A vulnerability carries VulnerabilityID (a CVE when the advisory or one of its aliases is
// one; the other ids in VendorIDs), PkgID, PkgName, PkgPath (Python), PkgIdentifier.PURL,
// InstalledVersion, FixedVersion, Status, SeveritySource, PrimaryURL, DataSource, Title,
// Description, Severity, VendorSeverity, CVSS {"osv": {V3Vector, V3Score}} and
// LastModifiedDate. As with `--list-all-pkgs`, every result lists its Packages; like Trivy,
// a result without findings has no Vulnerabilities key.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "image/vulnerabilities.h"

namespace pw::image {

nlohmann::ordered_json trivy_report(const ImageScanResult& r);
std::string write_trivy_report(const ImageScanResult& r);  // pretty-printed, 2 spaces

// Trivy's own report with pipewright's findings merged in, for when Trivy is installed and
// enabled: Trivy's report is kept whole, and each pipewright finding Trivy did not report (same
// result class and type, package, installed version, and id or alias) is added to the matching
// result (or to a new one). Throws pw::Error when `trivy_json` is not a Trivy report.
nlohmann::ordered_json merge_trivy_reports(const std::string& trivy_json,
                                           const nlohmann::ordered_json& ours);

}  // namespace pw::image
