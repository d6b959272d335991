// Pieces of the stage cache's policies (engine/stage_cache.h) that several built-in stages share.
// Each stage's own policy (what it reads from the tree, what it leaves, what else its key covers)
// is given where its file registers the kind, next to its BuiltinStage.
#pragma once

#include <string>
#include <vector>

#include "engine/stage_cache.h"

namespace pw::stages {

// Where projects declare dependencies: requirements files and their includes, pip-tools' .in,
// pyproject, setup.cfg/setup.py, lock files, tox.ini (lock-check and dependency-scan read them).
std::vector<std::string> dependency_files();

// The Python sources a quality tool reads (its `paths`, else the package and, for the linters
// and formatters, the tests) and the configuration files the tools read: the inputs of the six
// quality sub-stages.
std::vector<std::string> quality_inputs(const pipeline::StageSpec& spec,
                                        const pipeline::Pipeline& p);

// The environment setup-python made (its interpreter and installed distributions), which every
// later stage's key covers through setup-python's result.
std::string python_environment_result(const engine::KeyInputs& in);

}  // namespace pw::stages
