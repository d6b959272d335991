// upload (seed stage 14): the build's artifacts and reports to S3 or an S3-compatible store,
// under <prefix>/<project>/<build number>/ with their relative paths, then manifest.json (every
// object's key, size and SHA-256 with the build's number, commit and status) last, then a HEAD
// of every object. A reader who finds the manifest knows the upload is complete. Without
// `s3:` the stage is SKIPPED and the artifacts stay in .pipewright/builds/<N>/artifacts.
// `pipewright upload --build N` runs the same upload_build on an earlier build.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/stage.h"
#include "s3/build_upload.h"

namespace pw::stages {

class UploadStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

}  // namespace pw::stages
