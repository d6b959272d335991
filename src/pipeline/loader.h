// Reads pipeline documents: the compiled-in default first, then the project's pipewright.yaml
// over it, with one loader for both. Every problem in a document is reported at once, each with
// file, line and column, and unknown keys get the closest valid key suggested.
#pragma once

#include <filesystem>
#include <string>

#include "pipeline/model.h"

namespace pw::pipeline {

// The project's config file: <project>/pipewright.yaml (or .yml). Empty when there is none.
std::filesystem::path find_config(const std::filesystem::path& project_dir);

// Loads the default pipeline and, when `config_file` is not empty, the project's file over it.
// Throws ConfigError listing every problem found.
Pipeline load_pipeline(const std::filesystem::path& config_file);

// The same from text, for tests: `user_text` empty means no project file.
Pipeline load_pipeline_text(const std::string& default_text, const std::string& user_text,
                            const std::string& user_name = "pipewright.yaml");

}  // namespace pw::pipeline
