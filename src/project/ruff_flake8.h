// flake8 standing in for ruff (a machine where ruff cannot be installed, `lint: tool: flake8`):
// the project's ruff settings carried into flake8's command line where they mean the same thing,
// so flake8 checks what ruff would have (ruff's line length is 88 where flake8's is 79; ruff
// selects E4, E7, E9 and F by default where flake8 selects every E, W, F and C90 code). What
// has no flake8 meaning (isort's I, pyupgrade's UP, plugins' codes) is listed, not guessed.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace pw::project {

struct Flake8StandIn {
  bool applies = false;               // the project configures ruff and not flake8
  std::string source;                 // "pyproject.toml [tool.ruff]", "ruff.toml", ...
  std::vector<std::string> args;      // flake8 options: --max-line-length=88, --select=E,F, ...
  std::vector<std::string> mapped;    // "line-length 100", "select E,F,W", ...
  std::vector<std::string> unmapped;  // "select I, UP (no flake8 equivalent)", ...
  std::vector<Diagnostic> problems;   // a config file that cannot be read
  int line_length = 88;               // ruff's, for ruff_exemption
};

// Reads ruff's configuration the way ruff finds it in the project root (ruff.toml, .ruff.toml,
// then pyproject.toml's [tool.ruff]). Does not apply when the project has a flake8
// configuration of its own (.flake8, setup.cfg or tox.ini [flake8]): flake8 then reads it.
// With `defaults`, a project that configures neither gets ruff's defaults (flake8 in place of
// the default linter, ruff, where ruff is not installed).
Flake8StandIn flake8_for_ruff(const std::filesystem::path& root, bool defaults = false);

// Why ruff would not report a finding flake8 made, "" when it would: ruff reads an import
// written as a redundant alias ("from m import x as x") as an explicit re-export, not F401;
// its E501 skips a line that is one word, ends with a URL, or is over the limit only because
// of a pragma comment (# type:, # noqa, # pyright:, ...) that starts within it. `lines`: the
// file's lines; `line`: the finding's, 1-based; `message`: flake8's text for the finding.
std::string ruff_exemption(std::string_view code, std::string_view message,
                           const std::vector<std::string>& lines, int line, int line_length);

}  // namespace pw::project
