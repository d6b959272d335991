// Writes a resolved pipeline back as a pipewright.yaml that reproduces it (`plan --yaml`).
#pragma once

#include <string>

#include "pipeline/model.h"

namespace pw::pipeline {

std::string to_yaml(const Pipeline& pipeline);

}  // namespace pw::pipeline
