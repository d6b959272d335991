// The one shape every quality tool's output is turned into (flake8, pylint, mypy, bandit, black,
// ruff, pip-audit), so the quality stage can count, gate, print and write SARIF without knowing
// which tool said what. Parsers live in tool_outputs.h; SARIF in sarif.h.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace pw::reports {

// SARIF's result levels, in increasing order of gravity.
enum class Level { none, note, warning, error };

// A tool's own severity scale where it has one (bandit, pip-audit advisories); `none` when the tool
// has no such notion (flake8, mypy...). Also used for bandit's confidence, which has the same
// words.
enum class Severity { none, low, medium, high, critical };

struct Finding {
  std::string
      tool;  // "flake8", "pylint", "mypy", "bandit", "black", "ruff", "ruff-format", "pip-audit"
  std::string rule_id;    // "F401", "C0116", "assignment", "B602", "PYSEC-2021-1", "format"
  std::string rule_name;  // the tool's readable slug when it has one: "unused-import",
                          // "subprocess_popen_with_shell_equals_true"
  Level level = Level::warning;
  Severity severity = Severity::none;
  Severity confidence = Severity::none;  // bandit only
  std::string message;
  std::string file;  // relative to the project root with '/' separators; "" when not about a file
  // 1-based; 0 means unknown. Columns count characters. end_column is SARIF's: the column just
  // past the last character (parsers convert each tool's convention to this).
  int line = 0;
  int column = 0;
  int end_line = 0;
  int end_column = 0;
  std::string help_uri;
  // The advisory's CVSS base score when the finding is a vulnerability with one: SARIF's
  // security-severity carries it, so the same finding scores the same in SARIF, CycloneDX and
  // Dependency-Check's XML. Unset: the severity class decides.
  std::optional<double> cvss_score;
  // Stable across runs and line shifts (see assign_fingerprints), so a baseline can tell new
  // findings from old ones.
  std::string fingerprint;

  bool operator==(const Finding&) const = default;
};

std::string_view to_string(Level level);
std::string_view to_string(Severity severity);
// Case-insensitive; nullopt for an unknown word. parse_severity also takes "moderate" (= medium)
// and "info"/"informational" (= low), as advisory databases write them.
std::optional<Level> parse_level(std::string_view text);
std::optional<Severity> parse_severity(std::string_view text);

// How many findings of each level and severity.
struct Counts {
  int total = 0;
  int errors = 0;
  int warnings = 0;
  int notes = 0;
  std::array<int, 5> by_severity{};  // indexed by Severity

  int severity(Severity s) const { return by_severity[static_cast<size_t>(s)]; }
  // Findings at `s` or worse (critical > high > medium > low); `none` counts all.
  int at_least(Severity s) const;
  void add(const Finding& f);
  // total, errors, warnings, notes, critical, high, medium, low: for records (build.json).
  std::map<std::string, int> by_name() const;
};

Counts count(const std::vector<Finding>& findings);
// Keyed by tool name; std::map so that printing in key order is deterministic.
std::map<std::string, Counts> count_by_tool(const std::vector<Finding>& findings);

// Fills `fingerprint` on findings that have none: a hash of tool, rule, file and message plus an
// occurrence index among identical ones, in file/line order. Not the line number, so a finding
// keeps its fingerprint when code above it moves.
void assign_fingerprints(std::vector<Finding>& findings);

// Orders by file, line, column, tool, rule, message: the order reports and SARIF are written in.
void sort_findings(std::vector<Finding>& findings);

// A path as tools print it, as a Finding holds it: "./a/b.py" -> "a/b.py"; an absolute path under
// `root` becomes relative to it; "a/../b.py" -> "b.py". Absolute paths elsewhere stay absolute.
std::string relative_path(std::string_view path, std::string_view root);

// What every parser returns: a value, plus the problems found on the way, as "file:line:col:
// message" diagnostics (see util/error.h). `errors` mean the value is missing or incomplete (not
// XML, not JSON, wrong document); `warnings` mean something small was skipped or repaired and the
// rest can be trusted (an unrecognised line, invalid UTF-8 replaced by U+FFFD).
template <class T>
struct Parsed {
  T value{};
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;

  bool ok() const { return errors.empty(); }
  explicit operator bool() const { return ok(); }
};

// Options shared by the parsers.
struct ParseOptions {
  // What diagnostics name as the file: the report's path, or e.g. "bandit output". Parsers that
  // read a file default it to the path.
  std::string source;
  // The project's root folder: absolute paths under it in the tool's output become relative.
  std::string root;
};

}  // namespace pw::reports
