#include "stages/quality_tools.h"

#include <map>

#include "project/type_checker.h"

namespace pw::stages {

namespace {

reports::FindingsResult parse_pip_audit(std::string_view text, const reports::ParseOptions& o) {
  return reports::parse_pip_audit_json(text, o, o.source);
}

}  // namespace

const std::vector<Tool>& all_tools() {
  static const std::vector<Tool> tools = {
      {.name = "ruff",
       .module = "ruff",
       .exe = "ruff",
       .args = {"check", "--output-format=json", "--no-cache"},
       .parse = reports::parse_ruff_json,
       // With ruff's settings or defaults (stages/quality.cpp, project/ruff_flake8.h).
       .stand_in = "flake8"},
      {.name = "flake8", .module = "flake8", .exe = "flake8", .parse = reports::parse_flake8},
      {.name = "pylint",
       .module = "pylint",
       .exe = "pylint",
       .args = {"--output-format=json"},
       .parse = reports::parse_pylint_json},
      {.name = "ruff-format",
       .module = "ruff",
       .exe = "ruff",
       .args = {"format", "--check", "--diff", "--no-cache"},
       .wants_stderr = true,
       .parse = reports::parse_ruff_format,
       .package = "ruff"},
      {.name = "black",
       .module = "black",
       .exe = "black",
       .args = {"--check", "--diff", "--no-color"},
       .wants_stderr = true,
       .parse = reports::parse_black},
      // Without its cache a build's fresh checkout re-checks the standard library's types.
      {.name = "mypy",
       .module = "mypy",
       .exe = "mypy",
       .args = {"--show-column-numbers", "--show-error-codes", "--no-color-output",
                "--no-error-summary", "--no-pretty"},
       .parse = reports::parse_mypy,
       .cache_option = "--cache-dir="},
      // pyright from npm is a program: it resolves imports in the build's environment.
      {.name = "pyright",
       .exe = "pyright",
       .args = {"--outputjson"},
       .parse = reports::parse_pyright_json,
       .stand_in = "mypy",
       .interpreter_option = "--pythonpath"},
      {.name = "bandit",
       .module = "bandit",
       .exe = "bandit",
       .args = {"-f", "json", "-q", "-r"},
       .parse = reports::parse_bandit_json},
      {.name = "pip-audit",
       .module = "pip_audit",
       .exe = "pip-audit",
       .args = {"-f", "json", "--progress-spinner", "off", "-r"},
       .parse = parse_pip_audit},
  };
  return tools;
}

const Tool* find_tool(const std::string& name) {
  for (const auto& t : all_tools())
    if (t.name == name) return &t;
  return nullptr;
}

std::string tool_for(const pipeline::StageSpec& spec, const pipeline::StageSettings& settings,
                     const std::filesystem::path& ws) {
  if (auto t = settings.text("tool")) return *t;
  if (spec.kind == "typecheck" && project::declared_type_checker(ws) == "pyright") return "pyright";
  static const std::map<std::string, std::string> defaults = {
      {"lint", "ruff"},      {"format-ruff", "ruff-format"}, {"format-black", "black"},
      {"typecheck", "mypy"}, {"security-lint", "bandit"},    {"audit", "pip-audit"}};
  auto it = defaults.find(spec.kind);
  return it == defaults.end() ? "" : it->second;
}

}  // namespace pw::stages
