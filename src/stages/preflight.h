// preflight (seed stage 2): every check the seed lists, all reported at once, each failure with
// what to do about it, so a broken layout costs seconds instead of a venv install.
#pragma once

#include "engine/stage.h"

namespace pw::stages {

class PreflightStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

}  // namespace pw::stages
