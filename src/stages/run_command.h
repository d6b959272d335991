// The stage behind every `run:` in pipewright.yaml.
#pragma once

#include <string>
#include <vector>

#include "engine/stage.h"

namespace pw::stages {

class RunCommandStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
};

// A one-line reason for a failed process: timeout, missing command, exit code, signal.
std::string describe_failure(const exec::ProcessResult& r, const std::vector<std::string>& tail,
                             const std::string& what);

}  // namespace pw::stages
