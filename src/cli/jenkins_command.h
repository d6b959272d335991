// `pipewright run --jenkinsfile`, `plan --jenkinsfile` and `import jenkinsfile`: a declarative
// Jenkinsfile read natively (jenkinsfile/) and run, shown or written as pipewright.yaml.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pipeline/model.h"

namespace pw::cli {

struct JenkinsfileArgs {
  std::string file;                 // as given; "" -> <project>/Jenkinsfile
  std::vector<std::string> params;  // -p NAME=VALUE
  bool skip_unsupported = false;
};

// The run pipeline of a Jenkinsfile, checked before anything runs: syntax and the validator's
// cases, steps with no local meaning (unless skipped), parameters, credential ids missing from
// the credentials file. Throws ConfigError (exit 2) with file:line:col.
// *fail_fast, when given, says whether a failure stops the stages running beside it
// (jenkinsfile::fails_fast); otherwise the build keeps going, as Jenkins' parallel does.
pipeline::Pipeline load_jenkinsfile(const std::filesystem::path& project_dir,
                                    const JenkinsfileArgs& args, bool* fail_fast = nullptr);

int cmd_plan_jenkinsfile(const std::filesystem::path& project_dir, const JenkinsfileArgs& args,
                         bool model);

int cmd_import_jenkinsfile(const std::filesystem::path& project_dir, const JenkinsfileArgs& args,
                           const std::string& output, bool force);

// One line for a plain `pipewright run` when a hand-written Jenkinsfile sits in the project.
std::string jenkinsfile_hint(const std::filesystem::path& project_dir);

}  // namespace pw::cli
