// Registers every built-in stage kind with the engine. One file per stage in this folder.
#pragma once

#include "engine/stage.h"

namespace pw::stages {

void register_builtin_stages(engine::StageRegistry& registry);

}  // namespace pw::stages
