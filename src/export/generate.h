// `pipewright export`: the resolved pipeline as another CI engine's file. One entry point; the
// engines' renderers (jenkins.cpp, github.cpp, gitlab.cpp) share the plan of common.h.
#pragma once

#include <string>
#include <vector>

#include "export/common.h"
#include "pipeline/dag.h"
#include "pipeline/model.h"

namespace pw::ci {

struct Output {
  std::string text;                   // the file, deterministic for a given pipeline
  std::vector<std::string> warnings;  // what the engine cannot express; also comments in text
};

// Throws ConfigError for a pipeline that cannot be exported.
Output generate(Engine engine, const pipeline::Pipeline& pipeline, const pipeline::Graph& graph);

// The renderers; each may add warnings to the plan.
std::string render_jenkins(Plan& plan);
std::string render_github(Plan& plan);
std::string render_gitlab(Plan& plan);

}  // namespace pw::ci
