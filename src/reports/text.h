// Small text helpers the report parsers share: UTF-8 repair, offset -> line:col, number parsing
// without locale or exceptions, reading a file without throwing, and JSON input with a clear error.
// Internal to src/reports (namespace detail); other layers use the parsers, not these.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "reports/findings.h"
#include "util/strings.h"

namespace pw::reports::detail {

// Replaces invalid UTF-8 sequences with U+FFFD; sets *repaired when it had to. Tool output and XML
// text end up in JSON (SARIF, build records), and nlohmann::json refuses to dump invalid UTF-8.
std::string valid_utf8(std::string_view s, bool* repaired = nullptr);

struct LineCol {
  int line = 1;
  int col = 1;
};
// 1-based line and column of a byte offset; the column counts UTF-8 characters, as editors do.
LineCol line_col_at(std::string_view text, size_t offset);

// Whole-string parses: nullopt on junk, overflow or empty input. Leading/trailing spaces allowed.
std::optional<long long> parse_int(std::string_view s);
std::optional<double> parse_double(std::string_view s);

// Reads the whole file into `out`; on failure returns a diagnostic naming the path and the reason.
std::optional<Diagnostic> read_file_to(const std::filesystem::path& path, std::string& out);

// Parses a document that a tool was asked to write as JSON. On failure adds an error to
// `errors` that names the source and position and quotes the start of what came instead (the
// usual case is a Python traceback or a usage message on stdout) and returns nullopt.
std::optional<nlohmann::json> parse_tool_json(std::string_view text, std::string_view tool,
                                              const std::string& source,
                                              std::vector<Diagnostic>& errors);

// Where a tool's JSON document keeps its entries: the list under `key` of an object (bandit's
// "results"), or, with `key` empty, the document itself as a list of `what` (pylint's
// messages). Otherwise adds an error saying which shape was expected and returns nullptr.
const nlohmann::json* tool_json_list(const nlohmann::json& doc, std::string_view tool,
                                     std::string_view key, std::string_view what,
                                     const std::string& source, std::vector<Diagnostic>& errors);

// The source name diagnostics use: options.source or the fallback.
inline std::string source_name(const ParseOptions& options, std::string_view fallback) {
  return options.source.empty() ? std::string(fallback) : options.source;
}

// JSON accessors that never throw: a missing key or a value of another type gives the fallback.
std::string json_string(const nlohmann::json& obj, const char* key, std::string_view fallback = {});
long long json_int(const nlohmann::json& obj, const char* key, long long fallback = 0);

// First line of `text`, cut to `max` characters, for quoting in messages.
std::string first_line(std::string_view text, size_t max = 120);

}  // namespace pw::reports::detail

namespace pw::reports::detail {

// Calls fn(line, number) for each line of `text` (1-based numbers), without the line break and a
// trailing '\r'. Views into `text`: nothing is copied.
template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  size_t start = 0;
  int number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line, ++number);
    start = end + 1;
  }
}

// Collects unrecognised lines as warnings, but only the first few: a tool that printed a
// 300-line traceback deserves one clear message, not 300.
class UnrecognisedLines {
 public:
  UnrecognisedLines(std::string source, std::string tool)
      : source_(std::move(source)), tool_(std::move(tool)) {}
  void add(std::string_view line, int number);
  void flush_to(std::vector<Diagnostic>& warnings);

 private:
  std::string source_, tool_;
  std::vector<Diagnostic> kept_;
  int total_ = 0;
};

// The level flake8 and ruff codes get: E9 (syntax/IO errors), F63 (invalid comparisons), F7
// (statements in the wrong place), F82 (undefined names) are errors, as in the usual "stop the
// build" flake8 selection; everything else is a warning.
Level lint_code_level(std::string_view code);

}  // namespace pw::reports::detail
