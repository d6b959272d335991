// A `run:` stage: one shell command in the build's workspace.
#include "stages/run_command.h"

#include <filesystem>

#include "exec/process.h"
#include "stages/registry.h"
#include "util/duration.h"
#include "util/strings.h"

namespace pw::stages {

std::string describe_failure(const exec::ProcessResult& r, const std::vector<std::string>& tail,
                             const std::string& what) {
  if (r.timed_out) return what + " timed out (its processes were killed)";
  if (!r.spawn_error.empty()) return r.spawn_error;
  if (r.exit_code == 127) {
    for (auto it = tail.rbegin(); it != tail.rend(); ++it)
      if (contains(*it, "command not found") || contains(*it, "not found"))
        return "command not found (exit code 127): " + std::string(trim(*it));
    return what + " failed with exit code 127 (command not found)";
  }
  if (r.term_signal) return what + " was " + r.describe();
  // A tool's own error line says more than an exit code (pip: "ERROR: No matching distribution").
  for (const auto& l : tail) {
    auto t = trim(l);
    if (t.starts_with("ERROR:") || t.starts_with("error:") || t.starts_with("fatal:"))
      return what + " failed with " + r.describe() + ": " + std::string(t);
  }
  // Else the last line that names an error: a Python exception ("OSError: [Errno 28] No space
  // left on device: ..."), or the system's word for a full disk from any tool.
  for (auto it = tail.rbegin(); it != tail.rend(); ++it) {
    auto t = trim(*it);
    auto colon = t.find(": ");
    bool exception =
        colon != std::string_view::npos && colon > 0 &&
        (t.substr(0, colon).ends_with("Error") || t.substr(0, colon).ends_with("Exception")) &&
        t.substr(0, colon).find(' ') == std::string_view::npos;
    if (exception || contains(t, "No space left on device") || contains(t, "Disk quota exceeded"))
      return what + " failed with " + r.describe() + ": " + std::string(t);
  }
  return what + " failed with " + r.describe();
}

engine::StageOutcome RunCommandStage::run(engine::StageContext& ctx) {
  auto ws = ctx.workspace();
  if (!std::filesystem::is_directory(ws))
    return engine::StageOutcome::failed(
        "the workspace " + ws.string() +
        " does not exist: run checkout first (pipewright run --build N checkout --only)");
  const std::string& cmd = ctx.spec().run;
  auto r = ctx.run(exec::shell_argv(cmd), {.log_command = false});
  std::string shown = std::string(trim(cmd));
  if (shown.find('\n') != std::string::npos) shown = shown.substr(0, shown.find('\n')) + " ...";
  if (r.aborted) return {engine::Status::aborted, "aborted"};
  if (r.ok()) return engine::StageOutcome::ok("`" + shown + "`");
  return engine::StageOutcome::failed(describe_failure(r, ctx.output_tail(), "`" + shown + "`"));
}

namespace {
const BuiltinStage kRunCommandRegistered([](engine::StageRegistry& r) {
  r.add("run", make_stage<RunCommandStage>());
});
}  // namespace

}  // namespace pw::stages
