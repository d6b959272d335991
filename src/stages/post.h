// post (seed stage 15): always runs last, whatever happened. Runs the command lists whose
// condition holds, in Jenkins' order: always, changed, fixed, regression, aborted, failure,
// success, unstable, unsuccessful, cleanup. changed/fixed/regression compare with the previous
// finished build; with no previous build, `changed` holds (the status is new) and the other two
// do not.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/stage.h"

namespace pw::stages {

class PostStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

// The conditions that hold for a build's status against the previous build's, in run order.
std::vector<std::string> post_conditions(engine::Status current,
                                         std::optional<engine::Status> previous);

}  // namespace pw::stages
