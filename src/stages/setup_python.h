// setup-python (seed stage 3): the build's virtual environment with requirements-dev.txt and the
// project installed, reusing a cached environment when nothing that decides its content changed.
//
// Layout: the cached entry (VenvCache) holds the dependencies. The build gets <workspace>/.venv,
// a venv without pip whose site-packages has a .pth that adds the cached site-packages (with
// site.addsitedir, so the entry's own .pth files work). The project is then installed with
// `.venv/bin/python -m pip install -e .` (pip comes from the cache); pip installs into the
// build's venv only, and will not uninstall what lies outside it, so the cache stays untouched.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engine/stage.h"

namespace pw::stages {

class SetupPythonStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

// The build's interpreter, for the stages after setup-python.
std::filesystem::path venv_python(const std::filesystem::path& workspace);

// The interpreter named by the pipeline (setup-python's `python`, else project.python).
std::string configured_python(const pipeline::Pipeline& p);

}  // namespace pw::stages
