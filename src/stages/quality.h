// quality (seed stage 6) as parallel sub-stages with the seed's policy: lint (ruff by default, or
// flake8 or pylint) blocking; format-ruff, format-black, typecheck (mypy), security-lint (bandit)
// and audit (pip-audit) non-blocking. Each runs its tool with machine-readable output, parses it
// natively (reports/tool_outputs.h) and writes reports/quality/<stage>.sarif; every sub-stage
// then merges all of them into reports/quality.sarif, so the file is complete even when the
// blocking lint fails. The `quality` stage itself needs the six and sums their findings.
//
// A configured tool that is not installed (in the build's environment, or on PATH) is named with
// how to add it: a missing blocking tool fails, a missing non-blocking one is SKIPPED with that
// reason and does not make the build UNSTABLE.
#pragma once

#include <string>
#include <vector>

#include "engine/stage.h"

namespace pw::stages {

class QualityToolStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
};

class QualityStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
};

// The sub-stage kinds, in the seed's order.
const std::vector<std::string>& quality_substages();

}  // namespace pw::stages
