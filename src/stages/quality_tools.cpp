#include "stages/quality_tools.h"

#include <map>

#include "project/type_checker.h"

namespace pw::stages {

namespace {

reports::FindingsResult parse_pip_audit(std::string_view text, const reports::ParseOptions& o) {
  return reports::parse_pip_audit_json(text, o, o.source);
}

}  // namespace

const Tool* find_tool(const std::string& name) {
  static const std::vector<Tool> tools = {
      {"ruff",
       "ruff",
       "ruff",
       {"check", "--output-format=json", "--no-cache"},
       false,
       reports::parse_ruff_json},
      {"flake8", "flake8", "flake8", {}, false, reports::parse_flake8},
      {"pylint", "pylint", "pylint", {"--output-format=json"}, false, reports::parse_pylint_json},
      {"ruff-format",
       "ruff",
       "ruff",
       {"format", "--check", "--diff", "--no-cache"},
       true,
       reports::parse_ruff_format},
      {"black", "black", "black", {"--check", "--diff", "--no-color"}, true, reports::parse_black},
      {"mypy",
       "mypy",
       "mypy",
       {"--show-column-numbers", "--show-error-codes", "--no-color-output", "--no-error-summary",
        "--no-pretty"},
       false,
       reports::parse_mypy},
      // pyright from npm is a program; its `--pythonpath` is the build's environment (quality.cpp).
      {"pyright", "", "pyright", {"--outputjson"}, false, reports::parse_pyright_json},
      {"bandit", "bandit", "bandit", {"-f", "json", "-q", "-r"}, false, reports::parse_bandit_json},
      {"pip-audit",
       "pip_audit",
       "pip-audit",
       {"-f", "json", "--progress-spinner", "off", "-r"},
       false,
       parse_pip_audit},
  };
  for (const auto& t : tools)
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
