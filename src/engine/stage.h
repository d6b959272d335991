// The contract between the engine and a stage. A stage gets a StageContext: its settings, the
// build's folders, and a way to run programs whose output is logged, masked, shown and bounded
// by the stage's deadline. It returns a status and a one-line summary; exceptions are turned
// into FAILURE by the engine. New built-in stages implement Stage and register a factory.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/build_record.h"
#include "engine/build_store.h"
#include "engine/credentials.h"
#include "engine/stage_cache.h"
#include "engine/status.h"
#include "exec/cancel.h"
#include "exec/process.h"
#include "pipeline/model.h"
#include "pipeline/settings.h"
#include "util/error.h"

namespace pw::exec {
class Masker;
}

namespace pw::engine {

class Console;
class StageOutput;

// Command-line choices that stages read (checkout's source, for example).
struct Overrides {
  std::string repo;  // --repo URL
  std::string ref;   // --ref REF
  bool in_place = false;
};

// What all stages of one build share. Guarded by its mutex where stages write.
struct BuildContext {
  std::filesystem::path project_dir;
  const pipeline::Pipeline* pipeline = nullptr;
  BuildPaths paths;
  Overrides overrides;
  const Credentials* credentials = nullptr;
  std::shared_ptr<const exec::Masker> masker;
  Console* console = nullptr;
  std::optional<BuildRecord> previous;

  mutable std::mutex mu;
  BuildRecord record;  // commit, branch, workspace, stage records so far
};

struct StageOutcome {
  Status status = Status::success;
  std::string summary;
  // A failure the team's own policy says fails the build even in a non-blocking stage (the
  // dependency scan's fail_on, like Jenkins' dependency-check failedTotal thresholds).
  bool fails_build = false;

  static StageOutcome ok(std::string s = {}) { return {Status::success, std::move(s)}; }
  static StageOutcome failed(std::string s) { return {Status::failure, std::move(s)}; }
  static StageOutcome skipped(std::string s) { return {Status::skipped, std::move(s)}; }
  static StageOutcome unstable(std::string s) { return {Status::unstable, std::move(s)}; }
};

struct RunOptions {
  std::filesystem::path cwd;                             // empty: the workspace
  std::vector<std::pair<std::string, std::string>> env;  // extra variables for this call
  std::optional<std::string> stdin_data;
  bool log_command = true;  // write "$ argv" to the log
};

class StageContext {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // How a stage is stopped: its deadline, and a token cancelled to abort it (an interrupt, or
  // fail-fast after another stage's blocking failure).
  struct Control {
    std::optional<TimePoint> deadline;
    const exec::CancelToken* cancel = nullptr;
  };

  StageContext(BuildContext& build, const pipeline::StageSpec& spec, StageOutput& output,
               Control control, nlohmann::json& data);

  const pipeline::StageSpec& spec() const { return spec_; }
  // The stage's settings typed by the table (pipeline/builtins.cpp), checked before the build.
  const pipeline::StageSettings& settings() const;
  const pipeline::Pipeline& pipeline() const { return *build_.pipeline; }
  const BuildPaths& paths() const { return build_.paths; }
  const std::filesystem::path& project_dir() const { return build_.project_dir; }
  const Overrides& overrides() const { return build_.overrides; }
  const Credentials& credentials() const { return *build_.credentials; }
  const std::optional<BuildRecord>& previous() const { return build_.previous; }
  const exec::Masker& masker() const { return *build_.masker; }

  // Where stages work: the checkout's workspace, or the project itself with --in-place.
  std::filesystem::path workspace() const;
  std::string commit() const;
  std::string branch() const;
  // Checkout records what it checked out.
  void set_source(const std::string& commit, const std::string& branch,
                  const std::filesystem::path& workspace);
  // What an earlier stage of this build recorded under its data (empty when it did not run).
  nlohmann::json stage_data(const std::string& stage_id) const;
  // The build's status from the stages finished so far (what `post` conditions look at); with
  // `only`, from those stages alone.
  Status status_so_far(const std::vector<std::string>& only = {}) const;

  // Runs a program in the stage's environment. Its output goes to the stage's log (masked),
  // to the console with --verbose, and to the tail shown when the stage fails.
  exec::ProcessResult run(const std::vector<std::string>& argv, const RunOptions& opts = {});
  // The same, but stdout is captured (masked) into `out` instead of the console; stderr is
  // logged as usual. For tools whose stdout is a machine-readable report.
  // With `err`, stderr is captured (masked) there too, and still logged.
  exec::ProcessResult capture(const std::vector<std::string>& argv, std::string& out,
                              const RunOptions& opts = {}, std::string* err = nullptr);
  // A line of pipewright's own in the stage's log (and on the console with --verbose).
  void log(const std::string& line);
  // Shown on the console whatever the verbosity (use sparingly: warnings a user must see).
  void warn(const std::string& line);
  // A stage's answer that belongs on the console whatever the verbosity (the gate's table).
  void show(const std::string& text);
  // Asks a person at pipewright's terminal; the question goes to the log too, the answer not.
  // nullopt: no terminal, or the build was aborted while waiting.
  // The wait ends at should_stop() or `deadline` (a timeout step around the input).
  std::optional<std::string> ask(const std::string& question,
                                 std::optional<TimePoint> deadline = std::nullopt);

  // The last lines of output so far (masked, printable), for a failure's summary.
  std::vector<std::string> output_tail() const;

  // The stage's environment: pipewright's, the build's variables, `env:` and credentials.
  std::vector<std::string> environment() const;
  bool aborted() const;
  // The stage's deadline (its `timeout`), if it has one.
  std::optional<TimePoint> deadline() const { return control_.deadline; }
  // aborted(), or the deadline has passed. The deadline kills the stage's processes by itself;
  // a stage's own loops (uploads, scans, polling, health checks) check this between steps so
  // they end within their timeout too.
  bool should_stop() const;
  // Facts for build.json (test counts, coverage, ...), under stages[].data.
  nlohmann::json& data() { return data_; }

 private:
  exec::ProcessResult spawn(const std::vector<std::string>& argv, const RunOptions& opts,
                            std::string* capture_out, std::string* capture_err);

  BuildContext& build_;
  const pipeline::StageSpec& spec_;
  StageOutput& output_;
  Control control_;
  nlohmann::json& data_;
  mutable std::optional<pipeline::StageSettings> settings_;
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual StageOutcome run(StageContext& ctx) = 0;
};

// Built-in stage kinds: how to make one, and how to check its settings before the build starts
// (so a bad setting is exit code 2 with file and line, not a failure ten minutes in).
class StageRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Stage>(const pipeline::StageSpec&)>;
  using Validator = std::function<void(const pipeline::StageSpec&, const pipeline::Pipeline&,
                                       std::vector<Diagnostic>&)>;

  // `cache` says whether and how the kind's results may come from the stage cache.
  void add(const std::string& kind, Factory factory, Validator validator = {},
           CachePolicy cache = {});
  std::unique_ptr<Stage> create(const pipeline::StageSpec& spec) const;
  void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& pipeline,
                std::vector<Diagnostic>& diags) const;
  bool has(const std::string& kind) const { return entries_.count(kind) > 0; }
  // The kind's cache policy; a kind without one is never cached.
  const CachePolicy& cache_policy(const std::string& kind) const;

 private:
  struct Entry {
    Factory factory;
    Validator validator;
    CachePolicy cache;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace pw::engine
