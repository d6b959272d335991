// Level/severity names, counting, fingerprints and path normalisation for Findings.
#include "reports/findings.h"

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "util/hash.h"
#include "util/strings.h"

namespace pw::reports {

std::string_view to_string(Level level) {
  switch (level) {
    case Level::none:
      return "none";
    case Level::note:
      return "note";
    case Level::warning:
      return "warning";
    case Level::error:
      return "error";
  }
  return "warning";
}

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::none:
      return "none";
    case Severity::low:
      return "low";
    case Severity::medium:
      return "medium";
    case Severity::high:
      return "high";
    case Severity::critical:
      return "critical";
  }
  return "none";
}

std::optional<Level> parse_level(std::string_view text) {
  std::string t = to_lower(trim(text));
  if (t == "none") return Level::none;
  if (t == "note") return Level::note;
  if (t == "warning") return Level::warning;
  if (t == "error") return Level::error;
  return std::nullopt;
}

std::optional<Severity> parse_severity(std::string_view text) {
  std::string t = to_lower(trim(text));
  if (t == "none" || t == "undefined" || t.empty()) return Severity::none;
  if (t == "low" || t == "info" || t == "informational") return Severity::low;
  if (t == "medium" || t == "moderate") return Severity::medium;
  if (t == "high") return Severity::high;
  if (t == "critical") return Severity::critical;
  return std::nullopt;
}

std::map<std::string, int> Counts::by_name() const {
  return {{"total", total},
          {"errors", errors},
          {"warnings", warnings},
          {"notes", notes},
          {"critical", severity(Severity::critical)},
          {"high", severity(Severity::high)},
          {"medium", severity(Severity::medium)},
          {"low", severity(Severity::low)}};
}

int Counts::at_least(Severity s) const {
  if (s == Severity::none) return total;
  int n = 0;
  for (size_t i = static_cast<size_t>(s); i < by_severity.size(); ++i) n += by_severity[i];
  return n;
}

void Counts::add(const Finding& f) {
  ++total;
  switch (f.level) {
    case Level::error:
      ++errors;
      break;
    case Level::warning:
      ++warnings;
      break;
    case Level::note:
      ++notes;
      break;
    case Level::none:
      break;
  }
  ++by_severity[static_cast<size_t>(f.severity)];
}

Counts count(const std::vector<Finding>& findings) {
  Counts c;
  for (const auto& f : findings) c.add(f);
  return c;
}

std::map<std::string, Counts> count_by_tool(const std::vector<Finding>& findings) {
  std::map<std::string, Counts> out;
  for (const auto& f : findings) out[f.tool].add(f);
  return out;
}

namespace {

auto order_key(const Finding& f) {
  return std::tie(f.file, f.line, f.column, f.tool, f.rule_id, f.message, f.end_line, f.end_column);
}

}  // namespace

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) { return order_key(a) < order_key(b); });
}

void assign_fingerprints(std::vector<Finding>& findings) {
  // Occurrence indices must not depend on the order the tool printed in, so number identical
  // findings in file/line order.
  std::vector<size_t> order(findings.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return order_key(findings[a]) < order_key(findings[b]);
  });
  std::map<std::string, int> seen;
  for (size_t i : order) {
    Finding& f = findings[i];
    // '\x1f' (unit separator) cannot appear in any of the parts' meaningful text.
    std::string key = f.tool + '\x1f' + f.rule_id + '\x1f' + f.file + '\x1f' + f.message;
    int occurrence = seen[key]++;
    if (!f.fingerprint.empty()) continue;
    key += '\x1f' + std::to_string(occurrence);
    f.fingerprint = sha256_hex(key).substr(0, 32);
  }
}

std::string relative_path(std::string_view path, std::string_view root) {
  namespace fs = std::filesystem;
  if (path.empty()) return {};
  // Fast path for what tools mostly print, an already clean relative path: no filesystem::path.
  if (path.front() != '/' && path.front() != '.' && path.find("/.") == std::string_view::npos &&
      path.find("//") == std::string_view::npos && path.back() != '/') {
    return std::string(path);
  }
  fs::path p = fs::path(std::string(path)).lexically_normal();
  if (p.is_absolute() && !root.empty()) {
    // "/x/" iterates as "/", "x", "" and would make every path "../"-relative: drop the slash.
    while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
    fs::path r = fs::path(std::string(root)).lexically_normal();
    fs::path rel = p.lexically_relative(r);
    // lexically_relative gives "../x" for paths outside the root: keep those absolute.
    if (!rel.empty() && *rel.begin() != "..") p = rel;
  }
  std::string out = p.generic_string();
  if (out == ".") return {};
  return out;
}

}  // namespace pw::reports
