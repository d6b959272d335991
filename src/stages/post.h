// post (seed stage 15): always runs last, whatever happened. Runs the command lists whose
// condition holds, in Jenkins' order: always, changed, fixed, regression, aborted, failure,
// success, unstable, unsuccessful, cleanup. changed/fixed/regression compare with the previous
// finished build; with no previous build, `changed` holds (the status is new) and the other two
// do not.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/stage.h"
#include "exec/masker.h"

namespace pw::stages {

class PostStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
};

struct ArchiveResult {
  std::vector<std::string> files;  // relative to artifacts/, sorted
};

// Copies into `artifacts` the workspace files matching `globs` (dist/* by default) and every
// report (under reports/), then writes SHA256SUMS (sha256sum's format) over all of artifacts/.
ArchiveResult archive_build(const std::filesystem::path& workspace,
                            const std::filesystem::path& reports,
                            const std::filesystem::path& artifacts,
                            const std::vector<std::string>& globs, const exec::Masker* masker);

// The conditions that hold for a build's status against the previous build's, in run order.
std::vector<std::string> post_conditions(engine::Status current,
                                         std::optional<engine::Status> previous);

}  // namespace pw::stages
