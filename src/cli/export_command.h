// `pipewright export jenkins|github|gitlab [-o FILE]` and `export --check ENGINE`: the project's
// resolved pipeline as another CI engine's file (export/generate.h).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "pipeline/model.h"

namespace pw::cli {

// Writes the file (or stdout for "-"); with `check`, compares it with what is there instead:
// 0 equal, 1 different or missing (a diff on stdout). Throws ConfigError for a bad engine name
// (before `load` reads the pipeline) or a bad pipeline.
int cmd_export(const std::filesystem::path& project_dir,
               const std::function<pipeline::Pipeline()>& load, const std::string& engine,
               const std::string& output, bool check);

}  // namespace pw::cli
