// A Jenkins stage run natively: its steps (sh, withCredentials, catchError, junit, ...) with
// Jenkins' semantics, its when, environment, agent (docker/dockerfile in podman or docker) and
// post; the plugin steps the seed uses (dependencyCheck, withSonarQubeEnv, waitForQualityGate)
// done by pipewright's own stages. Also the pipeline-level post of a Jenkinsfile.
#pragma once

#include <vector>

#include "engine/stage.h"

namespace pw::stages {

class JenkinsStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

}  // namespace pw::stages
