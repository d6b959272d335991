// The rollout: the pushed image put on each target host over SSH, one host after another, kept
// only when its health check passes. The container that ran before is kept stopped under
// another name until the rollout stands, so a failed check brings it back with exactly its old
// settings; hosts already switched are rolled back too unless `rollback: false`.
//
// The rollout reaches hosts and its reader only through `Io`, so the deploy stage wires it to
// its StageContext (ssh logged, masked and bounded by the stage's deadline) and unit tests to
// scripted hosts.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "deploy/config.h"
#include "deploy/health.h"
#include "deploy/remote.h"
#include "exec/process.h"
#include "util/duration.h"

namespace pw::deploy {

class Io {
 public:
  virtual ~Io() = default;
  // Runs `argv` with `stdin_data` on its stdin (secrets travel there, never in argv): stdout
  // into `out`, stderr into `err`. The rollout logs what it runs itself.
  virtual exec::ProcessResult run(const std::vector<std::string>& argv,
                                  const std::string& stdin_data, std::string& out,
                                  std::string& err) = 0;
  virtual void log(const std::string& line) = 0;
  // What a user must see whatever the verbosity.
  virtual void warn(const std::string& line) = 0;
  // Aborted, or past the deadline: no further host is started.
  virtual bool should_stop() = 0;
};

// What is deployed, and how the hosts reach it.
struct Release {
  int build = 0;
  std::string image;               // the pushed reference, as the record and the summary name it
  std::string digest;              // sha256:..., "" when unknown
  ImageRef ref;                    // `image` parsed
  std::string pinned;              // what the hosts pull (pinned_reference)
  std::string username, password;  // the registry login on the hosts; empty: none
  bool tls_verify = true;
  std::vector<std::pair<std::string, std::string>> labels;  // container_labels
  // Per target name: the container's variables (its `env`, then its credentials' fields).
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> env;
};

struct TargetRun {
  const DeployTarget* t = nullptr;
  std::string container;
  bool switched = false;  // the old container is kept aside; the new one may exist
  std::string previous_image, previous_build;
  std::string new_id;
  std::optional<HealthResult> health;
  std::string outcome = "not reached";  // deployed, rolled back, unchanged, failed, not reached
  std::string image_after;
  std::string restored_image;
  std::optional<HealthResult> restored_health;
  std::string new_state;
  std::string note;
  Millis duration{0};
};

struct Rollout {
  enum class Status { deployed, failed, aborted };
  std::vector<TargetRun> runs;  // point into the DeployConfig given to roll_out
  // The target that failed, or the first not started after an abort; runs.size() when every
  // target was deployed.
  size_t failed = 0;
  bool aborted = false;
  std::vector<std::string> others;  // what became of the targets switched before `failed`
  Millis took{0};

  Status status() const;
  const char* status_name() const;  // deployed, failed, aborted (as deploy.json says)
};

Rollout roll_out(const DeployConfig& cfg, const Release& release, Io& io);

// The stage's summary: who got what, or which target failed and what became of the others.
// `history_problem` (from append_history) is named in it.
std::string summary(const Rollout& r, const Release& release, const std::string& history_problem);

}  // namespace pw::deploy
