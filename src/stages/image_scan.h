// image-scan (seed stage 12, in place of `trivy image`): the image image-build made this build,
// saved with the engine's `save` and read natively by image/ (layers, whiteouts, dpkg status,
// Python metadata), its Debian packages matched against the local OSV database's
// `Debian:<release>` records with dpkg's order and its Python ones against PyPI's. The report is
// artifacts/trivy-image-report.json in Trivy's schema; with `trivy: true` (or `auto`) and Trivy
// installed, Trivy's own report is taken and pipewright's findings merged into it. Non-blocking
// by default; `fail_on` as in dependency-scan. SKIPPED with the reason when no image was built,
// no engine or no advisory database is there.
#pragma once

#include <vector>

#include "engine/stage.h"

namespace pw::stages {

class ImageScanStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
};

}  // namespace pw::stages
