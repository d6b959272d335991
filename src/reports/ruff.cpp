// `ruff check --output-format=json` -> Findings (see tool_outputs.h).
#include "reports/text.h"
#include "reports/tool_outputs.h"

namespace pw::reports {

FindingsResult parse_ruff_json(std::string_view text, const ParseOptions& options) {
  FindingsResult out;
  std::string source = detail::source_name(options, "ruff output");
  auto doc = detail::parse_tool_json(text, "ruff", source, out.errors);
  if (!doc) return out;
  const auto* list = detail::tool_json_list(*doc, "ruff", "", "diagnostics", source, out.errors);
  if (!list) return out;
  for (const auto& d : *list) {
    if (!d.is_object()) continue;
    Finding f;
    f.tool = "ruff";
    f.rule_id = detail::json_string(d, "code");
    // Syntax errors have no code in older ruff and "invalid-syntax" in newer ones.
    bool syntax = f.rule_id.empty() || f.rule_id == "invalid-syntax";
    if (f.rule_id.empty()) f.rule_id = "syntax-error";
    f.level = syntax ? Level::error : detail::lint_code_level(f.rule_id);
    f.message = detail::json_string(d, "message");
    f.file = relative_path(detail::json_string(d, "filename"), options.root);
    // ruff's rows and columns are 1-based and its end is exclusive, as Finding's.
    if (auto it = d.find("location"); it != d.end()) {
      f.line = static_cast<int>(detail::json_int(*it, "row"));
      f.column = static_cast<int>(detail::json_int(*it, "column"));
    }
    if (auto it = d.find("end_location"); it != d.end()) {
      f.end_line = static_cast<int>(detail::json_int(*it, "row"));
      f.end_column = static_cast<int>(detail::json_int(*it, "column"));
    }
    f.help_uri = detail::json_string(d, "url");
    // "https://docs.astral.sh/ruff/rules/unused-import" -> "unused-import"
    if (size_t slash = f.help_uri.rfind('/'); slash != std::string::npos) {
      f.rule_name = f.help_uri.substr(slash + 1);
    }
    if (auto it = d.find("fix"); it != d.end() && it->is_object()) {
      std::string fix = detail::json_string(*it, "message");
      std::string applicability = detail::json_string(*it, "applicability");
      if (!fix.empty()) {
        f.message +=
            " (fix" + (applicability.empty() ? "" : ", " + applicability) + ": " + fix + ")";
      }
    }
    out.value.push_back(std::move(f));
  }
  assign_fingerprints(out.value);
  return out;
}

}  // namespace pw::reports
