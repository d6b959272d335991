// SonarQube's A..E ratings and security hotspot review, computed from classified issues
// (issues.h), so the gate's "rating on new code is A" and "hotspots reviewed 100%" read exactly
// like Sonar way's conditions.
//
// Rules (SonarQube's metric definitions):
//  - reliability rating: from the worst BUG: none (or only INFO) = A, MINOR = B, MAJOR = C,
//    CRITICAL = D, BLOCKER = E. Security rating: the same over VULNERABILITY issues. Hotspots never
//    count in a rating.
//  - maintainability rating (sqale_rating): from the technical-debt ratio = total CODE_SMELL
//    remediation minutes / (lines of code * 30 minutes) * 100, on SonarQube's default grid
//    0.05,0.1,0.2,0.5 with inclusive upper bounds (DebtRatingGrid: a density equal to a bound
//    takes the better rating): A <= 5%, B <= 10%, C <= 20%, D <= 50%, E > 50%. No code: ratio 0.
//  - security hotspots reviewed = reviewed / total * 100; no value without hotspots.
//
// A hotspot is reviewed when the project's reviews file says so. Format (YAML, default name
// `pipewright-hotspots.yaml` at the project root), a list of reviews:
//
//   - rule: B602                # required: the finding's rule id
//     file: app/x.py            # required: relative to the project root, '/' separators
//     line: 12                  # optional: only the finding on that line (else any line)
//     fingerprint: 3f2a...      # optional: only the finding with that fingerprint (survives
//                               #   line shifts, see reports::assign_fingerprints)
//     status: SAFE              # required: SAFE | FIXED | ACKNOWLEDGED (case-insensitive)
//     comment: input is a constant list   # required: why (a review without a reason is none)
//
// An empty file or `[]` is no reviews. Unknown keys are errors (a typo must not silently
// un-review a hotspot).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/issues.h"
#include "util/error.h"

namespace pw::analysis {

// 1..5 as SonarQube stores ratings (A = 1), so gate thresholds compare numbers.
enum class Rating { A = 1, B = 2, C = 3, D = 4, E = 5 };

char letter(Rating rating);                             // 'A'..'E'
std::optional<Rating> rating_from_value(double value);  // 1..5 (rounded); nullopt outside

// Worst severity among issues of `type` (only the new ones when new_only) -> A..E as above.
Rating severity_rating(const std::vector<Issue>& issues, IssueType type, bool new_only = false);
Rating reliability_rating(const std::vector<Issue>& issues, bool new_only = false);
Rating security_rating(const std::vector<Issue>& issues, bool new_only = false);

// SonarQube's sonar.technicalDebt.ratingGrid, as fractions.
struct DebtRatingGrid {
  double a = 0.05;
  double b = 0.10;
  double c = 0.20;
  double d = 0.50;
};

// debt_minutes / (ncloc * dev_cost_minutes) * 100, in percent; 0 when ncloc <= 0.
double debt_ratio_percent(long long debt_minutes, long long ncloc, int dev_cost_minutes = 30);
Rating maintainability_rating(double debt_ratio_percent, const DebtRatingGrid& grid = {});

std::optional<double> hotspots_reviewed_percent(long long reviewed, long long total);

struct HotspotReview {
  std::string rule;
  std::string file;
  int line = 0;  // 0 = any line
  std::string fingerprint;
  ReviewStatus status = ReviewStatus::safe;
  std::string comment;
  int source_line = 0;  // where the entry starts in the reviews file (for messages)
};

struct HotspotReviews {
  std::vector<HotspotReview> reviews;
  // "file:line:col: message" for each malformed entry; the well-formed ones are still kept.
  std::vector<Diagnostic> errors;
  bool ok() const { return errors.empty(); }
};

// `source` names the file in diagnostics. Never throws.
HotspotReviews parse_hotspot_reviews(std::string_view yaml, std::string_view source);
// A missing file is no reviews and no error; an unreadable one is an error.
HotspotReviews read_hotspot_reviews(const std::filesystem::path& path);

// The first review matching the finding (same rule and file; line and fingerprint when given).
const HotspotReview* find_review(const HotspotReviews& reviews, const reports::Finding& finding);
// Marks each SECURITY_HOTSPOT issue with its review. Returns the reviews that matched no hotspot
// (stale entries worth a warning).
std::vector<const HotspotReview*> apply_reviews(std::vector<Issue>& issues,
                                                const HotspotReviews& reviews);

}  // namespace pw::analysis
