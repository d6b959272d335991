#include "stages/post.h"

#include <filesystem>

#include "exec/process.h"
#include "stages/run_command.h"
#include "stages/settings.h"
#include "util/strings.h"

namespace pw::stages {

using engine::Status;

namespace {
const std::vector<std::string>& order() {
  static const std::vector<std::string> o = {"always",  "changed", "fixed",   "regression",
                                             "aborted", "failure", "success", "unstable",
                                             "unsuccessful", "cleanup"};
  return o;
}
}  // namespace

std::vector<std::string> post_conditions(Status cur, std::optional<Status> prev) {
  std::vector<std::string> out;
  for (const auto& c : order()) {
    bool holds = false;
    if (c == "always" || c == "cleanup") holds = true;
    else if (c == "changed") holds = !prev || *prev != cur;
    else if (c == "fixed") holds = prev && cur == Status::success &&
                                   (*prev == Status::failure || *prev == Status::unstable);
    else if (c == "regression") holds = prev && *prev == Status::success &&
                                        (cur == Status::failure || cur == Status::unstable ||
                                         cur == Status::aborted);
    else if (c == "aborted") holds = cur == Status::aborted;
    else if (c == "failure") holds = cur == Status::failure;
    else if (c == "success") holds = cur == Status::success;
    else if (c == "unstable") holds = cur == Status::unstable;
    else if (c == "unsuccessful") holds = cur != Status::success;
    if (holds) out.push_back(c);
  }
  return out;
}

void PostStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                         std::vector<Diagnostic>& diags) {
  for (const auto& c : order()) get_list(spec, c, &diags);
}

engine::StageOutcome PostStage::run(engine::StageContext& ctx) {
  Status cur = ctx.status_so_far();
  std::optional<Status> prev;
  if (ctx.previous()) prev = ctx.previous()->status;
  ctx.log("build status so far: " + engine::to_string(cur) +
          (prev ? ", previous build: " + engine::to_string(*prev) : ", no previous build"));
  auto cwd = ctx.workspace();
  if (!std::filesystem::is_directory(cwd)) cwd = ctx.project_dir();

  std::vector<std::string> ran, failures;
  int commands = 0;
  for (const auto& cond : post_conditions(cur, prev)) {
    auto cmds = get_list(ctx.spec(), cond).value_or(std::vector<std::string>{});
    if (cmds.empty()) continue;
    ran.push_back(cond);
    for (const auto& cmd : cmds) {
      ++commands;
      ctx.log("[" + cond + "] $ " + cmd);
      auto r = ctx.run(exec::shell_argv(cmd), {.cwd = cwd, .log_command = false});
      if (r.aborted) return {Status::aborted, "aborted during post." + cond};
      if (!r.ok()) {
        // The rest of this block is skipped; the other conditions still run, as in Jenkins.
        failures.push_back(cond + ": " + describe_failure(r, ctx.output_tail(), "`" + cmd + "`"));
        break;
      }
    }
  }
  ctx.data()["conditions"] = ran;
  if (!failures.empty()) return engine::StageOutcome::failed(join(failures, "; "));
  if (ran.empty()) return engine::StageOutcome::ok("nothing to do for " + engine::to_string(cur));
  return engine::StageOutcome::ok("ran " + join(ran, ", ") + " (" + std::to_string(commands) +
                                  " command" + (commands == 1 ? "" : "s") + ")");
}

}  // namespace pw::stages
