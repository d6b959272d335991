// checkout (seed stage 1): the project's committed state, as CI would see it, cloned into the
// build's workspace; or any git URL (--repo/--ref); or the working tree as it is (--in-place).
#pragma once

#include "engine/stage.h"

namespace pw::stages {

class CheckoutStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
};

}  // namespace pw::stages
