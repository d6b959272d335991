// Runs a short helper command (git rev-parse and the like) and returns its stdout. Not for
// stage work: that goes through StageContext so it is logged, masked and bounded.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pw::exec {

struct Captured {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  bool ok() const { return exit_code == 0; }
};

Captured capture(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {},
                 int timeout_seconds = 60);

// `git -C dir args...` stdout with the trailing newline removed; nullopt when git fails.
std::optional<std::string> git(const std::filesystem::path& dir,
                               const std::vector<std::string>& args);

}  // namespace pw::exec
