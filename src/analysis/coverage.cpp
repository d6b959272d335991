// Coverage mapping and counting (see coverage.h for SonarQube's definitions).
#include "analysis/coverage.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "reports/findings.h"

namespace pw::analysis {

namespace {

std::optional<double> ratio(long long num, long long den) {
  if (den <= 0) return std::nullopt;
  return 100.0 * static_cast<double>(num) / static_cast<double>(den);
}

std::string normal(const std::string& p) {
  std::string s = std::filesystem::path(p).lexically_normal().generic_string();
  if (s.starts_with("./")) s.erase(0, 2);
  return s;
}

}  // namespace

std::optional<double> CoverageCounts::coverage() const {
  return ratio(covered_lines + covered_conditions, lines_to_cover + conditions_to_cover);
}
std::optional<double> CoverageCounts::line_coverage() const {
  return ratio(covered_lines, lines_to_cover);
}
std::optional<double> CoverageCounts::condition_coverage() const {
  return ratio(covered_conditions, conditions_to_cover);
}
void CoverageCounts::add(const CoverageCounts& o) {
  lines_to_cover += o.lines_to_cover;
  covered_lines += o.covered_lines;
  conditions_to_cover += o.conditions_to_cover;
  covered_conditions += o.covered_conditions;
}

CoverageAnalysis analyse_coverage(const reports::CoverageReport& report,
                                  const std::vector<FileMetrics>& sources,
                                  const std::string& project_root, const NewCode* new_code) {
  CoverageAnalysis out;
  std::unordered_set<std::string> known;
  for (const auto& s : sources) known.insert(normal(s.path));
  // Suffix index for the last resort: every trailing run of path segments -> path (or "" when
  // ambiguous).
  std::unordered_map<std::string, std::string> by_suffix;
  for (const auto& s : known) {
    for (size_t slash = s.find('/'); slash != std::string::npos; slash = s.find('/', slash + 1)) {
      auto [it, inserted] = by_suffix.emplace(s.substr(slash + 1), s);
      if (!inserted && it->second != s) it->second.clear();
    }
  }
  std::vector<std::string> roots;
  for (const auto& src : report.sources) {
    std::string r = reports::relative_path(src, project_root);
    if (!r.empty() && r.front() == '/') continue;  // elsewhere on disk: cannot be under the root
    roots.push_back(r == "." ? "" : r);
  }
  auto map_name = [&](const std::string& filename) -> std::string {
    for (const auto& r : roots) {
      std::string c = normal(r.empty() ? filename : r + "/" + filename);
      if (known.count(c)) return c;
    }
    std::string direct = normal(reports::relative_path(filename, project_root));
    if (known.count(direct)) return direct;
    auto it = by_suffix.find(direct);
    if (it != by_suffix.end() && !it->second.empty()) return it->second;
    return {};
  };

  std::map<std::string, FileCoverageSummary> files;
  bool with_new = new_code && new_code->available;
  for (const auto& fc : report.files) {
    std::string path = map_name(fc.filename);
    if (path.empty()) {
      out.unmapped_files.push_back(fc.filename);
      out.unmapped_lines += static_cast<long long>(fc.lines.size());
      continue;
    }
    auto& summary = files[path];
    summary.path = path;
    const std::vector<int>* fresh = with_new ? new_code->lines_of(path) : nullptr;
    for (const auto& line : fc.lines) {
      CoverageCounts c;
      c.lines_to_cover = 1;
      c.covered_lines = line.hits > 0 ? 1 : 0;
      c.conditions_to_cover = line.branches_total;
      c.covered_conditions = line.branches_covered;
      summary.overall.add(c);
      if (fresh && std::binary_search(fresh->begin(), fresh->end(), line.number)) {
        summary.new_code.add(c);
        if (line.hits == 0 || line.branches_covered < line.branches_total)
          summary.uncovered_new_lines.push_back(line.number);
      }
    }
    std::sort(summary.uncovered_new_lines.begin(), summary.uncovered_new_lines.end());
  }
  // Sources the report never mentions: coverage.py only reports files that were imported, so a
  // module no test touches would otherwise vanish from the figures and raise coverage.
  for (const FileMetrics& src : sources) {
    std::string path = normal(src.path);
    if (files.count(path) || src.code_lines.empty()) continue;
    auto& summary = files[path];
    summary.path = path;
    summary.in_report = false;
    // coverage.py counts statements, not lines of code: a statement over three lines is one.
    summary.overall.lines_to_cover =
        src.statements > 0 ? src.statements : static_cast<long long>(src.code_lines.size());
    const std::vector<int>* fresh = with_new ? new_code->lines_of(path) : nullptr;
    if (fresh) {
      for (int line : src.code_lines) {
        if (std::binary_search(fresh->begin(), fresh->end(), line))
          summary.uncovered_new_lines.push_back(line);  // code_lines ascend: so does this
      }
      summary.new_code.lines_to_cover = static_cast<long long>(summary.uncovered_new_lines.size());
    }
    out.files_not_in_report.push_back(path);
  }
  std::sort(out.files_not_in_report.begin(), out.files_not_in_report.end());
  for (auto& [path, s] : files) {
    out.overall.add(s.overall);
    out.new_code.add(s.new_code);
    out.files.push_back(std::move(s));
  }
  return out;
}

}  // namespace pw::analysis
