// The targets a build's image goes to: the grammar of the deploy stage's `targets` setting
// (typed `structured` in the settings table, read here), with every problem reported at once
// (file, line, column), so a typo in a host's entry is exit code 2 before the build starts, not
// a failed rollout half-way through.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/duration.h"
#include "util/error.h"

namespace pw::deploy {

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

// What a rollout is given: the stage's `rollback` setting and its targets.
struct DeployConfig {
  bool rollback = true;
  std::vector<DeployTarget> targets;
};

// The setting keys a target accepts (for the loader's table and for suggestions).
const std::vector<std::string>& deploy_target_keys();

// Where the `targets` setting was written: problems with the list as a whole are reported there.
struct SettingPlace {
  std::string file;
  int line = 0;
  int col = 0;
};

// Reads the `targets` setting as written (null: no targets). Problems go to `diags`; what could
// be read is returned.
std::vector<DeployTarget> read_targets(const YAML::Node& targets, const SettingPlace& where,
                                       std::vector<Diagnostic>& diags);

// Expands a leading "~/" with $HOME.
std::string expand_home(const std::string& path);

}  // namespace pw::deploy
