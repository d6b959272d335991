// deploy (the seed's "CD, ready to add"): puts the image image-push published on each target
// host over SSH, one host after another, and keeps it only when its health check passes. The
// container that ran before is kept stopped under another name until the rollout stands, so a
// failed check brings it back with exactly its old settings; hosts already switched are rolled
// back too unless `rollback: false`. SKIPPED without targets or without a pushed image.
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

// The labels the new container carries, naming the build (what `deploy --status` reads).
constexpr const char* kBuildLabel = "org.pipewright.build";

}  // namespace pw::stages
