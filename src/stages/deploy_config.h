// The deploy stage's settings: the targets a build's image goes to, read from the stage's
// YAML with every problem reported at once (file, line, column), so a typo in a host's entry
// is exit code 2 before the build starts, not a failed rollout half-way through.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/model.h"
#include "util/duration.h"
#include "util/error.h"

namespace pw::stages {

struct HealthCheck {
  std::string url;  // empty: no health check configured
  int expect_status = 200;
  std::string body_contains;  // "" : any body
  Millis timeout{60000};      // until the check gives up
  Millis interval{1000};      // between attempts
  bool from_host = false;     // poll from the target host (over SSH) instead of the runner
};

// How unknown and changed host keys are met. strict refuses both (OpenSSH's
// StrictHostKeyChecking=yes); accept-new records an unknown key but still refuses a changed one.
enum class HostKeyCheck { strict, accept_new };

struct DeployTarget {
  std::string name;
  std::string host;
  int port = 22;
  std::string user;         // "": the ssh client's default (~/.ssh/config, then the local user)
  std::string identity;     // "": the agent and ~/.ssh/config
  std::string known_hosts;  // "": the user's
  HostKeyCheck host_key_check = HostKeyCheck::strict;
  std::string engine = "docker";   // the container CLI on the host (podman answers the same)
  std::string container;           // "": the image's repository name, last path part
  std::vector<std::string> ports;  // -p values
  std::vector<std::pair<std::string, std::string>> env;  // non-secret variables
  std::vector<std::string> credentials;  // ids whose fields become variables in the container
  std::string restart = "unless-stopped";
  Millis stop_timeout{10000};  // grace of `stop` before the engine kills the old container
  HealthCheck health;
};

struct DeployConfig {
  bool rollback = true;
  std::vector<DeployTarget> targets;
};

// The setting keys a target accepts (for the loader's table and for suggestions).
const std::vector<std::string>& deploy_target_keys();

// Reads `rollback` and `targets`. Problems go to `diags`; what could be read is returned.
DeployConfig read_deploy_config(const pipeline::StageSpec& spec, std::vector<Diagnostic>& diags);

// Expands a leading "~/" with $HOME.
std::string expand_home(const std::string& path);

}  // namespace pw::stages
