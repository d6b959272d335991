// CVSS v3.x base score per the FIRST specification (v3.1 section 7 formulas, Appendix A roundup).
#include "security/cvss.h"

#include <cmath>
#include <map>

#include "util/strings.h"

namespace pw::security {

std::string_view to_string(Rating rating) {
  switch (rating) {
    case Rating::none:
      return "NONE";
    case Rating::low:
      return "LOW";
    case Rating::medium:
      return "MEDIUM";
    case Rating::high:
      return "HIGH";
    case Rating::critical:
      return "CRITICAL";
    case Rating::unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

Rating rating_for_score(double score) {
  if (score <= 0.0) return Rating::none;
  if (score < 4.0) return Rating::low;
  if (score < 7.0) return Rating::medium;
  if (score < 9.0) return Rating::high;
  return Rating::critical;
}

int severity_rank(Rating rating) {
  switch (rating) {
    case Rating::low:
      return 1;
    case Rating::medium:
      return 2;
    case Rating::high:
      return 3;
    case Rating::critical:
      return 4;
    default:
      return 0;
  }
}

Rating rating_from_word(std::string_view word) {
  std::string w = to_upper(trim(word));
  if (w == "CRITICAL") return Rating::critical;
  if (w == "HIGH") return Rating::high;
  if (w == "MODERATE" || w == "MEDIUM") return Rating::medium;
  if (w == "LOW") return Rating::low;
  if (w == "NONE") return Rating::none;
  return Rating::unknown;
}

namespace {

// v3.1 Appendix A: works on an integer of the value times 100,000 so that 4.000000000000001
// rounds to 4.0 and not 4.1.
double roundup(double value) {
  long long n = std::llround(value * 100000.0);
  if (n % 10000 == 0) return static_cast<double>(n) / 100000.0;
  return (std::floor(static_cast<double>(n) / 10000.0) + 1.0) / 10.0;
}

// Allowed values of every v3 metric (base, temporal, environmental).
const std::map<std::string, std::string, std::less<>>& metric_values() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"AV", "NALP"}, {"AC", "LH"},    {"PR", "NLH"},  {"UI", "NR"},   {"S", "UC"},
      {"C", "HLN"},   {"I", "HLN"},    {"A", "HLN"},   {"E", "XUPFH"}, {"RL", "XOTWU"},
      {"RC", "XURC"}, {"CR", "XLMH"},  {"IR", "XLMH"}, {"AR", "XLMH"}, {"MAV", "XNALP"},
      {"MAC", "XLH"}, {"MPR", "XNLH"}, {"MUI", "XNR"}, {"MS", "XUC"},  {"MC", "XHLN"},
      {"MI", "XHLN"}, {"MA", "XHLN"},
  };
  return m;
}

double weight_cia(char v) { return v == 'H' ? 0.56 : v == 'L' ? 0.22 : 0.0; }

}  // namespace

python::Result<CvssV3> parse_cvss_v3(std::string_view vector) {
  CvssV3 out;
  out.vector = std::string(vector);
  std::string_view v = trim(vector);
  if (v.starts_with("CVSS:3.1/")) {
    out.version = "3.1";
  } else if (v.starts_with("CVSS:3.0/")) {
    out.version = "3.0";
  } else {
    return python::fail("not a CVSS v3 vector: it must start with CVSS:3.0/ or CVSS:3.1/");
  }
  std::map<std::string, char, std::less<>> seen;
  size_t offset = 9;
  for (const auto& part : split(v.substr(9), '/')) {
    auto colon = part.find(':');
    if (colon == std::string::npos || colon + 2 != part.size()) {
      return python::fail("malformed metric '" + part + "'", offset);
    }
    std::string name = part.substr(0, colon);
    char value = part[colon + 1];
    auto it = metric_values().find(name);
    if (it == metric_values().end()) return python::fail("unknown metric '" + name + "'", offset);
    if (it->second.find(value) == std::string::npos) {
      return python::fail("invalid value '" + std::string(1, value) + "' for " + name, offset);
    }
    if (!seen.emplace(name, value).second) {
      return python::fail("metric " + name + " given twice", offset);
    }
    offset += part.size() + 1;
  }
  for (const char* base : {"AV", "AC", "PR", "UI", "S", "C", "I", "A"}) {
    if (!seen.count(base)) return python::fail(std::string("missing base metric ") + base);
  }
  out.av = seen["AV"];
  out.ac = seen["AC"];
  out.pr = seen["PR"];
  out.ui = seen["UI"];
  out.scope = seen["S"];
  out.c = seen["C"];
  out.i = seen["I"];
  out.a = seen["A"];

  const bool changed = out.scope == 'C';
  double av = out.av == 'N' ? 0.85 : out.av == 'A' ? 0.62 : out.av == 'L' ? 0.55 : 0.2;
  double ac = out.ac == 'L' ? 0.77 : 0.44;
  double pr = out.pr == 'N'   ? 0.85
              : out.pr == 'L' ? (changed ? 0.68 : 0.62)
                              : (changed ? 0.5 : 0.27);
  double ui = out.ui == 'N' ? 0.85 : 0.62;
  double iss =
      1.0 - (1.0 - weight_cia(out.c)) * (1.0 - weight_cia(out.i)) * (1.0 - weight_cia(out.a));
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  double exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) {
    out.base_score = 0.0;
  } else if (changed) {
    out.base_score = roundup(std::min(1.08 * (impact + exploitability), 10.0));
  } else {
    out.base_score = roundup(std::min(impact + exploitability, 10.0));
  }
  out.rating = rating_for_score(out.base_score);
  return out;
}

AdvisorySeverity advisory_severity(const std::vector<SeverityEntry>& entries,
                                   std::string_view database_severity) {
  AdvisorySeverity out;
  for (const auto& e : entries) {
    if (e.type != "CVSS_V3") continue;
    auto parsed = parse_cvss_v3(e.score);
    if (!parsed) continue;
    out.rating = parsed->rating;
    out.score = parsed->base_score;
    out.vector = e.score;
    out.vector_type = e.type;
    out.source = "cvss";
    return out;
  }
  // No usable v3 vector: keep a v4 (preferred) or v2 vector for display, unscored.
  for (const char* type : {"CVSS_V4", "CVSS_V2"}) {
    for (const auto& e : entries) {
      if (e.type == type && out.vector.empty()) {
        out.vector = e.score;
        out.vector_type = e.type;
      }
    }
  }
  Rating r = rating_from_word(database_severity);
  if (r != Rating::unknown) {
    out.rating = r;
    out.source = "database_specific";
  }
  return out;
}

AdvisorySeverity advisory_severity(const Record& record) {
  std::vector<SeverityEntry> all = record.severity;
  for (const auto& a : record.affected) all.insert(all.end(), a.severity.begin(), a.severity.end());
  return advisory_severity(all, record.database_severity);
}

}  // namespace pw::security
