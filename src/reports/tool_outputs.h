// Parsers for what the quality stage's tools print, each into the common Finding list: flake8,
// pylint (JSON), mypy (text or JSON lines), bandit (JSON), black (--check, --diff), ruff (check
// JSON, format --check) and pip-audit (JSON). Each is tested on output recorded from the real tool
// (tests/fixtures/reports/recorded/, see record.sh there) or, for tools that cannot be installed
// here, on fixtures written to their documented format (tests/fixtures/reports/handwritten/).
//
// Common contract: never throws, never crashes on odd input. Output that is not in the expected
// format at all (a traceback where JSON was asked for) is an error naming the source and position;
// single lines that are not understood are warnings and the rest is still read. Paths come out
// relative to options.root; fingerprints are filled in.
#pragma once

#include <string_view>
#include <vector>

#include "reports/findings.h"

namespace pw::reports {

using FindingsResult = Parsed<std::vector<Finding>>;

// `flake8` default format: "path:line:col: CODE message". Syntax errors and undefined names
// (E9, F63, F7, F82: the codes that mean the code cannot run) are errors, the rest warnings.
FindingsResult parse_flake8(std::string_view text, const ParseOptions& options = {});

// `pylint --output-format=json`: fatal/error -> error, warning -> warning,
// convention/refactor/info -> note. rule_id is the message id (C0116), rule_name the symbol.
FindingsResult parse_pylint_json(std::string_view text, const ParseOptions& options = {});

// mypy's text output, with or without --show-column-numbers / --show-error-end
// ("path:line[:col[:end_line:end_col]]: error: message  [code]"), or the JSON lines of
// `--output json` (mypy >= 1.11; recognised by the first line starting with '{'). A note right
// after an error at the same place is appended to that error's message, as mypy's JSON output
// does with its "hint"; other notes are findings of level note. The summary line is skipped.
FindingsResult parse_mypy(std::string_view text, const ParseOptions& options = {});

// `pyright --outputjson`: generalDiagnostics, error -> error, warning -> warning,
// information -> note; rule_id pyright's rule ("reportReturnType"), positions made 1-based.
FindingsResult parse_pyright_json(std::string_view text, const ParseOptions& options = {});

// `bandit -f json`: level from bandit's severity (HIGH -> error, MEDIUM -> warning, LOW -> note),
// severity and confidence kept. Files bandit could not scan (its "errors") become warnings.
FindingsResult parse_bandit_json(std::string_view text, const ParseOptions& options = {});

// black's `--check` report (stderr: "would reformat path", "error: cannot format path: ...") and,
// if given, its `--diff` output (stdout), in either order or concatenated. With a diff there is one
// finding per changed block of lines; without, one per file. rule_id "format" (warning), or
// "parse-error" (error) for a file black could not parse.
FindingsResult parse_black(std::string_view text, const ParseOptions& options = {});

// `ruff check --output-format=json`. Levels as for flake8 (ruff's codes follow flake8's); a syntax
// error (code null or "invalid-syntax") is an error. rule_name is the slug of the rule's URL.
FindingsResult parse_ruff_json(std::string_view text, const ParseOptions& options = {});

// `ruff format --check` ("Would reformat: path", "error: Failed to parse path:line:col: ...") and
// `ruff format --check --diff`. Tool name "ruff-format", so formatting counts apart from linting.
FindingsResult parse_ruff_format(std::string_view text, const ParseOptions& options = {});

// `pip-audit -f json`: one error-level finding per known vulnerability, rule_id the advisory id,
// `file` set to `requirements_file` (what was audited, e.g. "requirements.txt"; may be ""). The
// fingerprint is advisory + package, so it survives upgrades that do not fix it. Dependencies
// pip-audit skipped become warnings.
FindingsResult parse_pip_audit_json(std::string_view text, const ParseOptions& options = {},
                                    std::string_view requirements_file = {});

}  // namespace pw::reports
