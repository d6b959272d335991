// `pyright --outputjson` -> Findings (see tool_outputs.h).
#include "reports/text.h"
#include "reports/tool_outputs.h"

namespace pw::reports {

FindingsResult parse_pyright_json(std::string_view text, const ParseOptions& options) {
  FindingsResult out;
  std::string source = detail::source_name(options, "pyright output");
  auto doc = detail::parse_tool_json(text, "pyright", source, out.errors);
  if (!doc) return out;
  const auto* list =
      detail::tool_json_list(*doc, "pyright", "generalDiagnostics", "", source, out.errors);
  if (!list) return out;
  for (const auto& d : *list) {
    if (!d.is_object()) continue;
    Finding f;
    f.tool = "pyright";
    std::string severity = detail::json_string(d, "severity");
    f.level = severity == "error"     ? Level::error
              : severity == "warning" ? Level::warning
                                      : Level::note;
    // A diagnostic without a rule (an import pyright cannot resolve in some versions, a syntax
    // error) is named by pyright itself.
    f.rule_id = detail::json_string(d, "rule", "pyright");
    f.message = detail::json_string(d, "message");
    f.file = relative_path(detail::json_string(d, "file"), options.root);
    // pyright's range is 0-based lines and characters, end exclusive.
    if (auto r = d.find("range"); r != d.end() && r->is_object()) {
      auto pos = [&](const char* key, int& line, int& col) {
        if (auto p = r->find(key); p != r->end() && p->is_object()) {
          line = static_cast<int>(detail::json_int(*p, "line")) + 1;
          col = static_cast<int>(detail::json_int(*p, "character")) + 1;
        }
      };
      pos("start", f.line, f.column);
      pos("end", f.end_line, f.end_column);
    }
    out.value.push_back(std::move(f));
  }
  assign_fingerprints(out.value);
  return out;
}

}  // namespace pw::reports
