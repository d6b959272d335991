// The step interpreter's insides, shared by its files (not for use outside this layer; steps.h is
// its interface). A step that fails throws StepError up to the nearest catchError/warnError/retry
// or the stage, as a Jenkins step's exception does; results only get worse.
//
//   interpreter.cpp  the stage and post runs, step dispatch, unsupported steps, plugin steps,
//                    script { }'s variables, env.X = and if / else
//   expressions.cpp  Groovy values and expressions, when conditions
//   bindings.cpp     the environment: Jenkins' variables, environment { }, env.X of earlier
//                    stages, credentials
//   shell_step.cpp   sh (on the host or in the agent's container), steps called for their
//                    value (sh's output or status, readFile, fileExists), the agent's image
//   file_steps.cpp   stash, unstash, archiveArtifacts, junit
//   input_step.cpp   input, the step and the stage directive, asked at the terminal
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jenkinsfile/steps.h"

namespace pw::jenkinsfile {

namespace jf = pw::jenkinsfile;
namespace fs = std::filesystem;

using Clock = std::chrono::steady_clock;

struct StepError {
  std::string message;
};

struct Val {
  enum T { null, str, boolean, number } t = null;
  std::string s;
  bool b = false;
  double n = 0;
  static Val of(std::string v) { return {str, std::move(v), false, 0}; }
  static Val of_bool(bool v) { return {boolean, {}, v, 0}; }
  std::string text() const {
    switch (t) {
      case null:
        return "null";
      case str:
        return s;
      case boolean:
        return b ? "true" : "false";
      case number: {
        if (n == static_cast<long long>(n)) return std::to_string(static_cast<long long>(n));
        return std::to_string(n);
      }
    }
    return {};
  }
  bool truthy() const {  // Groovy truth
    switch (t) {
      case null:
        return false;
      case str:
        return !s.empty();
      case boolean:
        return b;
      case number:
        return n != 0;
    }
    return false;
  }
};

Result worse(Result a, Result b);
Result result_named(const std::string& s, Result dflt);

struct Scope {
  std::map<std::string, std::string> env;  // everything sh sees beyond pipewright's own
  std::vector<std::string> names;          // env names Jenkins defined (passed to containers)
  // script { } variables (`def x = ...`, `x = ...`): one set per stage, shared by the scopes a
  // dir/withEnv block copies, as Groovy's script binding is.
  std::shared_ptr<std::map<std::string, Val>> vars = std::make_shared<std::map<std::string, Val>>();
  fs::path cwd;
  std::optional<Clock::time_point> deadline;
  void set(const std::string& k, const std::string& v) {
    env[k] = v;
    if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
  }
};

class Interp {
 public:
  Interp(StepHost& host, const BuildFacts& facts, const Pipeline& jp, const RunSettings& settings);
  ~Interp();

  // bindings.cpp
  Scope base_scope();
  // environment { } entries, in order, each seeing the ones before.
  void apply_env(const std::vector<EnvEntry>& entries, Scope& sc);

  // expressions.cpp
  [[noreturn]] void fail_at(const Pos& p, const std::string& msg);
  Val eval(const NodePtr& n, const Scope& sc);
  bool holds(const WhenCondition& c, const Scope& sc, std::string& why);

  // interpreter.cpp
  void block(const NodePtr& closure, Scope& sc);
  // script { } Groovy beyond step calls: `def x = v`, `x = v`, `x += v`, `env.X = v`,
  // if / else if / else. False when `st` is none of them.
  bool script_statement(const NodePtr& st, Scope& sc);
  void post(const Post& p, const std::vector<std::string>& conds, Scope& sc);

  // input_step.cpp: the stage's input directive (before or after its when)
  void stage_input(const NodePtr& directive, Scope& sc);

  // shell_step.cpp
  // The stage's effective agent: the nearest one set on it or its parents, else the pipeline's.
  void prepare_agent(const Agent& agent);

 private:
  // expressions.cpp
  Val lookup(const std::string& name, const Pos& pos, const Scope& sc);
  Val typed_param(const std::string& name, const std::string& v);
  Val method(const Node& n, const Val& on, const Scope& sc);
  Val binary(const Node& n, const Scope& sc);
  bool match(const std::string& pattern, const std::string& comparator, const std::string& text,
             bool ci);

  // bindings.cpp
  std::string cred_file(const std::string& content, const std::string& name);
  std::string field(const std::string& id, std::initializer_list<const char*> names);
  void need_credential(const std::string& id, const Pos& pos);
  void bind_environment_credential(const EnvEntry& e, Scope& sc);
  void with_credentials(const Node& n, Scope sc);

  // interpreter.cpp
  NodePtr arg_node(const Node& n, const char* name, size_t pos = 0);
  std::string arg_str(const Node& n, const char* name, const Scope& sc, size_t pos = 0);
  bool arg_bool(const Node& n, const char* name, const Scope& sc, bool dflt);
  void check_abort();
  bool skipped_as_unsupported(const NodePtr& st, const std::string& name);
  void step(const NodePtr& st, Scope& sc);
  void builtin(const std::string& what);

  // shell_step.cpp. `status_out`, when given, gets the exit code (returnStatus).
  void sh(const Node& n, const Scope& sc, std::string* stdout_out, int* status_out = nullptr);
  // A step called for its value in an expression: sh (returnStdout / returnStatus), readFile,
  // fileExists, pwd, isUnix.
  Val step_value(const Node& n, const Scope& sc);

  // bindings.cpp: `env.X = v` in script { } sets X for the rest of the build, as Jenkins' global
  // env does: kept in the build folder, so later stages (and parallel ones that start after)
  // see it.
  void set_build_env(const std::string& name, const std::string& value);
  std::map<std::string, std::string> build_env();
  // A scripted pipeline's variables live for the whole build (its top-level `def x` is seen by
  // every later stage): kept in the build folder beside env.X's. A no-op for declarative.
  void set_build_var(const std::string& name, const Val& value);
  std::map<std::string, Val> build_vars();
  std::map<std::string, Val> read_build_vars();  // under build_env's lock

  // try { } catch (e) { } finally { } in steps: the error caught by name, for `throw e`.
  void try_statement(const Node& n, Scope& sc);
  std::map<std::string, StepError> caught_errors_;

  // input_step.cpp
  void input(const Node& n, Scope& sc, bool directive);

  // file_steps.cpp
  std::vector<fs::path> glob_files(const fs::path& base, const std::string& includes,
                                   const std::string& excludes);
  void stash(const Node& n, const Scope& sc);
  void unstash(const Node& n, const Scope& sc);
  void archive(const Node& n, const Scope& sc);
  void junit(const Node& n, const Scope& sc);

  StepHost& host_;
  const BuildFacts& facts_;
  const Pipeline& jp_;
  std::map<std::string, std::string> params_;
  std::map<std::string, std::string> param_types_;
  bool skip_unsupported_ = false;

 public:
  Result result_ = Result::success;  // the stage's result
  Result build_ = Result::success;   // what it does to the build's result
  std::vector<std::string> caught_;
  std::vector<std::string> post_run_;  // the post conditions whose blocks ran, in order
  std::string tests_summary_, builtin_summary_;
  size_t archived_ = 0;
  int skipped_ = 0, run_ = 0;
  bool fails_build_ = false;
  bool rejected_ = false;  // an input answered with abort: the stage and build are ABORTED
  std::string image_, engine_path_, agent_args_;
  bool in_sonar_ = false;
  int scripts_ = 0, secret_files_ = 0;
  std::vector<fs::path> secret_paths_;
};

}  // namespace pw::jenkinsfile
