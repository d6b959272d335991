#include "stages/container_engine.h"

#include <cctype>

#include "util/fs.h"
#include "util/strings.h"

namespace pw::stages {

namespace {
const char* kInstallHint =
    "install one: podman (Debian/Ubuntu: apt-get install podman) or Docker Engine "
    "(https://docs.docker.com/engine/install/)";
}

std::optional<ContainerEngine> find_container_engine(engine::StageContext& ctx,
                                                     const std::string& setting, std::string& why) {
  if (setting == "docker" || setting == "podman") {
    std::string path = find_on_path(setting);
    if (path.empty()) {
      why = setting + " is not installed (engine: " + setting + "); " + kInstallHint +
            ", or set engine to the other one";
      return std::nullopt;
    }
    return ContainerEngine{setting, path};
  }
  std::string docker = find_on_path("docker");
  std::string podman = find_on_path("podman");
  std::string docker_note;
  if (!docker.empty()) {
    // The docker CLI alone is not an engine: ask its daemon.
    std::string out, err;
    auto r = ctx.capture({docker, "version", "--format", "{{.Server.Version}}"}, out, {}, &err);
    if (r.ok() && !trim(out).empty()) return ContainerEngine{"docker", docker};
    docker_note = "docker is installed but its daemon does not answer";
    ctx.log(docker_note + (podman.empty() ? "" : "; using podman"));
  }
  if (!podman.empty()) return ContainerEngine{"podman", podman};
  why = (docker_note.empty()
             ? std::string("no container engine: neither docker nor podman is on PATH")
             : docker_note + " and podman is not on PATH") +
        "; " + kInstallHint;
  return std::nullopt;
}

std::string engine_error_lines(const std::vector<std::string>& tail, size_t max) {
  std::vector<std::string> lines;
  for (const auto& l : tail) {
    std::string t(trim(l));
    std::string low = to_lower(t);
    if (low.starts_with("error") || contains(low, " error:") || contains(low, "error:") ||
        low.starts_with("failed to") || low.starts_with("fatal"))
      lines.push_back(t);
  }
  if (lines.empty())
    for (auto it = tail.rbegin(); it != tail.rend() && lines.empty(); ++it)
      if (!trim(*it).empty()) lines.push_back(std::string(trim(*it)));
  if (lines.size() > max) lines.erase(lines.begin(), lines.end() - static_cast<long>(max));
  return join(lines, " | ");
}

std::string image_name_from(const std::string& text) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      out += static_cast<char>(std::tolower(u));
    else if (c == '.' || c == '_' || c == '-' || c == '/')
      out += c;
    else
      out += '-';
  }
  // Separators may not start or end a component.
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

bool valid_image_name(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  auto parts = split(name, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.empty()) return false;
    // A first component with '.' or ':' or "localhost" is a registry host, which may hold
    // upper case and a port.
    if (i == 0 && parts.size() > 1 &&
        (p.find('.') != std::string::npos || p.find(':') != std::string::npos || p == "localhost"))
      continue;
    if (!std::isalnum(static_cast<unsigned char>(p.front())) ||
        !std::isalnum(static_cast<unsigned char>(p.back())))
      return false;
    for (char c : p) {
      unsigned char u = static_cast<unsigned char>(c);
      if (!(std::islower(u) || std::isdigit(u) || c == '.' || c == '_' || c == '-')) return false;
    }
  }
  return true;
}

}  // namespace pw::stages
