// The pipeline as the loader resolved it: the built-in default with the project's
// pipewright.yaml laid over it. Plain data; the engine runs it, `plan` prints it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/duration.h"

namespace pw::pipeline {

// Where a value came from, so errors found later (by a stage validating its settings) can
// still name the file and line.
struct Location {
  std::string file;  // "<built-in>" for the compiled-in default
  int line = 0;      // 1-based
  int col = 0;
};

struct When {
  std::string branch;                // glob over the branch name; empty: any
  std::vector<std::string> changes;  // globs over paths changed since the previous build
  bool empty() const { return branch.empty() && changes.empty(); }
};

// The stage result cache's settings of one stage (`cache:`): `cache: false` turns it off; a
// run: stage is cached only when it says what it reads (`cache: {inputs: [globs], env: [NAMES]}`),
// since pipewright cannot know what a command reads.
struct CacheSpec {
  bool enabled = true;
  std::vector<std::string> inputs;  // globs over the tree's paths
  std::vector<std::string> env;     // environment variables whose values change the result
  // What it leaves, relative to the build folder ("reports/x.xml"); none: the files of
  // reports/ and artifacts/ it wrote while it ran.
  std::vector<std::string> outputs;
  bool declared() const { return !inputs.empty(); }
};

// A built-in stage's own setting, kept as YAML so each stage reads the types it wants.
struct Setting {
  std::string key;
  YAML::Node value;
  Location where;
};

struct StageSpec {
  std::string id;
  std::string kind;  // "run" for a shell command, else the built-in's name (its id)
  std::string description;
  std::string run;
  std::vector<std::string> needs;  // as written; implicit needs are added by the DAG
  bool blocking = true;
  std::optional<Millis> timeout;  // nullopt: no timeout
  int retry = 0;                  // extra attempts after a failure
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> credentials;
  bool enabled = true;
  // When this stage fails, stop the stages running beside it (Jenkins' failFast). Unset: the
  // pipeline's fail_fast. Either way nothing new starts after a blocking failure.
  std::optional<bool> fail_fast;
  // Runs once its needs have finished, whatever they ended as, even after a fail-fast stop;
  // only an abort stops it. Set for a Jenkinsfile stage's post block (not a pipewright.yaml key).
  bool always = false;
  When when;
  CacheSpec cache;
  std::vector<Setting> settings;
  Location where;

  const Setting* setting(const std::string& key) const;
  bool is_post() const { return kind == "post"; }
};

// Project-wide facts several stages share. package, tests and requirements are what
// pipewright.yaml says ("" when it says nothing: the project model detects them, see
// src/project); each may name several, comma-separated.
struct ProjectSpec {
  std::string name;  // empty: the project folder's name
  std::string package;
  std::string tests;
  std::string requirements;
  std::string python = "python3";

  // "a, b" -> {"a", "b"}; "" -> {}.
  static std::vector<std::string> list(const std::string& value);
};

// How `pipewright export` writes other CI engines' files (the `export:` section).
struct ExportSpec {
  std::string setup;  // a shell command run first in every job (installs pipewright); "" none
  std::string image;  // a container image for the jobs; "" runs on the agents as they are
  // The jobs pass --cache: a CI job (`run --build N`) runs without the stage cache unless the
  // team says its agents keep ~/.cache/pipewright between jobs of one project.
  bool cache = false;
  // Credential id -> its fields ([] for a single value), so each engine binds the right kind.
  std::vector<std::pair<std::string, std::vector<std::string>>> credentials;
  Location where;
};

// The environment variable a credential's field travels in ("" field: a single value):
// ID_FIELD upper-cased, every other non-alphanumeric byte '_'. The engine reads these
// (engine::Credentials::env_name) and `pipewright export` binds them, so both use this one rule.
std::string credential_env_name(const std::string& id, const std::string& field);

struct Pipeline {
  ProjectSpec project;
  bool fail_fast = false;  // see StageSpec::fail_fast
  ExportSpec exports;
  std::vector<StageSpec> stages;  // declaration order: the default's, then the project's new ones
  std::string config_file;        // the pipewright.yaml read, "" when none

  const StageSpec* find(const std::string& id) const;
  StageSpec* find(const std::string& id);
};

}  // namespace pw::pipeline
