// The dependency scan (the `dependency-scan` stage, `pipewright scan deps`): which Python
// packages a project installs, from its pinned requirements and from what is really in its
// virtual environment, checked against the local OSV store; then the project's ignore file and
// the fail-on policy. Reading and matching only: no processes, no network, time passed in.
//
// The ignore file (default `pipewright-ignore.yaml` at the project root, see kDefaultIgnoreFile):
//
//   ignore:
//     - id: PYSEC-2024-48          # the advisory id or any of its aliases (CVE-..., GHSA-...)
//       reason: "black is only run on our own code in CI"   # required: an ignore must say why
//       expires: 2025-06-30        # optional, YYYY-MM-DD; the entry applies through that day
//       package: black             # optional; any spelling of the name (PEP 503)
//       state: not_affected        # optional, CycloneDX analysis state for the SBOM
//       justification: requires_environment  # optional, CycloneDX justification
//
// An expired entry stops ignoring (and says so) instead of failing the scan, so a forgotten
// exception turns back into a visible finding rather than into a broken pipeline.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reports/findings.h"
#include "security/cvss.h"
#include "security/match.h"
#include "util/error.h"

namespace pw::security {

class Store;

inline constexpr std::string_view kDefaultIgnoreFile = "pipewright-ignore.yaml";

// One installed or pinned distribution, found in one or more places.
struct ScannedPackage {
  std::string name;        // as first seen (requirements line or METADATA Name)
  std::string normalized;  // PEP 503
  std::string version;     // as written
  std::string purl;        // pkg:pypi/<normalized>@<version>
  // Where it was found: "requirements-dev.txt:12" (requirements file and line), or a site dir
  // ("/path/.venv/lib/python3.12/site-packages"). Unique, in the order found.
  std::vector<std::string> found_in;
  // The first requirements file and line that pin it ("" / 0 when only installed): what a SARIF
  // result points at, since that is the line a fix edits.
  std::string pinned_file;
  int pinned_line = 0;
};

// pkg:pypi/<normalized>@<version>, the version percent-encoded where purl requires it.
std::string pypi_purl(std::string_view normalized, std::string_view version);

// One vulnerability of one package version. The matcher already merged aliases, so a CVE known
// as PYSEC-x and GHSA-y is one finding.
struct VulnFinding {
  ScannedPackage package;
  Match match;
  std::string severity;  // CRITICAL|HIGH|MEDIUM|LOW|NONE|UNKNOWN (to_string(Rating))
  Rating rating = Rating::unknown;
  std::optional<double> cvss_score;
  std::string cvss_vector;
  std::vector<std::string> fixed_versions;
  bool ignored = false;
  std::string ignore_reason;
  std::string ignore_state;          // CycloneDX analysis state when ignored ("not_affected")
  std::string ignore_justification;  // CycloneDX justification, "" when none given
  // The tools that reported it: "pipewright" (the OSV store) and/or "dependency-check" (OWASP
  // Dependency-Check's report, merged by dependency_check.h), in that order.
  std::vector<std::string> found_by;
};

struct ScanResult {
  std::string project;
  std::string scanned_at;                // ISO 8601 UTC
  std::vector<ScannedPackage> packages;  // sorted by normalized name, then version
  std::vector<VulnFinding> findings;     // sorted by package, version, advisory id
  std::vector<Diagnostic> warnings;      // collection, database and ignore-file notes
  // The advisory database the scan answered from.
  std::string database_path;
  size_t database_records = 0;
  std::string database_last_import;                  // ISO 8601, "" when never imported
  std::optional<std::chrono::seconds> database_age;  // since the last import
};

// ---- Collectors. Each returns packages plus problems: `errors` when the input could not be
// read (missing file), `warnings` for what was skipped. Results are merged (merge_packages).

// Named requirements pinned with `==X` (no wildcard) or `===X` in `path` and the files it
// includes; constraint (-c) lines are not installed and are left out; markers are not
// evaluated (a pin for another platform is still scanned: over-reporting beats a miss).
// Unpinned requirements are skipped with a warning: their version is only known from a venv.
reports::Parsed<std::vector<ScannedPackage>> packages_from_requirements(
    const std::filesystem::path& path);

// Distributions installed in site dirs: every `*.dist-info/METADATA` and `*.egg-info/PKG-INFO`
// (or an `*.egg-info` file), Name and Version headers read natively. This is what finds the
// transitive dependencies no requirements file names. A missing dir is an error; a metadata
// file without Name or Version a warning.
reports::Parsed<std::vector<ScannedPackage>> packages_from_site_dirs(
    const std::vector<std::filesystem::path>& dirs);

// A virtual environment's site dirs: lib/python*/site-packages (also lib64, and Windows'
// Lib/site-packages), plus `base_site_dirs` when pyvenv.cfg says
// include-system-site-packages = true. The caller supplies the base interpreter's dirs (it
// knows how it found them); this function never starts Python. Error when none is found.
reports::Parsed<std::vector<std::filesystem::path>> site_dirs_of_venv(
    const std::filesystem::path& venv,
    const std::vector<std::filesystem::path>& base_site_dirs = {});

// Merges the same distribution (normalized name, PEP 440-equal version) found in several
// places: found_in joined, the first pin kept. Sorted by normalized name, then version.
std::vector<ScannedPackage> merge_packages(std::vector<ScannedPackage> packages);

// ---- The scan.

// Matches each package against the store (ecosystem "PyPI"), one finding per vulnerability.
// Fills database info from store.status(now); warns when the database holds no records.
ScanResult scan(const Store& store, const std::vector<ScannedPackage>& packages,
                std::string project,
                std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Counts by severity of findings, ignored ones apart.
struct SeverityCounts {
  int critical = 0, high = 0, medium = 0, low = 0, none = 0, unknown = 0;
  int ignored = 0;  // not in the other counts
  int total() const { return critical + high + medium + low + none + unknown; }
  void add(Rating r);  // one finding more of that rating
};
SeverityCounts count_findings(const ScanResult& result);

// "3 vulnerabilities (1 critical, 2 high)": the total of the counts given, then each non-zero
// one; `unrated` is whatever the caller counts as having no usable rating.
std::string vulnerability_count_text(int critical, int high, int medium, int low, int unrated);

// ---- Ignore file.

struct IgnoreEntry {
  std::string id;
  std::string reason;
  std::optional<std::chrono::year_month_day> expires;
  std::string expires_text;  // as written, for messages
  std::string package;       // normalized; "" matches any package
  std::string state;         // CycloneDX analysis state; "" -> "not_affected"
  std::string justification;
  std::string file;  // where the entry was written, for messages
  int line = 0;
};

struct IgnoreList {
  std::vector<IgnoreEntry> entries;
  // Problems with file:line:col. Entries with problems are left out; callers should report
  // these and fail the stage (a malformed ignore file must not silently ignore nothing).
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return diagnostics.empty(); }
};

// Reads the YAML ignore file (format at the top of this header). A missing file is a
// diagnostic: callers that use the default name check for its existence first.
IgnoreList load_ignore_file(const std::filesystem::path& path);
IgnoreList parse_ignore_text(std::string_view text, const std::string& file_name);

// Marks findings matched by an entry (id equal to the finding's id or any alias, case-
// insensitively; package, when given, equal to the normalized name) ignored with the entry's
// reason. An entry expired before `today` ignores nothing and adds the warning
// "ignore entry for X expired on DATE"; an entry that matches no finding adds a warning too, so
// stale exceptions get cleaned up.
void apply_ignores(ScanResult& result, const IgnoreList& ignores,
                   std::chrono::year_month_day today);
// Today's date in UTC, for apply_ignores.
std::chrono::year_month_day utc_today(
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// ---- Policy.

// "none", "low", "medium", "high", "critical" (case-insensitive); nullopt otherwise.
std::optional<Rating> parse_fail_on(std::string_view text);
// The rank a finding gates with: its rating, with UNKNOWN counted as MEDIUM (an advisory
// without a score is not harmless; failing a critical-only gate on it would be noise).
Rating gating_rating(Rating rating);
// True when a finding rated `rating` gates at `fail_on`: its gating_rating at or above it; never
// for Rating::none (report only).
bool gates(Rating rating, Rating fail_on);
// True when a non-ignored finding gates at `fail_on`.
bool fails(const ScanResult& result, Rating fail_on);

// A scan stage's verdict under its fail_on setting (`fail_on_text`, "none" when unset): the
// summary, with " (fail_on: high)" added and fails_build set when `fails_at(policy)` says a
// finding gates at it. Like the dependency-check publisher's failedTotal thresholds, the policy
// the team wrote fails the build even though the stage is non-blocking. Dependency-scan and
// image-scan both end with it.
struct FailOnVerdict {
  std::string summary;
  bool fails_build = false;
};
FailOnVerdict fail_on_verdict(std::string summary, std::string_view fail_on_text,
                              const std::function<bool(Rating)>& fails_at);

}  // namespace pw::security
