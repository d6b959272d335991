// deploy (the seed's "CD, ready to add"): the image image-push published, rolled out to each
// target host over SSH by the deploy layer (src/deploy: one host after another, health-checked,
// rolled back on failure). This stage reads its settings, the pushed image and the credentials,
// and turns the rollout into its outcome. SKIPPED without targets or without a pushed image.
// Each deployment is recorded in the build's reports/deploy.json and its stage data.
#pragma once

#include <string>
#include <vector>

#include "engine/stage.h"

namespace pw::stages {

class DeployStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

}  // namespace pw::stages
