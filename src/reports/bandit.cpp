// `bandit -f json` -> Findings (see tool_outputs.h).
#include "reports/text.h"
#include "reports/tool_outputs.h"

namespace pw::reports {

FindingsResult parse_bandit_json(std::string_view text, const ParseOptions& options) {
  FindingsResult out;
  std::string source = detail::source_name(options, "bandit output");
  auto doc = detail::parse_tool_json(text, "bandit", source, out.errors);
  if (!doc) return out;
  const auto* list = detail::tool_json_list(*doc, "bandit", "results", "", source, out.errors);
  if (!list) return out;
  for (const auto& r : *list) {
    if (!r.is_object()) continue;
    Finding f;
    f.tool = "bandit";
    f.rule_id = detail::json_string(r, "test_id");
    f.rule_name = detail::json_string(r, "test_name");
    f.severity = parse_severity(detail::json_string(r, "issue_severity")).value_or(Severity::none);
    f.confidence =
        parse_severity(detail::json_string(r, "issue_confidence")).value_or(Severity::none);
    // bandit's own SARIF output maps severities the same way.
    switch (f.severity) {
      case Severity::critical:
      case Severity::high:
        f.level = Level::error;
        break;
      case Severity::medium:
        f.level = Level::warning;
        break;
      default:
        f.level = Level::note;
        break;
    }
    f.message = detail::json_string(r, "issue_text");
    f.file = relative_path(detail::json_string(r, "filename"), options.root);
    f.line = static_cast<int>(detail::json_int(r, "line_number"));
    // col_offset / end_col_offset (bandit >= 1.7.3) are 0-based, end exclusive.
    if (r.contains("col_offset"))
      f.column = static_cast<int>(detail::json_int(r, "col_offset")) + 1;
    if (r.contains("end_col_offset")) {
      f.end_column = static_cast<int>(detail::json_int(r, "end_col_offset")) + 1;
    }
    if (auto it = r.find("line_range"); it != r.end() && it->is_array() && !it->empty()) {
      long long last = 0;
      for (const auto& n : *it) {
        if (n.is_number_integer()) last = std::max(last, n.get<long long>());
      }
      if (last > f.line) f.end_line = static_cast<int>(last);
    }
    f.help_uri = detail::json_string(r, "more_info");
    out.value.push_back(std::move(f));
  }
  // Files bandit could not scan (syntax errors, unreadable): the rest of the report stands.
  if (auto it = doc->find("errors"); it != doc->end() && it->is_array()) {
    for (const auto& e : *it) {
      out.warnings.push_back({relative_path(detail::json_string(e, "filename"), options.root), 0, 0,
                              "bandit could not scan this file: " +
                                  detail::json_string(e, "reason", "no reason given")});
    }
  }
  assign_fingerprints(out.value);
  return out;
}

}  // namespace pw::reports
