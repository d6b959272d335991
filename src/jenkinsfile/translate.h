// The Declarative model turned into what pipewright runs and writes: the run pipeline (one
// pipewright stage per Jenkins stage with steps, named as in the Jenkinsfile, ordered by needs
// the way Jenkins orders them), the table of steps with a local meaning, and the
// pipewright.yaml that `pipewright import jenkinsfile` writes.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "jenkinsfile/declarative.h"
#include "pipeline/model.h"
#include "util/error.h"

namespace pw::jenkinsfile {

// What pipewright knows of a step: which plugin it comes from, whether it runs here, and the
// nearest local equivalent when it does not.
struct StepInfo {
  std::string name;
  std::string plugin;
  bool supported = false;
  std::string builtin;  // the pipewright stage doing the work ("" when the step itself does it)
  std::string nearest;  // for unsupported steps: what to use instead
};
StepInfo step_info(const std::string& name);

// Every step with no local meaning (unknown plugins, input without a terminal, Groovy inside
// script { }), each at its line and column, naming step, plugin and nearest local equivalent.
std::vector<Diagnostic> unsupported_steps(const Pipeline& p, bool have_terminal = false);

// Every credential id the Jenkinsfile uses (environment credentials() and withCredentials),
// with where it is used.
std::vector<std::pair<std::string, Pos>> credential_ids(const Pipeline& p);

// Whether a failure anywhere stops the stages running beside it: `failFast true` on a parallel or
// matrix, or `options { parallelsAlwaysFailFast() }`. Jenkins' default is false: the other
// branches of a parallel run to their end, and only the stages after it are skipped.
bool fails_fast(const Pipeline& p);

struct RunSettings {
  std::map<std::string, std::string> params;  // -p NAME=VALUE over the parameters' defaults
  bool skip_unsupported = false;
};

// The stages pipewright runs. Each spec's kind is "jenkins" (steps interpreted by the stage
// runner) or "checkout" for Jenkins' implicit checkout; the pipeline-level post is the `post`
// stage with a `jenkinsfile` setting. Settings carry the file and the stage's index path.
pipeline::Pipeline to_run_pipeline(const Pipeline& jp, const std::string& path,
                                   const RunSettings& settings);

// Steps script { } may call for their value (`def v = sh(script: ..., returnStdout: true)`):
// sh, readFile, fileExists, pwd, isUnix.
bool is_value_step(const std::string& name);

// The built-in stages a Jenkins stage's steps map to (for `plan --jenkinsfile`).
std::vector<std::string> builtins_of(const Stage& s);

// "0.2.1" <-> {0, 2, 1}; parse_path reads "0.2/post" (that stage's post block) as {0, 2} and
// anything that is not such a path as {}, which names no stage.
std::string path_string(const std::vector<int>& path);
std::vector<int> parse_path(const std::string& s);

// The Jenkinsfile read once per process: the CLI reads it, stage runners find it again here.
std::shared_ptr<const Pipeline> load_cached(const std::string& path);

// `pipewright import jenkinsfile`: a pipewright.yaml equivalent. Built-in stages where a stage is
// recognisably one, run: stages otherwise, comments where something did not carry over.
std::string to_pipewright_yaml(const Pipeline& jp, const std::string& source_name);

}  // namespace pw::jenkinsfile
