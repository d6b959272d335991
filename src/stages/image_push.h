// image-push (seed stage 13): logs in to the registry with a credential through the engine's
// --password-stdin (never argv), tags the image image-build made for the registry, pushes it,
// and then asks the registry itself (net/registry_api.h) which digest it serves for that tag.
// Writes artifacts/dockerhub_image.txt (the pushed reference, one line) and
// artifacts/image_digest.txt (sha256:<hex>, one line), which deploy reads. SKIPPED with the
// reason when no registry credential is configured or there is no image.
#pragma once

#include "engine/stage.h"

namespace pw::stages {

class ImagePushStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

// How a failed login or push reads: a network problem worth retrying, or a refusal that retrying
// cannot fix (wrong credentials, no permission). Exposed for tests.
enum class PushProblem { network, auth, other };
PushProblem classify_push_output(const std::string& output);

}  // namespace pw::stages
