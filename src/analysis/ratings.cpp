// SonarQube's ratings and the hotspot reviews file: the rules documented in ratings.h.
#include "analysis/ratings.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "util/strings.h"

namespace pw::analysis {

char letter(Rating rating) { return static_cast<char>('A' + static_cast<int>(rating) - 1); }

std::optional<Rating> rating_from_value(double value) {
  long r = std::lround(value);
  if (r < 1 || r > 5) return std::nullopt;
  return static_cast<Rating>(r);
}

Rating severity_rating(const std::vector<Issue>& issues, IssueType type, bool new_only) {
  Rating worst = Rating::A;
  for (const auto& i : issues) {
    if (i.type != type || (new_only && !i.is_new)) continue;
    Rating r = Rating::A;  // INFO issues leave the rating at A, as in SonarQube
    switch (i.severity) {
      case IssueSeverity::info:
        r = Rating::A;
        break;
      case IssueSeverity::minor:
        r = Rating::B;
        break;
      case IssueSeverity::major:
        r = Rating::C;
        break;
      case IssueSeverity::critical:
        r = Rating::D;
        break;
      case IssueSeverity::blocker:
        r = Rating::E;
        break;
    }
    worst = std::max(worst, r);
  }
  return worst;
}

Rating reliability_rating(const std::vector<Issue>& issues, bool new_only) {
  return severity_rating(issues, IssueType::bug, new_only);
}

Rating security_rating(const std::vector<Issue>& issues, bool new_only) {
  return severity_rating(issues, IssueType::vulnerability, new_only);
}

double debt_ratio_percent(long long debt_minutes, long long ncloc, int dev_cost_minutes) {
  if (ncloc <= 0 || dev_cost_minutes <= 0) return 0;
  return 100.0 * static_cast<double>(debt_minutes) /
         (static_cast<double>(ncloc) * dev_cost_minutes);
}

Rating maintainability_rating(double ratio_percent, const DebtRatingGrid& grid) {
  // Compare in percent with a tolerance far below any meaningful difference, so that a ratio that
  // is exactly 5% on paper (15 min over 10 lines) is not pushed to B by binary rounding.
  constexpr double eps = 1e-9;
  double r = ratio_percent;
  if (r <= grid.a * 100 + eps) return Rating::A;
  if (r <= grid.b * 100 + eps) return Rating::B;
  if (r <= grid.c * 100 + eps) return Rating::C;
  if (r <= grid.d * 100 + eps) return Rating::D;
  return Rating::E;
}

std::optional<double> hotspots_reviewed_percent(long long reviewed, long long total) {
  if (total <= 0) return std::nullopt;
  return 100.0 * static_cast<double>(reviewed) / static_cast<double>(total);
}

namespace {

Diagnostic at(std::string_view source, const YAML::Node& n, std::string message) {
  YAML::Mark m = n.Mark();
  return {std::string(source), m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0,
          std::move(message)};
}

std::optional<ReviewStatus> parse_status(std::string_view text) {
  std::string s = to_upper(trim(text));
  if (s == "SAFE") return ReviewStatus::safe;
  if (s == "FIXED") return ReviewStatus::fixed;
  if (s == "ACKNOWLEDGED") return ReviewStatus::acknowledged;
  return std::nullopt;
}

}  // namespace

HotspotReviews parse_hotspot_reviews(std::string_view yaml, std::string_view source) {
  HotspotReviews out;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    out.errors.push_back({std::string(source), e.mark.line >= 0 ? e.mark.line + 1 : 0,
                          e.mark.column >= 0 ? e.mark.column + 1 : 0, e.msg});
    return out;
  }
  if (!root || root.IsNull()) return out;
  if (!root.IsSequence()) {
    out.errors.push_back(at(source, root,
                            "expected a list of hotspot reviews (- rule: ..., file: ..., "
                            "status: SAFE|FIXED|ACKNOWLEDGED, comment: ...)"));
    return out;
  }
  static const std::vector<std::string> keys{"rule",        "file",   "line",
                                             "fingerprint", "status", "comment"};
  for (const auto& entry : root) {
    if (!entry.IsMap()) {
      out.errors.push_back(at(source, entry,
                              "a review must be a mapping with rule, file, status "
                              "and comment"));
      continue;
    }
    HotspotReview r;
    r.source_line = entry.Mark().line + 1;
    bool ok = true;
    bool has_status = false;
    for (const auto& kv : entry) {
      std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        std::string hint = closest_match(key, keys);
        out.errors.push_back(at(source, kv.first,
                                "unknown key '" + key + "' in a hotspot review" +
                                    (hint.empty() ? "" : " (did you mean '" + hint + "'?)")));
        ok = false;
        continue;
      }
      if (!v.IsScalar()) {
        out.errors.push_back(at(source, v, "'" + key + "' must be a single value"));
        ok = false;
        continue;
      }
      std::string text(trim(v.Scalar()));
      if (key == "rule") {
        r.rule = text;
      } else if (key == "file") {
        r.file = reports::relative_path(text, "");
      } else if (key == "fingerprint") {
        r.fingerprint = text;
      } else if (key == "comment") {
        r.comment = text;
      } else if (key == "line") {
        int n = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc() || p != text.data() + text.size() || n < 1) {
          out.errors.push_back(
              at(source, v, "'line' must be a line number (1 or more), not '" + text + "'"));
          ok = false;
        }
        r.line = n;
      } else if (key == "status") {
        has_status = true;
        auto s = parse_status(text);
        if (!s) {
          out.errors.push_back(
              at(source, v, "'status' must be SAFE, FIXED or ACKNOWLEDGED, not '" + text + "'"));
          ok = false;
        } else {
          r.status = *s;
        }
      }
    }
    for (const char* required : {"rule", "file", "comment"}) {
      const std::string& value = std::string_view(required) == "rule"   ? r.rule
                                 : std::string_view(required) == "file" ? r.file
                                                                        : r.comment;
      if (value.empty()) {
        out.errors.push_back(
            at(source, entry,
               std::string("hotspot review without '") + required + "'" +
                   (std::string_view(required) == "comment" ? " (say why the code is acceptable)"
                                                            : "")));
        ok = false;
      }
    }
    if (!has_status) {
      out.errors.push_back(
          at(source, entry, "hotspot review without 'status' (SAFE, FIXED or ACKNOWLEDGED)"));
      ok = false;
    }
    if (ok) out.reviews.push_back(std::move(r));
  }
  return out;
}

HotspotReviews read_hotspot_reviews(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    HotspotReviews out;
    out.errors.push_back({path.string(), 0, 0, "cannot read the hotspot reviews file"});
    return out;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_hotspot_reviews(buffer.str(), path.string());
}

const HotspotReview* find_review(const HotspotReviews& reviews, const reports::Finding& f) {
  for (const auto& r : reviews.reviews) {
    if (r.rule != f.rule_id || r.file != f.file) continue;
    if (r.line != 0 && r.line != f.line) continue;
    if (!r.fingerprint.empty() && r.fingerprint != f.fingerprint) continue;
    return &r;
  }
  return nullptr;
}

std::vector<const HotspotReview*> apply_reviews(std::vector<Issue>& issues,
                                                const HotspotReviews& reviews) {
  std::vector<bool> used(reviews.reviews.size(), false);
  for (auto& i : issues) {
    if (i.type != IssueType::security_hotspot) continue;
    const HotspotReview* r = find_review(reviews, i.finding);
    if (!r) continue;
    i.review = r->status;
    i.review_comment = r->comment;
    used[static_cast<size_t>(r - reviews.reviews.data())] = true;
  }
  std::vector<const HotspotReview*> stale;
  for (size_t k = 0; k < used.size(); ++k) {
    if (!used[k]) stale.push_back(&reviews.reviews[k]);
  }
  return stale;
}

}  // namespace pw::analysis
