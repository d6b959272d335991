// build.json: what a build did, stage by stage. Versioned ("format": 1) so later readers can
// tell old records; the engine rewrites it atomically after every stage, so a reader (or a
// later `run --build N --only STAGE`) always sees a whole document.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/status.h"

namespace pw::exec {
class Masker;
}

namespace pw::engine {

struct StageRecord {
  std::string id;
  Status status = Status::not_built;
  bool blocking = true;
  int64_t duration_ms = 0;
  std::string summary;
  std::string started;  // ISO 8601, "" when it never started
  int attempts = 0;
  std::string log;                                 // relative to the build folder
  nlohmann::json data = nlohmann::json::object();  // the stage's own facts (test counts, ...)
  // The stage cache's word: {"key", "from_build", "from_project", "saved_ms"} when the result
  // was restored, {"key", "stored"} when it was run and kept; null when the cache had no part.
  nlohmann::json cache;
};

struct BuildRecord {
  static constexpr int kFormat = 1;
  int number = 0;
  Status status = Status::running;
  std::string project;
  std::string commit;
  std::string branch;
  std::string started;
  int64_t duration_ms = 0;
  std::string workspace;  // absolute path the stages ran in
  // What started the build, as Jenkins' "Started by ...": a CI engine and its event, or the
  // user at the command line (build_trigger); kept from the build's first run.
  std::string trigger;
  // Why the build ended as it did when it did not succeed: the first blocking stage that failed
  // and its summary, or what went wrong around the stages (a vanished folder, a record that
  // could not be written, an interrupt). "" for SUCCESS.
  std::string reason;
  std::vector<StageRecord> stages;
  // The graph as the build ran it: each stage's effective needs (written with each stage's
  // record, so that a later reader, the dashboard, need not guess it from today's pipeline).
  std::map<std::string, std::vector<std::string>> needs;

  StageRecord* find(const std::string& id);
  // Replaces or appends the record of that stage.
  void put(const StageRecord& r);

  // Every string passes through `masker` (may be null) on its way out.
  nlohmann::json to_json(const exec::Masker* masker) const;
  // Throws pw::Error when the document is not a build record.
  static BuildRecord from_json(const nlohmann::json& j);
};

// The trigger of a build started now, from the environment: "GitHub Actions push by alice",
// "GitLab CI merge_request_event by bob", "Jenkins job #12", "CI", or "user alice".
std::string build_trigger(const std::function<std::string(const char*)>& getenv);

}  // namespace pw::engine
