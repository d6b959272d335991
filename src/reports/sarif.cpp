// SARIF 2.1.0 writer and reader (see sarif.h). Property names and required fields follow the
// OASIS SARIF 2.1.0 schema; the unit tests check the written document against its required
// properties and enums.
#include "reports/sarif.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reports/text.h"
#include "util/json.h"

namespace pw::reports {

using ojson = nlohmann::ordered_json;

namespace {

// Where GitHub's documentation and most tools (ruff, CodeQL) point for the 2.1.0 schema.
constexpr const char* kSchema = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr const char* kSrcRoot = "%SRCROOT%";
constexpr const char* kFingerprintKey = "pipewright/v1";

// GitHub code scanning reads a rule's "security-severity" score; these sit inside its bands
// (critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9).
const char* security_score(Severity s) {
  switch (s) {
    case Severity::critical:
      return "9.5";
    case Severity::high:
      return "8.0";
    case Severity::medium:
      return "5.5";
    case Severity::low:
      return "2.0";
    case Severity::none:
      return nullptr;
  }
  return nullptr;
}

Severity severity_from_score(double score) {
  if (score >= 9.0) return Severity::critical;
  if (score >= 7.0) return Severity::high;
  if (score >= 4.0) return Severity::medium;
  if (score > 0.0) return Severity::low;
  return Severity::none;
}

// RFC 3986 path characters stay; everything else (space, '%', '#', '?', non-ASCII bytes) is
// percent-encoded. ':' is encoded too: in a relative reference it could read as a scheme.
std::string uri_encode_path(std::string_view path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool keep =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        std::string_view("-._~/!$&'()*+,;=@").find(static_cast<char>(c)) != std::string_view::npos;
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string uri_decode(std::string_view s) {
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && val(s[i + 1]) >= 0 && val(s[i + 2]) >= 0) {
      out += static_cast<char>(val(s[i + 1]) * 16 + val(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct RuleEntry {
  std::string id;
  std::string name;
  std::string help_uri;
  Severity worst = Severity::none;
  std::optional<double> score;  // the highest CVSS score among the rule's findings
};

std::string score_text(double score) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", score);
  return buf;
}

ojson write_run(const ToolRun& run, const SarifOptions& options) {
  std::vector<Finding> findings = run.findings;
  sort_findings(findings);

  // Rules: one per distinct rule id, sorted, with the first name/help seen and the worst severity.
  std::map<std::string, RuleEntry> rules;
  for (const auto& f : findings) {
    if (f.rule_id.empty()) continue;
    RuleEntry& r = rules[f.rule_id];
    r.id = f.rule_id;
    if (r.name.empty()) r.name = f.rule_name;
    if (r.help_uri.empty()) r.help_uri = f.help_uri;
    r.worst = std::max(r.worst, f.severity);
    if (f.cvss_score && (!r.score || *f.cvss_score > *r.score)) r.score = f.cvss_score;
  }
  std::map<std::string, int> rule_index;
  ojson rules_json = ojson::array();
  for (const auto& [id, r] : rules) {
    rule_index[id] = static_cast<int>(rules_json.size());
    ojson rule = {{"id", r.id}};
    if (!r.name.empty()) rule["name"] = r.name;
    if (!r.help_uri.empty()) rule["helpUri"] = r.help_uri;
    if (r.score) {
      rule["properties"] = {{"security-severity", score_text(*r.score)}};
    } else if (const char* score = security_score(r.worst)) {
      rule["properties"] = {{"security-severity", score}};
    }
    rules_json.push_back(std::move(rule));
  }

  ojson driver = {{"name", run.tool.name}};
  if (!run.tool.version.empty()) driver["version"] = run.tool.version;
  if (!run.tool.information_uri.empty()) driver["informationUri"] = run.tool.information_uri;
  driver["rules"] = std::move(rules_json);

  ojson results = ojson::array();
  for (const auto& f : findings) {
    ojson r;
    if (!f.rule_id.empty()) {
      r["ruleId"] = f.rule_id;
      r["ruleIndex"] = rule_index[f.rule_id];
    }
    r["level"] = std::string(to_string(f.level));
    r["message"] = {
        {"text", f.message.empty() ? (f.rule_id.empty() ? f.tool : f.rule_id) : f.message}};
    if (!f.file.empty()) {
      ojson artifact;
      if (f.file.front() == '/') {
        artifact["uri"] = "file://" + uri_encode_path(f.file);
      } else {
        artifact["uri"] = uri_encode_path(f.file);
        artifact["uriBaseId"] = kSrcRoot;
      }
      ojson physical = {{"artifactLocation", std::move(artifact)}};
      if (f.line > 0) {
        ojson region = {{"startLine", f.line}};
        if (f.column > 0) region["startColumn"] = f.column;
        if (f.end_line > 0) region["endLine"] = f.end_line;
        if (f.end_column > 0) region["endColumn"] = f.end_column;
        physical["region"] = std::move(region);
      }
      r["locations"] = ojson::array({{{"physicalLocation", std::move(physical)}}});
    }
    if (!f.fingerprint.empty()) r["partialFingerprints"] = {{kFingerprintKey, f.fingerprint}};
    ojson props = ojson::object();
    if (f.severity != Severity::none) props["severity"] = std::string(to_string(f.severity));
    if (f.confidence != Severity::none) props["confidence"] = std::string(to_string(f.confidence));
    if (!props.empty()) r["properties"] = std::move(props);
    results.push_back(std::move(r));
  }

  ojson out;
  out["tool"] = {{"driver", std::move(driver)}};
  if (!options.root.empty()) {
    std::string root = options.root;
    if (root.back() != '/') root += '/';
    out["originalUriBaseIds"] = {{kSrcRoot, {{"uri", "file://" + uri_encode_path(root)}}}};
  }
  out["columnKind"] = "unicodeCodePoints";
  out["results"] = std::move(results);
  return out;
}

// ---- reading ----

const nlohmann::json* member(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const nlohmann::json* path(const nlohmann::json& obj, std::initializer_list<const char*> keys) {
  const nlohmann::json* cur = &obj;
  for (const char* k : keys) {
    cur = member(*cur, k);
    if (!cur) return nullptr;
  }
  return cur;
}

int int_at(const nlohmann::json& obj, std::initializer_list<const char*> keys) {
  const nlohmann::json* v = path(obj, keys);
  return v && v->is_number_integer() ? v->get<int>() : 0;
}

std::string string_at(const nlohmann::json& obj, std::initializer_list<const char*> keys) {
  const nlohmann::json* v = path(obj, keys);
  return v && v->is_string() ? detail::valid_utf8(v->get_ref<const std::string&>()) : std::string();
}

std::string file_from_uri(std::string uri, const ParseOptions& options) {
  if (uri.starts_with("file://")) {
    uri = uri.substr(7);
    if (uri.starts_with("localhost/")) uri = uri.substr(9);
  }
  return relative_path(uri_decode(uri), options.root);
}

Severity score_severity(const nlohmann::json* v) {
  if (!v) return Severity::none;
  if (v->is_number()) return severity_from_score(v->get<double>());
  if (v->is_string()) {
    if (auto d = detail::parse_double(v->get_ref<const std::string&>())) {
      return severity_from_score(*d);
    }
  }
  return Severity::none;
}

void read_run(const nlohmann::json& run, size_t index, const std::string& source,
              const ParseOptions& options, Parsed<std::vector<ToolRun>>& out) {
  std::string where = "runs[" + std::to_string(index) + "]";
  const nlohmann::json* driver = path(run, {"tool", "driver"});
  if (!driver || !driver->is_object() || !member(*driver, "name") ||
      !(*driver)["name"].is_string()) {
    out.errors.push_back({source, 0, 0, where + " has no tool.driver.name (required by SARIF)"});
    return;
  }
  ToolRun tr;
  tr.tool.name = string_at(*driver, {"name"});
  tr.tool.version = string_at(*driver, {"version"});
  if (tr.tool.version.empty()) tr.tool.version = string_at(*driver, {"semanticVersion"});
  tr.tool.information_uri = string_at(*driver, {"informationUri"});

  std::vector<const nlohmann::json*> rules;
  if (const auto* r = member(*driver, "rules"); r && r->is_array()) {
    for (const auto& rule : *r) rules.push_back(&rule);
  }
  auto find_rule = [&](const nlohmann::json& result,
                       const std::string& id) -> const nlohmann::json* {
    if (const auto* idx = member(result, "ruleIndex"); idx && idx->is_number_integer()) {
      long long i = idx->get<long long>();
      if (i >= 0 && static_cast<size_t>(i) < rules.size()) return rules[static_cast<size_t>(i)];
    }
    for (const auto* rule : rules) {
      if (string_at(*rule, {"id"}) == id) return rule;
    }
    return nullptr;
  };

  const nlohmann::json* results = member(run, "results");
  int skipped = 0;
  if (results && results->is_array()) {
    for (const auto& res : *results) {
      const nlohmann::json* msg = member(res, "message");
      if (!msg || !msg->is_object()) {
        ++skipped;
        continue;
      }
      Finding f;
      f.tool = tr.tool.name;
      f.rule_id = string_at(res, {"ruleId"});
      if (f.rule_id.empty()) f.rule_id = string_at(res, {"rule", "id"});
      const nlohmann::json* rule = find_rule(res, f.rule_id);
      if (rule && f.rule_id.empty()) f.rule_id = string_at(*rule, {"id"});
      f.message = string_at(*msg, {"text"});
      if (f.message.empty()) f.message = string_at(*msg, {"id"});

      std::string level = string_at(res, {"level"});
      if (level.empty() && rule) level = string_at(*rule, {"defaultConfiguration", "level"});
      f.level = parse_level(level).value_or(Level::warning);

      f.severity =
          parse_severity(string_at(res, {"properties", "severity"})).value_or(Severity::none);
      if (f.severity == Severity::none && rule) {
        f.severity = score_severity(path(*rule, {"properties", "security-severity"}));
      }
      f.confidence =
          parse_severity(string_at(res, {"properties", "confidence"})).value_or(Severity::none);
      if (rule) {
        f.rule_name = string_at(*rule, {"name"});
        f.help_uri = string_at(*rule, {"helpUri"});
      }

      if (const auto* locs = member(res, "locations"); locs && locs->is_array() && !locs->empty()) {
        const nlohmann::json& loc = (*locs)[0];
        std::string uri = string_at(loc, {"physicalLocation", "artifactLocation", "uri"});
        if (!uri.empty()) f.file = file_from_uri(uri, options);
        if (const auto* region = path(loc, {"physicalLocation", "region"})) {
          f.line = int_at(*region, {"startLine"});
          f.column = int_at(*region, {"startColumn"});
          f.end_line = int_at(*region, {"endLine"});
          f.end_column = int_at(*region, {"endColumn"});
        }
      }
      if (const auto* fp = member(res, "partialFingerprints");
          fp && fp->is_object() && !fp->empty()) {
        f.fingerprint = string_at(*fp, {kFingerprintKey});
        if (f.fingerprint.empty() && fp->begin()->is_string())
          f.fingerprint = fp->begin()->get<std::string>();
      }
      if (f.fingerprint.empty()) {
        if (const auto* fp = member(res, "fingerprints");
            fp && fp->is_object() && !fp->empty() && fp->begin()->is_string()) {
          f.fingerprint = fp->begin()->get<std::string>();
        }
      }
      tr.findings.push_back(std::move(f));
    }
  }
  if (skipped > 0) {
    out.warnings.push_back({source, 0, 0,
                            where + ": skipped " + std::to_string(skipped) +
                                " results without a message (required by SARIF)"});
  }
  assign_fingerprints(tr.findings);
  out.value.push_back(std::move(tr));
}

}  // namespace

ToolInfo tool_info(std::string_view tool, std::string_view version) {
  static const std::map<std::string, std::string, std::less<>> uris = {
      {"bandit", "https://bandit.readthedocs.io"},
      {"black", "https://black.readthedocs.io"},
      {"flake8", "https://flake8.pycqa.org"},
      {"mypy", "https://mypy-lang.org"},
      {"pip-audit", "https://github.com/pypa/pip-audit"},
      {"pylint", "https://pylint.readthedocs.io"},
      {"ruff", "https://docs.astral.sh/ruff"},
      {"ruff-format", "https://docs.astral.sh/ruff/formatter"},
  };
  ToolInfo info{std::string(tool), std::string(version), {}};
  if (auto it = uris.find(tool); it != uris.end()) info.information_uri = it->second;
  return info;
}

std::vector<ToolRun> group_by_tool(const std::vector<Finding>& findings,
                                   const std::map<std::string, std::string>& versions,
                                   const std::vector<std::string>& also) {
  std::map<std::string, std::vector<Finding>> by_tool;
  for (const auto& t : also) by_tool[t];
  for (const auto& f : findings) by_tool[f.tool].push_back(f);
  std::vector<ToolRun> runs;
  for (auto& [tool, list] : by_tool) {
    auto v = versions.find(tool);
    runs.push_back({tool_info(tool, v == versions.end() ? "" : v->second), std::move(list)});
  }
  return runs;
}

std::vector<Finding> all_findings(const std::vector<ToolRun>& runs) {
  std::vector<Finding> out;
  for (const auto& r : runs) out.insert(out.end(), r.findings.begin(), r.findings.end());
  return out;
}

std::string write_sarif(const std::vector<ToolRun>& runs, const SarifOptions& options) {
  ojson doc;
  doc["$schema"] = kSchema;
  doc["version"] = "2.1.0";
  doc["runs"] = ojson::array();
  for (const auto& run : runs) doc["runs"].push_back(write_run(run, options));
  return dump_json(doc, 2) + "\n";
}

Parsed<std::vector<ToolRun>> read_sarif(std::string_view text, const ParseOptions& options) {
  Parsed<std::vector<ToolRun>> out;
  std::string source = detail::source_name(options, "<sarif>");
  auto doc = detail::parse_tool_json(text, "SARIF", source, out.errors);
  if (!doc) return out;
  if (!doc->is_object()) {
    out.errors.push_back({source, 0, 0, "not a SARIF log: the document is not a JSON object"});
    return out;
  }
  std::string version = string_at(*doc, {"version"});
  if (version != "2.1.0") {
    out.errors.push_back(
        {source, 0, 0,
         version.empty() ? "not a SARIF log: no \"version\""
                         : "unsupported SARIF version \"" + version + "\" (only 2.1.0 is read)"});
    return out;
  }
  const nlohmann::json* runs = member(*doc, "runs");
  if (!runs || !runs->is_array()) {
    out.errors.push_back({source, 0, 0, "not a SARIF log: no \"runs\" list"});
    return out;
  }
  for (size_t i = 0; i < runs->size(); ++i) read_run((*runs)[i], i, source, options, out);
  return out;
}

Parsed<std::vector<ToolRun>> read_sarif_file(const std::filesystem::path& path,
                                             const ParseOptions& options) {
  std::string text;
  if (auto err = detail::read_file_to(path, text)) {
    Parsed<std::vector<ToolRun>> out;
    if (!options.source.empty()) err->file = options.source;
    out.errors.push_back(*err);
    return out;
  }
  ParseOptions o = options;
  if (o.source.empty()) o.source = path.string();
  return read_sarif(text, o);
}

}  // namespace pw::reports
