// `pylint --output-format=json` -> Findings (see tool_outputs.h).
#include "reports/text.h"
#include "reports/tool_outputs.h"

namespace pw::reports {

FindingsResult parse_pylint_json(std::string_view text, const ParseOptions& options) {
  FindingsResult out;
  std::string source = detail::source_name(options, "pylint output");
  auto doc = detail::parse_tool_json(text, "pylint", source, out.errors);
  if (!doc) return out;
  const auto* list = detail::tool_json_list(*doc, "pylint", "", "messages", source, out.errors);
  if (!list) return out;
  int skipped = 0;
  for (const auto& m : *list) {
    if (!m.is_object() || !m.contains("message-id")) {
      ++skipped;
      continue;
    }
    Finding f;
    f.tool = "pylint";
    f.rule_id = detail::json_string(m, "message-id");
    f.rule_name = detail::json_string(m, "symbol");
    std::string type = detail::json_string(m, "type");
    if (type == "fatal" || type == "error") {
      f.level = Level::error;
    } else if (type == "warning") {
      f.level = Level::warning;
    } else {
      f.level = Level::note;  // convention, refactor, info
    }
    f.message = detail::json_string(m, "message");
    f.file = relative_path(detail::json_string(m, "path"), options.root);
    f.line = static_cast<int>(detail::json_int(m, "line"));
    // pylint's columns are 0-based with an exclusive end (Python's ast offsets).
    if (m.contains("column") && m["column"].is_number()) {
      f.column = static_cast<int>(detail::json_int(m, "column")) + 1;
    }
    if (m.contains("endLine") && m["endLine"].is_number()) {
      f.end_line = static_cast<int>(detail::json_int(m, "endLine"));
    }
    if (m.contains("endColumn") && m["endColumn"].is_number()) {
      f.end_column = static_cast<int>(detail::json_int(m, "endColumn")) + 1;
    }
    if (!f.rule_name.empty() && !type.empty()) {
      f.help_uri = "https://pylint.readthedocs.io/en/latest/user_guide/messages/" + type + "/" +
                   f.rule_name + ".html";
    }
    out.value.push_back(std::move(f));
  }
  if (skipped > 0) {
    out.warnings.push_back(
        {source, 0, 0,
         "skipped " + std::to_string(skipped) + " pylint entries that are not messages"});
  }
  assign_fingerprints(out.value);
  return out;
}

}  // namespace pw::reports
