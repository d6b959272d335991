// What the deploy stage says to a host: the OpenSSH client's argv (batch mode, so the user's
// ~/.ssh/config, agent and known_hosts keep working) and the POSIX sh scripts run there. Pure
// text building, so the quoting and the order of steps are unit-tested without a host.
//
// Secrets never appear in these scripts or on any command line: the registry login and the
// container's env file arrive on the session's stdin (see switch_stdin). Scripts report
// facts as lines "::pw:: KEY VALUE" on stdout, read back with parse_report.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "deploy/config.h"

namespace pw::deploy {

// An image reference split as the engines read it: [registry/]repository[:tag][@digest].
struct ImageRef {
  std::string registry;    // "docker.io" when the reference names none
  std::string repository;  // path inside the registry ("library/x" is not added)
  std::string tag;         // "" when none
  std::string digest;      // "" when none
  std::string name;        // the reference without tag and digest, as written
};
ImageRef parse_image_ref(const std::string& ref);
bool is_sha256_digest(const std::string& digest);
// What the hosts pull: `ref` by digest when known, so every host runs exactly the pushed bytes
// even if the tag moved since; else `image` as pushed.
std::string pinned_reference(const std::string& image, const ImageRef& ref,
                             const std::string& digest);
// The container a target runs: its `container`, else the image's repository name (last part).
std::string container_name(const DeployTarget& t, const ImageRef& ref);

// The label naming the build on a container pipewright started (what `deploy --status` reads).
constexpr const char* kBuildLabel = "org.pipewright.build";
// The labels the new container carries (inspect_script reads them back).
std::vector<std::pair<std::string, std::string>> container_labels(int build,
                                                                  const std::string& project,
                                                                  const std::string& commit,
                                                                  const std::string& image,
                                                                  const std::string& deployed);

// The ssh argv that runs `remote_command` (one string, parsed by the remote user's shell).
std::vector<std::string> ssh_argv(const DeployTarget& t, const std::string& remote_command);
// `sh -c '<script>'`, quoted for the remote shell.
std::string remote_sh(const std::string& script);

// The name the running container is kept under while its successor proves healthy.
std::string previous_name(const std::string& container);

struct SwitchPlan {
  std::string engine;
  std::string container;
  std::string image;     // pulled and run: by digest when known
  std::string registry;  // for login/logout
  bool login = false;    // the stdin carries a username and a password line
  bool tls_verify = true;
  std::vector<std::string> ports;
  std::string restart;
  Millis stop_timeout{10000};
  std::vector<std::pair<std::string, std::string>> labels;
};

// Exit codes of switch_script, so the stage knows how far the host got. ssh's own failures
// are 255; below kSwitched the host is as it was before.
enum SwitchExit {
  kSetupFailed = 20,
  kLoginFailed = 21,
  kPullFailed = 22,
  kStopFailed = 23,
  kRunFailed = 24,
};

// Records the running container, logs in (when asked), pulls, stops the old container and
// keeps it under previous_name, then starts the new one from an env file (mode 0600, removed
// right after the start). Reads its stdin as switch_stdin wrote it.
std::string switch_script(const SwitchPlan& p);
// The script's stdin: username and password lines (empty when no login), then the env file.
std::string switch_stdin(const std::string& username, const std::string& password,
                         const std::vector<std::pair<std::string, std::string>>& env);

// Removes the new container (after printing its state and, when log_lines > 0, its last log
// lines) and brings the previous one back under its name with its old settings.
std::string rollback_script(const std::string& engine, const std::string& container, int log_lines);
// Removes the kept previous container once the rollout stands.
std::string finish_script(const std::string& engine, const std::string& container);
// The running container's image, state and pipewright labels (for `deploy --status`).
std::string inspect_script(const std::string& engine, const std::string& container);
// One fact: the container's state, exit code and restart count ("exited 3 0"), or "absent".
std::string state_script(const std::string& engine, const std::string& container);
// Polls the health URL on the host itself (curl, else python3) until the check's timeout.
std::string host_health_script(const HealthCheck& h);

struct RemoteReport {
  std::map<std::string, std::string> facts;  // KEY -> VALUE (the last one of a key)
  std::vector<std::string> container_log;    // lines between logs_begin and logs_end
  std::vector<std::string> other;            // everything else (engine output)
};
RemoteReport parse_report(const std::string& stdout_text);

}  // namespace pw::deploy
