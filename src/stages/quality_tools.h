// The quality sub-stages' tools: how each is run (`python -m` module or program, arguments before
// the paths) and which reports parser reads its output; and which tool a sub-stage runs.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/settings.h"
#include "reports/tool_outputs.h"

namespace pw::stages {

struct Tool {
  std::string name;               // as findings name it and as the user configures it
  std::string module;             // `python -m module` ("" when the tool is no Python module)
  std::string exe;                // or this program on PATH
  std::vector<std::string> args;  // before the paths
  bool wants_stderr = false;      // the tool reports on stderr too (black, ruff format)
  reports::FindingsResult (*parse)(std::string_view, const reports::ParseOptions&) = nullptr;
  std::string package;  // what to install for it ("" when its name)
  // The tool that runs in its place when it is the sub-stage's default and not installed.
  std::string stand_in;
  // The option that takes the build's interpreter, for a tool that is no Python module and
  // resolves imports from an environment it is told of (pyright's --pythonpath).
  std::string interpreter_option;
  // The option (ending in '=') that keeps the tool's incremental cache under pipewright's cache
  // across builds, unless the user's args give it (mypy's --cache-dir).
  std::string cache_option;
};

const Tool* find_tool(const std::string& name);
// Every tool, in the table's order.
const std::vector<Tool>& all_tools();

// The tool a sub-stage runs: its `tool` setting, else the seed's; for typecheck, pyright when the
// project configures pyright and not mypy (project::declared_type_checker).
std::string tool_for(const pipeline::StageSpec& spec, const pipeline::StageSettings& settings,
                     const std::filesystem::path& ws);

}  // namespace pw::stages
