// image-build (seed stage 11): the repository's Dockerfile built by docker or podman into
// `<image>:<build number>-<short sha>` with the OCI labels that trace an image back to its source
// (source, revision, version, created); the tag goes to artifacts/image_tag.txt, where image-scan
// and image-push find it. SKIPPED with the reason when there is no Dockerfile or no engine.
#pragma once

#include "engine/stage.h"

namespace pw::stages {

class ImageBuildStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

}  // namespace pw::stages
