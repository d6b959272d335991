// mypy's text output and JSON lines -> Findings (see tool_outputs.h).
#include "reports/text.h"
#include "reports/tool_outputs.h"

namespace pw::reports {

namespace {

struct MypyMessage {
  std::string_view file;
  int line = 0, column = 0, end_line = 0, end_column = 0;
  std::string_view severity;  // "error", "note", "warning"
  std::string_view message;
  std::string_view code;
};

// "path[:line[:col[:end_line:end_col]]]: severity: message[  [code]]"
std::optional<MypyMessage> mypy_line(std::string_view line) {
  static constexpr std::string_view kSeverities[] = {": error: ", ": note: ", ": warning: "};
  size_t at = std::string_view::npos;
  std::string_view sev;
  for (auto s : kSeverities) {
    size_t p = line.find(s);
    if (p < at) {
      at = p;
      sev = s;
    }
  }
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  MypyMessage m;
  m.severity = sev.substr(2, sev.size() - 4);
  m.message = line.substr(at + sev.size());
  // Peel up to four numbers off the end of the location.
  std::string_view loc = line.substr(0, at);
  int nums[4];
  int count = 0;
  while (count < 4) {
    size_t colon = loc.rfind(':');
    if (colon == std::string_view::npos) break;
    auto n = detail::parse_int(loc.substr(colon + 1));
    if (!n || *n < 0) break;
    nums[count++] = static_cast<int>(*n);
    loc = loc.substr(0, colon);
  }
  if (loc.empty() || loc.front() == ' ') return std::nullopt;
  m.file = loc;
  // Read back to front: [line, col, end_line, end_col] in the order they were written.
  int ordered[4] = {0, 0, 0, 0};
  for (int i = 0; i < count; ++i) ordered[i] = nums[count - 1 - i];
  if (count == 3) return std::nullopt;  // no mypy format has three numbers
  m.line = ordered[0];
  m.column = ordered[1];
  m.end_line = ordered[2];
  m.end_column = ordered[3];
  // "message  [code]"
  if (m.message.ends_with(']')) {
    size_t open = m.message.rfind("  [");
    if (open != std::string_view::npos) {
      m.code = m.message.substr(open + 3, m.message.size() - open - 4);
      m.message = m.message.substr(0, open);
    }
  }
  return m;
}

Level mypy_level(std::string_view severity) {
  if (severity == "error") return Level::error;
  if (severity == "note") return Level::note;
  return Level::warning;
}

// A note that belongs to the finding before it: same file and line, and the finding is not
// itself a note. mypy prints hints for an error this way ("Hint: ...", "See https://...").
bool continues(const std::vector<Finding>& found, const Finding& note) {
  if (found.empty()) return false;
  const Finding& prev = found.back();
  return prev.level != Level::note && prev.file == note.file && prev.line == note.line;
}

void add_note_or_finding(std::vector<Finding>& found, Finding f) {
  if (f.level == Level::note && continues(found, f)) {
    found.back().message += "\n" + f.message;
  } else {
    found.push_back(std::move(f));
  }
}

bool is_summary(std::string_view line) {
  return line.starts_with("Found ") || line.starts_with("Success: ") ||
         line.starts_with("Success ") || line.starts_with("== Return code:");
}

FindingsResult parse_json_lines(std::string_view text, const ParseOptions& options) {
  FindingsResult out;
  std::string source = detail::source_name(options, "mypy output");
  detail::UnrecognisedLines unknown(source, "mypy");
  detail::for_each_line(text, [&](std::string_view line, int number) {
    if (trim(line).empty() || is_summary(line)) return;
    if (!line.starts_with("{")) {
      unknown.add(line, number);
      return;
    }
    std::vector<Diagnostic> errors;
    auto j = detail::parse_tool_json(line, "mypy", source, errors);
    if (!j || !j->is_object()) {
      unknown.add(line, number);
      return;
    }
    Finding f;
    f.tool = "mypy";
    f.file = relative_path(detail::json_string(*j, "file"), options.root);
    f.line = static_cast<int>(detail::json_int(*j, "line"));
    // mypy's JSON columns are 0-based (-1 when unknown); the text format adds 1.
    long long col = detail::json_int(*j, "column", -1);
    f.column = col >= 0 ? static_cast<int>(col) + 1 : 0;
    f.rule_id = detail::json_string(*j, "code");
    f.level = mypy_level(detail::json_string(*j, "severity", "error"));
    f.message = detail::json_string(*j, "message");
    std::string hint = detail::json_string(*j, "hint");
    if (!hint.empty()) f.message += "\n" + hint;
    add_note_or_finding(out.value, std::move(f));
  });
  unknown.flush_to(out.warnings);
  return out;
}

}  // namespace

FindingsResult parse_mypy(std::string_view text, const ParseOptions& options) {
  std::string_view first = trim(text);
  if (first.starts_with("{")) {
    FindingsResult out = parse_json_lines(text, options);
    assign_fingerprints(out.value);
    return out;
  }
  FindingsResult out;
  detail::UnrecognisedLines unknown(detail::source_name(options, "mypy output"), "mypy");
  detail::for_each_line(text, [&](std::string_view line, int number) {
    if (trim(line).empty() || is_summary(line)) return;
    auto m = mypy_line(line);
    if (!m) {
      // --pretty adds the source line and a caret under each message, indented.
      if (line.front() != ' ' && line.front() != '\t') unknown.add(line, number);
      return;
    }
    // --show-error-context: "path: note: In function "f":" and "At top level:" carry no line.
    if (m->severity == "note" && m->line == 0) return;
    Finding f;
    f.tool = "mypy";
    f.file = relative_path(detail::valid_utf8(m->file), options.root);
    f.line = m->line;
    f.column = m->column;
    f.end_line = m->end_line;
    // mypy's end column is the last character's (inclusive); Finding's is one past it.
    f.end_column = m->end_column > 0 ? m->end_column + 1 : 0;
    f.level = mypy_level(m->severity);
    f.rule_id = std::string(m->code);
    f.message = detail::valid_utf8(m->message);
    add_note_or_finding(out.value, std::move(f));
  });
  unknown.flush_to(out.warnings);
  assign_fingerprints(out.value);
  return out;
}

}  // namespace pw::reports
