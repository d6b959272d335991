// Runs a build: allocates its folder, schedules the selected stages over threads (at most
// `jobs` at once, each stage's processes in their own group), retries, timeouts, `when`,
// credentials, then `post`, and writes build.json after every stage.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/console.h"
#include "engine/credentials.h"
#include "engine/stage.h"
#include "pipeline/model.h"

namespace pw::engine {

struct BuildRequest {
  std::vector<std::string> targets;  // empty: the whole pipeline
  bool only = false;                 // run the targets without what they need
  int jobs = 2;
  bool keep_going = false;          // start independent stages after a blocking failure
  std::optional<int> build_number;  // run inside an existing (or given) build folder
  Overrides overrides;
  bool unstable_ok = false;
  // Stages whose inputs did not change come from the stage cache (--no-cache turns it off).
  bool stage_cache = true;
};

struct BuildOutcome {
  int number = 0;
  Status status = Status::failure;
  ExitCode exit_code = ExitCode::failure;
  std::filesystem::path dir;
};

class Engine {
 public:
  Engine(std::filesystem::path project_dir, const pipeline::Pipeline& pipeline,
         const StageRegistry& registry, Console& console, const Credentials& credentials);

  // Throws ConfigError (exit 2) for problems found before anything runs.
  BuildOutcome run(const BuildRequest& request);

 private:
  std::filesystem::path project_dir_;
  const pipeline::Pipeline& pipeline_;
  const StageRegistry& registry_;
  Console& console_;
  const Credentials& credentials_;
};

// Whether a stage's `when` holds; `why` says why not. Pure: the caller gives the branch and
// the changed paths (nullopt: unknown, which counts as "everything changed").
bool when_holds(const pipeline::When& when, const std::string& branch,
                const std::optional<std::vector<std::string>>& changed, std::string& why);

}  // namespace pw::engine
