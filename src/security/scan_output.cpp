// The dependency scan's answer as people and tools read it: the console table and one-line
// summary, and the four report files. The stage and `pipewright scan deps` both print these.
#include "security/scan_output.h"

#include <algorithm>
#include <cstdio>

#include "security/dependency_check.h"
#include "security/dependency_report.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::security {

namespace {

std::string pad(std::string s, size_t n) {
  return s.size() >= n ? s : s + std::string(n - s.size(), ' ');
}

// Which tool found a finding, when Dependency-Check took part.
std::string found_by_note(const VulnFinding& f) {
  bool dc =
      std::find(f.found_by.begin(), f.found_by.end(), kDependencyCheckTool) != f.found_by.end();
  if (!dc) return "";
  return f.found_by.size() > 1 ? "  [pipewright, dependency-check]" : "  [dependency-check]";
}

}  // namespace

std::string findings_summary(const ScanResult& r) {
  auto c = count_findings(r);
  if (c.total() == 0)
    return "no known vulnerability in " + std::to_string(r.packages.size()) + " packages" +
           (c.ignored ? " (" + std::to_string(c.ignored) + " ignored)" : "");
  std::string s =
      vulnerability_count_text(c.critical, c.high, c.medium, c.low, c.unknown + c.none) + " in " +
      std::to_string(r.packages.size()) + " packages";
  if (c.ignored) s += ", " + std::to_string(c.ignored) + " ignored";
  for (const auto& f : r.findings) {
    if (f.ignored) continue;
    s += "; " + f.package.name + " " + f.package.version + ": " + f.match.id;
    if (!f.match.aliases.empty()) s += " (" + f.match.aliases.front() + ")";
    if (!f.fixed_versions.empty()) s += ", fixed in " + f.fixed_versions.front();
    break;
  }
  return s;
}

std::string findings_table(const ScanResult& r) {
  std::string out = pad("Package", 24) + pad("Version", 12) + pad("Advisory", 22) +
                    pad("Aliases", 18) + pad("Severity", 15) + "Fixed in\n";
  for (const auto& f : r.findings) {
    char score[16] = "";
    if (f.cvss_score) std::snprintf(score, sizeof score, " %.1f", *f.cvss_score);
    out += pad(f.package.name, 24) + pad(f.package.version, 12) + pad(f.match.id, 22) +
           pad(f.match.aliases.empty() ? "-" : f.match.aliases.front(), 18) +
           pad(f.severity + score, 15) +
           (f.fixed_versions.empty() ? std::string("-") : join(f.fixed_versions, ", ")) +
           (f.ignored ? "  (ignored: " + f.ignore_reason + ")" : "") + found_by_note(f) + "\n";
  }
  return out;
}

const std::vector<std::string>& scan_report_files() {
  static const std::vector<std::string> files = {
      "dependency-scan.json", "dependency-check-report.json", "dependency-check-report.xml",
      "dependency-scan.sarif", "sbom.cdx.json"};
  return files;
}

std::vector<std::string> write_scan_reports(const ScanResult& result,
                                            const std::filesystem::path& dir,
                                            const std::string& root) {
  fs::create_directories(dir);
  DependencyReportOptions o;
  o.root = root;
  o.tool_version = PW_VERSION;
  // pipewright's own JSON has its own name; dependency-check-report.* are in Dependency-Check's
  // schemas, as the tools that read those names expect.
  const auto& names = scan_report_files();  // the texts below, in this order
  const std::string texts[] = {write_dependency_json(result, o),
                               write_dependency_check_json(result, o),
                               write_dependency_check_xml(result, o),
                               write_dependency_sarif(result, o), write_cyclonedx(result, o)};
  for (size_t i = 0; i < names.size() && i < std::size(texts); ++i)
    write_file_atomic(dir / names[i], texts[i]);
  return names;
}

}  // namespace pw::security
