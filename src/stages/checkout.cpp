#include "stages/checkout.h"

#include <cstdlib>
#include <filesystem>

#include "exec/capture.h"
#include "stages/cache_policies.h"
#include "stages/registry.h"
#include "stages/run_command.h"
#include "stages/settings.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

namespace {

std::string short_sha(const std::string& sha) { return sha.substr(0, 12); }

// CI engines check out a detached HEAD and name the branch in a variable; `when.branch` and
// the build record need it (pipewright export runs every stage under one of them).
std::string ci_branch() {
  auto var = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  if (!var("GITLAB_CI").empty()) return var("CI_COMMIT_BRANCH");
  if (!var("GITHUB_ACTIONS").empty()) {
    std::string ref = var("GITHUB_REF");
    return ref.rfind("refs/heads/", 0) == 0 ? ref.substr(11) : "";
  }
  if (!var("JENKINS_URL").empty()) return var("BRANCH_NAME");
  return "";
}

engine::StageOutcome in_place(engine::StageContext& ctx) {
  const fs::path& dir = ctx.project_dir();
  auto commit = exec::git(dir, {"rev-parse", "--verify", "-q", "HEAD"});
  if (!commit) {
    ctx.set_source("", "", dir);
    ctx.log("not a git repository (or no commits yet): building the folder as it is");
    return engine::StageOutcome::ok("in place, " + dir.string() + " (no git commit)");
  }
  std::string branch = exec::git(dir, {"rev-parse", "--abbrev-ref", "HEAD"}).value_or("");
  if (branch == "HEAD") branch = ci_branch();
  ctx.set_source(*commit, branch, dir);
  auto status =
      exec::git(dir, {"status", "--porcelain", "--untracked-files=normal", "--", "."}).value_or("");
  size_t changes = status.empty() ? 0 : split_lines(status).size();
  std::string s = "in place at " + short_sha(*commit) + (branch.empty() ? "" : " (" + branch + ")");
  if (changes) s += ", " + std::to_string(changes) + " uncommitted change(s) included";
  return engine::StageOutcome::ok(s);
}

}  // namespace

engine::StageOutcome CheckoutStage::run(engine::StageContext& ctx) {
  const auto& ov = ctx.overrides();
  std::string repo = !ov.repo.empty() ? ov.repo : ctx.settings().text_or("repo", "");
  std::string ref = !ov.ref.empty() ? ov.ref : ctx.settings().text_or("ref", "");
  bool inplace = ov.in_place || ctx.settings().flag("in_place", false);
  if (inplace) return in_place(ctx);

  fs::path ws = ctx.paths().workspace;
  std::error_code ec;
  fs::remove_all(ws, ec);  // a re-run of checkout in the same build starts clean
  if (ec) return engine::StageOutcome::failed("cannot clear " + ws.string() + ": " + ec.message());

  std::string source;
  std::string branch;
  fs::path subdir;  // the project's place inside its repository (a monorepo's service folder)
  if (!repo.empty()) {
    source = repo;
  } else {
    const fs::path& dir = ctx.project_dir();
    auto top = exec::git(dir, {"rev-parse", "--show-toplevel"});
    if (!top)
      return engine::StageOutcome::failed(
          dir.string() +
          " is not in a git repository: commit the project to git, or run with "
          "--in-place to build the folder as it is");
    auto head = exec::git(dir, {"rev-parse", "--verify", "-q", "HEAD"});
    if (!head)
      return engine::StageOutcome::failed("the repository at " + *top +
                                          " has no commits yet: commit first, or use --in-place");
    source = *top;
    if (ref.empty()) {
      ref = *head;
      branch = exec::git(dir, {"rev-parse", "--abbrev-ref", "HEAD"}).value_or("");
      if (branch == "HEAD") branch = ci_branch();
    }
    subdir = fs::relative(fs::canonical(dir), fs::canonical(*top), ec);
    if (ec || subdir == ".") subdir.clear();
    auto dirty = exec::git(dir, {"status", "--porcelain", "--untracked-files=no"}).value_or("");
    if (!dirty.empty())
      ctx.log(
          "note: the working tree has uncommitted changes; the build uses the committed "
          "state (run with --in-place to include them)");
  }

  auto r = ctx.run({"git", "clone", "--quiet", "--no-checkout", source, ws.string()},
                   {.cwd = ctx.paths().root});
  if (!r.ok())
    return engine::StageOutcome::failed(describe_failure(r, ctx.output_tail(), "git clone"));
  if (ref.empty()) {
    // A plain clone of a URL: its default branch.
    branch = exec::git(ws, {"symbolic-ref", "--short", "-q", "HEAD"}).value_or("");
    r = ctx.run({"git", "checkout", "--quiet", branch.empty() ? "HEAD" : branch}, {.cwd = ws});
  } else {
    // A branch name of the source becomes a local branch (as CI checks out), else detached.
    bool is_branch =
        exec::git(ws, {"rev-parse", "--verify", "-q", "refs/remotes/origin/" + ref}).has_value();
    if (is_branch) {
      branch = ref;
      r = ctx.run({"git", "checkout", "--quiet", "-B", ref, "origin/" + ref}, {.cwd = ws});
    } else if (!branch.empty()) {
      r = ctx.run({"git", "checkout", "--quiet", "-B", branch, ref}, {.cwd = ws});
    } else {
      r = ctx.run({"git", "checkout", "--quiet", "--detach", ref}, {.cwd = ws});
    }
  }
  if (!r.ok())
    return engine::StageOutcome::failed(
        describe_failure(r, ctx.output_tail(), "git checkout " + ref));
  auto commit = exec::git(ws, {"rev-parse", "HEAD"}).value_or("");
  fs::path workdir = subdir.empty() ? ws : ws / subdir;
  ctx.set_source(commit, branch, workdir);
  ctx.data()["commit"] = commit;
  ctx.data()["branch"] = branch;
  ctx.data()["source"] = source;
  // The commit's subject, for the history's build lists (pipewright history, serve).
  ctx.data()["message"] = exec::git(ws, {"log", "-1", "--format=%s"}).value_or("");
  return engine::StageOutcome::ok(short_sha(commit) + (branch.empty() ? "" : " on " + branch) +
                                  (repo.empty() ? "" : " from " + repo));
}

namespace {
const BuiltinStage kRegistered([](engine::StageRegistry& r) {
  r.add("checkout", make_stage<CheckoutStage>(), {}, cache_policy("checkout"));
});
}  // namespace

}  // namespace pw::stages
