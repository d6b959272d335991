// package (seed stage 10): `python -m build` makes the wheel and the sdist in dist/, then both are
// checked natively (python/distribution.h) before anything may publish them. The files reach the
// build's artifacts through post's archive (dist/* with SHA256SUMS), the one place that copies
// files there; this stage records their sha256 in build.json so the two can be compared.
#pragma once

#include "engine/stage.h"

namespace pw::stages {

class PackageStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
};

}  // namespace pw::stages
