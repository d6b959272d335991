#include "exec/capture.h"

#include "exec/process.h"

namespace pw::exec {

Captured capture(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                 int timeout_seconds) {
  ProcessSpec spec;
  spec.argv = argv;
  spec.cwd = cwd;
  spec.env = current_environment();
  spec.merge_stderr = false;
  ProcessLimits limits;
  limits.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  Captured c;
  auto r = run_process(spec, limits, [&](Stream s, std::string_view data) {
    (s == Stream::out ? c.out : c.err).append(data);
  });
  c.exit_code = r.spawn_error.empty() ? r.exit_code : 127;
  if (!r.spawn_error.empty()) c.err = r.spawn_error;
  return c;
}

std::optional<std::string> git(const std::filesystem::path& dir,
                               const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"git", "-C", dir.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto c = capture(argv);
  if (!c.ok()) return std::nullopt;
  while (!c.out.empty() && (c.out.back() == '\n' || c.out.back() == '\r')) c.out.pop_back();
  return c.out;
}

}  // namespace pw::exec
