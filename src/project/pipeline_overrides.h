// The project model as the stages and `pipewright plan` see it: detected from the workspace
// with pipewright.yaml's project settings and setup-python's `requirements` and `groups` as
// overrides, so every stage and the plan agree on the packages, tests and dev dependencies.
#pragma once

#include <filesystem>

#include "pipeline/model.h"
#include "project/model.h"

namespace pw::project {

Overrides project_overrides(const pipeline::Pipeline& p);
Project detect_project(const std::filesystem::path& dir, const pipeline::Pipeline& p);

}  // namespace pw::project
