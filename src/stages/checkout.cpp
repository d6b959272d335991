#include "stages/checkout.h"

#include <cstdlib>
#include <filesystem>

#include "exec/capture.h"
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

// Where the build's sources come from and what is checked out of them.
struct Source {
  std::string source;  // the repository cloned
  std::string ref;     // "" for the source's default branch
  std::string branch;
  fs::path subdir;  // the project's place inside its repository (a monorepo's service folder)
};

// The project's own repository as the source, by default its HEAD; "" or why it cannot be.
std::string local_source(engine::StageContext& ctx, Source& src) {
  const fs::path& dir = ctx.project_dir();
  auto top = exec::git(dir, {"rev-parse", "--show-toplevel"});
  if (!top)
    return dir.string() +
           " is not in a git repository: commit the project to git, or run with "
           "--in-place to build the folder as it is";
  auto head = exec::git(dir, {"rev-parse", "--verify", "-q", "HEAD"});
  if (!head)
    return "the repository at " + *top + " has no commits yet: commit first, or use --in-place";
  src.source = *top;
  if (src.ref.empty()) {
    src.ref = *head;
    src.branch = exec::git(dir, {"rev-parse", "--abbrev-ref", "HEAD"}).value_or("");
    if (src.branch == "HEAD") src.branch = ci_branch();
  }
  std::error_code ec;
  src.subdir = fs::relative(fs::canonical(dir), fs::canonical(*top), ec);
  if (ec || src.subdir == ".") src.subdir.clear();
  auto dirty = exec::git(dir, {"status", "--porcelain", "--untracked-files=no"}).value_or("");
  if (!dirty.empty())
    ctx.log(
        "note: the working tree has uncommitted changes; the build uses the committed "
        "state (run with --in-place to include them)");
  return {};
}

// Clones the source into the workspace and checks out the ref; "" or the failure's summary.
std::string clone_and_check_out(engine::StageContext& ctx, const fs::path& ws, Source& src) {
  auto r = ctx.run({"git", "clone", "--quiet", "--no-checkout", src.source, ws.string()},
                   {.cwd = ctx.paths().root});
  if (!r.ok()) return describe_failure(r, ctx.output_tail(), "git clone");
  const std::string& ref = src.ref;
  if (ref.empty()) {
    // A plain clone of a URL: its default branch.
    src.branch = exec::git(ws, {"symbolic-ref", "--short", "-q", "HEAD"}).value_or("");
    r = ctx.run({"git", "checkout", "--quiet", src.branch.empty() ? "HEAD" : src.branch},
                {.cwd = ws});
  } else {
    // A branch name of the source becomes a local branch (as CI checks out), else detached.
    bool is_branch =
        exec::git(ws, {"rev-parse", "--verify", "-q", "refs/remotes/origin/" + ref}).has_value();
    if (is_branch) {
      src.branch = ref;
      r = ctx.run({"git", "checkout", "--quiet", "-B", ref, "origin/" + ref}, {.cwd = ws});
    } else if (!src.branch.empty()) {
      r = ctx.run({"git", "checkout", "--quiet", "-B", src.branch, ref}, {.cwd = ws});
    } else {
      r = ctx.run({"git", "checkout", "--quiet", "--detach", ref}, {.cwd = ws});
    }
  }
  if (!r.ok()) return describe_failure(r, ctx.output_tail(), "git checkout " + ref);
  return {};
}

// The submodules a plain clone leaves empty: each from the source's own checkout of it when
// there is one (offline, and the commits the developer has), else from its URL. `auto` says
// which could not be had as a warning and goes on; `top` and `recursive` fail the stage.
// Returns "" or the failure's summary; `count` is how many were checked out.
std::string check_out_submodules(engine::StageContext& ctx, const fs::path& ws, const Source& src,
                                 const std::string& mode, size_t& count) {
  count = 0;
  if (mode == "none" || !fs::exists(ws / ".gitmodules")) return {};
  auto r = ctx.run({"git", "submodule", "--quiet", "init"}, {.cwd = ws});
  if (!r.ok()) return describe_failure(r, ctx.output_tail(), "git submodule init");
  auto paths =
      exec::git(ws, {"config", "-f", ".gitmodules", "--get-regexp", "^submodule\\..*\\.path$"})
          .value_or("");
  std::vector<std::string> missing;
  for (const auto& line : split_lines(paths)) {
    // "submodule.<name>.path <path>": one at a time, so that one out of reach spoils no other.
    auto sp = line.find(' ');
    if (sp == std::string::npos || sp < 15) continue;
    std::string name = line.substr(10, sp - 15), path = line.substr(sp + 1);
    std::error_code ec;
    fs::path local = fs::path(src.source) / path;
    if (fs::exists(local / ".git", ec))
      exec::git(ws, {"config", "submodule." + name + ".url", local.string()});
    std::vector<std::string> argv = {"git",       "-c",      "protocol.file.allow=always",
                                     "submodule", "--quiet", "update"};
    if (mode != "top") argv.push_back("--recursive");
    argv.insert(argv.end(), {"--", path});
    r = ctx.run(argv, {.cwd = ws});
    if (r.ok())
      ++count;
    else
      missing.push_back(path);
  }
  if (missing.empty()) return {};
  std::string why = "git submodule update failed for " + join(missing, ", ") + " (see the log)";
  if (mode != "auto") return why;
  ctx.warn("submodules not checked out: " + why +
           "; checkout.submodules: none skips them, and a submodule checked out in the "
           "project's own folder is taken from there");
  return {};
}

// The checked-out commit, as the build's source and in the stage's data; returns the commit.
std::string record_source(engine::StageContext& ctx, const fs::path& ws, const Source& src) {
  auto commit = exec::git(ws, {"rev-parse", "HEAD"}).value_or("");
  ctx.set_source(commit, src.branch, src.subdir.empty() ? ws : ws / src.subdir);
  ctx.data()["commit"] = commit;
  ctx.data()["branch"] = src.branch;
  ctx.data()["source"] = src.source;
  // The commit's subject, for the history's build lists (pipewright history, serve).
  ctx.data()["message"] = exec::git(ws, {"log", "-1", "--format=%s"}).value_or("");
  return commit;
}

}  // namespace

engine::StageOutcome CheckoutStage::run(engine::StageContext& ctx) {
  const auto& ov = ctx.overrides();
  std::string repo = !ov.repo.empty() ? ov.repo : ctx.settings().text_or("repo", "");
  Source src;
  src.ref = !ov.ref.empty() ? ov.ref : ctx.settings().text_or("ref", "");
  bool inplace = ov.in_place || ctx.settings().flag("in_place", false);
  if (inplace) return in_place(ctx);

  fs::path ws = ctx.paths().workspace;
  std::error_code ec;
  fs::remove_all(ws, ec);  // a re-run of checkout in the same build starts clean
  if (ec) return engine::StageOutcome::failed("cannot clear " + ws.string() + ": " + ec.message());
  src.source = repo;
  std::string err = repo.empty() ? local_source(ctx, src) : "";
  if (err.empty()) err = clone_and_check_out(ctx, ws, src);
  size_t submodules = 0;
  if (err.empty())
    err = check_out_submodules(ctx, ws, src, ctx.settings().text_or("submodules", "auto"),
                               submodules);
  if (!err.empty()) return engine::StageOutcome::failed(err);
  std::string commit = record_source(ctx, ws, src);
  ctx.data()["submodules"] = submodules;
  return engine::StageOutcome::ok(
      short_sha(commit) + (src.branch.empty() ? "" : " on " + src.branch) +
      (repo.empty() ? "" : " from " + repo) +
      (submodules ? ", " + std::to_string(submodules) + " submodule(s)" : ""));
}

namespace {
const BuiltinStage kCheckoutRegistered([](engine::StageRegistry& r) {
  // What checkout gives the stages after it is the tree, which their keys cover file by file;
  // its commit would make every commit a change (analysis names the commit itself).
  r.add("checkout", make_stage<CheckoutStage>(), {},
        {.result = [](const engine::KeyInputs&) { return std::string("the tree"); }});
});
}  // namespace

}  // namespace pw::stages
