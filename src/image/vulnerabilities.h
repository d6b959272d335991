// The image scan's matching: the inventory's Debian packages against OSV records of the
// `Debian:<VERSION_ID>` ecosystem, by source package (as Debian's DSA/DLA and DEBIAN-CVE records
// name them) and source version with dpkg's order; its Python distributions against `PyPI` with
// PEP 440. One finding per installed package and vulnerability, as Trivy reports them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "image/inventory.h"
#include "security/cvss.h"
#include "security/match.h"

namespace pw::security {
class Store;
}

namespace pw::image {

enum class PackageClass { os, lang };

struct ImageFinding {
  PackageClass cls = PackageClass::os;
  std::string pkg_name;           // binary package or distribution, as installed
  std::string installed_version;  // the binary package's own version
  std::string arch;               // Debian only
  std::string source;             // Debian: the source package matched
  std::string source_version;     // Debian: the version matched
  std::string path;               // Python: the metadata file in the image
  std::string purl;
  security::Match match;
  security::Rating rating = security::Rating::unknown;
  std::string severity;   // CRITICAL|HIGH|MEDIUM|LOW|NONE|UNKNOWN
  std::string fixed;      // fixing versions, ", "-joined ("" when none is known)
  size_t layer = 0;       // the package's layer (DebPackage::layer, PythonPackage::layer)
  std::string published;  // the advisory's `published` (RFC 3339), "" when it has none
};

struct ImageScanResult {
  std::string artifact;    // what was scanned: the reference or the archive's path
  std::string scanned_at;  // ISO 8601 UTC
  ImageInventory inventory;
  std::string os_ecosystem;            // "Debian:12"; "" when the OS packages could not be matched
  std::vector<ImageFinding> findings;  // by class, package, advisory id
  std::vector<Diagnostic> warnings;
  size_t database_records = 0;
};

// "Debian:<major VERSION_ID>" for Debian (VERSION_ID "12" -> "Debian:12"); "" for another OS
// or a Debian without VERSION_ID (testing, sid), whose packages no release's records describe.
std::string os_ecosystem(const OsRelease& os);

// The OS version as Trivy names it: /etc/debian_version on Debian ("12.8"), else VERSION_ID.
std::string os_name(const ImageInventory& inv);

// pkg:deb/debian/<name>@<version>?arch=<arch>&distro=debian-<version>[&epoch=<n>], as Trivy
// writes it: the epoch in the purl spec's `epoch` qualifier, not in the version, and '+'
// percent-encoded as %2B.
std::string deb_purl(const DebPackage& p, const std::string& version_id);

ImageScanResult scan_inventory(
    const security::Store& store, ImageInventory inventory, std::string artifact,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

struct ImageCounts {
  int critical = 0, high = 0, medium = 0, low = 0, unknown = 0;  // unknown includes NONE
  int total() const { return critical + high + medium + low + unknown; }
};
ImageCounts count_findings(const ImageScanResult& r);
// True when a finding's gating rating (security::gating_rating) is at or above `fail_on`.
bool fails(const ImageScanResult& r, security::Rating fail_on);

// The console table, most severe first: Severity, Package, Installed, Vulnerability, Fixed in,
// Where (os or the metadata path).
std::string findings_table(const ImageScanResult& r);
// "debian 12 (bookworm): 3 vulnerabilities (1 high, 2 medium) in 131 Debian and 3 Python
// packages" or "... no known vulnerability in ...".
std::string findings_summary(const ImageScanResult& r);

}  // namespace pw::image
