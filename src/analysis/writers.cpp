// JSON writers for the analysis stage's reports; schemas in writers.h.
#include "analysis/writers.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "util/json.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::analysis {
namespace {

using ojson = nlohmann::ordered_json;

ojson opt(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

// Messages come from tools: invalid UTF-8 would make nlohmann throw while dumping.
std::string text(std::string_view s) { return sanitize_for_display(s); }

ojson counts_json(const CoverageCounts& c) {
  return {{"lines_to_cover", c.lines_to_cover},
          {"covered_lines", c.covered_lines},
          {"conditions_to_cover", c.conditions_to_cover},
          {"covered_conditions", c.covered_conditions},
          {"coverage", opt(c.coverage())},
          {"line_coverage", opt(c.line_coverage())},
          {"condition_coverage", opt(c.condition_coverage())}};
}

ojson ratings_json(const Ratings& r) {
  return {{"reliability", std::string(1, letter(r.reliability))},
          {"security", std::string(1, letter(r.security))},
          {"maintainability", std::string(1, letter(r.maintainability))},
          {"debt_minutes", r.debt_minutes},
          {"debt_ratio", r.debt_ratio},
          {"hotspots_reviewed", opt(r.hotspots_reviewed)}};
}

ojson location(const BlockLocation& l) {
  return {{"file", l.file}, {"start_line", l.start_line}, {"end_line", l.end_line}};
}

}  // namespace

std::string analysis_json(const AnalysisResult& r) {
  ojson j;
  j["version"] = 1;
  j["root"] = r.root;

  std::map<std::string, long long> dup_lines;
  for (const auto& f : r.duplication.files)
    dup_lines[f.path] = static_cast<long long>(f.duplicated_lines.size());
  std::map<std::string, const FileCoverageSummary*> cov;
  if (r.coverage) {
    for (const auto& f : r.coverage->files) cov[f.path] = &f;
  }
  ojson files = ojson::array();
  for (const auto& f : r.files) {
    ojson fj;
    fj["path"] = f.path;
    fj["lines"] = f.lines;
    fj["ncloc"] = f.ncloc;
    fj["comment_lines"] = f.comment_lines;
    fj["statements"] = f.statements;
    fj["functions"] = f.functions;
    fj["classes"] = f.classes;
    fj["complexity"] = f.complexity;
    fj["cognitive_complexity"] = f.cognitive_complexity;
    if (r.new_code.available) {
      const auto* fresh = r.new_code.lines_of(f.path);
      fj["new_lines"] = fresh ? fresh->size() : 0;
    } else {
      fj["new_lines"] = nullptr;
    }
    fj["duplicated_lines"] = dup_lines.count(f.path) ? dup_lines[f.path] : 0;
    auto c = cov.find(f.path);
    fj["coverage"] = c == cov.end() ? ojson(nullptr) : opt(c->second->overall.coverage());
    ojson fns = ojson::array();
    for (const auto& fn : f.function_list) {
      fns.push_back({{"name", fn.name},
                     {"line", fn.line},
                     {"end_line", fn.end_line},
                     {"complexity", fn.cyclomatic},
                     {"cognitive_complexity", fn.cognitive}});
    }
    fj["function_metrics"] = std::move(fns);
    files.push_back(std::move(fj));
  }
  j["files"] = std::move(files);

  const MetricsTotals& t = r.totals;
  j["total"] = {{"files", t.files},
                {"lines", t.lines},
                {"ncloc", t.ncloc},
                {"comment_lines", t.comment_lines},
                {"statements", t.statements},
                {"functions", t.functions},
                {"classes", t.classes},
                {"complexity", t.complexity},
                {"cognitive_complexity", t.cognitive_complexity}};

  ojson blocks = ojson::array();
  for (const auto& b : r.duplication.blocks) {
    blocks.push_back({{"tokens", b.tokens},
                      {"lines", b.lines},
                      {"first", location(b.first)},
                      {"second", location(b.second)}});
  }
  j["duplication"] = {{"duplicated_lines", r.duplication.duplicated_lines},
                      {"duplicated_blocks", r.duplication.duplicated_blocks},
                      {"duplicated_files", r.duplication.duplicated_files},
                      {"density", r.duplication.density()},
                      {"blocks", std::move(blocks)}};

  ojson nc_files = ojson::object();
  if (r.new_code.available) {
    for (const auto& f : r.files) {
      if (const auto* fresh = r.new_code.lines_of(f.path); fresh && !fresh->empty())
        nc_files[f.path] = line_ranges(*fresh, 1000);
    }
  }
  j["new_code"] = {{"available", r.new_code.available},
                   {"reason", r.new_code.reason},
                   {"reference", r.new_code.reference},
                   {"reference_label", r.new_code.reference_label},
                   {"new_lines", r.new_code_info.new_lines},
                   {"new_ncloc", r.new_ncloc},
                   {"files", std::move(nc_files)}};

  if (r.coverage) {
    j["coverage"] = {
        {"overall", counts_json(r.coverage->overall)},
        {"new_code", r.new_code.available ? counts_json(r.coverage->new_code) : ojson(nullptr)},
        {"unmapped_files", r.coverage->unmapped_files},
        // Analysed files coverage.xml does not mention: counted as wholly uncovered (SonarQube).
        {"files_not_in_report", r.coverage->files_not_in_report.size()},
        {"files_not_in_report_list", r.coverage->files_not_in_report}};
  } else {
    j["coverage"] = nullptr;
  }
  if (r.tests) {
    j["tests"] = {{"tests", r.tests->tests},     {"passed", r.tests->passed},
                  {"failed", r.tests->failed},   {"errors", r.tests->errors},
                  {"skipped", r.tests->skipped}, {"duration_s", r.tests->duration_s}};
  } else {
    j["tests"] = nullptr;
  }

  ojson issues = ojson::array();
  for (const auto& i : r.issues) {
    ojson ij{{"tool", i.finding.tool},
             {"rule", i.finding.rule_id},
             {"type", to_string(i.type)},
             {"severity", to_string(i.severity)},
             {"effort_minutes", i.effort_minutes},
             {"file", i.finding.file},
             {"line", i.finding.line},
             {"column", i.finding.column},
             {"message", text(i.finding.message)},
             {"new", i.is_new},
             {"fingerprint", i.finding.fingerprint}};
    if (i.type == IssueType::security_hotspot) {
      ij["review"] = to_string(i.review);
      if (i.reviewed()) ij["review_comment"] = text(i.review_comment);
    }
    issues.push_back(std::move(ij));
  }
  j["issues"] = std::move(issues);
  j["ratings"] = {{"overall", ratings_json(r.overall)},
                  {"new_code", r.on_new_code ? ratings_json(*r.on_new_code) : ojson(nullptr)}};
  ojson measures = ojson::object();
  for (const auto& [k, v] : r.measures.values) measures[k] = v;
  j["measures"] = std::move(measures);
  ojson warnings = ojson::array();
  for (const auto& w : r.warnings) warnings.push_back(text(w.str()));
  j["warnings"] = std::move(warnings);
  return dump_json(j, 2) + "\n";
}

std::string quality_gate_json(const GateResult& gate) {
  ojson j;
  j["status"] = to_string(gate.status);
  ojson conds = ojson::array();
  for (const auto& c : gate.conditions) {
    conds.push_back({{"metric", c.metric},
                     {"name", c.name},
                     {"op", to_string(c.op)},
                     {"threshold", c.threshold},
                     {"actual", opt(c.actual)},
                     {"status", to_string(c.status)},
                     {"message", text(c.message)},
                     {"reason", c.reason.empty() ? ojson(nullptr) : ojson(c.reason)}});
  }
  j["conditions"] = std::move(conds);
  j["ignored_conditions_on_small_changeset"] = gate.ignored_small_changeset;
  j["warnings"] = gate.warnings;
  return dump_json(j, 2) + "\n";
}

namespace {

// SonarQube 10.3+'s words for an issue: the software quality it hurts and how much, and the clean
// code attribute its rule is about (docs: "Importing external issues", generic formats).
std::string_view software_quality(IssueType t) {
  switch (t) {
    case IssueType::bug:
      return "RELIABILITY";
    case IssueType::vulnerability:
    case IssueType::security_hotspot:
      return "SECURITY";
    case IssueType::code_smell:
      return "MAINTAINABILITY";
  }
  return "MAINTAINABILITY";
}

std::string_view impact_severity(IssueSeverity s) {
  switch (s) {
    case IssueSeverity::blocker:
    case IssueSeverity::critical:
      return "HIGH";
    case IssueSeverity::major:
      return "MEDIUM";
    case IssueSeverity::minor:
    case IssueSeverity::info:
      return "LOW";
  }
  return "LOW";
}

std::string_view clean_code_attribute(const Issue& i) {
  const std::string& tool = i.finding.tool;
  if (tool == "black" || tool == "ruff-format") return "FORMATTED";
  switch (i.type) {
    case IssueType::bug:
      return "LOGICAL";
    case IssueType::vulnerability:
    case IssueType::security_hotspot:
      return "TRUSTWORTHY";
    case IssueType::code_smell:
      break;
  }
  return "CONVENTIONAL";
}

}  // namespace

std::string sonar_generic_issues_json(const AnalysisResult& r, SonarIssuesFormat format) {
  ojson issues = ojson::array();
  // Current format: one rule per (engine, rule id); issues name their rule by id only, so an id
  // two engines share (E501 from flake8 and ruff) gets the engine as a prefix the second time.
  ojson rules = ojson::array();
  std::map<std::pair<std::string, std::string>, std::string> rule_keys;  // (engine, rule) -> id
  std::set<std::string> taken;
  for (const auto& i : r.issues) {
    const auto& f = i.finding;
    // The format requires a file inside the project: absolute paths are elsewhere.
    if (f.file.empty() || f.file.front() == '/') continue;
    if (i.type == IssueType::security_hotspot && i.reviewed()) continue;
    bool hotspot = i.type == IssueType::security_hotspot;
    std::string message = text(f.message.substr(0, f.message.find('\n')));
    if (message.empty()) message = f.rule_id;
    if (hotspot) message = "Security hotspot to review: " + message;
    ojson loc{{"message", message}, {"filePath", f.file}};
    if (f.line > 0) {
      ojson range{{"startLine", f.line}};
      int end_line = f.end_line >= f.line ? f.end_line : f.line;
      if (f.end_line >= f.line) range["endLine"] = end_line;
      // Sonar rejects a range whose end column is not after its start on one line.
      if (f.column > 0) {
        range["startColumn"] = f.column - 1;
        if (f.end_column > 0 && (end_line > f.line || f.end_column > f.column))
          range["endColumn"] = f.end_column - 1;
      }
      loc["textRange"] = std::move(range);
    }
    std::string rule_id = f.rule_id.empty() ? f.tool : f.rule_id;
    if (format == SonarIssuesFormat::deprecated) {
      // SonarQube before 10.3: engine, severity and type on each issue, no rules.
      issues.push_back({{"engineId", f.tool},
                        {"ruleId", rule_id},
                        {"severity", to_string(i.severity)},
                        {"type", hotspot ? "CODE_SMELL" : std::string(to_string(i.type))},
                        {"primaryLocation", std::move(loc)},
                        {"effortMinutes", i.effort_minutes}});
      continue;
    }
    auto key = std::make_pair(f.tool, rule_id);
    auto it = rule_keys.find(key);
    if (it == rule_keys.end()) {
      std::string id = taken.count(rule_id) ? f.tool + ":" + rule_id : rule_id;
      taken.insert(id);
      it = rule_keys.emplace(key, id).first;
      std::string name = f.rule_name.empty() ? rule_id : f.rule_name;
      rules.push_back({{"id", id},
                       {"name", f.tool + " " + name},
                       {"engineId", f.tool},
                       {"cleanCodeAttribute", clean_code_attribute(i)},
                       {"impacts", ojson::array({{{"softwareQuality", software_quality(i.type)},
                                                  {"severity", impact_severity(i.severity)}}})}});
      if (!f.help_uri.empty()) rules.back()["description"] = "See " + f.help_uri;
    }
    issues.push_back({{"ruleId", it->second},
                      {"primaryLocation", std::move(loc)},
                      {"effortMinutes", i.effort_minutes}});
  }
  ojson j;
  if (format == SonarIssuesFormat::current) j["rules"] = std::move(rules);
  j["issues"] = std::move(issues);
  return dump_json(j, 2) + "\n";
}

RecordedAnalysis read_recorded_analysis(const nlohmann::json& data) {
  auto str = [](const nlohmann::json& obj, const char* key) {
    return obj.contains(key) && obj[key].is_string() ? obj[key].get<std::string>() : std::string();
  };
  RecordedAnalysis out;
  Measures& measures = out.measures;
  if (data.contains("measures"))
    for (auto& [k, v] : data["measures"].items())
      if (v.is_number()) measures.values[k] = v.get<double>();
  for (const char* field : {"measure_details", "measure_hints"}) {
    if (!data.contains(field) || !data[field].is_object()) continue;
    auto& target = std::string(field) == "measure_details" ? measures.details : measures.hints;
    for (auto& [k, v] : data[field].items())
      if (v.is_string()) target[k] = v.get<std::string>();
  }
  NewCodeInfo& nc = out.new_code;
  if (data.contains("new_code") && data["new_code"].is_object()) {
    const auto& j = data["new_code"];
    nc.available =
        j.contains("available") && j["available"].is_boolean() && j["available"].get<bool>();
    nc.reason = str(j, "reason");
    nc.reference = str(j, "reference");
    out.new_code_definition = str(j, "definition");
    nc.new_lines = j.contains("new_lines") && j["new_lines"].is_number()
                       ? truncate_to_integer(j["new_lines"].get<double>()).value_or(0)
                       : 0;
  }
  return out;
}

}  // namespace pw::analysis
