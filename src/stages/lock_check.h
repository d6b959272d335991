// lock-check (seed stage 4): every requirement in requirements-dev.txt and its includes pinned to
// one exact version, checked natively (python/lock_check.h) in milliseconds. It needs only the
// checkout, so it runs beside setup-python and a failure stops the build before the install is
// paid for.
#pragma once

#include "engine/stage.h"

namespace pw::stages {

class LockCheckStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

}  // namespace pw::stages
