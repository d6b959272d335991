#include "stages/post.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "exec/process.h"
#include "pipeline/builtins.h"
#include "stages/jenkins_steps.h"
#include "stages/outputs.h"
#include "stages/registry.h"
#include "stages/run_command.h"
#include "stages/settings.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/strings.h"

namespace pw::stages {

using engine::Status;

namespace {
const std::vector<std::string>& order() { return pipeline::post_conditions(); }
}  // namespace

std::vector<std::string> post_conditions(Status cur, std::optional<Status> prev) {
  std::vector<std::string> out;
  for (const auto& c : order()) {
    bool holds = false;
    if (c == "always" || c == "cleanup")
      holds = true;
    else if (c == "changed")
      holds = !prev || *prev != cur;
    else if (c == "fixed")
      holds =
          prev && cur == Status::success && (*prev == Status::failure || *prev == Status::unstable);
    else if (c == "regression")
      holds = prev && *prev == Status::success &&
              (cur == Status::failure || cur == Status::unstable || cur == Status::aborted);
    else if (c == "aborted")
      holds = cur == Status::aborted;
    else if (c == "failure")
      holds = cur == Status::failure;
    else if (c == "success")
      holds = cur == Status::success;
    else if (c == "unstable")
      holds = cur == Status::unstable;
    else if (c == "unsuccessful")
      holds = cur != Status::success;
    if (holds) out.push_back(c);
  }
  return out;
}

ArchiveResult archive_build(const std::filesystem::path& workspace,
                            const std::filesystem::path& reports,
                            const std::filesystem::path& artifacts,
                            const std::vector<std::string>& globs, const exec::Masker* masker) {
  namespace fs = std::filesystem;
  ArchiveResult result;
  std::error_code ec;
  fs::create_directories(artifacts, ec);
  auto copy_into = [&](const fs::path& from, const fs::path& rel) {
    fs::path to = artifacts / rel;
    fs::create_directories(to.parent_path(), ec);
    // Reports may quote a secret a tool printed: they pass through the masker like logs do.
    bool text = rel.extension() == ".xml" || rel.extension() == ".json" ||
                rel.extension() == ".sarif" || rel.extension() == ".txt";
    if (masker && !masker->empty() && text) {
      write_file_atomic(to, masker->mask(read_file(from)));
    } else {
      fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
      if (ec) throw Error("cannot archive " + from.string() + ": " + ec.message());
    }
    result.files.push_back(rel.string());
  };
  // Files the project produced, by glob over the workspace (dist/* by default).
  if (fs::is_directory(workspace)) {
    for (auto it = fs::recursive_directory_iterator(
             workspace, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      auto rel = fs::relative(it->path(), workspace, ec).string();
      if (it->is_directory() && (rel == ".git" || rel == ".venv" || rel == "node_modules")) {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) continue;
      for (const auto& g : globs)
        if (glob_match(g, rel)) {
          copy_into(it->path(), rel);
          break;
        }
    }
  }
  // Every report of the build.
  for (auto it = fs::recursive_directory_iterator(reports, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file() || it->path().filename().string().front() == '.') continue;
    copy_into(it->path(), fs::path("reports") / fs::relative(it->path(), reports, ec));
  }
  // The *.txt records later stages write straight into artifacts/ count too.
  std::vector<std::string> all;
  for (auto it = fs::recursive_directory_iterator(artifacts, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file()) continue;
    auto rel = fs::relative(it->path(), artifacts, ec).string();
    if (rel != "SHA256SUMS") all.push_back(rel);
  }
  std::sort(all.begin(), all.end());
  std::string sums;
  for (const auto& rel : all) sums += sha256_file_hex(artifacts / rel) + "  " + rel + "\n";
  write_file_atomic(artifacts / "SHA256SUMS", sums);
  result.files = all;
  return result;
}

namespace {

// The conditions that hold for this build; under a CI engine (the files `pipewright export`
// writes), the engine judges them with its own build history, in its own post blocks, and names
// the ones that hold here.
std::vector<std::string> conditions_now(engine::StageContext& ctx, Status cur,
                                        std::optional<Status> prev) {
  std::vector<std::string> conditions = post_conditions(cur, prev);
  if (const char* given = std::getenv("PIPEWRIGHT_POST_CONDITIONS")) {
    conditions.clear();
    for (const auto& c : split(given, ','))
      if (std::find(order().begin(), order().end(), c) != order().end()) conditions.push_back(c);
    ctx.log("conditions from the CI engine (PIPEWRIGHT_POST_CONDITIONS): " +
            (conditions.empty() ? std::string("none") : join(conditions, ", ")));
  }
  return conditions;
}

// What the condition blocks ran, and what failed.
struct Ran {
  std::vector<std::string> conditions, failures;
  int commands = 0;
};

// Runs each holding condition's commands; false when aborted (in the block `aborted_in` names).
bool run_conditions(engine::StageContext& ctx, const std::vector<std::string>& conditions,
                    const std::filesystem::path& cwd, Ran& ran, std::string& aborted_in) {
  for (const auto& cond : conditions) {
    auto cmds = ctx.settings().list(cond);
    if (cmds.empty()) continue;
    ran.conditions.push_back(cond);
    for (const auto& cmd : cmds) {
      ++ran.commands;
      ctx.log("[" + cond + "] $ " + cmd);
      auto r = ctx.run(exec::shell_argv(cmd), {.cwd = cwd, .log_command = false});
      if (r.aborted) {
        aborted_in = cond;
        return false;
      }
      if (!r.ok()) {
        // The rest of this block is skipped; the other conditions still run, as in Jenkins.
        ran.failures.push_back(cond + ": " +
                               describe_failure(r, ctx.output_tail(), "`" + cmd + "`"));
        break;
      }
    }
  }
  return true;
}

// Archives what the build produced, whatever happened (Jenkins' archiveArtifacts in post);
// returns the summary's part, "" on failure (recorded in `failures`).
std::string archive(engine::StageContext& ctx, std::vector<std::string>& failures) {
  try {
    auto globs = ctx.settings().list_if_set("archive").value_or(std::vector<std::string>{"dist/*"});
    auto a = archive_build(ctx.workspace(), ctx.paths().reports, ctx.paths().artifacts, globs,
                           &ctx.masker());
    for (const auto& f : a.files) ctx.log("archived " + f);
    ctx.data()["archived"] = a.files;
    return "archived " + std::to_string(a.files.size()) + " file" +
           (a.files.size() == 1 ? "" : "s") + " with SHA256SUMS";
  } catch (const Error& e) {
    failures.push_back(std::string("archive: ") + e.what());
  }
  return {};
}

// The summary: tests (as the summary table shows them, Jenkins' junit step in post), archive,
// what ran; or the failures.
engine::StageOutcome verdict(engine::StageContext& ctx, Status cur, const Ran& ran,
                             const std::string& archived) {
  std::string tests;
  if (auto t = test_results(ctx))
    tests = "tests " + std::to_string(t->passed) + " passed, " +
            std::to_string(t->failed + t->errors) + " failed";
  std::vector<std::string> parts;
  if (!tests.empty()) parts.push_back(tests);
  if (!archived.empty()) parts.push_back(archived);
  if (!ran.conditions.empty())
    parts.push_back("ran " + join(ran.conditions, ", ") + " (" + std::to_string(ran.commands) +
                    " command" + (ran.commands == 1 ? "" : "s") + ")");
  if (!ran.failures.empty()) return engine::StageOutcome::failed(join(ran.failures, "; "));
  if (parts.empty()) return engine::StageOutcome::ok("nothing to do for " + engine::to_string(cur));
  return engine::StageOutcome::ok(join(parts, "; "));
}

}  // namespace

engine::StageOutcome PostStage::run(engine::StageContext& ctx) {
  Status cur = ctx.status_so_far();
  std::optional<Status> prev;
  if (ctx.previous()) prev = ctx.previous()->status;
  ctx.log("build status so far: " + engine::to_string(cur) +
          (prev ? ", previous build: " + engine::to_string(*prev) : ", no previous build"));
  auto cwd = ctx.workspace();
  if (!std::filesystem::is_directory(cwd)) cwd = ctx.project_dir();
  Ran ran;
  std::string aborted_in;
  if (!run_conditions(ctx, conditions_now(ctx, cur, prev), cwd, ran, aborted_in))
    return {Status::aborted, "aborted during post." + aborted_in};
  ctx.data()["conditions"] = ran.conditions;
  std::string archived = archive(ctx, ran.failures);
  return verdict(ctx, cur, ran, archived);
}

namespace {
const BuiltinStage kPostRegistered([](engine::StageRegistry& r) {
  // A Jenkinsfile's pipeline-level post is the post stage too, with its steps interpreted.
  r.add(
      "post",
      [](const pipeline::StageSpec& s) -> std::unique_ptr<engine::Stage> {
        if (s.setting("jenkinsfile")) return std::make_unique<JenkinsStage>();
        return std::make_unique<PostStage>();
      },
      [](const pipeline::StageSpec& s, const pipeline::Pipeline& p, std::vector<Diagnostic>& d) {
        if (s.setting("jenkinsfile")) JenkinsStage::validate(s, p, d);
      });
});
}  // namespace

}  // namespace pw::stages
