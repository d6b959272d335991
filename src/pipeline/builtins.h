// The built-in stage kinds and the typed table of each one's settings (settings.h has the row
// type and what is derived from it). A new built-in stage is a row in builtins.cpp and its file
// in src/stages.
#pragma once

#include <string>
#include <vector>

#include "pipeline/settings.h"

namespace pw::pipeline {

// The post stage's conditions in the order Jenkins (and pipewright's post) evaluates them.
const std::vector<std::string>& post_conditions();

// The keys every stage accepts.
const std::vector<std::string>& generic_stage_keys();

}  // namespace pw::pipeline
