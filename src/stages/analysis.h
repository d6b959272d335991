// analysis (seed stage 8) and quality-gate (seed 9), natively and with no server: the project's
// Python sources measured (size, complexity, duplication), new code found from git, coverage
// overall and on new code, the quality stack's and the dependency scan's findings classified
// and rated as SonarQube does (analysis/). The gate then checks its conditions (Sonar way by
// default) against those measures and fails the build when one fails, as Jenkins'
// waitForQualityGate does. With a `sonar` setting on analysis, both also run in SonarQube mode
// (stages/sonar.h): the real scanner, and the server's gate.
#pragma once

#include "engine/stage.h"

namespace pw::stages {

class AnalysisStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

class QualityGateStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

}  // namespace pw::stages
