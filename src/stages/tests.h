// tests (seed stage 5): pytest in the build's environment with coverage of the package folder,
// writing reports/report.xml (JUnit) and reports/coverage.xml (Cobertura), both then read natively
// for the counts, the failing tests (name, message, file:line) and line and branch coverage.
#pragma once

#include "engine/stage.h"

namespace pw::stages {

class TestsStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
};

}  // namespace pw::stages
