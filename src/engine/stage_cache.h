// The stage result cache: a stage whose inputs have not changed is not run again; its reports,
// artifacts, record and log are restored from an earlier build (Bazel's action cache, Nx and
// Turborepo's task hashes). Being right matters more than skipping: the key covers the tree
// files the stage reads (by git object id), its resolved settings, the environment variables
// it is given (credential values by hash only), the environment's interpreter and installed
// packages, the results of the stages it needs and whatever else its kind declares (the
// advisory database for the scans). Entries are content-addressed, published only when
// complete (a killed run leaves nothing usable), verified on restore, bounded in size, and
// local to the user: nothing is shared, so nothing can be poisoned by another user.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/status.h"
#include "pipeline/model.h"

namespace pw::engine {

struct BuildRecord;
struct StageRecord;

// What a key or a result function may look at.
struct KeyInputs {
  const pipeline::StageSpec& spec;
  const pipeline::Pipeline& pipeline;
  std::filesystem::path workspace;
  std::filesystem::path build_root;
  const StageRecord* record = nullptr;  // for `result`: the stage's finished record
};

// What the engine knows of a stage kind for the cache. Declared next to the kind's
// registration (stages/registry.cpp), so a new built-in stage says it in one place.
struct CachePolicy {
  bool cacheable = false;
  // A kind cached only with some settings (analysis, not in SonarQube mode); none: always.
  std::function<bool(const pipeline::StageSpec&)> applies;
  // False for a stage that reads only what the stages it needs left (the quality-gate): their
  // keys are in its key already.
  bool reads_tree = true;
  // Globs over the tree's paths that the stage reads; none: the whole tree.
  std::function<std::vector<std::string>(const pipeline::StageSpec&, const pipeline::Pipeline&)>
      inputs;
  // What the stage leaves behind, relative to the build folder: "reports/report.xml",
  // "reports/quality/{id}.sarif" ({id} is the stage's id), "workspace/dist/**" (the workspace,
  // wherever it is). Restored from an entry as the stage would have written them.
  std::vector<std::string> outputs;
  // More the key must cover that is no file of the tree (the advisory database's version).
  std::function<std::string(const KeyInputs&)> extra;
  // For a stage never cached: what its result means to the stages after it (setup-python: the
  // environment's interpreter and packages). Default: its record's data, timings left out.
  std::function<std::string(const KeyInputs&)> result;
};

// The committed tree's files and their git object ids; with --in-place the working tree's
// content (staged into a private index, so the user's index is untouched).
class TreeListing {
 public:
  // nullopt when `dir` is not a git work tree.
  static std::optional<TreeListing> read(const std::filesystem::path& dir, bool working_tree);
  // sha-256 over "path oid" of every file matching one of `globs` (all with none), and the
  // matched paths in `matched` when given.
  std::string digest(const std::vector<std::string>& globs,
                     std::vector<std::pair<std::string, std::string>>* matched = nullptr) const;
  const std::string& tree_id() const { return tree_; }

 private:
  std::string tree_;
  std::vector<std::pair<std::string, std::string>> files_;  // sorted by path
};

// The tree globs a stage's key covers: a run: stage's declared inputs, else its kind's (none:
// the whole tree); nullopt when the stage reads no tree file itself (the quality-gate).
std::optional<std::vector<std::string>> input_globs(const pipeline::StageSpec& spec,
                                                    const CachePolicy& policy,
                                                    const pipeline::Pipeline& pipeline);
// Whether the stage may come from the cache at all, and why not.
bool cacheable(const pipeline::StageSpec& spec, const CachePolicy& policy,
               std::string* why_not = nullptr);

class Credentials;
// The stage's own settings, `env:` and credentials (their values by hash only), as a digest.
std::string settings_digest(const pipeline::StageSpec& spec, const Credentials& credentials);

// The environment a stage's tools come from, as a digest: the interpreter's version and every
// distribution installed on its sys.path (dist-info and egg-info names carry the versions).
// Tools upgraded between runs change it. Paths under `workspace` (the build's own venv and
// sources, which move from build to build) count relative to it.
std::string python_environment_digest(const std::filesystem::path& python,
                                      const std::filesystem::path& workspace);

// Environment variables that change what Python tools do, named by prefix, with their values,
// for the keys of built-in stages (a run: stage declares its own in cache.env).
std::vector<std::string> tool_environment();

struct CacheEntry {
  static constexpr int kFormat = 1;
  std::string key;
  std::string stage;
  std::string project;
  int build = 0;
  Status status = Status::success;  // the stage's own result, before blocking settles it
  bool fails_build = false;
  std::string summary;
  nlohmann::json data = nlohmann::json::object();
  int64_t duration_ms = 0;
  std::string build_root;  // the build folder and workspace the entry was made in, so paths
  std::string workspace;   // inside the restored files can be moved to the new build's
  struct File {
    std::string path;  // "reports/...", "artifacts/...", "workspace/..."
    std::string sha256;
    uint64_t size = 0;
    bool text = false;  // paths inside are rewritten on restore
  };
  std::vector<File> files;
  std::string log_sha256;  // the stage's log, also an object
  // The tree files the key covered, so `plan` can name the ones that changed.
  std::vector<std::pair<std::string, std::string>> inputs;
  nlohmann::json components = nlohmann::json::object();  // what the key was made of
  std::chrono::system_clock::time_point created{};
  uint64_t bytes = 0;
};

class StageCache {
 public:
  explicit StageCache(std::filesystem::path root);  // usually cache_home()/"stages"
  static StageCache user_default();
  const std::filesystem::path& root() const { return root_; }

  // The entry of that key when there is a whole one; a damaged entry (truncated, wrong hash,
  // another format) gives nullopt and the reason in `warning`.
  std::optional<CacheEntry> lookup(const std::string& key, std::string& warning) const;
  // Copies the entry's files into the build (verifying every object's hash first, so a damaged
  // object restores nothing) and returns the log text; `data` gets the record's data. Paths of
  // the build the entry was made in become this build's. Throws pw::Error when it cannot.
  std::string restore(const CacheEntry& entry, const std::filesystem::path& build_root,
                      const std::filesystem::path& workspace, nlohmann::json* data = nullptr) const;
  // Publishes an entry made of the files matching `outputs` and the log; objects first, the
  // manifest last by rename, so a killed or failing store leaves no usable entry. Throws
  // pw::Error (a full disk) after removing what it wrote of the manifest.
  // With `since`, only files modified from then on are taken (a run: stage's undeclared outputs).
  void store(CacheEntry entry, const std::vector<std::string>& outputs,
             const std::filesystem::path& build_root, const std::filesystem::path& workspace,
             const std::filesystem::path& log,
             std::optional<std::filesystem::file_time_type> since = std::nullopt) const;

  std::vector<CacheEntry> list() const;
  // Removes entries created before `cutoff` (time_point::max() for all), and the oldest beyond
  // `max_bytes` (0: no bound), then objects no entry names. Returns what was removed.
  std::vector<CacheEntry> prune(std::optional<std::chrono::system_clock::time_point> cutoff,
                                uint64_t max_bytes) const;

 private:
  std::filesystem::path manifest_path(const std::string& key) const;
  std::filesystem::path object_path(const std::string& sha256) const;
  std::filesystem::path root_;
};

// The default bound on the cache's size (prune keeps it under this after every store).
constexpr uint64_t kStageCacheMaxBytes = 2ull << 30;

}  // namespace pw::engine
