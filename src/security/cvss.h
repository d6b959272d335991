// CVSS as advisories carry it: a v3.0/v3.1 base score computed from the vector (FIRST's
// formulas, not a score copied from somewhere), its qualitative rating, and the one severity an
// advisory gets in reports. Scanners that disagree on an advisory's severity make gates flaky,
// so this follows the specification to the last rounding step.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "python/result.h"
#include "security/osv.h"

namespace pw::security {

// The CVSS v3 qualitative scale, plus `unknown` for an advisory without any severity.
enum class Rating { none, low, medium, high, critical, unknown };
std::string_view to_string(
    Rating rating);  // "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL", "UNKNOWN"
// The v3.1 table: 0.0 None, 0.1-3.9 Low, 4.0-6.9 Medium, 7.0-8.9 High, 9.0-10.0 Critical.
Rating rating_for_score(double score);
// GHSA's database_specific.severity words (CRITICAL, HIGH, MODERATE, LOW; also MEDIUM, NONE),
// case-insensitive; unknown for anything else.
Rating rating_from_word(std::string_view word);
// The scale as a number to compare: none and unknown 0, low 1, medium 2, high 3, critical 4
// (Trivy's VendorSeverity numbers too).
int severity_rank(Rating rating);

struct CvssV3 {
  std::string vector;   // as given
  std::string version;  // "3.0" or "3.1"
  // Base metrics, single letters as in the vector: av N/A/L/P, ac L/H, pr N/L/H, ui N/R,
  // scope U/C, c/i/a H/L/N.
  char av = 0, ac = 0, pr = 0, ui = 0, scope = 0, c = 0, i = 0, a = 0;
  double base_score = 0;
  Rating rating = Rating::none;
};

// Parses "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" and computes the base score. All eight
// base metrics are required, once each, in any order; temporal and environmental metrics are
// accepted when their values are valid and do not change the base score. Roundup is v3.1's
// integer-based definition for both 3.0 and 3.1 vectors (it gives v3.0's intended result without
// its floating-point errors). A Failure says what is wrong with the vector.
python::Result<CvssV3> parse_cvss_v3(std::string_view vector);

// The severity an advisory is reported with.
struct AdvisorySeverity {
  Rating rating = Rating::unknown;
  std::optional<double> score;  // the v3 base score, when a valid v3 vector is present
  std::string vector;           // the v3 vector; else a v4 or v2 vector as given (no score)
  std::string vector_type;      // "CVSS_V3", "CVSS_V4", "CVSS_V2" or ""
  std::string source;           // "cvss", "database_specific" or ""
};

// The rating of the first valid CVSS v3 vector (top-level severity first, then per-package);
// else database_specific.severity; else unknown. v2/v4 vectors are carried for display only.
AdvisorySeverity advisory_severity(const Record& record);
// The same from the parts, as the store keeps them.
AdvisorySeverity advisory_severity(const std::vector<SeverityEntry>& entries,
                                   std::string_view database_severity);

}  // namespace pw::security
