// flake8's default output format -> Findings (see tool_outputs.h).
#include "reports/text.h"
#include "reports/tool_outputs.h"

namespace pw::reports {

namespace {

bool is_code(std::string_view code) {
  size_t i = 0;
  while (i < code.size() && code[i] >= 'A' && code[i] <= 'Z') ++i;
  if (i == 0 || i == code.size()) return false;
  for (; i < code.size(); ++i) {
    if (code[i] < '0' || code[i] > '9') return false;
  }
  return true;
}

// "path:line:col: CODE message". The path may itself contain ':', so the location is found as
// the first ":<digits>:<digits>: " in the line.
std::optional<Finding> flake8_line(std::string_view line, const ParseOptions& options) {
  for (size_t colon = line.find(':'); colon != std::string_view::npos;
       colon = line.find(':', colon + 1)) {
    size_t a = colon + 1, b = a;
    while (b < line.size() && line[b] >= '0' && line[b] <= '9') ++b;
    if (b == a || b >= line.size() || line[b] != ':') continue;
    size_t c = b + 1, d = c;
    while (d < line.size() && line[d] >= '0' && line[d] <= '9') ++d;
    if (d == c || d + 1 >= line.size() || line[d] != ':' || line[d + 1] != ' ') continue;
    std::string_view rest = line.substr(d + 2);
    std::string_view code = rest.substr(0, rest.find(' '));
    if (!is_code(code)) return std::nullopt;
    Finding f;
    f.tool = "flake8";
    f.rule_id = std::string(code);
    f.level = detail::lint_code_level(code);
    f.message = detail::valid_utf8(code.size() < rest.size() ? rest.substr(code.size() + 1) : "");
    f.file = relative_path(detail::valid_utf8(line.substr(0, colon)), options.root);
    f.line = static_cast<int>(detail::parse_int(line.substr(a, b - a)).value_or(0));
    f.column = static_cast<int>(detail::parse_int(line.substr(c, d - c)).value_or(0));
    return f;
  }
  return std::nullopt;
}

}  // namespace

FindingsResult parse_flake8(std::string_view text, const ParseOptions& options) {
  FindingsResult out;
  detail::UnrecognisedLines unknown(detail::source_name(options, "flake8 output"), "flake8");
  detail::for_each_line(text, [&](std::string_view line, int number) {
    if (trim(line).empty()) return;
    if (auto f = flake8_line(line, options)) {
      out.value.push_back(std::move(*f));
    } else {
      unknown.add(line, number);
    }
  });
  unknown.flush_to(out.warnings);
  assign_fingerprints(out.value);
  return out;
}

}  // namespace pw::reports
