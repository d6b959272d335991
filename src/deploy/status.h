// What runs on a target now, read from the host over SSH (inspect_script): what
// `pipewright deploy --status` shows for each target.
#pragma once

#include <string>

#include "deploy/config.h"

namespace pw::deploy {

struct TargetStatus {
  bool unreachable = false;  // ssh or the engine failed: `image` says why
  std::string state;         // running, exited, ..., absent, unreachable, unknown
  std::string build;         // "#12", "not by pipewright", "-"
  std::string image;         // the image (and when it was deployed), or why there is none
};

// One ssh session of at most 60 seconds. A target without `container:` is "unknown": the
// stage names its container after the image, which only a build knows.
TargetStatus target_status(const DeployTarget& t);

}  // namespace pw::deploy
