// `pip-audit -f json` -> Findings (see tool_outputs.h).
#include "reports/text.h"
#include "reports/tool_outputs.h"
#include "util/hash.h"

namespace pw::reports {

FindingsResult parse_pip_audit_json(std::string_view text, const ParseOptions& options,
                                    std::string_view requirements_file) {
  FindingsResult out;
  std::string source = detail::source_name(options, "pip-audit output");
  auto doc = detail::parse_tool_json(text, "pip-audit", source, out.errors);
  if (!doc) return out;
  // The documented shape is {"dependencies": [...], "fixes": [...]}; a bare list of dependencies
  // is read too, in case a wrapper script unwrapped it.
  const nlohmann::json* deps = nullptr;
  if (doc->is_array()) {
    deps = &*doc;
  } else if (doc->is_object() && doc->contains("dependencies") &&
             (*doc)["dependencies"].is_array()) {
    deps = &(*doc)["dependencies"];
  } else {
    out.errors.push_back({source, 0, 0,
                          "pip-audit JSON output should be an object with a \"dependencies\" "
                          "list"});
    return out;
  }
  std::string file = relative_path(requirements_file, options.root);
  for (const auto& dep : *deps) {
    if (!dep.is_object()) continue;
    std::string name = detail::json_string(dep, "name");
    std::string version = detail::json_string(dep, "version");
    if (dep.contains("skip_reason")) {
      out.warnings.push_back(
          {file.empty() ? source : file, 0, 0,
           "pip-audit did not audit " + name + ": " + detail::json_string(dep, "skip_reason")});
      continue;
    }
    auto vulns = dep.find("vulns");
    if (vulns == dep.end() || !vulns->is_array()) continue;
    for (const auto& v : *vulns) {
      Finding f;
      f.tool = "pip-audit";
      f.rule_id = detail::json_string(v, "id");
      f.rule_name = name;
      f.level = Level::error;
      f.file = file;
      std::vector<std::string> aliases, fixes;
      if (auto a = v.find("aliases"); a != v.end() && a->is_array()) {
        for (const auto& x : *a) {
          if (x.is_string()) aliases.push_back(detail::valid_utf8(x.get<std::string>()));
        }
      }
      if (auto fx = v.find("fix_versions"); fx != v.end() && fx->is_array()) {
        for (const auto& x : *fx) {
          if (x.is_string()) fixes.push_back(detail::valid_utf8(x.get<std::string>()));
        }
      }
      f.message = name + " " + version + " is vulnerable: " + f.rule_id;
      if (!aliases.empty()) f.message += " (" + join(aliases, ", ") + ")";
      f.message += fixes.empty() ? "; no fixed version yet" : "; fixed in " + join(fixes, ", ");
      std::string description = detail::json_string(v, "description");
      if (!description.empty()) f.message += "\n" + description;
      f.help_uri = "https://osv.dev/vulnerability/" + f.rule_id;
      f.fingerprint =
          sha256_hex("pip-audit\x1f" + f.rule_id + "\x1f" + to_lower(name)).substr(0, 32);
      out.value.push_back(std::move(f));
    }
  }
  assign_fingerprints(out.value);
  return out;
}

}  // namespace pw::reports
