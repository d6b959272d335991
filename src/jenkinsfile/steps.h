// The step interpreter behind `pipewright run --jenkinsfile`: a Jenkins stage's steps (sh,
// withCredentials, catchError, junit, ...) with Jenkins' semantics, its when, environment, agent
// (docker/dockerfile in podman or docker) and post; also the pipeline-level post.
//
// This layer sits below the engine and the stages, so what it needs of the build it runs in
// (the log, processes, credentials, the built-in stages that do the plugin steps' work) comes
// through `StepHost`, which stages/jenkins_steps implements over the engine's StageContext. The
// interpreter itself starts no process: every one goes through the host, which logs, masks and
// bounds it as any stage's.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exec/process.h"
#include "jenkinsfile/declarative.h"
#include "jenkinsfile/translate.h"
#include "reports/junit.h"

namespace pw::jenkinsfile {

// A Jenkins result; results only get worse (SUCCESS < UNSTABLE < FAILURE), as in Jenkins.
enum class Result { success, unstable, failure };
std::string to_string(Result r);  // "SUCCESS", "UNSTABLE", "FAILURE"

// A built-in stage's outcome after doing a plugin step's work (dependencyCheck,
// waitForQualityGate, sonar-scanner inside withSonarQubeEnv, checkout scm).
struct BuiltinOutcome {
  Result result = Result::success;  // its failure or unstable; any other status counts as success
  std::string status;               // its status as the log names it (SUCCESS, SKIPPED, ...)
  std::string summary;
  bool fails_build = false;
};

// What stays the same while a stage runs.
struct BuildFacts {
  int number = 0;
  std::string job;                                 // the project's name
  std::string stage_name;                          // STAGE_NAME
  std::filesystem::path root, artifacts, reports;  // the build folder and two of its folders
  std::filesystem::path credentials_file;          // named when a credential is missing
  bool in_place = false;                           // --in-place: the workspace is the project
};

using EnvList = std::vector<std::pair<std::string, std::string>>;

class StepHost {
 public:
  virtual ~StepHost() = default;
  // The source (a `checkout scm` may set it while the stage runs).
  virtual std::filesystem::path workspace() = 0;
  virtual std::string commit() = 0;
  virtual std::string branch() = 0;
  // The files changed since the previous build's commit; nullopt when there is none.
  virtual std::optional<std::vector<std::string>> changed_files() = 0;
  // The build's status so far by name (SUCCESS, UNSTABLE, FAILURE, ABORTED, ...).
  virtual std::string status_so_far() = 0;
  virtual bool aborted() = 0;
  virtual void log(const std::string& line) = 0;
  virtual void warn(const std::string& line) = 0;
  // Credentials: field "" is a credential's single value.
  virtual bool has_credential(const std::string& id) = 0;
  virtual std::string credential_field(const std::string& id, const std::string& field) = 0;
  // A program run as a stage's (its command logged).
  virtual exec::ProcessResult run(const std::vector<std::string>& argv) = 0;
  // An sh step's script: its command not logged, `env` added, stdout captured into `out` when
  // given.
  virtual exec::ProcessResult run_script(const std::vector<std::string>& argv,
                                         const std::filesystem::path& cwd, const EnvList& env,
                                         std::string* out) = 0;
  // The last lines the stage's programs printed (for a failure's reason); none by default.
  virtual std::vector<std::string> output_tail() { return {}; }
  // The container engine for a docker or dockerfile agent: its path, or nullopt and `why`.
  virtual std::optional<std::string> container_engine(std::string& why) = 0;
  // The built-in stage of that kind ("checkout", "dependency-scan", "analysis",
  // "quality-gate") run in this stage's context.
  virtual BuiltinOutcome run_builtin(const std::string& kind) = 0;
  // The totals of the reports a junit step read, for the stage's record.
  virtual void record_tests(const reports::TestTotals& totals) = 0;
  // Asks a person at the terminal (the input step) and returns the line typed; nullopt when
  // there is no terminal, the build was aborted or `deadline` passed while waiting.
  virtual std::optional<std::string> ask(const std::string&,
                                         std::optional<std::chrono::steady_clock::time_point>) {
    return std::nullopt;
  }
  virtual bool can_ask() { return false; }
};

struct RunOutcome {
  enum class Kind { success, unstable, failure, skipped, aborted };
  Kind kind = Kind::success;
  std::string summary;
  bool fails_build = false;
};

// The post conditions that hold for a result (stages/post's rule, against the previous build).
using PostConditions = std::function<std::vector<std::string>(Result current)>;

// Runs the stage at `path` ("0.2.1", see parse_path) of `jp`: its parents' and its environment,
// when, agent, steps and post.
RunOutcome run_stage(StepHost& host, const BuildFacts& facts, const Pipeline& jp,
                     const RunSettings& settings, const std::string& path,
                     const PostConditions& post_conditions);

// Runs the post block of the stage at `path`, one with nested or parallel stages (a stage with
// steps runs its post in run_stage), for the conditions that hold for what its stages ended as.
RunOutcome run_stage_post(StepHost& host, const BuildFacts& facts, const Pipeline& jp,
                          const RunSettings& settings, const std::string& path,
                          const std::vector<std::string>& conditions);

// Runs the pipeline's post blocks whose conditions are `conditions`.
RunOutcome run_pipeline_post(StepHost& host, const BuildFacts& facts, const Pipeline& jp,
                             const RunSettings& settings,
                             const std::vector<std::string>& conditions);

}  // namespace pw::jenkinsfile
