// `pipewright deploy [--build N] [--target NAME]`: the deploy stage outside a pipeline run, in
// build N's folder (the newest build that pushed an image by default), so redeploying an older
// build is a roll back with the same checks. `pipewright deploy --status` asks each target over
// SSH which build its container runs (from the labels the stage set).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/model.h"

namespace pw::cli {

struct DeployArgs {
  int build = 0;                     // 0: the newest build with a pushed image
  std::vector<std::string> targets;  // empty: every configured target
  bool status = false;
  bool verbose = false;
};

// `pipeline` is the loaded pipeline of the project in `dir`; the command narrows its deploy
// targets to --target before running the stage.
int cmd_deploy(const std::filesystem::path& dir, pipeline::Pipeline pipeline,
               const DeployArgs& args);

}  // namespace pw::cli
