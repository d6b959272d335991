// The container engine image-build and image-push drive: docker or podman, which share the CLI
// they use (build, tag, login --password-stdin, push). Chosen by the `engine` setting, else
// docker when its daemon answers, else podman: a docker CLI without a daemon (common on CI
// agents and on this project's machines) must not win over a working podman.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/stage.h"

namespace pw::stages {

struct ContainerEngine {
  std::string name;  // "docker" or "podman"
  std::string path;  // on PATH
  bool is_podman() const { return name == "podman"; }
};

// The engine to use; nullopt with `why` set (naming both engines and how to install one) when
// none can be used. `setting` is "", "auto", "docker" or "podman".
std::optional<ContainerEngine> find_container_engine(engine::StageContext& ctx,
                                                     const std::string& setting, std::string& why);

// The engine's own error lines from the end of its output ("Error: ...", "ERROR: ...", a
// Dockerfile step that failed), at most `max` of them, joined with " | ".
std::string engine_error_lines(const std::vector<std::string>& tail, size_t max = 3);

// A repository name as registries accept it: lower case, [a-z0-9] runs separated by '.', '_',
// '__', '-' and '/'. `text` is turned into one (other characters become '-'); "" stays "".
std::string image_name_from(const std::string& text);
bool valid_image_name(const std::string& name);  // may carry a registry host[:port]/ prefix

}  // namespace pw::stages
