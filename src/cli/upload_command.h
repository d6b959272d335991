// `pipewright upload --build N`: uploads an earlier build's artifacts again, with the upload
// stage's settings and the same manifest-last and HEAD-verified rules. Idempotent: objects
// already in the store with the same SHA-256 are skipped, so re-running after a failure sends
// only what is missing.
#pragma once

#include <filesystem>

#include "pipeline/model.h"

namespace pw::cli {

// Exit 0 when the upload is complete and verified, 1 when it is not, 2 (ConfigError) when the
// build does not exist or the upload stage has no s3 settings.
int cmd_upload(const std::filesystem::path& project_dir, const pipeline::Pipeline& pipeline,
               int build_number);

}  // namespace pw::cli
