// `pipewright plan`'s stage cache column: for each stage, whether the next run would take it
// from the stage cache or run it, and why (which input changed since the cached result).
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "engine/stage.h"
#include "pipeline/model.h"

namespace pw::cli {

void print_cache_plan(std::ostream& out, const std::filesystem::path& project_dir,
                      const pipeline::Pipeline& pipeline, const std::vector<std::string>& stages,
                      const engine::StageRegistry& registry,
                      const engine::Credentials& credentials);

}  // namespace pw::cli
