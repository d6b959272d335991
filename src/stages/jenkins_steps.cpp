// The jenkins stage: runs a Jenkins stage (or the pipeline's post) of the Jenkinsfile with the
// jenkinsfile layer's step interpreter, giving it this stage's context through a StepHost: the
// log, processes, credentials, and pipewright's own stages for the plugin steps.
#include "stages/jenkins_steps.h"

#include <filesystem>
#include <memory>

#include "engine/console.h"
#include "exec/capture.h"
#include "jenkinsfile/steps.h"
#include "stages/analysis.h"
#include "stages/checkout.h"
#include "stages/container_engine.h"
#include "stages/dependency_scan.h"
#include "stages/post.h"
#include "stages/registry.h"
#include "stages/settings.h"
#include "util/strings.h"

namespace pw::stages {

namespace jf = pw::jenkinsfile;
using engine::Status;

namespace {

class ContextHost : public jf::StepHost {
 public:
  explicit ContextHost(engine::StageContext& ctx) : ctx_(ctx) {}

  std::filesystem::path workspace() override { return ctx_.workspace(); }
  std::string commit() override { return ctx_.commit(); }
  std::string branch() override { return ctx_.branch(); }
  std::optional<std::vector<std::string>> changed_files() override {
    const auto& prev = ctx_.previous();
    if (!prev || prev->commit.empty()) return std::nullopt;
    auto out = exec::git(ctx_.workspace(), {"diff", "--name-only", prev->commit, "HEAD"});
    if (!out) return std::nullopt;
    return split_lines(*out);
  }
  std::string status_so_far() override { return engine::to_string(ctx_.status_so_far()); }
  bool aborted() override { return ctx_.aborted(); }
  void log(const std::string& line) override { ctx_.log(line); }
  void warn(const std::string& line) override { ctx_.warn(line); }
  bool has_credential(const std::string& id) override { return ctx_.credentials().has(id); }
  std::string credential_field(const std::string& id, const std::string& field) override {
    return ctx_.credentials().field(id, field);
  }
  exec::ProcessResult run(const std::vector<std::string>& argv) override { return ctx_.run(argv); }
  exec::ProcessResult run_script(const std::vector<std::string>& argv,
                                 const std::filesystem::path& cwd, const jf::EnvList& env,
                                 std::string* out) override {
    engine::RunOptions opts;
    opts.cwd = cwd;
    opts.log_command = false;
    opts.env = env;
    return out ? ctx_.capture(argv, *out, opts) : ctx_.run(argv, opts);
  }
  std::vector<std::string> output_tail() override { return ctx_.output_tail(); }
  std::optional<std::string> container_engine(std::string& why) override {
    auto eng = find_container_engine(ctx_, "", why);
    if (!eng) return std::nullopt;
    return eng->path;
  }
  jf::BuiltinOutcome run_builtin(const std::string& kind) override {
    engine::StageOutcome out;
    if (kind == "checkout")
      out = CheckoutStage{}.run(ctx_);
    else if (kind == "dependency-scan")
      out = DependencyScanStage{}.run(ctx_);
    else if (kind == "analysis")
      out = AnalysisStage{}.run(ctx_);
    else
      out = QualityGateStage{}.run(ctx_);
    jf::BuiltinOutcome b;
    b.result = out.status == Status::failure    ? jf::Result::failure
               : out.status == Status::unstable ? jf::Result::unstable
                                                : jf::Result::success;
    b.status = engine::to_string(out.status);
    b.summary = out.summary;
    b.fails_build = out.fails_build;
    return b;
  }
  std::optional<std::string> ask(
      const std::string& question,
      std::optional<std::chrono::steady_clock::time_point> deadline) override {
    return ctx_.ask(question, deadline);
  }
  bool can_ask() override { return engine::Console::can_ask(); }
  void record_tests(const reports::TestTotals& t) override {
    ctx_.data()["tests"] = {{"tests", t.tests},
                            {"passed", t.passed},
                            {"failed", t.failed},
                            {"errors", t.errors},
                            {"skipped", t.skipped}};
  }

 private:
  engine::StageContext& ctx_;
};

Status to_status(jf::Result r) {
  return r == jf::Result::failure    ? Status::failure
         : r == jf::Result::unstable ? Status::unstable
                                     : Status::success;
}

engine::StageOutcome to_outcome(const jf::RunOutcome& r) {
  using K = jf::RunOutcome::Kind;
  Status s = r.kind == K::failure    ? Status::failure
             : r.kind == K::unstable ? Status::unstable
             : r.kind == K::skipped  ? Status::skipped
             : r.kind == K::aborted  ? Status::aborted
                                     : Status::success;
  engine::StageOutcome out{s, r.summary};
  out.fails_build = r.fails_build;
  return out;
}

}  // namespace

void JenkinsStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                            std::vector<Diagnostic>& diags) {
  if (!get_string(spec, "jenkinsfile", &diags))
    diags.push_back({spec.where.file, spec.where.line, spec.where.col,
                     "stage '" + spec.id + "': a jenkins stage needs its jenkinsfile setting"});
}

engine::StageOutcome JenkinsStage::run(engine::StageContext& ctx) {
  // Settings: the file, the stage's index path (or "post"), -p values, --skip-unsupported.
  const auto& spec = ctx.spec();
  auto file = get_string(spec, "jenkinsfile").value_or("");
  std::string path = get_string(spec, "path").value_or("");
  jf::RunSettings settings;
  if (const auto* s = spec.setting("params"); s && s->value.IsMap())
    for (const auto& kv : s->value)
      settings.params[kv.first.as<std::string>()] = kv.second.as<std::string>();
  settings.skip_unsupported = get_bool(spec, "skip_unsupported").value_or(false);
  std::shared_ptr<const jf::Pipeline> jp;
  try {
    jp = jf::load_cached(file);
  } catch (const Error& e) {
    return engine::StageOutcome::failed(e.what());
  }
  jf::BuildFacts facts;
  facts.number = ctx.paths().number;
  facts.job = ctx.pipeline().project.name.empty() ? ctx.project_dir().filename().string()
                                                  : ctx.pipeline().project.name;
  facts.stage_name = spec.description;
  facts.root = ctx.paths().root;
  facts.artifacts = ctx.paths().artifacts;
  facts.reports = ctx.paths().reports;
  facts.credentials_file = ctx.credentials().path();
  facts.in_place = ctx.overrides().in_place;
  ContextHost host(ctx);

  // The interpreter, then its outcome. Post conditions compare with the previous build: the
  // pipeline's post with its status, a stage's post with that stage's.
  if (path == "post") {
    Status current = ctx.status_so_far();
    std::optional<Status> prev;
    if (ctx.previous()) prev = ctx.previous()->status;
    if (current == Status::skipped || current == Status::not_built) current = Status::success;
    return to_outcome(
        jf::run_pipeline_post(host, facts, *jp, settings, post_conditions(current, prev)));
  }
  std::optional<Status> prev;
  if (ctx.previous())
    for (const auto& r : ctx.previous()->stages)
      if (r.id == spec.id) prev = r.status;
  if (path.ends_with("/post")) {
    // A stage's post after its nested stages (the stage's needs): conditions on what they
    // ended as, as that stage's result (the scheduler runs it only when one of them ran).
    Status current = ctx.status_so_far(spec.needs);
    return to_outcome(jf::run_stage_post(host, facts, *jp, settings,
                                         path.substr(0, path.size() - 5),
                                         post_conditions(current, prev)));
  }
  auto conditions = [&](jf::Result r) { return post_conditions(to_status(r), prev); };
  return to_outcome(jf::run_stage(host, facts, *jp, settings, path, conditions));
}

namespace {
const BuiltinStage kJenkinsStepsRegistered([](engine::StageRegistry& r) {
  r.add("jenkins", make_stage<JenkinsStage>(), JenkinsStage::validate);  // steps: never cached
});
}  // namespace

}  // namespace pw::stages
