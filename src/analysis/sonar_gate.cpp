#include "analysis/sonar_gate.h"

#include <cctype>
#include <cstdio>
#include <optional>

#include "analysis/gate.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::analysis::sonar {

namespace {

std::optional<double> number(const std::string& s) { return parse_double(s).opt(); }

std::string shown_value(const std::string& metric, const std::string& raw) {
  if (raw.empty()) return "-";
  auto v = number(raw);
  return v ? analysis::format_value(metric, *v) : sanitize_for_display(raw);
}

}  // namespace

// Properties pipewright sets from the block's own keys, or that would put a secret on the
// scanner's command line.
std::string refused_property(const std::string& key) {
  if (key == "sonar.token" || key == "sonar.login" || key == "sonar.password")
    return "would put a secret on sonar-scanner's command line; the token named by `token` "
           "reaches the scanner only as SONAR_TOKEN";
  if (key == "sonar.host.url") return "is set from host_url";
  if (key == "sonar.projectKey") return "is set from project_key";
  return {};
}

bool looks_like_token(const std::string& v) {
  for (const char* prefix : {"squ_", "sqp_", "sqa_"})
    if (v.starts_with(prefix)) return true;
  if (v.size() == 40 &&
      v.find_first_not_of("0123456789abcdef") == std::string::npos)  // pre-10 user tokens
    return true;
  return false;
}

std::string project_key_for(const std::string& name) {
  std::string key;
  for (char c : name)
    key += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
            c == ':')
               ? c
               : '_';
  if (key.find_first_not_of("0123456789") == std::string::npos) key = "project-" + key;
  return key;
}

GateReport gate_report(const ProjectStatus& gate, const GateSource& source) {
  GateReport out;
  const std::string& dashboard = source.dashboard_url;
  std::string table = "quality gate (SonarQube at " + source.host_url + ", analysis " +
                      source.analysis_id + "): " + sanitize_for_display(gate.status);
  nlohmann::ordered_json conds = nlohmann::ordered_json::array();
  nlohmann::json data_conds = nlohmann::json::array();
  std::vector<std::string>& failed = out.failed;
  for (const auto& c : gate.conditions) {
    std::string status = c.status == "ERROR"  ? "FAILED"
                         : c.status == "OK"   ? "PASSED"
                         : c.status == "WARN" ? "WARNING"
                                              : sanitize_for_display(c.status);
    std::string name = analysis::metric_name(c.metric_key);
    std::string rule = c.comparator == "LT"   ? "must be at least"
                       : c.comparator == "GT" ? "must be at most"
                                              : sanitize_for_display(c.comparator);
    std::string actual = shown_value(c.metric_key, c.actual_value);
    std::string threshold = shown_value(c.metric_key, c.error_threshold);
    std::string message =
        name + " (" + c.metric_key + ") is " + actual + "; it " + rule + " " + threshold;
    char line[512];
    std::snprintf(line, sizeof line, "\n  %-8s %-40s %-10s %s %s", status.c_str(), name.c_str(),
                  actual.c_str(), rule.c_str(), threshold.c_str());
    table += line;
    if (c.status == "ERROR") failed.push_back(message);
    // Numbers as numbers, as the native gate writes them; anything else kept as sent.
    auto num_or_str = [](const std::string& raw) {
      auto v = number(raw);
      return v ? nlohmann::json(*v) : raw.empty() ? nlohmann::json() : nlohmann::json(raw);
    };
    conds.push_back({{"metric", c.metric_key},
                     {"name", name},
                     {"op", c.comparator},
                     {"threshold", nlohmann::ordered_json(num_or_str(c.error_threshold))},
                     {"actual", nlohmann::ordered_json(num_or_str(c.actual_value))},
                     {"status", status},
                     {"message", c.status == "ERROR" ? message : std::string()}});
    data_conds.push_back({{"metric", c.metric_key},
                          {"status", status},
                          {"actual", num_or_str(c.actual_value)},
                          {"threshold", num_or_str(c.error_threshold)},
                          {"message", c.status == "ERROR" ? message : std::string()}});
  }
  std::vector<std::string> warnings;
  if (gate.status == "NONE")
    warnings.push_back("the server has no quality gate for project " + source.project_key +
                       ": nothing was checked");
  for (const auto& w : warnings) table += "\n  note: " + w;
  if (!dashboard.empty()) table += "\n  dashboard: " + dashboard;

  nlohmann::ordered_json report;
  report["status"] = gate.status;
  report["source"] = "sonarqube";
  report["server"] = source.host_url;
  report["project_key"] = source.project_key;
  report["task_id"] = source.task_id;
  report["analysis_id"] = source.analysis_id;
  report["dashboard_url"] = dashboard;
  report["conditions"] = std::move(conds);
  report["warnings"] = warnings;
  out.table = std::move(table);
  out.report = std::move(report);
  out.data_conditions = std::move(data_conds);
  out.warnings = std::move(warnings);
  return out;
}

}  // namespace pw::analysis::sonar
